"""Fuzz: any frame a charger can send gets a legal OCPP 1.6 answer (or none, for a
CALLRESULT/CALLERROR), never InternalError, and the connection stays up; nothing
that is not strict JSON reaches Odoo.

A real bridge (in-process, its own event loop in a thread) on a real websocket,
driven by a plain synchronous websocket client. After every fuzzed frame a
Heartbeat probe must be answered: everything received before that answer must be
a legal reply to the fuzzed frame. Bounded: ``max_examples`` below. The long run
(100,000 frames over 10 connections against a bridge process) is
``bench/bridge/fuzz_frames.py``.
"""

import asyncio
import base64
import json
import threading
from contextlib import ExitStack
from itertools import count

import pytest
from conftest import bridge_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ocpp16_spec import LEGAL_16_CODES
from odoo_stub import OdooStub
from websockets.sync.client import connect

from ev_ocpp_bridge import validation
from ev_ocpp_bridge.server import Bridge

# InternalError is legal OCPP, but a fault of ours: never the answer to a peer's frame.
PEER_ERROR_CODES = LEGAL_16_CODES - {"InternalError"}

ACTIONS = sorted(validation.ACTIONS_16) + ["FlyToTheMoon", ""]
FIELDS = [
    "connectorId",
    "idTag",
    "meterStart",
    "meterStop",
    "timestamp",
    "transactionId",
    "meterValue",
    "sampledValue",
    "value",
    "unit",
    "measurand",
    "vendorId",
    "messageId",
    "data",
    "status",
    "errorCode",
    "chargePointVendor",
    "chargePointModel",
    "reason",
    "transactionData",
]

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=24)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and infinities serialise as non-JSON literals
    st.sampled_from(["NaN", "inf", "-Infinity", "1e400", "12,5", " 7 "]),
)
timestamps = st.one_of(
    st.sampled_from(
        [
            "2026-11-25T01:00:00Z",
            "2026-11-25T08:00:00+07:00",
            "2026-11-25T01:00:00",
            "2026-12-01",
            "9999-12-31T23:59:59-23:59",
            "0000-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
        ]
    ),
    any_text,
)
leaves = st.one_of(st.none(), st.booleans(), numbers, timestamps, any_text)
json_values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(FIELDS) | any_text, children, max_size=4),
    ),
    max_leaves=12,
)
payloads = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6)
message_ids = st.one_of(st.text(max_size=40), st.integers(), st.none())


def _calls():
    return st.builds(
        lambda unique_id, action, payload: [2, unique_id, action, payload],
        message_ids,
        st.sampled_from(ACTIONS),
        st.one_of(payloads, json_values),
    )


def _responses():
    return st.one_of(
        st.builds(lambda i, p: [3, i, p], message_ids, json_values),
        st.builds(
            lambda i, c, d, x: [4, i, c, d, x],
            message_ids,
            any_text,
            any_text,
            json_values,
        ),
    )


def _serialise(frame):
    return json.dumps(frame)  # allow_nan: NaN/Infinity literals are part of the fuzz


frames = st.one_of(
    _calls().map(_serialise),
    _responses().map(_serialise),
    st.lists(json_values, max_size=5).map(_serialise),
    json_values.map(_serialise),
    st.builds(
        lambda depth, opener: opener * depth,
        st.integers(1, 5000),
        st.sampled_from(["[", "{", '[2,"x","Heartbeat",']),
    ),
    _calls().map(_serialise).map(lambda text: text[: len(text) // 2]),
    # a text frame is UTF-8 on the wire: lone surrogates travel as JSON escapes
    any_text.map(lambda text: text.encode("utf-8", "backslashreplace").decode()),
    st.binary(max_size=64),
)


class LiveBridge:
    """A bridge and its Odoo stub on their own event loop thread."""

    def __init__(self, tmp_path):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.odoo = self.run(OdooStub().start())
        self.odoo.add_charger("CP-1", "secret")
        self.odoo.add_tag("TAG-OK")
        self.bridge = Bridge(
            bridge_config(
                self.odoo.url,
                tmp_path / "outbox.sqlite",
                data_transfer_vendors="com.acme",
            )
        )
        self.run(self.bridge.start())
        self.ws = None
        self.connection = ExitStack()
        self.probes = count()

    def run(self, coro, timeout=30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def open(self):
        token = base64.b64encode(b"CP-1:secret").decode()
        self.ws = self.connection.enter_context(
            connect(
                "ws://127.0.0.1:%s/ocpp/CP-1" % self.bridge.ocpp_port,
                subprotocols=["ocpp1.6"],
                additional_headers={"Authorization": "Basic " + token},
                max_size=None,
                open_timeout=10,
            )
        )

    def close(self):
        self.connection.close()
        self.run(self.bridge.stop())
        self.run(self.odoo.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    bridge = LiveBridge(tmp_path_factory.mktemp("fuzz"))
    bridge.open()
    yield bridge
    bridge.close()


def check_answer(answer):
    message = json.loads(answer)  # strict enough: the bridge never sends NaN
    assert type(message) is list
    if message[0] == 3:
        assert len(message) == 3 and isinstance(message[1], str)
        assert isinstance(message[2], dict)
    else:
        assert message[0] == 4 and len(message) == 5, message
        assert isinstance(message[1], str)
        assert message[2] in PEER_ERROR_CODES, message
        assert isinstance(message[3], str) and isinstance(message[4], dict)
    return message


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,  # the test command is reproducible; the long run explores
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(frame=frames)
def test_any_frame_gets_a_legal_answer_and_the_connection_stays(live, frame):
    live.ws.send(frame)
    probe = "probe-%s" % next(live.probes)
    live.ws.send(json.dumps([2, probe, "Heartbeat", {}]))
    answers = []
    while True:
        message = check_answer(live.ws.recv(timeout=15))
        if message[1] == probe:
            assert message[0] == 3 and "currentTime" in message[2]
            break
        answers.append(message)
    assert len(answers) <= 1, answers  # one answer per CALL, none for a response
    assert live.odoo.invalid_bodies == 0


def test_nothing_odoo_cannot_parse_was_delivered(live):
    async def drained():
        while await live.bridge.outbox.pending_count():
            await asyncio.sleep(0.05)

    live.run(live.bridge.outbox.flush_samples())
    live.run(drained())
    assert live.odoo.invalid_bodies == 0
    for event in live.odoo.deliveries:
        json.dumps(event, allow_nan=False).encode("utf-8")  # strict and encodable
    dead = live.run(live.bridge.outbox.dead_letters())
    assert dead == []
