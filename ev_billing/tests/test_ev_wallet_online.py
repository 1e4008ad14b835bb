from odoo.tests import tagged

from odoo.addons.account_payment.tests.common import AccountPaymentCommon


@tagged("post_install", "-at_install")
class TestEvWalletOnlineTopup(AccountPaymentCommon):
    """Online top-up through a payment provider: Odoo's own test provider (payment_demo
    when it is installed, otherwise the dummy provider of the payment tests) with the
    account_payment flow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.accounting = cls.company._ev_wallet_accounting()
        cls.driver = cls.env["res.partner"].create(
            {"name": "Online Driver", "mobile": "+66 82 000 0001", "ev_is_driver": True}
        )
        cls.currency = cls.company.currency_id
        cls.provider.available_currency_ids = [(4, cls.currency.id)]

    def _wallet_tx(self, amount=250.0, reference="EVW-%s"):
        return self._create_transaction(
            "redirect",
            amount=amount,
            currency_id=self.currency.id,
            partner_id=self.driver.id,
            reference=reference % self.driver.id,
        )

    def test_confirmation_replayed_credits_once(self):
        tx = self._wallet_tx()
        self.assertTrue(tx.ev_wallet_topup)
        # The provider notifies twice, the post-processing runs twice (status page and
        # cron).
        tx._set_done()
        tx._set_done()
        tx._post_process()
        tx._post_process()
        tx._ev_credit_wallet()
        self.env["payment.transaction"]._cron_post_process()
        lines = (
            self.env["ev.wallet.transaction"]
            .sudo()
            .search([("partner_id", "=", self.driver.id)])
        )
        self.assertEqual(len(lines), 1)
        self.assertEqual(
            (lines.kind, lines.amount, lines.payment_transaction_id),
            ("topup", 250.0, tx),
        )
        self.assertEqual(lines.payment_id, tx.payment_id)
        self.assertEqual(self.driver.ev_wallet_balance, 250.0)
        payment = tx.payment_id
        self.assertEqual(
            payment.destination_account_id, self.accounting["deposit_account"]
        )
        deposit_line = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == self.accounting["deposit_account"]
        )
        self.assertEqual(
            (deposit_line.balance, deposit_line.partner_id), (-250.0, self.driver)
        )
        diffs = [
            d
            for d in self.env["ev.wallet.transaction"].sudo()._ev_wallet_audit()
            if d["partner_id"] == self.driver.id
        ]
        self.assertEqual(diffs, [])

    def test_pending_transfer_credits_only_when_confirmed(self):
        tx = self._wallet_tx(100.0)
        tx._set_pending()
        tx._post_process()
        self.assertFalse(tx.ev_wallet_transaction_ids)
        self.assertEqual(self.driver.ev_wallet_balance, 0.0)
        # An Operator checks the bank statement and confirms the transfer.
        tx._set_done()
        tx._post_process()
        self.assertEqual(self.driver.ev_wallet_balance, 100.0)

    def test_other_payments_leave_the_wallet_alone(self):
        tx = self._wallet_tx(reference="S00042-%s")
        self.assertFalse(tx.ev_wallet_topup)
        tx._set_done()
        tx._post_process()
        self.assertEqual(self.driver.ev_wallet_balance, 0.0)
        self.assertNotEqual(
            tx.payment_id.destination_account_id, self.accounting["deposit_account"]
        )

    def test_cancelled_payment_credits_nothing(self):
        tx = self._wallet_tx(80.0)
        tx._set_canceled()
        tx._post_process()
        self.assertFalse(tx.ev_wallet_transaction_ids)
        self.assertEqual(self.driver.ev_wallet_balance, 0.0)
