"""Price one charging session: energy per TOU period, parking, overstay."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from .energy import _samples_to_us, _split_us
from .money import CENT as _CENT
from .money import VAT_RATE, round_money, to_decimal, wh
from .tou import OFF_PEAK, ON_PEAK, US_PER_HOUR, US_PER_MINUTE, clip_intervals, to_us

_NIL = Decimal("0.00")  # a zero amount, already at money precision
_THOUSAND = Decimal(1000)
_SIXTY = Decimal(60)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """What happened, as metered.  Datetimes are naive UTC or aware.

    ``start_time``/``stop_time`` bound the charging (``meter_start``/``meter_stop`` are
    read there, Wh); the overstay runs from ``stop_time`` (end of charging) to
    ``unplug_time``.
    ``plug_in_time``/``unplug_time`` default to ``start_time``/``stop_time``.
    ``samples``: ``[(datetime, energy_register_wh), ...]``.
    ``occupancy``: ``[(datetime, occupied_connectors, total_connectors), ...]`` — a step
    function of the station's occupancy; before its first point the occupancy is unknown
    and an occupancy-conditioned overstay is not charged.
    ``energy_cap_wh``: bought energy (buy-X-kWh); billing never exceeds it.
    """

    tier: str
    start_time: datetime
    stop_time: datetime
    meter_start: int
    meter_stop: int
    plug_in_time: datetime | None = None
    unplug_time: datetime | None = None
    samples: tuple = ()
    occupancy: tuple = ()
    energy_cap_wh: int | None = None


@dataclass(frozen=True, slots=True)
class PriceLine:
    """One charge line as it would appear on an invoice (VAT included)."""

    code: str  # energy_on_peak, energy_off_peak, parking, overstay
    quantity: Decimal  # kWh, hours or minutes
    uom: str  # 'kWh', 'hour', 'minute'
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SessionPrice:
    """Result of :func:`price_session`: THB, VAT included, each line rounded once.

    ``amount_total == amount_energy + amount_parking + amount_overstay`` and
    ``amount_energy == amount_energy_on_peak + amount_energy_off_peak``.
    ``amount_vat`` is the sum of the per-line VAT (Odoo's default round-per-line);
    ``amount_untaxed = amount_total - amount_vat``.
    """

    tier: str
    energy_wh: int  # metered: meter_stop - meter_start
    energy_wh_on_peak: int
    energy_wh_off_peak: int
    billed_wh: int  # min(energy_wh, energy_cap_wh)
    billed_wh_on_peak: int
    billed_wh_off_peak: int
    amount_energy_on_peak: Decimal
    amount_energy_off_peak: Decimal
    amount_energy: Decimal
    parking_units: int  # started minutes or started hours, see parking_unit
    parking_unit: str  # 'minute' or 'hour'
    amount_parking: Decimal
    overstay_minutes: int  # minutes subject to the overstay fee (multiplied included)
    overstay_minutes_multiplied: int
    amount_overstay: Decimal
    amount_total: Decimal
    amount_untaxed: Decimal
    amount_vat: Decimal

    @property
    def energy_kwh(self):
        return Decimal(self.energy_wh) / _THOUSAND

    @property
    def energy_by_period(self):
        return {ON_PEAK: self.energy_wh_on_peak, OFF_PEAK: self.energy_wh_off_peak}

    @property
    def lines(self):
        """Non-zero charge lines, in invoice order."""
        out = []
        if self.billed_wh_on_peak:
            out.append(
                PriceLine(
                    "energy_on_peak",
                    Decimal(self.billed_wh_on_peak) / _THOUSAND,
                    "kWh",
                    self.amount_energy_on_peak,
                )
            )
        if self.billed_wh_off_peak:
            out.append(
                PriceLine(
                    "energy_off_peak",
                    Decimal(self.billed_wh_off_peak) / _THOUSAND,
                    "kWh",
                    self.amount_energy_off_peak,
                )
            )
        if self.amount_parking:
            out.append(
                PriceLine(
                    "parking",
                    Decimal(self.parking_units),
                    self.parking_unit,
                    self.amount_parking,
                )
            )
        if self.amount_overstay:
            out.append(
                PriceLine(
                    "overstay",
                    Decimal(self.overstay_minutes),
                    "minute",
                    self.amount_overstay,
                )
            )
        return out


def _on_peak_units(intervals, origin, unit):
    """Number of unit-grid starts (origin + k·unit) in the intervals (all >= origin)."""
    n = 0
    for a, b in intervals:
        n += -((origin - b) // unit) + ((origin - a) // unit)
    return n


def _parking(r, on_peak_all, plug_in, unplug):
    fee_on = r.parking_fee_per_hour_on_peak
    fee_off = r.parking_fee_per_hour_off_peak
    unit = US_PER_MINUTE if r.parking_rounding == "minute" else US_PER_HOUR
    origin = plug_in + r.parking_free_minutes * US_PER_MINUTE
    if unplug <= origin:
        return 0, _NIL
    units = -((origin - unplug) // unit)
    if fee_on == fee_off:
        exact = fee_on * units
    else:
        on = _on_peak_units(clip_intervals(on_peak_all, origin, unplug), origin, unit)
        exact = fee_on * on + fee_off * (units - on)
    if unit == US_PER_MINUTE:
        exact = exact / _SIXTY
    return units, round_money(exact)


def _occupancy_steps(rule, occupancy):
    """(times µs, factors) of the occupancy step function, in time order."""
    times = []
    factors = []
    # occupied/total >= min_percent/100  <=>  occupied·100·den >= num·total
    # (exact, in ints)
    num, den = rule.min_percent.as_integer_ratio()
    den *= 100
    multiplier = rule.full_multiplier
    ordered = True
    for t, occupied, total in occupancy:
        t = to_us(t)
        if times and t < times[-1]:
            ordered = False
        times.append(t)
        if total <= 0 or occupied * den < num * total:
            factors.append(0)
        elif occupied >= total:
            factors.append(multiplier)
        else:
            factors.append(1)
    if not ordered:
        pairs = sorted(zip(times, factors, strict=True), key=lambda p: p[0])
        times = [p[0] for p in pairs]
        factors = [p[1] for p in pairs]
    return times, factors


def _overstay(r, calendar, on_peak_all, charge_end, unplug, occupancy):
    fee_on = r.overstay_fee_per_minute_on_peak
    fee_off = r.overstay_fee_per_minute_off_peak
    grace = r.grace_minutes * US_PER_MINUTE
    if unplug - charge_end <= grace:
        return 0, 0, _NIL
    origin = charge_end + grace if r.overstay_from == "grace_end" else charge_end
    lo, hi = origin, unplug
    unit = US_PER_MINUTE
    rule = r.occupancy_rule
    exempt = (
        calendar._exempt_intervals(r.exempt_windows, lo, hi) if r.exempt_windows else ()
    )
    if fee_on == fee_off:
        on_peak = ()
    else:
        on_peak = clip_intervals(on_peak_all, lo, hi)
    if rule is None and not exempt and not on_peak:
        minutes = -((origin - hi) // unit)
        return (
            minutes,
            0,
            round_money((fee_on if fee_on == fee_off else fee_off) * minutes),
        )
    cuts = {lo, hi}
    for a, b in exempt:
        cuts.add(a)
        cuts.add(b)
    for a, b in on_peak:
        cuts.add(a)
        cuts.add(b)
    occ_times = occ_factors = None
    if rule is not None:
        occ_times, occ_factors = _occupancy_steps(rule, occupancy)
        for t in occ_times:
            if lo < t < hi:
                cuts.add(t)
    n_on, n_off, n_on_x, n_off_x = _overstay_minutes(
        sorted(cuts), origin, exempt, on_peak, occ_times, occ_factors
    )
    multiplier = rule.full_multiplier if rule is not None else 1
    if fee_on == fee_off:
        exact = fee_on * (n_on + n_off + multiplier * (n_on_x + n_off_x))
    else:
        exact = fee_on * (n_on + multiplier * n_on_x) + fee_off * (
            n_off + multiplier * n_off_x
        )
    minutes = n_on + n_off + n_on_x + n_off_x
    return minutes, n_on_x + n_off_x, round_money(exact)


def _overstay_minutes(cuts, origin, exempt, on_peak, occ_times, occ_factors):
    """Chargeable overstay minutes between consecutive ``cuts``.

    Returns ``(on_peak, off_peak, on_peak_multiplied, off_peak_multiplied)``;
    ``occ_times`` is None when the tariff has no occupancy rule.
    """
    unit = US_PER_MINUTE
    ex_starts = [a for a, _b in exempt]
    on_starts = [a for a, _b in on_peak]
    n_on = n_off = n_on_x = n_off_x = 0
    prev = cuts[0]
    for b in cuts[1:]:
        a = prev
        prev = b
        if ex_starts:
            i = bisect_right(ex_starts, a) - 1
            if i >= 0 and a < exempt[i][1]:
                continue
        if occ_times is not None:
            i = bisect_right(occ_times, a) - 1
            factor = occ_factors[i] if i >= 0 else 0
            if not factor:
                continue
            multiplied = factor != 1
        else:
            multiplied = False
        n = -((origin - b) // unit) + ((origin - a) // unit)
        if not n:
            continue
        on = False
        if on_starts:
            i = bisect_right(on_starts, a) - 1
            on = i >= 0 and a < on_peak[i][1]
        if on:
            if multiplied:
                n_on_x += n
            else:
                n_on += n
        elif multiplied:
            n_off_x += n
        else:
            n_off += n
    return n_on, n_off, n_on_x, n_off_x


def _price_us(
    rates,
    tier,
    calendar,
    start,
    stop,
    plug_in,
    unplug,
    meter_start,
    meter_stop,
    samples_us,
    occupancy,
    cap,
    vat_rate=VAT_RATE,
):
    r = rates.for_tier(tier)
    if stop < start:
        raise ValueError("stop_time is before start_time")
    if plug_in > start:
        raise ValueError("plug_in_time is after start_time")
    if unplug < stop:
        raise ValueError("unplug_time is before stop_time")
    # on-peak intervals of the whole plugged-in time, computed once, clipped per charge
    on_peak_all = calendar._on_peak_intervals(plug_in, unplug)
    total, on, off, billed, bon, boff = _split_us(
        calendar,
        start,
        stop,
        meter_start,
        meter_stop,
        samples_us,
        cap,
        clip_intervals(on_peak_all, start, stop),
    )
    a_on = round_money((r.energy_price_on_peak * bon).scaleb(-3)) if bon else _NIL
    a_off = round_money((r.energy_price_off_peak * boff).scaleb(-3)) if boff else _NIL
    p_units, a_parking = _parking(r, on_peak_all, plug_in, unplug)
    o_minutes, o_multiplied, a_overstay = _overstay(
        r, calendar, on_peak_all, stop, unplug, occupancy
    )
    a_energy = a_on + a_off
    a_total = a_energy + a_parking + a_overstay
    # VAT per line, as Odoo's price-included tax with round-per-line:
    # round(x·rate/(100+rate))
    vat = _NIL
    divisor = _HUNDRED + vat_rate
    for amount in (a_on, a_off, a_parking, a_overstay):
        if amount:
            vat += (amount * vat_rate / divisor).quantize(_CENT, ROUND_HALF_UP)
    return SessionPrice(
        tier,
        total,
        on,
        off,
        billed,
        bon,
        boff,
        a_on,
        a_off,
        a_energy,
        p_units,
        "minute" if r.parking_rounding == "minute" else "hour",
        a_parking,
        o_minutes,
        o_multiplied,
        a_overstay,
        a_total,
        a_total - vat,
        vat,
    )


def price_session(rates, facts, calendar, vat_rate=VAT_RATE):
    """Price a session from its :class:`SessionFacts` with the frozen ``rates``.

    Raises ``ValueError`` for impossible facts (stop before start, plug-in after start,
    unplug before stop, meter going backwards): such sessions belong in review, not on
    an invoice.
    """
    start = to_us(facts.start_time)
    stop = to_us(facts.stop_time)
    plug_in = start if facts.plug_in_time is None else to_us(facts.plug_in_time)
    unplug = stop if facts.unplug_time is None else to_us(facts.unplug_time)
    samples = _samples_to_us(facts.samples) if facts.samples else ()
    cap = None if facts.energy_cap_wh is None else wh(facts.energy_cap_wh)
    return _price_us(
        rates,
        facts.tier,
        calendar,
        start,
        stop,
        plug_in,
        unplug,
        wh(facts.meter_start),
        wh(facts.meter_stop),
        samples,
        facts.occupancy,
        cap,
        to_decimal(vat_rate),
    )
