"""The simulator honours RemoteStartTransaction and RemoteStopTransaction: started
from Odoo (the driver's QR page), a virtual charger charges with the given idTag on
the given connector until it is stopped, through the real bridge on real websockets.
"""

import asyncio

import pytest
import pytest_asyncio
from odoo_stub import wait_for

from ev_ocpp_bridge.simulator import VirtualCharger


@pytest_asyncio.fixture
async def remote_only_charger(harness):
    """A simulated charger with no RFID cards of its own: it charges only when told
    to. Fast meter samples at a high power so energy adds up within a test."""
    charger = VirtualCharger(
        harness.url,
        "CP-1",
        "secret",
        meter_interval=0.05,
        power_kw=360.0,
        curve="flat",
        tags=(),
        reconnect=(0.1, 0.5),
    )
    task = asyncio.create_task(charger.run())
    await wait_for(lambda: "CP-1" in harness.bridge.chargers)
    await wait_for(charger._connected.is_set)
    yield charger
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def _payloads(odoo, kind):
    return [event["payload"] for event in odoo.of_kind(kind, "CP-1")]


async def test_remote_start_charges_with_the_idtag_until_remote_stop(
    harness, odoo, remote_only_charger
):
    code, answer = await harness.command(
        "CP-1",
        "remote_start_transaction",
        {"connector_id": 1, "id_tag": "TAG-OK", "remote_request_id": "sess-7"},
    )
    assert (code, answer["status"]) == (200, "Accepted")
    await wait_for(lambda: _payloads(odoo, "start_transaction"))
    [start] = _payloads(odoo, "start_transaction")
    assert (start["id_tag"], start["connector_id"], start["remote_request_id"]) == (
        "TAG-OK",
        1,
        "sess-7",
    )
    transaction_id = start["transaction_id"]
    await wait_for(
        lambda: any(
            p.get("transaction_id") == transaction_id
            for p in _payloads(odoo, "meter_values")
        )
    )
    assert [p["status"] for p in _payloads(odoo, "status")][-2:] == [
        "Preparing",
        "Charging",
    ]
    # a second start while charging is refused: one session per connector
    code, answer = await harness.command(
        "CP-1",
        "remote_start_transaction",
        {"connector_id": 1, "id_tag": "TAG-OK"},
    )
    assert (code, answer["status"]) == (200, "Rejected")

    code, answer = await harness.command(
        "CP-1", "remote_stop_transaction", {"transaction_id": transaction_id}
    )
    assert (code, answer["status"]) == (200, "Accepted")
    await wait_for(lambda: _payloads(odoo, "stop_transaction"))
    [stop] = _payloads(odoo, "stop_transaction")
    assert (stop["transaction_id"], stop["reason"]) == (transaction_id, "Remote")
    assert stop["meter_stop"] > start["meter_start"]
    await wait_for(lambda: _payloads(odoo, "status")[-1]["status"] == "Available")
    await wait_for(lambda: remote_only_charger.completed_sessions == 1)
    assert len(_payloads(odoo, "start_transaction")) == 1, "nothing but what was asked"


async def test_bought_energy_stops_a_remote_start(harness, odoo, remote_only_charger):
    """The demo's buy-kWh: the bridge stops the simulated charger at the energy."""
    code, _answer = await harness.command(
        "CP-1",
        "remote_start_transaction",
        {"connector_id": 1, "id_tag": "TAG-OK", "max_energy_wh": 200},
    )
    assert code == 200
    await wait_for(lambda: _payloads(odoo, "stop_transaction"))
    [start] = _payloads(odoo, "start_transaction")
    [stop] = _payloads(odoo, "stop_transaction")
    assert stop["reason"] == "Remote"
    assert 150 <= stop["meter_stop"] - start["meter_start"] < 200 + 100
