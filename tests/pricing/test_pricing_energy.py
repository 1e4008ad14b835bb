from datetime import datetime, timedelta
from fractions import Fraction

import pricing
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pricing import OFF_PEAK, ON_PEAK, TouCalendar, meter_at, split_energy
from pricing_helpers import MONDAY, SATURDAY, bkk

CAL = TouCalendar()


def test_no_samples_pro_rates_by_time():
    # 21:30–22:30 Monday: half on-peak, half off-peak
    got = split_energy(CAL, bkk(*MONDAY, 21, 30), bkk(*MONDAY, 22, 30), 1000, 21000)
    assert got == {ON_PEAK: 10000, OFF_PEAK: 10000}


def test_samples_are_interpolated_linearly():
    start, stop = bkk(*MONDAY, 21, 0), bkk(*MONDAY, 23, 0)
    samples = [(bkk(*MONDAY, 21, 30), 10_000), (bkk(*MONDAY, 22, 30), 20_000)]
    # register 0 → 10000 at 21:30 → 20000 at 22:30 →
    # 22000 at 23:00; at 22:00 it is 15000
    got = split_energy(CAL, start, stop, 0, 22_000, samples)
    assert got == {ON_PEAK: 15_000, OFF_PEAK: 7_000}


def test_sample_on_the_boundary_is_used_exactly():
    start, stop = bkk(*MONDAY, 21, 0), bkk(*MONDAY, 23, 0)
    got = split_energy(CAL, start, stop, 500, 30_500, [(bkk(*MONDAY, 22, 0), 25_500)])
    assert got == {ON_PEAK: 25_000, OFF_PEAK: 5_000}


def test_session_inside_one_period():
    assert split_energy(CAL, bkk(*MONDAY, 10), bkk(*MONDAY, 11), 0, 7000) == {
        ON_PEAK: 7000,
        OFF_PEAK: 0,
    }
    assert split_energy(CAL, bkk(*SATURDAY, 10), bkk(*SATURDAY, 11), 0, 7000) == {
        ON_PEAK: 0,
        OFF_PEAK: 7000,
    }


def test_rounding_goes_to_the_remainder():
    # 1000 Wh over 3 equal thirds (2 on-peak): 666.67 → 667 on-peak, 333 off-peak
    got = split_energy(
        CAL,
        bkk(*MONDAY, 20, 0),
        bkk(*MONDAY, 23, 0),
        0,
        1000,
        [(bkk(*MONDAY, 21, 0), 333)],
    )
    # 0→333 (on) 333→? at 22:00: 333 + (1000-333)/2 = 666.5 → 667 on, 333 off
    assert got == {ON_PEAK: 667, OFF_PEAK: 333}


def test_bad_samples_are_tamed():
    start, stop = bkk(*MONDAY, 21, 0), bkk(*MONDAY, 23, 0)
    samples = [
        (bkk(*MONDAY, 20, 0), 999_999),  # before start: ignored
        (bkk(*MONDAY, 21, 30), 90_000),  # beyond meter_stop: capped to 10000
        (bkk(*MONDAY, 21, 45), 4_000),  # register going backwards: held flat
        (bkk(*MONDAY, 23, 30), 5),  # after stop: ignored
    ]
    got = split_energy(CAL, start, stop, 0, 10_000, samples)
    assert got == {ON_PEAK: 10_000, OFF_PEAK: 0}


def test_unsorted_samples_are_sorted():
    start, stop = bkk(*MONDAY, 21, 0), bkk(*MONDAY, 23, 0)
    a = [(bkk(*MONDAY, 21, 30), 1000), (bkk(*MONDAY, 22, 30), 9000)]
    assert split_energy(CAL, start, stop, 0, 10_000, a) == split_energy(
        CAL, start, stop, 0, 10_000, list(reversed(a))
    )


def test_zero_length_session_and_errors():
    t = bkk(*MONDAY, 12)
    assert split_energy(CAL, t, t, 0, 5) == {ON_PEAK: 5, OFF_PEAK: 0}
    with pytest.raises(ValueError):
        split_energy(CAL, t, t + timedelta(hours=1), 100, 99)
    with pytest.raises(ValueError):
        split_energy(CAL, t, t - timedelta(seconds=1), 0, 1)


def test_fractional_meter_values_are_whole_wh():
    got = split_energy(CAL, bkk(*MONDAY, 10), bkk(*MONDAY, 11), "1000.4", "2000.6")
    assert got[ON_PEAK] == 2001 - 1000


# ---- properties ----------------------------------------------------------------------


@st.composite
def sessions(draw):
    start = draw(
        st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2025, 12, 31))
    )
    length = draw(st.integers(min_value=1, max_value=3 * 24 * 3600))  # seconds
    stop = start + timedelta(seconds=length)
    meter_start = draw(st.integers(min_value=0, max_value=10**7))
    total = draw(st.integers(min_value=0, max_value=200_000))
    n = draw(st.integers(min_value=0, max_value=min(6, length - 1)))
    offsets = sorted(
        draw(
            st.lists(
                st.integers(min_value=1, max_value=max(1, length - 1)),
                min_size=n,
                max_size=n,
                unique=True,
            )
        )
    )
    values = sorted(
        draw(
            st.lists(st.integers(min_value=0, max_value=total), min_size=n, max_size=n)
        )
    )
    samples = [
        (start + timedelta(seconds=o), meter_start + v)
        for o, v in zip(offsets, values, strict=True)
    ]
    return start, stop, meter_start, meter_start + total, samples


@given(sessions())
def test_periods_add_up_to_the_metered_energy_exactly(s):
    start, stop, ms, me, samples = s
    got = split_energy(CAL, start, stop, ms, me, samples)
    assert got[ON_PEAK] + got[OFF_PEAK] == me - ms
    assert got[ON_PEAK] >= 0 and got[OFF_PEAK] >= 0


@given(sessions())
def test_split_matches_an_independent_exact_computation(s):
    start, stop, ms, me, samples = s
    got = split_energy(CAL, start, stop, ms, me, samples)
    exact_on = Fraction(0)
    for a, b, period in CAL.split(start, stop):
        if period == ON_PEAK:
            exact_on += meter_at(b, start, stop, ms, me, samples) - meter_at(
                a, start, stop, ms, me, samples
            )
    assert abs(got[ON_PEAK] - exact_on) <= Fraction(1, 2)


@given(sessions(), st.floats(min_value=0, max_value=1))
def test_splitting_a_session_at_any_instant_gives_the_whole(s, where):
    start, stop, ms, me, samples = s
    cut = start + timedelta(
        microseconds=int((stop - start) // timedelta(microseconds=1) * where)
    )
    cut_wh = round(meter_at(cut, start, stop, ms, me, samples))
    first = split_energy(
        CAL, start, cut, ms, cut_wh, [x for x in samples if x[0] < cut]
    )
    second = split_energy(
        CAL, cut, stop, cut_wh, me, [x for x in samples if x[0] > cut]
    )
    whole = split_energy(CAL, start, stop, ms, me, samples)
    assert sum(first.values()) + sum(second.values()) == sum(whole.values()) == me - ms
    for period in (ON_PEAK, OFF_PEAK):
        # each part rounds once (±½ Wh) and the cut point's register is rounded (±½ Wh)
        assert abs(first[period] + second[period] - whole[period]) <= 2


@given(sessions(), st.data())
def test_splitting_at_a_sample_keeps_each_period_within_a_wh(s, data):
    start, stop, ms, me, samples = s
    assume(samples)
    cut, cut_wh = data.draw(st.sampled_from(samples))
    cut_wh = min(max(cut_wh, ms), me)
    assume(all(w <= cut_wh for t, w in samples if t < cut))
    first = split_energy(
        CAL, start, cut, ms, cut_wh, [x for x in samples if x[0] < cut]
    )
    second = split_energy(
        CAL, cut, stop, cut_wh, me, [x for x in samples if x[0] > cut]
    )
    whole = split_energy(CAL, start, stop, ms, me, samples)
    for period in (ON_PEAK, OFF_PEAK):
        assert abs(first[period] + second[period] - whole[period]) <= 1


@given(sessions(), st.integers(min_value=1, max_value=50_000))
def test_more_metered_energy_never_lowers_a_period(s, extra):
    start, stop, ms, me, samples = s
    before = split_energy(CAL, start, stop, ms, me, samples)
    after = split_energy(CAL, start, stop, ms, me + extra, samples)
    assert after[ON_PEAK] >= before[ON_PEAK]
    assert after[OFF_PEAK] >= before[OFF_PEAK]


def test_meter_at_interpolates_exactly():
    start, stop = bkk(*MONDAY, 10), bkk(*MONDAY, 13)
    assert meter_at(bkk(*MONDAY, 11), start, stop, 0, 1000) == Fraction(1000, 3)
    assert meter_at(stop, start, stop, 0, 1000) == 1000
    with pytest.raises(ValueError):
        meter_at(bkk(*MONDAY, 14), start, stop, 0, 1000)


def test_split_energy_exported():
    assert pricing.split_energy is split_energy
