"""Command HTTP API: Odoo -> bridge -> charger (docs/bridge-protocol.md).

``POST /chargers/<identity>/commands/<action>`` with the OCPP request payload
in snake_case; the answer is the charger's own answer. ``GET /health`` needs
no token.
"""

import asyncio
import hmac
import logging

from aiohttp import web
from ocpp.exceptions import OCPPError
from ocpp.v16 import call

from . import validation
from .charge_point import to_camel_payload, to_snake

_logger = logging.getLogger(__name__)

BRIDGE = web.AppKey("bridge", object)

ACTIONS = {
    "remote_start_transaction": "RemoteStartTransaction",
    "remote_stop_transaction": "RemoteStopTransaction",
    "reset": "Reset",
    "unlock_connector": "UnlockConnector",
    "change_availability": "ChangeAvailability",
    "trigger_message": "TriggerMessage",
    "get_configuration": "GetConfiguration",
    "change_configuration": "ChangeConfiguration",
    "clear_cache": "ClearCache",
    "set_charging_profile": "SetChargingProfile",
}


class CommandError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self):
        return {"error": {"code": self.code, "message": self.message}}


async def execute_local(bridge, identity, action, payload):
    """Run a command on a charger connected to THIS instance."""
    cp = bridge.chargers.get(identity)
    if cp is None:
        raise CommandError(
            404, "not_connected", "Charger %s is not connected here" % identity
        )
    ocpp_action = ACTIONS.get(action)
    if ocpp_action is None:
        raise CommandError(404, "unknown_action", "Unknown command %s" % action)
    if not isinstance(payload, dict):
        raise CommandError(400, "bad_payload", "Payload must be a JSON object")
    payload = dict(payload)
    remote_request_id = max_energy_wh = None
    if action == "remote_start_transaction":
        remote_request_id = payload.pop("remote_request_id", None)
        max_energy_wh = payload.pop("max_energy_wh", None)
        if max_energy_wh is not None and (
            isinstance(max_energy_wh, bool)
            or not isinstance(max_energy_wh, (int, float))
        ):
            raise CommandError(400, "bad_payload", "max_energy_wh must be a number")
    try:
        request = getattr(call, ocpp_action)(**payload)
        validation.validate_request(ocpp_action, to_camel_payload(request))
    except TypeError as error:
        raise CommandError(400, "bad_payload", str(error)) from None
    except OCPPError as error:
        raise CommandError(
            400,
            "bad_payload",
            "%s: %s"
            % (
                validation.error_code_16(error.code),
                error.details.get("cause", error.description),
            ),
        ) from None
    connector_id = payload.get("connector_id")
    if action == "remote_start_transaction":
        # remembered before the call: the charger may send StartTransaction
        # right after its answer, before this coroutine resumes
        bridge.service.remember_remote_start(
            identity, connector_id, remote_request_id, max_energy_wh
        )
    try:
        response = await asyncio.wait_for(
            cp.call(request, validate=False), timeout=bridge.config.command_timeout
        )
    except asyncio.TimeoutError:
        error = CommandError(
            504, "timeout", "Charger %s did not answer %s" % (identity, ocpp_action)
        )
    except OCPPError as ocpp_error:
        error = CommandError(
            502, validation.error_code_16(ocpp_error.code), ocpp_error.description or ""
        )
    except Exception as other:  # noqa: BLE001 — connection closed, bad answer
        error = CommandError(
            502, "charger_error", "%s: %s" % (type(other).__name__, other)
        )
    else:
        error = None
    if error is not None:
        # whatever went wrong, no StartTransaction may pick up this remote start
        if action == "remote_start_transaction":
            bridge.service.forget_remote_start(identity, connector_id)
        raise error
    answer = to_snake(to_camel_payload(response))
    status = answer.get("status")
    if action == "remote_start_transaction" and status != "Accepted":
        bridge.service.forget_remote_start(identity, connector_id)
    _logger.info(
        "event=command identity=%s action=%s status=%s", identity, action, status
    )
    return {"status": status, "response": answer}


def _authorized(request):
    token = request.app[BRIDGE].config.command_token
    header = request.headers.get("Authorization", "")
    if not token or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


async def health(request):
    bridge = request.app[BRIDGE]
    try:
        pending = await asyncio.wait_for(bridge.outbox.pending_count(), timeout=2)
        status = "ok"
    except Exception:  # noqa: BLE001
        pending, status = None, "degraded"
    return web.json_response(
        {
            "status": status,
            "chargers": len(bridge.chargers),
            "outbox_pending": pending,
            "instance": bridge.config.instance_id,
        }
    )


async def list_chargers(request):
    if not _authorized(request):
        return web.json_response(
            {"error": {"code": "unauthorized", "message": "Bad token"}}, status=401
        )
    return web.json_response({"chargers": sorted(request.app[BRIDGE].chargers)})


async def run_command(request):
    if not _authorized(request):
        return web.json_response(
            {"error": {"code": "unauthorized", "message": "Bad token"}}, status=401
        )
    bridge = request.app[BRIDGE]
    identity = request.match_info["identity"]
    action = request.match_info["action"]
    try:
        payload = await request.json() if request.can_read_body else {}
    except ValueError:
        return web.json_response(
            {"error": {"code": "bad_payload", "message": "Body is not JSON"}},
            status=400,
        )
    try:
        answer = await bridge.router.send_command(identity, action, payload)
    except CommandError as error:
        return web.json_response(error.body(), status=error.status)
    return web.json_response(answer)


def make_app(bridge):
    app = web.Application()
    app[BRIDGE] = bridge
    app.router.add_get("/health", health)
    app.router.add_get("/chargers", list_chargers)
    app.router.add_post("/chargers/{identity}/commands/{action}", run_command)
    return app


async def start_command_api(bridge):
    runner = web.AppRunner(make_app(bridge), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, bridge.config.command_host, bridge.config.command_port)
    await site.start()
    port = runner.addresses[0][1]
    return runner, port
