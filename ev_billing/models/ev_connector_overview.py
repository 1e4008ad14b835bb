from odoo import api, models

# connector fields the Overview board shows
OVERVIEW_FIELDS = {"status", "error_code", "status_info", "vendor_error_code"}


class EvConnector(models.Model):
    """Pushes connector changes to Monitoring › Overview."""

    _inherit = "ev.connector"

    @api.model_create_multi
    def create(self, vals_list):
        connectors = super().create(vals_list)
        connectors.mapped("station_id")._ev_overview_notify()
        return connectors

    def write(self, vals):
        res = super().write(vals)
        if OVERVIEW_FIELDS & set(vals):
            self.mapped("station_id")._ev_overview_notify()
        return res
