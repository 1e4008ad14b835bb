"""Quote a charge before it starts: price and estimated duration for X kWh.

The quote assumes the session starts at ``start`` and draws a constant power until the
bought energy is delivered, the driver unplugging at once (parking fee for that time, no
overstay — the driver controls that).  Power: the charger's recent real power when
known, else ``QUOTE_MAX_POWER_FACTOR`` (0.9) × the connector's maximum power, an
allowance for conversion losses and the taper of a battery near full.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .money import VAT_RATE, to_decimal
from .session import SessionPrice, _price_us
from .tou import US_PER_SECOND, to_us

QUOTE_MAX_POWER_FACTOR = Decimal("0.9")
_MILLI = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Quote:
    tier: str
    energy_wh: int  # bought energy, whole Wh
    start: datetime
    end: datetime  # estimated end of charging (= unplug), to the µs
    duration_seconds: int  # whole seconds, rounded up
    power_kw: Decimal  # the power assumed
    power_source: (
        str  # 'recent' (charger's real power) or 'max' (connector max × factor)
    )
    price: SessionPrice  # full breakdown, VAT included

    @property
    def amount_total(self):
        return self.price.amount_total

    @property
    def duration_minutes(self):
        """Estimated duration in whole minutes, rounded up (for display)."""
        return -(-self.duration_seconds // 60)


def quote(
    rates,
    tier,
    kwh,
    start,
    calendar,
    max_power_kw,
    recent_power_kw=None,
    vat_rate=VAT_RATE,
):
    """Price and duration of charging ``kwh`` from ``start`` (usually now).

    The energy timeline is the straight line of the assumed power, so the quote equals
    :func:`price_session` for a session with meter samples on that line; it is
    non-decreasing in ``kwh``.
    """
    energy_wh = int((to_decimal(kwh) * _MILLI).quantize(Decimal(1), ROUND_HALF_UP))
    if energy_wh < 0:
        raise ValueError("kwh must not be negative")
    if recent_power_kw is not None and to_decimal(recent_power_kw) > 0:
        power_kw = to_decimal(recent_power_kw)
        source = "recent"
    else:
        power_kw = to_decimal(max_power_kw) * QUOTE_MAX_POWER_FACTOR
        source = "max"
    power_mw = int(
        (power_kw * 1_000_000).quantize(Decimal(1), ROUND_HALF_UP)
    )  # milliwatts
    if power_mw <= 0:
        raise ValueError("charging power must be positive")
    # Wh · 3600 s/h · 10^6 µs/s · 1000 mW/W / mW = µs, rounded up to the microsecond
    duration_us = -(-(energy_wh * 3_600_000_000_000) // power_mw)
    s = to_us(start)
    e = s + duration_us
    samples = []
    for a, b in calendar._on_peak_intervals(s, e):
        for t in (a, b):
            if s < t < e:
                # energy on the constant-power line, floored to whole Wh (µs·mW → Wh)
                samples.append(
                    (t, min(energy_wh, (t - s) * power_mw // 3_600_000_000_000))
                )
    price = _price_us(
        rates,
        tier,
        calendar,
        s,
        e,
        s,
        e,
        0,
        energy_wh,
        samples,
        (),
        None,
        to_decimal(vat_rate),
    )
    end = start + timedelta(microseconds=duration_us)
    duration_s = -(-duration_us // US_PER_SECOND)
    return Quote(tier, energy_wh, start, end, duration_s, power_kw, source, price)
