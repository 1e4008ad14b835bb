from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EvOwnerSettlementWizard(models.TransientModel):
    """Run or re-run one month's settlement for some owners (or all). Safe to repeat:
    a month already settled is shown, never settled twice; a draft is recomputed."""

    _name = "ev.owner.settlement.wizard"
    _description = "Settle Station Owners"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    owner_ids = fields.Many2many(
        "res.partner",
        string="Owners",
        help="Leave empty to settle every owner with a station on this company's "
        "plans.",
    )
    month_date = fields.Date(
        string="Month",
        required=True,
        default=lambda self: self._default_month_date(),
        help="Any day of the period to settle.",
    )
    date_from = fields.Date(compute="_compute_period")
    date_to = fields.Date(compute="_compute_period")
    post = fields.Boolean(
        string="Post, Pay and Send",
        default=True,
        help="Post the fee invoice and payout bill, pay the payout (when the company "
        "pays at settlement) and email the owner. Otherwise a draft to review.",
    )

    @api.model
    def _default_month_date(self):
        date_from, _date_to = self.env["ev.owner.statement"]._ev_settlement_period(
            self.env.company
        )
        return date_from

    @api.depends("company_id", "month_date")
    def _compute_period(self):
        from ..models.ev_owner_statement import owner_period

        for wizard in self:
            wizard.date_from, wizard.date_to = owner_period(
                wizard.month_date or fields.Date.context_today(wizard),
                wizard.company_id.ev_billing_cycle_day,
            )

    def action_settle(self):
        self.ensure_one()
        Statement = self.env["ev.owner.statement"]
        owners = self.owner_ids or Statement.sudo()._ev_owners(self.company_id)
        statements = Statement._ev_settle(
            self.company_id, owners, self.month_date, post=self.post
        )
        if not statements:
            raise UserError(
                _(
                    "Nothing to settle for %(from)s to %(to)s.",
                    **{"from": self.date_from, "to": self.date_to},
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_owner_statement_action"
        )
        action["domain"] = [("id", "in", statements.ids)]
        return action
