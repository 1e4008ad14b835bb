"""The durable outbox on its own: group commit, ids, keys, delivery order."""

import asyncio
import hashlib
import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ev_ocpp_bridge import meter
from ev_ocpp_bridge.outbox import (
    Delivery,
    Outbox,
    StoreError,
    canonical_json,
    event_key,
    make_event,
)


@pytest.fixture
async def outbox(tmp_path):
    box = Outbox(str(tmp_path / "o.sqlite"), "FULL", instance_id=3, stride=16)
    await box.open()
    yield box
    await box.close()


def fields(n=0):
    return {
        "connector_id": 1,
        "id_tag": "T",
        "meter_start": n,
        "timestamp": "2026-01-01T00:00:0%dZ" % n,
        "id_tag_info": {"status": "Accepted"},
    }


async def test_group_commit_batches_concurrent_writers(outbox):
    before = outbox.commits
    events = [
        make_event(
            "CP-%d" % (i % 10), "status", {"n": i, "timestamp": "t%d" % i}, "now"
        )
        for i in range(500)
    ]
    await asyncio.gather(*(outbox.enqueue(e) for e in events))
    assert await outbox.pending_count() == 500
    assert outbox.commits - before < 500  # many handlers per fsync


async def test_same_key_is_stored_once(outbox):
    event = make_event("CP-1", "status", {"status": "Available", "timestamp": "t"}, "x")
    assert await outbox.enqueue(event) == 1
    assert await outbox.enqueue(dict(event, occurred_at="y")) == 0
    assert await outbox.pending_count() == 1


async def test_transaction_ids_use_instance_stride_and_survive_reopen(tmp_path):
    path = str(tmp_path / "ids.sqlite")
    box = Outbox(path, instance_id=3, stride=16)
    await box.open()
    first, _, replayed = await box.start_transaction("CP-1", "h1", fields(1), "now")
    again, _, replayed_again = await box.start_transaction(
        "CP-1", "h1", fields(1), "later"
    )
    await box.close()
    box = Outbox(path, instance_id=3, stride=16)
    await box.open()
    second, _, _ = await box.start_transaction("CP-1", "h2", fields(2), "now")
    assert (first, replayed) == (19, False)  # 1 * 16 + 3
    assert (again, replayed_again) == (19, True)
    assert second == 35 and second % 16 == 3
    assert await box.pending_count() == 2  # the replay queued no second start event
    await box.close()


async def test_store_refuses_another_instance_id(tmp_path):
    path = str(tmp_path / "mine.sqlite")
    box = Outbox(path, instance_id=1)
    await box.open()
    await box.close()
    with pytest.raises(StoreError):
        await Outbox(path, instance_id=2).open()


async def test_two_instances_never_collide(tmp_path):
    ids = set()
    for instance in range(4):
        box = Outbox(
            str(tmp_path / ("i%d.sqlite" % instance)), instance_id=instance, stride=16
        )
        await box.open()
        for n in range(25):
            transaction_id, _, _ = await box.start_transaction(
                "CP", "h%d" % n, fields(n % 9), "now"
            )
            ids.add(transaction_id)
        await box.close()
    assert len(ids) == 100


async def test_delivery_in_order_retries_and_dead_letters(outbox):
    for i in range(12):
        await outbox.enqueue(
            make_event("CP-%d" % (i % 2), "data_transfer", {"i": i}, "t%d" % i)
        )
    seen, calls = [], []

    async def post(events):
        calls.append(len(events))
        if len(calls) == 1:
            raise ConnectionError("odoo away")
        seen.extend(e["payload"]["i"] for e in events)
        return [
            {"status": "error", "error": {"code": "x"}}
            if e["payload"]["i"] == 5
            else {"status": "ok", "data": {}}
            for e in events
        ]

    delivery = Delivery(outbox, post, batch_size=5, retry_min=0.01, retry_max=0.02)
    delivery.start()
    for _ in range(500):
        if await outbox.pending_count() == 0:
            break
        await asyncio.sleep(0.01)
    await delivery.stop()
    assert seen == list(range(12))
    assert [json.loads(row[2])["i"] for row in await outbox.dead_letters()] == [5]
    assert await outbox.pending_count() == 0


async def test_partial_answer_keeps_the_rest(outbox):
    for i in range(3):
        await outbox.enqueue(make_event("CP", "data_transfer", {"i": i}, "t"))

    async def post(events):
        return [{"status": "ok"}, {"status": "weird"}, {"status": "ok"}]

    delivery = Delivery(outbox, post)
    with pytest.raises(RuntimeError):
        await delivery.deliver_once()
    assert (
        await outbox.pending_count() == 2
    )  # the unclear one and everything after it stay


async def test_meter_flush_aggregates_per_transaction(outbox):
    await outbox.stage_samples("CP-1", 7, 1, [{"timestamp": "a", "energy_wh": 1.0}])
    await outbox.stage_samples("CP-1", 7, 1, [{"timestamp": "b", "energy_wh": 2.0}])
    await outbox.stage_samples(
        "CP-1", 7, 1, [{"timestamp": "a", "energy_wh": 1.0}]
    )  # replayed frame
    await outbox.stage_samples("CP-2", None, 2, [{"timestamp": "c", "energy_wh": 3.0}])
    assert await outbox.flush_samples() == 2
    events = await outbox.fetch(10)
    assert [
        (e["identity"], [s["timestamp"] for s in e["payload"]["samples"]])
        for e in events
    ] == [("CP-1", ["a", "b"]), ("CP-2", ["c"])]
    assert await outbox.flush_samples() == 0


async def test_commit_failure_reaches_every_waiter(outbox):
    def broken(conn):
        raise sqlite3.OperationalError("boom")

    with pytest.raises(sqlite3.OperationalError):
        await outbox.run(broken)
    assert (
        await outbox.enqueue(make_event("CP", "heartbeat", {}, "t")) == 1
    )  # the writer lives on


def test_keys_follow_the_protocol():
    start = {
        "transaction_id": 5,
        "timestamp": "2026-11-25T01:00:00Z",
        "meter_start": 100,
        "id_tag": "A",
    }
    assert (
        event_key("CP-1", "start_transaction", start, "t")
        == hashlib.sha256(
            b"CP-1|start_transaction|5|2026-11-25T01:00:00Z|100"
        ).hexdigest()
    )
    # the same id handed out again (bridge store lost)
    # for another charge is another event
    assert event_key(
        "CP-1", "start_transaction", dict(start, timestamp="2026-12-01T00:00:00Z"), "t"
    ) != event_key("CP-1", "start_transaction", start, "t")
    stop = {
        "transaction_id": 5,
        "meter_stop": 1,
        "timestamp": "2026-11-25T02:00:00Z",
        "reason": None,
    }
    assert (
        event_key("CP-1", "stop_transaction", stop, "t1")
        == hashlib.sha256(b"CP-1|stop_transaction|5|2026-11-25T02:00:00Z|1").hexdigest()
        == event_key("CP-1", "stop_transaction", stop, "t2")
    )
    payload = {"transaction_id": 5, "samples": []}
    assert (
        event_key("CP-1", "meter_values", payload, "t")
        == hashlib.sha256(
            ("CP-1|meter_values|" + canonical_json(payload)).encode()
        ).hexdigest()
    )
    assert event_key("CP-1", "heartbeat", {}, "t1") != event_key(
        "CP-1", "heartbeat", {}, "t2"
    )
    unknown = {
        "transaction_id": -1,
        "meter_stop": 3,
        "timestamp": "x",
        "unknown_transaction": True,
    }
    assert event_key("CP-1", "stop_transaction", unknown, "t1") == event_key(
        "CP-1", "stop_transaction", unknown, "t2"
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_key_ignores_dict_order(payload):
    reordered = dict(reversed(list(payload.items())))
    assert event_key("CP", "data_transfer", payload, "t") == event_key(
        "CP", "data_transfer", reordered, "t"
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "timestamp": st.text(max_size=25),
                "sampled_value": st.lists(
                    st.fixed_dictionaries(
                        {
                            "value": st.text(max_size=8)
                            | st.sampled_from(["-5", "1e3", "1,5", "nan", "12.5"])
                        },
                        optional={
                            "measurand": st.sampled_from(
                                [
                                    "Energy.Active.Import.Register",
                                    "Power.Active.Import",
                                    "SoC",
                                    "Voltage",
                                ]
                            ),
                            "unit": st.sampled_from(
                                ["Wh", "kWh", "W", "kW", "Percent", "V"]
                            ),
                            "phase": st.sampled_from(["L1", "L2", "L3", "N", "L1-N"]),
                            "format": st.sampled_from(["Raw", "SignedData"]),
                        },
                    ),
                    max_size=5,
                ),
            }
        ),
        max_size=4,
    )
)
def test_meter_normalisation_never_crashes(meter_value):
    samples = meter.normalise(meter_value)
    assert len(samples) == len(meter_value)
    for sample in samples:
        assert set(sample) - {"timestamp_substituted"} == {
            "timestamp",
            "energy_wh",
            "power_w",
            "soc",
        }
        # strict JSON only: nothing Odoo could not parse
        json.dumps(sample, allow_nan=False)


def test_kwh_is_normalised_to_wh_and_phases_summed():
    samples = meter.normalise(
        [
            {
                "timestamp": "2026-11-25T08:01:00+07:00",
                "sampled_value": [
                    {"value": "12,5", "unit": "kWh"},
                    {
                        "value": "1000",
                        "measurand": "Power.Active.Import",
                        "phase": "L1",
                        "unit": "W",
                    },
                    {
                        "value": "1.2",
                        "measurand": "Power.Active.Import",
                        "phase": "L2",
                        "unit": "kW",
                    },
                ],
            }
        ]
    )
    assert samples == [
        {
            "timestamp": "2026-11-25T01:01:00Z",
            "energy_wh": 12500.0,
            "power_w": 2200.0,
            "soc": None,
        }
    ]
