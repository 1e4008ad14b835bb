from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import pricing

PRICE_DIGITS = (16, 4)


class EvUtilityRate(models.Model):
    """What a station pays its utility for electricity (MEA/PEA), VAT excluded as on the
    bill: a time-of-use energy charge or progressive monthly blocks, plus Ft per kWh,
    VAT and a monthly service charge. It gives each session its energy cost and margin.
    """

    _name = "ev.utility.rate"
    _description = "Station Electricity Cost"
    _inherit = ["mail.thread", "ev.trash.mixin"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(
        [("tou", "Time of use"), ("progressive", "Progressive blocks")],
        string="Energy Charge",
        default="tou",
        required=True,
        tracking=True,
    )
    on_peak_per_kwh = fields.Float(
        string="On-Peak (/kWh)", digits=PRICE_DIGITS, tracking=True
    )
    off_peak_per_kwh = fields.Float(
        string="Off-Peak (/kWh)", digits=PRICE_DIGITS, tracking=True
    )
    block_ids = fields.One2many(
        "ev.utility.rate.block", "utility_rate_id", string="Blocks", copy=True
    )
    ft_per_kwh = fields.Float(
        string="Ft (/kWh)",
        digits=PRICE_DIGITS,
        tracking=True,
        help="Fuel adjustment charge, revised by the ERC every four months.",
    )
    vat_percent = fields.Float(string="VAT (%)", default=7.0, digits=(5, 2))
    service_charge_per_month = fields.Float(
        string="Service Charge (/month)", digits=(16, 2)
    )
    station_ids = fields.One2many("ev.station", "utility_rate_id", string="Stations")
    note = fields.Html()

    @api.constrains(
        "on_peak_per_kwh",
        "off_peak_per_kwh",
        "ft_per_kwh",
        "vat_percent",
        "service_charge_per_month",
    )
    def _check_values(self):
        for rate in self:
            if (
                min(
                    rate.on_peak_per_kwh,
                    rate.off_peak_per_kwh,
                    rate.vat_percent,
                    rate.service_charge_per_month,
                )
                < 0
            ):
                raise ValidationError(_("Electricity prices cannot be negative."))

    @api.constrains("kind", "block_ids")
    def _check_blocks(self):
        for rate in self.filtered(lambda r: r.kind == "progressive"):
            try:
                rate._ev_utility_rates()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "%(rate)s: progressive blocks must rise and end with a block "
                        "without limit (%(error)s).",
                        rate=rate.display_name,
                        error=error,
                    )
                ) from error

    def _ev_utility_rates(self):
        """The pricing core's :class:`pricing.UtilityRates` for this record."""
        self.ensure_one()
        blocks = ()
        if self.kind == "progressive":
            blocks = tuple(
                (
                    None if not block.up_to_kwh else Decimal(repr(block.up_to_kwh)),
                    Decimal(repr(block.price_per_kwh)),
                )
                for block in self.block_ids.sorted(
                    lambda b: (not b.up_to_kwh, b.up_to_kwh)
                )
            )
        return pricing.UtilityRates(
            kind=self.kind,
            on_peak_per_kwh=self.on_peak_per_kwh,
            off_peak_per_kwh=self.off_peak_per_kwh,
            blocks=blocks,
            ft_per_kwh=self.ft_per_kwh,
            vat_percent=self.vat_percent,
            service_charge_per_month=self.service_charge_per_month,
            name=self.name,
        )

    def _ev_energy_cost(self, energy_wh_by_period, month_to_date_kwh=0):
        """:class:`pricing.EnergyCost` of a session's metered energy per TOU period."""
        self.ensure_one()
        try:
            return pricing.energy_cost(
                self._ev_utility_rates(),
                energy_wh_by_period,
                month_to_date_kwh=Decimal(repr(float(month_to_date_kwh or 0))),
            )
        except ValueError as error:
            raise UserError(
                _(
                    "Electricity cost %(rate)s cannot be used: %(error)s",
                    rate=self.display_name,
                    error=error,
                )
            ) from error
