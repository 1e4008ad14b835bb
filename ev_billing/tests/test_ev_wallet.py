from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install")
class TestEvWalletAccounting(EvWalletCommon):
    def _topup(self, amount, partner=None, journal=None):
        return self.Ledger.with_user(self.user_operator)._ev_topup(
            partner or self.driver,
            amount,
            journal or self.cash_journal,
            company=self.company,
        )

    def test_defaults_created_for_the_chart(self):
        self.assertEqual(self.deposit.account_type, "liability_current")
        self.assertTrue(self.deposit.reconcile)
        self.assertEqual(self.wallet_journal.code, "EVW")
        self.assertEqual(self.vat.amount, 7.0)
        self.assertTrue(self.vat.price_include)
        self.assertEqual(self.vat.type_tax_use, "sale")
        self.assertEqual(
            set(
                self.wallet_journal.inbound_payment_method_line_ids.filtered(
                    lambda line: line.code == "manual"
                ).payment_account_id.ids
            ),
            {self.deposit.id},
        )
        # Asking again finds the same records.
        again = self.company._ev_wallet_accounting()
        self.assertEqual(again["deposit_account"], self.deposit)
        self.assertEqual(again["tax"], self.vat)

    def test_topup_is_a_customer_payment_to_the_deposit(self):
        line = self._topup(500.0)
        payment = line.payment_id
        self.assertEqual(line.kind, "topup")
        self.assertEqual(line.amount, 500.0)
        self.assertEqual(line.balance_after, 500.0)
        self.assertEqual(self.driver.ev_wallet_balance, 500.0)
        self.assertEqual(payment.payment_type, "inbound")
        self.assertEqual(payment.partner_type, "customer")
        self.assertEqual(payment.journal_id, self.cash_journal)
        self.assertEqual(payment.move_id.state, "posted")
        self.assertEqual(line.move_id, payment.move_id)
        self.assertEqual(
            self._lines(payment.move_id),
            {
                (payment.outstanding_account_id.code, "Somchai Driver"): 500.0,
                (self.deposit.code, "Somchai Driver"): -500.0,
            },
        )
        self._assert_audit_clean()

    def test_session_invoice_vat_analytic_and_reconciliation(self):
        self._topup(500.0)
        session = self._session(107.0, energy=80.25, parking=16.05, overstay=10.70)
        session._ev_bill()
        invoice = session.invoice_id
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.driver)
        self.assertEqual(invoice.amount_total, 107.0)
        self.assertEqual(invoice.amount_untaxed, 100.0)
        self.assertEqual(invoice.amount_tax, 7.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(str(invoice.invoice_date), "2025-03-03")
        income = invoice.invoice_line_ids.account_id
        self.assertEqual(len(income), 1)
        vat_account = self.vat.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id
        self.assertEqual(
            self._lines(invoice),
            {
                (self.receivable.code, "Somchai Driver"): 107.0,
                (income.code, "Somchai Driver"): -100.0,
                (vat_account.code, "Somchai Driver"): -7.0,
            },
        )
        self.assertEqual(
            sorted(invoice.invoice_line_ids.mapped("price_subtotal")),
            [10.0, 15.0, 75.0],
        )
        self.assertEqual(invoice.invoice_line_ids.tax_ids, self.vat)
        for line in invoice.invoice_line_ids:
            self.assertEqual(line.analytic_distribution, {str(self.analytic.id): 100.0})
        analytic_lines = self.env["account.analytic.line"].search(
            [("move_line_id", "in", invoice.line_ids.ids)]
        )
        self.assertEqual(sum(analytic_lines.mapped("amount")), 100.0)
        self.assertEqual(
            analytic_lines[self.analytic.plan_id._column_name()], self.analytic
        )

        charge = self.Ledger.search([("session_id", "=", session.id)])
        self.assertEqual(
            (charge.kind, charge.amount, charge.balance_after),
            ("charge", -107.0, 393.0),
        )
        # Settled by a wallet-journal entry (one per billing batch and day), not a
        # payment per session: the same two lines (README "Batch billing").
        settlement = charge.settlement_move_id
        self.assertFalse(charge.payment_id)
        self.assertEqual(settlement.journal_id, self.wallet_journal)
        self.assertEqual((settlement.move_type, settlement.state), ("entry", "posted"))
        self.assertEqual(
            self._lines(settlement),
            {
                (self.deposit.code, "Somchai Driver"): 107.0,
                (self.receivable.code, "Somchai Driver"): -107.0,
            },
        )
        receivable_lines = (invoice + settlement).line_ids.filtered(
            lambda line: line.account_id == self.receivable
        )
        self.assertTrue(all(receivable_lines.mapped("reconciled")))
        self.assertEqual(
            receivable_lines.full_reconcile_id.ensure_one().reconciled_line_ids,
            receivable_lines,
        )
        self.assertRegex(session.abbreviated_invoice_number, r"^ABB-RVS-2025-\d{5}$")
        self.assertEqual(invoice.ref, session.abbreviated_invoice_number)
        self.assertEqual(self.driver.ev_wallet_balance, 393.0)
        self._assert_audit_clean()

    def test_billing_is_idempotent(self):
        self._topup(200.0)
        session = self._session(53.5)
        session._ev_bill()
        invoice, number = session.invoice_id, session.abbreviated_invoice_number
        session._ev_bill()
        self.Ledger._ev_bill_sessions(session)
        self.assertEqual(session.invoice_id, invoice)
        self.assertEqual(session.abbreviated_invoice_number, number)
        self.assertEqual(self.Ledger.search_count([("session_id", "=", session.id)]), 1)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("invoice_origin", "=", session.name)]
            ),
            1,
        )
        self.assertEqual(self.driver.ev_wallet_balance, 146.5)

    def test_abbreviated_numbers_follow_each_other_per_station(self):
        self._topup(500.0)
        sessions = self._session(10.0) + self._session(20.0)
        sessions._ev_bill()
        first, second = sessions.mapped("abbreviated_invoice_number")
        self.assertEqual(
            int(second.rsplit("-", 1)[1]), int(first.rsplit("-", 1)[1]) + 1
        )
        other = self.env["ev.station"].create(
            {"name": "Hilltop", "code": "HLT", "company_id": self.company.id}
        )
        self.company.ev_abb_prefix = "TAX"
        self.assertTrue(self.company._ev_next_abb_number(other).startswith("TAX-HLT-"))
        self.assertTrue(
            self.company._ev_next_abb_number(self.station).startswith("TAX-RVS-")
        )

    def test_overdraft_session_billed_in_full_and_due_shown(self):
        self.company.ev_wallet_min_balance = 0.0
        self._topup(50.0)
        ok, _reason = self.driver._ev_wallet_start_check()
        self.assertTrue(ok)
        self.assertEqual(self.driver._ev_wallet_spendable_amount(), 50.0)
        session = self._session(80.0)
        session._ev_bill()
        self.assertEqual(session.invoice_id.amount_total, 80.0)
        self.assertEqual(session.invoice_id.payment_state, "paid")
        self.assertEqual(self.driver.ev_wallet_balance, -30.0)
        self.assertEqual(self.driver.ev_wallet_due, 30.0)
        ok, reason = self.driver._ev_wallet_start_check()
        self.assertFalse(ok)
        self.assertIn("30", reason)
        self.assertEqual(self.driver._ev_wallet_spendable_amount(), 0.0)
        # The deposit account carries the overdraft too: the audit agrees.
        self._assert_audit_clean()
        # Topping up settles what is due.
        self._topup(100.0)
        self.assertEqual(self.driver.ev_wallet_balance, 70.0)
        self.assertTrue(self.driver._ev_wallet_start_check()[0])

    def test_minimum_balance_to_start(self):
        self.company.ev_wallet_min_balance = 100.0
        ok, reason = self.driver._ev_wallet_start_check()
        self.assertFalse(ok)
        self.assertIn("at least", reason)
        self._topup(99.99)
        self.assertFalse(self.driver._ev_wallet_start_check()[0])
        self._topup(0.01)
        # the minimum is there, but it stays in the wallet as the reserve for parking
        # and overstay fees: nothing is left to spend on energy
        ok, reason = self.driver._ev_wallet_start_check()
        self.assertFalse(ok)
        self.assertIn("nothing is left", reason)
        self.company.ev_wallet_overdraft = 20.0
        self.assertTrue(self.driver._ev_wallet_start_check()[0])
        self.assertEqual(self.driver._ev_wallet_spendable_amount(), 20.0)
        self._topup(30.0)
        self.assertEqual(self.driver._ev_wallet_spendable_amount(), 50.0)

    def test_withdraw_is_an_outbound_payment(self):
        self._topup(300.0)
        line = self.Ledger.with_user(self.user_manager)._ev_withdraw(
            self.driver, 120.0, self.bank_journal, company=self.company
        )
        payment = line.payment_id
        self.assertEqual(
            (line.kind, line.amount, line.balance_after), ("withdraw", -120.0, 180.0)
        )
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(payment.partner_type, "customer")
        self.assertEqual(
            self._lines(payment.move_id),
            {
                (self.deposit.code, "Somchai Driver"): 120.0,
                (payment.outstanding_account_id.code, "Somchai Driver"): -120.0,
            },
        )
        with self.assertRaisesRegex(UserError, "cannot pay out"):
            self.Ledger.with_user(self.user_manager)._ev_withdraw(
                self.driver, 180.01, self.bank_journal, company=self.company
            )
        self.assertEqual(self.driver.ev_wallet_balance, 180.0)
        self._assert_audit_clean()

    def test_refund_is_a_credit_note_settled_into_the_deposit(self):
        self._topup(200.0)
        session = self._session(107.0)
        session._ev_bill()
        charge = self.Ledger.search(
            [("session_id", "=", session.id), ("kind", "=", "charge")]
        )
        refund = charge.with_user(self.user_manager)._ev_refund(53.5, "Charger fault")
        credit_note = refund.move_id
        self.assertEqual(
            (refund.kind, refund.amount, refund.balance_after), ("refund", 53.5, 146.5)
        )
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.reversed_entry_id, session.invoice_id)
        income = session.invoice_id.invoice_line_ids.account_id
        vat_account = self.vat.refund_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id
        self.assertEqual(
            self._lines(credit_note),
            {
                (self.receivable.code, "Somchai Driver"): -53.5,
                (income.code, "Somchai Driver"): 50.0,
                (vat_account.code, "Somchai Driver"): 3.5,
            },
        )
        self.assertEqual(
            credit_note.invoice_line_ids.analytic_distribution,
            {str(self.analytic.id): 100.0},
        )
        self.assertEqual(
            self._lines(refund.payment_id.move_id),
            {
                (self.receivable.code, "Somchai Driver"): 53.5,
                (self.deposit.code, "Somchai Driver"): -53.5,
            },
        )
        self.assertEqual(credit_note.payment_state, "paid")
        self.assertEqual(self.driver.ev_wallet_balance, 146.5)
        with self.assertRaises(UserError):
            charge.with_user(self.user_manager)._ev_refund(60.0)
        self._assert_audit_clean()

    def test_adjustment_is_an_entry_and_reversal_a_new_line(self):
        adjust = self.Ledger.with_user(self.user_manager)._ev_adjust(
            self.driver, 25.0, "Goodwill for a broken connector", company=self.company
        )
        self.assertEqual(adjust.move_id.move_type, "entry")
        self.assertEqual(
            self._lines(adjust.move_id),
            {
                (self.deposit.code, "Somchai Driver"): -25.0,
                (self.company.ev_adjustment_account_id.code, "Somchai Driver"): 25.0,
            },
        )
        topup = self._topup(100.0)
        reversal = topup.with_user(self.user_manager).action_reverse()
        self.assertEqual(
            (reversal.kind, reversal.amount, reversal.reversed_line_id),
            ("adjustment", -100.0, topup),
        )
        self.assertEqual(reversal.move_id.reversed_entry_id, topup.payment_id.move_id)
        self.assertEqual(reversal.move_id.state, "posted")
        self.assertEqual(topup.state, "reversed")
        self.assertEqual(self.driver.ev_wallet_balance, 25.0)
        with self.assertRaises(UserError):
            topup.with_user(self.user_manager).action_reverse()
        self._assert_audit_clean()

    def test_ledger_is_append_only(self):
        line = self._topup(10.0)
        with self.assertRaises(UserError):
            line.sudo().write({"amount": 1000.0})
        with self.assertRaises(UserError):
            line.sudo().unlink()
        with self.assertRaises(ValidationError), mute_logger("odoo.sql_db"):
            self.Ledger.sudo().create(
                {
                    "partner_id": self.driver.id,
                    "kind": "topup",
                    "amount": -5.0,
                    "company_id": self.company.id,
                }
            )
        with self.assertRaises(UserError):
            self.Ledger.with_user(self.user_manager).create(
                {
                    "partner_id": self.driver.id,
                    "kind": "topup",
                    "amount": 5.0,
                    "company_id": self.company.id,
                }
            )

    def test_audit_catches_a_tampered_ledger_line(self):
        line = self._topup(100.0)
        self._assert_audit_clean()
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE ev_wallet_transaction SET amount = 1000 WHERE id = %s", line.id)
        )
        self.env.invalidate_all()
        diffs = [
            d
            for d in self.Ledger._ev_wallet_audit()
            if d["partner_id"] == self.driver.id
        ]
        self.assertEqual(len(diffs), 1)
        self.assertEqual(
            (diffs[0]["balance"], diffs[0]["ledger"], diffs[0]["general_ledger"]),
            (100.0, 1000.0, 100.0),
        )
        action = self.Ledger.with_user(self.user_manager).action_wallet_audit()
        audit = self.env["ev.wallet.audit"].browse(action["res_id"])
        self.assertIn(self.driver, audit.line_ids.partner_id)
        with mute_logger("odoo.addons.ev_billing.models.ev_wallet_audit"):
            self.assertTrue(self.Ledger._cron_wallet_audit())
        # A balance rewritten past the ledger is caught as well.
        self.env.cr.execute(
            SQL("UPDATE ev_wallet_transaction SET amount = 100 WHERE id = %s", line.id)
        )
        self.env.invalidate_all()
        self._assert_audit_clean()
        adjustment = self.Ledger.with_user(self.user_manager)._ev_adjust(
            self.driver_2, 5.0, "test", company=self.company
        )
        self.env.flush_all()
        # the wallet's balance is the running balance its last line recorded
        self.env.cr.execute(
            SQL(
                "UPDATE ev_wallet_transaction SET balance_after = 7 WHERE id = %s",
                adjustment.id,
            )
        )
        self.assertTrue(
            [
                d
                for d in self.Ledger._ev_wallet_audit()
                if d["partner_id"] == self.driver_2.id
            ]
        )


@tagged("post_install", "-at_install")
class TestEvWalletAccess(EvWalletCommon):
    def test_viewer_cannot_top_up(self):
        with self.assertRaises(AccessError):
            self.Ledger.with_user(self.user_viewer)._ev_topup(
                self.driver, 10.0, self.cash_journal, company=self.company
            )
        with self.assertRaises(AccessError):
            self.env["ev.wallet.operation"].with_user(self.user_viewer).create(
                {"partner_id": self.driver.id, "amount": 10.0}
            )

    def test_operator_tops_up_but_cannot_withdraw(self):
        wizard = (
            self.env["ev.wallet.operation"]
            .with_user(self.user_operator)
            .create(
                {
                    "partner_id": self.driver.id,
                    "amount": 40.0,
                    "operation": "topup",
                    "journal_id": self.cash_journal.id,
                    "company_id": self.company.id,
                }
            )
        )
        action = wizard.action_confirm()
        self.assertEqual(action["report_name"], "ev_billing.report_ev_wallet_receipt")
        self.assertEqual(self.driver.ev_wallet_balance, 40.0)
        wizard = (
            self.env["ev.wallet.operation"]
            .with_user(self.user_operator)
            .create(
                {
                    "partner_id": self.driver.id,
                    "amount": 10.0,
                    "operation": "withdraw",
                    "journal_id": self.cash_journal.id,
                    "company_id": self.company.id,
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        with self.assertRaises(AccessError):
            self.Ledger.with_user(self.user_operator)._ev_withdraw(
                self.driver, 10.0, self.cash_journal, company=self.company
            )
        wizard = (
            self.env["ev.wallet.operation"]
            .with_user(self.user_manager)
            .create(
                {
                    "partner_id": self.driver.id,
                    "amount": 10.0,
                    "operation": "withdraw",
                    "journal_id": self.cash_journal.id,
                    "company_id": self.company.id,
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(self.driver.ev_wallet_balance, 30.0)

    def test_driver_sees_only_their_own_wallet(self):
        self.Ledger.with_user(self.user_operator)._ev_topup(
            self.driver, 10.0, self.cash_journal, company=self.company
        )
        other = self.Ledger.with_user(self.user_operator)._ev_topup(
            self.driver_2, 20.0, self.cash_journal, company=self.company
        )
        mine = self.Ledger.with_user(self.portal_user).search([])
        self.assertEqual(mine.partner_id, self.driver)
        with self.assertRaises(AccessError):
            other.with_user(self.portal_user).read(["amount"])
        with self.assertRaises(AccessError):
            self.Ledger.with_user(self.portal_user)._ev_topup(
                self.driver, 10.0, self.cash_journal, company=self.company
            )
        self.assertEqual(
            self.driver.with_user(self.portal_user).ev_wallet_balance, 10.0
        )
