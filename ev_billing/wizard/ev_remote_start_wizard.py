from odoo import _, api, fields, models

from ..models.ev_session import RemoteStartFailed


class EvRemoteStartWizard(models.TransientModel):
    """An Operator starts a charge for a driver from the backend, optionally buying X
    kWh.

    The session is opened in ``pending`` with a one-time request id that the charger
    presents as its idTag; the bridge stops the charger when the bought energy is
    delivered.
    """

    _name = "ev.remote.start.wizard"
    _description = "Start Charging"

    connector_id = fields.Many2one("ev.connector", required=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner",
        string="Driver",
        required=True,
        domain=[("ev_is_driver", "=", True)],
    )
    requested_kwh = fields.Float(
        string="Buy (kWh)",
        digits=(12, 3),
        help="Leave 0 to charge until the driver stops or the wallet runs out.",
    )
    currency_id = fields.Many2one(related="connector_id.company_id.currency_id")
    quote_amount = fields.Monetary(string="Price (VAT incl.)", compute="_compute_quote")
    quote_minutes = fields.Integer(string="Estimated Minutes", compute="_compute_quote")
    wallet_balance = fields.Monetary(string="Wallet", compute="_compute_wallet_balance")

    @api.depends("partner_id", "connector_id")
    def _compute_wallet_balance(self):
        # the driver's wallet in the charger's company
        for wizard in self:
            company = wizard.connector_id.company_id or self.env.company
            wizard.wallet_balance = (
                wizard.partner_id.commercial_partner_id.with_company(
                    company
                ).ev_wallet_balance
                if wizard.partner_id
                else 0.0
            )

    @api.depends("connector_id", "partner_id", "requested_kwh")
    def _compute_quote(self):
        for wizard in self:
            wizard.quote_amount = wizard.quote_minutes = 0
            if wizard.requested_kwh > 0 and wizard.connector_id.station_id.tariff_id:
                quote = wizard.connector_id.station_id.tariff_id._ev_quote(
                    wizard.requested_kwh,
                    tier=wizard.partner_id.ev_tier or "member",
                    connector=wizard.connector_id,
                )
                wizard.quote_amount = quote["amount_total"]
                wizard.quote_minutes = quote["duration_minutes"]

    def action_start(self):
        self.ensure_one()
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_operator", _("start a charge remotely")
        )
        try:
            session = self.env["ev.session"]._ev_remote_start(
                self.connector_id, self.partner_id, self.requested_kwh
            )
        except RemoteStartFailed as error:
            # Shown as a notification, not raised: raising would roll back the
            # cancelled session that records what the charger answered.
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": _("Charging could not start"),
                    "message": error.args[0],
                    "type": "danger",
                    "sticky": True,
                    "next": {
                        "type": "ir.actions.act_window",
                        "res_model": "ev.session",
                        "res_id": error.session.id,
                        "views": [(False, "form")],
                    },
                },
            }
        return {
            "type": "ir.actions.act_window",
            "res_model": "ev.session",
            "res_id": session.id,
            "view_mode": "form",
        }
