"""Meter value normalisation: Wh and kWh to Wh, keep energy register, power and SoC.

Impossible data (negative energy, resets, transaction id -1) is NOT judged
here: it is passed through faithfully for Odoo to review.
"""

from . import quirks

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
SOC = "SoC"

_ENERGY_FACTOR = {"Wh": 1.0, "kWh": 1000.0}
_POWER_FACTOR = {"W": 1.0, "kW": 1000.0}


def normalise(meter_value, vendor=None):
    """``meter_value`` as the library hands it (snake_case list of dicts) ->
    ``[{"timestamp", "energy_wh", "power_w", "soc"}]`` (None when not sampled)."""
    samples = []
    for entry in meter_value or ():
        energy = power = soc = None
        phase_power = {}
        phase_energy = {}
        for sampled in entry.get("sampled_value") or ():
            if sampled.get("format") == "SignedData":
                continue
            measurand = sampled.get("measurand") or ENERGY
            value = quirks.parse_number(sampled.get("value"))
            if value is None:
                continue
            phase = sampled.get("phase")
            if measurand == ENERGY:
                unit = quirks.energy_unit(vendor, sampled.get("unit"))
                wh = value * _ENERGY_FACTOR.get(unit, 1.0)
                if phase in quirks.PHASE_LINES:
                    phase_energy[phase] = wh
                elif not phase:
                    energy = wh
            elif measurand == POWER:
                watts = value * _POWER_FACTOR.get(sampled.get("unit") or "W", 1.0)
                if phase in quirks.PHASE_LINES:
                    phase_power[phase] = watts
                elif not phase:
                    power = watts
            elif measurand == SOC:
                soc = value
        if energy is None and phase_energy:
            energy = sum(phase_energy.values())
        if power is None and phase_power:
            power = sum(phase_power.values())
        samples.append(
            {
                "timestamp": entry.get("timestamp"),
                "energy_wh": energy,
                "power_w": power,
                "soc": soc,
            }
        )
    return samples
