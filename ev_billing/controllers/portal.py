from werkzeug.urls import url_encode

from odoo import _, http
from odoo.http import request
from odoo.tools import float_round

from odoo.addons.payment import utils as payment_utils
from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.payment_transaction import WALLET_REFERENCE_PREFIX


class EvWalletPortal(CustomerPortal):
    """The driver's wallet on the portal: balance, what is due, the ledger, online top-up.

    Records are read as the logged-in user (record rules keep a driver to their own wallet);
    nothing is read with sudo before the partner is known to be the user's.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if 'ev_wallet_count' in counters:
            values['ev_wallet_count'] = request.env['ev.wallet.transaction'].search_count([])
        return values

    @http.route('/my/wallet', type='http', auth='user', website=False)
    def portal_my_wallet(self, **kwargs):
        partner = request.env.user.partner_id.commercial_partner_id
        lines = request.env['ev.wallet.transaction'].search([('partner_id', '=', partner.id)], limit=50)
        values = self._prepare_portal_layout_values()
        values.update({
            'page_name': 'ev_wallet',
            'partner': partner,
            'balance': partner.ev_wallet_balance,
            'due': partner.ev_wallet_due,
            'currency': request.env.company.currency_id,
            'lines': lines,
            'error': kwargs.get('error'),
        })
        return request.render('ev_billing.portal_my_wallet', values)

    @http.route('/my/wallet/topup', type='http', auth='user', methods=['POST'], website=False)
    def portal_my_wallet_topup(self, amount=None, **kwargs):
        """Send the driver to Odoo's payment page for a top-up of ``amount``."""
        currency = request.env.company.currency_id
        try:
            amount = float_round(float(amount or 0), precision_rounding=currency.rounding)
        except ValueError:
            amount = 0.0
        if amount <= 0:
            return request.redirect('/my/wallet?' + url_encode({'error': _("Enter an amount to top up.")}))
        partner = request.env.user.partner_id
        params = {
            'reference': f'{WALLET_REFERENCE_PREFIX}-{partner.commercial_partner_id.id}',
            'amount': amount,
            'currency_id': currency.id,
            'partner_id': partner.id,
            'company_id': request.env.company.id,
            'access_token': payment_utils.generate_access_token(partner.id, amount, currency.id),
        }
        return request.redirect('/payment/pay?' + url_encode(params))
