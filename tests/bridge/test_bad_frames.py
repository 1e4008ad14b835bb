"""Malformed frames get the OCPP 1.6 CALLERROR and the connection stays up."""

import base64
import json

import pytest
import websockets


@pytest.fixture
async def raw(harness):
    headers = {"Authorization": "Basic " + base64.b64encode(b"CP-1:secret").decode()}
    ws = await websockets.connect(
        harness.url + "/CP-1", subprotocols=["ocpp1.6"], additional_headers=headers
    )
    yield ws
    await ws.close()


async def exchange(ws, frame):
    await ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(await ws.recv())


async def still_alive(ws):
    answer = await exchange(ws, [2, "alive", "Heartbeat", {}])
    assert answer[0] == 3 and answer[1] == "alive" and "currentTime" in answer[2]


@pytest.mark.parametrize(
    "frame, unique_id, code",
    [
        (
            '[2, "m1", "Heartbeat", {',
            "m1",
            "FormationViolation",
        ),  # invalid JSON, id still readable
        ("not json at all", "-1", "FormationViolation"),
        ('{"a": 1}', "-1", "FormationViolation"),  # not an array
        ([2, "m2", "Heartbeat"], "m2", "ProtocolError"),  # missing payload
        (
            [2, "m3", "Heartbeat", []],
            "m3",
            "FormationViolation",
        ),  # payload not an object
        ([9, "m4", "Heartbeat", {}], "m4", "ProtocolError"),  # unknown message type
        (
            [2, "m5", "FlyToTheMoon", {}],
            "m5",
            "NotImplemented",
        ),  # unknown action (1.6: not known)
        (
            [2, "m6", "RemoteStartTransaction", {"idTag": "X"}],
            "m6",
            "NotSupported",
        ),  # 1.6 action, wrong direction
        (
            [
                2,
                "m7",
                "StatusNotification",
                {"connectorId": "one", "errorCode": "NoError", "status": "Available"},
            ],
            "m7",
            "TypeConstraintViolation",
        ),
        (
            [2, "m8", "StatusNotification", {"connectorId": 1, "errorCode": "NoError"}],
            "m8",
            "OccurenceConstraintViolation",
        ),  # required field missing
        (
            [
                2,
                "m9",
                "StatusNotification",
                {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"},
            ],
            "m9",
            "PropertyConstraintViolation",
        ),  # not in the enum
        (
            [2, "m10", "Authorize", {"idTag": "X" * 21}],
            "m10",
            "PropertyConstraintViolation",
        ),  # too long
        (
            [2, "m11", "Heartbeat", {"extra": 1}],
            "m11",
            "FormationViolation",
        ),  # not the PDU structure
        (
            [2, "m12", "MeterValues", {"connectorId": 1, "meterValue": []}],
            "m12",
            "OccurenceConstraintViolation",
        ),
        (
            [
                2,
                "m13",
                "StartTransaction",
                {"connectorId": 1, "idTag": "T", "meterStart": 1.5, "timestamp": "x"},
            ],
            "m13",
            "TypeConstraintViolation",
        ),
    ],
)
async def test_bad_frame_gets_16_callerror(raw, frame, unique_id, code):
    answer = await exchange(raw, frame)
    assert answer[0] == 4
    assert answer[1] == unique_id
    assert answer[2] == code
    assert isinstance(answer[3], str) and isinstance(answer[4], dict)
    await still_alive(raw)


async def test_many_bad_frames_in_a_row_do_not_hurt(raw, harness):
    for n in range(50):
        await raw.send("\x00garbage %d" % n)
        assert json.loads(await raw.recv())[2] == "FormationViolation"
    await still_alive(raw)
    assert "CP-1" in harness.bridge.chargers


async def test_binary_frame_is_a_formation_violation(raw):
    await raw.send(b"\xff\xfe\x00")
    answer = json.loads(await raw.recv())
    assert answer[0] == 4 and answer[2] == "FormationViolation"
    await still_alive(raw)


async def test_stray_callresult_is_ignored(raw):
    await raw.send(json.dumps([3, "nobody-asked", {}]))
    await raw.send(json.dumps([4, "nobody-asked", "GenericError", "", {}]))
    await still_alive(raw)


def test_library_spelling_is_mapped():
    from ev_ocpp_bridge.validation import error_code_16

    assert error_code_16("FormatViolation") == "FormationViolation"
    assert (
        error_code_16("OccurrenceConstraintViolation") == "OccurenceConstraintViolation"
    )
    assert error_code_16("GenericError") == "GenericError"
