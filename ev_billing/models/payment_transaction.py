from odoo import api, fields, models

WALLET_REFERENCE_PREFIX = "EVW"


class PaymentTransaction(models.Model):
    """Online wallet top-up through any installed payment provider.

    A transaction whose reference starts with ``EVW`` credits the payer's wallet when
    the provider confirms it: account_payment creates the customer payment (here on the
    deposit account), then the wallet gets exactly one ``topup`` line, however many
    notifications arrive.
    """

    _inherit = "payment.transaction"

    ev_wallet_topup = fields.Boolean(
        string="EV Wallet Top-up", readonly=True, index="btree_not_null"
    )
    ev_wallet_transaction_ids = fields.One2many(
        "ev.wallet.transaction", "payment_transaction_id", string="Wallet Ledger Lines"
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if (vals.get("reference") or "").startswith(WALLET_REFERENCE_PREFIX + "-"):
                vals["ev_wallet_topup"] = True
        return super().create(vals_list)

    def _create_payment(self, **extra_create_values):
        if self.ev_wallet_topup:
            accounting = self.company_id._ev_wallet_accounting()
            extra_create_values.setdefault(
                "destination_account_id", accounting["deposit_account"].id
            )
        return super()._create_payment(**extra_create_values)

    def _post_process(self):
        res = super()._post_process()
        for tx in self.filtered(
            lambda t: (
                t.ev_wallet_topup and t.state == "done" and t.operation != "validation"
            )
        ):
            tx._ev_credit_wallet()
        return res

    def _ev_credit_wallet(self):
        """Credit the wallet once for this confirmed transaction (idempotent)."""
        self.ensure_one()
        Ledger = self.env["ev.wallet.transaction"].sudo()
        if Ledger.search_count([("payment_transaction_id", "=", self.id)]):
            return Ledger.search([("payment_transaction_id", "=", self.id)])
        payment = (
            self.payment_id or self.with_company(self.company_id)._create_payment()
        )
        return Ledger._ev_topup(
            self.partner_id,
            self.amount,
            company=self.company_id,
            payment=payment,
            payment_transaction=self,
            memo=self.reference,
        )
