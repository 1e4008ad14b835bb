from odoo import api, fields, models

from ..models.ev_charger import CHARGER_PASSWORD_CRYPT


class EvChargerPasswordWizard(models.TransientModel):
    """Set the HTTP Basic password a charger presents to the bridge (OCPP security
    profile 1/2).

    The clear password is never stored, not even in this wizard's table: the field has
    no column, its inverse keeps only the hash, and the row is deleted once applied.
    """

    _name = "ev.charger.password.wizard"
    _description = "Set Charger Password"

    charger_id = fields.Many2one("ev.charger", required=True, ondelete="cascade")
    password = fields.Char(
        required=True,
        compute="_compute_password",
        inverse="_inverse_password",
        store=False,
    )
    password_hash = fields.Char(readonly=True, groups="base.group_system")

    def _compute_password(self):
        for wizard in self:
            wizard.password = False

    def _inverse_password(self):
        for wizard in self:
            wizard.sudo().password_hash = (
                CHARGER_PASSWORD_CRYPT.hash(wizard.password)
                if wizard.password
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_admin", self.env._("set charger passwords")
        )
        return super().create(vals_list)

    def action_apply(self):
        self.ensure_one()
        self.charger_id._set_password_hash(self.sudo().password_hash)
        self.sudo().unlink()
        return {"type": "ir.actions.act_window_close"}
