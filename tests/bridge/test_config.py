"""Configuration from the environment: secrets from files (docker-compose secrets)."""

import os
import subprocess
import sys

import pytest
from conftest import BridgeHarness
from odoo_stub import API_KEY, DATABASE

from ev_ocpp_bridge.__main__ import parse_args
from ev_ocpp_bridge.config import Config, help_text
from ev_ocpp_bridge.server import Bridge


def _secret(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_secrets_are_read_from_files_and_stripped(tmp_path):
    config = Config.from_env(
        {
            "ODOO_API_KEY_FILE": _secret(tmp_path, "odoo_key", "  key-from-file\n"),
            "COMMAND_TOKEN_FILE": _secret(tmp_path, "token", "\ttoken-from-file \r\n"),
        }
    )
    assert config.odoo_api_key == "key-from-file"
    assert config.command_token == "token-from-file"


def test_plain_variable_wins_over_file(tmp_path):
    config = Config.from_env(
        {
            "ODOO_API_KEY": "plain-key",
            "ODOO_API_KEY_FILE": _secret(tmp_path, "odoo_key", "file-key"),
            "COMMAND_TOKEN": "plain-token",
            "COMMAND_TOKEN_FILE": _secret(tmp_path, "token", "file-token"),
        }
    )
    assert (config.odoo_api_key, config.command_token) == ("plain-key", "plain-token")


def test_empty_plain_variable_falls_back_to_file(tmp_path):
    config = Config.from_env(
        {"ODOO_API_KEY": "", "ODOO_API_KEY_FILE": _secret(tmp_path, "k", "file-key")}
    )
    assert config.odoo_api_key == "file-key"


@pytest.mark.parametrize("variable", ["ODOO_API_KEY_FILE", "COMMAND_TOKEN_FILE"])
def test_missing_secret_file_is_an_error_naming_variable_and_path(tmp_path, variable):
    missing = str(tmp_path / "no-such-secret")
    with pytest.raises(ValueError) as info:
        Config.from_env({variable: missing})
    assert variable in str(info.value) and missing in str(info.value)


def test_empty_secret_file_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="COMMAND_TOKEN_FILE.*empty"):
        Config.from_env({"COMMAND_TOKEN_FILE": _secret(tmp_path, "token", " \n")})


def test_secret_file_variables_are_in_help():
    text = help_text()
    assert "ODOO_API_KEY_FILE" in text and "COMMAND_TOKEN_FILE" in text
    with pytest.raises(SystemExit):
        parse_args(["--help"])


def test_bridge_refuses_to_start_with_a_missing_secret_file(tmp_path):
    """The real entry point: a clear message on stderr and exit status 2."""
    env = dict(os.environ, COMMAND_TOKEN_FILE=str(tmp_path / "absent"))
    env.pop("COMMAND_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "ev_ocpp_bridge", "--check-config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "COMMAND_TOKEN_FILE" in done.stderr and "absent" in done.stderr


def test_bridge_starts_config_check_with_secret_files(tmp_path):
    env = dict(
        os.environ,
        COMMAND_TOKEN_FILE=_secret(tmp_path, "token", "t\n"),
        ODOO_API_KEY_FILE=_secret(tmp_path, "key", "k\n"),
    )
    env.pop("COMMAND_TOKEN", None)
    env.pop("ODOO_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "ev_ocpp_bridge", "--check-config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "configuration ok" in done.stdout


async def test_api_key_from_file_reaches_odoo_and_token_guards_commands(odoo, tmp_path):
    """End to end: the key read from its file is the bearer Odoo checks (a wrong
    key would refuse the handshake), and the token read from its file opens the
    command API."""
    env = {
        "ODOO_URL": odoo.url,
        "ODOO_DB": DATABASE,
        "ODOO_API_KEY_FILE": _secret(tmp_path, "key", API_KEY + "\n"),
        "COMMAND_TOKEN_FILE": _secret(tmp_path, "token", "file-token\n"),
        "OCPP_HOST": "127.0.0.1",
        "OCPP_PORT": "0",
        "COMMAND_PORT": "0",
        "OUTBOX_PATH": str(tmp_path / "outbox.sqlite"),
        "OCPP_PING_INTERVAL": "0",
    }
    harness = BridgeHarness(odoo, tmp_path)
    harness.bridge = Bridge(Config.from_env(env))
    await harness.bridge.start()
    try:
        await harness.charger("CP-1", "secret")
        assert (
            "credentials",
            {"identity": "CP-1", "password": "secret"},
        ) in odoo.requests
        status, _ = await harness.command(
            "CP-1",
            "trigger_message",
            {"requested_message": "Heartbeat"},
            token="file-token",
        )
        assert status == 200
        status, _ = await harness.command(
            "CP-1", "trigger_message", {"requested_message": "Heartbeat"}
        )
        assert status == 401
    finally:
        await harness.close()
