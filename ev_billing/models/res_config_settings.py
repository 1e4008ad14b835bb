from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ev_wallet_journal_id = fields.Many2one(
        related="company_id.ev_wallet_journal_id", readonly=False
    )
    ev_deposit_account_id = fields.Many2one(
        related="company_id.ev_deposit_account_id", readonly=False
    )
    ev_adjustment_account_id = fields.Many2one(
        related="company_id.ev_adjustment_account_id", readonly=False
    )
    ev_vat_tax_id = fields.Many2one(related="company_id.ev_vat_tax_id", readonly=False)
    ev_wallet_min_balance = fields.Monetary(
        related="company_id.ev_wallet_min_balance", readonly=False
    )
    ev_wallet_overdraft = fields.Monetary(
        related="company_id.ev_wallet_overdraft", readonly=False
    )
    ev_session_hold_max = fields.Monetary(
        related="company_id.ev_session_hold_max", readonly=False
    )
    ev_wallet_max_topup = fields.Monetary(
        related="company_id.ev_wallet_max_topup", readonly=False
    )
    ev_abb_prefix = fields.Char(related="company_id.ev_abb_prefix", readonly=False)
    ev_tax_branch = fields.Char(related="company_id.ev_tax_branch", readonly=False)
    ev_billing_cycle_day = fields.Integer(
        related="company_id.ev_billing_cycle_day", readonly=False
    )

    def action_ev_wallet_create_defaults(self):
        """Create the wallet journal, deposit account and VAT that are still missing."""
        self.company_id._ev_wallet_accounting()
        return {"type": "ir.actions.client", "tag": "reload"}
