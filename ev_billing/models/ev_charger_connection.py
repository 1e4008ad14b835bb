from odoo import fields, models


class EvChargerConnection(models.Model):
    """One change of a charger's connection to the bridge (online or offline): the
    timeline the charger's uptime is measured on."""

    _name = "ev.charger.connection"
    _description = "Charger Online/Offline Change"
    _order = "date desc, id desc"

    charger_id = fields.Many2one(
        "ev.charger", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="charger_id.company_id", store=True)
    date = fields.Datetime(required=True, readonly=True, index=True)
    online = fields.Boolean(readonly=True)
