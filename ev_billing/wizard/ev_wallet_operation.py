from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EvWalletOperation(models.TransientModel):
    """Desk top-up (Operator), withdrawal (Manager) or adjustment (Manager) of a
    driver's wallet."""

    _name = "ev.wallet.operation"
    _description = "Wallet Top-up / Withdrawal"

    operation = fields.Selection(
        [
            ("topup", "Top up"),
            ("withdraw", "Withdraw"),
            ("adjustment", "Adjust"),
        ],
        required=True,
        default="topup",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Driver",
        required=True,
        domain="[('ev_is_driver', '=', True)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    balance = fields.Monetary(string="Current Balance", compute="_compute_balance")
    amount = fields.Monetary(required=True)
    journal_id = fields.Many2one(
        "account.journal",
        string="Cash / Bank",
        check_company=True,
        domain="[('type', 'in', ('cash', 'bank')), ('company_id', '=', company_id)]",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
    )
    memo = fields.Char(string="Memo / Reason")
    adjust_direction = fields.Selection(
        [("credit", "Credit the wallet"), ("debit", "Debit the wallet")],
        string="Direction",
        default="credit",
    )

    @api.depends("partner_id", "company_id")
    def _compute_balance(self):
        # the driver's wallet in the wizard's company, not a sum over companies
        for wizard in self:
            wizard.balance = (
                wizard.partner_id.commercial_partner_id.with_company(
                    wizard.company_id
                ).ev_wallet_balance
                if wizard.partner_id and wizard.company_id
                else 0.0
            )

    @api.depends("company_id", "operation")
    def _compute_journal_id(self):
        for wizard in self:
            wallet_journal = wizard.company_id.ev_wallet_journal_id
            wizard.journal_id = (
                self.env["account.journal"]
                .sudo()
                .search(
                    [
                        *self.env["account.journal"]._check_company_domain(
                            wizard.company_id
                        ),
                        ("type", "=", "cash"),
                        ("id", "!=", wallet_journal.id),
                    ],
                    limit=1,
                )
            )

    def action_confirm(self):
        self.ensure_one()
        Ledger = self.env["ev.wallet.transaction"]
        if self.amount <= 0:
            raise UserError(_("Enter a positive amount."))
        if self.operation != "adjustment" and (
            not self.journal_id
            or self.journal_id == self.company_id.ev_wallet_journal_id
        ):
            raise UserError(
                _("Choose the cash or bank journal the money goes through.")
            )
        if self.operation == "topup":
            line = Ledger._ev_topup(
                self.partner_id,
                self.amount,
                self.journal_id,
                self.memo,
                self.company_id,
            )
        elif self.operation == "withdraw":
            line = Ledger._ev_withdraw(
                self.partner_id,
                self.amount,
                self.journal_id,
                self.memo,
                self.company_id,
            )
        else:
            sign = -1 if self.adjust_direction == "debit" else 1
            line = Ledger._ev_adjust(
                self.partner_id, sign * self.amount, self.memo, self.company_id
            )
        if line.payment_id:
            # The slip for the driver, printable by the Operator at the desk.
            return self.env.ref(
                "ev_billing.action_report_ev_wallet_receipt"
            ).report_action(line)
        return {"type": "ir.actions.act_window_close"}
