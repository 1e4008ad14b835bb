from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pricing import (
    QUOTE_MAX_POWER_FACTOR,
    SessionFacts,
    TariffRates,
    TierRates,
    TouCalendar,
    price_session,
    quote,
)
from pricing_helpers import MONDAY, SATURDAY, bkk, simple_rates

CAL = TouCalendar()
D = Decimal


def test_duration_from_max_power_with_the_efficiency_allowance():
    q = quote(simple_rates(), "member", D("9"), bkk(*MONDAY, 10), CAL, D("10"))
    assert QUOTE_MAX_POWER_FACTOR == D("0.9")
    assert q.power_kw == D("9.0") and q.power_source == "max"
    assert q.duration_seconds == 3600 and q.duration_minutes == 60
    assert q.end == bkk(*MONDAY, 11)
    assert q.amount_total == D("72.00") and q.energy_wh == 9000


def test_duration_from_recent_real_power_when_known():
    q = quote(simple_rates(), "member", D("10"), bkk(*MONDAY, 10), CAL, D("22"), D("5"))
    assert q.power_source == "recent" and q.duration_seconds == 7200
    q0 = quote(
        simple_rates(), "member", D("10"), bkk(*MONDAY, 10), CAL, D("22"), D("0")
    )
    assert q0.power_source == "max"


def test_quote_crossing_the_22h_boundary_splits_the_energy():
    # 20 kWh at 10 kW from 21:30 → 23:30; 5 kWh on-peak, 15 kWh off-peak
    q = quote(
        simple_rates(), "vip", D("20"), bkk(*MONDAY, 21, 30), CAL, D("50"), D("10")
    )
    assert (q.price.energy_wh_on_peak, q.price.energy_wh_off_peak) == (5000, 15000)
    assert q.price.amount_energy == D("100.00")


def test_quote_includes_parking_for_the_duration_but_no_overstay():
    rates = simple_rates(
        parking_fee_per_hour_on_peak=D("12"),
        parking_fee_per_hour_off_peak=D("12"),
        parking_free_minutes=30,
        overstay_fee_per_minute_on_peak=D("10"),
    )
    q = quote(rates, "member", D("10"), bkk(*SATURDAY, 10), CAL, D("22"), D("5"))
    assert q.price.amount_parking == D("18.00")  # 120 − 30 = 90 min at 0.20
    assert q.price.amount_overstay == 0
    assert q.amount_total == D("40.00") + D("18.00")


def test_quote_keeps_aware_start_aware():
    start = datetime(2025, 1, 6, 3, 0, tzinfo=timezone.utc)
    q = quote(simple_rates(), "member", 1, start, CAL, 7)
    assert q.end.tzinfo is not None and q.end > start


def test_quote_refuses_nonsense():
    with pytest.raises(ValueError):
        quote(simple_rates(), "member", D("-1"), bkk(*MONDAY, 10), CAL, D("7"))
    with pytest.raises(ValueError):
        quote(simple_rates(), "member", D("1"), bkk(*MONDAY, 10), CAL, D("0"))


kwhs = st.decimals(min_value=0, max_value=150, places=3)
powers = st.decimals(min_value=D("1.4"), max_value=350, places=1)
starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2025, 12, 31))


def rich_rates():
    tier = TierRates(
        energy_price_on_peak=D("8.75"),
        energy_price_off_peak=D("3.10"),
        parking_fee_per_hour_on_peak=D("25"),
        parking_fee_per_hour_off_peak=D("7"),
        parking_free_minutes=20,
    )
    return TariffRates.same_for_all_tiers(tier)


@given(kwhs, st.decimals(min_value=D("0.001"), max_value=20, places=3), starts, powers)
def test_quote_is_non_decreasing_in_kwh(kwh, more, start, power):
    rates = rich_rates()
    a = quote(rates, "member", kwh, start, CAL, power)
    b = quote(rates, "member", kwh + more, start, CAL, power)
    assert b.amount_total >= a.amount_total
    assert b.price.amount_energy_on_peak >= a.price.amount_energy_on_peak
    assert b.price.amount_energy_off_peak >= a.price.amount_energy_off_peak
    assert b.duration_seconds >= a.duration_seconds


@given(kwhs, starts, powers)
def test_quote_equals_pricing_the_session_it_describes(kwh, start, power):
    """A session with the quote's energy, times and straight-line meter samples costs
    the same as the quote."""
    rates = rich_rates()
    q = quote(rates, "member", kwh, start, CAL, power)
    samples = []
    for a, _b, _p in CAL.split(q.start, q.end)[1:]:
        on_line = int((a - q.start) / timedelta(microseconds=1)) * int(
            q.power_kw * 1_000_000
        )
        samples.append((a, min(q.energy_wh, on_line // 3_600_000_000_000)))
    facts = SessionFacts(
        "member", q.start, q.end, 0, q.energy_wh, q.start, q.end, tuple(samples)
    )
    assert price_session(rates, facts, CAL) == q.price


@given(kwhs, starts, powers)
def test_quote_is_close_to_a_pro_rata_session_of_same_energy_and_duration(
    kwh, start, power
):
    rates = rich_rates()
    q = quote(rates, "member", kwh, start, CAL, power)
    facts = SessionFacts(
        "member", q.start, q.end, 0, q.energy_wh
    )  # no samples: pro rata
    p = price_session(rates, facts, CAL)
    assert p.amount_parking == q.price.amount_parking
    assert p.energy_wh == q.price.energy_wh
    # the quote's power line and the pro-rata line differ by under 1 Wh before rounding
    assert abs(p.energy_wh_on_peak - q.price.energy_wh_on_peak) <= 2
    assert abs(p.amount_total - q.amount_total) <= D("0.03")


@given(kwhs, starts, powers)
def test_quote_duration_matches_energy_over_power(kwh, start, power):
    q = quote(rich_rates(), "member", kwh, start, CAL, power)
    exact = D(q.energy_wh) * 3600 / (q.power_kw * 1000)
    assert q.duration_seconds - 1 < exact <= q.duration_seconds
