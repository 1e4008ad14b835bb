"""Vendor quirks, kept out of the handlers.

Real OCPP 1.6 chargers bend the spec in a few well-known ways. Each quirk is a
small pure function so it can be tested on its own and grown per vendor.
"""


# Some firmwares write decimals with a comma ("12,5") or pad with spaces.
def parse_number(text):
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    try:
        return float(str(text).strip().replace(",", "."))
    except ValueError:
        return None


# Several vendors omit the unit on the energy register although they report kWh;
# a register below this many "Wh" with a fractional part is almost surely kWh.
# We do NOT guess: the value is passed through as Wh, and Odoo reviews jumps.
# (Kept here as the place where a per-vendor override would go.)
VENDOR_ENERGY_UNIT = {
    # "VendorX": "kWh",
}


def energy_unit(vendor, unit):
    """Unit to assume for an energy register sample of ``vendor``."""
    if unit:
        return unit
    return VENDOR_ENERGY_UNIT.get(vendor or "", "Wh")


# Phases we sum when a charger reports power per phase and no total.
PHASE_LINES = ("L1", "L2", "L3")
