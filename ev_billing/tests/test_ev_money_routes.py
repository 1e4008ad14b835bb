"""Issue 8, case 6 over HTTP: portal top-up amounts, a NUL character on the bridge
routes, and the driver's "on hold" on /my/wallet."""

import json
import re

from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_ev_money_integrity import EvMoneyCommon

BAD_AMOUNTS = ["inf", "-inf", "nan", "1e308", "-5", "0", "abc", "", "1e15"]


@tagged("post_install", "-at_install")
class TestEvMoneyRoutes(HttpCase, EvMoneyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ev_wallet_max_topup = 20000.0
        bridge_user = cls.env.ref("ev_billing.user_ev_bridge")
        cls.bridge_key = (
            cls.env["res.users.apikeys"]
            .with_user(bridge_user)
            .sudo()
            ._generate(None, "test", None)
        )

    def _post(self, url, data):
        return self.url_open(
            url,
            data={"csrf_token": http.Request.csrf_token(self), **data},
            allow_redirects=False,
        )

    def test_bad_amounts_get_the_empty_amount_message(self):
        self.authenticate("w_portal", "w_portal")
        expected = self._post("/my/wallet/topup", {"amount": ""})
        self.assertEqual(expected.status_code, 303)
        message = expected.headers["Location"]
        self.assertIn("error=", message)
        for route in ("/my/wallet/topup", "/my/wallet/promptpay"):
            for amount in BAD_AMOUNTS:
                with self.subTest(route=route, amount=amount):
                    response = self._post(route, {"amount": amount})
                    self.assertEqual(response.status_code, 303)
                    self.assertEqual(response.headers["Location"], message)
        self.assertFalse(
            self.env["ev.wallet.topup.request"].search(
                [("partner_id", "=", self.driver.id)]
            ),
            "no transfer top-up was created for a bad amount",
        )
        # the maximum is the company's setting; a good amount goes to payment
        good = self._post("/my/wallet/topup", {"amount": "20000"})
        self.assertEqual(good.status_code, 303)
        self.assertIn("/payment/pay", good.headers["Location"])

    @mute_logger("odoo.http")
    def test_nul_in_a_charger_identity_is_a_clear_400(self):
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.bridge_key}",
        }
        bodies = {
            "/ev/ocpp/v1/charger/credentials": {
                "identity": "CP\x00-1",
                "password": "x",
            },
            "/ev/ocpp/v1/authorize": {"identity": "CP\x00-1", "id_tag": "A\x00"},
            "/ev/ocpp/v1/events": {
                "events": [
                    {
                        "key": "k\x00",
                        "identity": "CP\x00-1",
                        "kind": "heartbeat",
                        "payload": {},
                    }
                ]
            },
        }
        for route, body in bodies.items():
            with self.subTest(route=route):
                response = self.url_open(route, data=json.dumps(body), headers=headers)
                self.assertEqual(response.status_code, 400)
                self.assertIn("NUL", response.text)

    def test_driver_sees_what_is_on_hold(self):
        self._topup(300.0)
        session = self._start(1)
        self.assertEqual(session.wallet_hold_amount, 250.0)
        self.authenticate("w_portal", "w_portal")
        html = self.url_open("/my/wallet").text
        held = re.search(
            r"o_ev_wallet_held_amount[^>]*>(.*?)</strong>", html, re.DOTALL
        ).group(1)
        self.assertIn("250.00", held)
        self.assertIn(session.name, html)
        available = re.search(
            r"o_ev_wallet_available[^>]*>(.*?)</span>", html, re.DOTALL
        ).group(1)
        self.assertIn("50.00", available)
