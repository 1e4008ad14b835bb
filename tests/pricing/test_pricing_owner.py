"""Station owners' fees: pro-rata by day, extra chargers, percentage, share."""

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pricing import OwnerPlanRates, StationMonth, prorate, round_money, station_fees

fees = st.decimals(min_value=Decimal(0), max_value=Decimal(5000), places=2)
revenues = st.decimals(min_value=Decimal(-50000), max_value=Decimal(500000), places=2)
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
period_days = st.integers(min_value=28, max_value=31)

FLEX = OwnerPlanRates(
    monthly_fee=Decimal(350),
    chargers_included=5,
    extra_charger_fee=Decimal(70),
    revenue_share_percent=Decimal(5),
)


@st.composite
def plans(draw):
    return OwnerPlanRates(
        monthly_fee=draw(fees),
        chargers_included=draw(st.integers(min_value=0, max_value=20)),
        extra_charger_fee=draw(fees),
        revenue_share_percent=draw(percents),
        revenue_base=draw(st.sampled_from(["untaxed", "total"])),
        owner_collects=draw(st.booleans()),
    )


@st.composite
def months(draw):
    period = draw(period_days)
    untaxed = draw(revenues)
    return StationMonth(
        days_on_plan=draw(st.integers(min_value=0, max_value=period)),
        days_in_period=period,
        chargers=draw(st.integers(min_value=0, max_value=40)),
        revenue=round_money(untaxed * Decimal("1.07")),
        revenue_untaxed=untaxed,
    )


@pytest.mark.parametrize(
    "month, expected",
    [
        # the hand-computed March of the Odoo test (tests/test_ev_owner_settlement.py)
        (
            StationMonth(31, 31, 7, Decimal("3210"), Decimal("3000")),
            ("350.00", 2, "140.00", "150.00", "640.00", "3000.00"),
        ),
        (
            StationMonth(10, 31, 1, Decimal("1070"), Decimal("1000")),
            ("112.90", 0, "0.00", "50.00", "162.90", "1000.00"),
        ),
    ],
)
def test_flex_march(month, expected):
    result = station_fees(FLEX, month)
    assert (
        str(result.plan_fee),
        result.extra_chargers,
        str(result.extra_charger_fee),
        str(result.percent_fee),
        str(result.fees),
        str(result.share),
    ) == expected


def test_fast_joining_mid_month_pays_its_days():
    fast = OwnerPlanRates(
        Decimal(790), 5, Decimal(150), Decimal(0), owner_collects=True
    )
    result = station_fees(fast, StationMonth(16, 31, 6, Decimal("535"), Decimal("500")))
    assert (result.plan_fee, result.extra_charger_fee) == (
        Decimal("407.74"),
        Decimal("77.42"),
    )
    assert result.share == 0, "the owner collected the drivers' money"


def test_days_outside_the_period_are_refused():
    with pytest.raises(ValueError):
        prorate(Decimal(350), 32, 31)
    with pytest.raises(ValueError):
        station_fees(OwnerPlanRates(revenue_base="gross"), StationMonth(31, 31))


@given(plans(), months())
def test_fees_add_up_and_are_never_negative_but_for_refunds(plan, month):
    result = station_fees(plan, month)
    assert (
        result.fees == result.plan_fee + result.extra_charger_fee + result.percent_fee
    )
    assert result.plan_fee >= 0 and result.extra_charger_fee >= 0
    assert result.extra_chargers >= 0
    assert (result.percent_fee < 0) <= (result.revenue_base < 0)
    for amount in (result.plan_fee, result.extra_charger_fee, result.percent_fee):
        assert amount == round_money(amount)


@given(plans(), months())
def test_full_month_pays_the_full_fee_and_no_day_pays_nothing(plan, month):
    full = station_fees(
        plan,
        StationMonth(month.days_in_period, month.days_in_period, month.chargers),
    )
    assert full.plan_fee == round_money(plan.monthly_fee)
    none = station_fees(plan, StationMonth(0, month.days_in_period, month.chargers))
    assert none.plan_fee == none.extra_charger_fee == 0


@given(fees, period_days, st.data())
def test_prorata_is_monotonic_and_splitting_a_month_loses_at_most_a_cent_per_part(
    amount, period, data
):
    days = sorted(
        data.draw(st.lists(st.integers(1, period - 1), max_size=4, unique=True))
    )
    cuts = [0, *days, period]
    parts = [prorate(amount, b - a, period) for a, b in pairwise(cuts)]
    assert abs(sum(parts) - round_money(amount)) <= Decimal("0.01") * len(parts)
    values = [prorate(amount, d, period) for d in range(period + 1)]
    assert values == sorted(values)


@given(plans(), months())
def test_extra_chargers_only_beyond_those_included(plan, month):
    result = station_fees(plan, month)
    if month.chargers <= plan.chargers_included or not month.days_on_plan:
        assert result.extra_chargers == 0 and result.extra_charger_fee == 0
    else:
        assert result.extra_chargers == month.chargers - plan.chargers_included


@given(plans(), months(), revenues)
def test_a_refund_carried_lowers_the_percentage_by_its_share(plan, month, refund):
    assume(refund > 0)
    later = StationMonth(
        month.days_on_plan,
        month.days_in_period,
        month.chargers,
        month.revenue - round_money(refund * Decimal("1.07")),
        month.revenue_untaxed - refund,
    )
    before, after = station_fees(plan, month), station_fees(plan, later)
    assert after.percent_fee <= before.percent_fee
    if plan.revenue_base == "untaxed":
        expected = round_money(refund * plan.revenue_share_percent / 100)
        assert abs((before.percent_fee - after.percent_fee) - expected) <= Decimal(
            "0.01"
        )
    if not plan.owner_collects:
        assert before.share - after.share == refund


@given(plans(), months())
def test_the_owner_shares_revenue_without_vat_only_when_the_operator_collects(
    plan, month
):
    result = station_fees(plan, month)
    assert result.share == (0 if plan.owner_collects else month.revenue_untaxed)
