from unittest import SkipTest

from odoo import Command, http
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestEvThaiDemo(HttpCase):
    """The demo database is a Thai operator: prices in baht, Thai chart and VAT, and a
    driver tops up from their phone by PromptPay QR with no setup. Skipped in a
    database installed without demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.station = cls.env.ref(
            "ev_billing.demo_station_sukhumvit", raise_if_not_found=False
        )
        if not cls.station:
            raise SkipTest("ev_billing's demo data is not installed")
        cls.company = cls.station.company_id
        cls.driver = cls.env.ref("ev_billing.demo_driver_malee")
        cls.operator = new_test_user(
            cls.env,
            login="demo_ev_operator",
            groups="ev_billing.group_ev_operator",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def test_demo_company_is_thai(self):
        company = self.company
        self.assertEqual(company, self.env.ref("base.demo_company_th"))
        self.assertEqual(
            (company.country_id.code, company.currency_id.name, company.chart_template),
            ("TH", "THB", "th"),
        )
        self.assertEqual(company.city, "Bangkok")
        self.assertRegex(company.vat, r"^\d{13}$")
        vat = company._ev_wallet_accounting()["tax"]
        self.assertEqual((vat.amount, vat.price_include), (7.0, True))
        self.assertEqual(self.env.ref("base.user_admin").company_id, company)
        # the demo's drivers, cards, chargers and tariff are this company's
        self.assertEqual(self.driver.company_id, company)
        self.assertEqual(self.station.tariff_id.company_id, company)
        self.assertEqual(
            self.env.ref("ev_billing.demo_connector_1_1").company_id, company
        )

    def test_qr_page_prices_in_baht_and_offers_login(self):
        connector = self.env.ref("ev_billing.demo_connector_1_1")
        page = self.url_open(f"/ev/c/{connector.access_token}").text
        self.assertIn("Log in to charge", page)
        self.assertIn('"symbol": "\\u0e3f"', page)  # ฿ for the price formatting
        quote = self.url_open(
            "/ev/quote",
            data='{"jsonrpc": "2.0", "params": {"access_token": "%s", "kwh": 10}}'
            % connector.access_token,
            headers={"Content-Type": "application/json"},
        )
        result = quote.json()["result"]
        self.assertEqual(result["currency"], "THB")
        self.assertGreater(result["amount_total"], 0)

    def test_driver_tops_up_by_promptpay_with_no_setup(self):
        self.driver.with_user(self.operator).action_ev_grant_portal()
        user = self.driver.user_ids
        self.assertEqual(user.login, "+66898765432")
        user.password = "malee-demo-1"
        self.authenticate(user.login, "malee-demo-1")
        page = self.url_open("/my/wallet").text
        self.assertIn("Pay by PromptPay QR", page)
        self.assertIn("฿", page)
        response = self.url_open(
            "/my/wallet/promptpay",
            data={"csrf_token": http.Request.csrf_token(self), "amount": "300"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertRegex(
            response.text, r'<img[^>]*o_ev_promptpay_qr[^>]*src="data:image/png;base64,'
        )
        request = self.env["ev.wallet.topup.request"].search(
            [("partner_id", "=", self.driver.id)]
        )
        self.assertEqual((request.state, request.amount), ("pending", 300.0))
        self.assertEqual(
            request.bank_account_id, self.env.ref("ev_billing.demo_promptpay_account")
        )
