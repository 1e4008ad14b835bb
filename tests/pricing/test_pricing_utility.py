from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pricing import (
    OFF_PEAK,
    ON_PEAK,
    SessionFacts,
    TouCalendar,
    UtilityRates,
    energy_cost,
    margin,
    price_session,
)
from pricing_helpers import MONDAY, bkk, simple_rates

D = Decimal


def test_tou_seed_figures():
    u = UtilityRates.tou_seed()
    assert (u.on_peak_per_kwh, u.off_peak_per_kwh) == (D("5.7982"), D("2.6369"))
    assert (u.ft_per_kwh, u.vat_percent, u.service_charge_per_month) == (
        D("0.9343"),
        D("7"),
        D("38.22"),
    )


def test_tou_cost_on_peak_and_off_peak():
    u = UtilityRates.tou_seed()
    on = energy_cost(u, {ON_PEAK: 10_000, OFF_PEAK: 0})
    assert (
        on.energy_charge,
        on.ft_charge,
        on.amount_untaxed,
        on.amount_vat,
        on.amount_total,
    ) == (D("57.98"), D("9.34"), D("67.32"), D("4.71"), D("72.03"))
    off = energy_cost(u, {ON_PEAK: 0, OFF_PEAK: 10_000})
    assert (
        off.energy_charge,
        off.amount_untaxed,
        off.amount_vat,
        off.amount_total,
    ) == (D("26.37"), D("35.71"), D("2.50"), D("38.21"))
    assert on.service_charge == 0


def test_service_charge_apportioned_only_on_request():
    u = UtilityRates.tou_seed()
    c = energy_cost(u, {ON_PEAK: 0, OFF_PEAK: 0}, sessions_in_month=2)
    assert c.service_charge == D("19.11") and c.amount_total == D("20.45")


@pytest.mark.parametrize(
    "mtd, kwh, charge",
    [
        (0, 10, "32.48"),  # first block
        (140, 20, "74.70"),  # 10 × 3.2484 + 10 × 4.2218
        (390, 20, "86.44"),  # 10 × 4.2218 + 10 × 4.4217
        (0, 500, "1984.88"),  # 150 × 3.2484 + 250 × 4.2218 + 100 × 4.4217
    ],
)
def test_progressive_blocks(mtd, kwh, charge):
    u = UtilityRates.progressive_mea_1_1_2()
    c = energy_cost(u, {OFF_PEAK: kwh * 1000}, month_to_date_kwh=mtd)
    assert c.energy_charge == D(charge)
    assert c.ft_charge == (D("0.9343") * kwh).quantize(D("0.01"), "ROUND_HALF_UP")


@given(st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000))
def test_progressive_cost_is_additive_over_the_month(mtd, a, b):
    u = UtilityRates.progressive_mea_1_1_2()
    whole = u.block_charge(D(a + b), D(mtd))
    assert u.block_charge(D(a), D(mtd)) + u.block_charge(D(b), D(mtd + a)) == whole
    assert whole >= D("3.2484") * (a + b)  # never below the cheapest block


def test_progressive_validation():
    with pytest.raises(ValueError):
        UtilityRates(kind="progressive", blocks=((D(100), D(3)),))
    with pytest.raises(ValueError):
        UtilityRates(
            kind="progressive", blocks=((D(400), D(3)), (D(100), D(4)), (None, D(5)))
        )
    with pytest.raises(ValueError):
        UtilityRates(kind="flat")


def test_margin_is_revenue_without_vat_minus_cost_without_vat():
    cal = TouCalendar()
    f = SessionFacts("member", bkk(*MONDAY, 21), bkk(*MONDAY, 23), 0, 20_000)
    p = price_session(simple_rates(), f, cal)  # 10 kWh × 8 + 10 kWh × 4 = 120
    c = energy_cost(UtilityRates.tou_seed(), p.energy_by_period)
    # revenue 120.00 incl. VAT → 112.15 + 7.85 (per line: 80 → 5.23, 40 → 2.62)
    assert p.amount_untaxed == D("112.15")
    # cost: 57.98 + 26.37 + Ft 18.69 = 103.04 without VAT
    assert c.amount_untaxed == D("103.04")
    assert margin(p, c) == D("9.11")
