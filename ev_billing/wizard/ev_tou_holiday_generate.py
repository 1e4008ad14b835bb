from odoo import fields, models


class EvTouHolidayGenerate(models.TransientModel):
    """Generate a year's Thai public holidays into the TOU calendar (existing days are
    kept)."""

    _name = "ev.tou.holiday.generate"
    _description = "Generate TOU Holidays"

    year = fields.Integer(
        required=True, default=lambda self: fields.Date.context_today(self).year
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    def action_generate(self):
        self.ensure_one()
        self.env["ev.tou.holiday"]._ev_generate(self.year, self.company_id)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_tou_holiday_action"
        )
        action["domain"] = [
            ("year", "=", self.year),
            ("company_id", "=", self.company_id.id),
        ]
        return action
