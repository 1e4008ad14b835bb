from odoo import api, fields, models

# charger fields the Overview board shows
OVERVIEW_FIELDS = {"online", "last_heartbeat", "name", "station_id"}


class EvCharger(models.Model):
    """The charger side of the Overview and of the charging summary: every online /
    offline change is kept for the uptime, sessions one click away."""

    _inherit = "ev.charger"

    connection_ids = fields.One2many(
        "ev.charger.connection", "charger_id", string="Online/Offline Changes"
    )
    session_count = fields.Integer(string="Sessions", compute="_compute_session_count")

    def _compute_session_count(self):
        counts = dict(
            self.env["ev.session"]._read_group(
                [("charger_id", "in", self.ids)], ["charger_id"], ["__count"]
            )
        )
        for charger in self:
            charger.session_count = counts.get(charger, 0)

    @api.model_create_multi
    def create(self, vals_list):
        chargers = super().create(vals_list)
        chargers.filtered("online")._ev_log_connection(True)
        chargers.mapped("station_id")._ev_overview_notify()
        return chargers

    def write(self, vals):
        changed = (
            self.filtered(lambda c: c.online != bool(vals["online"]))
            if "online" in vals
            else self.browse()
        )
        res = super().write(vals)
        if changed:
            changed._ev_log_connection(bool(vals["online"]))
        if OVERVIEW_FIELDS & set(vals):
            self.mapped("station_id")._ev_overview_notify()
        return res

    def _ev_log_connection(self, online):
        now = fields.Datetime.now()
        self.env["ev.charger.connection"].sudo().create(
            [{"charger_id": c.id, "date": now, "online": online} for c in self]
        )

    def _ev_uptime(self, start, stop):
        """Fraction of [start, stop) the charger was online, from its connection
        changes; before the first change known, offline."""
        self.ensure_one()
        if stop <= start:
            return 0.0
        Connection = self.env["ev.charger.connection"].sudo()
        before = Connection.search(
            [("charger_id", "=", self.id), ("date", "<", start)],
            order="date desc, id desc",
            limit=1,
        )
        changes = Connection.search(
            [("charger_id", "=", self.id), ("date", ">=", start), ("date", "<", stop)],
            order="date, id",
        )
        online, since, seconds = bool(before.online), start, 0.0
        for change in changes:
            if online:
                seconds += (change.date - since).total_seconds()
            online, since = change.online, change.date
        if online:
            seconds += (min(stop, fields.Datetime.now()) - since).total_seconds()
        window = (min(stop, fields.Datetime.now()) - start).total_seconds()
        return max(0.0, min(1.0, seconds / window)) if window > 0 else 0.0

    def action_view_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_session_action"
        )
        action["domain"] = [("charger_id", "=", self.id)]
        return action

    def action_ev_charging_summary(self):
        self.ensure_one()
        return self.env["ev.charging.summary"]._ev_open(charger=self)
