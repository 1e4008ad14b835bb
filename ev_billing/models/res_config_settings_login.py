from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ev_driver_self_signup = fields.Boolean(
        related="company_id.ev_driver_self_signup", readonly=False
    )
    ev_login_max_codes_per_number = fields.Integer(
        related="company_id.ev_login_max_codes_per_number", readonly=False
    )
    ev_login_max_codes_per_ip = fields.Integer(
        related="company_id.ev_login_max_codes_per_ip", readonly=False
    )
    ev_line_login_channel_id = fields.Char(
        related="company_id.ev_line_login_channel_id", readonly=False
    )
    ev_line_login_channel_secret = fields.Char(
        related="company_id.ev_line_login_channel_secret", readonly=False
    )
    ev_line_login_bot_prompt = fields.Selection(
        related="company_id.ev_line_login_bot_prompt", readonly=False
    )
