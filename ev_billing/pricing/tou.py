"""Time-of-use calendar: on-peak / off-peak periods in a station's time zone.

Time convention: a *naive* datetime is UTC (what Odoo stores in Datetime fields); an
aware datetime is converted to UTC.  Internally every instant is an integer number of
microseconds since the Unix epoch (UTC), so the arithmetic is exact and fast.
"""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

ON_PEAK = "on_peak"
OFF_PEAK = "off_peak"
PERIODS = (ON_PEAK, OFF_PEAK)

UTC = timezone.utc
US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR

_EPOCH = datetime(1970, 1, 1)
_EPOCH_AWARE = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_US = timedelta(microseconds=1)


def clip_intervals(intervals, lo, hi):
    """The parts of sorted, disjoint ``intervals`` inside [lo, hi)."""
    out = []
    for a, b in intervals:
        if b <= lo:
            continue
        if a >= hi:
            break
        out.append((max(lo, a), min(hi, b)))
    return out


def to_us(dt):
    """Microseconds since the epoch (UTC) of a naive-UTC or aware datetime."""
    if dt.tzinfo is None:
        return (dt - _EPOCH) // _ONE_US
    return (dt - _EPOCH_AWARE) // _ONE_US


def from_us(us, aware=False):
    """Inverse of :func:`to_us`: naive UTC by default, UTC-aware when ``aware``."""
    return (_EPOCH_AWARE if aware else _EPOCH) + timedelta(microseconds=us)


class TouCalendar:
    """On-peak Mon–Fri ``on_peak_start``–``on_peak_end`` local time, else off-peak.

    Weekends and the given public ``holidays`` (``date`` objects, local calendar days)
    are off-peak all day.  Defaults follow the Thai utility TOU: 09:00–22:00,
    Asia/Bangkok. Instances are immutable in behaviour; they keep small per-day caches.
    """

    __slots__ = (
        "_days",
        "_exempt",
        "_offset_guess",
        "holidays",
        "on_peak_end",
        "on_peak_start",
        "on_peak_weekdays",
        "tz",
    )

    def __init__(
        self,
        tz="Asia/Bangkok",
        holidays=(),
        on_peak_start=time(9),
        on_peak_end=time(22),
        on_peak_weekdays=(0, 1, 2, 3, 4),
    ):
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.holidays = frozenset(holidays)
        if not on_peak_start < on_peak_end:
            raise ValueError("on_peak_start must be before on_peak_end")
        self.on_peak_start = on_peak_start
        self.on_peak_end = on_peak_end
        self.on_peak_weekdays = frozenset(on_peak_weekdays)
        self._days = {}
        self._exempt = {}
        offset = datetime.now(self.tz).utcoffset()
        self._offset_guess = offset // _ONE_US

    def __repr__(self):
        return "TouCalendar(tz=%r, holidays=%d dates, on_peak=%s-%s)" % (
            self.tz.key,
            len(self.holidays),
            self.on_peak_start,
            self.on_peak_end,
        )

    # -- internal, integer microseconds ----------------------------------------------
    def _local_us(self, day, t):
        return to_us(datetime.combine(day, t, tzinfo=self.tz))

    def _day(self, ordinal):
        """(local midnight, next local midnight, on-peak start, on-peak end), UTC µs."""
        info = self._days.get(ordinal)
        if info is None:
            day = date.fromordinal(ordinal)
            midnight = self._local_us(day, time(0))
            next_midnight = self._local_us(date.fromordinal(ordinal + 1), time(0))
            if day.weekday() in self.on_peak_weekdays and day not in self.holidays:
                info = (
                    midnight,
                    next_midnight,
                    self._local_us(day, self.on_peak_start),
                    self._local_us(day, self.on_peak_end),
                )
            else:
                info = (midnight, next_midnight, None, None)
            self._days[ordinal] = info
        return info

    def _ordinal_of(self, us):
        """Local calendar day (proleptic ordinal) containing the UTC instant ``us``."""
        ordinal = (us + self._offset_guess) // US_PER_DAY + _EPOCH_ORDINAL
        while True:
            midnight, next_midnight, _a, _b = self._day(ordinal)
            if us < midnight:
                ordinal -= 1
            elif us >= next_midnight:
                ordinal += 1
            else:
                return ordinal

    def _is_on_peak(self, us):
        _m, _n, a, b = self._day(self._ordinal_of(us))
        return a is not None and a <= us < b

    def _on_peak_intervals(self, start, end):
        """Sorted, disjoint on-peak intervals [a, b) clipped to [start, end), UTC µs."""
        out = []
        if end <= start:
            return out
        ordinal = self._ordinal_of(start)
        days = self._days
        while True:
            info = days.get(ordinal) or self._day(ordinal)
            a = info[2]
            if a is not None:
                b = info[3]
                lo = max(start, a)
                hi = min(end, b)
                if lo < hi:
                    out.append((lo, hi))
            if info[1] >= end:
                return out
            ordinal += 1

    def _exempt_intervals(self, windows, start, end):
        """Merged UTC intervals of daily local ``windows``, clipped to [start, end).

        ``windows`` is ``[(time, time), ...]``.

        A window whose end is not after its start crosses midnight (22:00–07:00).
        """
        if end <= start or not windows:
            return []
        raw = []
        first = self._ordinal_of(start) - 1
        last = self._ordinal_of(end)
        cache = self._exempt
        for ordinal in range(first, last + 1):
            key = (windows, ordinal)
            day_list = cache.get(key)
            if day_list is None:
                day = date.fromordinal(ordinal)
                day_list = []
                for w_start, w_end in windows:
                    a = self._local_us(day, w_start)
                    if w_end > w_start:
                        b = self._local_us(day, w_end)
                    else:
                        b = self._local_us(date.fromordinal(ordinal + 1), w_end)
                    day_list.append((a, b))
                day_list = tuple(day_list)
                cache[key] = day_list
            for a, b in day_list:
                if a < end and b > start:
                    raw.append((max(start, a), min(end, b)))
        if len(raw) <= 1:
            return raw
        raw.sort()
        merged = [raw[0]]
        for a, b in raw[1:]:
            la, lb = merged[-1]
            if a <= lb:
                if b > lb:
                    merged[-1] = (la, b)
            else:
                merged.append((a, b))
        return merged

    # -- public, datetimes -----------------------------------------------------------
    def outside_windows(self, windows, dt):
        """The first instant at or after ``dt`` (naive UTC) outside the daily local
        ``windows`` (as :meth:`_exempt_intervals`): when an overstay fee that would
        start at ``dt`` really starts. None when the windows cover the whole day."""
        us = horizon = to_us(dt)
        horizon += 2 * US_PER_DAY  # daily windows: an instant out of them is nearer
        for a, b in self._exempt_intervals(windows, us, horizon):
            if a <= us < b:
                us = b  # merged intervals: the next one starts after this end
        return from_us(us) if us < horizon else None

    def period_at(self, dt):
        """'on_peak' or 'off_peak' at the instant ``dt`` (naive UTC or aware)."""
        return ON_PEAK if self._is_on_peak(to_us(dt)) else OFF_PEAK

    def is_holiday(self, day):
        return day in self.holidays

    def split(self, start, end):
        """Cut [start, end) into ``(start, end, period)`` pieces at every TOU boundary.

        Pieces are contiguous, in order, and cover the interval exactly.  Returned
        datetimes are naive UTC, or UTC-aware when ``start`` is aware.
        """
        s, e = to_us(start), to_us(end)
        if e < s:
            raise ValueError("end is before start")
        aware = start.tzinfo is not None
        pieces = []
        cursor = s
        for a, b in self._on_peak_intervals(s, e):
            if a > cursor:
                pieces.append((cursor, a, OFF_PEAK))
            pieces.append((a, b, ON_PEAK))
            cursor = b
        if cursor < e:
            pieces.append((cursor, e, OFF_PEAK))
        return [(from_us(a, aware), from_us(b, aware), p) for a, b, p in pieces]


# The public name some callers expect for the interval cutter.
def split_by_period(calendar, start, end):
    """Same as ``calendar.split(start, end)``."""
    return calendar.split(start, end)
