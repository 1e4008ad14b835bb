"""LINE platform webhook, the driver's receipt link and notification preferences."""

import json
import logging
import secrets

from werkzeug.urls import url_encode

from odoo import http
from odoo.http import request

from ..models.res_partner_notification import PREFERENCE_FIELDS
from ..tools import line_messaging

_logger = logging.getLogger(__name__)

ACCOUNT_LINK_URL = "https://access.line.me/dialog/bot/accountLink"


class EvLineController(http.Controller):
    # ------------------------------------------------------------------ webhook
    @http.route(
        "/ev/line/webhook",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def line_webhook(self, **query):
        """Events from the LINE platform. The signature is checked against each
        company's channel secret on the raw body before anything of it is read."""
        body = request.httprequest.get_data()
        signature = request.httprequest.headers.get("X-Line-Signature", "")
        company = next(
            (
                company
                for company in request.env["res.company"]
                .sudo()
                .search([("ev_line_channel_secret", "!=", False)])
                if line_messaging.verify_signature(
                    company.ev_line_channel_secret, body, signature
                )
            ),
            None,
        )
        if company is None:
            _logger.info("event=line_webhook_refused reason=signature")
            return request.make_json_response(
                {"error": "invalid signature"}, status=403
            )
        try:
            payload = json.loads(body)
        except ValueError:
            return request.make_json_response({"error": "body is not JSON"}, status=400)
        events = payload.get("events") if isinstance(payload, dict) else None
        request.env["res.partner"].sudo()._ev_line_webhook(events, company)
        return request.make_json_response({})

    # ------------------------------------------------------------------ preferences
    @http.route(
        "/my/ev/notifications",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def my_notifications(self, **post):
        """The driver switches each kind of message on or off (also on My Account)."""
        partner = request.env.user.partner_id
        if request.httprequest.method == "POST":
            partner.sudo().write(
                {
                    field: bool(post.get(field))
                    for field in set(PREFERENCE_FIELDS.values())
                }
            )
            back = post.get("redirect")
            if back in ("/my/account", "/my/ev/notifications"):
                return request.redirect(back + "?" + url_encode({"ev_saved": 1}))
            return request.redirect("/my/ev/notifications?ev_saved=1")
        return request.render(
            "ev_billing.portal_my_ev_notifications",
            {
                "partner": partner,
                "saved": post.get("ev_saved"),
                "page_name": "ev_notifications",
            },
        )

    @http.route("/my/ev/line/link", type="http", auth="user", website=True)
    def my_line_link(self, linkToken=None, **kw):  # noqa: N803 (LINE's parameter name)
        """Account link started from the LINE chat: the bot sends the driver here with
        a link token; LINE calls the webhook back with the nonce issued here."""
        if not isinstance(linkToken, str) or not linkToken:
            return request.redirect("/my/ev/notifications")
        nonce = secrets.token_urlsafe(24)
        request.env.user.partner_id.sudo().ev_line_link_nonce = nonce
        return request.redirect(
            ACCOUNT_LINK_URL
            + "?"
            + url_encode({"linkToken": linkToken, "nonce": nonce}),
            local=False,
        )
