from unittest import SkipTest
from unittest.mock import patch

from odoo import http
from odoo.modules.registry import Registry
from odoo.tests import HttpCase, tagged
from odoo.tests.common import get_db_name

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install", "post_install_l10n")
class TestEvWalletPromptPay(HttpCase, EvWalletCommon):
    """PromptPay QR top-up with Odoo's own l10n_th + account_qr_code_emv, on a Thai
    company.

    ev_billing does not depend on l10n_th: these tests run in a database where it is
    installed (``-i ev_billing,l10n_th``) and are skipped otherwise.
    """

    @classmethod
    @EvWalletCommon.setup_country("th")
    def setUpClass(cls):
        if "l10n_th" not in Registry(get_db_name())._init_modules:
            raise SkipTest(
                "PromptPay QR needs Odoo's l10n_th, which is not installed in this "
                "database "
                "(run these tests with -i ev_billing,l10n_th)"
            )
        super().setUpClass()
        cls.company.partner_id.write(
            {"country_id": cls.env.ref("base.th").id, "city": "Bangkok"}
        )
        cls.promptpay = cls.env["res.partner.bank"].create(
            {
                "acc_number": "123-4-56789-0",
                "partner_id": cls.company.partner_id.id,
                "proxy_type": "mobile",
                "proxy_value": "0810704060",
                "include_reference": True,
            }
        )
        cls.bank_journal.bank_account_id = cls.promptpay

    def test_company_bank_account_is_qr_capable(self):
        self.assertEqual(self.company.currency_id.name, "THB")
        self.assertEqual(self.company._ev_promptpay_bank_account(), self.promptpay)
        # Without a PromptPay proxy on the account, no QR is offered.
        self.promptpay.proxy_type = "none"
        self.assertFalse(self.company._ev_promptpay_bank_account())

    def test_driver_pays_by_promptpay_qr_and_operator_confirms(self):
        self.authenticate("w_portal", "w_portal")
        self.assertIn("Pay by PromptPay QR", self.url_open("/my/wallet").text)
        # Record (without changing) what Odoo's QR generation is asked to encode.
        Bank = type(self.env["res.partner.bank"])
        generate = Bank._get_qr_code_generation_params
        encoded = []

        def record(bank, *args):
            params = generate(bank, *args)
            encoded.append(params["value"])
            return params

        with patch.object(
            Bank, "_get_qr_code_generation_params", autospec=True, side_effect=record
        ):
            response = self.url_open(
                "/my/wallet/promptpay",
                data={"csrf_token": http.Request.csrf_token(self), "amount": "300"},
            )
        self.assertEqual(response.status_code, 200)
        request = self.env["ev.wallet.topup.request"].search(
            [("partner_id", "=", self.driver.id)]
        )
        self.assertEqual(len(request), 1)
        self.assertEqual(
            (
                request.state,
                request.method,
                request.amount,
                request.bank_account_id,
                request.journal_id,
            ),
            ("pending", "promptpay", 300.0, self.promptpay, self.bank_journal),
        )
        self.assertTrue(
            response.url.endswith(f"/my/wallet/topup/{request.id}"), response.url
        )
        # The QR is Odoo's own EMV PromptPay payload for this account and amount.
        self.assertEqual(len(encoded), 1)
        payload = encoded[0]
        self.assertEqual(
            payload,
            self.promptpay._get_qr_vals(
                "emv_qr",
                300.0,
                self.company.currency_id,
                self.driver,
                request.name,
                request.name,
            ),
        )
        self.assertIn(
            "0016A000000677010111" + "01130066810704060",
            payload,
            "PromptPay proxy: the mobile number",
        )
        self.assertIn("5303764" + "5403300" + "5802TH", payload, "THB, 300, Thailand")
        self.assertRegex(
            response.text, r'<img[^>]*o_ev_promptpay_qr[^>]*src="data:image/png;base64,'
        )
        self.assertIn(request.name, response.text)
        self.assertEqual(
            self.driver.ev_wallet_balance,
            0.0,
            "credited only once the transfer is seen",
        )

        # The driver's wallet page lists it as waiting.
        self.assertIn(request.name, self.url_open("/my/wallet").text)
        request.with_user(self.user_operator).action_confirm_received()
        self.assertEqual(self.driver.ev_wallet_balance, 300.0)
        self.assertEqual(request.sudo().payment_id.journal_id, self.bank_journal)
        self._assert_audit_clean()
        response = self.url_open(f"/my/wallet/topup/{request.id}")
        self.assertIn("your wallet was credited", response.text)
        self.assertNotIn("o_ev_promptpay_qr", response.text)
