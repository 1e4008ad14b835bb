from odoo import fields, models


class ResCompany(models.Model):
    """How drivers of this company log in: phone codes and LINE Login."""

    _inherit = "res.company"

    ev_driver_self_signup = fields.Boolean(
        string="Drivers Sign Up by Phone",
        default=True,
        help="A first-time phone number confirmed by its one-time code becomes a new "
        "driver (Member). Off: only drivers registered by an Operator can log in.",
    )
    ev_login_max_codes_per_number = fields.Integer(
        string="Codes per Number per Hour",
        default=5,
        help="Login codes one phone number may ask for in an hour (0 = no limit).",
    )
    ev_login_max_codes_per_ip = fields.Integer(
        string="Codes per Device per Hour",
        default=20,
        help="Login codes one IP address may ask for in an hour (0 = no limit).",
    )
    ev_line_login_channel_id = fields.Char(
        string="LINE Login Channel ID",
        groups="base.group_system,ev_billing.group_ev_admin",
        help="Channel ID of the LINE Login channel (LINE Developers console).",
    )
    ev_line_login_channel_secret = fields.Char(
        string="LINE Login Channel Secret",
        groups="base.group_system,ev_billing.group_ev_admin",
        help="Channel secret of the LINE Login channel; it also signs the ID tokens.",
    )
    ev_line_login_bot_prompt = fields.Selection(
        [("normal", "Offer in the consent screen"), ("aggressive", "Ask after login")],
        string="Add the Official Account",
        default="aggressive",
        groups="base.group_system,ev_billing.group_ev_admin",
        help="Whether LINE invites the driver to add the Official Account linked to "
        "the channel while logging in (LINE's bot_prompt). Empty: never.",
    )
