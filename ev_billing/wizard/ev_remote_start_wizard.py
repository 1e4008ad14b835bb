import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EvRemoteStartWizard(models.TransientModel):
    """An Operator starts a charge for a driver from the backend, optionally buying X kWh.

    The session is opened in ``pending`` with a one-time request id that the charger presents
    as its idTag; the bridge stops the charger when the bought energy is delivered.
    """
    _name = 'ev.remote.start.wizard'
    _description = 'Start Charging'

    connector_id = fields.Many2one('ev.connector', required=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string='Driver', required=True, domain=[('ev_is_driver', '=', True)])
    requested_kwh = fields.Float(string='Buy (kWh)', digits=(12, 3),
                                 help="Leave 0 to charge until the driver stops or the wallet runs out.")
    currency_id = fields.Many2one(related='connector_id.company_id.currency_id')
    quote_amount = fields.Monetary(string='Price (VAT incl.)', compute='_compute_quote')
    quote_minutes = fields.Integer(string='Estimated Minutes', compute='_compute_quote')
    wallet_balance = fields.Monetary(related='partner_id.ev_wallet_balance', string='Wallet')

    @api.depends('connector_id', 'partner_id', 'requested_kwh')
    def _compute_quote(self):
        for wizard in self:
            wizard.quote_amount = wizard.quote_minutes = 0
            if wizard.requested_kwh > 0 and wizard.connector_id.station_id.tariff_id:
                quote = wizard.connector_id.station_id.tariff_id._ev_quote(
                    wizard.requested_kwh, tier=wizard.partner_id.ev_tier or 'member', connector=wizard.connector_id)
                wizard.quote_amount = quote['amount_total']
                wizard.quote_minutes = quote['duration_minutes']

    def action_start(self):
        self.ensure_one()
        if not self.env.user.has_group('ev_billing.group_ev_operator'):
            raise UserError(_("Only EV Operators can start a charge remotely."))
        if self.requested_kwh < 0:
            raise UserError(_("The energy to buy cannot be negative."))
        charger = self.connector_id.charger_id
        ok, reason, _max_energy = self.partner_id._ev_start_check(charger)
        if not ok:
            raise UserError(_("%(driver)s cannot start: %(reason)s", driver=self.partner_id.display_name, reason=reason))
        request_id = 'EV' + secrets.token_hex(9).upper()  # an OCPP idTag has at most 20 characters
        session = self.env['ev.session'].sudo().create({
            'state': 'pending',
            'remote_request_id': request_id,
            'charger_id': charger.id,
            'connector_id': self.connector_id.id,
            'station_id': charger.station_id.id,
            'company_id': charger.company_id.id,
            'partner_id': self.partner_id.id,
            'requested_kwh': self.requested_kwh,
        })
        session._ev_freeze_tariff()
        session.max_energy_wh = session._ev_max_energy_wh()
        answer = charger._bridge_command('remote_start_transaction', {
            'connector_id': self.connector_id.connector_number,
            'id_tag': request_id,
            'remote_request_id': request_id,
            'max_energy_wh': session.max_energy_wh or None,
        })
        if answer.get('status') != 'Accepted':
            session.state = 'cancelled'
            raise UserError(_("The charger refused to start: %s", answer.get('status')))
        session.message_post(body=_("Started from Odoo by %(user)s for %(kwh)s kWh.",
                                    user=self.env.user.name, kwh=self.requested_kwh or '∞'))
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'ev.session',
            'res_id': session.id,
            'view_mode': 'form',
        }
