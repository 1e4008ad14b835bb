"""Fixtures: an in-process Odoo stub, an in-process bridge on random loopback
ports, and charge points played by the ``ocpp`` library."""

import asyncio
import os
import sys

import aiohttp
import pytest
import pytest_asyncio

sys.path.insert(0, os.path.dirname(__file__))

from odoo_stub import API_KEY, DATABASE, OdooStub, wait_for

from ev_ocpp_bridge.config import Config
from ev_ocpp_bridge.server import Bridge
from ev_ocpp_bridge.simulator import SimulatedChargePoint, connect

COMMAND_TOKEN = "test-command-token"
HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(items):
    """Mark this folder's coroutine tests for pytest-asyncio even when the run
    is started from another folder whose config does not set asyncio_mode."""
    for item in items:
        function = getattr(item, "function", None)
        if str(item.path).startswith(HERE) and asyncio.iscoroutinefunction(function):
            item.add_marker(pytest.mark.asyncio)


def bridge_config(odoo_url, outbox_path, **overrides):
    values = {
        "odoo_url": odoo_url,
        "odoo_db": DATABASE,
        "odoo_api_key": API_KEY,
        "ocpp_host": "127.0.0.1",
        "ocpp_port": 0,
        "command_host": "127.0.0.1",
        "command_port": 0,
        "command_token": COMMAND_TOKEN,
        "outbox_path": str(outbox_path),
        "outbox_synchronous": "NORMAL",
        "retry_min": 0.05,
        "retry_max": 0.5,
        "meter_flush_seconds": 0.5,
        "authorize_timeout": 0.5,
        "credentials_timeout": 2.0,
        "command_timeout": 3.0,
        "ping_interval": 0,
        "data_transfer_vendors": "com.acme,x",
    }
    values.update(overrides)
    config = Config(**values)
    config.check()
    return config


@pytest_asyncio.fixture
async def odoo():
    stub = await OdooStub().start()
    stub.add_charger("CP-1", "secret")
    stub.add_charger("CP-2", "secret")
    stub.add_tag("TAG-OK")
    stub.add_tag("TAG-BLOCKED", status="Blocked")
    yield stub
    await stub.close()


class BridgeHarness:
    def __init__(self, odoo, tmp_path):
        self.odoo = odoo
        self.tmp_path = tmp_path
        self.bridge = None
        self.connections = []

    async def start(self, **overrides):
        self.bridge = Bridge(
            bridge_config(self.odoo.url, self.tmp_path / "outbox.sqlite", **overrides)
        )
        await self.bridge.start()
        return self.bridge

    @property
    def url(self):
        return "ws://127.0.0.1:%s/ocpp" % self.bridge.ocpp_port

    @property
    def command_url(self):
        return "http://127.0.0.1:%s" % self.bridge.command_port

    async def charger(self, identity="CP-1", password="secret"):
        """A connected library ChargePoint; returns it with its reader task running."""
        ws = await connect(self.url, identity, password)
        cp = SimulatedChargePoint(identity, ws, response_timeout=10)
        task = asyncio.create_task(cp.start())
        self.connections.append((ws, task))
        await wait_for(lambda: identity in self.bridge.chargers)
        return cp

    async def command(self, identity, action, payload=None, token=COMMAND_TOKEN):
        headers = {"Authorization": "Bearer %s" % token} if token else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                "%s/chargers/%s/commands/%s" % (self.command_url, identity, action),
                json=payload or {},
                headers=headers,
            ) as response,
        ):
            return response.status, await response.json()

    async def close(self):
        for ws, task in self.connections:
            task.cancel()
            await ws.close()
        self.connections.clear()
        if self.bridge is not None:
            await self.bridge.stop()
            self.bridge = None


@pytest_asyncio.fixture
async def harness(odoo, tmp_path):
    h = BridgeHarness(odoo, tmp_path)
    await h.start()
    yield h
    await h.close()
