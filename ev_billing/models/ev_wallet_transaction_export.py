from odoo import _, models

LEDGER_COLUMNS = [
    "date",
    "name",
    "partner_id",
    "kind",
    "journal_id",
    "document_name",
    "amount_in",
    "amount_out",
    "balance_after",
    "user_id",
]


class EvWalletTransaction(models.Model):
    """The wallet ledger as Top up/Withdraw lists it: billing-cycle filters and the
    Excel export of what the list shows."""

    _inherit = ["ev.wallet.transaction", "ev.billing.period.mixin"]
    _name = "ev.wallet.transaction"

    _ev_period_date_field = "date"

    def action_ev_export_ledger_xlsx(self):
        Export = self.env["ev.xlsx.export"]
        # sudo'd cells: the journal and document names, for Viewers too
        return Export._ev_export(
            Export._ev_records(self._name),
            LEDGER_COLUMNS,
            _("Wallet top-ups and withdrawals"),
            _("Wallet"),
        )
