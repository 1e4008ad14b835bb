from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EvOwnerPlan(models.Model):
    """What a station owner (condo, hotel, fleet depot) pays the operator: a monthly
    fee per station covering some chargers, a fee per extra charger and a percentage
    of the charging revenue; and who collects the drivers' money."""

    _name = "ev.owner.plan"
    _description = "Station Owner Plan"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Operator",
        required=True,
        default=lambda self: self.env.company,
        help="The operator company selling this plan: it issues the fee invoices "
        "and pays the owners out.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    monthly_fee = fields.Monetary(
        string="Monthly Fee per Station",
        tracking=True,
        help="VAT excluded. Pro-rated by day when a station joins or leaves mid-month.",
    )
    chargers_included = fields.Integer(
        default=5, tracking=True, help="Chargers of a station covered by its fee."
    )
    extra_charger_fee = fields.Monetary(
        string="Fee per Extra Charger",
        tracking=True,
        help="Monthly, VAT excluded, for each charger beyond the included ones; a "
        "charger counts from the month it is installed.",
    )
    revenue_share_percent = fields.Float(
        string="Fee on Charging Revenue (%)",
        digits=(5, 2),
        tracking=True,
        help="The operator's percentage of the station's charging revenue.",
    )
    revenue_base = fields.Selection(
        [
            ("untaxed", "Revenue without VAT"),
            ("total", "Revenue with VAT"),
        ],
        string="Percentage Applies to",
        default="untaxed",
        required=True,
        tracking=True,
    )
    owner_collects = fields.Boolean(
        string="Owner Collects Drivers' Money",
        tracking=True,
        help="The owner is the seller: the station runs in the owner's own company, "
        "drivers pay the owner at once and the operator invoices the plan fee. "
        "Otherwise the operator collects and pays the owner out monthly.",
    )
    payout_frequency = fields.Selection(
        [("monthly", "Monthly")], default="monthly", required=True
    )
    contract_months = fields.Integer(
        string="Contract Length (months)", default=12, tracking=True
    )
    description = fields.Text(translate=True)
    station_ids = fields.One2many("ev.station", "owner_plan_id", string="Stations")
    station_count = fields.Integer(compute="_compute_station_count")

    @api.depends("station_ids")
    def _compute_station_count(self):
        for plan in self:
            plan.station_count = len(plan.station_ids)

    @api.constrains(
        "monthly_fee",
        "chargers_included",
        "extra_charger_fee",
        "revenue_share_percent",
        "contract_months",
    )
    def _check_amounts(self):
        for plan in self:
            if (
                min(plan.monthly_fee, plan.chargers_included, plan.extra_charger_fee)
                < 0
            ):
                raise ValidationError(
                    _("Fees and included chargers of a plan cannot be negative.")
                )
            if not 0 <= plan.revenue_share_percent <= 100:
                raise ValidationError(
                    _("The fee on charging revenue is a percentage from 0 to 100.")
                )
            if plan.contract_months < 1:
                raise ValidationError(_("A contract lasts at least one month."))
