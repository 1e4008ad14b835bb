from datetime import time

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


def float_to_time(value):
    """A float_time widget value (22.5 = 22:30) as a ``datetime.time``; 24.0 is
    midnight."""
    minutes = round(value * 60) % (24 * 60)
    return time(minutes // 60, minutes % 60)


class EvTariffExemptWindow(models.Model):
    """A daily window, in the station's time zone, in which overstay is not charged.

    A window whose end is not after its start crosses midnight (22:00–07:00).
    """

    _name = "ev.tariff.exempt.window"
    _description = "EV Tariff Overstay Exempt Window"
    _order = "tariff_id, hour_from"

    tariff_id = fields.Many2one(
        "ev.tariff", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="tariff_id.company_id", store=True, index=True)
    tier = fields.Selection(
        [("all", "All tiers"), ("member", "Member"), ("vip", "VIP")],
        default="all",
        required=True,
        string="Applies to",
    )
    hour_from = fields.Float(string="From", required=True, default=22.0)
    hour_to = fields.Float(string="To", required=True, default=7.0)
    crosses_midnight = fields.Boolean(compute="_compute_crosses_midnight")

    @api.depends("hour_from", "hour_to")
    def _compute_crosses_midnight(self):
        for window in self:
            window.crosses_midnight = float_to_time(window.hour_to) <= float_to_time(
                window.hour_from
            )

    @api.constrains("hour_from", "hour_to")
    def _check_hours(self):
        for window in self:
            if not (0 <= window.hour_from <= 24 and 0 <= window.hour_to <= 24):
                raise ValidationError(
                    _("Exempt windows are given in hours between 00:00 and 24:00.")
                )
            if float_to_time(window.hour_from) == float_to_time(window.hour_to):
                raise ValidationError(
                    _("An exempt window needs a different start and end.")
                )

    @api.depends("hour_from", "hour_to")
    def _compute_display_name(self):
        for window in self:
            start = float_to_time(window.hour_from).strftime("%H:%M")
            end = float_to_time(window.hour_to).strftime("%H:%M")
            window.display_name = f"{start}–{end}"

    def _ev_times(self):
        """``(time, time)`` pairs as the pricing core takes them."""
        return [(float_to_time(w.hour_from), float_to_time(w.hour_to)) for w in self]
