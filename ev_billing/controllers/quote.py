from odoo import http
from odoo.exceptions import UserError
from odoo.http import request


class EvQuoteController(http.Controller):
    """Price and duration of X kWh, asked by the connector's QR page on every kWh
    change.
    """

    @staticmethod
    def _get_connector(access_token):
        """The connector of a QR page, found by its token (re-checked on every call)."""
        if not access_token or not isinstance(access_token, str):
            return request.env["ev.connector"]
        return (
            request.env["ev.connector"]
            .sudo()
            .search([("access_token", "=", access_token)], limit=1)
        )

    @staticmethod
    def _driver_tier(tier=None):
        """The logged-in driver's tier; an internal user may preview another tier; else
        Member.
        """
        user = request.env.user
        if user._is_public():
            return "member"
        if tier and user._is_internal():
            return tier
        return user.partner_id.ev_tier or "member"

    @http.route("/ev/quote", type="json", auth="public", methods=["POST"], csrf=False)
    def ev_quote(self, access_token=None, kwh=None, tier=None, **kwargs):
        connector = self._get_connector(access_token)
        if (
            not connector
            or not connector.station_id
            or connector.station_id.state != "open"
        ):
            return {"error": "not_found"}
        station = connector.station_id
        company = connector.company_id
        tariff = station.tariff_id
        if not tariff or tariff.company_id != company:
            return {"error": "no_tariff"}
        try:
            kwh = float(kwh)
        except (TypeError, ValueError):
            return {"error": "invalid_kwh"}
        env = request.env(
            context=dict(request.env.context, allowed_company_ids=company.ids)
        )
        Tariff = env["ev.tariff"].sudo().with_company(company)
        try:
            result = Tariff._ev_quote(
                kwh,
                tier=self._driver_tier(tier),
                station=station.with_env(Tariff.env),
                connector=connector.with_env(Tariff.env),
            )
        except UserError as error:
            return {"error": "invalid", "message": str(error)}
        result["currency_id"] = station.currency_id.id  # for formatCurrency
        result["connector"] = connector.name
        result["station"] = station.name
        return result
