from odoo import _, api, fields, models


class ResPartner(models.Model):
    """The driver's wallet: ``ev.wallet.transaction`` is the ledger, the balance is
    derived from it."""

    _inherit = "res.partner"

    ev_wallet_transaction_ids = fields.One2many(
        "ev.wallet.transaction", "partner_id", string="Wallet Ledger"
    )
    ev_wallet_balance = fields.Monetary(
        string="Wallet Balance",
        compute="_compute_ev_wallet_balance",
        store=True,
        readonly=True,
        currency_field="ev_wallet_currency_id",
        help="Sum of the driver's wallet ledger.",
    )
    ev_wallet_due = fields.Monetary(
        string="Amount Due",
        compute="_compute_ev_wallet_due",
        currency_field="ev_wallet_currency_id",
        help="What the driver owes after a session that ran past the balance.",
    )
    ev_wallet_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_ev_wallet_currency_id",
        string="Wallet Currency",
    )
    ev_tax_branch = fields.Char(
        string="Tax Branch",
        help="Branch number printed on Thai full tax invoices (00000 = head office).",
    )

    def _compute_ev_wallet_currency_id(self):
        for partner in self:
            partner.ev_wallet_currency_id = (
                partner.company_id or self.env.company
            ).currency_id

    @api.depends("ev_wallet_transaction_ids.amount")
    def _compute_ev_wallet_balance(self):
        sums = dict(
            self.env["ev.wallet.transaction"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["amount:sum"]
            )
        )
        for partner in self:
            partner.ev_wallet_balance = sums.get(partner._origin, 0.0)

    @api.depends("ev_wallet_balance")
    def _compute_ev_wallet_due(self):
        for partner in self:
            partner.ev_wallet_due = max(-partner.ev_wallet_balance, 0.0)

    def _ev_wallet_company(self):
        return self.company_id or self.env.company

    def _ev_wallet_start_check(self):
        """(ok, reason): may this driver start a session on their wallet?"""
        self.ensure_one()
        wallet = self.commercial_partner_id
        company = self._ev_wallet_company()
        currency = company.currency_id
        if wallet.ev_wallet_due > 0:
            return False, _(
                "%s is due on the wallet: please top up.",
                currency.format(wallet.ev_wallet_due),
            )
        if (
            currency.compare_amounts(
                wallet.ev_wallet_balance, company.ev_wallet_min_balance
            )
            < 0
        ):
            return False, _(
                "The wallet holds %(balance)s; starting a session needs at least "
                "%(minimum)s.",
                balance=currency.format(wallet.ev_wallet_balance),
                minimum=currency.format(company.ev_wallet_min_balance),
            )
        return True, ""

    def _ev_wallet_spendable_amount(self):
        """What a session may cost before the charger is stopped: balance + allowed
        overdraft."""
        self.ensure_one()
        wallet = self.commercial_partner_id
        company = self._ev_wallet_company()
        return max(wallet.ev_wallet_balance, 0.0) + (company.ev_wallet_overdraft or 0.0)

    def action_ev_view_wallet(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_wallet_transaction_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    def action_ev_wallet_topup(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_wallet_operation_action"
        )
        action["context"] = {
            "default_partner_id": self.commercial_partner_id.id,
            "default_operation": "topup",
        }
        return action
