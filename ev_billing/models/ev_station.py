from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get


class EvStation(models.Model):
    """A charging site: a condo car park, a hotel, a fleet depot, a mall floor."""

    _name = "ev.station"
    _description = "EV Charging Station"
    _inherit = ["mail.thread", "mail.activity.mixin", "ev.trash.mixin"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        tracking=True,
        help="Short code, unique per company, used in tax invoice numbers.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [
            ("draft", "Planned"),
            ("open", "Open"),
            ("maintenance", "Maintenance"),
            ("closed", "Closed"),
        ],
        default="draft",
        required=True,
        tracking=True,
    )
    tz = fields.Selection(
        _tz_get,
        string="Time Zone",
        required=True,
        default="Asia/Bangkok",
        help="Time zone of the site: on-peak and off-peak hours are counted in it.",
    )
    street = fields.Char()
    street2 = fields.Char()
    city = fields.Char()
    zip = fields.Char()
    state_id = fields.Many2one(
        "res.country.state",
        string="Province",
        domain="[('country_id', '=?', country_id)]",
    )
    country_id = fields.Many2one(
        "res.country",
        default=lambda self: self.env.ref("base.th", raise_if_not_found=False),
    )
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        check_company=True,
        help=(
            "Revenue and cost of this station's sessions are booked on this analytic "
            "account."
        ),
    )
    tariff_id = fields.Many2one(
        "ev.tariff",
        tracking=True,
        check_company=True,
        help=(
            "Prices of the sessions started at this station; a session keeps the "
            "tariff in force at its start."
        ),
    )
    utility_rate_id = fields.Many2one(
        "ev.utility.rate",
        string="Electricity Cost",
        tracking=True,
        check_company=True,
        help=(
            "What the station pays its utility: gives each session its energy cost "
            "and margin."
        ),
    )
    charger_ids = fields.One2many("ev.charger", "station_id", string="Chargers")
    charger_count = fields.Integer(compute="_compute_counts")
    connector_count = fields.Integer(compute="_compute_counts")
    connector_available_count = fields.Integer(
        string="Available", compute="_compute_counts"
    )
    note = fields.Html()
    color = fields.Integer()

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A station code must be unique per company.",
        ),
    ]

    @api.constrains("code", "company_id")
    def _check_code_unique(self):
        for station in self:
            if self.with_context(active_test=False).search_count(
                [
                    ("code", "=ilike", station.code),
                    ("company_id", "=", station.company_id.id),
                    ("id", "!=", station.id),
                ]
            ):
                raise ValidationError(
                    _("Station code %s is already used in this company.", station.code)
                )

    @api.depends("charger_ids.connector_ids.status")
    def _compute_counts(self):
        for station in self:
            connectors = station.charger_ids.connector_ids
            station.charger_count = len(station.charger_ids)
            station.connector_count = len(connectors)
            station.connector_available_count = len(
                connectors.filtered(lambda c: c.status == "Available")
            )

    def action_open(self):
        self.write({"state": "open"})

    def action_maintenance(self):
        self.write({"state": "maintenance"})

    def action_close(self):
        self.write({"state": "closed"})

    def action_view_chargers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_charger_action"
        )
        action["domain"] = [("station_id", "=", self.id)]
        action["context"] = {"default_station_id": self.id}
        return action

    def _ev_occupancy_timeline(self, start, end):
        """Occupancy of the station's connectors over [start, end]: a step function
        ``[(datetime, occupied, total), ...]`` as the pricing core's occupancy rule
        takes it.

        Connector status history is not stored, so a connector counts as occupied from
        the plug-in to the unplug of its sessions; without sessions the current statuses
        are used.
        """
        self.ensure_one()
        connectors = self.with_context(active_test=True).charger_ids.connector_ids
        total = len(connectors)
        if "ev.session" not in self.env:
            return [(start, len(connectors.filtered("is_occupied")), total)]
        Session = self.env["ev.session"].sudo()
        sessions = Session.search(
            [
                ("station_id", "=", self.id),
                ("state", "!=", "cancelled"),
                ("start_time", "!=", False),
                ("start_time", "<=", end),
                "|",
                ("unplug_time", "=", False),
                ("unplug_time", ">", start),
            ]
        )
        intervals = []
        for session in sessions:
            begin = session.plug_in_time or session.start_time
            finish = session.unplug_time or end
            if begin < finish:
                intervals.append(
                    (begin, finish, session.connector_id.id or -session.id)
                )
        cuts = sorted(
            {start} | {t for a, b, _c in intervals for t in (a, b) if start < t < end}
        )
        timeline = []
        for instant in cuts:
            occupied = min(len({c for a, b, c in intervals if a <= instant < b}), total)
            if not timeline or timeline[-1][1] != occupied:
                timeline.append((instant, occupied, total))
        return timeline
