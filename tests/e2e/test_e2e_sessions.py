"""A simulated charger's session reaches real Odoo exactly once, through every fault."""

import asyncio
import contextlib
from datetime import datetime, timedelta, timezone

import aiohttp
from conftest import CHARGER_PASSWORD, COMMAND_TOKEN, async_wait_until
from ocpp.v16 import call
from websockets.exceptions import InvalidStatus

from ev_ocpp_bridge.simulator import (
    SimulatedChargePoint,
    connect,
    energy_sample,
    utc_now,
)

TAG = "E2ETAG01"


@contextlib.asynccontextmanager
async def charger(bridge, identity, password=CHARGER_PASSWORD):
    ws = await connect(bridge.url, identity, password)
    cp = SimulatedChargePoint(identity, ws, response_timeout=15)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        await ws.close()


async def boot(cp):
    await cp.call(
        call.BootNotification(
            charge_point_vendor="E2E Vendor", charge_point_model="Sim-22"
        )
    )


async def status(cp, status, connector_id=1):
    await cp.call(
        call.StatusNotification(
            connector_id=connector_id,
            error_code="NoError",
            status=status,
            timestamp=utc_now(),
        )
    )


async def plug_and_start(cp, meter_start=1000, timestamp=None):
    await boot(cp)
    await status(cp, "Preparing")
    authorized = await cp.call(call.Authorize(id_tag=TAG))
    assert authorized.id_tag_info["status"] == "Accepted"
    started = await cp.call(
        call.StartTransaction(
            connector_id=1,
            id_tag=TAG,
            meter_start=meter_start,
            timestamp=timestamp or utc_now(),
        )
    )
    await status(cp, "Charging")
    return started.transaction_id


async def stop_and_unplug(cp, transaction_id, meter_stop):
    await cp.call(
        call.StopTransaction(
            meter_stop=meter_stop,
            timestamp=utc_now(),
            transaction_id=transaction_id,
            id_tag=TAG,
            reason="Local",
        )
    )
    await status(cp, "Finishing")
    await status(cp, "Available")


def sessions(odoo, identity, transaction_id=None, meter_start=None):
    """Sessions of a charger. Every test runs a fresh bridge store, so transaction ids
    repeat across tests (as after a lost bridge disk): a test names its own session by
    its meter start too."""
    domain = [("charger_id.identity", "=", identity)]
    if transaction_id is not None:
        domain.append(("transaction_id", "=", transaction_id))
    if meter_start is not None:
        domain.append(("meter_start", "=", meter_start))
    return odoo.search_read(
        "ev.session",
        domain,
        [
            "id",
            "transaction_id",
            "state",
            "meter_start",
            "meter_stop",
            "energy_kwh",
            "partner_id",
            "review_reason",
            "amount_total",
            "invoice_id",
            "abbreviated_invoice_number",
            "billing_state",
        ],
    )


def billed(session):
    """Done and billed by the billing cron (a batch outside the charger's event)."""
    return session["state"] == "done" and session["billing_state"] == "billed"


def assert_one_paid_invoice(odoo, session):
    assert session["amount_total"] > 0 and session["abbreviated_invoice_number"]
    [invoice] = odoo.search_read(
        "account.move",
        [("id", "=", session["invoice_id"][0])],
        ["state", "amount_total", "payment_state", "move_type"],
    )
    assert (invoice["move_type"], invoice["state"]) == ("out_invoice", "posted")
    assert invoice["amount_total"] == session["amount_total"]
    assert invoice["payment_state"] in ("paid", "in_payment")
    [charge] = odoo.search_read(
        "ev.wallet.transaction",
        [("session_id", "=", session["id"]), ("kind", "=", "charge")],
        ["amount"],
    )
    assert charge["amount"] == -session["amount_total"]


async def test_session_arrives_in_odoo_once(odoo, station, bridge):
    async with charger(bridge, "E2E-CP-1") as cp:
        tx = await plug_and_start(cp, meter_start=5000)
        await cp.call(
            call.MeterValues(
                connector_id=1, transaction_id=tx, meter_value=energy_sample(5600, 7200)
            )
        )
        await stop_and_unplug(cp, tx, meter_stop=5800)

    done = await async_wait_until(
        lambda: [s for s in sessions(odoo, "E2E-CP-1", tx, 5000) if billed(s)],
        what="the session to be done and billed in Odoo",
    )
    assert len(sessions(odoo, "E2E-CP-1", tx, 5000)) == 1
    assert done[0]["meter_start"] == 5000 and done[0]["meter_stop"] == 5800
    assert abs(done[0]["energy_kwh"] - 0.8) < 1e-9
    assert done[0]["partner_id"][0] == station["driver_id"]
    # billed from the wallet: a posted, paid invoice for the priced amount, and an
    # abbreviated tax invoice
    assert_one_paid_invoice(odoo, done[0])
    [cp_record] = odoo.search_read(
        "ev.charger", [("identity", "=", "E2E-CP-1")], ["vendor", "model", "online"]
    )
    assert (cp_record["vendor"], cp_record["model"]) == ("E2E Vendor", "Sim-22")
    starts = odoo.search_read(
        "ev.ocpp.event",
        [("identity", "=", "E2E-CP-1"), ("kind", "=", "start_transaction")],
        ["state", "payload"],
    )
    assert [e["state"] for e in starts if e["payload"]["transaction_id"] == tx] == [
        "done"
    ]


async def test_charger_replaying_start_and_stop_makes_one_session(
    odoo, station, bridge
):
    timestamp = utc_now()
    async with charger(bridge, "E2E-CP-2") as cp:
        tx = await plug_and_start(cp, meter_start=100, timestamp=timestamp)
    async with charger(
        bridge, "E2E-CP-2"
    ) as cp:  # reconnect; the charger never saw the answer
        again = await cp.call(
            call.StartTransaction(
                connector_id=1, id_tag=TAG, meter_start=100, timestamp=timestamp
            )
        )
        assert again.transaction_id == tx
        stop = call.StopTransaction(
            meter_stop=1100, timestamp=utc_now(), transaction_id=tx, id_tag=TAG
        )
        await cp.call(stop)
        await cp.call(stop)  # replayed stop
        await status(cp, "Available")
    await async_wait_until(
        lambda: [
            s for s in sessions(odoo, "E2E-CP-2", tx, 100) if s["state"] == "done"
        ],
        what="the replayed session to be done",
    )
    await asyncio.sleep(2)  # let any duplicate delivery land before counting
    assert len(sessions(odoo, "E2E-CP-2", tx, 100)) == 1


async def test_odoo_down_during_sessions_loses_nothing(odoo, station, bridge):
    transactions = []
    async with charger(bridge, "E2E-CP-3") as cp:
        # Connected and the card known while Odoo is up; then Odoo goes away.
        await boot(cp)
        assert (await cp.call(call.Authorize(id_tag=TAG))).id_tag_info[
            "status"
        ] == "Accepted"
        odoo.stop()
        try:
            for i in range(3):
                meter = 10000 + i * 2000
                started = await cp.call(
                    call.StartTransaction(
                        connector_id=1,
                        id_tag=TAG,
                        meter_start=meter,
                        timestamp=utc_now(),
                    )
                )
                assert (
                    started.id_tag_info["status"] == "Accepted"
                )  # from the bridge's cache
                transactions.append(started.transaction_id)
                await cp.call(
                    call.MeterValues(
                        connector_id=1,
                        transaction_id=started.transaction_id,
                        meter_value=energy_sample(meter + 500, 7000),
                    )
                )
                await cp.call(
                    call.StopTransaction(
                        meter_stop=meter + 1000,
                        timestamp=utc_now(),
                        transaction_id=started.transaction_id,
                    )
                )
                await status(cp, "Available")
        finally:
            odoo.start()
    assert len(set(transactions)) == 3
    for i, tx in enumerate(transactions):
        await async_wait_until(
            lambda tx=tx, i=i: [
                s
                for s in sessions(odoo, "E2E-CP-3", tx, 10000 + i * 2000)
                if s["state"] == "done"
            ],
            what=f"transaction {tx} delivered after Odoo came back",
        )
    await asyncio.sleep(2)
    for i, tx in enumerate(transactions):
        assert len(sessions(odoo, "E2E-CP-3", tx, 10000 + i * 2000)) == 1
        # each ends with one paid invoice, billed by the batch after Odoo came back
        [session] = await async_wait_until(
            lambda tx=tx, i=i: [
                s for s in sessions(odoo, "E2E-CP-3", tx, 10000 + i * 2000) if billed(s)
            ],
            what=f"transaction {tx} billed",
        )
        assert_one_paid_invoice(odoo, session)


async def test_bridge_killed_mid_transaction_loses_nothing(odoo, station, bridge):
    async with charger(bridge, "E2E-CP-1") as cp:
        tx = await plug_and_start(cp, meter_start=20000)
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=tx,
                meter_value=energy_sample(20400, 7000),
            )
        )
    bridge.kill()
    bridge.start()  # same outbox file
    async with charger(bridge, "E2E-CP-1") as cp:
        await stop_and_unplug(cp, tx, meter_stop=21000)
    await async_wait_until(
        lambda: [
            s for s in sessions(odoo, "E2E-CP-1", tx, 20000) if s["state"] == "done"
        ],
        what="the session started before SIGKILL to be done",
    )
    await asyncio.sleep(2)
    [session] = sessions(odoo, "E2E-CP-1", tx, 20000)
    assert (session["meter_start"], session["meter_stop"]) == (20000, 21000)


async def test_impossible_meter_data_goes_to_review(odoo, station, bridge):
    async with charger(bridge, "E2E-CP-2") as cp:
        tx = await plug_and_start(cp, meter_start=50000)
        await stop_and_unplug(
            cp, tx, meter_stop=40000
        )  # meter went backwards: reset or replaced
    [session] = await async_wait_until(
        lambda: [
            s for s in sessions(odoo, "E2E-CP-2", tx, 50000) if s["state"] == "review"
        ],
        what="the session to be held for review",
    )
    assert "backwards" in session["review_reason"]


async def test_wrong_password_is_refused_at_handshake(odoo, station, bridge):
    try:
        await connect(bridge.url, "E2E-CP-1", "not-the-password")
    except InvalidStatus as e:
        assert e.response.status_code == 401
    else:
        raise AssertionError("a wrong password must be refused at the handshake")


async def test_command_from_odoo_reaches_the_charger(odoo, station, bridge):
    async with charger(bridge, "E2E-CP-3") as cp:
        await boot(cp)
        charger_id = station["chargers"]["E2E-CP-3"]
        await asyncio.to_thread(
            odoo.call, "ev.charger", "action_trigger_status", [charger_id]
        )
        assert ("TriggerMessage", {"requested_message": "StatusNotification"}) in [
            (action, {k: v for k, v in kwargs.items() if k == "requested_message"})
            for action, kwargs in cp.received
        ]
        # a Manager's settings: a configuration key, then a 16 A charging current limit
        for values in (
            {
                "setting": "configuration",
                "key": "MeterValueSampleInterval",
                "value": "15",
            },
            {"setting": "current_limit", "connector_number": 1, "limit_amps": 16},
        ):
            wizard_id = odoo.call(
                "ev.charger.setting.wizard",
                "create",
                dict(values, charger_id=charger_id),
            )
            await asyncio.to_thread(
                odoo.call, "ev.charger.setting.wizard", "action_apply", [wizard_id]
            )
        assert cp.configuration["MeterValueSampleInterval"] == "15"
        [profile] = [kw for action, kw in cp.received if action == "SetChargingProfile"]
        schedule = profile["cs_charging_profiles"]["charging_schedule"]
        assert profile["connector_id"] == 1
        assert schedule["charging_schedule_period"][0]["limit"] == 16
        # the bridge relays only with Odoo's token: none or a wrong one is refused
        url = f"{bridge.command_url}/chargers/E2E-CP-3/commands/reset"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"Authorization": "Bearer not-the-token"}):
                async with http.post(url, json={"type": "Soft"}, headers=headers) as r:
                    assert r.status == 401
            assert not [action for action, _kw in cp.received if action == "Reset"]
            headers = {"Authorization": f"Bearer {COMMAND_TOKEN}"}
            async with http.post(url, json={"type": "Soft"}, headers=headers) as r:
                assert r.status == 200
                assert (await r.json())["status"] == "Accepted"
            assert [action for action, _kw in cp.received if action == "Reset"] == [
                "Reset"
            ]


async def test_buy_kwh_from_odoo_is_stopped_by_the_bridge_and_never_overbilled(
    odoo, station, bridge
):
    async with charger(bridge, "E2E-CP-3") as cp:
        await boot(cp)
        await status(cp, "Preparing")
        [connector] = odoo.search_read(
            "ev.connector",
            [("charger_id.identity", "=", "E2E-CP-3"), ("connector_number", "=", 1)],
            ["id"],
        )
        wizard_id = odoo.call(
            "ev.remote.start.wizard",
            "create",
            {
                "connector_id": connector["id"],
                "partner_id": station["driver_id"],
                "requested_kwh": 1.0,
            },
        )
        action = await asyncio.to_thread(
            odoo.call, "ev.remote.start.wizard", "action_start", [wizard_id]
        )
        [remote_start] = [
            kwargs
            for action_name, kwargs in cp.received
            if action_name == "RemoteStartTransaction"
        ]
        id_tag = remote_start["id_tag"]
        ten_minutes_ago = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        started = await cp.call(
            call.StartTransaction(
                connector_id=1,
                id_tag=id_tag,
                meter_start=70000,
                timestamp=ten_minutes_ago,
            )
        )
        tx = started.transaction_id
        assert started.id_tag_info["status"] == "Accepted"
        # Odoo's answer to the start arms the bridge with 1,000 Wh;
        # 990 Wh is within the lag margin.
        await async_wait_until(
            lambda: (
                odoo.search_read(
                    "ev.session", [("id", "=", action["res_id"])], ["state"]
                )[0]["state"]
                == "charging"
            ),
            what="the pending session to start",
        )
        for meter in (70400, 70990):
            await cp.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=tx,
                    meter_value=energy_sample(meter, 11000),
                )
            )
        for _ in range(120):
            if any(name == "RemoteStopTransaction" for name, _kw in cp.received):
                break
            await asyncio.sleep(0.25)
        assert ("RemoteStopTransaction", {"transaction_id": tx}) in [
            (name, {k: v for k, v in kw.items() if k == "transaction_id"})
            for name, kw in cp.received
        ]
        # the charger stops a little past the bought energy:
        # billing never counts more than bought
        await stop_and_unplug(cp, tx, meter_stop=71030)
    [session] = await async_wait_until(
        lambda: [
            s
            for s in odoo.search_read(
                "ev.session",
                [("id", "=", action["res_id"])],
                ["state", "transaction_id", "billed_kwh", "energy_kwh", "partner_id"]
                + ["billing_state", "amount_total", "invoice_id"]
                + ["abbreviated_invoice_number"],
            )
            if billed(s)
        ],
        what="the bought session to be billed",
    )
    assert (
        session["transaction_id"] == tx
        and session["partner_id"][0] == station["driver_id"]
    )
    assert abs(session["energy_kwh"] - 1.03) < 1e-9
    assert abs(session["billed_kwh"] - 1.0) < 1e-9
    assert_one_paid_invoice(odoo, session)
