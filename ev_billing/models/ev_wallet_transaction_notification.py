import logging

from odoo import api, models
from odoo.tools.misc import formatLang

_logger = logging.getLogger(__name__)

# Money out of the wallet that can take it below the warning threshold.
SPENDING_KINDS = ("charge", "withdraw", "adjustment")


class EvWalletTransaction(models.Model):
    """Top-up confirmed and low balance messages, from the ledger lines as they are
    written (the ledger methods themselves are left alone)."""

    _inherit = "ev.wallet.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        for line in lines:
            line._ev_notify_driver()
        return lines

    def _ev_notify_driver(self):
        self.ensure_one()
        if self.kind == "topup" and self.amount > 0:
            self._ev_notify("topup")
        threshold = self.company_id.ev_low_balance_threshold
        before = self.balance_after - self.amount
        if (
            self.kind in SPENDING_KINDS
            and self.amount < 0
            and threshold > 0
            and self.currency_id.compare_amounts(self.balance_after, threshold) < 0
            and self.currency_id.compare_amounts(before, threshold) >= 0
        ):
            # once per crossing: the next warning needs a top-up above it first
            self._ev_notify("low_balance")

    def _ev_notify(self, kind):
        Notification = self.env["ev.notification"]
        try:
            with self.env.cr.savepoint():
                line = self.sudo()
                partner = line.partner_id
                lang = partner._ev_notification_lang()
                content = getattr(line.with_context(lang=lang), f"_ev_content_{kind}")()
                content["lang"] = lang
                return Notification._ev_enqueue(
                    partner,
                    kind,
                    content,
                    line.company_id,
                    dedupe_key=f"{kind}:wallet:{line.id}",
                    wallet_line=line,
                )
        except Exception:
            _logger.exception(
                "event=notification_not_queued wallet_line=%s kind=%s", self.id, kind
            )
            return Notification

    def _ev_money(self, amount):
        return formatLang(self.env, amount or 0.0, currency_obj=self.currency_id)

    def _ev_topup_url(self):
        return f"{self.company_id.get_base_url()}/my/wallet"

    def _ev_content_topup(self):
        _ = self.env._
        return {
            "title": _("Top-up confirmed"),
            "subtitle": self.company_id.name,
            "rows": [
                [_("Amount"), self._ev_money(self.amount)],
                [_("Reference"), self.name],
                [_("Wallet balance"), self._ev_money(self.balance_after)],
            ],
            "button": {"label": _("Open my wallet"), "url": self._ev_topup_url()},
            "alt_text": _(
                "Top-up of %(amount)s confirmed. Wallet balance %(balance)s.",
                amount=self._ev_money(self.amount),
                balance=self._ev_money(self.balance_after),
            ),
        }

    def _ev_content_low_balance(self):
        _ = self.env._
        return {
            "title": _("Low wallet balance"),
            "subtitle": self.company_id.name,
            "rows": [
                [_("Wallet balance"), self._ev_money(self.balance_after)],
                [
                    _("Warning below"),
                    self._ev_money(self.company_id.ev_low_balance_threshold),
                ],
            ],
            "text": _("Top up now so that your next charge can start."),
            "button": {"label": _("Top up"), "url": self._ev_topup_url()},
            "alt_text": _(
                "Your wallet balance is %(balance)s. Top up to keep charging.",
                balance=self._ev_money(self.balance_after),
            ),
        }
