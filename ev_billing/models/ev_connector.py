import secrets
from urllib.parse import quote

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# OCPP 1.6 ChargePointStatus and ChargePointErrorCode, spelled as the protocol spells
# them.
CONNECTOR_STATUSES = [
    ("Available", "Available"),
    ("Preparing", "Preparing"),
    ("Charging", "Charging"),
    ("SuspendedEVSE", "Suspended by EVSE"),
    ("SuspendedEV", "Suspended by EV"),
    ("Finishing", "Finishing"),
    ("Reserved", "Reserved"),
    ("Unavailable", "Unavailable"),
    ("Faulted", "Faulted"),
]
# A car is plugged in (the connector is occupied) in these states.
OCCUPIED_STATUSES = (
    "Preparing",
    "Charging",
    "SuspendedEVSE",
    "SuspendedEV",
    "Finishing",
)

CONNECTOR_ERROR_CODES = [
    ("NoError", "No Error"),
    ("ConnectorLockFailure", "Connector Lock Failure"),
    ("EVCommunicationError", "EV Communication Error"),
    ("GroundFailure", "Ground Failure"),
    ("HighTemperature", "High Temperature"),
    ("InternalError", "Internal Error"),
    ("LocalListConflict", "Local List Conflict"),
    ("OtherError", "Other Error"),
    ("OverCurrentFailure", "Over Current Failure"),
    ("OverVoltage", "Over Voltage"),
    ("PowerMeterFailure", "Power Meter Failure"),
    ("PowerSwitchFailure", "Power Switch Failure"),
    ("ReaderFailure", "Reader Failure"),
    ("ResetFailure", "Reset Failure"),
    ("UnderVoltage", "Under Voltage"),
    ("WeakSignal", "Weak Signal"),
]


class EvConnector(models.Model):
    """One connector (outlet) of a charger; OCPP connectorId 1, 2, …"""

    _name = "ev.connector"
    _description = "EV Connector"
    _order = "charger_id, connector_number"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    charger_id = fields.Many2one(
        "ev.charger", required=True, index=True, ondelete="restrict"
    )
    station_id = fields.Many2one(
        related="charger_id.station_id", store=True, index=True
    )
    company_id = fields.Many2one(
        related="charger_id.company_id", store=True, index=True
    )
    active = fields.Boolean(related="charger_id.active", store=True)
    connector_number = fields.Integer(
        required=True, default=1, help="OCPP connectorId, from 1."
    )
    connector_type = fields.Selection(
        [
            ("type2", "Type 2 (AC)"),
            ("ccs2", "CCS2 (DC)"),
            ("chademo", "CHAdeMO (DC)"),
            ("gbt", "GB/T"),
            ("type1", "Type 1 (AC)"),
        ],
        default="type2",
    )
    max_power_kw = fields.Float(string="Max Power (kW)", default=7.4)
    status = fields.Selection(
        CONNECTOR_STATUSES,
        default="Unavailable",
        required=True,
        readonly=True,
        index=True,
    )
    error_code = fields.Selection(
        CONNECTOR_ERROR_CODES, default="NoError", readonly=True
    )
    status_info = fields.Char(readonly=True)
    vendor_error_code = fields.Char(readonly=True)
    status_changed_at = fields.Datetime(readonly=True)
    plugged_since = fields.Datetime(
        readonly=True, help="When the car was plugged in, while it is."
    )
    is_occupied = fields.Boolean(compute="_compute_is_occupied")
    access_token = fields.Char(
        copy=False,
        readonly=True,
        default=lambda self: secrets.token_urlsafe(16),
        help="Key of the connector's public QR page.",
    )
    ev_page_url = fields.Char(
        string="Driver Page",
        compute="_compute_ev_page_url",
        help="The page a driver opens by scanning the connector's QR code.",
    )
    ev_qr_code_url = fields.Char(string="QR Code", compute="_compute_ev_page_url")

    _sql_constraints = [
        (
            "number_uniq",
            "unique(charger_id, connector_number)",
            "A charger cannot have two connectors with the same number.",
        ),
        (
            "number_positive",
            "CHECK(connector_number > 0)",
            "Connector numbers start at 1.",
        ),
    ]

    @api.depends("charger_id.name", "connector_number")
    def _compute_name(self):
        for connector in self:
            connector.name = (
                f"{connector.charger_id.name or ''} #{connector.connector_number}"
            )

    @api.depends("access_token")
    def _compute_ev_page_url(self):
        for connector in self:
            if not connector.access_token:
                connector.ev_page_url = connector.ev_qr_code_url = False
                continue
            url = f"{connector.get_base_url()}/ev/c/{connector.access_token}"
            connector.ev_page_url = url
            connector.ev_qr_code_url = (
                "/report/barcode/?barcode_type=QR"
                f"&value={quote(url, safe='')}&width=300&height=300"
            )

    @api.depends("status")
    def _compute_is_occupied(self):
        for connector in self:
            connector.is_occupied = connector.status in OCCUPIED_STATUSES

    @api.constrains("charger_id", "connector_number")
    def _check_number_unique(self):
        for connector in self:
            if connector.connector_number < 1:
                raise ValidationError(_("Connector numbers start at 1."))
            if self.search_count(
                [
                    ("charger_id", "=", connector.charger_id.id),
                    ("connector_number", "=", connector.connector_number),
                    ("id", "!=", connector.id),
                ]
            ):
                raise ValidationError(
                    _(
                        "%(charger)s already has a connector #%(number)s.",
                        charger=connector.charger_id.display_name,
                        number=connector.connector_number,
                    )
                )

    def _set_ocpp_status(
        self,
        status,
        error_code="NoError",
        info=None,
        vendor_error_code=None,
        timestamp=None,
    ):
        """Apply a StatusNotification; older notifications than the last applied one are
        ignored."""
        timestamp = timestamp or fields.Datetime.now()
        for connector in self:
            if connector.status_changed_at and timestamp < connector.status_changed_at:
                continue
            plugged = status in OCCUPIED_STATUSES
            connector.write(
                {
                    "plugged_since": (connector.plugged_since or timestamp)
                    if plugged
                    else False,
                    "status": status,
                    "error_code": error_code or "NoError",
                    "status_info": info or False,
                    "vendor_error_code": vendor_error_code or False,
                    "status_changed_at": timestamp,
                }
            )

    def action_unlock(self):
        self.ensure_one()
        answer = self.charger_id._bridge_command(
            "unlock_connector", {"connector_id": self.connector_number}
        )
        return self.charger_id._notify_answer(_("Unlock"), answer)

    def action_set_available(self):
        self.ensure_one()
        answer = self.charger_id._bridge_command(
            "change_availability",
            {"connector_id": self.connector_number, "type": "Operative"},
        )
        return self.charger_id._notify_answer(_("Availability"), answer)

    def action_set_unavailable(self):
        self.ensure_one()
        answer = self.charger_id._bridge_command(
            "change_availability",
            {"connector_id": self.connector_number, "type": "Inoperative"},
        )
        return self.charger_id._notify_answer(_("Availability"), answer)
