import logging
import math
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools.misc import format_datetime, formatLang

_logger = logging.getLogger(__name__)

# "Almost done": this share of the bought energy delivered, or this state of charge.
ALMOST_DONE_SHARE = 0.9
ALMOST_DONE_SOC = 80


class EvSession(models.Model):
    """What the driver hears about their session: started, almost done, overstay
    coming and started, finished with the receipt.

    The hooks only enqueue ``ev.notification`` rows (the sending cron talks to LINE or
    the mail queue) and never let a notification problem fail the charger's event or
    the billing.
    """

    _inherit = "ev.session"

    notification_ids = fields.One2many(
        "ev.notification", "session_id", string="Messages to the Driver"
    )

    # ----------------------------------------------------------------------------------
    # Hooks
    # ----------------------------------------------------------------------------------

    @api.model
    def _ocpp_start(self, *args, **kwargs):
        session = super()._ocpp_start(*args, **kwargs)
        if session.state == "charging" and session.partner_id:
            session._ev_notify("started")
        return session

    def _ocpp_meter_values(self, samples):
        stop = super()._ocpp_meter_values(samples)
        if self.state == "charging" and self.partner_id and self._ev_almost_done():
            self._ev_notify("almost_done")
        return stop

    def _ocpp_stop(self, meter_stop, timestamp, reason=None, samples=None):
        result = super()._ocpp_stop(meter_stop, timestamp, reason, samples)
        for session in self:
            if (
                session.state == "finishing"
                and not session.unplug_time
                and session.partner_id
            ):
                session._ev_notify_overstay()
        return result

    def _ev_on_billed(self):
        res = super()._ev_on_billed()
        for session in self.filtered("partner_id"):
            session._ev_notify("finished")
        return res

    # ----------------------------------------------------------------------------------
    # Enqueue
    # ----------------------------------------------------------------------------------

    def _ev_almost_done(self):
        self.ensure_one()
        delivered = (self.meter_last or 0) - (self.meter_start or 0)
        if self.requested_kwh and delivered >= (
            self.requested_kwh * 1000 * ALMOST_DONE_SHARE
        ):
            return True
        return bool(self.soc and self.soc >= ALMOST_DONE_SOC)

    def _ev_notify(self, kind, send_at=None, **facts):
        """Queue the ``kind`` message of this session for its driver; a problem here
        is logged, never raised into the charger's event or the billing."""
        self.ensure_one()
        Notification = self.env["ev.notification"]
        key = f"{kind}:{self.id}"
        if Notification.sudo().search_count([("dedupe_key", "=", key)], limit=1):
            return Notification
        try:
            with self.env.cr.savepoint():
                session = self.sudo()
                lang = session.partner_id._ev_notification_lang()
                content = getattr(
                    session.with_context(lang=lang), f"_ev_content_{kind}"
                )(**facts)
                content["lang"] = lang
                return Notification._ev_enqueue(
                    session.partner_id,
                    kind,
                    content,
                    session.company_id,
                    dedupe_key=key,
                    session=session,
                    send_at=send_at,
                )
        except Exception:
            _logger.exception(
                "event=notification_not_queued session=%s kind=%s", self.id, kind
            )
            return Notification

    def _ev_tier_rates(self):
        """The frozen tariff's prices for this session's tier (``pricing.TierRates``),
        or None without a tariff."""
        self.ensure_one()
        if not self.tariff_snapshot:
            return None
        return (
            self.env["ev.tariff"]
            ._ev_rates_from_snapshot(self.tariff_snapshot)
            .for_tier(self.ev_tier or "member")
        )

    def _ev_overstay_terms(self):
        """(overstay start, fee per minute) of this session's frozen tariff, or None
        when it has no overstay fee."""
        rates = self._ev_tier_rates()
        if not rates:
            return None
        charge_end = self.charging_end_time or self.stop_time
        start = charge_end + timedelta(minutes=rates.grace_minutes)
        calendar = self.env["ev.tariff"]._ev_calendar(
            self.station_id, self.tariff_snapshot
        )
        if rates.exempt_windows:  # no fee inside one (e.g. at night): it starts after
            start = calendar.outside_windows(rates.exempt_windows, start)
            if not start:
                return None  # exempt all day long
        period = calendar.period_at(start)
        fee = float(getattr(rates, f"overstay_fee_per_minute_{period}"))
        return (start, fee) if fee > 0 else None

    def _ev_overstay_charged_now(self):
        """False while the frozen tariff's occupancy rule waives the overstay fee
        (the station is not busy enough, as in the Tesla preset); True otherwise."""
        rates = self._ev_tier_rates()
        if not rates or rates.occupancy_rule is None:
            return True
        now = fields.Datetime.now()
        _at, occupied, total = self.station_id._ev_occupancy_timeline(
            now, now + timedelta(minutes=1)
        )[0]  # the occupancy at ``now``
        return bool(rates.occupancy_rule.factor(occupied, total))

    def _ev_notify_overstay(self):
        """At the stop: how long the driver has before the overstay fee, and one
        message (scheduled) when it starts unless the car is unplugged by then."""
        terms = self._ev_overstay_terms()
        if not terms:
            return
        start, fee = terms
        if start > fields.Datetime.now():
            self._ev_notify("overstay_soon", overstay_start=start, fee=fee)
        self._ev_notify(
            "overstay_started", send_at=start, overstay_start=start, fee=fee
        )

    # ----------------------------------------------------------------------------------
    # Content, in the driver's language (self has it in its context)
    # ----------------------------------------------------------------------------------

    def _ev_money(self, amount):
        return formatLang(self.env, amount or 0.0, currency_obj=self.currency_id)

    def _ev_kwh(self, kwh):
        return self.env._("%(kwh)s kWh", kwh=formatLang(self.env, kwh or 0.0, digits=2))

    def _ev_time(self, value):
        return format_datetime(
            self.env, value, tz=self.station_id.tz or "Asia/Bangkok", dt_format="short"
        )

    def _ev_base_url(self):
        return self.company_id.get_base_url()

    def _ev_live_url(self):
        return f"{self._ev_base_url()}/my/ev/sessions/{self.id}"

    def _ev_receipt_link(self):
        """The abbreviated tax invoice's PDF, opened without logging in: the portal
        receipt with the session's portal access token."""
        return self._ev_base_url() + self._ev_receipt_url("pdf")

    def _ev_connector_label(self):
        return self.env._(
            "%(charger)s, connector %(number)s",
            charger=self.charger_id.name,
            number=self.connector_id.connector_number or "-",
        )

    def _ev_content_started(self):
        _ = self.env._
        rows = [
            [_("Station"), self.station_id.name],
            [_("Connector"), self._ev_connector_label()],
            [_("Started"), self._ev_time(self.start_time)],
        ]
        price = False
        if self.requested_kwh:
            rows.append([_("Bought"), self._ev_kwh(self.requested_kwh)])
            price = self._ev_quote_total(self.requested_kwh)
            if price is not False:
                rows.append([_("Price quoted"), self._ev_money(price)])
        else:
            rows.append([_("Bought"), _("No limit")])
            per_kwh = self._ev_quote_total(1.0)
            if per_kwh is not False:
                rows.append([_("Price per kWh now"), self._ev_money(per_kwh)])
        if price is not False:
            alt = _(
                "Charging started at %(station)s (%(connector)s): %(kwh)s for "
                "%(price)s.",
                station=self.station_id.name,
                connector=self._ev_connector_label(),
                kwh=self._ev_kwh(self.requested_kwh),
                price=self._ev_money(price),
            )
        else:
            alt = _(
                "Charging started at %(station)s (%(connector)s).",
                station=self.station_id.name,
                connector=self._ev_connector_label(),
            )
        return {
            "title": _("Charging started"),
            "subtitle": self.station_id.name,
            "rows": rows,
            "button": {"label": _("Follow live"), "url": self._ev_live_url()},
            "alt_text": alt,
        }

    def _ev_quote_total(self, kwh):
        """The price of ``kwh`` at this session's station now, or False."""
        if not self.station_id.tariff_id:
            return False
        try:
            quote = self.env["ev.tariff"]._ev_quote(
                kwh,
                tier=self.ev_tier or self.partner_id.ev_tier or "member",
                station=self.station_id,
                connector=self.connector_id or None,
            )
        except Exception:  # a quote is a courtesy here: never block the message
            _logger.info("event=quote_failed session=%s", self.id, exc_info=True)
            return False
        return quote["amount_total"]

    def _ev_content_almost_done(self):
        _ = self.env._
        rows = [
            [_("Station"), self.station_id.name],
            [_("Delivered"), self._ev_kwh(self.energy_kwh)],
        ]
        if self.requested_kwh:
            rows.append([_("Bought"), self._ev_kwh(self.requested_kwh)])
        if self.soc:
            rows.append([_("State of charge"), f"{self.soc} %"])
        return {
            "title": _("Charging almost done"),
            "subtitle": self.station_id.name,
            "rows": rows,
            "text": _("Your car is almost ready: please come back to unplug it."),
            "button": {"label": _("Follow live"), "url": self._ev_live_url()},
            "alt_text": _(
                "Charging at %(station)s is almost done: %(kwh)s delivered.",
                station=self.station_id.name,
                kwh=self._ev_kwh(self.energy_kwh),
            ),
        }

    def _ev_content_overstay_soon(self, overstay_start, fee):
        _ = self.env._
        minutes = max(
            math.ceil((overstay_start - fields.Datetime.now()).total_seconds() / 60), 0
        )
        return {
            "title": _("Charging complete: please unplug"),
            "subtitle": self.station_id.name,
            "rows": [
                [_("Connector"), self._ev_connector_label()],
                [_("Energy"), self._ev_kwh(self.energy_kwh)],
                [_("Minutes left"), str(minutes)],
                [_("Overstay fee from"), self._ev_time(overstay_start)],
                [_("Overstay fee"), _("%s per minute", self._ev_money(fee))],
            ],
            "button": {"label": _("Follow live"), "url": self._ev_live_url()},
            "alt_text": _(
                "Charging at %(station)s is complete. Unplug within %(minutes)s "
                "minutes: from %(time)s the overstay fee is %(fee)s per minute.",
                station=self.station_id.name,
                minutes=minutes,
                time=self._ev_time(overstay_start),
                fee=self._ev_money(fee),
            ),
        }

    def _ev_content_overstay_started(self, overstay_start, fee):
        _ = self.env._
        return {
            "title": _("Overstay fee started"),
            "subtitle": self.station_id.name,
            "rows": [
                [_("Connector"), self._ev_connector_label()],
                [_("Since"), self._ev_time(overstay_start)],
                [_("Overstay fee"), _("%s per minute", self._ev_money(fee))],
            ],
            "text": _("Unplug your car to stop the fee."),
            "button": {"label": _("Follow live"), "url": self._ev_live_url()},
            "alt_text": _(
                "Your car is still plugged in at %(station)s: the overstay fee of "
                "%(fee)s per minute applies from %(time)s.",
                station=self.station_id.name,
                fee=self._ev_money(fee),
                time=self._ev_time(overstay_start),
            ),
        }

    def _ev_receipt_rows(self):
        """Energy, time and each billed line (VAT included)."""
        _ = self.env._
        minutes = 0
        if self.start_time and self.stop_time:
            minutes = round((self.stop_time - self.start_time).total_seconds() / 60)
        rows = [
            [_("Energy"), self._ev_kwh(self.billed_kwh or self.energy_kwh)],
            [
                _("Time"),
                _(
                    "%(start)s, %(minutes)s min",
                    start=self._ev_time(self.start_time),
                    minutes=minutes,
                ),
            ],
        ]
        if self.amount_energy_on_peak or self.amount_energy_off_peak:
            if self.amount_energy_on_peak:
                rows.append(
                    [
                        _("Energy on-peak (%s)", self._ev_kwh(self.energy_on_peak_kwh)),
                        self._ev_money(self.amount_energy_on_peak),
                    ]
                )
            if self.amount_energy_off_peak:
                rows.append(
                    [
                        _(
                            "Energy off-peak (%s)",
                            self._ev_kwh(self.energy_off_peak_kwh),
                        ),
                        self._ev_money(self.amount_energy_off_peak),
                    ]
                )
        elif self.amount_energy:
            rows.append([_("Energy"), self._ev_money(self.amount_energy)])
        if self.amount_parking:
            rows.append([_("Parking"), self._ev_money(self.amount_parking)])
        if self.amount_overstay:
            rows.append(
                [
                    _("Overstay (%s min)", self.overstay_minutes),
                    self._ev_money(self.amount_overstay),
                ]
            )
        rows.append([_("of which VAT 7%"), self._ev_money(self.amount_vat)])
        return rows

    def _ev_balance_after_charge(self):
        charge = (
            self.env["ev.wallet.transaction"]
            .sudo()
            .search(
                [("session_id", "=", self.id), ("kind", "=", "charge")],
                order="id desc",
                limit=1,
            )
        )
        return charge.balance_after if charge else self.partner_id.ev_wallet_balance

    def _ev_content_finished(self):
        _ = self.env._
        balance = self._ev_balance_after_charge()
        rows = self._ev_receipt_rows()
        rows += [
            [_("Abbreviated tax invoice"), self.abbreviated_invoice_number or "-"],
            [_("Wallet balance"), self._ev_money(balance)],
        ]
        return {
            "title": _("Charging finished"),
            "subtitle": self.station_id.name,
            "rows": rows,
            "total": [_("Total (VAT incl.)"), self._ev_money(self.amount_total)],
            "button": {
                "label": _("Tax invoice (PDF)"),
                "url": self._ev_receipt_link(),
            },
            "alt_text": _(
                "Charging finished at %(station)s: %(kwh)s, total %(total)s. "
                "Tax invoice %(number)s. Wallet balance %(balance)s.",
                station=self.station_id.name,
                kwh=self._ev_kwh(self.billed_kwh or self.energy_kwh),
                total=self._ev_money(self.amount_total),
                number=self.abbreviated_invoice_number or "-",
                balance=self._ev_money(balance),
            ),
        }
