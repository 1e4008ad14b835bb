import json

from werkzeug.exceptions import NotFound
from werkzeug.urls import url_encode

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class EvSessionPortal(CustomerPortal):
    """The driver's charging on the portal: their sessions with receipts
    (/my/ev/sessions), the live page of one session and its abbreviated tax invoice.

    A session is shown only to its own driver (portal ``_document_check_access``);
    anyone else gets a 404, never a hint that the session exists. The receipt also
    opens with the session's access token, so a link sent to the driver works.
    """

    _ev_sessions_per_page = 10

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ev_session_count" in counters:
            values["ev_session_count"] = request.env["ev.session"].search_count(
                self._ev_sessions_domain()
            )
        return values

    def _ev_sessions_domain(self):
        return [
            ("partner_id", "=", request.env.user.partner_id.id),
            ("state", "!=", "cancelled"),
        ]

    def _ev_session_check_access(self, session_id, access_token=None):
        """The driver's own session (sudo), or None: another driver's session is never
        shown.
        """
        try:
            session = self._document_check_access(
                "ev.session", session_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return None
        # sudo as the driver (not as superuser): the charger's chatter says who stopped
        # it
        return request.env["ev.session"].sudo().browse(session.id)

    def _ev_receipt_values(self, session):
        return {
            "session": session,
            "currency": session.currency_id,
            "receipt_lines": session._ev_receipt_lines(),
            "receipt_url": session._ev_receipt_url("html"),
            "receipt_pdf_url": session._ev_receipt_url("pdf", download=True),
        }

    # ------------------------------------------------------------------
    # My charging
    # ------------------------------------------------------------------

    @http.route(
        ["/my/ev/sessions", "/my/ev/sessions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_ev_sessions(self, page=1, **kwargs):
        Session = request.env["ev.session"]
        domain = self._ev_sessions_domain()
        count = Session.search_count(domain)
        pager = portal_pager(
            url="/my/ev/sessions",
            total=count,
            page=page,
            step=self._ev_sessions_per_page,
        )
        # newest first, sessions still starting (no start time yet) on top
        sessions = Session.search(
            domain,
            order="create_date desc, id desc",
            limit=self._ev_sessions_per_page,
            offset=pager["offset"],
        )
        [totals] = Session._read_group(
            domain + [("state", "=", "done")],
            aggregates=["__count", "energy_kwh:sum", "amount_total:sum"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_sessions",
                "sessions": sessions.sudo(),
                "pager": pager,
                "totals_count": totals[0],
                "totals_kwh": totals[1],
                "totals_amount": totals[2],
                "currency": request.env.company.currency_id,
                "receipt_values": self._ev_receipt_values,
            }
        )
        return request.render("ev_billing.portal_my_ev_sessions", values)

    # ------------------------------------------------------------------
    # One session, live
    # ------------------------------------------------------------------

    @http.route(
        "/my/ev/sessions/<int:session_id>", type="http", auth="user", website=True
    )
    def portal_my_ev_session(self, session_id, error=None, message=None, **kwargs):
        session = self._ev_session_check_access(session_id)
        if not session:
            raise NotFound()
        values = self._prepare_portal_layout_values()
        values.update(self._ev_receipt_values(session))
        live = session._ev_live_values()
        values.update(
            {
                "page_name": "ev_session",
                "live": live,
                "live_json": json.dumps(live),
                "error": error,
                "message": message,
            }
        )
        return request.render("ev_billing.portal_my_ev_session", values)

    @http.route(
        "/my/ev/sessions/<int:session_id>/live",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def portal_my_ev_session_live(self, session_id, **kwargs):
        """The live values, polled by the session page when the bus (websocket) is
        unavailable; with the receipt's HTML once the session is billed."""
        session = self._ev_session_check_access(session_id)
        if not session:
            return request.make_json_response({"error": "not_found"}, status=404)
        values = session._ev_live_values()
        if values["receipt"]:
            values["receipt_html"] = request.env["ir.qweb"]._render(
                "ev_billing.portal_ev_session_receipt",
                self._ev_receipt_values(session),
            )
        return request.make_json_response(values)

    def _ev_remote_stop(self, session):
        """Stop ``session`` at the charger: (message, error)."""
        try:
            session.action_remote_stop()
        except UserError as exc:
            return "", _("The charger could not be stopped: %s", exc.args[0])
        return _("Stop sent to the charger."), ""

    @http.route(
        "/my/ev/sessions/<int:session_id>/stop",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_ev_session_stop(self, session_id, **kwargs):
        """Stop from the page: JSON for the live page, a redirect without
        JavaScript."""
        session = self._ev_session_check_access(session_id)
        as_json = "application/json" in (
            request.httprequest.headers.get("Accept") or ""
        )
        if not session:
            if as_json:
                return request.make_json_response({"error": "not_found"}, status=404)
            raise NotFound()
        message, error = self._ev_remote_stop(session)
        if as_json:
            return request.make_json_response(
                {"message": message, "error": error, **session._ev_live_values()}
            )
        params = {"message": message} if message else {"error": error}
        return request.redirect(f"/my/ev/sessions/{session.id}?" + url_encode(params))

    # ------------------------------------------------------------------
    # Receipt: the abbreviated tax invoice
    # ------------------------------------------------------------------

    @http.route(
        "/my/ev/sessions/<int:session_id>/receipt",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def portal_my_ev_session_receipt(
        self, session_id, access_token=None, report_type="pdf", download=False, **kw
    ):
        session = self._ev_session_check_access(session_id, access_token=access_token)
        if not session or not session.invoice_id or report_type not in ("html", "pdf"):
            raise NotFound()
        return self._show_report(
            model=session,
            report_type=report_type,
            report_ref="ev_billing.action_report_ev_abbreviated_tax_invoice",
            download=download,
        )
