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
    # read from and written to its system parameter), and a new token or API key
    # travels to the administrator's browser in the reopened form's context only.
    command_token = fields.Char(
        compute="_compute_command_token",
        inverse="_inverse_command_token",
        store=False,
        help="The bridge's COMMAND_TOKEN: Odoo sends it with every command.",
    )
    new_command_token = fields.Char(
        compute="_compute_shown_once",
        help="Set it as the bridge's COMMAND_TOKEN. It is shown only now.",
    )
    api_key = fields.Char(
        string="New API Key",
        compute="_compute_shown_once",
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

    @api.depends_context("ev_new_command_token", "ev_new_api_key")
    def _compute_shown_once(self):
        for wizard in self:
            wizard.new_command_token = self.env.context.get("ev_new_command_token")
            wizard.api_key = self.env.context.get("ev_new_api_key")

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
        return self._reopen(ev_new_command_token=token)

    def action_generate_api_key(self):
        """A new key for the technical user; older keys keep working until revoked in
        Settings › Users."""
        self._check_admin()
        bridge_user = self.env.ref("ev_billing.user_ev_bridge")
        api_key = (
            self.env["res.users.apikeys"]
            .with_user(bridge_user)
            .sudo()
            ._generate(None, _("ev_ocpp_bridge (by %s)", self.env.user.name), None)
        )
        return self._reopen(ev_new_api_key=api_key)

    def _reopen(self, **shown_once):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": shown_once,
        }
