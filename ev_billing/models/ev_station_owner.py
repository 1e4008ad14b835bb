from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EvStation(models.Model):
    """The station's owner (site host) and their plan subscription."""

    _inherit = "ev.station"

    owner_id = fields.Many2one(
        "res.partner",
        tracking=True,
        index="btree_not_null",
        help="The site host the station is run for: gets the monthly statement and "
        "sees the station on the portal.",
    )
    owner_plan_id = fields.Many2one(
        "ev.owner.plan", tracking=True, index="btree_not_null"
    )
    owner_collects = fields.Boolean(related="owner_plan_id.owner_collects")
    owner_date_start = fields.Date(
        string="Contract Start",
        tracking=True,
        help="First day billed to the owner; sessions from this day are theirs.",
    )
    owner_date_end = fields.Date(
        string="Contract End",
        tracking=True,
        help="Last day of the contract. With renewal on, it is extended by the "
        "plan's contract length when reached; without, the station leaves the plan "
        "after this day.",
    )
    owner_auto_renew = fields.Boolean(string="Renew Automatically", default=True)

    @api.onchange("owner_plan_id", "owner_date_start")
    def _onchange_owner_contract(self):
        for station in self:
            if station.owner_plan_id and station.owner_date_start:
                station.owner_date_end = station._ev_contract_end(
                    station.owner_date_start
                )

    def _ev_contract_end(self, start):
        self.ensure_one()
        months = self.owner_plan_id.contract_months or 12
        return start + relativedelta(months=months) - timedelta(days=1)

    @api.constrains(
        "owner_id", "owner_plan_id", "owner_date_start", "owner_date_end", "company_id"
    )
    def _check_owner_contract(self):
        for station in self.filtered("owner_plan_id"):
            if not station.owner_id or not station.owner_date_start:
                raise ValidationError(
                    _(
                        "Station %s: a plan needs an owner and a contract start.",
                        station.name,
                    )
                )
            if (
                station.owner_date_end
                and station.owner_date_end < station.owner_date_start
            ):
                raise ValidationError(
                    _(
                        "Station %s: the contract cannot end before it starts.",
                        station.name,
                    )
                )
            plan = station.owner_plan_id
            if plan.owner_collects:
                # The owner is the seller on the drivers' tax invoices: the station
                # runs in the owner's own company.
                if (
                    station.company_id == plan.company_id
                    or station.company_id.partner_id.commercial_partner_id
                    != station.owner_id.commercial_partner_id
                ):
                    raise ValidationError(
                        _(
                            "Station %(station)s: on plan %(plan)s the owner collects "
                            "the drivers' money, so the station must belong to the "
                            "owner's own company (%(owner)s), not to the operator.",
                            station=station.name,
                            plan=plan.name,
                            owner=station.owner_id.display_name,
                        )
                    )
            elif station.company_id != plan.company_id:
                raise ValidationError(
                    _(
                        "Station %(station)s: on plan %(plan)s the operator collects "
                        "the drivers' money, so the station must belong to "
                        "%(company)s.",
                        station=station.name,
                        plan=plan.name,
                        company=plan.company_id.name,
                    )
                )

    def _ev_owner_days(self, date_from, date_to):
        """Days of [date_from, date_to] inside the owner's contract."""
        self.ensure_one()
        if not self.owner_date_start:
            return 0
        start = max(date_from, self.owner_date_start)
        end = min(date_to, self.owner_date_end or date_to)
        return max((end - start).days + 1, 0)

    def _ev_owner_chargers(self, date_from, date_to):
        """Chargers billed for the period: each counts for the whole month it is
        installed in and until the month it is removed; archived chargers without a
        removal date are gone."""
        self.ensure_one()
        chargers = self.with_context(active_test=False).charger_ids
        return chargers.filtered(
            lambda c: (
                (c.install_date or c.create_date.date()) <= date_to
                and (c.removal_date >= date_from if c.removal_date else c.active)
            )
        )

    @api.model
    def _ev_renew_owner_contracts(self, today=None):
        """Extend every auto-renewing contract that has reached its end."""
        today = today or fields.Date.context_today(self)
        stations = self.sudo().search(
            [
                ("owner_plan_id", "!=", False),
                ("owner_auto_renew", "=", True),
                ("owner_date_end", "<", today),
            ]
        )
        for station in stations:
            end = station.owner_date_end
            while end < today:
                end = station._ev_contract_end(end + timedelta(days=1))
            station.owner_date_end = end
        return stations
