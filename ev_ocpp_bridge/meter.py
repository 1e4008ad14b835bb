"""Meter value normalisation: Wh and kWh to Wh, keep energy register, power and SoC.

Impossible data (negative energy, resets, transaction id -1) is NOT judged
here: it is passed through faithfully for Odoo to review. Values that are not
finite numbers ("NaN", "inf", "1e400", or a kWh value that overflows in Wh) are
left out: strict JSON cannot carry them. A sample whose time cannot be read gets
the receive time and ``timestamp_substituted`` (timestamps.py).
"""

import math

from . import quirks, timestamps

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
SOC = "SoC"

_ENERGY_FACTOR = {"Wh": 1.0, "kWh": 1000.0}
_POWER_FACTOR = {"W": 1.0, "kW": 1000.0}


def _finite(value):
    return value if value is not None and math.isfinite(value) else None


def normalise(meter_value, vendor=None, received_at=None):
    """``meter_value`` as the library hands it (snake_case list of dicts) ->
    ``[{"timestamp", "energy_wh", "power_w", "soc"}]`` (None when not sampled)."""
    samples = []
    for entry in meter_value or ():
        stamp, flags = timestamps.resolve(entry.get("timestamp"), received_at)
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
        sample = {
            "timestamp": stamp,
            "energy_wh": _finite(energy),
            "power_w": _finite(power),
            "soc": _finite(soc),
        }
        if flags:
            sample["timestamp_substituted"] = True
        samples.append(sample)
    return samples
