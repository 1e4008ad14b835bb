from datetime import timedelta

from dateutil.relativedelta import relativedelta
from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.http import request
from odoo.osv import expression

from odoo.addons.portal.controllers.portal import CustomerPortal

# What a station owner sees of a session (PDPA): no driver, card or phone.
SESSION_FIELDS = ("name", "start_time", "stop_time", "energy_kwh", "amount_total")


class EvOwnerPortal(CustomerPortal):
    """The station owner's pages: their stations live, sessions, revenue by day and
    month, statements and payouts.

    Every record is looked up among the logged-in owner's own stations and statements
    first (``_ev_owner_*``), and only then read with sudo; anything else is a 404,
    whether it exists or not.
    """

    def _ev_owner(self):
        return request.env.user.partner_id.commercial_partner_id

    def _ev_owner_stations(self):
        return (
            request.env["ev.station"]
            .sudo()
            .search([("owner_id", "child_of", self._ev_owner().id)], order="name")
        )

    def _ev_owner_statements(self):
        return (
            request.env["ev.owner.statement"]
            .sudo()
            .search(
                [
                    ("owner_id", "=", self._ev_owner().id),
                    ("state", "=", "posted"),
                ]
            )
        )

    def _ev_owner_station(self, station_id):
        station = self._ev_owner_stations().filtered(lambda s: s.id == station_id)
        if not station:
            raise NotFound()
        return station

    def _ev_owner_statement(self, statement_id):
        statement = self._ev_owner_statements().filtered(lambda s: s.id == statement_id)
        if not statement:
            raise NotFound()
        return statement

    def _ev_contract_domain(self, stations):
        """Sessions of ``stations`` while they were on the owner's plan: before and
        after, they are not the owner's business."""
        Statement = request.env["ev.owner.statement"]
        domains = []
        for station in stations:
            domain = [("station_id", "=", station.id)]
            if station.owner_date_start:
                start = Statement._ev_utc(station, station.owner_date_start)
                domain.append(("stop_time", ">=", start))
            if station.owner_date_end:
                end = Statement._ev_utc(
                    station, station.owner_date_end + timedelta(days=1)
                )
                domain.append(("stop_time", "<", end))
            domains.append(domain)
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ev_station_count" in counters:
            values["ev_station_count"] = len(self._ev_owner_stations())
        return values

    # -- Revenue chart -----------------------------------------------------------------

    def _ev_revenue(self, stations, start, granularity, periods):
        """[(label, amount, percent of the highest)] of the stations' charging revenue
        (VAT included) by day or month from ``start``."""
        tz = stations[:1].tz or "Asia/Bangkok"
        Session = request.env["ev.session"].sudo().with_context(tz=tz)
        end = start + (
            timedelta(days=periods)
            if granularity == "day"
            else relativedelta(months=periods)
        )
        rows = Session._read_group(
            [
                *self._ev_contract_domain(stations),
                ("state", "=", "done"),
                ("stop_time", ">=", start),
                ("stop_time", "<", end),
            ],
            groupby=[f"stop_time:{granularity}"],
            aggregates=["amount_total:sum"],
        )
        by_period = {
            (
                moment.date() if granularity == "day" else moment.date().replace(day=1)
            ): total
            for moment, total in rows
        }
        buckets = []
        for index in range(periods):
            day = (
                start.date() + timedelta(days=index)
                if granularity == "day"
                else (start.date() + relativedelta(months=index)).replace(day=1)
            )
            label = (
                day.strftime("%d/%m") if granularity == "day" else day.strftime("%m/%Y")
            )
            buckets.append([label, by_period.get(day, 0.0)])
        highest = max((amount for _label, amount in buckets), default=0) or 1
        return [
            (label, amount, round(100 * amount / highest)) for label, amount in buckets
        ]

    def _ev_chart_values(self, stations):
        today = fields.Datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        return {
            "revenue_by_day": self._ev_revenue(
                stations, today - timedelta(days=29), "day", 30
            ),
            "revenue_by_month": self._ev_revenue(
                stations,
                today.replace(day=1) - relativedelta(months=11),
                "month",
                12,
            ),
        }

    # -- Pages -------------------------------------------------------------------------

    @http.route("/my/stations", type="http", auth="user", website=True)
    def portal_my_stations(self, **kwargs):
        stations = self._ev_owner_stations()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_stations",
                "stations": stations,
                "statements": self._ev_owner_statements(),
                "currency": stations[:1].currency_id or request.env.company.currency_id,
                **self._ev_chart_values(stations),
            }
        )
        return request.render("ev_billing.portal_my_stations", values)

    @http.route("/my/stations/<int:station_id>", type="http", auth="user", website=True)
    def portal_my_station(self, station_id, **kwargs):
        station = self._ev_owner_station(station_id)
        sessions = (
            request.env["ev.session"]
            .sudo()
            .search(
                [*self._ev_contract_domain(station), ("state", "!=", "cancelled")],
                limit=100,
            )
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_station",
                "station": station,
                "sessions": sessions.read(SESSION_FIELDS + ("state",)),
                "currency": station.currency_id,
                **self._ev_chart_values(station),
            }
        )
        return request.render("ev_billing.portal_my_station", values)

    @http.route(
        "/my/stations/statements/<int:statement_id>",
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_statement(self, statement_id, report_type=None, download=False, **kw):
        statement = self._ev_owner_statement(statement_id)
        if report_type in ("html", "pdf"):
            return self._show_report(
                model=statement,
                report_type=report_type,
                report_ref="ev_billing.action_report_ev_owner_statement",
                download=download,
            )
        if report_type == "xlsx":
            content = statement._ev_xlsx_bytes()
            filename = f"{statement.name.replace('/', '-')}.xlsx"
            return request.make_response(
                content,
                headers=[
                    (
                        "Content-Type",
                        "application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet",
                    ),
                    ("Content-Disposition", http.content_disposition(filename)),
                ],
            )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ev_statement",
                "statement": statement,
                "currency": statement.currency_id,
            }
        )
        return request.render("ev_billing.portal_my_owner_statement", values)
