import secrets

from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class EvBridgeSetupWizard(models.TransientModel):
    """Administrators connect Odoo and ev_ocpp_bridge: where the bridge's command API
    is, the token Odoo sends it, and a new API key for the bridge's technical user
    (shown once)."""

    _name = "ev.bridge.setup.wizard"
    _description = "OCPP Bridge Access"

    bridge_url = fields.Char(
        string="Bridge Command URL",
        default=lambda self: self._param("ev_billing.bridge_url"),
        help="e.g. http://bridge:8181 — the bridge's COMMAND_HOST:COMMAND_PORT.",
    )
    command_token = fields.Char(
        default=lambda self: self._param("ev_billing.bridge_command_token"),
        help="The bridge's COMMAND_TOKEN: Odoo sends it with every command.",
    )
    new_command_token = fields.Char(
        readonly=True,
        help="Set it as the bridge's COMMAND_TOKEN. It is shown only now.",
    )
    api_key = fields.Char(
        string="New API Key",
        readonly=True,
        help="Set it as the bridge's ODOO_API_KEY. It is shown only now.",
    )

    @api.model
    def _param(self, key):
        self._check_admin()
        return self.env["ir.config_parameter"].sudo().get_param(key) or False

    def _check_admin(self):
        if not self.env.user.has_group("ev_billing.group_ev_admin"):
            raise AccessError(
                _("Only an EV Administrator manages the bridge's access.")
            )

    def action_save(self):
        self._check_admin()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("ev_billing.bridge_url", (self.bridge_url or "").strip())
        params.set_param(
            "ev_billing.bridge_command_token", (self.command_token or "").strip()
        )
        return {"type": "ir.actions.act_window_close"}

    def action_new_command_token(self):
        self._check_admin()
        token = secrets.token_urlsafe(32)
        self.write({"command_token": token, "new_command_token": token})
        return self._reopen()

    def action_generate_api_key(self):
        """A new key for the technical user; older keys keep working until revoked in
        Settings › Users."""
        self._check_admin()
        bridge_user = self.env.ref("ev_billing.user_ev_bridge")
        self.api_key = (
            self.env["res.users.apikeys"]
            .with_user(bridge_user)
            .sudo()
            ._generate(None, _("ev_ocpp_bridge (by %s)", self.env.user.name), None)
        )
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
