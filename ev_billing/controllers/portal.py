import math

from werkzeug.urls import url_encode

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request
from odoo.tools import float_round

from odoo.addons.payment import utils as payment_utils
from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.payment_transaction import WALLET_REFERENCE_PREFIX


class EvWalletPortal(CustomerPortal):
    """The driver's wallet on the portal: balance, what is due, the ledger, online top-
    up.

    Records are read as the logged-in user (record rules keep a driver to their own
    wallet); nothing is read with sudo before the partner is known to be the user's.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ev_wallet_count" in counters:
            values["ev_wallet_count"] = request.env[
                "ev.wallet.transaction"
            ].search_count([])
        return values

    @http.route("/my/wallet", type="http", auth="user", website=True)
    def portal_my_wallet(self, **kwargs):
        user_partner = request.env.user.partner_id
        # a wallet is per company: the page shows the current website's company's
        company = request.env.company
        partner = user_partner.commercial_partner_id.with_company(company)
        lines = request.env["ev.wallet.transaction"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)],
            limit=50,
        )
        held_sessions = (
            request.env["ev.session"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner.id),
                    ("company_id", "=", company.id),
                    ("wallet_hold_amount", ">", 0),
                ]
            )
        )
        pending = request.env["ev.wallet.topup.request"].search(
            [("partner_id", "=", partner.id), ("state", "=", "pending")]
        )
        sessions = request.env["ev.session"].search(
            [
                ("partner_id", "=", user_partner.id),
                ("invoice_id", "!=", False),
                ("full_tax_invoice_number", "=", False),
            ],
            order="stop_time desc",
            limit=50,
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_wallet",
                "partner": partner,
                "balance": partner.ev_wallet_balance,
                "due": partner.ev_wallet_due,
                "held": partner.ev_wallet_held,
                "held_sessions": held_sessions,
                "max_topup": company.ev_wallet_max_topup,
                "currency": company.currency_id,
                "lines": lines,
                "pending_topups": pending,
                "promptpay": bool(request.env.company._ev_promptpay_bank_account()),
                "invoiceable_sessions": sessions,
                "error": kwargs.get("error"),
                "message": kwargs.get("message"),
            }
        )
        return request.render("ev_billing.portal_my_wallet", values)

    def _ev_wallet_redirect(self, **params):
        return request.redirect("/my/wallet?" + url_encode(params))

    def _ev_portal_amount(self, amount):
        """The top-up amount typed by the driver, or 0.0 when it is not one: empty,
        not a number, not finite (``inf``, ``nan``, ``1e308``), not positive or above
        the company's maximum top-up. Every caller answers 0.0 with the same message."""
        company = request.env.company
        try:
            value = float(amount or 0)
        except (TypeError, ValueError):
            return 0.0
        maximum = company.ev_wallet_max_topup
        if not math.isfinite(value) or value <= 0 or (maximum and value > maximum):
            return 0.0
        return float_round(value, precision_rounding=company.currency_id.rounding)

    def _ev_amount_error(self):
        company = request.env.company
        if company.ev_wallet_max_topup:
            return _(
                "Enter an amount to top up, up to %s.",
                company.currency_id.format(company.ev_wallet_max_topup),
            )
        return _("Enter an amount to top up.")

    @http.route(
        "/my/wallet/promptpay", type="http", auth="user", methods=["POST"], website=True
    )
    def portal_my_wallet_promptpay(self, amount=None, **kwargs):
        """A pending transfer top-up of ``amount`` and the PromptPay QR to pay it."""
        amount = self._ev_portal_amount(amount)
        if amount <= 0:
            return self._ev_wallet_redirect(error=self._ev_amount_error())
        company = request.env.company
        bank = company._ev_promptpay_bank_account()
        if not bank:
            return self._ev_wallet_redirect(
                error=_("Paying by QR code is not available.")
            )
        topup = (
            request.env["ev.wallet.topup.request"]
            .sudo()
            .create(
                {
                    "partner_id": request.env.user.partner_id.commercial_partner_id.id,
                    "company_id": company.id,
                    "amount": amount,
                    "method": "promptpay",
                    "bank_account_id": bank.id,
                }
            )
        )
        return request.redirect(f"/my/wallet/topup/{topup.id}")

    @http.route(
        "/my/wallet/topup/<int:topup_id>", type="http", auth="user", website=True
    )
    def portal_my_wallet_topup_request(self, topup_id, **kwargs):
        try:
            topup = self._document_check_access("ev.wallet.topup.request", topup_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_wallet_topup",
                "topup": topup,
                "qr_code": topup.state == "pending" and topup._ev_qr_code(),
                "currency": topup.currency_id,
            }
        )
        return request.render("ev_billing.portal_my_wallet_topup_request", values)

    @http.route(
        "/my/wallet/tax_invoice",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_wallet_tax_invoice(self, **post):
        """Full tax invoice for some of the driver's own billed sessions, to the buyer
        they name.
        """
        try:
            session_ids = [
                int(i) for i in request.httprequest.form.getlist("session_ids")
            ]
        except ValueError:
            session_ids = []
        if not session_ids:
            return self._ev_wallet_redirect(
                error=_("Choose the sessions for the full tax invoice.")
            )
        # Read as the driver: the record rule keeps them to their own sessions.
        sessions = request.env["ev.session"].search(
            [
                ("id", "in", session_ids),
                ("partner_id", "=", request.env.user.partner_id.id),
            ]
        )
        if len(sessions) != len(set(session_ids)):
            return self._ev_wallet_redirect(
                error=_("You can only ask for a tax invoice for your own sessions.")
            )
        buyer_vals = {
            "name": (post.get("buyer_name") or "").strip(),
            "street": (post.get("buyer_street") or "").strip(),
            "city": (post.get("buyer_city") or "").strip(),
            "zip": (post.get("buyer_zip") or "").strip(),
            "vat": (post.get("buyer_vat") or "").strip(),
            "ev_tax_branch": (post.get("buyer_branch") or "").strip() or "00000",
        }
        if not (
            buyer_vals["name"]
            and buyer_vals["vat"]
            and (buyer_vals["street"] or buyer_vals["city"])
        ):
            return self._ev_wallet_redirect(
                error=_("Enter the name, address and tax id for the tax invoice.")
            )
        try:
            with request.env.cr.savepoint():
                full = sessions.sudo()._ev_issue_full_tax_invoice(
                    self._ev_portal_buyer(buyer_vals)
                )
        except UserError as e:
            return self._ev_wallet_redirect(error=str(e))
        return self._ev_wallet_redirect(
            message=_("Full tax invoice %s issued.", full.name)
        )

    def _ev_portal_buyer(self, vals):
        """The buyer partner of a portal tax invoice request: an identical one, or a new
        one.

        A driver never edits an existing contact: someone else's company with the same
        tax id keeps its address.
        """
        Partner = request.env["res.partner"].sudo()
        buyer = Partner.search(
            [(field, "=", value or False) for field, value in vals.items()], limit=1
        )
        return buyer or Partner.create({**vals, "is_company": True})

    @http.route(
        "/my/wallet/topup", type="http", auth="user", methods=["POST"], website=True
    )
    def portal_my_wallet_topup(self, amount=None, **kwargs):
        """Send the driver to Odoo's payment page for a top-up of ``amount``."""
        currency = request.env.company.currency_id
        amount = self._ev_portal_amount(amount)
        if amount <= 0:
            return self._ev_wallet_redirect(error=self._ev_amount_error())
        partner = request.env.user.partner_id
        params = {
            "reference": (
                f"{WALLET_REFERENCE_PREFIX}-{partner.commercial_partner_id.id}"
            ),
            "amount": amount,
            "currency_id": currency.id,
            "partner_id": partner.id,
            "company_id": request.env.company.id,
            "access_token": payment_utils.generate_access_token(
                partner.id, amount, currency.id
            ),
        }
        return request.redirect("/payment/pay?" + url_encode(params))
