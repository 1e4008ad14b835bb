import logging
import re

from werkzeug.urls import url_encode

from odoo import _, http
from odoo.exceptions import AccessDenied, UserError
from odoo.http import request

from odoo.addons.auth_signup.controllers.main import AuthSignupHome

from ..models.ev_login_code import EvLoginCodeRateLimited
from ..models.res_users_login import TICKET_CREDENTIAL
from ..tools import ev_looks_like_phone, ev_phone_e164

_logger = logging.getLogger(__name__)

QR_PAGE_RE = re.compile(r"^/ev/c/([A-Za-z0-9_-]+)")
SESSION_KEY = "ev_login"


def ev_safe_redirect(redirect):
    """A local path to go back to after login (never another site)."""
    if (
        isinstance(redirect, str)
        and redirect.startswith("/")
        and not redirect.startswith("//")
        and "\\" not in redirect
    ):
        return redirect
    return "/my"


def ev_login_company(redirect):
    """The company a driver logs in to: the one running the QR page they come from,
    else the website's."""
    match = QR_PAGE_RE.match(redirect or "")
    if match:
        connector = (
            request.env["ev.connector"]
            .sudo()
            .search([("access_token", "=", match.group(1))], limit=1)
        )
        if connector:
            return connector.company_id
    return request.env.company.sudo()


def ev_log_in_user(user, redirect):
    """Log ``user`` (a portal user who proved who they are) in and go to
    ``redirect``.

    The ticket is committed first: Odoo authenticates in its own cursor.
    """
    ticket = request.env["ev.login.code"].sudo()._ev_issue_ticket(user)
    request.env.cr.commit()
    credential = {"type": TICKET_CREDENTIAL, "login": user.login, "ev_ticket": ticket}
    auth_info = request.session.authenticate(request.db, credential)
    if not request.session.uid:
        # second factor enabled on the account: Odoo's own page asks for it
        url = (
            request.env(user=auth_info["uid"])["res.users"]
            .browse(auth_info["uid"])
            ._mfa_url()
        )
        return request.redirect(url + "?" + url_encode({"redirect": redirect}))
    return request.redirect(redirect)


class EvDriverLogin(http.Controller):
    """Log in to charge without a password: a one-time code by SMS (first-time numbers
    sign up when the company allows it), or LINE Login (controllers/line_login.py)."""

    def _ev_login_values(self, redirect, **values):
        company = ev_login_company(redirect)
        return {
            "redirect": redirect,
            "company": company,
            "line_login_enabled": bool(company.sudo().ev_line_login_channel_id),
            **values,
        }

    @http.route("/ev/login", type="http", auth="public", website=True, sitemap=False)
    def ev_login(self, redirect=None, phone=None, error=None, **kwargs):
        redirect = ev_safe_redirect(redirect)
        if not request.env.user._is_public():
            return request.redirect(redirect)
        values = self._ev_login_values(redirect, phone=phone or "", error=error)
        return request.render("ev_billing.ev_login_phone", values)

    @http.route(
        "/ev/login/send",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def ev_login_send(self, phone=None, redirect=None, **kwargs):
        redirect = ev_safe_redirect(redirect)
        company = ev_login_company(redirect)
        e164 = ev_phone_e164(phone, (company.country_id,))
        if not e164:
            values = self._ev_login_values(
                redirect,
                phone=phone or "",
                error=_("Enter a valid mobile number, for example 081 234 5678."),
            )
            return request.render("ev_billing.ev_login_phone", values)
        try:
            request.env["ev.login.code"].sudo()._ev_send_code(
                e164, company, request.httprequest.remote_addr
            )
        except EvLoginCodeRateLimited as exc:
            values = self._ev_login_values(redirect, phone=phone, error=exc.args[0])
            return request.render("ev_billing.ev_login_phone", values)
        request.session[SESSION_KEY] = {
            "phone": e164,
            "company_id": company.id,
            "redirect": redirect,
        }
        return request.redirect("/ev/login/code")

    @http.route(
        "/ev/login/code", type="http", auth="public", website=True, sitemap=False
    )
    def ev_login_code(self, error=None, **kwargs):
        pending = request.session.get(SESSION_KEY)
        if not pending:
            return request.redirect("/ev/login")
        values = self._ev_login_values(
            pending["redirect"], phone=pending["phone"], error=error
        )
        return request.render("ev_billing.ev_login_code", values)

    @http.route(
        "/ev/login/verify",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def ev_login_verify(self, code=None, **kwargs):
        pending = request.session.get(SESSION_KEY)
        if not pending:
            return request.redirect("/ev/login")
        phone, redirect = pending["phone"], pending["redirect"]
        company = request.env["res.company"].sudo().browse(pending["company_id"])
        Codes = request.env["ev.login.code"].sudo()
        # The same answer for a wrong, expired, used or locked code and for a number
        # that may not log in: nothing tells whether the number is registered.
        wrong = _("This code is not valid. Check the SMS or ask for a new code.")
        # (the failed try is kept: the request ends normally and commits)
        if not Codes._ev_verify_code(phone, code):
            return request.redirect("/ev/login/code?" + url_encode({"error": wrong}))
        try:
            with request.env.cr.savepoint():
                user = request.env["res.users"]._ev_user_for_verified_phone(
                    phone, company
                )
        except UserError as exc:
            _logger.info("event=ev_login_signup_refused reason=%s", exc.args[0])
            user = False
        if not user:
            return request.redirect("/ev/login/code?" + url_encode({"error": wrong}))
        request.session.pop(SESSION_KEY, None)
        try:
            return ev_log_in_user(user, redirect)
        except AccessDenied:
            return request.redirect("/ev/login?" + url_encode({"redirect": redirect}))


class EvResetPassword(AuthSignupHome):
    """A phone number on *Reset password* goes to the SMS code login: drivers have no
    password to reset and often no email."""

    @http.route()
    def web_auth_reset_password(self, *args, **kw):
        login = kw.get("login")
        if (
            request.httprequest.method == "POST"
            and not kw.get("token")
            and ev_looks_like_phone(login)
        ):
            return request.redirect(
                "/ev/login?" + url_encode({"phone": login, "redirect": "/my"})
            )
        return super().web_auth_reset_password(*args, **kw)
