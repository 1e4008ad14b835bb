"""Odoo away, charger replays, bridge SIGKILLed: nothing lost, nothing twice."""

import asyncio
import os
import signal
import socket
import subprocess
import sys

import aiohttp
from ocpp.v16 import call
from odoo_stub import API_KEY, DATABASE, outbox_drained, wait_for

from ev_ocpp_bridge.simulator import SimulatedChargePoint, connect, utc_now


async def test_odoo_down_then_back_delivers_once_in_order(harness, odoo):
    cp = await harness.charger("CP-1")
    await wait_for(lambda: odoo.of_kind("connection", "CP-1"))
    odoo.down = True
    statuses = [
        "Preparing",
        "Charging",
        "SuspendedEV",
        "Charging",
        "Finishing",
        "Available",
    ]
    for status in statuses:  # the charger gets every answer although Odoo is down
        assert (
            await cp.call(
                call.StatusNotification(
                    connector_id=1, error_code="NoError", status=status
                )
            )
            is not None
        )
    tx = (
        await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-OK", meter_start=0, timestamp=utc_now()
            )
        )
    ).transaction_id  # offline: cache policy
    await cp.call(
        call.StopTransaction(meter_stop=900, timestamp=utc_now(), transaction_id=tx)
    )
    await wait_for(
        lambda: sum(1 for route, _ in odoo.requests if route == "events") >= 3
    )  # retried meanwhile
    assert odoo.of_kind("status", "CP-1") == []
    odoo.down = False
    await wait_for(lambda: odoo.of_kind("stop_transaction", "CP-1"))
    assert [e["payload"]["status"] for e in odoo.of_kind("status", "CP-1")] == statuses
    keys = [e["key"] for e in odoo.deliveries]
    assert len(keys) == len(set(keys))  # each event delivered once
    await wait_for(lambda: outbox_drained(harness.bridge))


async def test_start_while_odoo_down_uses_auth_cache(harness, odoo):
    cp = await harness.charger("CP-1")
    assert (await cp.call(call.Authorize(id_tag="TAG-BLOCKED"))).id_tag_info[
        "status"
    ] == "Blocked"
    odoo.down = True
    answer = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-BLOCKED", meter_start=0, timestamp=utc_now()
        )
    )
    assert answer.id_tag_info["status"] == "Blocked"  # from the cache
    answer = await cp.call(call.Authorize(id_tag="NEVER-SEEN"))
    assert (
        answer.id_tag_info["status"] == "Invalid"
    )  # policy "cache": unknown -> Invalid


async def test_offline_policy_accept_and_reject(odoo, tmp_path):
    from conftest import BridgeHarness

    for policy, expected in (("accept", "Accepted"), ("reject", "Invalid")):
        h = BridgeHarness(odoo, tmp_path / policy)
        (tmp_path / policy).mkdir()
        await h.start(auth_offline_policy=policy)
        cp = await h.charger("CP-1")
        odoo.down = True
        assert (await cp.call(call.Authorize(id_tag="NEVER-SEEN"))).id_tag_info[
            "status"
        ] == expected
        odoo.down = False
        await h.close()


async def test_slow_odoo_authorize_falls_back_without_blocking_long(harness, odoo):
    cp = await harness.charger("CP-1")
    await cp.call(call.Authorize(id_tag="TAG-OK"))  # cached
    odoo.authorize_delay = 3  # longer than AUTHORIZE_TIMEOUT (0.5 s in tests)
    answer = await cp.call(call.Authorize(id_tag="TAG-OK"))
    assert answer.id_tag_info["status"] == "Accepted"
    odoo.authorize_delay = 0


async def test_refused_event_goes_to_dead_letter_and_others_continue(harness, odoo):
    odoo.bad_kinds.add("data_transfer")
    cp = await harness.charger("CP-1")
    await cp.call(call.DataTransfer(vendor_id="x", data="bad"))
    await cp.call(
        call.StatusNotification(
            connector_id=1, error_code="NoError", status="Available"
        )
    )
    await wait_for(lambda: odoo.of_kind("status", "CP-1"))
    dead = await harness.bridge.outbox.dead_letters()
    assert [row[1] for row in dead] == ["data_transfer"]
    await wait_for(lambda: outbox_drained(harness.bridge))


async def test_reconnect_and_replay_start_stop_same_id_one_key(harness, odoo):
    cp = await harness.charger("CP-1")
    start = call.StartTransaction(
        connector_id=1,
        id_tag="TAG-OK",
        meter_start=123,
        timestamp="2026-11-25T04:00:00Z",
    )
    first = await cp.call(start)
    await cp._connection.close()
    cp = await harness.charger(
        "CP-1"
    )  # reconnect; the charger never saw the answer, so it replays
    again = await cp.call(start)
    assert again.transaction_id == first.transaction_id
    stop = call.StopTransaction(
        meter_stop=456,
        timestamp="2026-11-25T04:30:00Z",
        transaction_id=first.transaction_id,
    )
    await cp.call(stop)
    await cp._connection.close()
    cp = await harness.charger("CP-1")
    assert await cp.call(stop) is not None
    await cp.call(call.Heartbeat())
    await wait_for(lambda: odoo.of_kind("stop_transaction", "CP-1"))
    await asyncio.sleep(0.3)  # let any (wrong) second delivery arrive
    assert len(odoo.of_kind("start_transaction", "CP-1")) == 1
    assert len(odoo.of_kind("stop_transaction", "CP-1")) == 1
    start_keys = {e["key"] for e in odoo.deliveries if e["kind"] == "start_transaction"}
    assert len(start_keys) == 1


async def test_simulator_replays_unanswered_stop_after_reconnect(harness, odoo):
    """The bridge drops the charger right after recording a StopTransaction but
    before the answer: the simulator replays it after reconnecting."""
    from ev_ocpp_bridge.simulator import VirtualCharger

    charger = VirtualCharger(
        harness.url,
        "CP-2",
        "secret",
        meter_interval=0.05,
        heartbeat_interval=5,
        tags=["TAG-OK"],
        plug_delay=(0, 0.01),
        session_seconds=0.2,
        idle_seconds=(0, 0.01),
        sessions=1,
        reconnect=(0.05, 0.1),
    )
    service = harness.bridge.service
    original = service.stop_transaction
    dropped = []

    async def stop_then_drop(identity, *args, **kwargs):
        result = await original(identity, *args, **kwargs)
        if not dropped:
            dropped.append(True)
            await harness.bridge.chargers[identity].connection.close()
        return result

    service.stop_transaction = stop_then_drop
    await asyncio.wait_for(charger.run(), timeout=30)
    assert dropped and charger.connects >= 2 and charger.pending == []
    await wait_for(lambda: odoo.of_kind("stop_transaction", "CP-2"))
    stops = [e for e in odoo.deliveries if e["kind"] == "stop_transaction"]
    assert len({e["key"] for e in stops}) == 1


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn_bridge(odoo, outbox, ocpp_port, command_port):
    env = dict(
        os.environ,
        ODOO_URL=odoo.url,
        ODOO_DB=DATABASE,
        ODOO_API_KEY=API_KEY,
        OCPP_HOST="127.0.0.1",
        OCPP_PORT=str(ocpp_port),
        COMMAND_HOST="127.0.0.1",
        COMMAND_PORT=str(command_port),
        COMMAND_TOKEN="t",
        OUTBOX_PATH=str(outbox),
        OUTBOX_RETRY_MIN="0.05",
        OUTBOX_RETRY_MAX="0.3",
        METER_FLUSH_SECONDS="0.3",
        LOG_LEVEL="WARNING",
        OCPP_PING_INTERVAL="0",
    )
    return subprocess.Popen([sys.executable, "-m", "ev_ocpp_bridge"], env=env)


async def _wait_healthy(port):
    async def ok():
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get("http://127.0.0.1:%s/health" % port) as response,
            ):
                return response.status == 200
        except aiohttp.ClientError:
            return False

    for _ in range(300):
        if await ok():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("bridge did not come up")


async def test_sigkill_mid_transaction_then_restart_delivers_everything_once(
    odoo, tmp_path
):
    outbox = tmp_path / "killed.sqlite"
    ocpp_port, command_port = _free_port(), _free_port()
    url = "ws://127.0.0.1:%s/ocpp" % ocpp_port
    odoo.events_down = True  # nothing leaves the outbox before the kill
    proc = _spawn_bridge(odoo, outbox, ocpp_port, command_port)
    try:
        await _wait_healthy(command_port)
        ws = await connect(url, "CP-1", "secret")
        cp = SimulatedChargePoint("CP-1", ws)
        reader = asyncio.create_task(cp.start())
        await cp.call(
            call.BootNotification(charge_point_vendor="V", charge_point_model="M")
        )
        start = call.StartTransaction(
            connector_id=1,
            id_tag="TAG-OK",
            meter_start=1000,
            timestamp="2026-11-25T05:00:00Z",
        )
        tx = (await cp.call(start)).transaction_id
        for n in range(1, 6):
            await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx,
                    meter_value=[
                        {
                            "timestamp": "2026-11-25T05:0%d:00Z" % n,
                            "sampled_value": [{"value": str(1000 + n * 100)}],
                        }
                    ],
                )
            )
        odoo.events_down = False
        proc.send_signal(signal.SIGKILL)  # mid-transaction, events possibly in flight
        proc.wait(timeout=10)
        reader.cancel()
        await ws.close()

        proc = _spawn_bridge(odoo, outbox, ocpp_port, command_port)
        await _wait_healthy(command_port)
        ws = await connect(url, "CP-1", "secret")
        cp = SimulatedChargePoint("CP-1", ws)
        reader = asyncio.create_task(cp.start())
        assert (await cp.call(start)).transaction_id == tx  # replayed start: same id
        await cp.call(
            call.StopTransaction(
                meter_stop=1600, timestamp="2026-11-25T05:06:00Z", transaction_id=tx
            )
        )
        await wait_for(lambda: odoo.of_kind("stop_transaction", "CP-1"))
        await wait_for(
            lambda: (
                sum(
                    len(e["payload"]["samples"])
                    for e in odoo.of_kind("meter_values", "CP-1")
                )
                >= 5
            )
        )
        reader.cancel()
        await ws.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    assert proc.returncode == 0  # graceful shutdown on SIGTERM
    assert len(odoo.of_kind("start_transaction", "CP-1")) == 1
    assert len(odoo.of_kind("stop_transaction", "CP-1")) == 1
    assert odoo.of_kind("boot", "CP-1")
    timestamps = [
        s["timestamp"]
        for e in odoo.of_kind("meter_values", "CP-1")
        for s in e["payload"]["samples"]
    ]
    assert sorted(timestamps) == ["2026-11-25T05:0%d:00Z" % n for n in range(1, 6)]
    kinds = [
        k
        for k in odoo.kinds("CP-1")
        if k in ("start_transaction", "meter_values", "stop_transaction")
    ]
    assert kinds[0] == "start_transaction" and kinds[-1] == "stop_transaction"
