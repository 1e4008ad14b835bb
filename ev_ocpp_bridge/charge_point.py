"""One connected charger: thin ``@on`` handlers over the charging service.

Handlers use the ``ocpp`` library's public routing (``@on``, ``create_route_map``);
the message path is ours:

* strict decoding (frames.py): bounded nesting, no NaN/Infinity, integers in
  range, valid Unicode — a CALLERROR, never a dropped connection;
* compiled fastjsonschema validation inline instead of jsonschema in a thread pool;
* cached camelCase <-> snake_case key conversion;
* CALLERROR codes spelled as OCPP 1.6 spells them;
* commands: one CALL in flight, its answer matched by id; a CALLRESULT or
  CALLERROR nobody waits for is dropped and logged (nothing accumulates).
"""

import asyncio
import dataclasses
import json
import logging
import re
import uuid
from datetime import datetime, timezone

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.exceptions import OCPPError
from ocpp.routing import create_route_map, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, RegistrationStatus

from . import frames, validation
from .validation import FormationViolation, ProtocolError

_logger = logging.getLogger(__name__)

_UNIQUE_ID = re.compile(r'^\s*\[\s*\d\s*,\s*"((?:[^"\\]|\\.){1,64})"')


def _utc_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# -- fast key conversion ------------------------------------------------------

_snake_keys = {}
_camel_keys = {}


def to_snake(data):
    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            name = _snake_keys.get(key)
            if name is None:
                name = _snake_keys[key] = next(iter(camel_to_snake_case({key: None})))
            result[name] = to_snake(value) if isinstance(value, (dict, list)) else value
        return result
    if isinstance(data, list):
        return [
            to_snake(value) if isinstance(value, (dict, list)) else value
            for value in data
        ]
    return data


def _camel(key):
    name = _camel_keys.get(key)
    if name is None:
        name = _camel_keys[key] = next(iter(snake_to_camel_case({key: None})))
    return name


def to_camel_payload(value):
    """Dataclass/dict/list -> JSON-ready camelCase, dropping None values."""
    if dataclasses.is_dataclass(value):
        result = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if item is not None:
                result[_camel(field.name)] = to_camel_payload(item)
        return result
    if isinstance(value, dict):
        return {
            _camel(key): to_camel_payload(item)
            for key, item in value.items()
            if item is not None
        }
    if isinstance(value, list):
        return [to_camel_payload(item) for item in value if item is not None]
    return value


def guess_unique_id(raw):
    """Best effort: the message id of a frame we could not parse, else "-1"."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    match = _UNIQUE_ID.match(raw or "")
    return match.group(1) if match else "-1"


def call_error_frame(unique_id, error):
    if isinstance(error, OCPPError):
        code, description, details = (
            validation.error_code_16(error.code),
            error.description,
            error.details,
        )
    else:
        code, description, details = (
            "InternalError",
            "An unexpected error occurred.",
            {},
        )
    try:
        return json.dumps(
            [4, unique_id, code, description, details or {}],
            separators=(",", ":"),
            default=str,
            allow_nan=False,
        )
    except (TypeError, ValueError):
        return json.dumps([4, unique_id, code, description, {}], separators=(",", ":"))


class ChargerError(OCPPError):
    """A CALLERROR the charger answered to one of our commands."""

    def __init__(self, code, description, details):
        super().__init__(description=description, details=details)
        self.code = code


class ChargePoint:
    """A connected charger; ``self.id`` is its identity (chargeBoxId).

    Handlers are registered with the ``ocpp`` library's public ``@on`` decorator
    and ``create_route_map``; the connection, the message loop and the command
    path (one CALL in flight, its answer matched by message id) are owned here.
    """

    def __init__(self, identity, connection, service, response_timeout=30):
        self.id = identity
        self.connection = connection
        self.service = service
        self.response_timeout = response_timeout
        self.route_map = create_route_map(self)
        self.frames_in = 0
        self.dropped_responses = 0
        # set by the server while an unknown charger waits for approval: an
        # async callable(cp, boot payload) -> (RegistrationStatus, interval)
        self.awaiting_approval = None
        self._call_lock = asyncio.Lock()
        self._waiting = None  # (unique id, future) of our CALL in flight

    # -- routing -------------------------------------------------------------

    async def start(self):
        recv = self.connection.recv
        route = self.route_message
        try:
            while True:
                await route(await recv())
        finally:
            # a command waiting for this charger's answer fails now, not at its timeout
            waiting = self._waiting
            if waiting is not None and not waiting[1].done():
                waiting[1].set_exception(ConnectionError("charger disconnected"))

    async def route_message(self, raw_msg):
        self.frames_in += 1
        try:
            msg = frames.decode(raw_msg)
        except frames.FrameError as error:
            _logger.warning(
                "event=invalid_json identity=%s cause=%s frame=%.200r",
                self.id,
                error,
                raw_msg,
            )
            await self._send(call_error_frame(guess_unique_id(raw_msg), error.error))
            return
        if type(msg) is not list or not msg:
            await self._send(
                call_error_frame(
                    guess_unique_id(raw_msg),
                    FormationViolation(
                        details={"cause": "An OCPP message is a JSON array"}
                    ),
                )
            )
            return
        message_type = msg[0] if type(msg[0]) is int else None
        unique_id = msg[1] if len(msg) > 1 and type(msg[1]) is str else "-1"
        if message_type == 2:
            if len(msg) != 4 or unique_id == "-1" or type(msg[2]) is not str:
                await self._send(
                    call_error_frame(
                        unique_id,
                        ProtocolError(
                            details={
                                "cause": "A CALL is [2, uniqueId, action, payload]"
                            }
                        ),
                    )
                )
                return
            await self._handle_frame(unique_id, msg[2], msg[3])
        elif message_type in (3, 4):
            self._take_response(unique_id, msg, raw_msg)
        else:
            await self._send(
                call_error_frame(
                    unique_id,
                    ProtocolError(
                        details={"cause": "Unknown MessageTypeId %.20r" % (msg[0],)}
                    ),
                )
            )

    def _take_response(self, unique_id, msg, raw_msg):
        """Hand a CALLRESULT/CALLERROR to the command waiting for it; anything
        else (unsolicited, late, malformed) is dropped and logged, never queued."""
        waiting = self._waiting
        well_formed = (msg[0] == 3 and len(msg) == 3) or (msg[0] == 4 and len(msg) >= 4)
        if (
            not well_formed
            or waiting is None
            or waiting[0] != unique_id
            or waiting[1].done()
        ):
            self.dropped_responses += 1
            _logger.warning(
                "event=response_dropped identity=%s reason=%s frame=%.200r",
                self.id,
                "malformed" if not well_formed else "unsolicited",
                raw_msg,
            )
            return
        waiting[1].set_result(msg)

    async def _handle_frame(self, unique_id, action, payload):
        try:
            handlers = self.route_map.get(action)
            handler = handlers.get("_on_action") if handlers else None
            if handler is None:
                if action in validation.ACTIONS_16:
                    raise validation.NotSupportedAction(
                        details={
                            "cause": "%s is not supported by this central system"
                            % action
                        }
                    )
                raise validation.NotImplementedAction(
                    details={"cause": "Unknown action %.50s" % action}
                )
            if self.awaiting_approval is not None and action != "BootNotification":
                raise validation.SecurityError(
                    details={"cause": "This charger is waiting for approval"}
                )
            validation.validate_request(action, payload)
            frames.check_values(action, payload)
            response = await handler(**to_snake(payload))
            response_payload = to_camel_payload(response)
            validation.validate_response(action, response_payload)
            frame = frames.strict_dumps([3, unique_id, response_payload])
        except OCPPError as error:
            if error.code != "NotImplemented":
                _logger.info(
                    "event=call_error identity=%s action=%.50s code=%s details=%.300s",
                    self.id,
                    action,
                    error.code,
                    error.details,
                )
            frame = call_error_frame(unique_id, error)
        except Exception as error:  # a handler bug must not drop the charger
            _logger.exception(
                "event=handler_failed identity=%s action=%s", self.id, action
            )
            frame = call_error_frame(unique_id, error)
        await self._send(frame)

    async def _send(self, message):
        await self.connection.send(message)

    async def close(self, code, reason):
        await self.connection.close(code, reason)

    async def call(self, request, validate=True):
        """Send a command (a ``ocpp.v16.call`` dataclass) and return the charger's
        answer as the matching ``call_result`` dataclass; raises ``OCPPError``
        for a CALLERROR or an answer that breaks the schema, and
        ``asyncio.TimeoutError``. OCPP-J allows one CALL in flight per side."""
        action = request.__class__.__name__
        payload = to_camel_payload(request)
        if validate:
            validation.validate_request(action, payload)
        async with self._call_lock:
            unique_id = str(uuid.uuid4())
            future = asyncio.get_running_loop().create_future()
            self._waiting = (unique_id, future)
            try:
                await self._send(frames.strict_dumps([2, unique_id, action, payload]))
                answer = await asyncio.wait_for(future, self.response_timeout)
            finally:
                self._waiting = None
        if answer[0] == 4:
            details = answer[4] if len(answer) > 4 else {}
            raise ChargerError(
                str(answer[2])[:50],
                str(answer[3])[:500],
                details if isinstance(details, dict) else {},
            )
        result = answer[2]
        validation.validate_response(action, result)
        frames.check_values(action + "Response", result)
        return getattr(call_result, action)(**to_snake(result))

    # -- Core profile handlers (thin) ----------------------------------------

    @on(Action.boot_notification)
    async def on_boot_notification(
        self, charge_point_vendor, charge_point_model, **kwargs
    ):
        payload = {
            "charge_point_vendor": charge_point_vendor,
            "charge_point_model": charge_point_model,
        }
        payload.update(kwargs)
        if self.awaiting_approval is not None:
            status, interval = await self.awaiting_approval(self, payload)
            if status != RegistrationStatus.accepted:
                return call_result.BootNotification(
                    current_time=_utc_now(), interval=interval, status=status
                )
        interval = await self.service.boot(self.id, payload)
        return call_result.BootNotification(
            current_time=_utc_now(),
            interval=interval,
            status=RegistrationStatus.accepted,
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **kwargs):
        await self.service.heartbeat(self.id)
        return call_result.Heartbeat(current_time=_utc_now())

    @on(Action.status_notification)
    async def on_status_notification(self, connector_id, error_code, status, **kwargs):
        payload = {
            "connector_id": connector_id,
            "status": status,
            "error_code": error_code,
            "info": kwargs.get("info"),
            "vendor_id": kwargs.get("vendor_id"),
            "vendor_error_code": kwargs.get("vendor_error_code"),
            "timestamp": kwargs.get("timestamp"),
        }
        await self.service.status(self.id, payload)
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag, **kwargs):
        info = await self.service.authorize(self.id, id_tag)
        return call_result.Authorize(id_tag_info=info)

    @on(Action.start_transaction)
    async def on_start_transaction(
        self, connector_id, id_tag, meter_start, timestamp, **kwargs
    ):
        transaction_id, info = await self.service.start_transaction(
            self.id,
            connector_id,
            id_tag,
            meter_start,
            timestamp,
            kwargs.get("reservation_id"),
        )
        return call_result.StartTransaction(
            transaction_id=transaction_id, id_tag_info=info
        )

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id, meter_value, **kwargs):
        await self.service.meter_values(
            self.id, connector_id, meter_value, kwargs.get("transaction_id")
        )
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop_transaction(
        self, meter_stop, timestamp, transaction_id, **kwargs
    ):
        info = await self.service.stop_transaction(
            self.id,
            transaction_id,
            meter_stop,
            timestamp,
            kwargs.get("reason"),
            kwargs.get("id_tag"),
            kwargs.get("transaction_data"),
        )
        return call_result.StopTransaction(id_tag_info=info)

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id, **kwargs):
        status, data = await self.service.data_transfer(
            self.id, vendor_id, kwargs.get("message_id"), kwargs.get("data")
        )
        return call_result.DataTransfer(status=status, data=data)

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status_notification(self, status, **kwargs):
        await self.service.record(self.id, "diagnostics_status", {"status": status})
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    async def on_firmware_status_notification(self, status, **kwargs):
        await self.service.record(self.id, "firmware_status", {"status": status})
        return call_result.FirmwareStatusNotification()
