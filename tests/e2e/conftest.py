"""End-to-end fixtures: a real Odoo 18 with ev_billing on PostgreSQL, the real bridge as
a subprocess, and chargers played by the ``ocpp`` library (through the bridge's
simulator classes).

Run by ``scripts/test`` when it finds an Odoo; it passes ODOO_PATH and ODOO_PYTHON.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from odoo_server import OdooServer, free_port

ROOT = Path(__file__).resolve().parents[2]
ODOO_PATH = os.environ.get("ODOO_PATH")
ODOO_PYTHON = os.environ.get("ODOO_PYTHON")
PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
DB_USER = os.environ.get("ODOO_DB_USER", "odoo")
DB_PASSWORD = os.environ.get("ODOO_DB_PASSWORD", "odoo")
COMMAND_TOKEN = "e2e-command-token"
CHARGER_PASSWORD = "e2e-secret"


def pytest_collection_modifyitems(config, items):
    here = str(Path(__file__).parent)
    for item in items:
        if not str(item.path).startswith(here):
            continue
        if not (ODOO_PATH and ODOO_PYTHON):
            item.add_marker(
                pytest.mark.skip(
                    reason="no Odoo: set ODOO_PATH and ODOO_PYTHON (scripts/test does)"
                )
            )


def wait_until(predicate, timeout=60.0, interval=0.25, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


async def async_wait_until(predicate, timeout=60.0, interval=0.25, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class BridgeProcess:
    """ev_ocpp_bridge as a subprocess (a test can SIGKILL it) on free loopback ports."""

    def __init__(self, odoo, tmp, api_key):
        self.odoo = odoo
        self.ocpp_port = free_port()
        self.command_port = free_port()
        self.outbox = tmp / "outbox.sqlite3"
        self.log_path = tmp / "bridge.log"
        self.api_key = api_key
        self.process = None

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.ocpp_port}/ocpp"

    @property
    def command_url(self):
        return f"http://127.0.0.1:{self.command_port}"

    def start(self):
        env = dict(
            os.environ,
            ODOO_URL=self.odoo.url,
            ODOO_DB=self.odoo.db,
            ODOO_API_KEY=self.api_key,
            OCPP_HOST="127.0.0.1",
            OCPP_PORT=str(self.ocpp_port),
            COMMAND_HOST="127.0.0.1",
            COMMAND_PORT=str(self.command_port),
            COMMAND_TOKEN=COMMAND_TOKEN,
            OUTBOX_PATH=str(self.outbox),
            METER_FLUSH_SECONDS="1",
            OUTBOX_RETRY_MIN="0.2",
            OUTBOX_RETRY_MAX="1",
            AUTHORIZE_TIMEOUT="3",
            LOG_LEVEL="INFO",
        )
        # the child keeps its own copy of the descriptor
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ev_ocpp_bridge"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._healthy, timeout=30, what="the bridge /health")

    def _healthy(self):
        try:
            with urllib.request.urlopen(
                f"{self.command_url}/health", timeout=1
            ) as response:
                return response.status == 200
        except OSError:
            return False

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def odoo(tmp_path_factory):
    server = OdooServer(
        f"ev_e2e_{os.getpid()}_{int(time.time())}",
        ODOO_PATH,
        ODOO_PYTHON,
        ROOT,
        tmp_path_factory.mktemp("odoo") / "odoo.log",
        PGHOST,
        PGPORT,
        DB_USER,
        DB_PASSWORD,
    )
    server.install()
    server.api_key = server.bridge_api_key()
    server.start()
    yield server
    server.stop()
    if not os.environ.get("E2E_KEEP_DB"):
        server.drop()


@pytest.fixture(scope="session")
def station(odoo):
    """One station with two chargers (passwords set) and a driver with a card."""
    [tariff_id] = odoo.call("ev.tariff", "search", [], limit=1)
    station_id = odoo.call(
        "ev.station",
        "create",
        {"name": "E2E Station", "code": "E2E", "state": "open", "tariff_id": tariff_id},
    )
    chargers = {}
    for identity in ("E2E-CP-1", "E2E-CP-2", "E2E-CP-3"):
        charger_id = odoo.call(
            "ev.charger",
            "create",
            {
                "name": identity,
                "identity": identity,
                "station_id": station_id,
                "max_power_kw": 22,
            },
        )
        odoo.call("ev.charger", "set_password", [charger_id], CHARGER_PASSWORD)
        chargers[identity] = charger_id
    driver_id = odoo.call(
        "res.partner",
        "create",
        {"name": "E2E Driver", "mobile": "+66 80 000 0001", "ev_is_driver": True},
    )
    odoo.call("ev.id.tag", "create", {"tag": "E2ETAG01", "partner_id": driver_id})
    # Money at the desk, the way an Operator's top-up posts it:
    # a payment to the deposit account.
    odoo.shell(
        "env['ev.wallet.transaction']._ev_topup("
        f"env['res.partner'].browse({driver_id}), 5000)"
    )
    return {"station_id": station_id, "chargers": chargers, "driver_id": driver_id}


@pytest.fixture
def bridge(odoo, station, tmp_path):
    process = BridgeProcess(odoo, tmp_path, odoo.api_key)
    process.start()
    odoo.call(
        "ir.config_parameter", "set_param", "ev_billing.bridge_url", process.command_url
    )
    odoo.call(
        "ir.config_parameter",
        "set_param",
        "ev_billing.bridge_command_token",
        COMMAND_TOKEN,
    )
    yield process
    process.stop()
