import logging

from odoo import _, api, fields, models
from odoo.tools import SQL, float_compare

_logger = logging.getLogger(__name__)


class EvWalletAudit(models.TransientModel):
    """Result of a wallet audit: the drivers whose balance, ledger and general ledger
    differ."""

    _name = "ev.wallet.audit"
    _description = "Wallet Audit"

    date = fields.Datetime(default=fields.Datetime.now, readonly=True)
    line_ids = fields.One2many("ev.wallet.audit.line", "audit_id", readonly=True)
    difference_count = fields.Integer(compute="_compute_difference_count")

    def _compute_difference_count(self):
        for audit in self:
            audit.difference_count = len(audit.line_ids)


class EvWalletAuditLine(models.TransientModel):
    _name = "ev.wallet.audit.line"
    _description = "Wallet Audit Difference"

    audit_id = fields.Many2one("ev.wallet.audit", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Driver", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    balance = fields.Monetary(string="Wallet Balance", readonly=True)
    ledger = fields.Monetary(string="Ledger Sum", readonly=True)
    general_ledger = fields.Monetary(string="Deposit Account", readonly=True)
    stale_hold = fields.Monetary(
        readonly=True,
        help="Held by sessions already billed or cancelled.",
    )


class EvWalletTransaction(models.Model):
    """Audit: wallet balance = ledger sum = general ledger of the deposit account, per
    driver and company."""

    _inherit = "ev.wallet.transaction"

    @api.model
    def _ev_wallet_audit(self):
        """Return the (driver, company) wallets whose balance, ledger sum and
        deposit-account balance differ.

        Per driver and per company: the wallet balance is the running balance the last
        ledger line recorded under the wallet lock, the ledger sum adds every line, the
        general ledger is the driver's balance on the company's deposit account (posted
        entries). A hold is checked too: only sessions not billed yet may hold money.
        """
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            SELECT partner_id, company_id, SUM(amount),
                   (ARRAY_AGG(balance_after ORDER BY id DESC))[1]
              FROM ev_wallet_transaction GROUP BY 1, 2
            """
            )
        )
        ledger, stored = {}, {}
        for partner_id, company_id, total, last_balance in cr.fetchall():
            ledger[partner_id, company_id] = total
            stored[partner_id, company_id] = last_balance
        general = {}
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("ev_deposit_account_id", "!=", False)])
        )
        for company in companies:
            cr.execute(
                SQL(
                    """
                SELECT partner_id, -SUM(balance) FROM account_move_line
                 WHERE account_id = %s AND company_id = %s AND parent_state = 'posted'
                 GROUP BY partner_id
            """,
                    company.ev_deposit_account_id.id,
                    company.id,
                )
            )
            general.update({(p, company.id): s for p, s in cr.fetchall()})
        # A hold on a billed (or cancelled) session would lock money forever.
        cr.execute(
            SQL(
                """
            SELECT p.commercial_partner_id, s.company_id, SUM(s.wallet_hold_amount)
              FROM ev_session s JOIN res_partner p ON p.id = s.partner_id
             WHERE s.wallet_hold_amount <> 0
               AND (s.invoice_id IS NOT NULL OR s.state = 'cancelled'
                    OR s.wallet_hold_amount < 0)
             GROUP BY 1, 2
            """
            )
        )
        stale_holds = {(p, c): total for p, c, total in cr.fetchall()}
        differences = []
        for key in sorted(set(ledger) | set(general) | set(stale_holds), key=str):
            partner_id, company_id = key
            if not partner_id:
                continue
            ledger_sum = ledger.get(key, 0.0)
            gl = general.get(key, 0.0)
            balance = stored.get(key, 0.0)
            if (
                float_compare(ledger_sum, gl, precision_digits=2)
                or float_compare(balance, ledger_sum, precision_digits=2)
                or stale_holds.get(key)
            ):
                differences.append(
                    {
                        "partner_id": partner_id,
                        "company_id": company_id,
                        "balance": balance,
                        "ledger": ledger_sum,
                        "general_ledger": gl,
                        "stale_hold": stale_holds.get(key, 0.0),
                    }
                )
        return differences

    @api.model
    def _cron_wallet_audit(self):
        differences = self._ev_wallet_audit()
        for diff in differences:
            partner = self.env["res.partner"].browse(diff["partner_id"])
            _logger.error(
                "Wallet audit: %s (id %s) balance %.2f, ledger %.2f, general ledger "
                "%.2f",
                partner.display_name,
                partner.id,
                diff["balance"],
                diff["ledger"],
                diff["general_ledger"],
            )
            partner.sudo().message_post(
                body=_(
                    "Wallet audit difference: balance %(balance).2f, ledger "
                    "%(ledger).2f, general ledger %(gl).2f.",
                    balance=diff["balance"],
                    ledger=diff["ledger"],
                    gl=diff["general_ledger"],
                )
            )
        return differences

    @api.model
    def action_wallet_audit(self):
        self._ev_check_level("ev_billing.group_ev_manager", _("audit wallets"))
        differences = self.sudo()._ev_wallet_audit()
        audit = self.env["ev.wallet.audit"].create(
            {
                "line_ids": [
                    fields.Command.create(
                        {
                            "partner_id": d["partner_id"],
                            "company_id": d["company_id"] or False,
                            "balance": d["balance"],
                            "ledger": d["ledger"],
                            "general_ledger": d["general_ledger"],
                            "stale_hold": d["stale_hold"],
                        }
                    )
                    for d in differences
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Wallet Audit"),
            "res_model": "ev.wallet.audit",
            "res_id": audit.id,
            "view_mode": "form",
            "target": "new",
        }
