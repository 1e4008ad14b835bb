import base64
import io
from datetime import date

import openpyxl

from odoo import fields
from odoo.tests import Form, tagged

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install")
class TestEvWalletReport(EvWalletCommon):
    def test_periods(self):
        Ledger = self.Ledger
        self.company.ev_billing_cycle_day = 20
        self.assertEqual(
            Ledger._ev_period("cycle", date(2025, 3, 25), company=self.company),
            (date(2025, 3, 20), date(2025, 4, 19)),
        )
        self.assertEqual(
            Ledger._ev_period("cycle", date(2025, 3, 5), company=self.company),
            (date(2025, 2, 20), date(2025, 3, 19)),
        )
        self.assertEqual(
            Ledger._ev_period("month", date(2024, 2, 10)),
            (date(2024, 2, 1), date(2024, 2, 29)),
        )
        self.assertEqual(
            Ledger._ev_period("year", date(2024, 2, 10)),
            (date(2024, 1, 1), date(2024, 12, 31)),
        )
        line = Ledger.with_user(self.user_operator)._ev_topup(
            self.driver, 5.0, self.cash_journal, company=self.company
        )
        today = fields.Date.context_today(line)
        start = Ledger._ev_period("cycle", line.date.date(), company=self.company)[0]
        self.assertEqual(line.billing_cycle, start.strftime("%Y-%m"))
        self.assertTrue(today)

    def test_excel_export_read_back(self):
        operator = self.Ledger.with_user(self.user_operator)
        operator._ev_topup(self.driver, 500.0, self.cash_journal, company=self.company)
        operator._ev_topup(
            self.driver_2, 250.5, self.bank_journal, company=self.company
        )
        self.Ledger.with_user(self.user_manager)._ev_withdraw(
            self.driver, 100.25, self.cash_journal, company=self.company
        )
        self._session(107.0)._ev_bill()  # a charge: not a top-up or withdrawal

        form = Form(self.env["ev.wallet.report"].with_user(self.user_viewer))
        form.period = "month"
        report = form.save()
        action = report.action_export()
        self.assertIn("/web/content/ev.wallet.report/", action["url"])
        workbook = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(report.file_data))
        )
        sheet = workbook.active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        header = rows.index(next(r for r in rows if r and r[0] == "Date"))
        body = [
            r
            for r in rows[header + 1 :]
            if r
            and isinstance(r[0], type(rows[header + 1][0]))
            and r[1]
            and str(r[1]).startswith("WL/")
        ]
        self.assertEqual(len(body), 3)
        self.assertEqual(sorted(r[3] for r in body), ["Top-up", "Top-up", "Withdrawal"])
        self.assertEqual(
            sorted(r[2] for r in body),
            ["Malee Driver", "Somchai Driver", "Somchai Driver"],
        )
        total = next(r for r in rows if r and r[0] == "Total")
        net = next(r for r in rows if r and r[0] == "Net")
        self.assertEqual((total[1], total[5], total[6]), ("3", 750.5, 100.25))
        self.assertEqual(net[5], 650.25)

        # All movements of the driver include the charge.
        report = (
            self.env["ev.wallet.report"]
            .with_user(self.user_viewer)
            .create(
                {
                    "period": "custom",
                    "date_from": date(2000, 1, 1),
                    "date_to": date(2099, 12, 31),
                    "kinds": "all",
                    "partner_id": self.driver.id,
                }
            )
        )
        rows = list(
            openpyxl.load_workbook(io.BytesIO(report._xlsx_bytes())).active.iter_rows(
                values_only=True
            )
        )
        total = next(r for r in rows if r and r[0] == "Total")
        self.assertEqual((total[1], total[5], total[6]), ("3", 500.0, 207.25))
        # A month without movement gives an empty, valid file.
        report = self.env["ev.wallet.report"].create(
            {"period": "year", "ref_date": date(2001, 6, 1)}
        )
        rows = list(
            openpyxl.load_workbook(io.BytesIO(report._xlsx_bytes())).active.iter_rows(
                values_only=True
            )
        )
        self.assertEqual(next(r for r in rows if r and r[0] == "Total")[1], "0")
