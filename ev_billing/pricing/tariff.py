"""Tariff rates: plain frozen values built by Odoo from its ``ev.tariff`` records.

A session keeps the :class:`TariffRates` it started with (frozen at session start).  All
prices are THB, VAT included.
"""

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from .money import ZERO, to_decimal

TIERS = ("member", "vip")
PARKING_ROUNDING = ("minute", "started_hour")
OVERSTAY_FROM = ("grace_end", "charge_end")


@dataclass(frozen=True, slots=True)
class OccupancyRule:
    """Overstay is charged only while ``occupied / total * 100 >= min_percent`` of the
    station's connectors are occupied, and multiplied by ``full_multiplier`` while all
    are occupied."""

    min_percent: Decimal = Decimal(50)
    full_multiplier: Decimal = Decimal(2)

    def __post_init__(self):
        object.__setattr__(self, "min_percent", to_decimal(self.min_percent))
        object.__setattr__(self, "full_multiplier", to_decimal(self.full_multiplier))
        if not ZERO <= self.min_percent <= 100:
            raise ValueError("min_percent must be within 0..100")
        if self.full_multiplier < 0:
            raise ValueError("full_multiplier must not be negative")

    def factor(self, occupied, total):
        """0 (not charged), 1, or ``full_multiplier`` for one occupancy reading."""
        if total <= 0 or occupied * 100 < self.min_percent * total:
            return 0
        if occupied >= total:
            return self.full_multiplier
        return 1


def _window(w):
    start, end = w
    if not isinstance(start, time) or not isinstance(end, time):
        raise TypeError("exempt windows are (datetime.time, datetime.time) pairs")
    if start == end:
        raise ValueError("an exempt window needs a different start and end")
    return (start.replace(tzinfo=None), end.replace(tzinfo=None))


@dataclass(frozen=True, slots=True)
class TierRates:
    """Prices for one driver tier; ``*_on_peak`` / ``*_off_peak`` follow the TOU period.

    - energy: THB per kWh;
    - parking: THB per hour of plugged-in time after ``parking_free_minutes``, charged
      per started minute (``parking_rounding='minute'``, pro rata) or per started hour
      (``'started_hour'``); each unit is priced by the period it starts in;
    - overstay: THB per started minute from the end of charging to unplug, after
      ``grace_minutes``, outside ``exempt_windows`` (local times, may cross midnight),
      and subject to ``occupancy_rule``.  ``overstay_from='grace_end'`` counts from the
      end of the grace; ``'charge_end'`` counts from the end of charging once the grace
      is exceeded.
    """

    energy_price_on_peak: Decimal
    energy_price_off_peak: Decimal
    parking_fee_per_hour_on_peak: Decimal = ZERO
    parking_fee_per_hour_off_peak: Decimal = ZERO
    parking_free_minutes: int = 0
    parking_rounding: str = "minute"
    overstay_fee_per_minute_on_peak: Decimal = ZERO
    overstay_fee_per_minute_off_peak: Decimal = ZERO
    grace_minutes: int = 0
    overstay_from: str = "grace_end"
    exempt_windows: tuple = ()
    occupancy_rule: OccupancyRule | None = None

    def __post_init__(self):
        for name in (
            "energy_price_on_peak",
            "energy_price_off_peak",
            "parking_fee_per_hour_on_peak",
            "parking_fee_per_hour_off_peak",
            "overstay_fee_per_minute_on_peak",
            "overstay_fee_per_minute_off_peak",
        ):
            value = to_decimal(getattr(self, name))
            if value < 0:
                raise ValueError("%s must not be negative" % name)
            object.__setattr__(self, name, value)
        for name in ("parking_free_minutes", "grace_minutes"):
            value = getattr(self, name)
            if int(value) != value or value < 0:
                raise ValueError(
                    "%s must be a whole, non-negative number of minutes" % name
                )
            object.__setattr__(self, name, int(value))
        if self.parking_rounding not in PARKING_ROUNDING:
            raise ValueError("parking_rounding must be one of %s" % (PARKING_ROUNDING,))
        if self.overstay_from not in OVERSTAY_FROM:
            raise ValueError("overstay_from must be one of %s" % (OVERSTAY_FROM,))
        object.__setattr__(
            self, "exempt_windows", tuple(_window(w) for w in self.exempt_windows)
        )

    @classmethod
    def flat(
        cls, energy_price, parking_fee_per_hour=ZERO, overstay_fee_per_minute=ZERO, **kw
    ):
        """Rates with the same parking and overstay fee in both periods.

        ``energy_price`` is one price or an ``(on_peak, off_peak)`` pair.
        """
        if isinstance(energy_price, (tuple, list)):
            on, off = energy_price
        else:
            on = off = energy_price
        return cls(
            energy_price_on_peak=on,
            energy_price_off_peak=off,
            parking_fee_per_hour_on_peak=parking_fee_per_hour,
            parking_fee_per_hour_off_peak=parking_fee_per_hour,
            overstay_fee_per_minute_on_peak=overstay_fee_per_minute,
            overstay_fee_per_minute_off_peak=overstay_fee_per_minute,
            **kw,
        )


@dataclass(frozen=True, slots=True)
class TariffRates:
    """A station's tariff, one :class:`TierRates` per driver tier."""

    member: TierRates
    vip: TierRates
    name: str = ""
    currency: str = field(default="THB")

    def for_tier(self, tier):
        if tier == "member":
            return self.member
        if tier == "vip":
            return self.vip
        raise ValueError("unknown tier %r (expected one of %s)" % (tier, TIERS))

    @classmethod
    def same_for_all_tiers(cls, rates, name=""):
        return cls(member=rates, vip=rates, name=name)


TESLA_OVERSTAY_FEE_PER_MINUTE = Decimal(12)
TESLA_GRACE_MINUTES = 5


def tesla_overstay_preset(
    energy_price_on_peak, energy_price_off_peak=None, **overrides
):
    """:class:`TierRates` with the Tesla-style idle fee.

    12 THB per minute, charged only while the station is at least 50 % occupied, doubled
    at 100 %, 5 minutes' grace; once the grace is exceeded the fee runs from the end of
    charging (``overstay_from='charge_end'``, as Tesla does).  No parking fee, no exempt
    window. Any field can be overridden by keyword.
    """
    if energy_price_off_peak is None:
        energy_price_off_peak = energy_price_on_peak
    values = {
        "energy_price_on_peak": energy_price_on_peak,
        "energy_price_off_peak": energy_price_off_peak,
        "overstay_fee_per_minute_on_peak": TESLA_OVERSTAY_FEE_PER_MINUTE,
        "overstay_fee_per_minute_off_peak": TESLA_OVERSTAY_FEE_PER_MINUTE,
        "grace_minutes": TESLA_GRACE_MINUTES,
        "overstay_from": "charge_end",
        "occupancy_rule": OccupancyRule(
            min_percent=Decimal(50), full_multiplier=Decimal(2)
        ),
    }
    values.update(overrides)
    return TierRates(**values)
