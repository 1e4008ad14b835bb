import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .ev_ocpp_event import _parse_time

_logger = logging.getLogger(__name__)

# what a BootNotification tells about the charger (bridge payload key -> field)
BOOT_FIELDS = {
    "charge_point_vendor": "vendor",
    "charge_point_model": "model",
    "charge_point_serial_number": "serial_number",
    "firmware_version": "firmware_version",
}


class EvChargerRequest(models.Model):
    """A charger that tried to connect with an identity Odoo does not know.

    The bridge reports every such attempt (``/ev/ocpp/v1/charger/unknown``); an EV
    Administrator registers the charger to a station from the list, then sets the
    password it will present.
    """

    _name = "ev.charger.request"
    _description = "Unknown Charger"
    _order = "state, last_attempt desc, id desc"
    _rec_name = "identity"
    _check_company_auto = True

    identity = fields.Char(required=True, readonly=True, index=True)
    remote_address = fields.Char(readonly=True)
    first_attempt = fields.Datetime(readonly=True)
    last_attempt = fields.Datetime(readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    vendor = fields.Char(readonly=True)
    model = fields.Char(readonly=True)
    serial_number = fields.Char(readonly=True)
    firmware_version = fields.Char(readonly=True)
    boot_info = fields.Json(readonly=True, help="The BootNotification as sent.")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    station_id = fields.Many2one(
        "ev.station",
        check_company=True,
        help="Where the charger is installed: it is registered there.",
    )
    charger_id = fields.Many2one("ev.charger", readonly=True, check_company=True)
    state = fields.Selection(
        [("new", "Waiting"), ("registered", "Registered"), ("dismissed", "Dismissed")],
        default="new",
        required=True,
        readonly=True,
    )

    _sql_constraints = [
        ("identity_uniq", "unique(identity)", "An unknown charger is listed once."),
    ]

    @api.model
    def _ocpp_record_attempts(self, reports):
        """The bridge's reports of attempts by unknown identities; one result each."""
        results = []
        for report in reports:
            identity = report.get("identity") if isinstance(report, dict) else None
            if not isinstance(identity, str) or not 0 < len(identity) <= 64:
                results.append({"identity": identity, "error": "bad identity"})
                continue
            charger = (
                self.env["ev.charger"]
                .with_context(active_test=False)
                .search([("identity", "=", identity)], limit=1)
            )
            known = bool(charger)
            if known:
                # registered from the Chargers menu meanwhile: the list says so
                self.search([("identity", "=", identity), ("state", "=", "new")]).write(
                    {"state": "registered", "charger_id": charger.id}
                )
            else:
                self._ocpp_record_attempt(identity, report)
            results.append({"identity": identity, "known": known})
        return results

    def _ocpp_record_attempt(self, identity, report):
        now = fields.Datetime.now()
        first = _safe_time(report.get("first_attempt_at")) or now
        last = _safe_time(report.get("last_attempt_at")) or now
        attempts = report.get("attempts")
        attempts = attempts if isinstance(attempts, int) and attempts > 0 else 1
        vals = {
            "remote_address": str(report.get("remote_address") or "")[:64] or False,
            "last_attempt": last,
        }
        boot = report.get("boot")
        if isinstance(boot, dict):
            vals["boot_info"] = boot
            vals.update(
                {
                    field: str(boot[key])[:64]
                    for key, field in BOOT_FIELDS.items()
                    if boot.get(key)
                }
            )
        request = self.search([("identity", "=", identity)], limit=1)
        if request:
            vals["attempt_count"] = request.attempt_count + min(attempts, 10**6)
            vals["first_attempt"] = min(request.first_attempt or first, first)
            vals["last_attempt"] = max(request.last_attempt or last, last)
            request.write(vals)
        else:
            self.create(
                dict(
                    vals,
                    identity=identity,
                    first_attempt=first,
                    attempt_count=min(attempts, 10**6),
                )
            )

    def _check_ev_admin(self):
        if not self.env.user.has_group("ev_billing.group_ev_admin"):
            raise AccessError(_("Only an EV Administrator can register chargers."))

    def action_register(self):
        """Create the charger at the chosen station, then ask for its password."""
        self.ensure_one()
        self._check_ev_admin()
        if self.state != "new":
            raise UserError(_("%s is not waiting for registration.", self.identity))
        if not self.station_id:
            raise UserError(_("Choose the station %s is installed at.", self.identity))
        charger = self.env["ev.charger"].create(
            {
                "name": " ".join(filter(None, [self.vendor, self.model]))
                or self.identity,
                "identity": self.identity,
                "station_id": self.station_id.id,
                "vendor": self.vendor,
                "model": self.model,
                "serial_number": self.serial_number,
                "firmware_version": self.firmware_version,
            }
        )
        self.write({"state": "registered", "charger_id": charger.id})
        charger.message_post(
            body=_(
                "Registered by %(user)s from an unknown charger's attempts "
                "(%(count)s, last from %(address)s).",
                user=self.env.user.name,
                count=self.attempt_count,
                address=self.remote_address or "-",
            )
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Set Charger Password"),
            "res_model": "ev.charger.password.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_charger_id": charger.id},
        }

    def action_dismiss(self):
        self._check_ev_admin()
        self.filtered(lambda request: request.state == "new").state = "dismissed"
        return True


def _safe_time(value):
    try:
        return _parse_time(value) if isinstance(value, str) else None
    except ValueError:
        return None
