import pytz

from odoo import _, api, fields, models

# session fields the Overview board shows: a change is pushed to it
OVERVIEW_FIELDS = {
    "state",
    "meter_last",
    "power_w",
    "soc",
    "partner_id",
    "amount_total",
}
HISTORY_COLUMNS = [
    "start_time",
    "stop_time",
    "name",
    "station_id",
    "charger_id",
    "connector_id",
    "partner_id",
    "id_tag",
    "energy_kwh",
    "amount_parking",
    "amount_overstay",
    "amount_total",
    "state",
    "abbreviated_invoice_number",
]
REVENUE_COLUMNS = [
    "start_time",
    "name",
    "station_id",
    "partner_id",
    "energy_kwh",
    "amount_energy",
    "amount_parking",
    "amount_overstay",
    "amount_untaxed",
    "amount_vat",
    "amount_total",
    "energy_cost",
    "margin",
]


class EvSession(models.Model):
    """Sessions as the backend reports them: billing-cycle filters, hour of day, Excel
    export, the live Overview's running cost, and pushes to the Overview board."""

    _inherit = ["ev.session", "ev.billing.period.mixin"]
    _name = "ev.session"

    _ev_period_date_field = "start_time"

    start_hour = fields.Integer(
        string="Hour of Day",
        compute="_compute_start_hour",
        store=True,
        aggregator=False,
        help="Local hour (0-23) at which charging started, in the company's time zone.",
    )
    duration_hours = fields.Float(
        string="Charging Hours",
        compute="_compute_duration_hours",
        store=True,
        aggregator="sum",
        digits=(12, 2),
    )

    @api.depends("start_time", "company_id.partner_id.tz")
    def _compute_start_hour(self):
        for session in self:
            if not session.start_time:
                session.start_hour = 0
                continue
            tz = pytz.timezone(session.company_id.partner_id.tz or "Asia/Bangkok")
            session.start_hour = (
                pytz.utc.localize(session.start_time).astimezone(tz).hour
            )

    @api.depends("start_time", "stop_time")
    def _compute_duration_hours(self):
        for session in self:
            if session.start_time and session.stop_time:
                seconds = (session.stop_time - session.start_time).total_seconds()
                session.duration_hours = max(seconds, 0) / 3600.0
            else:
                session.duration_hours = 0.0

    # -- Live ---------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        sessions = super().create(vals_list)
        sessions.mapped("station_id")._ev_overview_notify()
        return sessions

    def write(self, vals):
        res = super().write(vals)
        if OVERVIEW_FIELDS & set(vals):
            self.mapped("station_id")._ev_overview_notify()
        return res

    # -- Excel --------------------------------------------------------------------

    def action_ev_export_history_xlsx(self):
        Export = self.env["ev.xlsx.export"]
        return Export._ev_export(
            Export._ev_records(self._name),
            HISTORY_COLUMNS,
            _("Charging history"),
            _("History"),
        )

    def action_ev_export_revenue_xlsx(self):
        Export = self.env["ev.xlsx.export"]
        return Export._ev_export(
            Export._ev_records(self._name),
            REVENUE_COLUMNS,
            _("Revenue and cost"),
            _("Revenue"),
        )
