from num2words import num2words

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

# Fields whose change the driver's live page shows: a write to any of them pushes the
# session's new state to the driver's bus channel when the transaction commits.
LIVE_FIELDS = frozenset(
    {
        "state",
        "start_time",
        "stop_time",
        "meter_start",
        "meter_last",
        "meter_stop",
        "power_w",
        "soc",
        "amount_total",
        "invoice_id",
        "abbreviated_invoice_number",
    }
)
LIVE_NOTIFICATION = "ev_billing.session_live"


class EvSession(models.Model):
    """What the driver sees of their session on the portal: the live page's values,
    pushed through Odoo's bus, and the receipt reachable with a portal access token."""

    _name = "ev.session"
    _inherit = ["ev.session", "portal.mixin"]

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for session in self:
            session.access_url = f"/my/ev/sessions/{session.id}"
        return result

    # ------------------------------------------------------------------
    # Live values
    # ------------------------------------------------------------------

    def _ev_cost_so_far(self):
        """Energy so far priced with the session's tariff (VAT included), from the
        session's start at its connector's power, or False. Computed on every live
        push (once per session per batch of meter values), so without the search
        for the charger's recent power that a quote for a new session makes."""
        self.ensure_one()
        if self.state not in ("charging", "finishing") or self.energy_kwh <= 0:
            return False
        if not self.station_id.tariff_id:
            return False
        try:
            return self.station_id.tariff_id._ev_quote(
                self.energy_kwh,
                tier=self.ev_tier or self.partner_id.ev_tier or "member",
                connector=self.connector_id,
                start=self.start_time,
                recent_power=False,
            )["amount_total"]
        except UserError:
            return False

    def _ev_minutes_left(self):
        """Minutes until the bought kWh are delivered at the current power, or False."""
        self.ensure_one()
        if self.state != "charging" or not self.requested_kwh or self.power_w <= 0:
            return False
        left_kwh = max(self.requested_kwh - self.energy_kwh, 0.0)
        return round(left_kwh / (self.power_w / 1000.0) * 60)

    def _ev_live_values(self):
        """The session as the driver's live page shows it (JSON-safe), in the
        language of the environment."""
        self.ensure_one()
        states = dict(self._fields["state"]._description_selection(self.env))
        done = self.state == "done"
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "state_label": states[self.state],
            "energy_kwh": round(self.energy_kwh, 3),
            "power_kw": round(self.power_w / 1000.0, 1) if self.power_w else 0.0,
            "soc": self.soc if self.soc else False,
            "requested_kwh": self.requested_kwh,
            "minutes_left": self._ev_minutes_left(),
            "amount": self.amount_total if done else self._ev_cost_so_far(),
            "amount_final": done,
            "currency_id": self.currency_id.id,
            "can_stop": self.state in ("pending", "charging"),
            "receipt": bool(done and self.invoice_id),
        }

    # ------------------------------------------------------------------
    # Push to the driver's bus channel
    # ------------------------------------------------------------------

    def write(self, vals):
        result = super().write(vals)
        if LIVE_FIELDS.intersection(vals):
            self._ev_notify_live()
        return result

    def _ev_on_billed(self):
        self._ev_notify_live()
        return super()._ev_on_billed()

    def _ev_notify_live(self):
        """Push these sessions' live values to their drivers once, with their state
        at the end of the transaction (a batch of meter values sends one message per
        session, not one per event)."""
        sessions = self.filtered("partner_id")
        if not sessions:
            return
        cr = self.env.cr
        pending = cr.precommit.data.setdefault("ev_billing.session_live", set())
        if not pending:

            @cr.precommit.add
            def send_live():
                ids = cr.precommit.data.pop("ev_billing.session_live", set())
                sessions = self.env["ev.session"].sudo().browse(ids).exists()
                for session in sessions.filtered("partner_id"):
                    partner = session.partner_id
                    session = session.with_context(lang=partner.lang)
                    partner._bus_send(LIVE_NOTIFICATION, session._ev_live_values())

        pending.update(sessions.ids)

    # ------------------------------------------------------------------
    # Receipt
    # ------------------------------------------------------------------

    def _ev_receipt_url(self, report_type="html", download=False):
        """The abbreviated tax invoice of this session, reachable by its driver (and by
        whoever holds the link: it carries the session's access token)."""
        self.ensure_one()
        return self.get_portal_url(
            suffix="/receipt", report_type=report_type, download=download
        )

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.abbreviated_invoice_number or self.name

    @api.model
    def _ev_amount_in_thai_words(self, amount):
        """``amount`` in Thai words as written on Thai tax documents
        (e.g. "หนึ่งร้อยบาทถ้วน", "หนึ่งร้อยบาทห้าสิบสตางค์")."""
        satang_total = round(abs(amount) * 100)
        baht, satang = divmod(satang_total, 100)
        words = num2words(baht, lang="th") + "บาท"
        words += num2words(satang, lang="th") + "สตางค์" if satang else "ถ้วน"
        return ("ลบ" + words) if amount < 0 else words

    def _ev_amount_in_words(self, amount, lang):
        """``amount`` in words in ``lang`` (Thai rules for Thai)."""
        if lang and lang.startswith("th"):
            return self._ev_amount_in_thai_words(amount)
        return self.currency_id.with_context(lang=lang).amount_to_text(amount)

    def _ev_receipt_lines(self):
        """The receipt's lines: (label, quantity text, amount) for what was charged."""
        self.ensure_one()

        def kwh(value):
            return _("%s kWh", formatLang(self.env, value, digits=3))

        lines = []
        if self.amount_energy_on_peak or self.energy_on_peak_kwh:
            lines.append(
                (
                    _("Energy, on-peak"),
                    kwh(self.energy_on_peak_kwh),
                    self.amount_energy_on_peak,
                )
            )
        if self.amount_energy_off_peak or self.energy_off_peak_kwh:
            lines.append(
                (
                    _("Energy, off-peak"),
                    kwh(self.energy_off_peak_kwh),
                    self.amount_energy_off_peak,
                )
            )
        if not lines and self.amount_energy:
            lines.append(
                (
                    _("Energy"),
                    kwh(self.billed_kwh or self.energy_kwh),
                    self.amount_energy,
                )
            )
        if self.amount_parking:
            lines.append(
                (
                    _("Parking"),
                    _("%s min", self.parking_minutes),
                    self.amount_parking,
                )
            )
        if self.amount_overstay:
            lines.append(
                (
                    _("Overstay"),
                    _("%s min", self.overstay_minutes),
                    self.amount_overstay,
                )
            )
        return lines
