import logging
from datetime import datetime, timezone

from markupsafe import Markup

from odoo import _, api, models

_logger = logging.getLogger(__name__)


def _event_time(event):
    """A webhook event's timestamp (milliseconds) as naive UTC, or None."""
    try:
        return datetime.fromtimestamp(
            int(event["timestamp"]) / 1000, timezone.utc
        ).replace(tzinfo=None)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


class ResPartner(models.Model):
    """The LINE platform's webhook events about a driver: follow, unfollow and account
    link. A driver who does not follow the Official Account gets email instead."""

    _inherit = "res.partner"

    @api.model
    def _ev_line_webhook(self, events, company):
        """Apply the events of one (signature-checked) webhook call of ``company``'s
        channel. Unknown event types are ignored, as LINE asks."""
        for event in events if isinstance(events, list) else ():
            if not isinstance(event, dict):
                continue
            source = event.get("source") or {}
            user_id = source.get("userId") if isinstance(source, dict) else None
            if not isinstance(user_id, str) or not user_id:
                continue
            kind = event.get("type")
            if kind in ("follow", "unfollow"):
                self._ev_line_follow(
                    user_id, kind == "follow", _event_time(event), company
                )
            elif kind == "accountLink":
                link = event.get("link") or {}
                if isinstance(link, dict) and link.get("result") == "ok":
                    self._ev_line_account_link(user_id, link.get("nonce"), company)

    @api.model
    def _ev_line_partners(self, user_id, company):
        return self.sudo().search(
            [
                ("ev_line_user_id", "=", user_id),
                ("company_id", "in", (company.id, False)),
            ]
        )

    @api.model
    def _ev_line_follow(self, user_id, followed, at, company):
        for partner in self._ev_line_partners(user_id, company):
            if at and partner.ev_line_follow_date and at < partner.ev_line_follow_date:
                continue  # redelivered late: a newer event was applied already
            partner.write({"ev_line_followed": followed, "ev_line_follow_date": at})
            partner.message_post(
                body=_("Follows the LINE Official Account: LINE messages.")
                if followed
                else _(
                    "Blocked or unfollowed the LINE Official Account: email instead."
                ),
                subtype_xmlid="mail.mt_note",
            )
        _logger.info(
            "event=line_%s user=%s", "follow" if followed else "unfollow", user_id
        )

    @api.model
    def _ev_line_account_link(self, user_id, nonce, company):
        if not isinstance(nonce, str) or not nonce:
            return
        partner = self.sudo().search([("ev_line_link_nonce", "=", nonce)], limit=1)
        if not partner:
            return
        partner.write(
            {
                "ev_line_user_id": user_id,
                "ev_line_followed": True,
                "ev_line_link_nonce": False,
            }
        )
        partner.message_post(
            body=Markup("%s") % _("LINE account linked from the chat."),
            subtype_xmlid="mail.mt_note",
        )
