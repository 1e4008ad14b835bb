"""Helpers shared by the pricing tests."""

from datetime import datetime, timedelta
from decimal import Decimal

import pricing

BANGKOK_OFFSET = timedelta(hours=7)


def bkk(year, month, day, hour=0, minute=0, second=0):
    """Naive UTC datetime of a Bangkok wall-clock time (UTC+7, no DST)."""
    return datetime(year, month, day, hour, minute, second) - BANGKOK_OFFSET


# 2025-01-06 is a Monday; 2025-01-11/12 a weekend;
# 2025-04-14 (Songkran) a Monday holiday.
MONDAY = (2025, 1, 6)
SATURDAY = (2025, 1, 11)
SONGKRAN = (2025, 4, 14)


def simple_rates(**kw):
    values = {
        "energy_price_on_peak": Decimal("8.00"),
        "energy_price_off_peak": Decimal("4.00"),
    }
    values.update(kw)
    tier = pricing.TierRates(**values)
    return pricing.TariffRates(member=tier, vip=tier)
