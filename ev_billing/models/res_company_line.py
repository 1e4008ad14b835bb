from odoo import fields, models

LINE_API_URL = "https://api.line.me"


class ResCompany(models.Model):
    """LINE Messaging API channel of the company's LINE Official Account, and when a
    driver hears that their wallet runs low."""

    _inherit = "res.company"

    ev_line_channel_access_token = fields.Char(
        string="LINE Channel Access Token",
        groups="base.group_system,ev_billing.group_ev_admin",
        copy=False,
        help="Long-lived channel access token of the Messaging API channel "
        "(LINE Developers console › Messaging API).",
    )
    ev_line_channel_secret = fields.Char(
        string="LINE Channel Secret",
        groups="base.group_system,ev_billing.group_ev_admin",
        copy=False,
        help="Signs the webhook requests of the LINE platform (Basic settings).",
    )
    ev_line_add_friend_url = fields.Char(
        string="LINE Add-Friend Link",
        help="The Official Account's add-friend link (https://lin.ee/…), shown to "
        "drivers who do not follow it yet.",
    )
    ev_low_balance_threshold = fields.Monetary(
        string="Low Balance Warning",
        currency_field="currency_id",
        default=100.0,
        help="A driver is told once when a charge or withdrawal takes their wallet "
        "below this balance (0: never).",
    )

    def _ev_line_configured(self):
        self.ensure_one()
        return bool(self.sudo().ev_line_channel_access_token)
