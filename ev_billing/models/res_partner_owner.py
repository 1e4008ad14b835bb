from odoo import api, fields, models


class ResPartner(models.Model):
    """A station owner (site host) and their VAT status."""

    _inherit = "res.partner"

    ev_owner_station_ids = fields.One2many(
        "ev.station",
        "owner_id",
        string="Owned Stations",
        groups="ev_billing.group_ev_viewer",
    )
    ev_owner_station_count = fields.Integer(
        compute="_compute_ev_owner_station_count", groups="ev_billing.group_ev_viewer"
    )
    ev_owner_vat_registered = fields.Boolean(
        string="VAT Registered Owner",
        help="Registered for VAT (Por Por 20): the payout bill made on the owner's "
        "behalf carries 7 % input VAT. Otherwise the payout has no VAT.",
    )

    @api.depends("ev_owner_station_ids")
    def _compute_ev_owner_station_count(self):
        for partner in self:
            partner.ev_owner_station_count = len(partner.ev_owner_station_ids)
