import re

from odoo import Command, http
from odoo.tests import HttpCase, new_test_user, tagged

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install")
class TestEvWalletPortal(HttpCase, EvWalletCommon):
    """/my/wallet as a driver sees it: own balance and ledger only, tax invoice requests
    for own sessions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user_2 = new_test_user(
            cls.env,
            login="w_portal_2",
            groups="base.group_portal",
            name="Malee Driver",
            partner_id=cls.driver_2.id,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.company.write({"vat": "0105551234567"})
        Ledger = cls.Ledger.with_user(cls.user_operator)
        cls.own_line = Ledger._ev_topup(
            cls.driver, 1234.0, cls.cash_journal, memo="desk cash", company=cls.company
        )
        cls.other_line = Ledger._ev_topup(
            cls.driver_2, 777.0, cls.cash_journal, memo="desk cash", company=cls.company
        )
        cls.session_a = cls._session(107.0)
        cls.session_b = cls._session(53.5)
        cls.session_other = cls._session(64.2, partner=cls.driver_2)
        (cls.session_a + cls.session_b + cls.session_other)._ev_bill()
        cls.other_request = cls.env["ev.wallet.topup.request"].create(
            {"partner_id": cls.driver_2.id, "amount": 4321.0, "method": "transfer"}
        )

    def _post(self, url, data):
        return self.url_open(
            url, data={"csrf_token": http.Request.csrf_token(self), **data}
        )

    def test_driver_sees_own_balance_and_ledger_only(self):
        self.authenticate("w_portal", "w_portal")
        response = self.url_open("/my/wallet")
        self.assertEqual(response.status_code, 200)
        html = response.text
        balance = re.search(
            r"o_ev_wallet_balance[^>]*>(.*?)</strong>", html, re.DOTALL
        ).group(1)
        self.assertIn(
            "1,073.50", balance, "1234.00 topped up, 107.00 and 53.50 charged"
        )
        self.assertEqual(self.driver.ev_wallet_balance, 1073.5)
        self.assertIn(self.own_line.name, html)
        for line in self.Ledger.search([("partner_id", "=", self.driver.id)]):
            self.assertIn(line.name, html)
        for line in self.Ledger.search([("partner_id", "=", self.driver_2.id)]):
            self.assertNotIn(line.name, html)
        self.assertNotIn("777.00", html)
        self.assertNotIn(self.session_other.name, html)

        # Asking for another driver's wallet by parameter still shows one's own.
        html = self.url_open(f"/my/wallet?partner_id={self.driver_2.id}").text
        self.assertIn(self.own_line.name, html)
        self.assertNotIn(self.other_line.name, html)

    def test_other_drivers_topup_page_is_refused(self):
        self.authenticate("w_portal", "w_portal")
        response = self.url_open(f"/my/wallet/topup/{self.other_request.id}")
        self.assertTrue(response.url.endswith("/my"), response.url)
        self.assertNotIn(self.other_request.name, response.text)
        self.assertNotIn("4,321.00", response.text)
        # Its owner sees it.
        self.authenticate("w_portal_2", "w_portal_2")
        response = self.url_open(f"/my/wallet/topup/{self.other_request.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.other_request.name, response.text)
        self.assertIn("4,321.00", response.text)

    def test_request_full_tax_invoice_for_own_sessions(self):
        self.authenticate("w_portal", "w_portal")
        html = self.url_open("/my/wallet").text
        self.assertIn("Request full tax invoice", html)
        self.assertIn(self.session_a.abbreviated_invoice_number, html)
        balance = self.driver.ev_wallet_balance
        response = self._post(
            "/my/wallet/tax_invoice",
            {
                "session_ids": [self.session_a.id, self.session_b.id],
                "buyer_name": "Somchai Trading Co., Ltd.",
                "buyer_street": "9 Silom Rd",
                "buyer_city": "Bangkok",
                "buyer_zip": "10500",
                "buyer_vat": "0105560009999",
                "buyer_branch": "00001",
            },
        )
        self.assertEqual(response.status_code, 200)
        full = self.session_a.full_tax_invoice_id
        self.assertTrue(full, response.text[:500])
        self.assertIn(f"Full tax invoice {full.name} issued", response.text)
        self.assertEqual(self.session_b.full_tax_invoice_id, full)
        buyer = full.partner_id
        self.assertEqual(
            (buyer.name, buyer.vat, buyer.ev_tax_branch, buyer.street),
            ("Somchai Trading Co., Ltd.", "0105560009999", "00001", "9 Silom Rd"),
        )
        self.assertEqual(full.amount_total, 160.5)
        self.assertEqual(self.driver.ev_wallet_balance, balance, "no money moves again")
        self._assert_audit_clean()
        # Done sessions leave the list; asking again is refused by the model.
        html = self.url_open("/my/wallet").text
        self.assertNotIn(self.session_a.abbreviated_invoice_number, html)
        response = self._post(
            "/my/wallet/tax_invoice",
            {
                "session_ids": self.session_a.id,
                "buyer_name": "X",
                "buyer_street": "Y",
                "buyer_vat": "1",
            },
        )
        self.assertIn("already has a full tax invoice", response.text)
        self.assertEqual(self.session_a.full_tax_invoice_id, full)

    def test_cannot_request_tax_invoice_for_someone_elses_session(self):
        self.authenticate("w_portal", "w_portal")
        buyer = {
            "buyer_name": "Intruder Co.",
            "buyer_street": "1 Any Rd",
            "buyer_vat": "0105560001111",
        }
        for session_ids in (
            [self.session_other.id],
            [self.session_a.id, self.session_other.id],
        ):
            response = self._post(
                "/my/wallet/tax_invoice", {"session_ids": session_ids, **buyer}
            )
            self.assertIn(
                "only ask for a tax invoice for your own sessions", response.text
            )
        self.assertFalse((self.session_a + self.session_other).full_tax_invoice_id)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Intruder Co.")])
        )

    def test_tax_invoice_needs_buyer_details_and_never_edits_an_existing_contact(self):
        self.authenticate("w_portal", "w_portal")
        response = self._post(
            "/my/wallet/tax_invoice",
            {"session_ids": self.session_a.id, "buyer_name": "No Tax Id"},
        )
        self.assertIn("Enter the name, address and tax id", response.text)
        self.assertFalse(self.session_a.full_tax_invoice_id)
        existing = self.env["res.partner"].create(
            {
                "name": "Siam Fleet Co., Ltd.",
                "vat": "0105560000001",
                "ev_tax_branch": "00000",
                "street": "99 Rama IV Rd",
                "is_company": True,
            }
        )
        self._post(
            "/my/wallet/tax_invoice",
            {
                "session_ids": self.session_a.id,
                "buyer_name": "Siam Fleet Co., Ltd.",
                "buyer_street": "Somewhere else",
                "buyer_vat": "0105560000001",
            },
        )
        self.assertEqual(existing.street, "99 Rama IV Rd")
        self.assertNotEqual(self.session_a.full_tax_invoice_id.partner_id, existing)
        self.assertEqual(
            self.session_a.full_tax_invoice_id.partner_id.street, "Somewhere else"
        )

    def test_promptpay_hidden_without_a_qr_capable_bank_account(self):
        """Without l10n_th's PromptPay on a company bank account (here: a generic chart,
        a plain bank account on the bank journal) the option is not offered and the
        route refuses."""
        self.bank_journal.bank_account_id = self.env["res.partner.bank"].create(
            {"acc_number": "123-4-56789-0", "partner_id": self.company.partner_id.id}
        )
        self.assertFalse(self.company._ev_promptpay_bank_account())
        self.authenticate("w_portal", "w_portal")
        html = self.url_open("/my/wallet").text
        self.assertIn("Top up online", html)
        self.assertNotIn("Pay by PromptPay QR", html)
        response = self._post("/my/wallet/promptpay", {"amount": "300"})
        self.assertIn("Paying by QR code is not available", response.text)
        self.assertFalse(
            self.env["ev.wallet.topup.request"].search(
                [("partner_id", "=", self.driver.id)]
            )
        )

    def test_topup_tour(self):
        """Headless Chromium: /my/wallet, an amount, Top up online, Odoo's payment
        page."""
        self.start_tour("/my/wallet", "ev_billing_wallet_topup_tour", login="w_portal")
        # Only the payment page was shown: nothing is credited until a provider
        # confirms.
        self.assertEqual(self.driver.ev_wallet_balance, 1073.5)
