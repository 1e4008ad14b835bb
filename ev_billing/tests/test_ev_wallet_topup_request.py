from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL, mute_logger

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install")
class TestEvWalletTopupRequest(EvWalletCommon):
    """Transfer top-ups wait in Pending Transfers until an Operator confirms the money
    arrived."""

    def _request(self, amount=500.0, partner=None, user=None, **vals):
        Request = self.env["ev.wallet.topup.request"].with_user(
            user or self.user_operator
        )
        return Request.create(
            {"partner_id": (partner or self.driver).id, "amount": amount, **vals}
        )

    def test_operator_records_and_confirms_a_plain_transfer(self):
        form = Form(self.env["ev.wallet.topup.request"].with_user(self.user_operator))
        form.partner_id = self.driver
        form.amount = 500.0
        form.note = "KBank transfer 14:02, no reference"
        request = form.save()
        self.assertEqual(request.state, "pending")
        self.assertTrue(request.name.startswith("EVT/"))
        self.assertEqual(
            request.journal_id,
            self.bank_journal,
            "the company's bank journal by default",
        )
        self.assertEqual(
            self.driver.ev_wallet_balance, 0.0, "nothing moves while pending"
        )
        self.assertFalse(self.Ledger.search([("partner_id", "=", self.driver.id)]))

        request.action_confirm_received()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.decided_by_id, self.user_operator)
        line = request.wallet_transaction_id
        self.assertEqual(
            (line.kind, line.amount, line.topup_request_id, line.journal_id),
            ("topup", 500.0, request, self.bank_journal),
        )
        payment = request.sudo().payment_id
        self.assertIn(payment.state, ("in_process", "paid"))
        self.assertEqual(payment.journal_id, self.bank_journal)
        self.assertEqual(payment.memo, request.name)
        self.assertEqual(
            self._lines(payment.move_id)[(self.deposit.code, self.driver.name)], -500.0
        )
        self.assertEqual(self.driver.ev_wallet_balance, 500.0)
        self._assert_audit_clean()

    def test_second_confirm_credits_nothing(self):
        request = self._request(200.0)
        request.action_confirm_received()
        with self.assertRaisesRegex(UserError, "already Received"):
            request.action_confirm_received()
        self.assertEqual(
            self.Ledger.search_count([("topup_request_id", "=", request.id)]), 1
        )
        self.assertEqual(self.driver.ev_wallet_balance, 200.0)

    def test_confirm_rereads_the_state_after_the_lock(self):
        """A confirm that waited behind a concurrent one reads the state again: the
        record it holds in memory still says pending, the database says done."""
        request = self._request(150.0)
        self.assertEqual(request.state, "pending")  # in the cache
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE ev_wallet_topup_request SET state = 'done' WHERE id = %s",
                request.id,
            )
        )
        with self.assertRaisesRegex(UserError, "already Received"):
            request.action_confirm_received()
        self.assertEqual(self.driver.ev_wallet_balance, 0.0)

    def test_ledger_refuses_a_second_line_for_one_request(self):
        request = self._request(100.0)
        request.action_confirm_received()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.Ledger.sudo().create(
                {
                    "partner_id": self.driver.id,
                    "kind": "topup",
                    "amount": 100.0,
                    "topup_request_id": request.id,
                }
            )
            self.env.flush_all()
        self.assertEqual(self.driver.ev_wallet_balance, 100.0)

    def test_manager_rejects_nothing_moves(self):
        request = self._request(300.0)
        with self.assertRaises(AccessError):
            request.with_user(self.user_operator).action_reject()
        request.with_user(self.user_manager).action_reject()
        self.assertEqual(request.state, "rejected")
        self.assertEqual(request.decided_by_id, self.user_manager)
        with self.assertRaisesRegex(UserError, "already Rejected"):
            request.with_user(self.user_operator).action_confirm_received()
        self.assertEqual(self.driver.ev_wallet_balance, 0.0)
        self.assertFalse(self.Ledger.search([("partner_id", "=", self.driver.id)]))

    def test_access(self):
        request = self._request(120.0)
        # A Viewer sees the list but cannot confirm, create or change anything.
        as_viewer = request.with_user(self.user_viewer)
        self.assertEqual(as_viewer.amount, 120.0)
        with self.assertRaises(AccessError):
            as_viewer.action_confirm_received()
        with self.assertRaises(AccessError):
            as_viewer.write({"amount": 1.0})
        with self.assertRaises(AccessError):
            self._request(10.0, user=self.user_viewer)
        self.assertEqual(request.state, "pending")
        # An Operator cannot mark it received without crediting the wallet, or set a
        # ledger line.
        with self.assertRaises(AccessError):
            request.with_user(self.user_operator).write({"state": "done"})
        with self.assertRaises(AccessError):
            self._request(10.0, state="done")
        # A portal driver reads their own request, never another driver's, and changes
        # none.
        other = self._request(99.0, partner=self.driver_2)
        Portal = self.env["ev.wallet.topup.request"].with_user(self.portal_user)
        self.assertEqual(Portal.search([]), request)
        with self.assertRaises(AccessError):
            other.with_user(self.portal_user).amount  # noqa: B018
        with self.assertRaises(AccessError):
            request.with_user(self.portal_user).action_confirm_received()
        with self.assertRaises(AccessError):
            request.with_user(self.portal_user).write({"amount": 1000.0})
        self.assertEqual(self.driver.ev_wallet_balance, 0.0)

    def test_decided_request_is_frozen(self):
        request = self._request(80.0)
        request.action_confirm_received()
        with self.assertRaises(UserError):
            request.with_user(self.user_operator).write({"amount": 800.0})
        with self.assertRaises(UserError):
            self._request(0.0)
