from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EvUtilityRateBlock(models.Model):
    """One block of a progressive electricity tariff: the price of the kWh up to
    ``up_to_kwh`` in the month (the last block, with no limit, prices everything above).
    """

    _name = "ev.utility.rate.block"
    _description = "Electricity Cost Progressive Block"
    _order = "utility_rate_id, sequence, up_to_kwh, id"

    utility_rate_id = fields.Many2one(
        "ev.utility.rate", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(default=10)
    up_to_kwh = fields.Float(
        string="Up to (kWh/month)",
        digits=(16, 2),
        help=(
            "Cumulative monthly consumption this block ends at. Leave 0 on the last "
            "block: no limit."
        ),
    )
    price_per_kwh = fields.Float(string="Price (/kWh)", digits=(16, 4), required=True)

    @api.constrains("up_to_kwh", "price_per_kwh")
    def _check_values(self):
        for block in self:
            if block.up_to_kwh < 0 or block.price_per_kwh < 0:
                raise ValidationError(_("Block limits and prices cannot be negative."))
