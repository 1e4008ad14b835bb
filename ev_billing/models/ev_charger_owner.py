from odoo import fields, models


class EvCharger(models.Model):
    """Install and removal dates: a station owner pays for extra chargers from the
    month they are installed."""

    _inherit = "ev.charger"

    install_date = fields.Date(
        default=fields.Date.context_today,
        tracking=True,
        help="Counts towards the owner's extra chargers from this month on.",
    )
    removal_date = fields.Date(
        tracking=True, help="Counted for the owner up to this month included."
    )
