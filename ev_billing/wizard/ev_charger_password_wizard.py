from odoo import fields, models


class EvChargerPasswordWizard(models.TransientModel):
    """Set the HTTP Basic password a charger presents to the bridge (OCPP security
    profile 1/2)."""

    _name = "ev.charger.password.wizard"
    _description = "Set Charger Password"

    charger_id = fields.Many2one("ev.charger", required=True, ondelete="cascade")
    password = fields.Char(required=True)

    def action_apply(self):
        self.ensure_one()
        self.charger_id.set_password(self.password)
        # password is required: drop the whole wizard row rather than keep the clear
        # text around
        self.sudo().unlink()
        return {"type": "ir.actions.act_window_close"}
