"""EV Billing tariff engine: the plain-Python pricing core (stdlib only, no Odoo).

Conventions: money is ``Decimal`` THB, VAT included, rounded once per charge line by
:func:`round_money`; energy is whole Wh (``int``); datetimes are naive UTC (Odoo's
storage convention) or aware.  The Odoo models build :class:`TariffRates` and
:class:`TouCalendar` from their records, call :func:`price_session` / :func:`quote`, and
store the results.
"""

from .energy import meter_at, split_energy
from .owner import OwnerPlanRates, StationFees, StationMonth, prorate, station_fees
from .money import CURRENCY, VAT_RATE, round_money, to_decimal, vat_included_split, wh
from .quote import QUOTE_MAX_POWER_FACTOR, Quote, quote
from .session import PriceLine, SessionFacts, SessionPrice, price_session
from .tariff import (
    OVERSTAY_FROM,
    PARKING_ROUNDING,
    TIERS,
    OccupancyRule,
    TariffRates,
    TierRates,
    tesla_overstay_preset,
)
from .tou import OFF_PEAK, ON_PEAK, PERIODS, TouCalendar, split_by_period
from .utility import EnergyCost, UtilityRates, energy_cost, margin

__all__ = [
    "OwnerPlanRates",
    "StationFees",
    "StationMonth",
    "prorate",
    "station_fees",
    "CURRENCY",
    "OFF_PEAK",
    "ON_PEAK",
    "OVERSTAY_FROM",
    "PARKING_ROUNDING",
    "PERIODS",
    "QUOTE_MAX_POWER_FACTOR",
    "TIERS",
    "VAT_RATE",
    "EnergyCost",
    "OccupancyRule",
    "PriceLine",
    "Quote",
    "SessionFacts",
    "SessionPrice",
    "TariffRates",
    "TierRates",
    "TouCalendar",
    "UtilityRates",
    "energy_cost",
    "margin",
    "meter_at",
    "price_session",
    "quote",
    "round_money",
    "split_by_period",
    "split_energy",
    "tesla_overstay_preset",
    "to_decimal",
    "vat_included_split",
    "wh",
]
