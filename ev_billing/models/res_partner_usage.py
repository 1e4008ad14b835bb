from odoo import fields, models


class ResPartner(models.Model):
    """A driver's charging history on their form: sessions by station, energy, spend,
    last visit."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    ev_session_count = fields.Integer(
        string="Charging Sessions", compute="_compute_ev_usage"
    )
    ev_energy_kwh = fields.Float(
        string="Energy Charged (kWh)", digits=(12, 3), compute="_compute_ev_usage"
    )
    ev_spend = fields.Monetary(
        string="Spent on Charging",
        currency_field="ev_usage_currency_id",
        compute="_compute_ev_usage",
    )
    ev_usage_currency_id = fields.Many2one("res.currency", compute="_compute_ev_usage")
    ev_last_visit = fields.Datetime(string="Last Visit", compute="_compute_ev_usage")
    ev_usage_html = fields.Html(
        string="Usage by Station", compute="_compute_ev_usage", sanitize=False
    )

    def _compute_ev_usage(self):
        Session = self.env["ev.session"]
        for partner in self:
            if not partner.id or not Session.has_access("read"):
                partner.update(
                    {
                        "ev_session_count": 0,
                        "ev_energy_kwh": 0.0,
                        "ev_spend": 0.0,
                        "ev_usage_currency_id": self.env.company.currency_id.id,
                        "ev_last_visit": False,
                        "ev_usage_html": False,
                    }
                )
                continue
            rows = Session._read_group(
                [("partner_id", "=", partner.id), ("state", "!=", "cancelled")],
                ["station_id"],
                ["__count", "energy_kwh:sum", "amount_total:sum", "start_time:max"],
            )
            partner.ev_session_count = sum(row[1] for row in rows)
            partner.ev_energy_kwh = sum(row[2] for row in rows)
            partner.ev_spend = sum(row[3] for row in rows)
            partner.ev_usage_currency_id = self.env.company.currency_id
            visits = [row[4] for row in rows if row[4]]
            partner.ev_last_visit = max(visits) if visits else False
            partner.ev_usage_html = self.env["ir.qweb"]._render(
                "ev_billing.ev_driver_usage_table",
                {
                    "rows": sorted(
                        rows,
                        key=lambda row: row[4] or partner.create_date,
                        reverse=True,
                    ),
                    "currency": partner.ev_usage_currency_id,
                },
            )

    def action_ev_view_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_session_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_groupby_station": 1}
        return action
