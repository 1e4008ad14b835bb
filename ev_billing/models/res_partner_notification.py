from odoo import fields, models

# Kinds a driver can switch off, with the partner field holding the choice.
PREFERENCE_FIELDS = {
    "started": "ev_notify_started",
    "almost_done": "ev_notify_almost_done",
    "finished": "ev_notify_finished",
    "overstay_soon": "ev_notify_overstay",
    "overstay_started": "ev_notify_overstay",
    "low_balance": "ev_notify_low_balance",
    "topup": "ev_notify_topup",
}


class ResPartner(models.Model):
    """Which messages a driver wants from the stations (My Account)."""

    _inherit = "res.partner"

    ev_notify_started = fields.Boolean(string="Charging started", default=True)
    ev_notify_almost_done = fields.Boolean(string="Charging almost done", default=True)
    ev_notify_finished = fields.Boolean(
        string="Charging finished and receipt", default=True
    )
    ev_notify_overstay = fields.Boolean(string="Overstay fee warnings", default=True)
    ev_notify_low_balance = fields.Boolean(string="Low wallet balance", default=True)
    ev_notify_topup = fields.Boolean(string="Top-up confirmed", default=True)
    ev_line_follow_date = fields.Datetime(
        string="LINE Follow Changed",
        copy=False,
        groups="ev_billing.group_ev_operator",
        help="Time of the last follow/unfollow event applied: an older event "
        "delivered late does not undo a newer one.",
    )
    ev_line_link_nonce = fields.Char(
        copy=False,
        groups="base.group_system",
        help="One-time nonce of a LINE account link started from My Account.",
    )

    def _ev_wants(self, kind):
        self.ensure_one()
        field = PREFERENCE_FIELDS.get(kind)
        return not field or self.sudo()[field]

    def _ev_notification_lang(self):
        """Thai or English, from the driver's language."""
        self.ensure_one()
        return "th_TH" if (self.lang or "").startswith("th") else "en_US"
