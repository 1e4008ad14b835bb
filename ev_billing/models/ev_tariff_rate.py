from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..pricing import OccupancyRule, TierRates

TIER_SELECTION = [("member", "Member"), ("vip", "VIP")]
PRICE_DIGITS = (16, 4)


class EvTariffRate(models.Model):
    """The prices of one driver tier in a tariff, on-peak and off-peak side by side.

    Prices are THB, VAT included. Overstay is charged per started minute from the end of
    charging to unplug, after the grace, outside the tariff's exempt windows, and — when
    the occupancy rule is on — only while the station is busy enough.
    """

    _name = "ev.tariff.rate"
    _description = "EV Tariff Rates per Tier"
    _order = "tariff_id, tier desc"

    tariff_id = fields.Many2one(
        "ev.tariff", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="tariff_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="tariff_id.currency_id")
    tier = fields.Selection(TIER_SELECTION, required=True, default="member")

    energy_price_on_peak = fields.Float(
        string="Energy On-Peak (/kWh)", digits=PRICE_DIGITS, required=True
    )
    energy_price_off_peak = fields.Float(
        string="Energy Off-Peak (/kWh)", digits=PRICE_DIGITS, required=True
    )

    parking_fee_on_peak = fields.Float(
        string="Parking On-Peak (/hour)", digits=PRICE_DIGITS
    )
    parking_fee_off_peak = fields.Float(
        string="Parking Off-Peak (/hour)", digits=PRICE_DIGITS
    )
    parking_free_minutes = fields.Integer(
        string="Free Parking (min)",
        help="Plugged-in minutes not charged a parking fee.",
    )
    parking_rounding = fields.Selection(
        [("minute", "Per started minute"), ("started_hour", "Per started hour")],
        string="Parking Charged",
        default="minute",
        required=True,
    )

    overstay_fee_on_peak = fields.Float(
        string="Overstay On-Peak (/min)", digits=PRICE_DIGITS
    )
    overstay_fee_off_peak = fields.Float(
        string="Overstay Off-Peak (/min)", digits=PRICE_DIGITS
    )
    grace_minutes = fields.Integer(
        string="Grace (min)",
        help="Minutes after the end of charging before overstay is charged.",
    )

    occupancy_rule = fields.Boolean(
        help=(
            "Charge overstay only while at least the given share of the station's "
            "connectors is occupied."
        ),
    )
    occupancy_min_percent = fields.Float(
        string="From Occupancy (%)",
        default=50.0,
        digits=(5, 2),
        help=(
            "Overstay is charged only while at least this share of the station's "
            "connectors is occupied."
        ),
    )
    occupancy_full_multiplier = fields.Float(
        string="Multiplier at 100 %",
        default=2.0,
        digits=(5, 2),
        help=(
            "The overstay fee is multiplied by this while every connector of the "
            "station is occupied."
        ),
    )

    _sql_constraints = [
        (
            "tier_uniq",
            "unique(tariff_id, tier)",
            "A tariff has one line per driver tier.",
        ),
    ]

    @api.constrains("tariff_id", "tier")
    def _check_tier_unique(self):
        for rate in self:
            if self.search_count(
                [
                    ("tariff_id", "=", rate.tariff_id.id),
                    ("tier", "=", rate.tier),
                    ("id", "!=", rate.id),
                ]
            ):
                raise ValidationError(
                    _(
                        "Tariff %(tariff)s already has prices for tier %(tier)s.",
                        tariff=rate.tariff_id.display_name,
                        tier=dict(TIER_SELECTION)[rate.tier],
                    )
                )

    @api.constrains(
        "energy_price_on_peak",
        "energy_price_off_peak",
        "parking_fee_on_peak",
        "parking_fee_off_peak",
        "parking_free_minutes",
        "overstay_fee_on_peak",
        "overstay_fee_off_peak",
        "grace_minutes",
        "occupancy_min_percent",
        "occupancy_full_multiplier",
    )
    def _check_values(self):
        for rate in self:
            if (
                min(
                    rate.energy_price_on_peak,
                    rate.energy_price_off_peak,
                    rate.parking_fee_on_peak,
                    rate.parking_fee_off_peak,
                    rate.overstay_fee_on_peak,
                    rate.overstay_fee_off_peak,
                )
                < 0
            ):
                raise ValidationError(_("Prices cannot be negative."))
            if rate.parking_free_minutes < 0 or rate.grace_minutes < 0:
                raise ValidationError(
                    _("Free parking and grace minutes cannot be negative.")
                )
            if not 0 <= rate.occupancy_min_percent <= 100:
                raise ValidationError(
                    _("The occupancy threshold is a percentage between 0 and 100.")
                )
            if rate.occupancy_full_multiplier < 0:
                raise ValidationError(
                    _("The multiplier at full occupancy cannot be negative.")
                )

    @api.depends("tariff_id.name", "tier")
    def _compute_display_name(self):
        tiers = dict(TIER_SELECTION)
        for rate in self:
            rate.display_name = (
                f"{rate.tariff_id.name or ''} – {tiers.get(rate.tier, '')}"
            )

    def _ev_tier_values(self):
        """Plain values of this line (JSON-safe: amounts as strings), for the frozen
        snapshot."""
        self.ensure_one()
        return {
            "energy_price_on_peak": repr(self.energy_price_on_peak),
            "energy_price_off_peak": repr(self.energy_price_off_peak),
            "parking_fee_per_hour_on_peak": repr(self.parking_fee_on_peak),
            "parking_fee_per_hour_off_peak": repr(self.parking_fee_off_peak),
            "parking_free_minutes": self.parking_free_minutes,
            "parking_rounding": self.parking_rounding,
            "overstay_fee_per_minute_on_peak": repr(self.overstay_fee_on_peak),
            "overstay_fee_per_minute_off_peak": repr(self.overstay_fee_off_peak),
            "grace_minutes": self.grace_minutes,
            "occupancy_rule": {
                "min_percent": repr(self.occupancy_min_percent),
                "full_multiplier": repr(self.occupancy_full_multiplier),
            }
            if self.occupancy_rule
            else None,
        }


def tier_rates_from_values(values, overstay_from, exempt_windows):
    """Build the pricing core's :class:`TierRates` from
    :meth:`EvTariffRate._ev_tier_values`."""
    values = dict(values)
    occupancy = values.pop("occupancy_rule", None)
    return TierRates(
        **values,
        overstay_from=overstay_from,
        exempt_windows=exempt_windows,
        occupancy_rule=OccupancyRule(**occupancy) if occupancy else None,
    )
