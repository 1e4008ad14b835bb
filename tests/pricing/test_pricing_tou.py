from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pricing
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pricing import OFF_PEAK, ON_PEAK, TouCalendar
from pricing_helpers import MONDAY, SATURDAY, SONGKRAN, bkk


@pytest.mark.parametrize(
    "day, hh, mm, ss, expected",
    [
        (MONDAY, 8, 59, 59, OFF_PEAK),
        (MONDAY, 9, 0, 0, ON_PEAK),
        (MONDAY, 8, 59, 0, OFF_PEAK),
        (MONDAY, 21, 59, 59, ON_PEAK),
        (MONDAY, 21, 59, 0, ON_PEAK),
        (MONDAY, 22, 0, 0, OFF_PEAK),
        (MONDAY, 0, 0, 0, OFF_PEAK),
        (MONDAY, 23, 59, 59, OFF_PEAK),
        ((2025, 1, 10), 12, 0, 0, ON_PEAK),  # Friday
        (SATURDAY, 12, 0, 0, OFF_PEAK),
        ((2025, 1, 12), 12, 0, 0, OFF_PEAK),  # Sunday
        (SONGKRAN, 12, 0, 0, OFF_PEAK),  # Monday, public holiday
        (
            (2025, 4, 15),
            12,
            0,
            0,
            ON_PEAK,
        ),  # Tuesday after the holiday (not in the list)
    ],
)
def test_period_at_boundaries(calendar, day, hh, mm, ss, expected):
    assert calendar.period_at(bkk(*day, hh, mm, ss)) == expected


def test_aware_datetimes_mean_the_same_instant(calendar):
    local = datetime(2025, 1, 6, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
    assert calendar.period_at(local) == ON_PEAK
    assert calendar.period_at(local - timedelta(seconds=1)) == OFF_PEAK
    utc = datetime(2025, 1, 6, 2, 0, tzinfo=timezone.utc)  # = 09:00 Bangkok
    assert calendar.period_at(utc) == ON_PEAK


def test_naive_times_are_utc_not_local(calendar):
    # naive 16:00 is 23:00 in Bangkok (off-peak), although 16:00 local would be on-peak
    assert calendar.period_at(datetime(2025, 1, 6, 16, 0)) == OFF_PEAK
    assert calendar.period_at(datetime(2025, 1, 6, 2, 0)) == ON_PEAK


def test_split_cuts_at_every_boundary(calendar):
    pieces = calendar.split(bkk(*MONDAY, 8, 0), bkk(2025, 1, 7, 10, 0))
    assert pieces == [
        (bkk(*MONDAY, 8, 0), bkk(*MONDAY, 9, 0), OFF_PEAK),
        (bkk(*MONDAY, 9, 0), bkk(*MONDAY, 22, 0), ON_PEAK),
        (
            bkk(*MONDAY, 22, 0),
            bkk(2025, 1, 7, 9, 0),
            OFF_PEAK,
        ),  # across midnight: one piece
        (bkk(2025, 1, 7, 9, 0), bkk(2025, 1, 7, 10, 0), ON_PEAK),
    ]


def test_split_over_a_weekend_and_holiday(calendar):
    pieces = calendar.split(
        bkk(2025, 4, 11, 21, 0), bkk(2025, 4, 15, 10, 0)
    )  # Fri → Tue
    assert [(p[2]) for p in pieces] == [ON_PEAK, OFF_PEAK, ON_PEAK]
    assert pieces[1] == (bkk(2025, 4, 11, 22, 0), bkk(2025, 4, 15, 9, 0), OFF_PEAK)


def test_split_keeps_aware_inputs_aware(calendar):
    start = datetime(2025, 1, 6, 1, 0, tzinfo=timezone.utc)
    pieces = calendar.split(start, start + timedelta(hours=2))
    assert all(p[0].tzinfo is not None for p in pieces)
    assert pieces[0][1] == datetime(2025, 1, 6, 2, 0, tzinfo=timezone.utc)


def test_empty_interval_and_reversed_interval(calendar):
    t = bkk(*MONDAY, 10)
    assert calendar.split(t, t) == []
    with pytest.raises(ValueError):
        calendar.split(t, t - timedelta(seconds=1))


def test_calendar_handles_dst_zones():
    cal = TouCalendar(tz="Europe/Berlin")
    # 2025-03-31 (Monday after the spring change): 09:00 CEST is 07:00 UTC
    assert cal.period_at(datetime(2025, 3, 31, 7, 0)) == ON_PEAK
    assert cal.period_at(datetime(2025, 3, 31, 6, 59)) == OFF_PEAK
    # 2025-03-28 (Friday before, CET): 09:00 is 08:00 UTC
    assert cal.period_at(datetime(2025, 3, 28, 7, 30)) == OFF_PEAK
    assert cal.period_at(datetime(2025, 3, 28, 8, 0)) == ON_PEAK


def test_custom_on_peak_hours():
    cal = TouCalendar(
        on_peak_start=time(18), on_peak_end=time(21), on_peak_weekdays=range(7)
    )
    assert cal.period_at(bkk(*SATURDAY, 18)) == ON_PEAK
    assert cal.period_at(bkk(*SATURDAY, 21)) == OFF_PEAK
    with pytest.raises(ValueError):
        TouCalendar(on_peak_start=time(22), on_peak_end=time(9))


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)
)


@given(instants, st.integers(min_value=0, max_value=10 * 24 * 3600 * 10**6))
def test_split_pieces_cover_the_interval_and_match_period_at(start, length_us):
    cal = TouCalendar(holidays={date(2025, 4, 14), date(2025, 12, 31)})
    end = start + timedelta(microseconds=length_us)
    pieces = cal.split(start, end)
    if start == end:
        assert pieces == []
        return
    assert pieces[0][0] == start and pieces[-1][1] == end
    for (a, b, p), nxt in zip(pieces, pieces[1:] + [None], strict=True):
        assert a < b
        assert cal.period_at(a) == p
        assert cal.period_at(b - timedelta(microseconds=1)) == p
        if nxt is not None:
            assert nxt[0] == b and nxt[2] != p  # contiguous and alternating


@given(instants)
def test_period_at_matches_the_rule_written_out(dt):
    cal = TouCalendar(holidays={date(2025, 4, 14)})
    local = dt + timedelta(hours=7)
    on = (
        local.weekday() < 5
        and local.date() != date(2025, 4, 14)
        and time(9) <= local.time() < time(22)
    )
    assert cal.period_at(dt) == (ON_PEAK if on else OFF_PEAK)


def test_split_by_period_alias(calendar):
    a, b = bkk(*MONDAY, 8), bkk(*MONDAY, 10)
    assert pricing.split_by_period(calendar, a, b) == calendar.split(a, b)


WINDOWS = st.lists(
    st.tuples(
        st.times().map(lambda t: t.replace(second=0, microsecond=0)),
        st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    ).filter(lambda w: w[0] != w[1]),
    max_size=3,
).map(tuple)


@given(
    windows=WINDOWS,
    moment=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)
    ),
)
def test_outside_windows_is_the_first_instant_out_of_every_window(windows, moment):
    """When an overstay fee that would start at ``moment`` really starts: at or
    after it, in no exempt window, and every instant before it (from ``moment``) is
    in one."""
    cal = TouCalendar()
    start = cal.outside_windows(windows, moment)
    lo = pricing.tou.to_us(moment)
    if start is None:  # the windows cover whole days
        day = 24 * 3600 * 10**6
        assert cal._exempt_intervals(windows, lo, lo + 2 * day) == [(lo, lo + 2 * day)]
        return
    assert start >= moment
    us = pricing.tou.to_us(start)
    inside = cal._exempt_intervals(windows, us - 1, us + 1)
    assert not any(a <= us < b for a, b in inside)
    if start > moment:
        covered = cal._exempt_intervals(windows, lo, us)
        assert covered == [(lo, us)]  # merged: one interval covers [moment, start)


def test_outside_windows_night_window_in_bangkok():
    cal = TouCalendar()
    night = ((time(22, 0), time(7, 0)),)
    # 23:30 Bangkok (16:30 UTC) -> 07:00 Bangkok the next day (00:00 UTC)
    assert cal.outside_windows(night, datetime(2025, 1, 6, 16, 30)) == datetime(
        2025, 1, 7, 0, 0
    )
    # 12:00 Bangkok is outside: unchanged
    assert cal.outside_windows(night, datetime(2025, 1, 6, 5, 0)) == datetime(
        2025, 1, 6, 5, 0
    )
