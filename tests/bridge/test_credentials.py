"""The charger credential cache: persisted across restarts, coalesced and
bounded under a reconnect storm, and never a way in for the wrong charger."""

import asyncio

import pytest_asyncio
import websockets
from conftest import BridgeHarness
from ocpp.v16 import call
from odoo_stub import wait_for

from ev_ocpp_bridge.simulator import connect


async def _status(harness, identity, password):
    """HTTP status of a refused handshake, or 101 when the charger got in."""
    try:
        ws = await connect(harness.url, identity, password)
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    await ws.close()
    return 101


@pytest_asyncio.fixture
async def restartable(odoo, tmp_path):
    h = BridgeHarness(odoo, tmp_path)
    yield h
    await h.close()


async def test_restarted_bridge_lets_known_charger_in_without_asking_odoo(
    restartable, odoo
):
    await restartable.start()
    await restartable.charger("CP-1", "secret")
    assert len(odoo.credential_checks("CP-1")) == 1
    await restartable.close()

    odoo.down = True  # a storm after a restart: Odoo is not asked at all
    await restartable.start()
    cp = await restartable.charger("CP-1", "secret")
    assert (
        await cp.call(
            call.BootNotification(charge_point_vendor="V", charge_point_model="M")
        )
    ).interval == 120
    assert len(odoo.credential_checks("CP-1")) == 1


async def test_persisted_cache_never_admits_unknown_identity_or_other_password(
    restartable, odoo
):
    await restartable.start()
    await restartable.charger("CP-1", "secret")
    await restartable.close()

    odoo.down = True
    await restartable.start()
    assert await _status(restartable, "CP-1", "not-the-secret") == 503
    assert await _status(restartable, "CP-1", None) == 503
    assert (
        await _status(restartable, "CP-2", "secret") == 503
    )  # known to Odoo, never seen by this store
    assert await _status(restartable, "NOPE-1", "secret") == 503
    assert await _status(restartable, "CP-1", "secret") == 101
    assert set(restartable.bridge.chargers) <= {"CP-1"}


async def test_store_keeps_no_password(restartable, odoo, tmp_path):
    odoo.add_charger("CP-PW", "pw-Zq81-unlikely")
    await restartable.start()
    await restartable.charger("CP-PW", "pw-Zq81-unlikely")
    await restartable.close()
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("outbox.sqlite*"))
    assert b"CP-PW" in stored  # the entry is there...
    assert b"pw-Zq81-unlikely" not in stored  # ...the password is not


async def test_password_changed_in_odoo_is_refused_when_the_cache_expires(
    restartable, odoo
):
    # every connect is a re-check; Odoo answers well within the wait
    await restartable.start(credentials_cache_seconds=0, credentials_stale_wait=20)
    assert await _status(restartable, "CP-1", "secret") == 101
    odoo.chargers["CP-1"]["password"] = "changed"
    assert await _status(restartable, "CP-1", "secret") == 401
    assert await _status(restartable, "CP-1", "changed") == 101
    await restartable.close()

    odoo.down = True  # the refused password was dropped from the store too
    await restartable.start(credentials_cache_seconds=0, credentials_stale_wait=20)
    assert await _status(restartable, "CP-1", "secret") == 503
    assert (
        await _status(restartable, "CP-1", "changed") == 101
    )  # stale, Odoo away: still let in


async def test_charger_removed_from_odoo_is_refused_at_recheck(restartable, odoo):
    await restartable.start(credentials_cache_seconds=0, credentials_stale_wait=20)
    assert await _status(restartable, "CP-1", "secret") == 101
    del odoo.chargers["CP-1"]
    assert await _status(restartable, "CP-1", "secret") == 404
    odoo.down = True
    assert await _status(restartable, "CP-1", "secret") == 503


async def test_recheck_refusal_after_admission_on_cached_answer_closes_the_connection(
    restartable, odoo
):
    await restartable.start(credentials_cache_seconds=0, credentials_stale_wait=0)
    assert await _status(restartable, "CP-1", "secret") == 101
    odoo.chargers["CP-1"]["password"] = "changed"
    odoo.credentials_gate = (
        asyncio.Event()
    )  # Odoo is slow: the cached answer lets the charger in
    ws = await connect(restartable.url, "CP-1", "secret")
    await wait_for(
        lambda: odoo.credentials_in_flight == 1
    )  # let in while the re-check is still at Odoo
    odoo.credentials_gate.set()  # the re-check says no
    await asyncio.wait_for(ws.wait_closed(), 20)
    assert ws.close_code == 1008
    await wait_for(lambda: "CP-1" not in restartable.bridge.chargers)
    assert await _status(restartable, "CP-1", "secret") == 401


async def test_concurrent_checks_share_one_odoo_call_and_in_flight_calls_are_bounded(
    restartable, odoo
):
    await restartable.start(credentials_concurrency=2)
    identities = ["CP-S%d" % n for n in range(5)]
    for identity in identities:
        odoo.add_charger(identity, "secret")
    odoo.credentials_gate = asyncio.Event()
    attempts = [
        asyncio.create_task(_status(restartable, "CP-S0", "secret")) for _ in range(3)
    ]
    attempts += [
        asyncio.create_task(_status(restartable, identity, "secret"))
        for identity in identities[1:]
    ]
    credentials = restartable.bridge.credentials
    # 7 handshakes, 5 distinct checks: 2 ask Odoo, 3 wait for a slot, 2 joined the first
    await wait_for(
        lambda: len(credentials._inflight) == 5 and credentials.stats["coalesced"] == 2
    )
    await wait_for(lambda: odoo.credentials_in_flight == 2)
    odoo.credentials_gate.set()
    assert await asyncio.gather(*attempts) == [101] * 7
    assert len(odoo.credential_checks("CP-S0")) == 1
    assert len(odoo.credential_checks()) == 5
    assert odoo.credentials_most_in_flight == 2


async def test_cached_charger_is_not_held_up_by_queued_checks(restartable, odoo):
    await restartable.start(credentials_concurrency=1)
    assert await _status(restartable, "CP-1", "secret") == 101
    odoo.credentials_gate = asyncio.Event()
    waiting = asyncio.create_task(_status(restartable, "CP-2", "secret"))
    await wait_for(lambda: odoo.credentials_in_flight == 1)
    assert await _status(restartable, "CP-1", "secret") == 101
    assert not waiting.done()
    odoo.credentials_gate.set()
    assert await waiting == 101


async def test_answer_older_than_max_stale_is_not_used_even_with_odoo_away(
    restartable, odoo
):
    await restartable.start(
        credentials_cache_seconds=0, credentials_max_stale_seconds=0
    )
    assert await _status(restartable, "CP-1", "secret") == 101
    odoo.down = True
    assert await _status(restartable, "CP-1", "secret") == 503


async def test_shutdown_with_a_recheck_still_at_odoo(restartable, odoo):
    await restartable.start(credentials_cache_seconds=0, credentials_stale_wait=0)
    assert await _status(restartable, "CP-1", "secret") == 101
    odoo.credentials_gate = asyncio.Event()
    assert (
        await _status(restartable, "CP-1", "secret") == 101
    )  # let in on the cached answer
    await wait_for(lambda: odoo.credentials_in_flight == 1)
    await (
        restartable.close()
    )  # the pending re-check is cancelled, the store closes cleanly
    odoo.credentials_gate.set()
    odoo.down = True
    await restartable.start()
    assert (
        await _status(restartable, "CP-1", "secret") == 101
    )  # the answer is still in the store
