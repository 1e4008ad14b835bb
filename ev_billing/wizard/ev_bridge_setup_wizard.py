import secrets

from odoo import _, api, fields, models


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
    # Secrets never rest in this wizard's table: the command token has no column (it is
    # read from and written to its system parameter), a new token and a new API key are
    # emptied the moment the form has shown them once.
    command_token = fields.Char(
        compute="_compute_command_token",
        inverse="_inverse_command_token",
        store=False,
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

    def _compute_command_token(self):
        for wizard in self:
            wizard.command_token = self._param("ev_billing.bridge_command_token")

    def _inverse_command_token(self):
        self._check_admin()
        for wizard in self:
            self.env["ir.config_parameter"].sudo().set_param(
                "ev_billing.bridge_command_token", (wizard.command_token or "").strip()
            )

    def web_read(self, specification):
        result = super().web_read(specification)
        shown = [f for f in ("api_key", "new_command_token") if f in specification]
        if shown:
            # shown once: the secret now lives only in the administrator's browser
            self.sudo().write(dict.fromkeys(shown, False))
        return result

    @api.model
    def _param(self, key):
        self._check_admin()
        return self.env["ir.config_parameter"].sudo().get_param(key) or False

    def _check_admin(self):
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_admin", _("manage the bridge's access")
        )

    def action_save(self):
        self._check_admin()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("ev_billing.bridge_url", (self.bridge_url or "").strip())
        self.sudo().unlink()
        return {"type": "ir.actions.act_window_close"}

    def action_new_command_token(self):
        self._check_admin()
        token = secrets.token_urlsafe(32)
        # in force at once (the row must not keep it until Save), shown once below
        self.env["ir.config_parameter"].sudo().set_param(
            "ev_billing.bridge_command_token", token
        )
        self.new_command_token = token
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
