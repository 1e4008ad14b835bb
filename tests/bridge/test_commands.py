"""Commands from Odoo through the HTTP API, relayed to a library charge point."""

import base64
import json

import aiohttp
import pytest
import websockets
from ocpp.v16 import call
from odoo_stub import wait_for

PROFILE = {
    "charging_profile_id": 7,
    "stack_level": 0,
    "charging_profile_purpose": "TxDefaultProfile",
    "charging_profile_kind": "Absolute",
    "charging_schedule": {
        "charging_rate_unit": "A",
        "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
    },
}

CASES = [
    (
        "remote_start_transaction",
        {"connector_id": 1, "id_tag": "TAG-OK"},
        "RemoteStartTransaction",
        "Accepted",
    ),
    (
        "remote_stop_transaction",
        {"transaction_id": 16},
        "RemoteStopTransaction",
        "Accepted",
    ),
    ("reset", {"type": "Soft"}, "Reset", "Accepted"),
    ("unlock_connector", {"connector_id": 1}, "UnlockConnector", "Unlocked"),
    (
        "change_availability",
        {"connector_id": 0, "type": "Inoperative"},
        "ChangeAvailability",
        "Accepted",
    ),
    (
        "trigger_message",
        {"requested_message": "StatusNotification", "connector_id": 1},
        "TriggerMessage",
        "Accepted",
    ),
    (
        "change_configuration",
        {"key": "HeartbeatInterval", "value": "60"},
        "ChangeConfiguration",
        "Accepted",
    ),
    ("clear_cache", {}, "ClearCache", "Accepted"),
    (
        "set_charging_profile",
        {"connector_id": 1, "cs_charging_profiles": PROFILE},
        "SetChargingProfile",
        "Accepted",
    ),
]


@pytest.mark.parametrize("action, payload, ocpp_action, status", CASES)
async def test_command_reaches_charger_and_returns_its_answer(
    harness, action, payload, ocpp_action, status
):
    cp = await harness.charger("CP-1")
    code, body = await harness.command("CP-1", action, payload)
    assert code == 200, body
    assert body["status"] == status
    assert body["response"]["status"] == status
    assert cp.received[-1][0] == ocpp_action


async def test_rejection_is_passed_back(harness):
    cp = await harness.charger("CP-1")
    cp.answers["Reset"] = "Rejected"
    code, body = await harness.command("CP-1", "reset", {"type": "Hard"})
    assert code == 200 and body["status"] == "Rejected"


async def test_get_configuration_returns_keys(harness):
    await harness.charger("CP-1")
    code, body = await harness.command(
        "CP-1", "get_configuration", {"key": ["HeartbeatInterval", "Nope"]}
    )
    assert code == 200
    assert body["status"] is None
    assert body["response"]["configuration_key"] == [
        {"key": "HeartbeatInterval", "readonly": False, "value": "300"}
    ]
    assert body["response"]["unknown_key"] == ["Nope"]


async def test_set_charging_profile_reaches_charger_in_ocpp_shape(harness):
    cp = await harness.charger("CP-1")
    code, _body = await harness.command(
        "CP-1",
        "set_charging_profile",
        {"connector_id": 1, "cs_charging_profiles": PROFILE},
    )
    assert code == 200
    profile = cp.received[-1][1]["cs_charging_profiles"]
    assert profile["charging_schedule"]["charging_schedule_period"][0]["limit"] == 16.0


async def test_bad_token_is_401(harness):
    await harness.charger("CP-1")
    assert (await harness.command("CP-1", "reset", {"type": "Soft"}, token="nope"))[
        0
    ] == 401
    assert (await harness.command("CP-1", "reset", {"type": "Soft"}, token=None))[
        0
    ] == 401


async def test_not_connected_is_404(harness):
    code, body = await harness.command("CP-2", "reset", {"type": "Soft"})
    assert code == 404 and body["error"]["code"] == "not_connected"


async def test_unknown_action_is_404(harness):
    await harness.charger("CP-1")
    assert (await harness.command("CP-1", "self_destruct", {}))[0] == 404


@pytest.mark.parametrize(
    "payload", [{"type": "Sideways"}, {}, {"type": "Soft", "extra": 1}]
)
async def test_bad_payload_is_400(harness, payload):
    cp = await harness.charger("CP-1")
    code, body = await harness.command("CP-1", "reset", payload)
    assert code == 400 and body["error"]["code"] == "bad_payload"
    assert cp.received == []


async def _raw_charger(harness, reply):
    headers = {"Authorization": "Basic " + base64.b64encode(b"CP-1:secret").decode()}
    ws = await websockets.connect(
        harness.url + "/CP-1", subprotocols=["ocpp1.6"], additional_headers=headers
    )
    await wait_for(lambda: "CP-1" in harness.bridge.chargers)

    async def answer():
        async for frame in ws:
            message = json.loads(frame)
            if message[0] == 2 and reply is not None:
                await ws.send(json.dumps(reply(message)))

    import asyncio

    return ws, asyncio.create_task(answer())


async def test_charger_silence_is_504(harness):
    harness.bridge.config.command_timeout = 0.3
    ws, task = await _raw_charger(harness, None)
    code, body = await harness.command("CP-1", "reset", {"type": "Soft"})
    assert code == 504 and body["error"]["code"] == "timeout"
    task.cancel()
    await ws.close()


async def test_charger_callerror_is_502_with_its_code(harness):
    ws, task = await _raw_charger(
        harness, lambda m: [4, m[1], "NotSupported", "no resets here", {}]
    )
    code, body = await harness.command("CP-1", "reset", {"type": "Soft"})
    assert code == 502 and body["error"]["code"] == "NotSupported"
    task.cancel()
    await ws.close()


async def test_health_and_charger_list(harness):
    await harness.charger("CP-1")
    async with aiohttp.ClientSession() as session:
        async with session.get(harness.command_url + "/health") as response:
            health = await response.json()
        async with session.get(
            harness.command_url + "/chargers",
            headers={"Authorization": "Bearer test-command-token"},
        ) as response:
            chargers = await response.json()
    assert (
        health["status"] == "ok"
        and health["chargers"] == 1
        and health["outbox_pending"] >= 0
    )
    assert chargers == {"chargers": ["CP-1"]}


async def test_remote_start_extensions_reach_the_start_event(harness, odoo):
    cp = await harness.charger("CP-1")
    code, _body = await harness.command(
        "CP-1",
        "remote_start_transaction",
        {
            "connector_id": 1,
            "id_tag": "TAG-OK",
            "remote_request_id": "sess-42",
            "max_energy_wh": 5000,
        },
    )
    assert code == 200
    sent = cp.received[-1][1]
    assert (
        "remote_request_id" not in sent and "max_energy_wh" not in sent
    )  # stripped before OCPP
    answer = await cp.call(
        call.StartTransaction(
            connector_id=1,
            id_tag="TAG-OK",
            meter_start=0,
            timestamp="2026-11-25T03:00:00Z",
        )
    )
    await wait_for(lambda: odoo.of_kind("start_transaction", "CP-1"))
    payload = odoo.of_kind("start_transaction", "CP-1")[0]["payload"]
    assert payload["remote_request_id"] == "sess-42"
    assert (
        harness.bridge.service.transactions[answer.transaction_id].max_energy_wh == 5000
    )
