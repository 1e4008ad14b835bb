"""50 sessions closed at once: every charger event is answered, the billing cron bills
them all, the station's numbers have no gap and no duplicate (issues 8 and 14)."""

import json
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta

from ev_ocpp_bridge.outbox import make_event

SESSIONS = 50


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def post_events(odoo, events):
    request = urllib.request.Request(
        f"{odoo.url}/ev/ocpp/v1/events",
        json.dumps({"events": events}).encode(),
        {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {odoo.api_key}",
            "X-Odoo-Database": odoo.db,
        },
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status, json.load(response)["results"]


def test_fifty_sessions_closed_at_once(odoo, station):
    [tariff_id] = odoo.call("ev.tariff", "search", [], limit=1)
    station_id = odoo.call(
        "ev.station",
        "create",
        {"name": "E2E Rush", "code": "RSH", "state": "open", "tariff_id": tariff_id},
    )
    identities = [f"RSH-{i:02d}" for i in range(SESSIONS)]
    # One driver and card per charger: this test is about the station's numbering
    # under 50 simultaneous closes. (Sessions of one wallet closing at once are
    # test_ev_wallet_hold_concurrency's.)
    drivers = odoo.call(
        "res.partner",
        "create",
        [
            {
                "name": f"Rush Driver {i:02d}",
                "ev_is_driver": True,
                "mobile": f"+66 81 000 00{i:02d}",
            }
            for i in range(SESSIONS)
        ],
    )
    tags = [f"RSHTAG{i:02d}" for i in range(SESSIONS)]
    odoo.call(
        "ev.id.tag",
        "create",
        [{"tag": tag, "partner_id": d} for tag, d in zip(tags, drivers, strict=True)],
    )
    odoo.shell(
        f"for driver in env['res.partner'].browse({drivers}):\n"
        "    env['ev.wallet.transaction']._ev_topup(driver, 1000)\n"
    )
    tag_of = dict(zip(identities, tags, strict=True))
    odoo.call(
        "ev.charger",
        "create",
        [
            {"name": i, "identity": i, "station_id": station_id, "max_power_kw": 22}
            for i in identities
        ],
    )
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    stop = start + timedelta(minutes=30)

    def event(identity, kind, payload, when):
        return make_event(
            identity, kind, payload, when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        )

    starts = [
        event(
            identity,
            "start_transaction",
            {
                "transaction_id": 1,
                "connector_id": 1,
                "id_tag": tag_of[identity],
                "meter_start": 0,
                "timestamp": iso(start),
                "reservation_id": None,
                "remote_request_id": None,
            },
            start,
        )
        for identity in identities
    ]
    status, results = post_events(odoo, starts)
    assert status == 200 and {r["status"] for r in results} == {"ok"}

    # Each charger closes its session in its own request, all at the same instant.
    answers, barrier = {}, threading.Barrier(SESSIONS)

    def close(identity):
        events = [
            event(
                identity,
                "stop_transaction",
                {
                    "transaction_id": 1,
                    "meter_stop": 5000,
                    "timestamp": iso(stop),
                    "reason": "EVDisconnected",
                    "id_tag": tag_of[identity],
                    "samples": [],
                },
                stop,
            ),
            event(
                identity,
                "status",
                {
                    "connector_id": 1,
                    "status": "Available",
                    "error_code": "NoError",
                    "info": None,
                    "vendor_id": None,
                    "vendor_error_code": None,
                    "timestamp": iso(stop + timedelta(minutes=1)),
                },
                stop + timedelta(minutes=1),
            ),
        ]
        barrier.wait(60)
        try:
            with in_flight:
                answers[identity] = post_events(odoo, events)
        except Exception as error:  # noqa: BLE001 — an HTTP 500 lands here
            answers[identity] = (repr(error), [])

    # All 50 closes are released at once; at most 10 requests are in flight together,
    # as ten bridge connections would send them (a threaded test server's database
    # pool, unlike Odoo's workers, would otherwise run out of connections).
    in_flight = threading.BoundedSemaphore(10)
    threads = [threading.Thread(target=close, args=(i,)) for i in identities]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    failed = {
        identity: answer
        for identity, answer in answers.items()
        if answer[0] != 200 or {r["status"] for r in answer[1]} != {"ok"}
    }
    assert len(answers) == SESSIONS and not failed, failed

    # The billing cron bills them within seconds of the close.
    deadline = time.monotonic() + 180
    while True:
        rows = odoo.search_read(
            "ev.session",
            [("station_id", "=", station_id)],
            ["state", "billing_state", "abbreviated_invoice_number", "invoice_id"],
        )
        if len(rows) == SESSIONS and all(r["billing_state"] == "billed" for r in rows):
            break
        assert time.monotonic() < deadline, rows
        time.sleep(1)
    # One yearly sequence for the station (the year of its own time zone): 1 to 50.
    numbers = sorted(r["abbreviated_invoice_number"] for r in rows)
    prefix = numbers[0][:-5]
    assert prefix.startswith("ABB-RSH-")
    assert numbers == [f"{prefix}{n:05d}" for n in range(1, SESSIONS + 1)]
    invoices = odoo.search_read(
        "account.move",
        [("id", "in", [r["invoice_id"][0] for r in rows])],
        ["state", "payment_state"],
    )
    assert len(invoices) == SESSIONS
    assert {(i["state"], i["payment_state"]) for i in invoices} <= {
        ("posted", "paid"),
        ("posted", "in_payment"),
    }
    assert (
        odoo.shell(
            "print('AUDIT=' + repr(env['ev.wallet.transaction']._ev_wallet_audit()))"
        )
        .split("AUDIT=")[1]
        .strip()
        == "[]"
    )
