import math

from werkzeug.exceptions import NotFound
from werkzeug.urls import url_encode

from odoo import _, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

# A remote start is sent only while the connector is free or a car is plugged in and
# waiting.
STARTABLE_STATUSES = ("Available", "Preparing")


class EvConnectorPage(CustomerPortal):
    """The page a driver reaches by scanning the QR code on a connector.

    The connector is found by its token on every request (hr_attendance's kiosk
    pattern). Starting sends the driver to their live session page
    (controllers/session.py).
    """

    @staticmethod
    def _ev_connector(access_token):
        """The connector of a QR page: unknown tokens and archived (trashed) chargers
        find nothing.
        """
        if not access_token or not isinstance(access_token, str):
            return request.env["ev.connector"]
        connector = (
            request.env["ev.connector"]
            .sudo()
            .search([("access_token", "=", access_token)], limit=1)
        )
        if not (connector.charger_id.active and connector.station_id.active):
            return request.env["ev.connector"]
        return connector

    @staticmethod
    def _ev_driver():
        """The logged-in driver (their partner), or an empty recordset."""
        user = request.env.user
        if user._is_public() or not user.partner_id.ev_is_driver:
            return request.env["res.partner"]
        return user.partner_id

    def _ev_start_refusal(self, connector, partner):
        """Why ``partner`` may not start on ``connector`` now (re-checked on every
        start), or ''.
        """
        user = request.env.user
        if not partner:
            return _("Only registered EV drivers can start a charge.")
        company = connector.company_id
        if (
            connector.station_id.company_id != company
            or company not in user.company_ids
            or (partner.company_id and partner.company_id != company)
        ):
            return _(
                "This charger is run by another operator: "
                "you cannot charge here with your account."
            )
        if connector.station_id.state != "open":
            return _("This station is not open for charging.")
        if connector.status not in STARTABLE_STATUSES:
            return _(
                "The connector is %(status)s: "
                "it must be Available or Preparing to start.",
                status=dict(
                    connector._fields["status"]._description_selection(request.env)
                )[connector.status],
            )
        return ""

    @http.route(
        "/ev/c/<string:access_token>",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def ev_connector_page(self, access_token, error=None, **kwargs):
        connector = self._ev_connector(access_token)
        if not connector:
            raise NotFound()
        station = connector.station_id
        partner = self._ev_driver()
        company = connector.company_id
        values = {
            "connector": connector,
            "station": station,
            "access_token": access_token,
            "driver": partner,
            "wallet_balance": partner
            and partner.commercial_partner_id.with_company(company).ev_wallet_balance,
            "currency": company.currency_id,
            "is_public": request.env.user._is_public(),
            "login_url": "/ev/login?"
            + url_encode({"redirect": f"/ev/c/{access_token}"}),
            "line_login_url": company.sudo().ev_line_login_channel_id
            and "/ev/login/line?" + url_encode({"redirect": f"/ev/c/{access_token}"}),
            "station_open": station.state == "open" and bool(station.tariff_id),
            "start_refusal": partner and self._ev_start_refusal(connector, partner),
            "error": error,
            "presets": (5, 10, 20, 40),
            "default_kwh": 10,
        }
        return request.render("ev_billing.ev_connector_page", values)

    @http.route(
        "/ev/c/<string:access_token>/start",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def ev_connector_start(self, access_token, kwh=None, **kwargs):
        connector = self._ev_connector(access_token)
        if not connector:
            raise NotFound()
        partner = self._ev_driver()
        error = self._ev_start_refusal(connector, partner)
        if not error:
            try:
                kwh = float(str(kwh).replace(",", "."))
            except (TypeError, ValueError):
                kwh = 0.0
            if not (kwh > 0 and math.isfinite(kwh)):
                error = _("Choose how many kWh to buy.")
        if not error:
            Session = request.env["ev.session"].with_company(connector.company_id)
            try:
                session = Session._ev_remote_start(connector, partner, kwh)
            except UserError as exc:
                # The session, if one was opened, is cancelled: the driver tries again
                # or asks for help.
                error = _("Charging could not start: %s", exc.args[0])
            else:
                return request.redirect(f"/my/ev/sessions/{session.id}")
        return request.redirect(f"/ev/c/{access_token}?" + url_encode({"error": error}))
