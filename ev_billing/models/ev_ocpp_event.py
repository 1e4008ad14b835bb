import logging
from datetime import datetime, timezone

from psycopg2 import IntegrityError
from werkzeug.exceptions import BadRequest

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

_logger = logging.getLogger(__name__)

EVENT_KINDS = [
    ("boot", "BootNotification"),
    ("heartbeat", "Heartbeat"),
    ("connection", "Connection"),
    ("status", "StatusNotification"),
    ("meter_values", "MeterValues"),
    ("start_transaction", "StartTransaction"),
    ("stop_transaction", "StopTransaction"),
    ("data_transfer", "DataTransfer"),
    ("diagnostics_status", "DiagnosticsStatusNotification"),
    ("firmware_status", "FirmwareStatusNotification"),
]
KIND_NAMES = dict(EVENT_KINDS)


def _malformed(event):
    return {
        "key": event.get("key") if isinstance(event, dict) else None,
        "status": "error",
        "error": "event needs a key and a known kind",
    }


class _EventRejected(Exception):
    """An event of the batch cannot apply: apply the batch event by event instead."""


class ConcurrentDelivery(Exception):
    """Another request holds the same event key: answer 409, the bridge retries."""


class EvOcppEvent(models.Model):
    """An event delivered by ev_ocpp_bridge, kept under its idempotency key.

    The key is derived by the bridge from the event's content, so a replay (bridge retry
    after a lost answer, charger replaying StartTransaction after a reconnect) finds the
    row and gets the first result again instead of being applied twice.
    """

    _name = "ev.ocpp.event"
    _description = "OCPP Event"
    _order = "id desc"
    _rec_name = "key"

    key = fields.Char(required=True, readonly=True)
    identity = fields.Char(required=True, readonly=True, index=True)
    kind = fields.Selection(EVENT_KINDS, required=True, readonly=True)
    charger_id = fields.Many2one("ev.charger", readonly=True, index=True)
    occurred_at = fields.Datetime(readonly=True)
    payload = fields.Json(readonly=True)
    result = fields.Json(readonly=True)
    state = fields.Selection(
        [("done", "Applied"), ("error", "Rejected")], readonly=True, required=True
    )
    error = fields.Char(readonly=True)

    _sql_constraints = [
        ("key_uniq", "unique(key)", "An OCPP event is applied once."),
    ]

    @api.constrains("key")
    def _check_key_unique(self):
        if self.env.context.get("ev_ocpp_key_checked"):
            # _ingest looked the key up already; the unique index stops concurrent
            # inserts
            return
        for event in self:
            if self.search_count([("key", "=", event.key), ("id", "!=", event.id)]):
                raise ValidationError(
                    _("OCPP event %s was already applied.", event.key)
                )

    # ------------------------------------------------------------------
    # Ingestion
    # ------------------------------------------------------------------

    @api.model
    def _ingest(self, events):
        """Apply a batch of bridge events in order; one result per event, same order.

        The batch is first applied in one go (one savepoint, one insert of the event
        rows). If any event fails, that is rolled back and the batch is applied again
        event by event, each in its own savepoint, so the failing one is recorded as
        rejected and the others apply. The list stops short when an event is being
        applied by a concurrent request: what came before it is applied (and committed),
        the caller answers 409 and the bridge retries.
        """
        try:
            with self.env.cr.savepoint():
                return self._ingest_at_once(events, *self._ingest_prefetch(events))
        except (
            _EventRejected,
            IntegrityError,
            UserError,
            ValidationError,
            KeyError,
            TypeError,
            ValueError,
        ) as error:
            _logger.debug("%s events applied one by one: %r", len(events), error)
        chargers, applied = self._ingest_prefetch(events)
        results = []
        for event in events:
            try:
                results.append(self._ingest_one(event, chargers, applied))
            except ConcurrentDelivery:
                break
        return results

    def _ingest_prefetch(self, events):
        """The batch's chargers (identity is unique; connectors prefetched) and the
        events already applied, each in one query instead of one per event."""
        events = [event for event in events if isinstance(event, dict)]
        Charger = self.env["ev.charger"].with_context(active_test=False)
        identities = {
            event["identity"]
            for event in events
            if isinstance(event.get("identity"), str)
        }
        found = (
            Charger.search([("identity", "in", list(identities))])
            if identities
            else Charger
        )
        chargers = dict.fromkeys(identities, Charger.browse())
        chargers.update((charger.identity, charger) for charger in found)
        keys = [event["key"] for event in events if isinstance(event.get("key"), str)]
        applied = (
            {event.key: event for event in self.search([("key", "in", keys)])}
            if keys
            else {}
        )
        self._ingest_prefetch_sessions(events, found)
        return chargers, applied

    def _ingest_prefetch_sessions(self, events, chargers):
        """Load the sessions the batch's meter values and status notifications
        touch into the cache in one query: each event still finds its session with
        its own (indexed, id-only) search, but no longer reads it row by row."""
        transaction_ids, connector_numbers = set(), set()
        for event in events:
            payload = event.get("payload")
            if not isinstance(payload, dict):
                continue
            if event.get("kind") == "meter_values":
                transaction_ids.add(payload.get("transaction_id"))
            elif event.get("kind") == "status":
                connector_numbers.add(payload.get("connector_id"))
        domains = []
        if transaction_ids := {t for t in transaction_ids if isinstance(t, int)}:
            domains.append(
                [
                    ("charger_id", "in", chargers.ids),
                    ("transaction_id", "in", list(transaction_ids)),
                ]
            )
        connectors = chargers.connector_ids.filtered(
            lambda connector: connector.connector_number in connector_numbers
        )
        if connectors:
            domains.append(
                [
                    ("connector_id", "in", connectors.ids),
                    ("state", "in", ("charging", "finishing")),
                ]
            )
        if domains and chargers:
            sessions = self.env["ev.session"].search(expression.OR(domains))
            sessions.mapped("stop_time")  # one fetch of their prefetched fields

    def _ingest_at_once(self, events, chargers, applied):
        """The fast path of _ingest(): raises on the first event that cannot apply."""
        results, rows, fresh = [], [], {}
        for event in events:
            key = self._event_key(event)
            if not key:
                results.append(_malformed(event))
                continue
            if key in applied:
                results.append(applied[key]._as_result(duplicate=True))
                continue
            if key in fresh:  # the same event twice in one batch
                results.append(dict(fresh[key], duplicate=True))
                continue
            charger = chargers.get(event.get("identity"))
            if not charger:
                raise _EventRejected(key)
            vals = self._event_vals(event, charger)
            data = self._apply(event["kind"], charger, vals) or {}
            rows.append(dict(vals, state="done", result=data))
            fresh[key] = {"key": key, "status": "ok", "duplicate": False, "data": data}
            results.append(fresh[key])
        self.with_context(ev_ocpp_key_checked=True).create(rows)
        return results

    @api.model
    def _event_key(self, event):
        """The event's key, or None when it is malformed (no key, unknown kind)."""
        if not isinstance(event, dict) or event.get("kind") not in KIND_NAMES:
            return None
        key = event.get("key")
        return key if isinstance(key, str) and key else None

    @api.model
    def _event_vals(self, event, charger):
        return {
            "key": event["key"],
            "identity": event.get("identity") or "?",
            "kind": event["kind"],
            "charger_id": charger.id,
            "occurred_at": _parse_time(event.get("occurred_at"))
            or fields.Datetime.now(),
            "payload": event.get("payload") or {},
        }

    def _apply(self, kind, charger, vals):
        return getattr(self, "_apply_" + kind)(
            charger, vals["payload"], vals["occurred_at"]
        )

    def _ingest_one(self, event, chargers, applied):
        """The careful path of _ingest(): one event in its own savepoint."""
        key = self._event_key(event)
        if not key:
            return _malformed(event)
        if applied.get(key):
            return applied[key]._as_result(duplicate=True)
        identity = event.get("identity")
        charger = chargers.get(identity) or self.env["ev.charger"]
        vals = self._event_vals(event, charger)
        try:
            with self.env.cr.savepoint():
                if not charger:
                    raise UserError(_("Unknown charger %s.", identity))
                data = self._apply(event["kind"], charger, vals) or {}
                record = self.with_context(ev_ocpp_key_checked=True).create(
                    dict(vals, state="done", result=data)
                )
        except IntegrityError:
            # The same key is being applied by a concurrent request, not yet visible to
            # us: stop here; the bridge retries the rest of the batch and then gets that
            # result.
            raise ConcurrentDelivery(key) from None
        except (UserError, ValidationError, KeyError, TypeError, ValueError) as e:
            message = e.args[0] if e.args else repr(e)
            _logger.warning(
                "OCPP event %s (%s from %s) rejected: %s",
                key,
                event["kind"],
                identity,
                message,
            )
            with self.env.cr.savepoint():
                record = self.with_context(ev_ocpp_key_checked=True).create(
                    dict(vals, state="error", error=str(message)[:500])
                )
        applied[key] = record
        return record._as_result(duplicate=False)

    def _as_result(self, duplicate):
        self.ensure_one()
        if self.state == "error":
            return {
                "key": self.key,
                "status": "error",
                "duplicate": duplicate,
                "error": self.error,
            }
        return {
            "key": self.key,
            "status": "ok",
            "duplicate": duplicate,
            "data": self.result or {},
        }

    # ------------------------------------------------------------------
    # One method per event kind
    # ------------------------------------------------------------------

    def _apply_boot(self, charger, payload, at):
        charger.write(
            {
                "vendor": payload.get("charge_point_vendor"),
                "model": payload.get("charge_point_model"),
                "serial_number": payload.get("charge_point_serial_number")
                or payload.get("charge_box_serial_number"),
                "firmware_version": payload.get("firmware_version"),
                "iccid": payload.get("iccid"),
                "imsi": payload.get("imsi"),
                "meter_type": payload.get("meter_type"),
                "meter_serial_number": payload.get("meter_serial_number"),
                "last_boot": at,
                "last_heartbeat": at,
                "online": True,
            }
        )
        return {"heartbeat_interval": charger.heartbeat_interval}

    def _apply_heartbeat(self, charger, payload, at):
        if not charger.last_heartbeat or at > charger.last_heartbeat:
            charger.write({"last_heartbeat": at, "online": True})

    def _apply_connection(self, charger, payload, at):
        charger.online = bool(payload["online"])

    def _apply_status(self, charger, payload, at):
        number = int(payload["connector_id"])
        status = payload["status"]
        if number == 0:  # the charge point as a whole
            if status in ("Unavailable", "Faulted"):
                charger.connector_ids._set_ocpp_status(
                    status,
                    payload.get("error_code"),
                    payload.get("info"),
                    payload.get("vendor_error_code"),
                    at,
                )
            return {}
        connector = charger._ocpp_connector(number)
        connector._set_ocpp_status(
            status,
            payload.get("error_code"),
            payload.get("info"),
            payload.get("vendor_error_code"),
            _parse_time(payload.get("timestamp")) or at,
        )
        sessions = self.env["ev.session"].search(
            [
                ("connector_id", "=", connector.id),
                ("state", "in", ("charging", "finishing")),
            ]
        )
        sessions._ocpp_connector_status(
            status, _parse_time(payload.get("timestamp")) or at
        )
        return {}

    def _apply_meter_values(self, charger, payload, at):
        transaction_id = payload.get("transaction_id")
        if transaction_id is None:
            return {}
        session = self._ocpp_session(charger, transaction_id)
        if not session:
            raise UserError(_("No session for transaction %s.", transaction_id))
        samples = _samples(payload.get("samples"))
        _note_substituted_time(session, samples)
        return {"stop": session._ocpp_meter_values(samples)}

    def _apply_start_transaction(self, charger, payload, at):
        connector = charger._ocpp_connector(int(payload["connector_id"]))
        session = self.env["ev.session"]._ocpp_start(
            charger,
            connector,
            payload.get("id_tag"),
            int(payload["meter_start"]),
            _parse_time(payload.get("timestamp")) or at,
            int(payload["transaction_id"]),
            payload.get("remote_request_id"),
        )
        ocpp_vals = {}
        if payload.get("id_tag_status") and not session.ocpp_id_tag_status:
            ocpp_vals["ocpp_id_tag_status"] = payload["id_tag_status"]
        if payload.get("timestamp_substituted"):
            ocpp_vals["ocpp_time_substituted"] = True
        if ocpp_vals:
            session.write(ocpp_vals)
        return {
            "session_id": session.id,
            "max_energy_wh": session.max_energy_wh or None,
        }

    def _apply_stop_transaction(self, charger, payload, at):
        transaction_id = int(payload["transaction_id"])
        stop_time = _parse_time(payload.get("timestamp")) or at
        session = self._ocpp_session(charger, transaction_id)
        if not session:
            # StartTransaction never reached us (or a −1 leftover): keep what we know,
            # for review.
            session = self.env["ev.session"].create(
                {
                    "transaction_id": transaction_id,
                    "charger_id": charger.id,
                    "station_id": charger.station_id.id,
                    "company_id": charger.company_id.id,
                    "id_tag": payload.get("id_tag"),
                    "start_time": stop_time,
                    "state": "charging",
                }
            )
            session._ocpp_stop(
                int(payload["meter_stop"]),
                stop_time,
                payload.get("reason"),
                _samples(payload.get("samples")),
            )
            session._ev_hold_for_review(
                _("StopTransaction for a transaction Odoo never saw start.")
            )
        else:
            samples = _samples(payload.get("samples"))
            _note_substituted_time(session, samples)
            if payload.get("timestamp_substituted") and not session.stop_time:
                session.ocpp_time_substituted = True
            session._ocpp_stop(
                int(payload["meter_stop"]), stop_time, payload.get("reason"), samples
            )
        return {"session_id": session.id}

    def _apply_data_transfer(self, charger, payload, at):
        charger.message_post(
            body=_(
                "DataTransfer from %(vendor)s (%(message)s): %(data)s",
                vendor=payload.get("vendor_id"),
                message=payload.get("message_id") or "-",
                data=payload.get("data") or "",
            )
        )

    def _apply_diagnostics_status(self, charger, payload, at):
        charger.diagnostics_status = payload.get("status")

    def _apply_firmware_status(self, charger, payload, at):
        charger.firmware_status = payload.get("status")

    def _ocpp_session(self, charger, transaction_id):
        # An id handed out again by a bridge that lost its store: the open session, else
        # the newest.
        sessions = self.env["ev.session"].search(
            [
                ("charger_id", "=", charger.id),
                ("transaction_id", "=", int(transaction_id)),
            ],
            order="start_time desc, id desc",
        )
        return (
            sessions.filtered(lambda session: not session.stop_time)[:1] or sessions[:1]
        )

    @api.autovacuum
    def _gc_old_events(self):
        """Keys must outlive any replay: keep 90 days, far longer than a charger's
        offline queue."""
        self.search(
            [
                (
                    "create_date",
                    "<",
                    fields.Datetime.subtract(fields.Datetime.now(), days=90),
                ),
                ("kind", "in", ("heartbeat", "connection", "status", "meter_values")),
            ]
        ).unlink()


def _parse_time(value):
    """ISO 8601 from the bridge ('2026-11-25T01:02:03Z' or with an offset) → naive
    UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        # The bridge sends UTC ISO 8601 only: anything else is the sender's fault.
        raise BadRequest(f"Unreadable time {value!r}: ISO 8601 expected.") from error
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def _note_substituted_time(session, samples):
    """A meter time the bridge could not read and replaced (docs/bridge-protocol.md,
    Timestamps) puts the session's energy split in doubt: it is reviewed at the
    stop."""
    if any(sample.get("timestamp_substituted") for sample in samples):
        session.ocpp_time_substituted = True


def _samples(samples):
    """Meter samples from the bridge, with their timestamps in Odoo's format so they
    sort as times."""
    return [
        dict(s, timestamp=fields.Datetime.to_string(_parse_time(s["timestamp"])))
        for s in (samples or [])
        if isinstance(s, dict) and s.get("timestamp")
    ]
