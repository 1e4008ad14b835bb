import logging
import threading
import uuid
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import IntegrityError

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, mute_logger

from ..tools import line_messaging
from .res_company_line import LINE_API_URL

_logger = logging.getLogger(__name__)

KINDS = [
    ("started", "Charging started"),
    ("almost_done", "Charging almost done"),
    ("overstay_soon", "Overstay fee coming"),
    ("overstay_started", "Overstay fee started"),
    ("finished", "Charging finished (receipt)"),
    ("low_balance", "Low wallet balance"),
    ("topup", "Top-up confirmed"),
]
# Retries of a LINE outage: 30 s, 1, 2, 4 … minutes, at most an hour apart, then the
# message is given up (about 4 hours after the first try).
RETRY_FIRST_SECONDS = 30
RETRY_MAX_SECONDS = 3600
MAX_ATTEMPTS = 10
SEND_BATCH = 50
# a "fee started" message waived by the occupancy rule looks again this much later
OVERSTAY_RECHECK_MINUTES = 5


class EvNotification(models.Model):
    """One message to a driver, on LINE or by email, sent by a cron outside the
    request that caused it.

    Enqueued by the session and wallet hooks with its content frozen in the driver's
    language; the ``ir_cron_ev_notification_send`` cron is triggered on enqueue and
    sends it. On LINE it is pushed with ``retry_key`` (stored before the first try) so
    that a retry after a lost answer is never delivered twice; by email it goes through
    a mail template and Odoo's mail queue. Every message sent is also posted on the
    driver's chatter.
    """

    _name = "ev.notification"
    _description = "Driver Notification"
    _order = "id desc"
    _rec_name = "subject"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Driver",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    channel = fields.Selection(
        [("line", "LINE"), ("email", "Email")], required=True, readonly=True
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("given_up", "Given Up"),
            ("cancelled", "Not Sent"),
        ],
        default="queued",
        required=True,
        readonly=True,
        index=True,
    )
    session_id = fields.Many2one(
        "ev.session", readonly=True, index="btree_not_null", check_company=True
    )
    wallet_transaction_id = fields.Many2one(
        "ev.wallet.transaction", string="Wallet Line", readonly=True, ondelete="cascade"
    )
    subject = fields.Char(readonly=True)
    lang = fields.Char(string="Language", readonly=True)
    content = fields.Json(
        readonly=True,
        help="What the message says, in the driver's language: the LINE Flex message, "
        "the email and the chatter note are all made from it.",
    )
    alt_text = fields.Text(string="Plain Text", readonly=True)
    attempts = fields.Integer(readonly=True)
    next_try = fields.Datetime(
        readonly=True, index=True, default=fields.Datetime.now, required=True
    )
    sent_at = fields.Datetime(string="Sent", readonly=True)
    last_error = fields.Text(readonly=True)
    retry_key = fields.Char(
        string="LINE Retry Key",
        readonly=True,
        copy=False,
        required=True,
        default=lambda self: str(uuid.uuid4()),
        help="X-Line-Retry-Key of every try: LINE delivers a key once.",
    )
    line_user_id = fields.Char(string="LINE User", readonly=True)
    mail_id = fields.Many2one("mail.mail", string="Email", readonly=True)
    dedupe_key = fields.Char(
        readonly=True, copy=False, help="One message per session and kind."
    )

    _sql_constraints = [
        ("dedupe_key_uniq", "unique(dedupe_key)", "This message was already queued."),
        ("retry_key_uniq", "unique(retry_key)", "A retry key is used once."),
    ]

    # ----------------------------------------------------------------------------------
    # Enqueue (from hooks, inside the request that caused the message)
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_channel_for(self, partner, company):
        partner = partner.sudo()
        if (
            partner.ev_line_user_id
            and partner.ev_line_followed
            and company._ev_line_configured()
        ):
            return "line"
        return "email"

    @api.model
    def _ev_enqueue(
        self,
        partner,
        kind,
        content,
        company,
        dedupe_key=None,
        session=None,
        wallet_line=None,
        send_at=None,
    ):
        """Queue a message for ``partner`` and wake the sending cron; returns it (or an
        empty recordset when the driver switched this kind off or it is queued
        already). Never sends anything itself and never raises for a duplicate."""
        Notification = self.sudo()
        if not partner or not partner._ev_wants(kind):
            return Notification
        if dedupe_key and Notification.search_count(
            [("dedupe_key", "=", dedupe_key)], limit=1
        ):
            return Notification
        vals = {
            "partner_id": partner.id,
            "company_id": company.id,
            "kind": kind,
            "channel": self._ev_channel_for(partner, company),
            "content": content,
            "subject": content["title"],
            "alt_text": content.get("alt_text"),
            "lang": content.get("lang"),
            "session_id": session.id if session else False,
            "wallet_transaction_id": wallet_line.id if wallet_line else False,
            "dedupe_key": dedupe_key,
            "next_try": send_at or fields.Datetime.now(),
        }
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                notification = Notification.create(vals)
        except IntegrityError:  # queued at the same instant by a concurrent request
            return Notification
        notification._ev_wake_sender(send_at)
        return notification

    def _ev_wake_sender(self, at=None):
        cron = self.env.ref(
            "ev_billing.ir_cron_ev_notification_send", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger(at=at)

    # ----------------------------------------------------------------------------------
    # Sending (cron)
    # ----------------------------------------------------------------------------------

    @api.model
    def _cron_send(self, limit=SEND_BATCH, now=None):
        """Send the messages that are due, one at a time, each in its own transaction
        (several cron workers share the queue: a message is taken with ``SKIP
        LOCKED``)."""
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        now = now or fields.Datetime.now()
        done = []
        for _i in range(limit):
            self.flush_model()
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM ev_notification WHERE state = 'queued' "
                    "AND next_try <= %s AND id != ALL(%s) ORDER BY next_try, id "
                    "LIMIT 1 FOR UPDATE SKIP LOCKED",
                    now,
                    done or [0],
                )
            )
            row = self.env.cr.fetchone()
            if not row:
                break
            notification = self.browse(row[0])
            done.append(notification.id)
            try:
                notification._ev_send()
            except Exception:
                if not auto_commit:
                    raise
                self.env.cr.rollback()
                _logger.exception("event=notification_crash id=%s", row[0])
                notification = self.browse(row[0])
                notification.write(
                    notification._ev_retry_vals(_("Unexpected error, see the log."))
                )
            if auto_commit:
                # One message, one transaction (like Odoo's mail queue): what LINE
                # accepted is recorded at once, whatever happens to the next one.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return len(done)

    def _ev_send(self):
        self.ensure_one()
        if self.state != "queued":
            return
        reason = self._ev_skip_reason()
        if reason:
            self.write({"state": "cancelled", "last_error": reason})
            return
        if self.kind == "overstay_started" and not (
            self.session_id._ev_overstay_charged_now()
        ):
            # the occupancy rule waives the fee while the station is quiet: the fee,
            # and this message, start once it is busy (or never, if the car leaves)
            later = fields.Datetime.now() + timedelta(minutes=OVERSTAY_RECHECK_MINUTES)
            self.write({"next_try": later})
            self._ev_wake_sender(later)
            return
        if not (self.line_user_id or self.mail_id):
            # Decided again at the first try: the driver may have unfollowed meanwhile.
            # After a LINE try the retry key ties the message to LINE.
            channel = self._ev_channel_for(self.partner_id, self.company_id)
            if channel != self.channel:
                self.channel = channel
        if self.channel == "line":
            self._ev_send_line()
        else:
            self._ev_send_email()

    def _ev_skip_reason(self):
        """Why a queued message should not go out any more, or False."""
        if not self.partner_id._ev_wants(self.kind):
            return _("The driver switched these messages off.")
        session = self.session_id
        if self.kind == "overstay_started" and (
            session.state != "finishing" or session.unplug_time
        ):
            return _("The car was unplugged before the overstay fee started.")
        if self.kind in ("overstay_soon", "almost_done") and session.state in (
            "done",
            "cancelled",
            "review",
        ):
            return _("The session is over.")
        return False

    @api.model
    def _ev_retry_delay(self, attempts, retry_after=None):
        """Seconds before the next try after ``attempts`` failed tries (exponential,
        capped; at least what a 429's Retry-After asks)."""
        delay = min(RETRY_FIRST_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)
        return max(delay, min(retry_after or 0, RETRY_MAX_SECONDS))

    def _ev_retry_vals(self, error, retry_after=None):
        attempts = self.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return {"state": "given_up", "attempts": attempts, "last_error": error}
        next_try = fields.Datetime.now() + timedelta(
            seconds=self._ev_retry_delay(attempts, retry_after)
        )
        self._ev_wake_sender(next_try)
        return {"attempts": attempts, "next_try": next_try, "last_error": error}

    def _ev_send_line(self):
        partner = self.partner_id.sudo()
        company = self.company_id.sudo()
        to = self.line_user_id or partner.ev_line_user_id
        token = company.ev_line_channel_access_token
        if not (to and token):
            self.write(
                {
                    "state": "failed",
                    "last_error": _("No LINE user id or channel access token."),
                }
            )
            return
        api_url = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("ev_billing.line_api_url", LINE_API_URL)
        )
        message = line_messaging.flex_message(self.content)
        result = line_messaging.push(api_url, token, self.retry_key, to, [message])
        _logger.info(
            "event=line_push id=%s kind=%s attempt=%s outcome=%s status=%s",
            self.id,
            self.kind,
            self.attempts + 1,
            result.outcome,
            result.status,
        )
        if result.outcome == line_messaging.SENT:
            self.write({"attempts": self.attempts + 1, "line_user_id": to})
            self._ev_mark_sent(result.error)
        elif result.outcome == line_messaging.RETRY:
            self.write(
                dict(
                    self._ev_retry_vals(result.error, result.retry_after),
                    line_user_id=to,
                )
            )
        else:
            self.write(
                {
                    "state": "failed",
                    "attempts": self.attempts + 1,
                    "line_user_id": to,
                    "last_error": result.error,
                }
            )

    def _ev_send_email(self):
        partner = self.partner_id.sudo()
        if not partner.email:
            self.write(
                {
                    "state": "failed",
                    "attempts": self.attempts + 1,
                    "last_error": _(
                        "The driver has neither LINE nor an email address."
                    ),
                }
            )
            return
        template = self.env.ref("ev_billing.mail_template_ev_notification")
        attachments = self._ev_email_attachments()
        mail_id = template.sudo().send_mail(
            self.id,
            force_send=False,
            email_values={
                "attachment_ids": [(4, attachment.id) for attachment in attachments]
            },
        )
        self.write({"attempts": self.attempts + 1, "mail_id": mail_id})
        self._ev_mark_sent()

    def _ev_email_attachments(self):
        """The abbreviated tax invoice of a finished session, as PDF (HTML where the
        PDF cannot be made, e.g. no wkhtmltopdf); none when it cannot be rendered at all
        (the email still links to it)."""
        session = self.session_id.sudo()
        if self.kind != "finished" or not session.abbreviated_invoice_number:
            return self.env["ir.attachment"]
        report = self.env["ir.actions.report"].sudo().with_context(lang=self.lang)
        try:
            document, report_type = report._render_qweb_pdf(
                "ev_billing.action_report_ev_abbreviated_tax_invoice", session.ids
            )
        except (UserError, OSError) as error:
            _logger.info("event=receipt_not_attached id=%s reason=%s", self.id, error)
            return self.env["ir.attachment"]
        extension = "pdf" if report_type == "pdf" else "html"
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{session.abbreviated_invoice_number}.{extension}",
                    "raw": document,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf"
                    if extension == "pdf"
                    else "text/html",
                }
            )
        )

    def _ev_mark_sent(self, note=""):
        self.write(
            {"state": "sent", "sent_at": fields.Datetime.now(), "last_error": note}
        )
        channel = dict(self._fields["channel"].selection)[self.channel]
        self.partner_id.sudo().message_post(
            body=Markup("<p><strong>%s</strong></p>%s")
            % (
                _(
                    "%(channel)s message sent: %(subject)s",
                    channel=channel,
                    subject=self.subject,
                ),
                self._ev_body_html(),
            ),
            subtype_xmlid="mail.mt_note",
        )

    # ----------------------------------------------------------------------------------
    # Rendering
    # ----------------------------------------------------------------------------------

    def _ev_body_html(self):
        """The content as HTML, for the email and the chatter."""
        self.ensure_one()
        return self.env["ir.qweb"]._render(
            "ev_billing.ev_notification_body", {"content": self.content or {}}
        )

    # ----------------------------------------------------------------------------------
    # Actions
    # ----------------------------------------------------------------------------------

    def action_retry(self):
        """An Operator sends a failed or given-up message again (same retry key: LINE
        still delivers it at most once)."""
        if not self.env.user.has_group("ev_billing.group_ev_operator"):
            raise AccessError(_("Only an EV Operator can send a message again."))
        retried = self.sudo().filtered(lambda n: n.state in ("failed", "given_up"))
        retried.write(
            {"state": "queued", "next_try": fields.Datetime.now(), "attempts": 0}
        )
        if retried:
            retried._ev_wake_sender()
        return True
