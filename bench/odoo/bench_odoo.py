"""Odoo side of DESIGN.md §6: bridge events/s, billed sessions/s, quote latency.

Creates a fresh database with ev_billing (no demo), starts odoo-bin on loopback with one
HTTP worker (``--workers=1``: one prefork worker process serves every request, so the
figures are "per worker"; ``--workers=0`` is the threaded dev server, which is also one
process but not how Odoo is deployed), makes the bridge's API key in ``odoo-bin shell``
and the station, chargers and drivers over JSON-RPC (as tests/e2e/conftest.py does),
then drives ``POST /ev/ocpp/v1/events`` exactly as the bridge's outbox does: one client,
one request at a time, keys from ``ev_ocpp_bridge.outbox``.

Measures (each bounded by ``--seconds``, default 60):

- ``events``: ``meter_values`` (3 samples each, one per charger per 30 s of charger
  time) and ``status`` events (SuspendedEV/Charging flips) for chargers with an open
  session, batched ``--batch`` per call → events/s, one figure per kind and one for the
  mix.
- ``sessions``: ``start_transaction``, ``meter_values``, ``stop_transaction``,
  ``status Available`` per session, ``--sessions-per-batch`` sessions per call
  (different chargers and drivers) → every session is priced, invoiced, posted and paid
  from the wallet inside the call → sessions/s. Checked afterwards in SQL (done, invoice
  posted and paid, one ``charge`` ledger line) and with the wallet audit (no
  difference).
- ``quote``: ``POST /ev/quote`` (JSON-RPC, public) one at a time → p50/p95/p99.

Run from the repository root with any Python 3.10+ (stdlib only; needs
``psql``/``dropdb``):

    .venv/bin/python bench/odoo/bench_odoo.py --odoo /opt/odoo18 \\
        --odoo-python /opt/odoo18-venv/bin/python
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]
from odoo_server import OdooServer  # noqa: E402

from ev_ocpp_bridge.outbox import make_event  # noqa: E402 (after the sys.path line)

START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # a Monday, 08:00 Bangkok


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Odoo(OdooServer):
    """The shared test server (tests/e2e/odoo_server.py) plus the bridge's and the
    portal's calls."""

    def __init__(self, args):
        db = args.db or f"ev_bench_{os.getpid()}"
        super().__init__(
            db,
            args.odoo,
            args.odoo_python,
            args.addons,
            Path(args.log or f"/tmp/{db}.log"),
            args.db_host,
            args.db_port,
            args.db_user,
            args.db_password,
        )
        self.args = args

    def start(self):
        super().start(
            f"--workers={self.args.workers}",
            "--log-level=info",
            # the billing module's per-batch line: sessions, queries, seconds
            "--log-handler=odoo.addons.ev_billing.models.ev_session_billing:DEBUG",
            "--limit-time-real=600",
            "--limit-time-cpu=600",
            cron_threads=self.args.cron_workers,
        )

    def billing_mode(self, mode):
        """ev_billing.billing_mode: "batch" (the billing cron) or "per_session"
        (inside the event request, as before batch billing)."""
        self.call("ir.config_parameter", "set_param", "ev_billing.billing_mode", mode)

    def billing_log(self):
        """(sessions, queries, seconds) of every billing line in the server log so
        far, by path."""
        lines = {"batch": [], "per_session": []}
        with open(self.log_path) as log:
            for line in log:
                if "ev_session_billing: billed " not in line:
                    continue
                words = line.split("ev_session_billing: billed ")[1].split()
                # "billed N sessions: Q queries in S s" or
                # "billed N sessions one by one: Q queries in S s"
                path = "per_session" if "one by one" in line else "batch"
                numbers = [
                    w.rstrip(":")
                    for w in words
                    if w.rstrip(":").replace(".", "", 1).isdigit()
                ]
                lines[path].append(tuple(float(n) for n in numbers[:3]))
        return lines

    def post_events(self, events):
        body = json.dumps({"events": events}).encode()
        request = urllib.request.Request(
            f"{self.url}/ev/ocpp/v1/events",
            body,
            {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.api_key}",
                "X-Odoo-Database": self.db,
            },
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.load(response)
        bad = [
            r
            for r in answer["results"]
            if r.get("status") != "ok" or r.get("duplicate")
        ]
        if len(answer["results"]) != len(events) or bad:
            raise RuntimeError(f"events not applied: {bad[:3]}")
        return answer["results"]

    def quote(self, token, kwh):
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"access_token": token, "kwh": kwh},
            }
        ).encode()
        request = urllib.request.Request(
            f"{self.url}/ev/quote?db={self.db}",
            body,
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
        if answer.get("error") or (answer.get("result") or {}).get("error"):
            raise RuntimeError(f"quote failed: {answer}")
        return answer["result"]


# --------------------------------------------------------------------------------------
# Setup
# --------------------------------------------------------------------------------------


def setup(odoo, args):
    odoo.api_key = odoo.bridge_api_key()
    odoo.start()
    [tariff_id] = odoo.call(
        "ev.tariff", "search", [("company_id", "in", [1, False])], limit=1
    )
    station_id = odoo.call(
        "ev.station",
        "create",
        {
            "name": "Bench Station",
            "code": "BEN",
            "state": "open",
            "tz": "Asia/Bangkok",
            "tariff_id": tariff_id,
        },
    )
    identities = [f"EVT-{i:04d}" for i in range(args.chargers)] + [
        f"SES-{i:04d}" for i in range(args.chargers)
    ]
    odoo.call(
        "ev.charger",
        "create",
        [
            {"name": i, "identity": i, "station_id": station_id, "max_power_kw": 22}
            for i in identities
        ],
    )
    drivers = odoo.call(
        "res.partner",
        "create",
        [
            {
                "name": f"Bench Driver {i}",
                "mobile": f"+66 81 {i:03d} 0000",
                "ev_is_driver": True,
            }
            for i in range(args.drivers)
        ],
    )
    odoo.call(
        "ev.id.tag",
        "create",
        [{"tag": f"BENCH{i:04d}", "partner_id": p} for i, p in enumerate(drivers)],
    )
    odoo.shell(
        f"for p in env['res.partner'].browse({drivers}):\n"
        f"    env['ev.wallet.transaction']._ev_topup(p, {args.topup})\n"
    )
    return station_id, drivers


def flush(odoo, events, batch, stats=None):
    for i in range(0, len(events), batch):
        chunk = events[i : i + batch]
        t0 = time.perf_counter()
        odoo.post_events(chunk)
        if stats is not None:
            stats.append((len(chunk), time.perf_counter() - t0))


def summary(name, stats, wall):
    events = sum(n for n, _t in stats)
    busy = sum(t for _n, t in stats)
    lat = [t * 1000 for _n, t in stats]
    return {
        "measure": name,
        "calls": len(stats),
        "events": events,
        "wall_s": round(wall, 1),
        "per_s": round(events / wall, 1),
        "per_s_busy": round(events / busy, 1) if busy else 0,
        "call_ms_p50": round(percentile(lat, 50), 1),
        "call_ms_p95": round(percentile(lat, 95), 1),
    }


# --------------------------------------------------------------------------------------
# (a) status and meter events
# --------------------------------------------------------------------------------------


class EventCharger:
    def __init__(self, identity, index, driver_tag):
        self.identity = identity
        self.tx = 10_000 + index
        self.clock = START + timedelta(seconds=index)
        self.meter = 100_000
        self.tag = driver_tag
        self.suspended = False

    def start(self):
        self.start_meter = self.meter
        return make_event(
            self.identity,
            "start_transaction",
            {
                "transaction_id": self.tx,
                "connector_id": 1,
                "id_tag": self.tag,
                "meter_start": self.meter,
                "timestamp": iso(self.clock),
                "reservation_id": None,
                "remote_request_id": None,
            },
            iso_ms(self.clock),
        )

    def meter_values(self):
        samples = []
        for _ in range(3):  # the bridge's 30 s flush of 10 s samples
            self.clock += timedelta(seconds=10)
            self.meter += 61  # 22 kW
            samples.append(
                {
                    "timestamp": iso(self.clock),
                    "energy_wh": float(self.meter),
                    "power_w": 22000.0,
                    "soc": min(99, 20 + (self.meter - self.start_meter) // 600),
                }
            )
        return make_event(
            self.identity,
            "meter_values",
            {"transaction_id": self.tx, "connector_id": 1, "samples": samples},
            iso_ms(self.clock),
        )

    def status(self):
        self.clock += timedelta(seconds=1)
        self.suspended = not self.suspended
        return make_event(
            self.identity,
            "status",
            {
                "connector_id": 1,
                "status": "SuspendedEV" if self.suspended else "Charging",
                "error_code": "NoError",
                "info": None,
                "vendor_id": None,
                "vendor_error_code": None,
                "timestamp": iso(self.clock),
            },
            iso_ms(self.clock),
        )


def measure_events(odoo, args):
    chargers = [
        EventCharger(f"EVT-{i:04d}", i, f"BENCH{i % args.drivers:04d}")
        for i in range(args.chargers)
    ]
    flush(odoo, [c.start() for c in chargers], args.batch)  # open sessions (not timed)
    odoo.event_chargers = chargers
    results = []
    for name, make in (
        ("meter_values", lambda c: c.meter_values()),
        ("status", lambda c: c.status()),
        ("mixed 3 meter_values : 1 status", None),
    ):
        stats, started, turn = [], time.perf_counter(), 0
        while time.perf_counter() - started < args.seconds / 3:
            batch = []
            while len(batch) < args.batch:
                c = chargers[turn % len(chargers)]
                if make:
                    batch.append(make(c))
                else:
                    batch.append(c.status() if turn % 4 == 3 else c.meter_values())
                turn += 1
            t0 = time.perf_counter()
            odoo.post_events(batch)
            stats.append((len(batch), time.perf_counter() - t0))
        results.append(summary(f"events: {name}", stats, time.perf_counter() - started))
        print(json.dumps(results[-1]), flush=True)
    samples = odoo.sql(
        "SELECT max(jsonb_array_length(meter_samples)) FROM ev_session "
        "WHERE state = 'charging'"
    )
    print(f"  longest open session timeline: {samples[0][0]} samples", flush=True)
    return results


# --------------------------------------------------------------------------------------
# (b) fully billed sessions
# --------------------------------------------------------------------------------------


def session_events(identity, tx, start, tag, meter):
    """One session: start, one meter flush, stop, unplugged (Available) 3 min later."""
    energy = 9_000 + tx % 7 * 1_000  # 9–15 kWh in 40 minutes on a 22 kW charger
    stop = start + timedelta(minutes=40)
    events = [
        make_event(
            identity,
            "start_transaction",
            {
                "transaction_id": tx,
                "connector_id": 1,
                "id_tag": tag,
                "meter_start": meter,
                "timestamp": iso(start),
                "reservation_id": None,
                "remote_request_id": None,
            },
            iso_ms(start),
        )
    ]
    samples = [
        {
            "timestamp": iso(start + timedelta(minutes=10 * k)),
            "energy_wh": float(meter + energy * k // 4),
            "power_w": 20000.0,
            "soc": 30 + 10 * k,
        }
        for k in (1, 2, 3)
    ]
    events.append(
        make_event(
            identity,
            "meter_values",
            {"transaction_id": tx, "connector_id": 1, "samples": samples},
            iso_ms(stop),
        )
    )
    events.append(
        make_event(
            identity,
            "stop_transaction",
            {
                "transaction_id": tx,
                "meter_stop": meter + energy,
                "timestamp": iso(stop),
                "reason": "EVDisconnected",
                "id_tag": tag,
                "samples": [],
            },
            iso_ms(stop),
        )
    )
    unplug = stop + timedelta(minutes=3)
    events.append(
        make_event(
            identity,
            "status",
            {
                "connector_id": 1,
                "status": "Available",
                "error_code": "NoError",
                "info": None,
                "vendor_id": None,
                "vendor_error_code": None,
                "timestamp": iso(unplug),
            },
            iso_ms(unplug),
        )
    )
    return events, meter + energy


class SessionFactory:
    """Full sessions on the SES-* chargers, one of 50 drivers each; every measure
    continues the same transaction ids and meters."""

    def __init__(self, args):
        self.args = args
        self.meters = {}
        self.serial = 0

    @property
    def next_tx(self):
        return 500_000 + self.serial

    def events(self, count):
        args, events = self.args, []
        for _ in range(count):
            charger = self.serial % args.chargers
            round_ = self.serial // args.chargers
            identity = f"SES-{charger:04d}"
            start = START + timedelta(hours=round_, seconds=charger)
            evts, self.meters[identity] = session_events(
                identity,
                500_000 + self.serial,
                start,
                f"BENCH{self.serial % args.drivers:04d}",
                self.meters.get(identity, 0),
            )
            events += evts
            self.serial += 1
        return events


def measure_sessions(odoo, args):
    """Today's per-session path: each session billed inside the event call."""
    odoo.billing_mode("per_session")
    per_batch = args.sessions_per_batch
    factory = odoo.sessions = SessionFactory(args)
    # warm-up (not timed): creates connectors and the abb. sequence
    odoo.post_events(factory.events(per_batch))
    logged = len(odoo.billing_log()["per_session"])
    stats, started = [], time.perf_counter()
    first_tx = factory.next_tx
    while time.perf_counter() - started < args.seconds:
        batch = factory.events(per_batch)
        t0 = time.perf_counter()
        odoo.post_events(batch)
        stats.append((per_batch, time.perf_counter() - t0))
    wall = time.perf_counter() - started
    result = summary(
        f"sessions (per-session billing inside the call): {per_batch} full sessions "
        f"({per_batch * 4} events) per call",
        stats,
        wall,
    )
    result["sessions"] = result.pop("events")
    billing = odoo.billing_log()["per_session"][logged:]
    result["billing_queries_per_session"] = round(
        sum(q for _n, q, _s in billing) / max(sum(n for n, _q, _s in billing), 1), 1
    )
    print(json.dumps(result), flush=True)
    result["check"] = check_sessions(odoo, first_tx, factory.next_tx - 1)
    print(json.dumps(result["check"]), flush=True)
    return [result]


BILLING_CRONS = (
    "SELECT res_id FROM ir_model_data WHERE module = 'ev_billing' "
    "AND model = 'ir.cron' "
    "AND name IN ('ir_cron_ev_bill_sessions', 'ir_cron_ev_bill_sessions_2')"
)


def measure_billing(odoo, args):
    """Batch billing: the events close and queue ``--billing-sessions`` sessions while
    the billing crons are paused (the enqueue rate); then the billing cron — one cron
    worker process — drains that backlog while status/meter events keep coming
    (billed sessions/s per worker = backlog / drain time; events/s meanwhile)."""
    odoo.billing_mode("batch")
    if args.billing_batch_size:
        odoo.call(
            "ir.config_parameter",
            "set_param",
            "ev_billing.billing_batch_size",
            str(args.billing_batch_size),
        )
    factory = getattr(odoo, "sessions", None) or SessionFactory(args)
    per_batch = args.sessions_per_batch
    logged = len(odoo.billing_log()["batch"])
    first_tx = factory.next_tx
    count = args.billing_sessions
    odoo.sql(f"UPDATE ir_cron SET active = false WHERE id IN ({BILLING_CRONS})")
    started = time.perf_counter()
    for _ in range(0, count, per_batch):
        odoo.post_events(factory.events(per_batch))
    queued = time.perf_counter() - started
    last_tx = factory.next_tx - 1
    [[backlog]] = odoo.sql(
        "SELECT count(*) FROM ev_session WHERE billing_state = 'to_bill'"
    )
    if args.vacuum:
        # What autovacuum does in production (this machine's PostgreSQL runs with
        # autovacuum off): without it every wallet lock leaves a dead version of the
        # driver's res_partner row, and the foreign-key checks of each new invoice
        # line walk them all — billing slows down batch after batch.
        odoo.sql("VACUUM ANALYZE")
    # Wake the billing cron as a close does: Odoo's cron trigger, and its NOTIFY,
    # which cron workers listen to on the "postgres" database.
    odoo.sql(
        f"UPDATE ir_cron SET active = true WHERE id IN ({BILLING_CRONS}); "
        "INSERT INTO ir_cron_trigger (cron_id, call_at) "
        f"SELECT id, now() at time zone 'utc' FROM ir_cron "
        f"WHERE id IN ({BILLING_CRONS})"
    )
    odoo.sql(f"SELECT pg_notify('cron_trigger', '{odoo.db}')", database="postgres")
    drain_started = time.perf_counter()
    # Events while the cron bills: the chargers of the events measure.
    chargers = getattr(odoo, "event_chargers", None)
    stats, turn = [], 0
    while True:
        [[left]] = odoo.sql(
            "SELECT count(*) FROM ev_session WHERE billing_state = 'to_bill'"
        )
        if int(left) == 0:
            break
        if time.perf_counter() - started > args.billing_timeout:
            raise RuntimeError(f"{left} sessions still to bill")
        if chargers:
            batch = []
            while len(batch) < args.batch:
                c = chargers[turn % len(chargers)]
                batch.append(c.status() if turn % 4 == 3 else c.meter_values())
                turn += 1
            t0 = time.perf_counter()
            odoo.post_events(batch)
            stats.append((len(batch), time.perf_counter() - t0))
        else:
            time.sleep(0.2)
    drain = time.perf_counter() - drain_started
    billing = odoo.billing_log()["batch"][logged:]
    billed = sum(n for n, _q, _s in billing)
    queries = sum(q for _n, q, _s in billing)
    busy = sum(sec for _n, _q, sec in billing)
    result = {
        "measure": "billing (batch, billing cron)",
        "sessions": count,
        "enqueue_s": round(queued, 1),
        "enqueue_sessions_per_s": round(count / queued, 1),
        "backlog": int(backlog),
        "drain_s": round(drain, 1),
        "per_s": round(int(backlog) / drain, 1),
        "batches": len(billing),
        "billed_in_log": int(billed),
        "per_s_busy": round(billed / busy, 1) if busy else 0,
        "queries_per_session": round(queries / billed, 1) if billed else 0,
    }
    if stats:
        result["events_while_billing"] = summary(
            "events while billing: 3 meter_values : 1 status", stats, drain
        )
    print(json.dumps(result), flush=True)
    result["check"] = check_sessions(odoo, first_tx, last_tx)
    print(json.dumps(result["check"]), flush=True)
    return [result]


def check_sessions(odoo, first_tx, last_tx):
    [[total, done, invoiced, posted, paid, charged, amount]] = odoo.sql(f"""
        SELECT count(*),
               count(*) FILTER (WHERE s.state = 'done'),
               count(*) FILTER (WHERE s.invoice_id IS NOT NULL),
               count(*) FILTER (WHERE m.state = 'posted'),
               count(*) FILTER (WHERE m.payment_state IN ('paid', 'in_payment')
                                  AND m.amount_residual = 0),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM ev_wallet_transaction w
                    WHERE w.session_id = s.id AND w.kind = 'charge'
                      AND w.amount = -s.amount_total AND w.move_id = m.id)),
               coalesce(sum(s.amount_total), 0)
          FROM ev_session s
          LEFT JOIN account_move m ON m.id = s.invoice_id
         WHERE s.transaction_id BETWEEN {first_tx} AND {last_tx}
    """)
    audit = odoo.shell(
        "print('AUDIT=' + repr(env['ev.wallet.transaction']._ev_wallet_audit()))"
    ).split("AUDIT=")[1]
    check = {
        "sessions": int(total),
        "done": int(done),
        "invoiced": int(invoiced),
        "posted": int(posted),
        "paid": int(paid),
        "charge_lines": int(charged),
        "amount_total": float(amount),
        "wallet_audit_differences": audit.strip(),
    }
    check["ok"] = (
        int(total)
        == int(done)
        == int(invoiced)
        == int(posted)
        == int(paid)
        == int(charged)
        > 0
        and audit.strip() == "[]"
    )
    return check


# --------------------------------------------------------------------------------------
# (c) quote route
# --------------------------------------------------------------------------------------


def measure_quote(odoo, args):
    [[token]] = odoo.sql(
        "SELECT c.access_token FROM ev_connector c "
        "JOIN ev_charger h ON h.id = c.charger_id "
        "WHERE h.identity = 'SES-0000' LIMIT 1"
    )
    for i in range(20):  # warm-up
        odoo.quote(token, 5 + i)
    lat, started, i = [], time.perf_counter(), 0
    while time.perf_counter() - started < args.seconds and len(lat) < args.quotes:
        t0 = time.perf_counter()
        odoo.quote(token, 5 + (i * 7) % 60)
        lat.append((time.perf_counter() - t0) * 1000)
        i += 1
    result = {
        "measure": "quote",
        "calls": len(lat),
        "p50_ms": round(percentile(lat, 50), 1),
        "p95_ms": round(percentile(lat, 95), 1),
        "p99_ms": round(percentile(lat, 99), 1),
        "max_ms": round(max(lat), 1),
        "mean_ms": round(statistics.mean(lat), 1),
    }
    print(json.dumps(result), flush=True)
    return [result]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--odoo", default=os.environ.get("ODOO_PATH", "/opt/odoo18"))
    parser.add_argument(
        "--odoo-python",
        default=os.environ.get("ODOO_PYTHON", "/opt/odoo18-venv/bin/python"),
    )
    parser.add_argument(
        "--addons",
        default=str(ROOT),
        help="directory holding ev_billing (default: this repository)",
    )
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", default=5432, type=int)
    parser.add_argument("--db-user", default="odoo")
    parser.add_argument("--db-password", default="odoo")
    parser.add_argument(
        "--db", help="database to create (dropped first); default ev_bench_<pid>"
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--log", help="Odoo server log file (default /tmp/<db>.log)")
    parser.add_argument(
        "--workers",
        default=1,
        type=int,
        help="odoo-bin --workers (default 1: per-worker figures)",
    )
    parser.add_argument(
        "--seconds", default=60.0, type=float, help="time budget of each measure"
    )
    parser.add_argument("--measures", default="events,sessions,billing,quote")
    parser.add_argument(
        "--cron-workers",
        default=1,
        type=int,
        help="odoo-bin --max-cron-threads: billing cron workers (default 1)",
    )
    parser.add_argument(
        "--billing-sessions",
        default=600,
        type=int,
        help="sessions queued for the batch billing measure",
    )
    parser.add_argument("--billing-timeout", default=900, type=float)
    parser.add_argument(
        "--no-vacuum",
        dest="vacuum",
        action="store_false",
        help="do not VACUUM ANALYZE the database before the billing cron drains its "
        "backlog (as autovacuum would in production)",
    )
    parser.add_argument(
        "--billing-batch-size",
        type=int,
        help="ev_billing.billing_batch_size for the billing measure (default: "
        "the module's, 50)",
    )
    parser.add_argument(
        "--chargers", default=200, type=int, help="chargers per measure"
    )
    parser.add_argument("--drivers", default=50, type=int)
    parser.add_argument(
        "--topup", default=1_000_000, type=float, help="wallet top-up per driver (THB)"
    )
    parser.add_argument(
        "--batch", default=250, type=int, help="events per call for the events measure"
    )
    parser.add_argument("--sessions-per-batch", default=25, type=int)
    parser.add_argument("--quotes", default=2000, type=int)
    args = parser.parse_args()

    odoo = Odoo(args)
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs, "
        f"load {os.getloadavg()}, db {odoo.db}, --workers={args.workers}",
        flush=True,
    )
    t0 = time.perf_counter()
    try:
        odoo.install()
        setup(odoo, args)
        print(
            f"# installed and set up in {time.perf_counter() - t0:.0f} s; server log "
            f"{odoo.log_path}",
            flush=True,
        )
        results = []
        measures = args.measures.split(",")
        if "sessions" not in measures and "quote" in measures:
            measures.insert(
                0, "sessions"
            )  # the quote uses a connector created by the sessions
        for measure in ("events", "sessions", "billing", "quote"):
            if measure in measures:
                results += globals()[f"measure_{measure}"](odoo, args)
        print(f"# load after {os.getloadavg()}", flush=True)
        by_name = {r["measure"].split(" ")[0]: r for r in results}
        if "billing" in by_name and "sessions" in by_name:
            batch = by_name["billing"]["per_s"]
            single = by_name["sessions"]["per_s"]
            print(
                f"billing: batch {batch}/s, per-session {single}/s, "
                f"ratio {batch / single:.1f}, "
                f"queries per session {by_name['billing']['queries_per_session']}",
                flush=True,
            )
        ok = all(r.get("check", {}).get("ok", True) for r in results)
        return 0 if ok else 1
    finally:
        odoo.stop()
        if not args.keep_db:
            odoo.drop()


if __name__ == "__main__":
    sys.exit(main())
