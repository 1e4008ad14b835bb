import base64
import io

from odoo import _, api, fields, models
from odoo.exceptions import UserError

COLUMNS = [
    ("Date", 22),
    ("Reference", 18),
    ("Driver", 28),
    ("Kind", 12),
    ("Paid via", 18),
    ("In", 14),
    ("Out", 14),
    ("Balance", 14),
    ("Document", 20),
    ("Recorded by", 20),
]


class EvWalletReport(models.TransientModel):
    """Top-ups and withdrawals of a billing cycle, month, year or custom period, as an
    Excel file."""

    _name = "ev.wallet.report"
    _description = "Wallet Top-up / Withdrawal Report"

    period = fields.Selection(
        [
            ("cycle", "Billing cycle"),
            ("month", "Month"),
            ("year", "Year"),
            ("custom", "Custom period"),
        ],
        required=True,
        default="month",
    )
    ref_date = fields.Date(
        string="Containing", required=True, default=fields.Date.context_today
    )
    date_from = fields.Date(compute="_compute_dates", store=True, readonly=False)
    date_to = fields.Date(compute="_compute_dates", store=True, readonly=False)
    kinds = fields.Selection(
        [
            ("topup_withdraw", "Top-ups and withdrawals"),
            ("all", "All wallet movements"),
        ],
        required=True,
        default="topup_withdraw",
    )
    partner_id = fields.Many2one("res.partner", string="Driver")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.depends("period", "ref_date", "company_id")
    def _compute_dates(self):
        Ledger = self.env["ev.wallet.transaction"]
        for report in self:
            if report.period == "custom":
                report.date_from = report.date_from or report.ref_date
                report.date_to = report.date_to or report.ref_date
                continue
            report.date_from, report.date_to = Ledger._ev_period(
                report.period, report.ref_date, company=report.company_id
            )

    def _lines(self):
        self.ensure_one()
        if not (self.date_from and self.date_to) or self.date_from > self.date_to:
            raise UserError(_("Choose a period."))
        domain = [
            ("company_id", "=", self.company_id.id),
            ("date", ">=", fields.Datetime.to_datetime(self.date_from)),
            (
                "date",
                "<",
                fields.Datetime.to_datetime(fields.Date.add(self.date_to, days=1)),
            ),
        ]
        if self.kinds == "topup_withdraw":
            domain.append(("kind", "in", ("topup", "withdraw")))
        if self.partner_id:
            domain.append(("partner_id", "=", self.partner_id.commercial_partner_id.id))
        return self.env["ev.wallet.transaction"].search(domain, order="date, id")

    def _xlsx_bytes(self):
        import openpyxl
        from openpyxl.styles import Font

        lines = self._lines()
        kinds = dict(
            self.env["ev.wallet.transaction"]
            ._fields["kind"]
            ._description_selection(self.env)
        )
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Wallet"
        sheet.append(
            [
                _("Wallet top-ups and withdrawals")
                if self.kinds == "topup_withdraw"
                else _("Wallet movements")
            ]
        )
        sheet.append([self.company_id.name, f"{self.date_from} – {self.date_to}"])
        sheet.append([])
        # pylint: disable=translation-required
        sheet.append([self.env._(name) for name, _width in COLUMNS])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
        for index, (_name, width) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[
                openpyxl.utils.get_column_letter(index)
            ].width = width
        total_in = total_out = 0.0
        for line in lines:
            line = line.sudo()  # journal and document names, for Viewers too
            sheet.append(
                [
                    fields.Datetime.context_timestamp(line, line.date).replace(
                        tzinfo=None
                    ),
                    line.name,
                    line.partner_id.display_name,
                    kinds.get(line.kind),
                    line.journal_id.name or "",
                    line.amount_in,
                    line.amount_out,
                    line.balance_after,
                    line.document_name or "",
                    line.user_id.name or "",
                ]
            )
            sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd hh:mm"
            total_in += line.amount_in
            total_out += line.amount_out
        currency = self.company_id.currency_id
        sheet.append([])
        sheet.append(
            [
                _("Total"),
                f"{len(lines)}",
                "",
                "",
                "",
                currency.round(total_in),
                currency.round(total_out),
            ]
        )
        sheet.append([_("Net"), "", "", "", "", currency.round(total_in - total_out)])
        for row in (sheet.max_row - 1, sheet.max_row):
            for cell in sheet[row]:
                cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=header_row + 1, min_col=6, max_col=8):
            for cell in row:
                cell.number_format = "#,##0.00"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def action_export(self):
        self.ensure_one()
        self.file_data = base64.b64encode(self._xlsx_bytes())
        self.file_name = f"wallet_{self.date_from}_{self.date_to}.xlsx"
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/ev.wallet.report/{self.id}/file_data/"
            f"{self.file_name}?download=true",
            "target": "self",
        }
