"""Benchmark of the pricing core: sessions priced per second on one core, quote latency.

Run:  .venv/bin/python bench/pricing/bench_pricing.py [--seconds 3]
"""

import argparse
import os
import platform
import statistics
import sys
import time as clock
from datetime import datetime, time, timedelta
from decimal import Decimal

sys.path.append(os.path.join(os.path.dirname(__file__), "..", "..", "ev_billing"))

import pricing


def typical_setup():
    """A typical session: 45 kWh over ~75 min on a weekday evening, crossing 22:00
    local, meter samples every 15 min, 25 min plugged after charging (overstay over
    grace and into an exempt window), a 4-connector station whose occupancy changes
    twice."""
    calendar = pricing.TouCalendar(holidays={datetime(2025, 4, 14).date()})
    tier = pricing.tesla_overstay_preset(
        Decimal("8.50"),
        Decimal("5.20"),
        parking_fee_per_hour_on_peak=Decimal(20),
        parking_fee_per_hour_off_peak=Decimal(10),
        parking_free_minutes=60,
        exempt_windows=((time(23, 0), time(7, 0)),),
        overstay_fee_per_minute_off_peak=Decimal(6),
    )
    rates = pricing.TariffRates(member=tier, vip=tier, name="bench")
    start = datetime(2025, 3, 4, 13, 50)  # 20:50 Bangkok, Tuesday
    stop = start + timedelta(minutes=76)  # 22:06 Bangkok
    samples = tuple(
        (start + timedelta(minutes=m), 120_000 + 600 * m) for m in (15, 30, 45, 60)
    )
    facts = pricing.SessionFacts(
        tier="member",
        start_time=start,
        stop_time=stop,
        meter_start=120_000,
        meter_stop=120_000 + 45_000,
        plug_in_time=start - timedelta(minutes=2),
        unplug_time=stop + timedelta(minutes=25),
        samples=samples,
        occupancy=(
            (start - timedelta(hours=1), 2, 4),
            (stop + timedelta(minutes=4), 3, 4),
            (stop + timedelta(minutes=15), 4, 4),
        ),
    )
    return rates, facts, calendar


def rate(fn, seconds):
    n = 0
    batch = 1000
    t0 = clock.perf_counter()
    while True:
        for _ in range(batch):
            fn()
        n += batch
        elapsed = clock.perf_counter() - t0
        if elapsed >= seconds:
            return n / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    rates, facts, calendar = typical_setup()
    price = pricing.price_session(rates, facts, calendar)
    print(
        "typical session:",
        price.amount_total,
        "THB",
        price.energy_by_period,
        "overstay",
        price.overstay_minutes,
        "min",
    )

    rounds = [
        rate(lambda: pricing.price_session(rates, facts, calendar), args.seconds)
        for _ in range(3)
    ]
    print(
        "price_session: %.0f sessions/s (best of 3; runs %s)"
        % (max(rounds), ", ".join("%.0f" % r for r in rounds))
    )

    def build_and_price():
        f = pricing.SessionFacts(
            facts.tier,
            facts.start_time,
            facts.stop_time,
            facts.meter_start,
            facts.meter_stop,
            facts.plug_in_time,
            facts.unplug_time,
            facts.samples,
            facts.occupancy,
        )
        return pricing.price_session(rates, f, calendar)

    print(
        "build facts + price_session: %.0f sessions/s"
        % rate(build_and_price, args.seconds)
    )

    now = datetime(2025, 3, 4, 14, 40)  # 21:40 Bangkok: a quote crossing 22:00
    latencies = []
    for i in range(20000):
        kwh = Decimal(5 + i % 60)
        t0 = clock.perf_counter_ns()
        pricing.quote(rates, "vip", kwh, now, calendar, Decimal(60), Decimal("48.5"))
        latencies.append(clock.perf_counter_ns() - t0)
    latencies.sort()
    print(
        "quote latency: median %.1f µs, p95 %.1f µs, p99 %.1f µs (20000 calls)"
        % (
            statistics.median(latencies) / 1000,
            latencies[int(0.95 * len(latencies))] / 1000,
            latencies[int(0.99 * len(latencies))] / 1000,
        )
    )
    print(
        "python %s on %s"
        % (platform.python_version(), platform.processor() or platform.machine())
    )


if __name__ == "__main__":
    main()
