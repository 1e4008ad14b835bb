"""Vendor quirks, kept out of the handlers.

Real OCPP 1.6 chargers bend the spec in a few well-known ways. Each quirk is a
small pure function so it can be tested on its own and grown per vendor.
(Timestamps without a ``Z``: see timestamps.py; DataTransfer vendors: vendors.py.)
"""

import math


# Some firmwares write decimals with a comma ("12,5") or pad with spaces.
# "NaN", "inf" and "1e400" are strings Python's float() reads, but no meter
# measures them and JSON cannot carry them: they are not numbers here.
def parse_number(text):
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        try:
            value = float(str(text).strip().replace(",", "."))
        except (ValueError, OverflowError):
            return None
    return value if math.isfinite(value) else None


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
