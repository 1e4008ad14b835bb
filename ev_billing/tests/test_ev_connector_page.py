from unittest.mock import patch

from odoo import Command, http
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.ev_billing.models.ev_charger import EvCharger

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install")
class TestEvConnectorPage(HttpCase, EvWalletCommon):
    """The connector's QR page (/ev/c/<token>), starting from it, and the driver's
    session page.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tariff = cls.env["ev.tariff"].create(
            {
                "name": "Flat QR Tariff",
                "company_id": cls.company.id,
                "rate_ids": [
                    Command.create(
                        {
                            "tier": "member",
                            "energy_price_on_peak": 7.0,
                            "energy_price_off_peak": 7.0,
                        }
                    ),
                    Command.create(
                        {
                            "tier": "vip",
                            "energy_price_on_peak": 6.0,
                            "energy_price_off_peak": 6.0,
                        }
                    ),
                ],
            }
        )
        cls.station.write(
            {
                "tariff_id": cls.tariff.id,
                "street": "88 Charoen Krung Rd",
                "city": "Bangkok",
            }
        )
        cls.connector.write({"connector_type": "ccs2", "max_power_kw": 50.0})
        cls.connector._set_ocpp_status("Available")
        cls.token = cls.connector.access_token
        cls.page = f"/ev/c/{cls.token}"
        cls.portal_user_2 = new_test_user(
            cls.env,
            login="w_portal_2",
            groups="base.group_portal",
            name="Malee Driver",
            partner_id=cls.driver_2.id,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.env["ir.config_parameter"].sudo().set_param("ev_billing.bridge_url", False)

    def _topup(self, partner, amount):
        self.Ledger.with_user(self.user_operator)._ev_topup(
            partner, amount, self.cash_journal, memo="desk cash", company=self.company
        )

    def _start(self, kwh="10", token=None):
        return self.url_open(
            f"/ev/c/{token or self.token}/start",
            data={"csrf_token": http.Request.csrf_token(self), "kwh": kwh},
        )

    def _sessions(self, partner=None):
        return self.env["ev.session"].search(
            [("partner_id", "=", (partner or self.driver).id)]
        )

    # ------------------------------------------------------------------
    # The page
    # ------------------------------------------------------------------

    def test_unknown_token_and_trashed_or_archived_charger_are_404(self):
        self.assertEqual(self.url_open("/ev/c/not-a-token").status_code, 404)
        self.assertEqual(self.url_open(self.page).status_code, 200)
        self.charger.action_archive()
        self.assertEqual(self.url_open(self.page).status_code, 404)
        self.charger.action_unarchive()
        self.assertEqual(self.url_open(self.page).status_code, 200)
        self.charger.unlink()  # to the Trash
        self.assertFalse(self.charger.active)
        self.assertEqual(self.url_open(self.page).status_code, 404)

    def test_anonymous_sees_connector_and_a_login_link(self):
        response = self.url_open(self.page)
        self.assertEqual(response.status_code, 200)
        html = response.text
        for text in (
            "Riverside",
            "88 Charoen Krung Rd",
            "Bangkok",
            "CCS2 (DC)",
            "50.0 kW max",
            "o_ev_kwh_input",
            "o_ev_kwh_preset_20",
            "Log in to charge",
            f"redirect=%2Fev%2Fc%2F{self.token}",
        ):
            self.assertIn(text, html)
        self.assertRegex(html, r'o_ev_connector_number"[^>]*>1<')
        self.assertRegex(html, r"o_ev_connector_status[^>]*>\s*Available")
        self.assertNotIn("Start charging", html)
        self.assertNotIn("Wallet balance", html)
        # the status is live: the charger's next StatusNotification shows
        self.connector._set_ocpp_status("Faulted")
        self.assertRegex(
            self.url_open(self.page).text, r"o_ev_connector_status[^>]*>\s*Faulted"
        )

    def test_driver_sees_wallet_and_start_button(self):
        self._topup(self.driver, 500.0)
        self.authenticate("w_portal", "w_portal")
        html = self.url_open(self.page).text
        self.assertIn("Start charging", html)
        self.assertRegex(
            html, r"o_ev_connector_wallet[^>]*>.*500\.00", "the driver's balance"
        )
        self.assertNotIn("Log in to charge", html)
        self.assertNotIn("o_ev_not_startable", html)
        self.connector._set_ocpp_status("Charging")
        html = self.url_open(self.page).text
        self.assertIn("o_ev_not_startable", html)
        self.assertIn("must be Available or Preparing", html)

    def test_connector_form_shows_qr_code_of_the_page(self):
        self.assertTrue(self.connector.ev_page_url.endswith(self.page))
        self.assertIn("barcode_type=QR", self.connector.ev_qr_code_url)
        self.assertIn(f"%2Fev%2Fc%2F{self.token}", self.connector.ev_qr_code_url)
        response = self.url_open(self.connector.ev_qr_code_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/png")

    # ------------------------------------------------------------------
    # Starting
    # ------------------------------------------------------------------

    def test_start_refused_for_anonymous(self):
        self._topup(self.driver, 500.0)
        response = self.url_open(
            f"{self.page}/start", data={"kwh": "10"}, allow_redirects=False
        )
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        self.assertFalse(
            self.env["ev.session"].search([("connector_id", "=", self.connector.id)])
        )

    def test_start_refused_on_another_companys_connector(self):
        self._topup(self.driver, 500.0)
        other = self.env["res.company"].create({"name": "Other EV Co"})
        station = (
            self.env["ev.station"]
            .with_company(other)
            .create(
                {
                    "name": "Elsewhere",
                    "code": "ELS",
                    "company_id": other.id,
                    "state": "open",
                }
            )
        )
        charger = (
            self.env["ev.charger"]
            .with_company(other)
            .create(
                {
                    "name": "Elsewhere 1",
                    "identity": "ELS-CP-001",
                    "station_id": station.id,
                }
            )
        )
        connector = (
            self.env["ev.connector"]
            .with_company(other)
            .create({"charger_id": charger.id})
        )
        connector._set_ocpp_status("Available")
        self.authenticate("w_portal", "w_portal")
        response = self._start(token=connector.access_token)
        self.assertIn("run by another operator", response.text)
        self.assertFalse(self._sessions())

    def test_start_refused_with_an_empty_wallet(self):
        self.authenticate("w_portal", "w_portal")
        response = self._start()
        self.assertTrue(response.url.split("?")[0].endswith(self.page), response.url)
        self.assertIn("cannot start", response.text)
        self.assertIn("starting a session needs at least", response.text)
        self.assertFalse(self._sessions())

    def test_start_refused_on_a_busy_connector_and_without_kwh(self):
        self._topup(self.driver, 500.0)
        self.authenticate("w_portal", "w_portal")
        self.assertIn("Choose how many kWh to buy", self._start(kwh="0").text)
        self.assertIn("Choose how many kWh to buy", self._start(kwh="inf").text)
        self.connector._set_ocpp_status("Charging")
        self.assertIn("must be Available or Preparing", self._start().text)
        self.assertFalse(self._sessions())

    def test_start_without_bridge_shows_the_error_and_leaves_nothing_pending(self):
        self._topup(self.driver, 500.0)
        self.authenticate("w_portal", "w_portal")
        response = self._start()
        self.assertTrue(response.url.split("?")[0].endswith(self.page), response.url)
        self.assertIn("Charging could not start", response.text)
        self.assertIn("bridge URL is not configured", response.text)
        self.assertFalse(self._sessions().filtered(lambda s: s.state == "pending"))
        self.assertEqual(self._sessions().mapped("state"), ["cancelled"])
        self.assertEqual(self.driver.ev_wallet_balance, 500.0)

    def test_start_sends_the_same_command_as_the_backend_and_opens_the_session_page(
        self,
    ):
        self._topup(self.driver, 500.0)
        sent = []

        def bridge(charger, action, payload=None):
            sent.append((charger.identity, action, payload))
            return {"status": "Accepted"}

        self.authenticate("w_portal", "w_portal")
        with patch.object(EvCharger, "_bridge_command", bridge):
            response = self._start(kwh="12.5")
        session = self._sessions()
        self.assertEqual(len(session), 1)
        self.assertTrue(
            response.url.endswith(f"/my/ev/sessions/{session.id}"), response.url
        )
        self.assertEqual(
            (session.state, session.requested_kwh, session.connector_id),
            ("pending", 12.5, self.connector),
        )
        self.assertEqual(session.tariff_id, self.tariff, "tariff frozen at start")
        self.assertEqual(session.max_energy_wh, 12500)
        self.assertEqual(
            sent,
            [
                (
                    "RVS-CP-001",
                    "remote_start_transaction",
                    {
                        "connector_id": 1,
                        "id_tag": session.remote_request_id,
                        "remote_request_id": session.remote_request_id,
                        "max_energy_wh": 12500,
                    },
                )
            ],
        )
        self.assertIn("Waiting for the charger to start", response.text)

    def test_backend_wizard_uses_the_same_path(self):
        self._topup(self.driver, 500.0)
        wizard = (
            self.env["ev.remote.start.wizard"]
            .with_user(self.user_operator)
            .create(
                {
                    "connector_id": self.connector.id,
                    "partner_id": self.driver.id,
                    "requested_kwh": 3,
                }
            )
        )
        # shown as a notification (raising would roll back the cancelled session)
        action = wizard.action_start()
        self.assertIn("bridge URL is not configured", action["params"]["message"])
        rejected = patch.object(
            EvCharger,
            "_bridge_command",
            lambda charger, action, payload=None: {"status": "Rejected"},
        )
        with rejected:
            action = wizard.action_start()
        self.assertIn("refused to start: Rejected", action["params"]["message"])
        self.assertEqual(self._sessions().mapped("state"), ["cancelled", "cancelled"])
        with patch.object(
            EvCharger,
            "_bridge_command",
            lambda charger, action, payload=None: {"status": "Accepted"},
        ):
            action = wizard.action_start()
        session = self.env["ev.session"].browse(action["res_id"])
        self.assertEqual(
            (session.state, session.requested_kwh, session.partner_id),
            ("pending", 3, self.driver),
        )

    # ------------------------------------------------------------------
    # The session page
    # ------------------------------------------------------------------

    def test_driver_sees_and_stops_only_their_own_session(self):
        own = self._session(0.0, kwh=4.2)
        own.write(
            {
                "state": "charging",
                "stop_time": False,
                "meter_last": 4200,
                "meter_stop": 0,
                "transaction_id": 77,
            }
        )
        other = self._session(0.0, partner=self.driver_2)
        other.write({"state": "charging", "stop_time": False, "transaction_id": 78})
        sent = []
        self.authenticate("w_portal", "w_portal")
        with patch.object(
            EvCharger,
            "_bridge_command",
            lambda charger, action, payload=None: (
                sent.append(payload) or {"status": "Accepted"}
            ),
        ):
            self.assertEqual(
                self.url_open(f"/my/ev/sessions/{other.id}").status_code, 404
            )
            response = self.url_open(
                f"/my/ev/sessions/{other.id}/stop",
                data={"csrf_token": http.Request.csrf_token(self)},
            )
            self.assertEqual(response.status_code, 404)
            self.assertEqual(sent, [], "nothing sent for another driver's session")
            self.assertEqual(self.url_open("/my/ev/sessions/999999").status_code, 404)

            html = self.url_open(f"/my/ev/sessions/{own.id}").text
            self.assertIn(own.name, html)
            self.assertRegex(html, r"o_ev_session_state[^>]*>\s*Charging")
            self.assertRegex(html, r"o_ev_session_energy[^>]*>\s*4\.200")
            self.assertRegex(
                html, r"o_ev_session_amount[^>]*>.*29\.40", "4.2 kWh at 7.00"
            )
            self.assertIn("Stop charging", html)
            response = self.url_open(
                f"/my/ev/sessions/{own.id}/stop",
                data={"csrf_token": http.Request.csrf_token(self)},
            )
        self.assertIn("Stop sent to the charger", response.text)
        self.assertEqual(sent, [{"transaction_id": 77}])
        # without a bridge the driver is told why
        response = self.url_open(
            f"/my/ev/sessions/{own.id}/stop",
            data={"csrf_token": http.Request.csrf_token(self)},
        )
        self.assertIn("could not be stopped", response.text)
        self.assertIn("bridge URL is not configured", response.text)
        # the other driver sees theirs, not this one
        self.authenticate("w_portal_2", "w_portal_2")
        self.assertEqual(self.url_open(f"/my/ev/sessions/{other.id}").status_code, 200)
        self.assertEqual(self.url_open(f"/my/ev/sessions/{own.id}").status_code, 404)

    # ------------------------------------------------------------------
    # Headless Chromium
    # ------------------------------------------------------------------

    def test_kwh_picker_tour(self):
        """A driver types kWh, changes them and presses presets: the price follows every
        change.
        """
        self._topup(self.driver, 500.0)
        self.start_tour(self.page, "ev_billing_connector_quote_tour", login="w_portal")
        self.assertFalse(self._sessions(), "pricing starts nothing")
