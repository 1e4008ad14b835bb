import threading
import time

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger


@tagged("post_install", "-at_install")
class TestEvWalletConcurrency(TransactionCase):
    """Two debits of one wallet in two real transactions at the same instant.

    The data is committed from separate cursors (the test cursor is invisible to them)
    and removed again at the end.
    """

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create(
                {
                    "name": "Concurrent Driver",
                    "ev_is_driver": True,
                    "mobile": "+66 80 000 9999",
                }
            )
            env["ev.wallet.transaction"].create(
                {
                    "partner_id": partner.id,
                    "kind": "adjustment",
                    "amount": 100.0,
                    "note": "opening balance",
                }
            )
            self.partner_id = partner.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "DELETE FROM ev_wallet_transaction WHERE partner_id = %s",
                    self.partner_id,
                )
            )
            cr.execute(SQL("DELETE FROM res_partner WHERE id = %s", self.partner_id))

    def _debit(self, env, kind, amount):
        return env["ev.wallet.transaction"].create(
            {"partner_id": self.partner_id, "kind": kind, "amount": -amount}
        )

    def _race(self, kind, amount):
        """First transaction debits and holds the lock; the second one starts its
        snapshot, blocks on the lock, then must see the first one's debit (after a
        retry), never its own stale balance. Returns what the second transaction went
        through."""
        outcome = {"conflicts": 0}
        second_started = threading.Event()
        first_locked = threading.Event()

        # Environments are built here: the registry lock is held by the test runner's
        # thread.
        cr2 = self.registry.cursor()
        self.addCleanup(cr2.close)
        env = api.Environment(cr2, SUPERUSER_ID, {})

        def second():
            env.cr.execute(
                "SELECT 1"
            )  # the snapshot is taken now, before the first commits
            second_started.set()
            first_locked.wait(10)
            for _attempt in range(5):
                try:
                    with mute_logger("odoo.sql_db"):
                        line = self._debit(env, kind, amount)
                        env.cr.flush()
                    outcome["balance_after"] = line.balance_after
                    env.cr.commit()
                    outcome["result"] = "debited"
                    return
                except SerializationFailure:
                    outcome["conflicts"] += 1
                    env.cr.rollback()
                    env.invalidate_all()
                except UserError as e:
                    env.cr.rollback()
                    outcome["result"] = "refused"
                    outcome["message"] = str(e)
                    return

        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env1.cr.execute("SELECT 1")
            thread = threading.Thread(target=second)
            thread.start()
            self.assertTrue(second_started.wait(10))
            first = self._debit(env1, kind, amount)
            env1.cr.flush()
            first_locked.set()
            self.assertEqual(first.balance_after, 100.0 - amount)
            time.sleep(0.5)
            self.assertTrue(
                thread.is_alive(), "the second debit must wait for the wallet lock"
            )
            env1.cr.commit()
        thread.join(30)
        self.assertFalse(thread.is_alive())
        return outcome

    def _state(self):
        with self.registry.cursor() as cr:
            cr.execute(
                # the wallet's balance: the running balance of its last line
                SQL(
                    "SELECT balance_after FROM ev_wallet_transaction "
                    "WHERE partner_id = %s ORDER BY id DESC LIMIT 1",
                    self.partner_id,
                )
            )
            balance = cr.fetchone()[0]
            cr.execute(
                SQL(
                    "SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM "
                    "ev_wallet_transaction WHERE partner_id = %s",
                    self.partner_id,
                )
            )
            total, count = cr.fetchone()
        return float(balance), float(total), count

    def test_two_withdrawals_never_overdraw(self):
        outcome = self._race("withdraw", 60.0)
        self.assertEqual(outcome["result"], "refused", outcome)
        self.assertGreaterEqual(
            outcome["conflicts"], 1, "the stale transaction must fail and retry"
        )
        self.assertEqual(self._state(), (40.0, 40.0, 2))

    def test_two_session_charges_lose_no_update(self):
        outcome = self._race("charge", 60.0)
        self.assertEqual(outcome["result"], "debited", outcome)
        self.assertGreaterEqual(outcome["conflicts"], 1)
        # Both charges count: the second one was applied on top of the first (billed in
        # full).
        self.assertEqual(outcome["balance_after"], -20.0)
        self.assertEqual(self._state(), (-20.0, -20.0, 3))
