"""Issue 12: what a hostile or buggy charger can send, from a plain websocket client.

Each numbered item of the issue has its test here (items 8 and 9 live on the
Odoo side, ev_billing/tests/test_ev_ocpp_hardening.py).
"""

import asyncio
import base64
import json
import sqlite3

import pytest
import websockets
from odoo_stub import outbox_drained, wait_for

from ev_ocpp_bridge.charge_point import ChargePoint


async def open_raw(harness, identity="CP-1", password="secret"):
    headers = {
        "Authorization": "Basic "
        + base64.b64encode(("%s:%s" % (identity, password)).encode()).decode()
    }
    return await websockets.connect(
        harness.url + "/" + identity,
        subprotocols=["ocpp1.6"],
        additional_headers=headers,
        max_size=None,
    )


@pytest.fixture
async def raw(harness):
    ws = await open_raw(harness)
    yield ws
    await ws.close()


async def exchange(ws, frame):
    await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(await ws.recv())


async def still_alive(ws):
    answer = await exchange(ws, [2, "alive", "Heartbeat", {}])
    assert answer[0] == 3 and answer[1] == "alive" and "currentTime" in answer[2]


def start(unique_id, **fields):
    payload = {
        "connectorId": 1,
        "idTag": "TAG-OK",
        "meterStart": 1000,
        "timestamp": "2026-11-25T01:00:00Z",
    }
    payload.update(fields)
    return [2, unique_id, "StartTransaction", payload]


# -- 1. nesting ----------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 1200, 30000])
async def test_1_deep_nesting_is_a_formation_violation_and_the_connection_stays(
    raw, depth
):
    answer = await exchange(raw, "[" * depth + "]" * depth)
    assert answer[0] == 4 and answer[2] == "FormationViolation"
    answer = await exchange(raw, '[2, "deep", "Heartbeat", %s]' % ("{" * depth))
    assert answer[:3] == [4, "deep", "FormationViolation"]
    await still_alive(raw)


async def test_1_nesting_inside_strings_does_not_count(raw):
    answer = await exchange(
        raw,
        [2, "s1", "DataTransfer", {"vendorId": "com.acme", "data": "[" * 2000}],
    )
    assert answer[:2] == [3, "s1"] and answer[2] == {"status": "Accepted"}


# -- 2. numbers beyond 64 bits, lone surrogates ------------------------------------


@pytest.mark.parametrize(
    "frame, path",
    [
        (start("big1", meterStart=2**63), "meterStart"),
        (start("big2", connectorId=2**31), "connectorId"),
        (
            [
                2,
                "big3",
                "StopTransaction",
                {
                    "transactionId": 2**64,
                    "meterStop": 10,
                    "timestamp": "2026-11-25T02:00:00Z",
                },
            ],
            "transactionId",
        ),
        (
            [
                2,
                "big4",
                "MeterValues",
                {
                    "connectorId": -(2**63) - 1,
                    "meterValue": [
                        {
                            "timestamp": "2026-11-25T01:00:00Z",
                            "sampledValue": [{"value": "1"}],
                        }
                    ],
                },
            ],
            "connectorId",
        ),
        ([2, "sur1", "Authorize", {"idTag": "\udfffABC"}], "idTag"),
        (start("sur2", idTag="\ud800"), "idTag"),
    ],
)
async def test_2_out_of_range_or_invalid_unicode_is_a_property_violation(
    raw, harness, odoo, frame, path
):
    answer = await exchange(raw, frame)
    assert answer[0] == 4 and answer[1] == frame[1]
    assert answer[2] == "PropertyConstraintViolation", answer
    assert answer[4]["path"] == path
    await still_alive(raw)
    assert not [body for route, body in odoo.requests if route == "authorize"]


async def test_2_sixty_four_bit_meter_values_are_stored_and_delivered(
    raw, harness, odoo
):
    answer = await exchange(raw, start("m64", meterStart=2**63 - 1))
    assert answer[0] == 3 and answer[2]["idTagInfo"]["status"] == "Accepted"
    await wait_for(lambda: odoo.of_kind("start_transaction", "CP-1"))
    assert odoo.of_kind("start_transaction")[0]["payload"]["meter_start"] == 2**63 - 1


# -- 3. timestamps ------------------------------------------------------------------


async def test_3_unparseable_times_are_substituted_and_flagged(raw, harness, odoo):
    answer = await exchange(raw, start("t1", timestamp="2026-12-01"))
    assert answer[0] == 3
    transaction_id = answer[2]["transactionId"]
    # a replay of the same frame is the same transaction
    again = await exchange(raw, start("t1b", timestamp="2026-12-01"))
    assert again[2]["transactionId"] == transaction_id
    await exchange(
        raw,
        [
            2,
            "t2",
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": transaction_id,
                "meterValue": [
                    {"timestamp": "soon", "sampledValue": [{"value": "1500"}]},
                    {
                        "timestamp": "2026-11-25T08:10:00+07:00",
                        "sampledValue": [{"value": "1600"}],
                    },
                ],
            },
        ],
    )
    await exchange(
        raw,
        [
            2,
            "t3",
            "StatusNotification",
            {
                "connectorId": 1,
                "errorCode": "NoError",
                "status": "Charging",
                "timestamp": "25/11/2026",
            },
        ],
    )
    stop = [
        2,
        "t4",
        "StopTransaction",
        {"transactionId": transaction_id, "meterStop": 2000, "timestamp": "later"},
    ]
    await exchange(raw, stop)
    await exchange(raw, [2, "t4b", *stop[2:]])  # the charger replays its stop
    await wait_for(lambda: odoo.of_kind("stop_transaction", "CP-1"))
    await wait_for(lambda: outbox_drained(harness.bridge))
    assert len(odoo.of_kind("stop_transaction", "CP-1")) == 1

    started = odoo.of_kind("start_transaction", "CP-1")
    assert len(started) == 1
    payload = started[0]["payload"]
    assert payload["timestamp_substituted"] is True
    assert payload["timestamp_sent"] == "2026-12-01"
    assert payload["timestamp"].endswith("Z") and "T" in payload["timestamp"]

    status = odoo.of_kind("status", "CP-1")[0]["payload"]
    assert status["timestamp"] is None and status["timestamp_substituted"] is True

    samples = odoo.of_kind("meter_values", "CP-1")[0]["payload"]["samples"]
    by_energy = {sample["energy_wh"]: sample for sample in samples}
    assert by_energy[1500.0]["timestamp_substituted"] is True
    assert by_energy[1600.0]["timestamp"] == "2026-11-25T01:10:00Z"
    assert "timestamp_substituted" not in by_energy[1600.0]

    stopped = odoo.of_kind("stop_transaction", "CP-1")[0]["payload"]
    assert stopped["timestamp_substituted"] is True
    assert stopped["timestamp_sent"] == "later"


# -- 4. NaN / Infinity --------------------------------------------------------------


async def test_4_non_finite_meter_values_never_reach_odoo(raw, harness, odoo):
    answer = await exchange(raw, start("n0"))
    transaction_id = answer[2]["transactionId"]
    for index, value in enumerate(["NaN", "inf", "-Infinity", "1e400", "1e308"]):
        answer = await exchange(
            raw,
            [
                2,
                "n%s" % (index + 1),
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": transaction_id,
                    "meterValue": [
                        {
                            "timestamp": "2026-11-25T01:0%s:00Z" % (index + 1),
                            "sampledValue": [
                                {"value": value, "unit": "kWh"},
                                {"value": value, "measurand": "SoC"},
                            ],
                        }
                    ],
                },
            ],
        )
        assert answer[0] == 3
    await exchange(
        raw,
        [
            2,
            "n9",
            "StopTransaction",
            {
                "transactionId": transaction_id,
                "meterStop": 2000,
                "timestamp": "2026-11-25T02:00:00Z",
            },
        ],
    )
    await wait_for(lambda: odoo.of_kind("stop_transaction", "CP-1"))
    samples = odoo.of_kind("meter_values", "CP-1")[0]["payload"]["samples"]
    assert len(samples) == 5
    assert all(sample["energy_wh"] is None for sample in samples)
    assert all(sample["soc"] is None for sample in samples[:4])
    assert odoo.invalid_bodies == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_4_non_json_number_literals_are_a_formation_violation(raw, literal):
    answer = await exchange(
        raw,
        '[2, "lit", "StatusNotification", {"connectorId": %s, "errorCode": '
        '"NoError", "status": "Available"}]' % literal,
    )
    assert answer[:3] == [4, "lit", "FormationViolation"]
    await still_alive(raw)


# -- 5. unsolicited answers and the idTag cache ---------------------------------------


async def test_5_unsolicited_results_are_dropped_and_commands_still_work(raw, harness):
    for index in range(1500):
        await raw.send(json.dumps([3, "stray-%s" % index, {"status": "Accepted"}]))
        if index % 500 == 0:
            await raw.send(json.dumps([4, "stray-e%s" % index, "GenericError", "", {}]))
    await still_alive(raw)
    cp = harness.bridge.chargers["CP-1"]
    assert cp.dropped_responses == 1503
    assert not hasattr(cp, "_response_queue")

    async def charger_answers():
        frame = json.loads(await raw.recv())
        assert frame[0] == 2 and frame[2] == "Reset"
        # a stale answer first, then the right one
        await raw.send(json.dumps([3, "not-" + frame[1], {"status": "Rejected"}]))
        await raw.send(json.dumps([3, frame[1], {"status": "Accepted"}]))

    answering = asyncio.create_task(charger_answers())
    status, body = await harness.command("CP-1", "reset", {"type": "Soft"})
    await answering
    assert status == 200 and body["status"] == "Accepted"
    assert cp.dropped_responses == 1504


async def test_5_id_tag_cache_is_bounded(harness, odoo):
    await harness.close()
    await harness.start(auth_cache_size=3)
    for index in range(6):
        odoo.add_tag("LRU-%s" % index)
    cp = await harness.charger("CP-1")
    from ocpp.v16 import call

    for index in range(6):
        await cp.call(call.Authorize(id_tag="LRU-%s" % index))
    # LRU-0 used again: it stays, LRU-3 goes next
    await cp.call(call.Authorize(id_tag="LRU-3"))
    authorizer = harness.bridge.authorizer
    assert list(authorizer._cache) == ["LRU-4", "LRU-5", "LRU-3"]
    await harness.bridge.outbox.run(lambda conn: None)  # the cache writes are done
    path = harness.tmp_path / "outbox.sqlite"
    rows = sqlite3.connect(path).execute("SELECT id_tag FROM id_tag_cache").fetchall()
    assert sorted(row[0] for row in rows) == ["LRU-3", "LRU-4", "LRU-5"]


def test_5_charge_point_owns_its_connection():
    """No reliance on the library's private ChargePoint state."""
    assert ChargePoint.__mro__[1] is object


# -- 6. DataTransfer --------------------------------------------------------------


async def test_6_unknown_vendor_id_is_answered_unknown_vendor_id(raw, harness, odoo):
    answer = await exchange(
        raw,
        [2, "d1", "DataTransfer", {"vendorId": "com.nobody", "data": "x"}],
    )
    assert answer == [3, "d1", {"status": "UnknownVendorId"}]
    answer = await exchange(
        raw, [2, "d2", "DataTransfer", {"vendorId": "com.acme", "messageId": "m"}]
    )
    assert answer == [3, "d2", {"status": "Accepted"}]
    await wait_for(lambda: odoo.of_kind("data_transfer", "CP-1"))
    await still_alive(raw)
    assert [e["payload"]["vendor_id"] for e in odoo.of_kind("data_transfer")] == [
        "com.acme"
    ]


async def test_6_vendor_handlers_are_registered_in_code(raw, harness, odoo):
    from ev_ocpp_bridge import vendors

    @vendors.register("com.example.echo")
    async def echo(service, identity, vendor_id, message_id, data):
        if message_id != "echo":
            return "UnknownMessageId", None
        return "Accepted", data

    try:
        answer = await exchange(
            raw,
            [
                2,
                "e1",
                "DataTransfer",
                {"vendorId": "com.example.echo", "messageId": "echo", "data": "hi"},
            ],
        )
        assert answer == [3, "e1", {"status": "Accepted", "data": "hi"}]
        answer = await exchange(
            raw,
            [
                2,
                "e2",
                "DataTransfer",
                {"vendorId": "com.example.echo", "messageId": "other"},
            ],
        )
        assert answer == [3, "e2", {"status": "UnknownMessageId"}]
    finally:
        del vendors.HANDLERS["com.example.echo"]


# -- 7. StopTransaction idTagInfo ---------------------------------------------------


async def stop_answer(raw, id_tag, unique_id):
    answer = await exchange(raw, start("s" + unique_id, idTag="TAG-OK"))
    transaction_id = answer[2]["transactionId"]
    return await exchange(
        raw,
        [
            2,
            unique_id,
            "StopTransaction",
            {
                "transactionId": transaction_id,
                "meterStop": 1500,
                "timestamp": "2026-11-25T02:00:00Z",
                "idTag": id_tag,
            },
        ],
    )


async def test_7_stop_transaction_answers_odoo_s_status(raw, harness, odoo):
    answer = await stop_answer(raw, "NEVER-SEEN", "x1")
    assert answer[2]["idTagInfo"]["status"] == "Invalid"
    answer = await stop_answer(raw, "TAG-BLOCKED", "x2")
    assert answer[2]["idTagInfo"]["status"] == "Blocked"
    answer = await stop_answer(raw, "TAG-OK", "x3")
    assert answer[2]["idTagInfo"]["status"] == "Accepted"


async def test_7_stop_transaction_falls_back_to_the_cache_policy(raw, harness, odoo):
    answer = await exchange(raw, [2, "a1", "Authorize", {"idTag": "TAG-OK"}])
    assert answer[2]["idTagInfo"]["status"] == "Accepted"
    odoo.down = True
    # cached: Accepted; never seen, policy "cache": Invalid
    assert (await stop_answer(raw, "TAG-OK", "y1"))[2]["idTagInfo"]["status"] == (
        "Accepted"
    )
    assert (await stop_answer(raw, "NEVER-SEEN", "y2"))[2]["idTagInfo"][
        "status"
    ] == "Invalid"


# -- unknown chargers ----------------------------------------------------------------


async def test_unknown_charger_is_refused_and_reported(harness, odoo):
    for _ in range(3):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await open_raw(harness, "NEW-1", "whatever")
        assert refused.value.response.status_code == 404
    await wait_for(lambda: odoo.unknown_reports)
    report = odoo.unknown_reports[0]
    assert report["identity"] == "NEW-1" and report["remote_address"] == "127.0.0.1"
    assert report["attempts"] >= 1 and report["first_attempt_at"].endswith("Z")


async def test_unknown_charger_waits_in_pending_until_registered(harness, odoo):
    await harness.close()
    await harness.start(unknown_chargers="pending", heartbeat_interval=30)
    ws = await open_raw(harness, "NEW-2", "its-password")
    try:
        boot = [
            2,
            "b1",
            "BootNotification",
            {"chargePointVendor": "Acme", "chargePointModel": "Fast-1"},
        ]
        answer = await exchange(ws, boot)
        assert answer[2]["status"] == "Pending" and answer[2]["interval"] == 30
        answer = await exchange(ws, [2, "h1", "Heartbeat", {}])
        assert answer[:3] == [4, "h1", "SecurityError"]
        assert "NEW-2" not in harness.bridge.chargers
        await wait_for(
            lambda: any(report.get("boot") for report in odoo.unknown_reports)
        )
        report = [r for r in odoo.unknown_reports if r.get("boot")][0]
        assert report["boot"]["charge_point_vendor"] == "Acme"
        assert not odoo.events  # nothing of it reaches Odoo as charger events

        odoo.add_charger("NEW-2", "its-password")  # an Administrator registered it
        answer = await exchange(ws, [2, "b2", *boot[2:]])
        assert answer[2]["status"] == "Accepted"
        assert "NEW-2" in harness.bridge.chargers
        await still_alive(ws)
        await wait_for(lambda: "boot" in odoo.kinds("NEW-2"))
    finally:
        await ws.close()


async def test_registered_with_another_password_is_rejected(harness, odoo):
    await harness.close()
    await harness.start(unknown_chargers="pending")
    ws = await open_raw(harness, "NEW-3", "guess")
    boot = [
        2,
        "b1",
        "BootNotification",
        {"chargePointVendor": "A", "chargePointModel": "B"},
    ]
    assert (await exchange(ws, boot))[2]["status"] == "Pending"
    odoo.add_charger("NEW-3", "the-real-one")
    assert (await exchange(ws, [2, "b2", *boot[2:]]))[2]["status"] == "Rejected"
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 5)
    assert "NEW-3" not in harness.bridge.chargers


# -- 9. a remote start that fails in any way is forgotten --------------------------


@pytest.mark.parametrize("answer", ["bad_answer", "disconnect"])
async def test_9_a_failed_remote_start_is_not_picked_up_later(raw, harness, answer):
    async def charger_answers():
        frame = json.loads(await raw.recv())
        assert frame[2] == "RemoteStartTransaction"
        if answer == "bad_answer":
            await raw.send(json.dumps([3, frame[1], {"status": "Accepted", "x": 1}]))
        else:
            await raw.close()

    answering = asyncio.create_task(charger_answers())
    status, body = await harness.command(
        "CP-1",
        "remote_start_transaction",
        {"connector_id": 1, "id_tag": "TAG-OK", "remote_request_id": "sess-9"},
    )
    await answering
    assert status == 502, body
    assert harness.bridge.service.pending_remote == {}
