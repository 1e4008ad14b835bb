from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install")
class TestEvTaxInvoice(EvWalletCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "vat": "0105551234567",
                "ev_tax_branch": "00000",
                "street": "1 Sukhumvit Rd",
            }
        )
        cls.Ledger.with_user(cls.user_operator)._ev_topup(
            cls.driver, 1000.0, cls.cash_journal, company=cls.company
        )
        cls.session_a = cls._session(107.0, energy=80.25, parking=16.05, overstay=10.70)
        cls.session_b = cls._session(53.5)
        (cls.session_a + cls.session_b)._ev_bill()

    def test_abbreviated_tax_invoice_html(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "ev_billing.report_ev_abbreviated_tax_invoice", self.session_a.ids
            )[0]
            .decode()
        )
        for text in (
            "ใบกำกับภาษีอย่างย่อ",
            "Abbreviated Tax Invoice",
            self.company.name,
            "0105551234567",
            "Head office",
            self.session_a.abbreviated_invoice_number,
            "Price includes VAT 7%",
            "ราคารวมภาษีมูลค่าเพิ่มแล้ว",
            "Parking fee",
            "Overstay fee",
            "107.00",
            "7.00",
        ):
            self.assertIn(text, html)
        self.assertNotIn(self.session_b.abbreviated_invoice_number, html)

    def test_full_tax_invoice_for_two_sessions(self):
        sessions = self.session_a + self.session_b
        balance = self.driver.ev_wallet_balance
        wizard = Form(
            self.env["ev.tax.invoice.request"]
            .with_user(self.user_manager)
            .with_context(active_model="ev.session", active_ids=sessions.ids)
        )
        wizard.buyer_name = "Siam Fleet Co., Ltd."
        wizard.buyer_street = "99 Rama IV Rd"
        wizard.buyer_city = "Bangkok"
        wizard.buyer_vat = "0105560000001"
        wizard.buyer_branch = "00002"
        action = wizard.save().action_confirm()
        full = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(full.move_type, "out_invoice")
        self.assertEqual(full.state, "posted")
        self.assertEqual(full.partner_id.name, "Siam Fleet Co., Ltd.")
        self.assertEqual(full.partner_id.vat, "0105560000001")
        self.assertEqual(full.partner_id.ev_tax_branch, "00002")
        self.assertEqual(full.amount_total, 160.5)
        self.assertEqual(full.amount_tax, 10.5)
        # Settled by the credit notes of the abbreviated invoices (Odoo shows it as
        # such).
        self.assertEqual(full.amount_residual, 0.0)
        self.assertIn(full.payment_state, ("paid", "reversed"))
        self.assertEqual(sessions.mapped("full_tax_invoice_number"), [full.name] * 2)
        for session in sessions:
            credit_note = session.tax_invoice_credit_note_id
            self.assertEqual(credit_note.reversed_entry_id, session.invoice_id)
            self.assertEqual(credit_note.amount_total, session.amount_total)
            self.assertEqual(credit_note.payment_state, "paid")
        # The analytic split of the station follows the full invoice.
        self.assertEqual(
            set(map(str, full.invoice_line_ids.mapped("analytic_distribution"))),
            {str({str(self.analytic.id): 100.0})},
        )
        # No money moved again.
        self.assertEqual(self.driver.ev_wallet_balance, balance)
        self._assert_audit_clean()
        with self.assertRaises(UserError):
            sessions._ev_issue_full_tax_invoice(full.partner_id)

    def test_record_number_issued_elsewhere_and_access(self):
        wizard = (
            self.env["ev.tax.invoice.request"].with_user(self.user_operator).sudo(False)
        )
        with self.assertRaises(AccessError):
            wizard.create(
                {
                    "session_ids": [(6, 0, self.session_a.ids)],
                    "mode": "record",
                    "external_number": "TX-1",
                }
            ).action_confirm()
        self.env["ev.tax.invoice.request"].with_user(self.user_manager).create(
            {
                "session_ids": [(6, 0, self.session_a.ids)],
                "mode": "record",
                "external_number": "PAPER-0042",
            }
        ).action_confirm()
        self.assertEqual(self.session_a.full_tax_invoice_number, "PAPER-0042")
        self.assertFalse(self.session_b.full_tax_invoice_number)
        listed = (
            self.env["ev.session"]
            .with_user(self.user_manager)
            .search(
                [
                    ("abbreviated_invoice_number", "!=", False),
                    ("full_tax_invoice_number", "!=", False),
                ]
            )
        )
        self.assertIn(self.session_a, listed)
        self.assertNotIn(self.session_b, listed)
