"""Split a session's energy between TOU periods from its meter-value timeline.

The meter register is a piecewise-linear function of time through the points
``(start, meter_start)``, the samples strictly inside the session, and
``(stop, meter_stop)``.  With no samples this is pro-rating by time.  The exact
(rational) on-peak energy is rounded half-up to whole Wh and off-peak gets the
remainder, so the periods always add up to the total exactly and each period's energy
is non-decreasing when more energy is metered.
"""

from bisect import bisect_right
from fractions import Fraction
from math import gcd

from .money import wh
from .tou import OFF_PEAK, ON_PEAK, to_us


def _timeline(start, stop, meter_start, total, samples_us):
    """Relative register timeline (times, Wh since meter_start), clamped monotone."""
    times = [start]
    values = [0]
    prev = 0
    for t, w in samples_us:
        if t <= start or t >= stop:
            continue
        w -= meter_start
        if w < prev:
            w = prev
        elif w > total:
            w = total
        if t == times[-1]:
            values[-1] = w
        else:
            times.append(t)
            values.append(w)
        prev = w
    times.append(stop)
    values.append(total)
    return times, values


def _register_at(times, values, t):
    """Exact register (relative Wh) at ``t`` as (numerator, denominator)."""
    i = bisect_right(times, t) - 1
    if i >= len(times) - 1:
        return values[-1], 1
    t0 = times[i]
    if t == t0:
        return values[i], 1
    den = times[i + 1] - t0
    w0 = values[i]
    return w0 * den + (values[i + 1] - w0) * (t - t0), den


def _split_us(
    calendar, start, stop, meter_start, meter_stop, samples_us, cap=None, on_peak=None
):
    """(total, on_peak, off_peak, billed_total, billed_on, billed_off) in whole Wh.

    ``samples_us`` is an iterable of (µs, Wh) sorted by time.  ``cap`` limits billed
    energy to the first ``cap`` Wh delivered (buy-X-kWh).  ``on_peak``: the calendar's
    on-peak intervals already clipped to [start, stop), when the caller has them.
    """
    total = meter_stop - meter_start
    if total < 0:
        raise ValueError("meter_stop is below meter_start")
    billed_total = total if cap is None or cap >= total else max(cap, 0)
    if stop <= start:
        if stop < start:
            raise ValueError("stop is before start")
        if calendar._is_on_peak(start):
            return total, total, 0, billed_total, billed_total, 0
        return total, 0, total, billed_total, 0, billed_total
    intervals = calendar._on_peak_intervals(start, stop) if on_peak is None else on_peak
    if not intervals:
        return total, 0, total, billed_total, 0, billed_total
    if len(intervals) == 1 and intervals[0][0] == start and intervals[0][1] == stop:
        return total, total, 0, billed_total, billed_total, 0
    times, values = _timeline(start, stop, meter_start, total, samples_us)
    capped = billed_total != total
    num, den = 0, 1  # exact metered on-peak energy
    bnum, bden = 0, 1  # exact billed on-peak energy
    for a, b in intervals:
        na, da = _register_at(times, values, a)
        nb, db = _register_at(times, values, b)
        # num/den += nb/db - na/da
        num = num * da * db + (nb * da - na * db) * den
        den = den * da * db
        if capped:
            if na >= billed_total * da:
                na, da = billed_total, 1
            if nb >= billed_total * db:
                nb, db = billed_total, 1
            bnum = bnum * da * db + (nb * da - na * db) * bden
            bden = bden * da * db
        if den > 1 << 256:
            g = gcd(num, den)
            num //= g
            den //= g
    on = (2 * num + den) // (2 * den)
    on = min(on, total)
    if capped:
        bon = (2 * bnum + bden) // (2 * bden)
        bon = min(bon, billed_total)
    else:
        bon = on
    return total, on, total - on, billed_total, bon, billed_total - bon


def _samples_to_us(samples):
    out = [(to_us(t), wh(w)) for t, w in samples]
    if any(out[i][0] > out[i + 1][0] for i in range(len(out) - 1)):
        out.sort(key=lambda item: item[0])
    return out


def split_energy(calendar, start, stop, meter_start, meter_stop, samples=()):
    """Energy (whole Wh) per TOU period: ``{'on_peak': int, 'off_peak': int}``.

    ``samples`` is the meter-value timeline ``[(datetime, energy_register_wh), ...]``;
    samples outside ]start, stop[ are ignored, a register going backwards is held flat,
    and values beyond ``meter_stop`` are capped.
    ``on_peak + off_peak == meter_stop - meter_start``.
    """
    _t, on, off, _bt, _bo, _bf = _split_us(
        calendar,
        to_us(start),
        to_us(stop),
        wh(meter_start),
        wh(meter_stop),
        _samples_to_us(samples),
    )
    return {ON_PEAK: on, OFF_PEAK: off}


def meter_at(at, start, stop, meter_start, meter_stop, samples=()):
    """The interpolated meter register (exact ``Fraction`` Wh) at instant ``at``."""
    s, e, a = to_us(start), to_us(stop), to_us(at)
    ms, me = wh(meter_start), wh(meter_stop)
    if not s <= a <= e:
        raise ValueError("instant outside the session")
    if e == s:
        return Fraction(me)
    times, values = _timeline(s, e, ms, me - ms, _samples_to_us(samples))
    num, den = _register_at(times, values, a)
    return ms + Fraction(num, den)
