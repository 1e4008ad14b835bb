from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ev_owner_fee_account_id = fields.Many2one(
        related="company_id.ev_owner_fee_account_id", readonly=False
    )
    ev_owner_share_account_id = fields.Many2one(
        related="company_id.ev_owner_share_account_id", readonly=False
    )
    ev_owner_sale_tax_id = fields.Many2one(
        related="company_id.ev_owner_sale_tax_id", readonly=False
    )
    ev_owner_purchase_tax_id = fields.Many2one(
        related="company_id.ev_owner_purchase_tax_id", readonly=False
    )
    ev_owner_payout_journal_id = fields.Many2one(
        related="company_id.ev_owner_payout_journal_id", readonly=False
    )
    ev_owner_auto_payout = fields.Boolean(
        related="company_id.ev_owner_auto_payout", readonly=False
    )
