from odoo import api, models

from .ev_report_access import ev_report_docs


class ReportEvAbbreviatedTaxInvoice(models.AbstractModel):
    """Abbreviated tax invoice of a billed session: printed by EV Managers (and a
    driver for their own session) without Accounting rights."""

    _name = "report.ev_billing.report_ev_abbreviated_tax_invoice"
    _description = "Abbreviated Tax Invoice"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = ev_report_docs(
            self.env, "ev.session", docids, "ev_billing.group_ev_manager"
        )
        return {"doc_ids": docids, "doc_model": "ev.session", "docs": docs}
