from odoo import _, api, fields, models

# order of the board: what needs a person first
STATUS_ORDER = {"Faulted": 0, "Unavailable": 1, "Charging": 2, "SuspendedEV": 3}
LIVE_STATES = ("pending", "charging", "finishing")
# precommit data key: stations changed in this transaction
OVERVIEW_PENDING = "ev_billing.overview_station_ids"


class EvStation(models.Model):
    """The station side of Monitoring › Overview and of the station's charging summary.

    Changes of connectors, chargers and sessions are pushed on the bus to the EV Viewer
    group (every EV level is in it, and Odoo subscribes each user to their groups'
    channels); the board then reloads what the user may read.
    """

    _inherit = "ev.station"

    session_count = fields.Integer(string="Sessions", compute="_compute_session_count")

    def _compute_session_count(self):
        counts = dict(
            self.env["ev.session"]._read_group(
                [("station_id", "in", self.ids)], ["station_id"], ["__count"]
            )
        )
        for station in self:
            station.session_count = counts.get(station, 0)

    def action_view_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_session_action"
        )
        action["domain"] = [("station_id", "=", self.id)]
        action["context"] = {"search_default_groupby_month": 0}
        return action

    def action_ev_charging_summary(self):
        self.ensure_one()
        return self.env["ev.charging.summary"]._ev_open(station=self)

    def _ev_overview_notify(self):
        """Tell the Overview boards these stations changed: one bus notification per
        transaction, however many events it applied (a batch of meter values)."""
        if not self:
            return
        precommit = self.env.cr.precommit
        if OVERVIEW_PENDING not in precommit.data:
            precommit.data[OVERVIEW_PENDING] = set()
            viewers = self.env.ref("ev_billing.group_ev_viewer")

            @precommit.add
            def send():
                station_ids = precommit.data.pop(OVERVIEW_PENDING, set())
                if station_ids:
                    viewers._bus_send(
                        "ev_billing/overview", {"station_ids": sorted(station_ids)}
                    )

        precommit.data[OVERVIEW_PENDING].update(self.ids)

    @api.model
    def ev_overview_data(self, station_id=False):
        """Every station → charger → connector the user may read, with the running
        session, offline chargers and faulted connectors first."""
        all_stations = self.search([])
        stations = (
            all_stations.filtered(lambda s: s.id == station_id)
            if station_id
            else all_stations
        )
        chargers = self.env["ev.charger"].search([("station_id", "in", stations.ids)])
        sessions = self.env["ev.session"].search(
            [("charger_id", "in", chargers.ids), ("state", "in", LIVE_STATES)],
            order="start_time desc",
        )
        session_by_connector = {}
        for session in sessions:
            session_by_connector.setdefault(session.connector_id.id, session)
        status_labels = dict(
            self.env["ev.connector"]._fields["status"]._description_selection(self.env)
        )
        counts = dict.fromkeys(("charging", "available", "faulted", "offline"), 0)
        board = []
        for station in stations:
            board_chargers = sorted(
                (
                    self._ev_overview_charger(
                        charger, session_by_connector, status_labels, counts
                    )
                    for charger in chargers
                    if charger.station_id == station
                ),
                key=lambda c: (c["online"], c["attention"], c["name"]),
            )
            board.append(
                {
                    "id": station.id,
                    "name": station.display_name,
                    "chargers": board_chargers,
                    "offline": sum(not c["online"] for c in board_chargers),
                }
            )
        board.sort(key=lambda s: (-s["offline"], s["name"]))
        return {
            "counts": counts,
            "stations": board,
            "station_options": [
                {"id": s.id, "name": s.display_name} for s in all_stations
            ],
            "currency": {
                "symbol": self.env.company.currency_id.symbol,
                "id": self.env.company.currency_id.id,
            },
        }

    @api.model
    def _ev_overview_charger(self, charger, session_by_connector, labels, counts):
        connectors = []
        for connector in charger.connector_ids.sorted("connector_number"):
            session = session_by_connector.get(connector.id)
            status = connector.status or "Unavailable"
            if charger.online:
                if status == "Charging" or (session and session.state == "charging"):
                    counts["charging"] += 1
                elif status == "Available":
                    counts["available"] += 1
                elif status == "Faulted":
                    counts["faulted"] += 1
            connectors.append(
                {
                    "id": connector.id,
                    "number": connector.connector_number,
                    "status": status,
                    "status_label": labels.get(status, status),
                    "error_code": connector.error_code
                    if connector.error_code not in (False, "NoError")
                    else False,
                    "info": connector.status_info or connector.vendor_error_code or "",
                    "max_power_kw": connector.max_power_kw,
                    "session": session and self._ev_overview_session(session),
                }
            )
        if not charger.online:
            counts["offline"] += 1
        return {
            "id": charger.id,
            "name": charger.display_name,
            "identity": charger.identity,
            "online": bool(charger.online),
            "silent": bool(charger.is_stale),
            "attention": min(
                [STATUS_ORDER.get(c["status"], 9) for c in connectors] or [9]
            ),
            "last_heartbeat": fields.Datetime.to_string(charger.last_heartbeat)
            if charger.last_heartbeat
            else False,
            "connectors": connectors,
        }

    @api.model
    def _ev_overview_session(self, session):
        energy_kwh = (
            max((session.meter_last or 0) - (session.meter_start or 0), 0) / 1000
        )
        return {
            "id": session.id,
            "name": session.name,
            "driver": session.partner_id.display_name
            or session.id_tag
            or _("Unknown driver"),
            "energy_kwh": round(energy_kwh, 3),
            "power_kw": round((session.power_w or 0.0) / 1000, 2),
            "start_time": fields.Datetime.to_string(session.start_time)
            if session.start_time
            else False,
            "cost": session._ev_cost_so_far(),
            "state": session.state,
        }
