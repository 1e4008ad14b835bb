import logging
import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


def normalize_tag(tag):
    """RFID UIDs are compared without case or spaces: ' 04 a1 b2 ' is '04A1B2'."""
    return re.sub(r"\s+", "", tag or "").upper()


class EvIdTag(models.Model):
    """An RFID card (OCPP idTag) and the driver whose wallet it charges."""

    _name = "ev.id.tag"
    _description = "RFID Card"
    _inherit = ["mail.thread"]
    _order = "tag"
    _rec_name = "tag"
    _check_company_auto = True

    tag = fields.Char(string="Card UID", required=True, tracking=True, copy=False)
    name = fields.Char(
        string="Label", help="Printed number or a note, e.g. 'Blue key fob'."
    )
    partner_id = fields.Many2one(
        "res.partner", string="Driver", index=True, tracking=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", index=True, default=lambda self: self.env.company
    )
    status = fields.Selection(
        [
            ("Accepted", "Accepted"),
            ("Blocked", "Blocked"),
            ("Expired", "Expired"),
            ("Invalid", "Invalid"),
        ],
        default="Accepted",
        required=True,
        tracking=True,
    )
    expiry_date = fields.Datetime(tracking=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("tag_uniq", "unique(tag)", "This card UID is already registered."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "tag" in vals:
                vals["tag"] = normalize_tag(vals["tag"])
        return super().create(vals_list)

    def write(self, vals):
        if "tag" in vals:
            vals["tag"] = normalize_tag(vals["tag"])
        return super().write(vals)

    @api.constrains("tag")
    def _check_tag(self):
        for card in self:
            if not card.tag or len(card.tag) > 20:
                raise ValidationError(
                    _("A card UID has 1 to 20 characters (OCPP idTag).")
                )
            if self.with_context(active_test=False).search_count(
                [("tag", "=", card.tag), ("id", "!=", card.id)]
            ):
                raise ValidationError(_("Card %s is already registered.", card.tag))

    @api.model
    def _normalize(self, tag):
        return normalize_tag(tag)

    def _ocpp_status(self, at=None):
        """The idTagInfo status the bridge hands to the charger."""
        self.ensure_one()
        at = at or fields.Datetime.now()
        if not self.active:
            return "Invalid"
        if self.status == "Accepted" and self.expiry_date and self.expiry_date < at:
            return "Expired"
        if self.status == "Accepted" and not self.partner_id:
            return "Invalid"
        return self.status

    def action_block(self):
        self.write({"status": "Blocked"})

    def action_unblock(self):
        self.write({"status": "Accepted"})

    @api.model
    def _ocpp_authorize(self, identity, id_tag, connector_number=None):
        """Answer of an OCPP Authorize (and of the idTag check inside
        StartTransaction)."""
        charger = self.env["ev.charger"].search(
            [("identity", "=", identity or "")], limit=1
        )
        tag = self._normalize(id_tag)
        info = {"status": "Invalid", "expiry_date": None, "parent_id_tag": None}
        if not charger or not tag:
            return {"id_tag_info": info, "max_energy_wh": None}
        session = self.env["ev.session"].search(
            [
                ("remote_request_id", "=", tag),
                ("state", "=", "pending"),
                ("charger_id", "=", charger.id),
            ],
            limit=1,
        )
        if session:
            # A session started from Odoo presents its own request id as idTag.
            info["status"] = "Accepted"
            return {
                "id_tag_info": info,
                "max_energy_wh": session._ev_max_energy_wh() or None,
            }
        card = self.with_context(active_test=False).search(
            [("tag", "=", tag), ("company_id", "in", [charger.company_id.id, False])],
            limit=1,
        )
        if not card:
            return {"id_tag_info": info, "max_energy_wh": None}
        info["status"] = card._ocpp_status()
        if card.expiry_date:
            info["expiry_date"] = card.expiry_date.isoformat() + "Z"
        max_energy_wh = None
        if info["status"] == "Accepted":
            ok, reason, max_energy_wh = card.partner_id._ev_start_check(charger)
            if not ok:
                info["status"] = "Blocked"
                _logger.info("Card %s refused at %s: %s", tag, identity, reason)
        return {"id_tag_info": info, "max_energy_wh": max_energy_wh}
