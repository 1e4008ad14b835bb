"""Buy X kWh: the bridge stops the charger at the bought energy (minus a margin)."""

from ocpp.v16 import call
from odoo_stub import wait_for

from ev_ocpp_bridge.simulator import utc_now


def energy(wh, power_w=None):
    values = [
        {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    ]
    if power_w is not None:
        values.append(
            {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"}
        )
    return [{"timestamp": utc_now(), "sampled_value": values}]


async def _start(cp, tag="TAG-OK", meter_start=10_000):
    answer = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag=tag, meter_start=meter_start, timestamp=utc_now()
        )
    )
    return answer.transaction_id


def remote_stops(cp):
    return [
        kwargs["transaction_id"]
        for action, kwargs in cp.received
        if action == "RemoteStopTransaction"
    ]


async def test_remote_start_max_energy_stops_at_limit(harness, odoo):
    cp = await harness.charger("CP-1")
    code, _ = await harness.command(
        "CP-1",
        "remote_start_transaction",
        {"connector_id": 1, "id_tag": "TAG-OK", "max_energy_wh": 1000},
    )
    assert code == 200
    tx = await _start(cp)
    await cp.call(
        call.MeterValues(
            connector_id=1, transaction_id=tx, meter_value=energy(10_500, 3600)
        )
    )
    assert remote_stops(cp) == []  # 500 Wh delivered: far from 1000
    await cp.call(
        call.MeterValues(
            connector_id=1, transaction_id=tx, meter_value=energy(10_990, 3600)
        )
    )
    await wait_for(lambda: remote_stops(cp) == [tx])  # 990 + margin >= 1000
    await cp.call(
        call.MeterValues(
            connector_id=1, transaction_id=tx, meter_value=energy(11_000, 3600)
        )
    )
    assert remote_stops(cp) == [tx]  # asked once


async def test_authorize_answer_max_energy_arms_the_stop(harness, odoo):
    odoo.add_tag("TAG-WALLET", max_energy_wh=2000)
    cp = await harness.charger("CP-1")
    tx = await _start(cp, "TAG-WALLET", meter_start=0)
    assert harness.bridge.service.transactions[tx].max_energy_wh == 2000
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(1990))
    )
    await wait_for(lambda: remote_stops(cp) == [tx])


async def test_odoo_start_answer_max_energy_arms_the_stop(harness, odoo):
    odoo.session_max_energy["TAG-OK"] = (
        300  # Odoo's answer to the start_transaction event
    )
    cp = await harness.charger("CP-1")
    tx = await _start(cp, meter_start=0)
    await wait_for(lambda: harness.bridge.service.transactions[tx].max_energy_wh == 300)
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(100))
    )
    assert remote_stops(cp) == []
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(290))
    )
    await wait_for(lambda: remote_stops(cp) == [tx])


async def test_margin_grows_with_power_and_interval(harness):
    from ev_ocpp_bridge.service import TransactionState

    service = harness.bridge.service
    state = TransactionState(1, "CP-1", 1, 0, max_energy_wh=10_000)
    assert service.margin_wh(state) == harness.bridge.config.autostop_margin_wh
    state.last_power_w, state.interval_s = 22_000, 60
    assert (
        service.margin_wh(state) == 22_000 * 60 / 3600
    )  # 366.7 Wh at 22 kW, one sample a minute


async def test_odoo_meter_answer_stop_true_stops(harness, odoo):
    cp = await harness.charger("CP-1")
    tx = await _start(cp, meter_start=0)
    odoo.stop_transactions.add(tx)  # the wallet would run out
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(50))
    )
    await wait_for(
        lambda: remote_stops(cp) == [tx]
    )  # after the aggregated event reached Odoo


async def test_rejected_remote_stop_is_retried_on_next_sample(harness, odoo):
    cp = await harness.charger("CP-1")
    cp.answers["RemoteStopTransaction"] = "Rejected"
    await harness.command(
        "CP-1",
        "remote_start_transaction",
        {"connector_id": 1, "id_tag": "TAG-OK", "max_energy_wh": 100},
    )
    tx = await _start(cp, meter_start=0)
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(200))
    )
    await wait_for(lambda: len(remote_stops(cp)) == 1)
    await wait_for(lambda: not harness.bridge.service.transactions[tx].stop_requested)
    cp.answers["RemoteStopTransaction"] = "Accepted"
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(210))
    )
    await wait_for(lambda: len(remote_stops(cp)) == 2)


async def test_limit_survives_bridge_restart(harness, odoo):
    cp = await harness.charger("CP-1")
    await harness.command(
        "CP-1",
        "remote_start_transaction",
        {"connector_id": 1, "id_tag": "TAG-OK", "max_energy_wh": 500},
    )
    tx = await _start(cp, meter_start=0)
    await harness.close()
    await harness.start()
    cp = await harness.charger("CP-1")
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(495))
    )
    await wait_for(lambda: remote_stops(cp) == [tx])


async def test_odoo_start_answer_only_ever_lowers_the_limit(harness, odoo):
    odoo.add_tag("TAG-WALLET", max_energy_wh=2000)
    odoo.session_max_energy["TAG-WALLET"] = (
        300  # smaller than the authorize answer: wins
    )
    odoo.session_max_energy["TAG-OK"] = (
        5000  # larger than the RemoteStart limit: ignored
    )
    cp = await harness.charger("CP-1")
    tx_wallet = await _start(cp, "TAG-WALLET", meter_start=0)
    await wait_for(
        lambda: harness.bridge.service.transactions[tx_wallet].max_energy_wh == 300
    )
    await harness.command(
        "CP-1",
        "remote_start_transaction",
        {"connector_id": 2, "id_tag": "TAG-OK", "max_energy_wh": 500},
    )
    answer = await cp.call(
        call.StartTransaction(
            connector_id=2, id_tag="TAG-OK", meter_start=0, timestamp=utc_now()
        )
    )
    tx_remote = answer.transaction_id
    await wait_for(
        lambda: any(
            e["payload"]["transaction_id"] == tx_remote
            for e in odoo.of_kind("start_transaction")
        )
    )
    # every answer Odoo gave has been handled (the result
    # hook runs right after the count)
    await wait_for(lambda: harness.bridge.delivery.delivered == len(odoo.deliveries))
    assert harness.bridge.service.transactions[tx_remote].max_energy_wh == 500


async def test_odoo_start_answer_below_energy_already_delivered_stops_at_once(
    harness, odoo
):
    odoo.events_down = True  # the start event waits in the outbox while the car charges
    cp = await harness.charger("CP-1")
    tx = await _start(cp, meter_start=0)
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(400))
    )
    assert remote_stops(cp) == []  # no limit known yet
    odoo.session_max_energy["TAG-OK"] = 300
    odoo.events_down = False
    await wait_for(
        lambda: remote_stops(cp) == [tx]
    )  # stopped on Odoo's answer, no new sample needed


async def test_odoo_start_answer_limit_survives_bridge_restart(harness, odoo):
    odoo.session_max_energy["TAG-OK"] = 300
    cp = await harness.charger("CP-1")
    tx = await _start(cp, meter_start=0)
    await wait_for(lambda: harness.bridge.service.transactions[tx].max_energy_wh == 300)
    await wait_for(lambda: not harness.bridge.service._tasks)  # written to the store
    await harness.close()
    await harness.start()
    assert harness.bridge.service.transactions[tx].max_energy_wh == 300
    cp = await harness.charger("CP-1")
    await cp.call(
        call.MeterValues(connector_id=1, transaction_id=tx, meter_value=energy(290))
    )
    await wait_for(lambda: remote_stops(cp) == [tx])
