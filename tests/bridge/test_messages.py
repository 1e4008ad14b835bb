"""Every charger -> central system message: immediate answer, event to Odoo."""

import hashlib

from ocpp.v16 import call
from odoo_stub import wait_for

from ev_ocpp_bridge.simulator import energy_sample, utc_now


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


async def test_boot_notification(harness, odoo):
    cp = await harness.charger("CP-1")
    answer = await cp.call(
        call.BootNotification(
            charge_point_vendor="ACME",
            charge_point_model="Wallbox 7",
            firmware_version="2.3",
            charge_point_serial_number="SN-1",
        )
    )
    assert answer.status == "Accepted"
    assert answer.interval == 120  # from Odoo's credentials answer
    await wait_for(lambda: odoo.of_kind("boot", "CP-1"))
    payload = odoo.of_kind("boot", "CP-1")[0]["payload"]
    assert payload["charge_point_vendor"] == "ACME"
    assert payload["firmware_version"] == "2.3"
    assert payload["charge_point_serial_number"] == "SN-1"


async def test_connection_events(harness, odoo):
    cp = await harness.charger("CP-1")
    await cp._connection.close()
    await wait_for(
        lambda: (
            [e["payload"]["online"] for e in odoo.of_kind("connection", "CP-1")]
            == [True, False]
        )
    )


async def test_heartbeats_are_coalesced(harness, odoo):
    cp = await harness.charger("CP-1")
    for _ in range(5):
        assert (await cp.call(call.Heartbeat())).current_time
    await wait_for(lambda: odoo.of_kind("heartbeat", "CP-1"))
    await cp.call(
        call.StatusNotification(
            connector_id=1, error_code="NoError", status="Available"
        )
    )
    await wait_for(lambda: odoo.of_kind("status", "CP-1"))
    assert len(odoo.of_kind("heartbeat", "CP-1")) == 1


async def test_status_notification(harness, odoo):
    cp = await harness.charger("CP-1")
    answer = await cp.call(
        call.StatusNotification(
            connector_id=1,
            error_code="GroundFailure",
            status="Faulted",
            info="ground",
            vendor_error_code="E42",
            timestamp=utc_now(),
        )
    )
    assert answer is not None
    await wait_for(lambda: odoo.of_kind("status", "CP-1"))
    payload = odoo.of_kind("status", "CP-1")[0]["payload"]
    assert payload["status"] == "Faulted" and payload["error_code"] == "GroundFailure"
    assert payload["vendor_error_code"] == "E42" and payload["info"] == "ground"


async def test_same_status_twice_without_timestamp_is_two_events(harness, odoo):
    cp = await harness.charger("CP-1")
    for status in ("Available", "Preparing", "Available"):
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status=status)
        )
    await wait_for(lambda: len(odoo.of_kind("status", "CP-1")) == 3)


async def test_authorize_accepted_and_blocked_and_unknown(harness):
    cp = await harness.charger("CP-1")
    assert (await cp.call(call.Authorize(id_tag="TAG-OK"))).id_tag_info[
        "status"
    ] == "Accepted"
    assert (await cp.call(call.Authorize(id_tag="TAG-BLOCKED"))).id_tag_info[
        "status"
    ] == "Blocked"
    assert (await cp.call(call.Authorize(id_tag="WHO"))).id_tag_info[
        "status"
    ] == "Invalid"


async def test_transaction_start_meter_stop(harness, odoo):
    cp = await harness.charger("CP-1")
    started = await cp.call(
        call.StartTransaction(
            connector_id=1,
            id_tag="TAG-OK",
            meter_start=1000,
            timestamp="2026-11-25T01:00:00Z",
        )
    )
    tx = started.transaction_id
    assert started.id_tag_info["status"] == "Accepted"
    assert tx > 0 and tx % 16 == 0  # seq * stride + instance 0
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[
                {
                    "timestamp": "2026-11-25T01:01:00Z",
                    "sampled_value": [
                        {
                            "value": "1.5",
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "kWh",
                        },
                        {
                            "value": "7.2",
                            "measurand": "Power.Active.Import",
                            "unit": "kW",
                        },
                        {"value": "55", "measurand": "SoC", "unit": "Percent"},
                    ],
                }
            ],
        )
    )
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[
                {
                    "timestamp": "2026-11-25T01:02:00Z",
                    "sampled_value": [{"value": "2100"}],
                }
            ],
        )
    )
    stopped = await cp.call(
        call.StopTransaction(
            meter_stop=2500,
            timestamp="2026-11-25T01:03:00Z",
            transaction_id=tx,
            reason="EVDisconnected",
            id_tag="TAG-OK",
            transaction_data=[
                {
                    "timestamp": "2026-11-25T01:03:00Z",
                    "sampled_value": [
                        {
                            "value": "2500",
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        }
                    ],
                }
            ],
        )
    )
    assert stopped.id_tag_info["status"] == "Accepted"
    await wait_for(lambda: odoo.of_kind("stop_transaction", "CP-1"))
    kinds = [
        k
        for k in odoo.kinds("CP-1")
        if k in ("start_transaction", "meter_values", "stop_transaction")
    ]
    assert kinds == ["start_transaction", "meter_values", "stop_transaction"]
    start = odoo.of_kind("start_transaction", "CP-1")[0]
    assert start["key"] == sha(
        "CP-1|start_transaction|%s|%s|1000" % (tx, start["payload"]["timestamp"])
    )
    assert (
        start["payload"]["meter_start"] == 1000
        and start["payload"]["id_tag"] == "TAG-OK"
    )
    meter = odoo.of_kind("meter_values", "CP-1")[0]["payload"]
    assert meter["transaction_id"] == tx
    assert meter["samples"] == [
        {
            "timestamp": "2026-11-25T01:01:00Z",
            "energy_wh": 1500.0,
            "power_w": 7200.0,
            "soc": 55.0,
        },
        {
            "timestamp": "2026-11-25T01:02:00Z",
            "energy_wh": 2100.0,
            "power_w": None,
            "soc": None,
        },
    ]
    stop = odoo.of_kind("stop_transaction", "CP-1")[0]
    assert stop["key"] == sha("CP-1|stop_transaction|%s|2026-11-25T01:03:00Z|2500" % tx)
    assert (
        stop["payload"]["meter_stop"] == 2500
        and stop["payload"]["reason"] == "EVDisconnected"
    )
    assert stop["payload"]["samples"][0]["energy_wh"] == 2500.0


async def test_transaction_ids_are_monotonic_and_survive_restart(harness, odoo):
    cp = await harness.charger("CP-1")
    ids = []
    for n in range(3):
        answer = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-OK", meter_start=n, timestamp=utc_now()
            )
        )
        ids.append(answer.transaction_id)
    await harness.close()
    await harness.start()
    cp = await harness.charger("CP-1")
    answer = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-OK", meter_start=99, timestamp=utc_now()
        )
    )
    ids.append(answer.transaction_id)
    assert ids == sorted(ids) and len(set(ids)) == 4


async def test_start_with_blocked_tag_still_gets_an_id(harness, odoo):
    cp = await harness.charger("CP-1")
    answer = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-BLOCKED", meter_start=0, timestamp=utc_now()
        )
    )
    assert answer.id_tag_info["status"] == "Blocked"
    assert answer.transaction_id > 0
    await wait_for(lambda: odoo.of_kind("start_transaction", "CP-1"))


async def test_impossible_meter_data_is_passed_through(harness, odoo):
    cp = await harness.charger("CP-1")
    # a leftover of an unknown transaction (-1), a negative register and a reset
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=-1,
            meter_value=[
                {
                    "timestamp": "2026-11-25T02:00:00Z",
                    "sampled_value": [{"value": "-50", "unit": "Wh"}],
                }
            ],
        )
    )
    stop = await cp.call(
        call.StopTransaction(
            meter_stop=10, timestamp="2026-11-25T02:01:00Z", transaction_id=-1
        )
    )
    assert stop is not None
    tx = (
        await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag="TAG-OK", meter_start=5000, timestamp=utc_now()
            )
        )
    ).transaction_id
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[
                {
                    "timestamp": "2026-11-25T02:02:00Z",
                    "sampled_value": [{"value": "0", "unit": "Wh"}],
                }
            ],
        )
    )
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=tx,
            meter_value=[
                {
                    "timestamp": "2026-11-25T02:03:00Z",
                    "sampled_value": [{"value": "garbage", "unit": "Wh"}],
                }
            ],
        )
    )
    await cp.call(
        call.StopTransaction(meter_stop=4000, timestamp=utc_now(), transaction_id=tx)
    )
    await wait_for(lambda: len(odoo.of_kind("stop_transaction", "CP-1")) == 2)
    unknown = next(
        e
        for e in odoo.of_kind("stop_transaction", "CP-1")
        if e["payload"]["transaction_id"] == -1
    )
    assert (
        unknown["payload"]["unknown_transaction"] is True
        and unknown["payload"]["meter_stop"] == 10
    )
    known = next(
        e
        for e in odoo.of_kind("stop_transaction", "CP-1")
        if e["payload"]["transaction_id"] == tx
    )
    assert known["payload"]["meter_stop"] == 4000  # negative energy: Odoo's to judge
    leftover = next(
        e
        for e in odoo.of_kind("meter_values", "CP-1")
        if e["payload"]["transaction_id"] == -1
    )
    assert leftover["payload"]["samples"][0]["energy_wh"] == -50.0
    # the bridge is still fine
    assert (await cp.call(call.Heartbeat())).current_time


async def test_data_transfer_diagnostics_firmware(harness, odoo):
    cp = await harness.charger("CP-1")
    answer = await cp.call(
        call.DataTransfer(vendor_id="com.acme", message_id="temp", data='{"c": 41}')
    )
    assert answer.status == "Accepted"
    assert (
        await cp.call(call.DiagnosticsStatusNotification(status="Uploaded")) is not None
    )
    assert (
        await cp.call(call.FirmwareStatusNotification(status="Installed")) is not None
    )
    await wait_for(
        lambda: (
            {"data_transfer", "diagnostics_status", "firmware_status"}
            <= set(odoo.kinds("CP-1"))
        )
    )
    assert odoo.of_kind("data_transfer")[0]["payload"] == {
        "vendor_id": "com.acme",
        "message_id": "temp",
        "data": '{"c": 41}',
    }
    assert odoo.of_kind("diagnostics_status")[0]["payload"] == {"status": "Uploaded"}
    assert odoo.of_kind("firmware_status")[0]["payload"] == {"status": "Installed"}


async def test_events_carry_odoo_auth_and_database(harness, odoo):
    cp = await harness.charger("CP-1")
    await cp.call(call.Heartbeat())
    # the stub refuses requests without the bearer key /
    # database: delivery proves both were sent
    await wait_for(lambda: odoo.of_kind("heartbeat", "CP-1"))


async def test_simulator_session_end_to_end(harness, odoo):
    from ev_ocpp_bridge.simulator import VirtualCharger

    charger = VirtualCharger(
        harness.url,
        "CP-2",
        "secret",
        meter_interval=0.05,
        heartbeat_interval=0.2,
        tags=["TAG-OK"],
        plug_delay=(0, 0.01),
        session_seconds=0.3,
        idle_seconds=(0, 0.01),
        sessions=2,
    )
    await charger.run()
    assert charger.completed_sessions == 2
    await wait_for(lambda: len(odoo.of_kind("stop_transaction", "CP-2")) == 2)
    starts = odoo.of_kind("start_transaction", "CP-2")
    stops = odoo.of_kind("stop_transaction", "CP-2")
    assert [s["payload"]["transaction_id"] for s in starts] == [
        s["payload"]["transaction_id"] for s in stops
    ]
    assert all(
        s["payload"]["meter_stop"] >= st["payload"]["meter_start"]
        for s, st in zip(stops, starts, strict=True)
    )
    assert energy_sample(1000, 7000)[0]["sampled_value"][0]["value"] == "1000.0"
