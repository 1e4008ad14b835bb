import logging
import random
import threading
import time

from psycopg2 import errors as pgerrors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# ir.config_parameter: "batch" (default) bills closed sessions in the billing cron;
# "per_session" bills each one inside the request that closed it, as before batch
# billing (kept for the comparison in bench/odoo).
BILLING_MODE_PARAM = "ev_billing.billing_mode"
BATCH_SIZE_PARAM = "ev_billing.billing_batch_size"
DEFAULT_BATCH_SIZE = 50
# Another transaction bills the same station or driver: roll back, retry on fresh data.
CONCURRENCY_ERRORS = (
    pgerrors.SerializationFailure,
    pgerrors.LockNotAvailable,
    pgerrors.DeadlockDetected,
)


class EvSession(models.Model):
    """Billing queue: closing a session prices it and queues it; the billing cron
    bills the queue in batches, outside the charger's event request."""

    _inherit = "ev.session"

    billing_state = fields.Selection(
        [("to_bill", "To Bill"), ("billed", "Billed"), ("failed", "Billing Failed")],
        readonly=True,
        copy=False,
        help="To Bill: closed and priced, waiting for the billing cron (seconds). "
        "Billed: invoiced and paid from the wallet (or nothing to bill). Billing "
        "Failed: held for review with the reason.",
    )

    def init(self):
        # The queue: a small partial index, whatever the number of billed sessions.
        self.env.cr.execute(
            SQL("""
            CREATE INDEX IF NOT EXISTS ev_session_to_bill_idx
                ON ev_session (id) WHERE billing_state = 'to_bill'
        """)
        )

    # ------------------------------------------------------------------
    # Queue
    # ------------------------------------------------------------------

    def _ev_enqueue_billing(self):
        """Last step of closing: queue the sessions for the billing cron and wake it.
        In ``per_session`` mode, bill each one here instead (the old path)."""
        if not self:
            return
        mode = self.env["ir.config_parameter"].sudo().get_param(BILLING_MODE_PARAM)
        if mode == "per_session":
            Ledger = self.env["ev.wallet.transaction"]
            started, queries = time.perf_counter(), self.env.cr.sql_log_count
            for session in self:
                try:
                    with self.env.cr.savepoint():
                        Ledger._ev_bill_sessions_one_by_one(session)
                except UserError as error:
                    session._ev_billing_failed(error.args[0])
            _logger.debug(
                "billed %s sessions one by one: %s queries in %.3f s",
                len(self),
                self.env.cr.sql_log_count - queries,
                time.perf_counter() - started,
            )
            return
        self.write({"billing_state": "to_bill"})
        data = self.env.cr.precommit.data
        if not data.get("ev_billing_triggered"):
            data["ev_billing_triggered"] = True
            self.env.ref("ev_billing.ir_cron_ev_bill_sessions").sudo()._trigger()

    def _ev_billing_failed(self, reason):
        self.write({"billing_state": "failed"})
        self._ev_hold_for_review(_("Billing failed: %s", reason))

    def _ev_billed_hooks(self):
        """Every session just billed: release its wallet hold (issue 8, when
        installed by the money work) and call ``_ev_on_billed`` once."""
        if not self:
            return
        if hasattr(type(self), "_ev_hold_release"):
            self._ev_hold_release()
        self._ev_on_billed()

    @api.model
    def _ev_take_billing_batch(self, limit):
        """Lock up to ``limit`` queued sessions that no other transaction is billing
        (``SKIP LOCKED``: parallel billing transactions take different sessions)."""
        self.flush_model(["billing_state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM ev_session
                 WHERE billing_state = 'to_bill'
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                limit,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _ev_bill_queue(self, limit=None):
        """Bill one batch of the queue in the current transaction; returns the
        sessions taken (empty when the queue is empty or all of it is being billed
        elsewhere)."""
        limit = limit or int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(BATCH_SIZE_PARAM, DEFAULT_BATCH_SIZE)
        )
        sessions = self._ev_take_billing_batch(limit)
        if sessions:
            sessions._ev_bill_in_batch()
        return sessions

    def _ev_bill_in_batch(self):
        """Bill these sessions in one batch. When the batch fails, its halves are
        billed apart (and so on): the sessions that fail alone go to review with the
        reason, the others are billed, still in batches."""
        if not _logger.isEnabledFor(logging.DEBUG):
            self._ev_bill_or_split()
            return
        # the benchmark's figures: queries, wall time and, of it, time in SQL
        thread = threading.current_thread()
        if not hasattr(thread, "query_count"):  # Odoo counts them in requests only
            thread.query_count, thread.query_time = 0, 0.0
        started, queries = time.perf_counter(), self.env.cr.sql_log_count
        sql_started = thread.query_time
        self._ev_bill_or_split()
        _logger.debug(
            "billed %s sessions: %s queries in %.3f s (SQL %.3f s)",
            len(self),
            self.env.cr.sql_log_count - queries,
            time.perf_counter() - started,
            thread.query_time - sql_started,
        )

    def _ev_bill_or_split(self):
        try:
            with self.env.cr.savepoint():
                self.env["ev.wallet.transaction"]._ev_bill_sessions(self)
        except CONCURRENCY_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 — find the session(s) that fail
            if len(self) > 1:
                _logger.info(
                    "Billing %s sessions together failed (%s): splitting",
                    len(self),
                    error,
                )
                half = len(self) // 2
                self[:half]._ev_bill_or_split()
                self[half:]._ev_bill_or_split()
                return
            if not isinstance(error, UserError):
                _logger.exception("Billing %s failed", self.display_name)
            self._ev_billing_failed(
                error.args[0] if isinstance(error, UserError) else repr(error)
            )

    @api.model
    def _cron_bill_sessions(self, max_seconds=240):
        """The billing cron: bill the queue batch after batch, one transaction (and
        commit) per batch, until it is empty. Triggered as soon as a session is
        queued; several lanes (cron records) bill in parallel. A batch that meets
        another billing transaction on the same station's numbering or driver's
        wallet is rolled back and retried on fresh data."""
        deadline = time.monotonic() + max_seconds
        conflicts = 0
        lanes_woken = False
        while time.monotonic() < deadline:
            try:
                sessions = self._ev_bill_queue()
                if not sessions:
                    break
                if not lanes_woken:
                    lanes_woken = True
                    self._ev_wake_billing_lanes()
                # One transaction per batch: a billed batch is final (its invoices,
                # numbers and ledger lines) whatever happens to the next one.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                # the next batch starts with an empty cache: a run lasts up to
                # max_seconds, and the records of every batch billed would stay in it
                self.env.invalidate_all()
                conflicts = 0
            except CONCURRENCY_ERRORS as error:
                self.env.cr.rollback()
                self.env.invalidate_all()
                conflicts += 1
                if conflicts > 50:
                    _logger.info("Billing postponed after %s conflicts: %s", 50, error)
                    self.env.ref("ev_billing.ir_cron_ev_bill_sessions").sudo()._trigger(
                        fields.Datetime.now()
                    )
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                    break
                time.sleep(random.uniform(0.005, 0.02) * min(conflicts, 10))
        else:
            # Out of time with sessions left: come back at once.
            self.env.ref("ev_billing.ir_cron_ev_bill_sessions").sudo()._trigger()
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _ev_wake_billing_lanes(self):
        """More than one batch queued: wake the other billing cron lanes."""
        self.flush_model(["billing_state"])
        self.env.cr.execute(
            SQL("SELECT count(*) FROM ev_session WHERE billing_state = 'to_bill'")
        )
        if not self.env.cr.fetchone()[0]:
            return
        main = self.env.ref("ev_billing.ir_cron_ev_bill_sessions")
        for lane in (
            self.env["ir.cron"]
            .sudo()
            .search([("code", "=", main.code), ("id", "!=", main.id)])
        ):
            lane._trigger()
