from datetime import datetime, time, timedelta
from decimal import Decimal

import pricing
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pricing import (
    OccupancyRule,
    SessionFacts,
    TariffRates,
    TierRates,
    TouCalendar,
    price_session,
    round_money,
    split_energy,
    tesla_overstay_preset,
)
from pricing_helpers import MONDAY, SATURDAY, bkk, simple_rates

CAL = TouCalendar()
D = Decimal


def facts(start, stop, energy=10_000, unplug=None, plug_in=None, tier="member", **kw):
    return SessionFacts(
        tier=tier,
        start_time=start,
        stop_time=stop,
        meter_start=1_000,
        meter_stop=1_000 + energy,
        plug_in_time=plug_in,
        unplug_time=unplug,
        **kw,
    )


def overstay_rates(**kw):
    values = {
        "overstay_fee_per_minute_on_peak": D("10"),
        "overstay_fee_per_minute_off_peak": D("10"),
    }
    values.update(kw)
    return simple_rates(**values)


# ---- energy lines --------------------------------------------------------------------


def test_energy_lines_are_rounded_once_per_period():
    rates = simple_rates(
        energy_price_on_peak=D("7.777"), energy_price_off_peak=D("3.333")
    )
    # 21:30–22:30: 1234 Wh each side → 9.597818 → 9.60 and 4.112922 → 4.11
    p = price_session(
        rates, facts(bkk(*MONDAY, 21, 30), bkk(*MONDAY, 22, 30), 2468), CAL
    )
    assert (p.energy_wh_on_peak, p.energy_wh_off_peak) == (1234, 1234)
    assert (p.amount_energy_on_peak, p.amount_energy_off_peak) == (D("9.60"), D("4.11"))
    assert p.amount_energy == D("13.71") == p.amount_total
    assert p.energy_kwh == D("2.468")


def test_vip_tier_uses_its_own_rates():
    member = TierRates(energy_price_on_peak=D("8"), energy_price_off_peak=D("4"))
    vip = TierRates(energy_price_on_peak=D("6"), energy_price_off_peak=D("3"))
    rates = TariffRates(member=member, vip=vip)
    f = facts(bkk(*MONDAY, 10), bkk(*MONDAY, 11), tier="vip")
    assert price_session(rates, f, CAL).amount_total == D("60.00")
    with pytest.raises(ValueError):
        price_session(
            rates, facts(bkk(*MONDAY, 10), bkk(*MONDAY, 11), tier="gold"), CAL
        )


def test_energy_cap_bills_the_first_bought_wh():
    # 21:00–23:00, 20 kWh pro rata (10 on-peak, 10 off-peak), 12 kWh bought
    f = facts(bkk(*MONDAY, 21), bkk(*MONDAY, 23), 20_000, energy_cap_wh=12_000)
    p = price_session(simple_rates(), f, CAL)
    assert p.energy_wh == 20_000 and p.billed_wh == 12_000
    assert (p.billed_wh_on_peak, p.billed_wh_off_peak) == (10_000, 2_000)
    assert p.amount_energy == D("88.00")
    under = price_session(
        simple_rates(),
        facts(bkk(*MONDAY, 21), bkk(*MONDAY, 23), 11_000, energy_cap_wh=12_000),
        CAL,
    )
    assert under.billed_wh == 11_000


# ---- parking -------------------------------------------------------------------------


def parking_rates(**kw):
    values = {
        "parking_fee_per_hour_on_peak": D("30"),
        "parking_fee_per_hour_off_peak": D("12"),
        "parking_free_minutes": 30,
    }
    values.update(kw)
    return simple_rates(
        energy_price_on_peak=D("0"), energy_price_off_peak=D("0"), **values
    )


def test_parking_free_minutes_exactly_met_is_free():
    start = bkk(*MONDAY, 10)
    p = price_session(parking_rates(), facts(start, start + timedelta(minutes=30)), CAL)
    assert p.amount_parking == D("0.00") and p.parking_units == 0


def test_parking_is_charged_per_started_minute_after_the_free_minutes():
    start = bkk(*MONDAY, 10)
    p = price_session(
        parking_rates(), facts(start, start + timedelta(minutes=30, seconds=1)), CAL
    )
    assert p.parking_units == 1 and p.amount_parking == D("0.50")  # 30 THB/h → 0.50/min
    p = price_session(
        parking_rates(), facts(start, start + timedelta(minutes=100)), CAL
    )
    assert p.parking_units == 70 and p.amount_parking == D("35.00")


def test_parking_counts_from_plug_in_to_unplug():
    start = bkk(*MONDAY, 10)
    f = facts(
        start,
        start + timedelta(minutes=20),
        plug_in=start - timedelta(minutes=20),
        unplug=start + timedelta(minutes=40),
    )
    p = price_session(parking_rates(), f, CAL)
    assert p.parking_units == 30 and p.amount_parking == D("15.00")


def test_parking_minutes_take_the_price_of_their_period():
    # plugged 21:00–23:00, 30 free → 21:30–22:00 on-peak (30 min × 0.5) + 60 min × 0.2
    f = facts(bkk(*MONDAY, 21), bkk(*MONDAY, 23))
    p = price_session(parking_rates(), f, CAL)
    assert p.amount_parking == D("27.00")


def test_parking_started_hour_option():
    rates = parking_rates(parking_rounding="started_hour", parking_free_minutes=0)
    start = bkk(*MONDAY, 10)
    p = price_session(rates, facts(start, start + timedelta(minutes=61)), CAL)
    assert (
        p.parking_units == 2
        and p.parking_unit == "hour"
        and p.amount_parking == D("60.00")
    )
    p = price_session(rates, facts(start, start + timedelta(minutes=60)), CAL)
    assert p.parking_units == 1 and p.amount_parking == D("30.00")


# ---- overstay: grace -----------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, after_grace, minutes",
    [
        ("grace_end", timedelta(0), 0),  # grace exactly met
        ("grace_end", timedelta(minutes=1), 1),  # exceeded by one minute
        ("grace_end", timedelta(seconds=1), 1),  # a started minute counts
        ("charge_end", timedelta(0), 0),
        ("charge_end", timedelta(minutes=1), 6),  # from the end of charging
        ("charge_end", timedelta(seconds=1), 6),
    ],
)
def test_grace(mode, after_grace, minutes):
    rates = overstay_rates(grace_minutes=5, overstay_from=mode)
    stop = bkk(*MONDAY, 12)
    f = facts(
        stop - timedelta(hours=1),
        stop,
        unplug=stop + timedelta(minutes=5) + after_grace,
    )
    p = price_session(rates, f, CAL)
    assert p.overstay_minutes == minutes
    assert p.amount_overstay == D(10 * minutes).quantize(D("0.01"))


def test_no_overstay_when_unplugged_at_end_of_charging():
    stop = bkk(*MONDAY, 12)
    p = price_session(overstay_rates(), facts(stop - timedelta(hours=1), stop), CAL)
    assert p.overstay_minutes == 0 and p.amount_overstay == 0


def test_overstay_fee_follows_the_period_of_each_minute():
    rates = overstay_rates(overstay_fee_per_minute_off_peak=D("4"))
    stop = bkk(*MONDAY, 21, 50)
    p = price_session(
        rates, facts(stop - timedelta(hours=1), stop, unplug=bkk(*MONDAY, 22, 10)), CAL
    )
    assert p.overstay_minutes == 20 and p.amount_overstay == D("140.00")  # 10×10 + 10×4


# ---- overstay: exempt windows --------------------------------------------------------

NIGHT = ((time(22, 0), time(7, 0)),)


@pytest.mark.parametrize(
    "stop, unplug, minutes",
    [
        (bkk(*MONDAY, 21, 50), bkk(*MONDAY, 22, 10), 10),  # runs into the window
        (bkk(2025, 1, 7, 6, 50), bkk(2025, 1, 7, 7, 10), 10),  # runs out of it
        (bkk(*MONDAY, 23, 0), bkk(2025, 1, 7, 2, 0), 0),  # inside, across midnight
        (bkk(*MONDAY, 21, 0), bkk(2025, 1, 7, 8, 0), 60 + 60),  # spans the whole window
        (
            bkk(*MONDAY, 21, 59, 30),
            bkk(*MONDAY, 22, 0, 30),
            1,
        ),  # started minute before 22:00
    ],
)
def test_exempt_window_across_midnight(stop, unplug, minutes):
    rates = overstay_rates(exempt_windows=NIGHT)
    p = price_session(rates, facts(stop - timedelta(hours=1), stop, unplug=unplug), CAL)
    assert p.overstay_minutes == minutes
    assert p.amount_overstay == D(10 * minutes).quantize(D("0.01"))


def test_several_exempt_windows_may_overlap():
    rates = overstay_rates(
        exempt_windows=((time(12), time(13)), (time(12, 30), time(14)))
    )
    stop = bkk(*MONDAY, 11)
    p = price_session(
        rates, facts(stop - timedelta(hours=1), stop, unplug=bkk(*MONDAY, 15)), CAL
    )
    assert p.overstay_minutes == 60 + 60


def test_exempt_window_validation():
    with pytest.raises(ValueError):
        overstay_rates(exempt_windows=((time(7), time(7)),))


# ---- overstay: occupancy -------------------------------------------------------------


@pytest.mark.parametrize(
    "occupied, total, amount",
    [
        (49, 100, "0.00"),  # below the threshold: not charged
        (50, 100, "100.00"),  # at 50 %: charged
        (1, 2, "100.00"),
        (99, 100, "100.00"),
        (100, 100, "200.00"),  # full: doubled
        (0, 0, "0.00"),  # a station without connectors is never "occupied"
    ],
)
def test_occupancy_rule(occupied, total, amount):
    rates = overstay_rates(occupancy_rule=OccupancyRule(D("50"), D("2")))
    stop = bkk(*MONDAY, 12)
    f = facts(
        stop - timedelta(hours=1),
        stop,
        unplug=stop + timedelta(minutes=10),
        occupancy=((stop - timedelta(hours=2), occupied, total),),
    )
    assert price_session(rates, f, CAL).amount_overstay == D(amount)


def test_occupancy_is_a_step_function_evaluated_each_minute():
    rates = overstay_rates(occupancy_rule=OccupancyRule())
    stop = bkk(*MONDAY, 12)
    occupancy = (
        (
            stop + timedelta(minutes=2),
            2,
            4,
        ),  # minutes 2..4 charged ×1 (0..1 unknown: free)
        (stop + timedelta(minutes=5), 1, 4),  # minutes 5..6 free
        (stop + timedelta(minutes=7), 4, 4),  # minutes 7..9 ×2
    )
    f = facts(
        stop - timedelta(hours=1),
        stop,
        unplug=stop + timedelta(minutes=10),
        occupancy=occupancy,
    )
    p = price_session(rates, f, CAL)
    assert p.overstay_minutes == 6 and p.overstay_minutes_multiplied == 3
    assert p.amount_overstay == D("90.00")


def test_tesla_preset():
    tier = tesla_overstay_preset(D("8"), D("4"))
    assert (
        tier.overstay_fee_per_minute_on_peak
        == D("12")
        == tier.overstay_fee_per_minute_off_peak
    )
    assert tier.grace_minutes == 5 and tier.overstay_from == "charge_end"
    assert tier.occupancy_rule == OccupancyRule(D("50"), D("2"))
    rates = TariffRates.same_for_all_tiers(tier)
    stop = bkk(*MONDAY, 12)

    def fee(minutes, occupied, total=4):
        f = facts(
            stop - timedelta(hours=1),
            stop,
            unplug=stop + timedelta(minutes=minutes),
            occupancy=((stop - timedelta(hours=1), occupied, total),),
        )
        return price_session(rates, f, CAL).amount_overstay

    assert fee(5, 4) == D("0.00")  # moved within the grace: waived
    assert fee(6, 2) == D("72.00")  # 6 min × 12 at 50 %
    assert fee(6, 4) == D("144.00")  # doubled at 100 %
    assert fee(6, 1) == D("0.00")  # 25 %: not charged
    assert tesla_overstay_preset(D("8"), grace_minutes=10).grace_minutes == 10


# ---- whole session, errors -----------------------------------------------------------


def test_lines_and_totals():
    rates = simple_rates(
        parking_fee_per_hour_on_peak=D("20"),
        parking_fee_per_hour_off_peak=D("20"),
        overstay_fee_per_minute_on_peak=D("5"),
        overstay_fee_per_minute_off_peak=D("5"),
    )
    stop = bkk(*MONDAY, 22, 30)
    f = facts(bkk(*MONDAY, 21, 30), stop, 10_000, unplug=stop + timedelta(minutes=3))
    p = price_session(rates, f, CAL)
    codes = [(line.code, line.quantity, line.uom, line.amount) for line in p.lines]
    assert codes == [
        ("energy_on_peak", D("5"), "kWh", D("40.00")),
        ("energy_off_peak", D("5"), "kWh", D("20.00")),
        ("parking", D("63"), "minute", D("21.00")),
        ("overstay", D("3"), "minute", D("15.00")),
    ]
    assert p.amount_total == D("96.00")
    assert p.amount_vat == D("2.62") + D("1.31") + D("1.37") + D("0.98")
    assert p.amount_untaxed + p.amount_vat == p.amount_total


@pytest.mark.parametrize(
    "kw",
    [
        {"start": bkk(*MONDAY, 12), "stop": bkk(*MONDAY, 11)},
        {
            "start": bkk(*MONDAY, 11),
            "stop": bkk(*MONDAY, 12),
            "plug_in": bkk(*MONDAY, 11, 1),
        },
        {
            "start": bkk(*MONDAY, 11),
            "stop": bkk(*MONDAY, 12),
            "unplug": bkk(*MONDAY, 11, 59),
        },
        {"start": bkk(*MONDAY, 11), "stop": bkk(*MONDAY, 12), "energy": -1},
    ],
)
def test_impossible_facts_are_refused(kw):
    with pytest.raises(ValueError):
        price_session(simple_rates(), facts(**kw), CAL)


def test_tariff_validation():
    with pytest.raises(ValueError):
        simple_rates(parking_rounding="second")
    with pytest.raises(ValueError):
        simple_rates(overstay_from="plug_in")
    with pytest.raises(ValueError):
        simple_rates(grace_minutes=-1)
    with pytest.raises(ValueError):
        simple_rates(energy_price_on_peak=D("-1"))
    assert simple_rates(energy_price_on_peak=7.5).member.energy_price_on_peak == D(
        "7.5"
    )


# ---- properties against a minute-by-minute reference ---------------------------------


def reference_price(r, f, cal):
    """Slow, literal reading of the rules: walk every minute / hour."""
    energy = split_energy(
        cal, f.start_time, f.stop_time, f.meter_start, f.meter_stop, f.samples
    )
    a_on = round_money(r.energy_price_on_peak * energy["on_peak"] / 1000)
    a_off = round_money(r.energy_price_off_peak * energy["off_peak"] / 1000)
    unit = (
        timedelta(minutes=1) if r.parking_rounding == "minute" else timedelta(hours=1)
    )
    plug_in = f.plug_in_time or f.start_time
    unplug = f.unplug_time or f.stop_time
    t = plug_in + timedelta(minutes=r.parking_free_minutes)
    parking = D(0)
    while t < unplug:
        on = cal.period_at(t) == "on_peak"
        parking += (
            r.parking_fee_per_hour_on_peak if on else r.parking_fee_per_hour_off_peak
        )
        t += unit
    if r.parking_rounding == "minute":
        parking /= 60
    overstay = D(0)
    minutes = 0
    grace = timedelta(minutes=r.grace_minutes)
    if unplug - f.stop_time > grace:
        t = f.stop_time + (grace if r.overstay_from == "grace_end" else timedelta(0))
        while t < unplug:
            local = (t + timedelta(hours=7)).time()
            exempt = any(
                (a <= local < b) if a < b else (local >= a or local < b)
                for a, b in r.exempt_windows
            )
            factor = 1
            if r.occupancy_rule is not None:
                factor = 0
                for when, occupied, total in sorted(f.occupancy):
                    if when <= t:
                        factor = r.occupancy_rule.factor(occupied, total)
            if not exempt and factor:
                on = cal.period_at(t) == "on_peak"
                fee = (
                    r.overstay_fee_per_minute_on_peak
                    if on
                    else r.overstay_fee_per_minute_off_peak
                )
                overstay += fee * factor
                minutes += 1
            t += timedelta(minutes=1)
    return a_on + a_off, round_money(parking), round_money(overstay), minutes


money = st.decimals(min_value=0, max_value=50, places=2)
clock = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def tariffs(draw):
    windows = draw(
        st.lists(st.tuples(clock, clock).filter(lambda w: w[0] != w[1]), max_size=2)
    )
    rule = draw(
        st.none()
        | st.builds(
            OccupancyRule,
            st.sampled_from([D(0), D(50), D("66.7")]),
            st.sampled_from([D(1), D(2), D("1.5")]),
        )
    )
    return TierRates(
        energy_price_on_peak=draw(money),
        energy_price_off_peak=draw(money),
        parking_fee_per_hour_on_peak=draw(money),
        parking_fee_per_hour_off_peak=draw(money),
        parking_free_minutes=draw(st.integers(0, 120)),
        parking_rounding=draw(st.sampled_from(["minute", "started_hour"])),
        overstay_fee_per_minute_on_peak=draw(money),
        overstay_fee_per_minute_off_peak=draw(money),
        grace_minutes=draw(st.integers(0, 30)),
        overstay_from=draw(st.sampled_from(["grace_end", "charge_end"])),
        exempt_windows=tuple(windows),
        occupancy_rule=rule,
    )


@st.composite
def session_facts(draw):
    start = draw(
        st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2025, 12, 31))
    )
    charge = timedelta(seconds=draw(st.integers(0, 8 * 3600)))
    before = timedelta(seconds=draw(st.integers(0, 3600)))
    after = timedelta(seconds=draw(st.integers(0, 14 * 3600)))
    stop = start + charge
    energy = draw(st.integers(0, 150_000))
    occupancy = tuple(
        (start + timedelta(seconds=s), o, 4)
        for s, o in draw(
            st.lists(
                st.tuples(st.integers(-3600, 20 * 3600), st.integers(0, 4)), max_size=5
            )
        )
    )
    return SessionFacts(
        tier="member",
        start_time=start,
        stop_time=stop,
        meter_start=5_000,
        meter_stop=5_000 + energy,
        plug_in_time=start - before,
        unplug_time=stop + after,
        occupancy=occupancy,
    )


@given(tariffs(), session_facts())
def test_session_matches_the_minute_by_minute_reading_of_the_rules(tier, f):
    p = price_session(TariffRates.same_for_all_tiers(tier), f, CAL)
    energy, parking, overstay, minutes = reference_price(tier, f, CAL)
    assert p.amount_energy == energy
    assert p.amount_parking == parking
    assert p.amount_overstay == overstay
    assert p.overstay_minutes == minutes


@given(tariffs(), session_facts())
def test_total_is_the_sum_of_the_rounded_parts(tier, f):
    p = price_session(TariffRates.same_for_all_tiers(tier), f, CAL)
    assert p.amount_energy == p.amount_energy_on_peak + p.amount_energy_off_peak
    assert p.amount_total == p.amount_energy + p.amount_parking + p.amount_overstay
    assert p.amount_total == sum(line.amount for line in p.lines)
    assert p.amount_untaxed + p.amount_vat == p.amount_total
    assert p.amount_vat == sum(
        pricing.vat_included_split(line.amount)[1] for line in p.lines
    )
    for amount in (
        p.amount_energy_on_peak,
        p.amount_energy_off_peak,
        p.amount_parking,
        p.amount_overstay,
        p.amount_total,
    ):
        assert amount == round_money(amount)


@given(tariffs(), session_facts(), st.integers(1, 6 * 3600))
def test_staying_plugged_in_longer_never_costs_less(tier, f, extra_seconds):
    rates = TariffRates.same_for_all_tiers(tier)
    longer = SessionFacts(
        f.tier,
        f.start_time,
        f.stop_time,
        f.meter_start,
        f.meter_stop,
        f.plug_in_time,
        f.unplug_time + timedelta(seconds=extra_seconds),
        f.samples,
        f.occupancy,
    )
    a, b = price_session(rates, f, CAL), price_session(rates, longer, CAL)
    assert b.amount_total >= a.amount_total
    assert (
        b.amount_parking >= a.amount_parking and b.amount_overstay >= a.amount_overstay
    )


@given(tariffs(), session_facts(), st.integers(1, 50_000), st.data())
def test_more_energy_never_costs_less(tier, f, extra, data):
    rates = TariffRates.same_for_all_tiers(tier)
    span = max(1, int((f.stop_time - f.start_time).total_seconds()))
    samples = tuple(
        sorted(
            (f.start_time + timedelta(seconds=s), f.meter_start + w)
            for s, w in data.draw(
                st.lists(
                    st.tuples(
                        st.integers(1, span),
                        st.integers(0, f.meter_stop - f.meter_start),
                    ),
                    max_size=4,
                )
            )
        )
    )
    samples = tuple(sorted(samples, key=lambda x: (x[0], x[1])))
    base = SessionFacts(
        f.tier,
        f.start_time,
        f.stop_time,
        f.meter_start,
        f.meter_stop,
        f.plug_in_time,
        f.unplug_time,
        samples,
        f.occupancy,
    )
    more = SessionFacts(
        f.tier,
        f.start_time,
        f.stop_time,
        f.meter_start,
        f.meter_stop + extra,
        f.plug_in_time,
        f.unplug_time,
        samples,
        f.occupancy,
    )
    a, b = price_session(rates, base, CAL), price_session(rates, more, CAL)
    assert b.amount_energy_on_peak >= a.amount_energy_on_peak
    assert b.amount_energy_off_peak >= a.amount_energy_off_peak
    assert b.amount_total >= a.amount_total


def test_aware_and_naive_facts_price_the_same():
    from datetime import timezone

    rates = overstay_rates(parking_fee_per_hour_on_peak=D("10"))
    naive = facts(bkk(*MONDAY, 21), bkk(*MONDAY, 22, 30), unplug=bkk(*MONDAY, 23))
    aware = facts(
        bkk(*MONDAY, 21).replace(tzinfo=timezone.utc),
        bkk(*MONDAY, 22, 30).replace(tzinfo=timezone.utc),
        unplug=bkk(*MONDAY, 23).replace(tzinfo=timezone.utc),
    )
    assert price_session(rates, naive, CAL) == price_session(rates, aware, CAL)


def test_weekend_session_is_all_off_peak():
    p = price_session(
        simple_rates(), facts(bkk(*SATURDAY, 10), bkk(*SATURDAY, 12)), CAL
    )
    assert p.energy_wh_on_peak == 0 and p.amount_total == D("40.00")
