from odoo import fields, models


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
