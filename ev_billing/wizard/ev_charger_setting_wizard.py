from odoo import _, fields, models
from odoo.exceptions import UserError


class EvChargerSettingWizard(models.TransientModel):
    """A Manager changes a charger's OCPP configuration key or caps its charging current
    (a default charging profile, OCPP SmartCharging); the charger's answer is shown."""

    _name = "ev.charger.setting.wizard"
    _description = "Charger Setting"

    charger_id = fields.Many2one("ev.charger", required=True, ondelete="cascade")
    setting = fields.Selection(
        [
            ("configuration", "Configuration key"),
            ("current_limit", "Charging current limit"),
        ],
        required=True,
        default="configuration",
    )
    key = fields.Char(help="OCPP configuration key, e.g. MeterValueSampleInterval.")
    value = fields.Char()
    connector_number = fields.Integer(
        default=0, help="0 = the whole charger, else one connector."
    )
    limit_amps = fields.Float(string="Limit (A)")

    def _ocpp_command(self):
        """The bridge action and its OCPP payload for this setting."""
        self.ensure_one()
        if self.setting == "configuration":
            if not self.key:
                raise UserError(_("Name the configuration key to change."))
            return "change_configuration", {"key": self.key, "value": self.value or ""}
        if self.limit_amps <= 0:
            raise UserError(_("The current limit must be positive."))
        return "set_charging_profile", {
            "connector_id": self.connector_number,
            "cs_charging_profiles": {
                "charging_profile_id": 1,
                "stack_level": 0,
                "charging_profile_purpose": "TxDefaultProfile",
                "charging_profile_kind": "Relative",
                "charging_schedule": {
                    "charging_rate_unit": "A",
                    "charging_schedule_period": [
                        {"start_period": 0, "limit": self.limit_amps}
                    ],
                },
            },
        }

    def action_apply(self):
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_manager", _("change charger settings")
        )
        action, payload = self._ocpp_command()
        answer = self.charger_id._bridge_command(action, payload)
        return self.charger_id._notify_answer(_("Charger setting"), answer)
