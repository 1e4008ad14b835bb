import logging
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessDenied, UserError
from odoo.tools import consteq
from odoo.tools.misc import hmac as odoo_hmac

_logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
CODE_MAX_TRIES = 5
# After CODE_MAX_TRIES wrong codes the number gets no new code for this long.
LOCKOUT = timedelta(minutes=15)
RATE_WINDOW = timedelta(hours=1)
# A login ticket only carries a verified driver from our controller to Odoo's
# authentication, within the same request.
TICKET_LIFETIME = timedelta(minutes=2)


class EvLoginCodeRateLimited(UserError):
    """Too many codes asked for this number or from this address."""


class EvLoginCode(models.Model):
    """One-time codes for drivers' phone login, and the one-time tickets that log a
    verified driver in without a password.

    Nothing here is stored in clear: a code and a ticket are kept as an HMAC keyed with
    the database secret. A code is 6 digits, lives 5 minutes, is used once and allows 5
    wrong tries; the number is then locked out for a while.
    """

    _name = "ev.login.code"
    _description = "Driver Login Code"
    _order = "id desc"

    kind = fields.Selection(
        [("sms", "SMS Code"), ("ticket", "Login Ticket")],
        required=True,
        default="sms",
    )
    phone = fields.Char(index=True, help="The number the code was sent to (E.164).")
    user_id = fields.Many2one("res.users", ondelete="cascade", index="btree_not_null")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    secret_hash = fields.Char(required=True)
    expires_at = fields.Datetime(required=True)
    tries = fields.Integer(default=0)
    state = fields.Selection(
        [("pending", "Pending"), ("used", "Used"), ("locked", "Locked")],
        required=True,
        default="pending",
        index=True,
    )
    sent = fields.Boolean(
        help="False when no SMS went out (number unknown and self sign-up off): the "
        "code exists so that the answer looks the same."
    )
    ip_address = fields.Char(index=True)

    def _hash(self, kind, key, secret):
        return odoo_hmac(self.env(su=True), f"ev_login_{kind}", f"{key}:{secret}")

    # ----------------------------------------------------------------------------------
    # SMS codes
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_check_rate(self, phone, company, ip_address):
        """Raise EvLoginCodeRateLimited when this number or address asked for too many
        codes, or the number is locked out after wrong codes."""
        now = fields.Datetime.now()
        codes = self.sudo().with_context(active_test=False)
        if codes.search_count(
            [
                ("kind", "=", "sms"),
                ("phone", "=", phone),
                ("state", "=", "locked"),
                ("write_date", ">", now - LOCKOUT),
            ],
            limit=1,
        ):
            raise EvLoginCodeRateLimited(
                _("Too many wrong codes for this number. Try again in 15 minutes.")
            )
        since = now - RATE_WINDOW
        per_number = company.ev_login_max_codes_per_number
        if (
            per_number
            and codes.search_count(
                [
                    ("kind", "=", "sms"),
                    ("phone", "=", phone),
                    ("create_date", ">", since),
                ]
            )
            >= per_number
        ):
            raise EvLoginCodeRateLimited(
                _("Too many codes asked for this number. Try again in an hour.")
            )
        per_ip = company.ev_login_max_codes_per_ip
        if (
            per_ip
            and ip_address
            and codes.search_count(
                [
                    ("kind", "=", "sms"),
                    ("ip_address", "=", ip_address),
                    ("create_date", ">", since),
                ]
            )
            >= per_ip
        ):
            raise EvLoginCodeRateLimited(
                _("Too many codes asked from this device. Try again in an hour.")
            )

    @api.model
    def _ev_send_code(self, phone, company, ip_address=None):
        """Make a new code for ``phone`` (E.164) and text it when the number may log in.

        The caller answers the same whether or not a code went out: nobody learns from
        it whether a number is registered. Earlier pending codes of the number stop
        working.
        """
        self._ev_check_rate(phone, company, ip_address)
        codes = self.sudo()
        codes.search(
            [("kind", "=", "sms"), ("phone", "=", phone), ("state", "=", "pending")]
        ).write({"state": "used"})
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        may_log_in = self.env["res.users"]._ev_phone_may_log_in(phone, company)
        record = codes.create(
            {
                "kind": "sms",
                "phone": phone,
                "company_id": company.id,
                "secret_hash": self._hash("sms", phone, code),
                "expires_at": fields.Datetime.now() + CODE_LIFETIME,
                "ip_address": ip_address,
                "sent": may_log_in,
            }
        )
        if may_log_in:
            record._ev_text_code(code)
        else:
            _logger.info(
                "event=ev_login_code_not_sent code_id=%s reason=unknown_number",
                record.id,
            )
        return record

    def _ev_text_code(self, code):
        """Send the code through Odoo's SMS queue: the SMS provider configured in this
        database delivers it."""
        self.ensure_one()
        company = self.company_id
        body = _(
            "%(code)s is your %(company)s login code. It expires in 5 minutes. "
            "Never share it.",
            code=code,
            company=company.name,
        )
        sms = self.env["sms.sms"].sudo().create({"number": self.phone, "body": body})
        sms.send(unlink_failed=False, unlink_sent=True, raise_exception=False)

    @api.model
    def _ev_verify_code(self, phone, code):
        """True when ``code`` is the pending code of ``phone``; the code is then used.

        A wrong code counts as a try; at the 5th wrong try the code is locked (and the
        number locked out for a while). Expired, used or locked codes never match.
        """
        code = (code or "").strip().replace(" ", "")
        record = self.sudo().search(
            [("kind", "=", "sms"), ("phone", "=", phone), ("state", "=", "pending")],
            limit=1,
        )
        if not record or record.expires_at < fields.Datetime.now():
            return False
        # Row lock: two guesses sent at once count as two tries.
        self.env.cr.execute(
            "SELECT id FROM ev_login_code WHERE id = %s FOR NO KEY UPDATE", [record.id]
        )
        record.invalidate_recordset(["state", "tries"])
        if record.state != "pending":
            return False
        if (
            len(code) == CODE_DIGITS
            and code.isdigit()
            and record.sent
            and consteq(record.secret_hash, self._hash("sms", phone, code))
        ):
            record.state = "used"
            return True
        tries = record.tries + 1
        record.write(
            {
                "tries": tries,
                "state": "locked" if tries >= CODE_MAX_TRIES else "pending",
            }
        )
        return False

    # ----------------------------------------------------------------------------------
    # Login tickets: a verified driver logs in without a password
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_issue_ticket(self, user):
        """A one-time secret that logs ``user`` (a portal user) in once, shortly."""
        if not user.share or not user.active:
            raise AccessDenied()
        ticket = secrets.token_urlsafe(32)
        self.sudo().create(
            {
                "kind": "ticket",
                "user_id": user.id,
                "company_id": user.company_id.id,
                "secret_hash": self._hash("ticket", user.id, ticket),
                "expires_at": fields.Datetime.now() + TICKET_LIFETIME,
            }
        )
        return ticket

    @api.model
    def _ev_consume_ticket(self, user, ticket):
        """True, once, when ``ticket`` was issued for ``user`` and is still valid."""
        if not (ticket and isinstance(ticket, str) and user.share):
            return False
        secret_hash = self._hash("ticket", user.id, ticket)
        records = self.sudo().search(
            [
                ("kind", "=", "ticket"),
                ("user_id", "=", user.id),
                ("state", "=", "pending"),
                ("expires_at", ">", fields.Datetime.now()),
            ]
        )
        for record in records:
            if consteq(record.secret_hash, secret_hash):
                record.state = "used"
                return True
        return False

    @api.autovacuum
    def _gc_ev_login_codes(self):
        """Codes and tickets are kept a day (the rate limits look back one hour)."""
        self.sudo().search(
            [("create_date", "<", fields.Datetime.now() - timedelta(days=1))]
        ).unlink()
