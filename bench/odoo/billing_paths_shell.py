"""Both billing paths back to back in one Odoo process: queries and time per session.

Run in ``odoo-bin shell`` on a database with ev_billing installed (everything is rolled
back at the end):

    N=25 odoo-bin shell -d DB --no-http < bench/odoo/billing_paths_shell.py

Creates a station, a charger, 10 drivers with 10,000 THB each and 2 × 2 × N priced
sessions (three invoice lines each), then bills N with the batch path
(``_ev_bill_in_batch``) and N with the old per-session path
(``_ev_bill_sessions_one_by_one``), twice.
"""

# ruff: noqa: F821 (env is given by odoo-bin shell)
import os
import time
from datetime import datetime, timedelta

env = env(context=dict(env.context))  # noqa: F821
N = int(os.environ.get("N", "25"))
company = env.company
acc = company._ev_wallet_accounting()
station = env["ev.station"].create(
    {
        "name": "Prof",
        "code": "PRF%d" % int(time.time() * 1000 % 100000),
        "state": "open",
        "tz": "Asia/Bangkok",
    }
)
charger = env["ev.charger"].create(
    {
        "name": "P1",
        "identity": "PRF-%s" % station.id,
        "station_id": station.id,
        "max_power_kw": 22,
    }
)
conn = env["ev.connector"].create({"charger_id": charger.id, "connector_number": 1})
drivers = env["res.partner"].create(
    [
        {
            "name": "Prof D%d" % i,
            "ev_is_driver": True,
            "mobile": "+66 82 %03d %04d" % (station.id % 1000, i),
        }
        for i in range(10)
    ]
)
cash = env["account.journal"].search(
    [("type", "=", "cash"), ("company_id", "=", company.id)], limit=1
)
for d in drivers:
    env["ev.wallet.transaction"]._ev_topup(d, 10000, cash, company=company)


def mk(n, off):
    return (
        env["ev.session"]
        .sudo()
        .create(
            [
                {
                    "transaction_id": 700000 + off + i,
                    "charger_id": charger.id,
                    "connector_id": conn.id,
                    "station_id": station.id,
                    "company_id": company.id,
                    "partner_id": drivers[i % 10].id,
                    "start_time": datetime(2026, 1, 5, 1, 0)
                    + timedelta(seconds=off + i),
                    "stop_time": datetime(2026, 1, 5, 2, 0)
                    + timedelta(seconds=off + i),
                    "meter_start": 0,
                    "meter_stop": 10000,
                    "amount_energy": 80.25,
                    "amount_parking": 16.05,
                    "amount_overstay": 10.70,
                    "amount_total": 107.0,
                    "state": "done",
                }
                for i in range(n)
            ]
        )
    )


# warm up
w = mk(5, 0)
w._ev_bill_in_batch()
env.flush_all()

for rnd in range(2):
    for MODE, off in (
        ("batch", 1000 + rnd * 10000),
        ("per_session", 5000 + rnd * 10000),
    ):
        s = mk(N, off)
        env.flush_all()
        q0, t0 = env.cr.sql_log_count, time.perf_counter()
        c0 = time.process_time()
        if MODE == "batch":
            s._ev_bill_in_batch()
        else:
            for x in s:
                env["ev.wallet.transaction"]._ev_bill_sessions_one_by_one(x)
        env.flush_all()
        q, t, c = (
            env.cr.sql_log_count - q0,
            time.perf_counter() - t0,
            time.process_time() - c0,
        )
        print(
            "RESULT round",
            rnd,
            MODE,
            N,
            "queries/session %.1f" % (q / N),
            "wall s/session %.3f" % (t / N),
            "per s %.2f" % (N / t),
            "python cpu s/session %.3f" % (c / N),
            "load",
            os.getloadavg()[0],
            flush=True,
        )
        print(
            "states",
            set(s.mapped("billing_state")),
            all(i.payment_state == "paid" for i in s.invoice_id),
            len(s.invoice_id),
            flush=True,
        )
print("audit", env["ev.wallet.transaction"]._ev_wallet_audit()[:3])
env.cr.rollback()
