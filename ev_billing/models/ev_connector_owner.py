from odoo import models

BUSY_STATUSES = ("Charging", "Preparing", "SuspendedEV", "SuspendedEVSE", "Finishing")


class EvConnector(models.Model):
    """Connector statuses pushed live to the station owner's portal."""

    _inherit = "ev.connector"

    def write(self, vals):
        res = super().write(vals)
        if "status" in vals:
            for connector in self.sudo():
                owner = connector.charger_id.station_id.owner_id.commercial_partner_id
                listeners = (owner | owner.child_ids).filtered("user_ids")
                if not listeners:
                    continue
                status = connector.status
                listeners._bus_send(
                    "ev_owner_connector_status",
                    {
                        "connector_id": connector.id,
                        "status": status,
                        "css_class": "text-bg-success"
                        if status == "Available"
                        else "text-bg-warning"
                        if status in BUSY_STATUSES
                        else "text-bg-secondary",
                    },
                )
        return res
