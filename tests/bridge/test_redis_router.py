"""Two bridge instances sharing nothing but Redis: a command sent to either
instance reaches the charger wherever it is connected."""

import pytest

pytest.importorskip("redis")

REDIS_URL = "redis://127.0.0.1:6379/15"


async def _redis_available():
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
        return True
    except Exception:  # noqa: BLE001
        return False
    finally:
        await client.aclose()


async def test_command_via_the_other_instance(odoo, tmp_path):
    if not await _redis_available():
        pytest.skip("no Redis at 127.0.0.1:6379")
    from conftest import BridgeHarness

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = BridgeHarness(odoo, tmp_path / "a"), BridgeHarness(odoo, tmp_path / "b")
    await a.start(redis_url=REDIS_URL, instance_id=0, instance_name="test-a")
    await b.start(redis_url=REDIS_URL, instance_id=1, instance_name="test-b")
    try:
        cp = await a.charger("CP-1")
        code, body = await b.command(
            "CP-1", "reset", {"type": "Soft"}
        )  # B does not hold CP-1
        assert code == 200 and body["status"] == "Accepted"
        assert cp.received[-1][0] == "Reset"
        code, body = await b.command("CP-2", "reset", {"type": "Soft"})
        assert code == 404
        cp.answers["UnlockConnector"] = "UnlockFailed"
        code, body = await b.command("CP-1", "unlock_connector", {"connector_id": 1})
        assert code == 200 and body["status"] == "UnlockFailed"
    finally:
        await a.close()
        await b.close()
