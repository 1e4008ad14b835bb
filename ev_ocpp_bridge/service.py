"""Charging business handling behind the thin OCPP handlers.

Everything here answers from local state and the outbox; only the idTag checks
ask Odoo (short timeout). It also owns the buy-kWh auto-stop.
"""

import asyncio
import dataclasses
import hashlib
import logging
import time

from ocpp.v16.enums import DataTransferStatus

from . import meter, timestamps, vendors
from .outbox import make_event, utc_now

_logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 60.0  # at most one heartbeat event per charger per minute


@dataclasses.dataclass
class TransactionState:
    """What the bridge needs to stop a transaction at its energy limit."""

    transaction_id: int
    identity: str
    connector_id: int
    meter_start: float
    max_energy_wh: float = None
    last_energy_wh: float = None
    last_power_w: float = None
    last_seen: float = None
    interval_s: float = None
    stop_requested: bool = False

    @property
    def delivered_wh(self):
        if self.last_energy_wh is None or self.meter_start is None:
            return 0.0
        return self.last_energy_wh - self.meter_start


@dataclasses.dataclass
class PendingRemoteStart:
    remote_request_id: str = None
    max_energy_wh: float = None
    expires: float = 0.0


class ChargingService:
    def __init__(self, bridge):
        self.bridge = bridge
        self.config = bridge.config
        self.outbox = bridge.outbox
        self.authorizer = bridge.authorizer
        self.transactions = {}  # transaction_id -> TransactionState
        self.pending_remote = {}  # (identity, connector_id or 0) -> PendingRemoteStart
        self.vendors = {}  # identity -> vendor (for quirks)
        # identity -> monotonic time of the last queued heartbeat
        self._last_heartbeat = {}
        self._tasks = set()

    async def load(self):
        for (
            transaction_id,
            identity,
            connector_id,
            meter_start,
            max_energy_wh,
        ) in await self.outbox.active_transactions():
            self.transactions[transaction_id] = TransactionState(
                transaction_id, identity, connector_id, meter_start, max_energy_wh
            )
        await self.authorizer.load()

    # -- events without a reply from Odoo ---------------------------------

    async def record(self, identity, kind, payload):
        await self.outbox.enqueue(make_event(identity, kind, payload, utc_now()))

    async def connection(self, identity, online):
        await self.record(identity, "connection", {"online": online})

    async def boot(self, identity, payload):
        self.vendors[identity] = payload.get("charge_point_vendor")
        await self.record(identity, "boot", payload)
        return self.bridge.credentials.heartbeat_interval(
            identity, self.config.heartbeat_interval
        )

    async def status(self, identity, payload):
        """StatusNotification: its optional timestamp is normalised; one that cannot
        be read is dropped (Odoo then uses the receive time, as for a charger that
        sends none) and flagged."""
        if payload.get("timestamp") is not None:
            stamp, flags = timestamps.resolve(payload["timestamp"])
            if flags:
                payload = dict(payload, timestamp=None, **flags)
            else:
                payload = dict(payload, timestamp=stamp)
        await self.record(identity, "status", payload)

    async def data_transfer(self, identity, vendor_id, message_id, data):
        """``(status, data)`` from the vendor's handler; UnknownVendorId without one."""
        handler = vendors.handler_for(vendor_id, self.config.forwarded_vendors)
        if handler is None:
            _logger.info(
                "event=data_transfer_unknown_vendor identity=%s vendor_id=%.255s "
                "message_id=%.50s",
                identity,
                vendor_id,
                message_id,
            )
            return DataTransferStatus.unknown_vendor_id, None
        return await handler(self, identity, vendor_id, message_id, data)

    async def heartbeat(self, identity):
        now = time.monotonic()
        last = self._last_heartbeat.get(identity)
        if last is None or now - last >= HEARTBEAT_EVERY:
            self._last_heartbeat[identity] = now
            await self.record(identity, "heartbeat", {})

    def forget(self, identity):
        self._last_heartbeat.pop(identity, None)

    # -- authorization -------------------------------------------------------

    async def authorize(self, identity, id_tag, connector_id=None):
        info, _max_energy_wh, _online = await self.authorizer.authorize(
            identity, id_tag, connector_id
        )
        return info

    # -- transactions ----------------------------------------------------------

    def remember_remote_start(
        self, identity, connector_id, remote_request_id, max_energy_wh
    ):
        self.pending_remote[(identity, connector_id or 0)] = PendingRemoteStart(
            remote_request_id, max_energy_wh, time.monotonic() + 600
        )

    def forget_remote_start(self, identity, connector_id):
        self.pending_remote.pop((identity, connector_id or 0), None)

    def _take_remote_start(self, identity, connector_id):
        now = time.monotonic()
        for key in ((identity, connector_id), (identity, 0)):
            pending = self.pending_remote.get(key)
            if pending is not None:
                del self.pending_remote[key]
                if pending.expires >= now:
                    return pending
        return None

    async def start_transaction(
        self,
        identity,
        connector_id,
        id_tag,
        meter_start,
        timestamp,
        reservation_id=None,
    ):
        """Returns ``(transaction_id, id_tag_info)``; a replay gets the same id.

        A start time that cannot be read is replaced by the receive time and
        flagged (Odoo holds the session for review); the replay check keeps using
        the text the charger sent."""
        received_at = utc_now()
        start_time, time_flags = timestamps.resolve(timestamp, received_at)
        start_hash = hashlib.sha256(
            (
                "%s|%s|%s|%s|%s"
                % (identity, connector_id, id_tag, meter_start, timestamp)
            ).encode("utf-8")
        ).hexdigest()
        info, max_energy_wh, _online = await self.authorizer.authorize(
            identity, id_tag, connector_id
        )
        pending = self._take_remote_start(identity, connector_id)
        remote_request_id = None
        if pending is not None:
            remote_request_id = pending.remote_request_id
            max_energy_wh = _smaller(max_energy_wh, pending.max_energy_wh)
        fields = {
            "connector_id": connector_id,
            "id_tag": id_tag,
            "meter_start": meter_start,
            "timestamp": start_time,
            "reservation_id": reservation_id,
            "id_tag_info": info,
            "max_energy_wh": max_energy_wh,
            "remote_request_id": remote_request_id,
            "time_flags": time_flags,
        }
        transaction_id, stored, replayed = await self.outbox.start_transaction(
            identity, start_hash, fields, received_at
        )
        if replayed:
            _logger.info(
                "event=start_replayed identity=%s transaction_id=%s",
                identity,
                transaction_id,
            )
            if (
                pending is not None
            ):  # the remote start was not for this (replayed) transaction
                self.pending_remote[(identity, connector_id)] = pending
            info = stored["id_tag_info"] or info
        else:
            _logger.info(
                "event=transaction_started identity=%s transaction_id=%s "
                "connector_id=%s max_energy_wh=%s",
                identity,
                transaction_id,
                connector_id,
                max_energy_wh,
            )
        if (
            transaction_id not in self.transactions
            and stored.get("state", "active") == "active"
        ):
            self.transactions[transaction_id] = TransactionState(
                transaction_id,
                identity,
                connector_id,
                meter_start,
                stored.get("max_energy_wh"),
            )
        return transaction_id, info

    async def meter_values(
        self, identity, connector_id, meter_value, transaction_id=None
    ):
        samples = meter.normalise(meter_value, self.vendors.get(identity), utc_now())
        await self.outbox.stage_samples(identity, transaction_id, connector_id, samples)
        state = self.transactions.get(transaction_id)
        if state is not None and state.identity == identity:
            self._observe(state, samples)

    async def stop_transaction(
        self,
        identity,
        transaction_id,
        meter_stop,
        timestamp,
        reason=None,
        id_tag=None,
        transaction_data=None,
    ):
        received_at = utc_now()
        stop_time, time_flags = timestamps.resolve(timestamp, received_at)
        samples = (
            meter.normalise(transaction_data, self.vendors.get(identity), received_at)
            if transaction_data
            else []
        )
        payload = {
            "transaction_id": transaction_id,
            "meter_stop": meter_stop,
            "timestamp": stop_time,
            "reason": reason,
            "id_tag": id_tag,
            "samples": samples,
            **time_flags,
        }
        is_new = await self.outbox.stop_transaction(identity, payload, received_at)
        state = self.transactions.get(transaction_id)
        if state is not None and state.identity == identity:
            del self.transactions[transaction_id]
        _logger.info(
            "event=transaction_stopped identity=%s transaction_id=%s meter_stop=%s "
            "reason=%s new=%s",
            identity,
            transaction_id,
            meter_stop,
            reason,
            is_new,
        )
        if not id_tag:
            return None
        # Chargers update their authorization cache from this answer: the real
        # status, from Odoo within AUTHORIZE_TIMEOUT, else the offline policy.
        info, _max_energy_wh, _online = await self.authorizer.authorize(
            identity, id_tag
        )
        return info

    # -- buy X kWh -------------------------------------------------------------

    def _observe(self, state, samples):
        now = time.monotonic()
        for sample in samples:
            if sample["energy_wh"] is not None:
                state.last_energy_wh = sample["energy_wh"]
            if sample["power_w"] is not None:
                state.last_power_w = sample["power_w"]
        if state.last_seen is not None:
            state.interval_s = now - state.last_seen
        state.last_seen = now
        self.check_limit(state)

    def margin_wh(self, state):
        """Stop a little early: the charger keeps charging for up to one
        meter interval after the sample we act on."""
        lag_wh = 0.0
        if state.last_power_w and state.interval_s:
            lag_wh = (
                self.config.autostop_margin_factor
                * max(state.last_power_w, 0.0)
                * state.interval_s
                / 3600.0
            )
        return max(self.config.autostop_margin_wh, lag_wh)

    def check_limit(self, state):
        if (
            state.max_energy_wh is None
            or state.stop_requested
            or state.last_energy_wh is None
        ):
            return
        if state.delivered_wh + self.margin_wh(state) >= state.max_energy_wh:
            self.request_stop(
                state.identity, state.transaction_id, "max_energy_reached"
            )

    def request_stop(self, identity, transaction_id, why):
        state = self.transactions.get(transaction_id)
        if state is not None:
            if state.stop_requested:
                return
            state.stop_requested = True
        task = asyncio.create_task(self._remote_stop(identity, transaction_id, why))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _remote_stop(self, identity, transaction_id, why):
        _logger.info(
            "event=auto_stop identity=%s transaction_id=%s why=%s",
            identity,
            transaction_id,
            why,
        )
        status = None
        try:
            status = await self.bridge.remote_stop(identity, transaction_id)
        except Exception as error:  # noqa: BLE001
            _logger.warning(
                "event=auto_stop_failed identity=%s transaction_id=%s error=%r",
                identity,
                transaction_id,
                error,
            )
        if status != "Accepted":
            state = self.transactions.get(transaction_id)
            if state is not None:
                state.stop_requested = False  # try again on the next meter value

    def on_event_result(self, event, result):
        """Odoo's ``data`` for a delivered event."""
        data = result.get("data") or {}
        kind = event["kind"]
        if kind == "start_transaction":
            transaction_id = event["payload"]["transaction_id"]
            state = self.transactions.get(transaction_id)
            max_energy_wh = data.get("max_energy_wh")
            session_id = data.get("session_id")
            if state is not None and max_energy_wh is not None:
                state.max_energy_wh = _smaller(
                    state.max_energy_wh, float(max_energy_wh)
                )
                self.check_limit(state)
            if session_id is not None or max_energy_wh is not None:
                task = asyncio.ensure_future(
                    self.outbox.update_transaction(
                        transaction_id,
                        session_id,
                        state.max_energy_wh if state else max_energy_wh,
                    )
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        elif kind == "meter_values" and data.get("stop"):
            transaction_id = event["payload"].get("transaction_id")
            if transaction_id is not None and transaction_id in self.transactions:
                self.request_stop(
                    event["identity"], transaction_id, "odoo_requested_stop"
                )

    async def close(self):
        for task in list(self._tasks):
            task.cancel()


def _smaller(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
