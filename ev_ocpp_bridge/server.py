"""The websocket server: handshake auth, the registry of connected chargers,
and the Bridge object that wires every concern together.

Shape follows mobilityhouse/ocpp ``examples/v21/central_system.py``: a
one-argument connect handler, ``websocket.request.path``/``headers``, a
subprotocol check and ``await cp.start()``.
"""

import asyncio
import base64
import binascii
import http
import logging
import ssl
from urllib.parse import unquote, urlsplit

import websockets
from websockets.asyncio.server import serve

from .authorization import CredentialCache, IdTagAuthorizer
from .charge_point import ChargePoint
from .odoo_client import OdooClient, OdooUnavailable
from .outbox import Delivery, Outbox
from .unknown import UnknownChargers

_logger = logging.getLogger(__name__)

SUBPROTOCOL = "ocpp1.6"
PATH_PREFIX = "/ocpp/"
HANDSHAKE_TIMEOUT = (
    30.0  # seconds from TCP accept to the upgrade, credential check included
)


def parse_basic_auth(header):
    """``Basic base64(user:password)`` -> (user, password) or (None, None)."""
    if not header or header[:6].lower() != "basic ":
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None, None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None, None
    return user, password


def _host(remote_address):
    if isinstance(remote_address, (tuple, list)) and remote_address:
        return str(remote_address[0])
    return str(remote_address or "")


def identity_from_path(path):
    path = urlsplit(path).path
    if not path.startswith(PATH_PREFIX):
        return None
    identity = unquote(path[len(PATH_PREFIX) :])
    if not identity or "/" in identity or len(identity) > 64:
        return None
    return identity


class Bridge:
    """One bridge instance. Holds no state that assumes it is the only one:
    connected chargers are in ``self.chargers`` (this instance only) and the
    command router finds other instances' chargers (see router.py)."""

    def __init__(self, config, odoo=None):
        from .router import make_router
        from .service import ChargingService

        self.config = config
        self.odoo = odoo or OdooClient(config)
        self.outbox = Outbox(
            config.outbox_path,
            config.outbox_synchronous,
            config.instance_id,
            config.transaction_id_stride,
        )
        self.credentials = CredentialCache(
            self.odoo,
            self.outbox,
            config.credentials_cache_seconds,
            config.credentials_concurrency,
            config.credentials_stale_wait,
            max(1.0, HANDSHAKE_TIMEOUT - config.credentials_timeout - 2.0),
            config.credentials_max_stale_seconds,
            on_revoked=self._credentials_revoked,
        )
        self.authorizer = IdTagAuthorizer(
            self.odoo,
            self.outbox,
            config.auth_offline_policy,
            config.auth_cache_seconds,
            config.auth_cache_size,
        )
        self.unknown = UnknownChargers(self.odoo, config.unknown_report_seconds)
        self.service = ChargingService(self)
        self.delivery = Delivery(
            self.outbox,
            self.odoo.post_events,
            self.service.on_event_result,
            config.outbox_batch_size,
            config.retry_min,
            config.retry_max,
        )
        self.router = make_router(self)
        self.chargers = {}  # identity -> ChargePoint connected to THIS instance
        self.pending = {}  # identity -> ChargePoint of an unknown charger, Pending
        self._ws_server = None
        self._command_runner = None
        self._flusher = None
        self._connection_tasks = set()
        self._tasks = set()  # fire-and-forget work, referenced until done
        self.ocpp_port = None
        self.command_port = None

    # -- lifecycle -------------------------------------------------------------

    async def start(self):
        from .commands import start_command_api

        await self.outbox.open()
        await self.credentials.load()
        await self.service.load()
        await self.odoo.open()
        self.delivery.start()
        self.unknown.start()
        self._flusher = asyncio.create_task(
            self._flush_meter_loop(), name="meter-flush"
        )
        ssl_context = None
        if self.config.tls:
            ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_context.load_cert_chain(self.config.tls_cert, self.config.tls_key)
        self._ws_server = await serve(
            self.on_connect,
            self.config.ocpp_host,
            self.config.ocpp_port,
            subprotocols=[SUBPROTOCOL],
            process_request=self.handshake,
            compression=None,
            ping_interval=self.config.ping_interval or None,
            ping_timeout=self.config.ping_interval or None,
            max_size=self.config.max_message_bytes,
            max_queue=4,
            ssl=ssl_context,
            server_header=None,
            open_timeout=HANDSHAKE_TIMEOUT,
            backlog=self.config.listen_backlog,
        )
        self.ocpp_port = self._ws_server.sockets[0].getsockname()[1]
        self._command_runner, self.command_port = await start_command_api(self)
        await self.router.start()
        _logger.info(
            "event=bridge_started ocpp=%s://%s:%s/ocpp/<identity> "
            "commands=http://%s:%s instance=%s outbox=%s",
            "wss" if ssl_context else "ws",
            self.config.ocpp_host,
            self.ocpp_port,
            self.config.command_host,
            self.command_port,
            self.config.instance_id,
            self.config.outbox_path,
        )

    async def stop(self):
        """Graceful: stop accepting, close chargers (1001 going away), flush
        staged meter samples, give delivery a last chance, close the store."""
        _logger.info("event=bridge_stopping chargers=%s", len(self.chargers))
        await self.router.stop()
        if self._ws_server is not None:
            self._ws_server.close()
            try:
                await asyncio.wait_for(self._ws_server.wait_closed(), timeout=10)
            except asyncio.TimeoutError:
                _logger.warning("event=close_timeout")
        if self._connection_tasks:
            await asyncio.wait(self._connection_tasks, timeout=5)
        if self._command_runner is not None:
            await self._command_runner.cleanup()
        if self._flusher is not None:
            self._flusher.cancel()
        await self.unknown.stop()
        for task in list(self._tasks):
            task.cancel()
        await self.service.close()
        await self.credentials.close()
        await self.outbox.flush_samples()
        try:
            await asyncio.wait_for(self.delivery.deliver_once(), timeout=3)
        except Exception as error:  # noqa: BLE001 — it stays in the outbox for next start
            _logger.info("event=final_delivery_skipped error=%r", error)
        await self.delivery.stop()
        await self.odoo.close()
        await self.outbox.close()
        _logger.info("event=bridge_stopped")

    def spawn(self, coro, name=None):
        """Run ``coro`` in the background, keeping a reference until it ends."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _flush_meter_loop(self):
        while True:
            await asyncio.sleep(self.config.meter_flush_seconds)
            try:
                await self.outbox.flush_samples()
            except Exception:
                _logger.exception("event=meter_flush_failed")

    # -- websocket -------------------------------------------------------------

    async def handshake(self, connection, request):
        """Refuse unknown chargers (404) and bad passwords (401) before the upgrade."""
        identity = identity_from_path(request.path)
        if identity is None:
            return connection.respond(
                http.HTTPStatus.NOT_FOUND, "Use ws://host:port/ocpp/<identity>\n"
            )
        user, password = parse_basic_auth(request.headers.get("Authorization"))
        if user is not None and user != identity:
            return self._unauthorized(connection, identity, "user_mismatch")
        try:
            answer = await self.credentials.check(identity, password)
        except OdooUnavailable as error:
            _logger.warning(
                "event=handshake_unavailable identity=%s error=%s", identity, error
            )
            return connection.respond(
                http.HTTPStatus.SERVICE_UNAVAILABLE, "Try again later\n"
            )
        if not answer.get("known"):
            self.unknown.attempt(identity, _host(connection.remote_address))
            if (
                self.config.unknown_chargers == "pending"
                and identity not in self.chargers
                and len(self.pending) < self.config.unknown_chargers_max_pending
            ):
                # let it boot; BootNotification answers Pending until it is registered
                _logger.info("event=handshake_pending identity=%s", identity)
                connection.ev_identity = identity
                connection.ev_pending_password = password
                return None
            _logger.info("event=handshake_refused identity=%s reason=unknown", identity)
            return connection.respond(http.HTTPStatus.NOT_FOUND, "Unknown charger\n")
        if not answer.get("accepted"):
            return self._unauthorized(
                connection,
                identity,
                "bad_password" if password else "password_required",
            )
        connection.ev_identity = identity
        connection.ev_credential = self.credentials.digest(identity, password)
        return None

    def _credentials_revoked(self, identity, digest):
        """Odoo refused a charger it had accepted before (password changed, charger
        removed) at a re-check that finished after the charger was let in."""
        cp = self.chargers.get(identity)
        if cp is None:
            return
        if (
            digest is not None
            and getattr(cp.connection, "ev_credential", None) != digest
        ):
            return
        _logger.warning("event=charger_disconnected_revoked identity=%s", identity)
        self.spawn(cp.close(1008, "credentials no longer accepted"))

    @staticmethod
    def _unauthorized(connection, identity, reason):
        _logger.info("event=handshake_refused identity=%s reason=%s", identity, reason)
        response = connection.respond(http.HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
        response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
        return response

    async def on_connect(self, websocket):
        task = asyncio.current_task()
        self._connection_tasks.add(task)
        try:
            await self._serve_charger(websocket)
        finally:
            self._connection_tasks.discard(task)

    async def _serve_charger(self, websocket):
        identity = getattr(websocket, "ev_identity", None) or identity_from_path(
            websocket.request.path
        )
        requested = websocket.request.headers.get("Sec-WebSocket-Protocol")
        if websocket.subprotocol != SUBPROTOCOL:
            _logger.warning(
                "event=subprotocol_refused identity=%s requested=%s",
                identity,
                requested,
            )
            return await websocket.close(1002, "ocpp1.6 subprotocol required")
        digest = getattr(websocket, "ev_credential", None)
        if digest is not None and not self.credentials.admits(identity, digest):
            # let in on a cached answer, and Odoo refused at the re-check
            # in the meantime
            _logger.warning("event=charger_disconnected_revoked identity=%s", identity)
            return await websocket.close(1008, "credentials no longer accepted")
        cp = ChargePoint(
            identity,
            websocket,
            self.service,
            response_timeout=self.config.command_timeout,
        )
        if hasattr(websocket, "ev_pending_password"):
            return await self._serve_pending(cp)
        await self._serve_registered(cp)

    async def _serve_registered(self, cp):
        identity = cp.id
        websocket = cp.connection
        previous = self.chargers.get(identity)
        self.chargers[identity] = cp
        if previous is not None:
            _logger.info("event=charger_replaced identity=%s", identity)
            self.spawn(previous.close(1000, "replaced by a new connection"))
        await self.router.register(identity)
        _logger.info(
            "event=charger_connected identity=%s remote=%s",
            identity,
            websocket.remote_address,
        )
        try:
            await self.service.connection(identity, True)
            await cp.start()
        except websockets.ConnectionClosed as closed:
            _logger.info(
                "event=charger_disconnected identity=%s code=%s",
                identity,
                closed.rcvd.code if closed.rcvd else None,
            )
        except Exception:
            _logger.exception("event=charger_failed identity=%s", identity)
        finally:
            if self.chargers.get(identity) is cp:
                await self._charger_gone(cp)

    async def _charger_gone(self, cp):
        identity = cp.id
        del self.chargers[identity]
        await self.router.unregister(identity)
        self.service.forget(identity)
        try:
            await self.service.connection(identity, False)
        except Exception:  # noqa: BLE001 — outbox closed during shutdown
            _logger.warning("event=offline_not_recorded identity=%s", identity)

    # -- unknown chargers waiting for approval (UNKNOWN_CHARGERS=pending) --------

    async def _serve_pending(self, cp):
        """An unknown charger, let in to boot: every BootNotification is reported
        to Odoo and answered Pending until Odoo knows the identity; then the
        connection carries on as a registered charger's."""
        identity = cp.id
        if identity in self.pending:
            self.spawn(self.pending[identity].close(1000, "replaced"))
        self.pending[identity] = cp
        cp.awaiting_approval = self._approval
        try:
            await cp.start()
        except websockets.ConnectionClosed:
            pass
        except Exception:
            _logger.exception("event=charger_failed identity=%s", identity)
        finally:
            if self.pending.get(identity) is cp:
                del self.pending[identity]
        if cp.awaiting_approval is None and self.chargers.get(identity) is cp:
            await self._charger_gone(cp)

    async def _approval(self, cp, boot):
        """BootNotification of a pending charger -> (status, interval)."""
        password = cp.connection.ev_pending_password
        interval = self.config.heartbeat_interval
        try:
            answer = await self.credentials.check(cp.id, password)
        except OdooUnavailable:
            return "Pending", interval
        if not answer.get("known"):
            self.unknown.attempt(cp.id, _host(cp.connection.remote_address), boot)
            return "Pending", interval
        if not answer.get("accepted"):
            # registered meanwhile, with a password this connection did not give
            _logger.info("event=pending_rejected identity=%s", cp.id)
            self.spawn(self._close_soon(cp, 1008, "password required"))
            return "Rejected", interval
        _logger.info("event=pending_approved identity=%s", cp.id)
        cp.awaiting_approval = None
        cp.connection.ev_credential = self.credentials.digest(cp.id, password)
        if self.pending.get(cp.id) is cp:
            del self.pending[cp.id]
        previous = self.chargers.get(cp.id)
        self.chargers[cp.id] = cp
        if previous is not None:
            self.spawn(previous.close(1000, "replaced by a new connection"))
        await self.router.register(cp.id)
        await self.service.connection(cp.id, True)
        return "Accepted", interval

    async def _close_soon(self, cp, code, reason):
        await asyncio.sleep(0.5)  # the answer goes out first
        await cp.close(code, reason)

    # -- commands --------------------------------------------------------------

    async def remote_stop(self, identity, transaction_id):
        from .commands import CommandError

        try:
            answer = await self.router.send_command(
                identity, "remote_stop_transaction", {"transaction_id": transaction_id}
            )
        except CommandError as error:
            _logger.warning(
                "event=remote_stop_failed identity=%s transaction_id=%s status=%s",
                identity,
                transaction_id,
                error.status,
            )
            return None
        return answer.get("status")
