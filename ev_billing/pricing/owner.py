"""Station owners' monthly fees: the plan fee pro-rated by day, extra chargers, the
percentage of charging revenue, and the owner's share.

Plain Python (no Odoo), money as ``Decimal`` THB rounded by :func:`round_money` once per
fee line. Fees are VAT excluded; revenue is given with and without VAT (refunds already
deducted), and the plan says which one its percentage applies to.
"""

from dataclasses import dataclass
from decimal import Decimal

from .money import ZERO, round_money, to_decimal

REVENUE_BASES = ("untaxed", "total")


@dataclass(frozen=True)
class OwnerPlanRates:
    monthly_fee: Decimal = ZERO
    chargers_included: int = 0
    extra_charger_fee: Decimal = ZERO
    revenue_share_percent: Decimal = ZERO
    revenue_base: str = "untaxed"
    owner_collects: bool = False


@dataclass(frozen=True)
class StationMonth:
    """One station in one settlement period."""

    days_on_plan: int
    days_in_period: int
    chargers: int = 0
    revenue: Decimal = ZERO
    revenue_untaxed: Decimal = ZERO


@dataclass(frozen=True)
class StationFees:
    plan_fee: Decimal
    extra_chargers: int
    extra_charger_fee: Decimal
    revenue_base: Decimal
    percent_fee: Decimal
    fees: Decimal
    share: Decimal


def prorate(amount, days, days_in_period):
    """A monthly amount for ``days`` of a period of ``days_in_period`` days, rounded
    once."""
    if not 0 <= days <= days_in_period or days_in_period <= 0:
        raise ValueError("days must lie within the period")
    return round_money(to_decimal(amount) * days / days_in_period)


def station_fees(plan, month):
    """The fees of ``month`` on ``plan`` and the owner's share of its revenue.

    The monthly fee and the extra chargers' fee are pro-rated by the station's days on
    the plan; a charger counts for the whole month it is installed in (the caller counts
    it). The share is the revenue without VAT when the operator collected it, nothing
    when the owner did.
    """
    if plan.revenue_base not in REVENUE_BASES:
        raise ValueError(f"unknown revenue base {plan.revenue_base!r}")
    days, period = month.days_on_plan, month.days_in_period
    plan_fee = prorate(plan.monthly_fee, days, period)
    extra = max(month.chargers - plan.chargers_included, 0) if days else 0
    extra_fee = prorate(to_decimal(plan.extra_charger_fee) * extra, days, period)
    base = to_decimal(
        month.revenue_untaxed if plan.revenue_base == "untaxed" else month.revenue
    )
    percent_fee = round_money(base * to_decimal(plan.revenue_share_percent) / 100)
    return StationFees(
        plan_fee=plan_fee,
        extra_chargers=extra,
        extra_charger_fee=extra_fee,
        revenue_base=base,
        percent_fee=percent_fee,
        fees=plan_fee + extra_fee + percent_fee,
        share=ZERO if plan.owner_collects else round_money(month.revenue_untaxed),
    )
