from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models

from ..models.ev_wallet_transaction import billing_cycle_start


class EvChargingSummary(models.TransientModel):
    """What a charger or a station did over a billing cycle, month, year or any period:
    sessions, energy, revenue, fees, energy cost, margin, utilisation and uptime."""

    _name = "ev.charging.summary"
    _description = "Charging Summary"

    charger_id = fields.Many2one("ev.charger", readonly=True)
    station_id = fields.Many2one("ev.station", readonly=True)
    period = fields.Selection(
        [
            ("cycle", "Cycle"),
            ("custom", "Period"),
            ("month", "Monthly"),
            ("year", "Annually"),
        ],
        required=True,
        default="cycle",
    )
    ref_date = fields.Date(
        string="Containing", required=True, default=fields.Date.context_today
    )
    date_from = fields.Date(compute="_compute_dates", store=True, readonly=False)
    date_to = fields.Date(compute="_compute_dates", store=True, readonly=False)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    session_count = fields.Integer(string="Sessions", compute="_compute_figures")
    energy_kwh = fields.Float(
        string="Energy (kWh)", digits=(12, 3), compute="_compute_figures"
    )
    amount_untaxed = fields.Monetary(
        string="Revenue without VAT", compute="_compute_figures"
    )
    amount_parking = fields.Monetary(
        string="Parking Fees (VAT incl.)", compute="_compute_figures"
    )
    amount_overstay = fields.Monetary(
        string="Overstay Fees (VAT incl.)", compute="_compute_figures"
    )
    energy_cost = fields.Monetary(compute="_compute_figures")
    margin = fields.Monetary(compute="_compute_figures")
    utilisation = fields.Float(
        string="Utilisation (%)",
        digits=(5, 1),
        compute="_compute_figures",
        help="Charging time over the connectors' time in the period.",
    )
    uptime = fields.Float(
        string="Uptime (%)",
        digits=(5, 1),
        compute="_compute_figures",
        help="Time the chargers were connected to the bridge over the period.",
    )

    @api.model
    def _ev_open(self, charger=None, station=None):
        summary = self.create(
            {
                "charger_id": charger and charger.id,
                "station_id": (station or charger.station_id).id,
                "company_id": (station or charger).company_id.id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Charging Summary"),
            "res_model": self._name,
            "res_id": summary.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.depends("period", "ref_date", "company_id")
    def _compute_dates(self):
        for summary in self:
            day = summary.ref_date or fields.Date.context_today(summary)
            if summary.period == "custom":
                summary.date_from = summary.date_from or day.replace(day=1)
                summary.date_to = summary.date_to or day
            elif summary.period == "cycle":
                start = billing_cycle_start(
                    day, summary.company_id.ev_billing_cycle_day
                )
                summary.date_from = start
                summary.date_to = start + relativedelta(months=1) - timedelta(days=1)
            elif summary.period == "month":
                summary.date_from = day.replace(day=1)
                summary.date_to = summary.date_from + relativedelta(months=1, days=-1)
            else:
                summary.date_from = date(day.year, 1, 1)
                summary.date_to = date(day.year, 12, 31)

    def _ev_chargers(self):
        self.ensure_one()
        return self.charger_id or self.station_id.charger_ids

    def _ev_bounds(self):
        """UTC (start, stop) of the period: local midnights."""
        self.ensure_one()
        return self.env["ev.session"]._ev_utc_bounds(
            self.date_from, self.date_to + timedelta(days=1)
        )

    def _ev_session_domain(self):
        start, stop = self._ev_bounds()
        return [
            ("charger_id", "in", self._ev_chargers().ids),
            ("start_time", ">=", start),
            ("start_time", "<", stop),
            ("state", "!=", "cancelled"),
        ]

    @api.depends(
        "date_from", "date_to", "charger_id", "station_id", "period", "ref_date"
    )
    def _compute_figures(self):
        for summary in self:
            if not (
                summary.date_from
                and summary.date_to
                and summary.date_from <= summary.date_to
                and summary._ev_chargers()
            ):
                summary.update(
                    dict.fromkeys(
                        (
                            "session_count energy_kwh amount_untaxed amount_parking "
                            "amount_overstay energy_cost margin utilisation uptime"
                        ).split(),
                        0,
                    )
                )
                continue
            sessions = self.env["ev.session"].search(summary._ev_session_domain())
            summary.session_count = len(sessions)
            for fname in (
                "energy_kwh",
                "amount_untaxed",
                "amount_parking",
                "amount_overstay",
                "energy_cost",
                "margin",
            ):
                summary[fname] = sum(sessions.mapped(fname))
            start, stop = summary._ev_bounds()
            now = fields.Datetime.now()
            window = (min(stop, now) - start).total_seconds()
            chargers = summary._ev_chargers()
            connectors = chargers.connector_ids
            charging = sum(
                max(
                    0.0,
                    (
                        min(session.stop_time or now, stop)
                        - max(session.start_time, start)
                    ).total_seconds(),
                )
                for session in sessions
            )
            summary.utilisation = (
                100.0 * charging / (window * len(connectors))
                if window > 0 and connectors
                else 0.0
            )
            summary.uptime = (
                100.0 * sum(c._ev_uptime(start, stop) for c in chargers) / len(chargers)
            )

    def action_view_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_session_action"
        )
        action["domain"] = self._ev_session_domain()
        return action
