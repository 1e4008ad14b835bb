from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ev_line_channel_access_token = fields.Char(
        related="company_id.ev_line_channel_access_token", readonly=False
    )
    ev_line_channel_secret = fields.Char(
        related="company_id.ev_line_channel_secret", readonly=False
    )
    ev_line_add_friend_url = fields.Char(
        related="company_id.ev_line_add_friend_url", readonly=False
    )
    ev_low_balance_threshold = fields.Monetary(
        related="company_id.ev_low_balance_threshold", readonly=False
    )
    ev_line_webhook_url = fields.Char(
        string="LINE Webhook URL", compute="_compute_ev_line_webhook_url"
    )

    def _compute_ev_line_webhook_url(self):
        for settings in self:
            settings.ev_line_webhook_url = (
                settings.company_id.get_base_url() + "/ev/line/webhook"
            )
