import hmac
import logging

from werkzeug.exceptions import NotFound
from werkzeug.urls import url_encode

from odoo import _, fields, http
from odoo.exceptions import AccessDenied, UserError
from odoo.http import request

from ..tools import line_login
from .login import ev_log_in_user, ev_login_company, ev_safe_redirect

_logger = logging.getLogger(__name__)

SESSION_KEY = "ev_line_login"
CALLBACK_PATH = "/ev/login/line/callback"


class EvLineLogin(http.Controller):
    """LINE Login v2.1 for drivers: log in (or sign up) by LINE account, and link LINE
    to an existing account from the portal. The LINE endpoints' base URLs come from the
    system parameters ``ev_billing.line_login_auth_base`` / ``..._api_base``."""

    @staticmethod
    def _ev_line_bases():
        params = request.env["ir.config_parameter"].sudo()
        return (
            params.get_param(
                "ev_billing.line_login_auth_base", line_login.DEFAULT_AUTH_BASE
            ),
            params.get_param(
                "ev_billing.line_login_api_base", line_login.DEFAULT_API_BASE
            ),
        )

    @staticmethod
    def _ev_redirect_uri():
        return request.httprequest.url_root.rstrip("/") + CALLBACK_PATH

    def _ev_line_start(self, company, redirect, link_uid=None):
        company = company.sudo()
        if not (
            company.ev_line_login_channel_id and company.ev_line_login_channel_secret
        ):
            raise NotFound()
        flow = line_login.new_flow()
        request.session[SESSION_KEY] = {
            **flow,
            "redirect": redirect,
            "company_id": company.id,
            "link_uid": link_uid,
        }
        auth_base, _api_base = self._ev_line_bases()
        url = line_login.authorize_url(
            auth_base,
            company.ev_line_login_channel_id,
            self._ev_redirect_uri(),
            flow,
            bot_prompt=company.ev_line_login_bot_prompt or None,
        )
        return request.redirect(url, local=False)

    @http.route(
        "/ev/login/line", type="http", auth="public", website=True, sitemap=False
    )
    def ev_login_line(self, redirect=None, **kwargs):
        redirect = ev_safe_redirect(redirect)
        if not request.env.user._is_public():
            return request.redirect(redirect)
        return self._ev_line_start(ev_login_company(redirect), redirect)

    @http.route(
        "/my/ev/line/link",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def ev_line_link(self, **kwargs):
        user = request.env.user
        return self._ev_line_start(user.company_id, "/my/account", link_uid=user.id)

    @http.route(
        "/my/ev/line/unlink",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def ev_line_unlink(self, **kwargs):
        partner = request.env.user.partner_id
        partner.sudo().ev_line_user_id = False
        return request.redirect(
            "/my/account?" + url_encode({"ev_line_message": _("LINE unlinked.")})
        )

    def _ev_line_fail(self, flow, message):
        if flow and flow.get("link_uid"):
            return request.redirect(
                "/my/account?" + url_encode({"ev_line_error": message})
            )
        redirect = (flow or {}).get("redirect") or "/my"
        return request.redirect(
            "/ev/login?" + url_encode({"redirect": redirect, "error": message})
        )

    @staticmethod
    def _ev_line_friend_added(line_user_id, company, friendship_status_changed):
        """With bot_prompt, LINE says ``friendship_status_changed=true`` when the driver
        added the Official Account during login: LINE messages reach them from now on
        (the webhook's follow event may come later, or not at all when the Messaging
        channel's webhook is not set up)."""
        if friendship_status_changed == "true":
            request.env["res.partner"].sudo()._ev_line_follow(
                line_user_id, True, fields.Datetime.now(), company
            )

    @http.route(CALLBACK_PATH, type="http", auth="public", website=True, sitemap=False)
    def ev_login_line_callback(
        self,
        code=None,
        state=None,
        error=None,
        friendship_status_changed=None,
        **kwargs,
    ):
        flow = request.session.pop(SESSION_KEY, None)
        failed = _("LINE login did not succeed. Please try again.")
        if not flow or not isinstance(state, str):
            return self._ev_line_fail(flow, failed)
        if not hmac.compare_digest(state, flow["state"]):
            _logger.info("event=ev_line_login_refused reason=state")
            return self._ev_line_fail(flow, failed)
        if error or not code:
            # the driver cancelled on LINE's consent screen
            return self._ev_line_fail(flow, _("LINE login was cancelled."))
        company = request.env["res.company"].sudo().browse(flow["company_id"])
        _auth_base, api_base = self._ev_line_bases()
        try:
            tokens = line_login.exchange_code(
                api_base,
                company.ev_line_login_channel_id,
                company.ev_line_login_channel_secret,
                self._ev_redirect_uri(),
                code,
                flow["code_verifier"],
            )
            claims = line_login.verify_id_token(
                tokens["id_token"],
                company.ev_line_login_channel_id,
                company.ev_line_login_channel_secret,
                flow["nonce"],
            )
        except line_login.LineLoginError as exc:
            _logger.info("event=ev_line_login_refused reason=%s", exc)
            return self._ev_line_fail(flow, failed)
        Users = request.env["res.users"].sudo()
        line_user_id = claims["sub"]
        if flow.get("link_uid"):
            user = request.env.user
            if user.id != flow["link_uid"]:
                return self._ev_line_fail(flow, failed)
            try:
                user.partner_id._ev_link_line(line_user_id)
            except UserError as exc:
                return self._ev_line_fail(flow, exc.args[0])
            self._ev_line_friend_added(line_user_id, company, friendship_status_changed)
            return request.redirect(
                "/my/account?" + url_encode({"ev_line_message": _("LINE linked.")})
            )
        try:
            with request.env.cr.savepoint():
                user = Users._ev_user_for_line(
                    line_user_id, claims.get("name"), company
                )
        except UserError as exc:
            return self._ev_line_fail(flow, exc.args[0])
        if not user:
            return self._ev_line_fail(
                flow,
                _(
                    "No driver account uses this LINE account. Log in with your "
                    "phone number, then link LINE from My Account."
                ),
            )
        self._ev_line_friend_added(line_user_id, company, friendship_status_changed)
        try:
            return ev_log_in_user(user, flow["redirect"])
        except AccessDenied:
            return self._ev_line_fail(flow, failed)
