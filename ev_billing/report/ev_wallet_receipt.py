from odoo import api, models

from .ev_report_access import ev_report_docs


class ReportEvWalletReceipt(models.AbstractModel):
    """Receipt of a desk top-up or withdrawal: printed by EV Operators (and a driver for
    their own wallet) without Accounting rights."""

    _name = "report.ev_billing.report_ev_wallet_receipt"
    _description = "Wallet Receipt"

    @api.model
    def _get_report_values(self, docids, data=None):
        docs = ev_report_docs(
            self.env, "ev.wallet.transaction", docids, "ev_billing.group_ev_operator"
        )
        return {
            "doc_ids": docids,
            "doc_model": "ev.wallet.transaction",
            "docs": docs,
        }
