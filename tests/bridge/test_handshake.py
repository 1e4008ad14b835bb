"""Security profile 1: chargers are refused at the websocket handshake."""

import pytest
import websockets
from ocpp.v16 import call

from ev_ocpp_bridge.server import identity_from_path, parse_basic_auth
from ev_ocpp_bridge.simulator import connect


async def _refused_status(url, identity, password):
    with pytest.raises(websockets.InvalidStatus) as info:
        await connect(url, identity, password)
    return info.value.response.status_code


async def test_known_charger_with_right_password_connects(harness):
    cp = await harness.charger("CP-1", "secret")
    answer = await cp.call(call.Heartbeat())
    assert answer.current_time


async def test_unknown_identity_is_404(harness):
    assert await _refused_status(harness.url, "NOPE-9", "secret") == 404
    assert "NOPE-9" not in harness.bridge.chargers


async def test_wrong_password_is_401(harness):
    assert await _refused_status(harness.url, "CP-1", "wrong") == 401


async def test_missing_password_is_401(harness):
    assert await _refused_status(harness.url, "CP-1", None) == 401


async def test_basic_user_must_be_the_identity(harness):
    headers = {
        "Authorization": "Basic "
        + __import__("base64").b64encode(b"CP-2:secret").decode()
    }
    with pytest.raises(websockets.InvalidStatus) as info:
        await websockets.connect(
            harness.url + "/CP-1", subprotocols=["ocpp1.6"], additional_headers=headers
        )
    assert info.value.response.status_code == 401


async def test_charger_without_password_when_odoo_allows_it(harness, odoo):
    odoo.add_charger("CP-OPEN", password=None)
    cp = await harness.charger("CP-OPEN", None)
    assert (await cp.call(call.Heartbeat())).current_time


async def test_wrong_path_is_404(harness):
    with pytest.raises(websockets.InvalidStatus) as info:
        await websockets.connect(
            "ws://127.0.0.1:%s/other/CP-1" % harness.bridge.ocpp_port,
            subprotocols=["ocpp1.6"],
        )
    assert info.value.response.status_code == 404


async def test_odoo_unreachable_and_no_cache_is_503(harness, odoo):
    odoo.down = True
    assert await _refused_status(harness.url, "CP-2", "secret") == 503


async def test_cached_credentials_survive_odoo_outage(harness, odoo):
    cp = await harness.charger("CP-1", "secret")
    await cp._connection.close()
    odoo.down = True
    cp = await harness.charger("CP-1", "secret")
    assert (await cp.call(call.Heartbeat())).current_time


async def test_without_ocpp16_subprotocol_the_handshake_fails(harness):
    headers = {
        "Authorization": "Basic "
        + __import__("base64").b64encode(b"CP-1:secret").decode()
    }
    with pytest.raises(websockets.InvalidStatus) as info:
        await websockets.connect(harness.url + "/CP-1", additional_headers=headers)
    assert info.value.response.status_code == 400
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(
            harness.url + "/CP-1",
            additional_headers=headers,
            subprotocols=["ocpp2.0.1"],
        )
    assert "CP-1" not in harness.bridge.chargers


def test_parse_basic_auth_and_path():
    assert parse_basic_auth("Basic Q1AtMTpzZWNyZXQ=") == ("CP-1", "secret")
    assert parse_basic_auth("Basic !!!") == (None, None)
    assert parse_basic_auth(None) == (None, None)
    assert identity_from_path("/ocpp/CP%201?x=1") == "CP 1"
    assert identity_from_path("/ocpp/") is None
    assert identity_from_path("/ocpp/a/b") is None
