import logging
from datetime import timedelta

import requests
from passlib.context import CryptContext

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

CHARGER_PASSWORD_CRYPT = CryptContext(["pbkdf2_sha512"])


class EvCharger(models.Model):
    """One OCPP 1.6J charge point, known to the bridge by its identity (chargeBoxId)."""

    _name = "ev.charger"
    _description = "EV Charger"
    _inherit = ["mail.thread", "ev.trash.mixin"]
    _order = "station_id, name, id"
    _check_company_auto = True
    _rec_names_search = ["name", "identity"]

    name = fields.Char(required=True, tracking=True)
    identity = fields.Char(
        required=True,
        tracking=True,
        copy=False,
        help=(
            "The chargeBoxId the charger uses in its websocket URL: "
            "ws://bridge/ocpp/<identity>."
        ),
    )
    station_id = fields.Many2one(
        "ev.station", required=True, index=True, tracking=True, check_company=True
    )
    company_id = fields.Many2one(
        related="station_id.company_id", store=True, index=True
    )
    connector_ids = fields.One2many("ev.connector", "charger_id", string="Connectors")
    connector_count = fields.Integer(compute="_compute_connector_count")
    max_power_kw = fields.Float(string="Max Power (kW)", default=7.4)

    # Filled from BootNotification
    vendor = fields.Char(readonly=True)
    model = fields.Char(readonly=True)
    serial_number = fields.Char(readonly=True)
    firmware_version = fields.Char(readonly=True)
    iccid = fields.Char(string="ICCID", readonly=True)
    imsi = fields.Char(string="IMSI", readonly=True)
    meter_type = fields.Char(readonly=True)
    meter_serial_number = fields.Char(readonly=True)
    last_boot = fields.Datetime(readonly=True)
    firmware_status = fields.Char(readonly=True)
    diagnostics_status = fields.Char(readonly=True)

    online = fields.Boolean(
        readonly=True, help="The charger holds a websocket to the bridge."
    )
    last_heartbeat = fields.Datetime(readonly=True)
    heartbeat_interval = fields.Integer(
        default=300, help="Seconds, sent to the charger in BootNotification."
    )
    is_stale = fields.Boolean(
        string="Silent",
        compute="_compute_is_stale",
        search="_search_is_stale",
        help="Online, but no heartbeat for three heartbeat intervals.",
    )

    password_hash = fields.Char(copy=False, groups="ev_billing.group_ev_admin")
    has_password = fields.Boolean(
        compute="_compute_has_password", string="Password Set"
    )
    allow_no_password = fields.Boolean(
        string="Allow without password",
        groups="ev_billing.group_ev_admin",
        help=(
            "Accept this charger without HTTP Basic credentials (OCPP security "
            "profile 0). Not recommended."
        ),
    )

    _sql_constraints = [
        (
            "identity_uniq",
            "unique(identity)",
            "A charger identity (chargeBoxId) must be unique.",
        ),
    ]

    @api.constrains("identity")
    def _check_identity(self):
        for charger in self:
            if (
                not charger.identity
                or charger.identity != charger.identity.strip()
                or "/" in charger.identity
            ):
                raise ValidationError(
                    _("A charger identity cannot contain spaces at its ends or '/'.")
                )
            if self.with_context(active_test=False).search_count(
                [("identity", "=", charger.identity), ("id", "!=", charger.id)]
            ):
                raise ValidationError(
                    _("Charger identity %s is already used.", charger.identity)
                )

    @api.depends("connector_ids")
    def _compute_connector_count(self):
        for charger in self:
            charger.connector_count = len(charger.connector_ids)

    @api.depends("password_hash")
    def _compute_has_password(self):
        for charger, has_hash in zip(
            self, self.sudo().mapped("password_hash"), strict=True
        ):
            charger.has_password = bool(has_hash)

    def _stale_before(self):
        return fields.Datetime.now() - timedelta(
            seconds=3 * (self.heartbeat_interval or 300)
        )

    @api.depends("online", "last_heartbeat", "heartbeat_interval")
    def _compute_is_stale(self):
        for charger in self:
            charger.is_stale = bool(
                charger.online
                and (
                    not charger.last_heartbeat
                    or charger.last_heartbeat < charger._stale_before()
                )
            )

    def _search_is_stale(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Unsupported search on Silent."))
        stale = self.search([("online", "=", True)]).filtered("is_stale")
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", stale.ids)]

    def set_password(self, password):
        """Store the charger's OCPP Basic-auth password, hashed."""
        self.ensure_one()
        self.check_access("write")
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_admin", _("set charger passwords")
        )
        return self._set_password_hash(
            CHARGER_PASSWORD_CRYPT.hash(password) if password else False
        )

    def _set_password_hash(self, password_hash):
        """Store an already hashed password (the password wizard never keeps the
        clear one)."""
        self.ensure_one()
        self.check_access("write")
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_admin", _("set charger passwords")
        )
        self.sudo().password_hash = password_hash
        return True

    def _check_password(self, password):
        self.ensure_one()
        stored = self.sudo().password_hash
        if not stored:
            return bool(self.sudo().allow_no_password)
        return bool(password) and CHARGER_PASSWORD_CRYPT.verify(password, stored)

    def action_view_connectors(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_connector_action"
        )
        action["domain"] = [("charger_id", "=", self.id)]
        action["context"] = {"default_charger_id": self.id}
        return action

    def _ocpp_connector(self, number):
        """The connector with this OCPP connectorId, created the first time the charger
        names it."""
        self.ensure_one()
        connector = self.connector_ids.filtered(lambda c: c.connector_number == number)[
            :1
        ]
        if not connector:
            connector = self.env["ev.connector"].create(
                {
                    "charger_id": self.id,
                    "connector_number": number,
                    "max_power_kw": self.max_power_kw,
                }
            )
        return connector

    # ------------------------------------------------------------------
    # Commands relayed by the bridge
    # ------------------------------------------------------------------

    def _bridge_command(self, action, payload=None):
        """Send an OCPP command to the charger through ev_ocpp_bridge; returns the
        charger's answer."""
        self.ensure_one()
        # sudo: a caller that checked the user itself (a driver starting or stopping
        # their own charge)
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_operator", _("send commands to chargers")
        )
        params = self.env["ir.config_parameter"].sudo()
        url = (params.get_param("ev_billing.bridge_url") or "").rstrip("/")
        token = params.get_param("ev_billing.bridge_command_token") or ""
        if not url:
            raise UserError(
                _("The OCPP bridge URL is not configured (EV Charging settings).")
            )
        try:
            response = requests.post(
                f"{url}/chargers/{self.identity}/commands/{action}",
                json=payload or {},
                headers={"Authorization": f"Bearer {token}"},
                timeout=35,
            )
        except requests.RequestException as e:
            raise UserError(_("The OCPP bridge cannot be reached: %s", e)) from e
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code == 404:
            raise UserError(_("%s is not connected to the bridge.", self.display_name))
        if response.status_code >= 400:
            raise UserError(
                _(
                    "The charger refused %(action)s: %(error)s",
                    action=action,
                    error=answer.get("error", {}).get("message") or response.text[:200],
                )
            )
        _logger.info(
            "Command %s to %s answered %s", action, self.identity, answer.get("status")
        )
        self.message_post(
            body=_(
                "%(action)s sent by %(user)s: %(status)s",
                action=action,
                user=self.env.user.name,
                status=answer.get("status") or answer.get("response"),
            )
        )
        return answer

    def _notify_answer(self, title, answer):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": str(answer.get("status") or answer.get("response")),
                "type": "success"
                if answer.get("status") in ("Accepted", None)
                else "warning",
                "sticky": False,
            },
        }

    def action_reset_soft(self):
        return self._notify_answer(
            _("Soft reset"), self._bridge_command("reset", {"type": "Soft"})
        )

    def action_reset_hard(self):
        return self._notify_answer(
            _("Hard reset"), self._bridge_command("reset", {"type": "Hard"})
        )

    def action_clear_cache(self):
        return self._notify_answer(
            _("Clear cache"), self._bridge_command("clear_cache")
        )

    def action_trigger_status(self):
        return self._notify_answer(
            _("Status requested"),
            self._bridge_command(
                "trigger_message", {"requested_message": "StatusNotification"}
            ),
        )

    def action_get_configuration(self):
        answer = self._bridge_command("get_configuration", {})
        keys = (answer.get("response") or {}).get("configuration_key") or []
        self.message_post(
            body=_(
                "Configuration: %s",
                ", ".join(f"{k.get('key')}={k.get('value')}" for k in keys),
            )
        )
        return self._notify_answer(
            _("Configuration"), {"status": _("%s keys, see the chatter", len(keys))}
        )
