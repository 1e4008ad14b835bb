import json
import re
import threading
import time
from datetime import datetime, timedelta
from unittest.mock import patch

import requests

from odoo import SUPERUSER_ID, Command, api, http
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable, json_dump
from odoo.addons.bus.tests.common import WebsocketCase
from odoo.addons.bus.websocket import WebsocketConnectionHandler
from odoo.addons.ev_billing.models.ev_charger import EvCharger

from .wallet_common import EvWalletCommon

# Fails with the elements that stick out when the page scrolls sideways.
OVERFLOW_CHECK = """
const root = document.documentElement;
const describe = (el) => `${el.tagName}.${el.className}`;
// Sideways scrolling, of the page or of a box inside it (a table-responsive table).
const scrollers = [...document.querySelectorAll("body *")].filter(
    (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX)
        && el.scrollWidth > el.clientWidth + 1
);
if (root.scrollWidth > root.clientWidth || scrollers.length) {
    const wide = [...document.querySelectorAll("body *")]
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
        .slice(0, 5);
    const culprits = [...wide, ...scrollers].map(describe).join(", ");
    console.error(`${location.pathname} scrolls sideways: ${root.scrollWidth} px `
        + `in ${root.clientWidth} px (${culprits})`);
} else {
    console.log("test successful");
}
"""

# How long the background charger waits for the page's side (a bounded wait, not a
# timing assertion).
WAIT_SECONDS = 60


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class EvSessionPortalCommon(EvWalletCommon):
    """A station with a flat Member price of 7.00 per kWh (VAT included), a connector
    with a QR page, two drivers with portal users and the EV OCPP bridge's API key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tariff = cls._ev_flat_tariff("Flat Portal Tariff")
        cls.connector.write({"connector_type": "ccs2", "max_power_kw": 22.0})
        cls.connector._set_ocpp_status("Available")
        cls.page = f"/ev/c/{cls.connector.access_token}"
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
        cls.bridge_key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.env.ref("ev_billing.user_ev_bridge"))
            .sudo()
            ._generate(None, "test", None)
        )
        # The bridge's technical user works in the station's company, as in a
        # deployment of one company per database.
        cls.env.ref("ev_billing.user_ev_bridge").write(
            {
                "company_ids": [Command.link(cls.company.id)],
                "company_id": cls.company.id,
            }
        )
        cls.Ledger.with_user(cls.user_operator)._ev_topup(
            cls.driver, 500.0, cls.cash_journal, memo="desk cash", company=cls.company
        )

    def _event(self, kind, payload, at):
        return {
            "key": f"RVS-CP-001|{kind}|{json.dumps(payload, sort_keys=True)}",
            "identity": "RVS-CP-001",
            "kind": kind,
            "occurred_at": _iso(at),
            "payload": payload,
        }

    def _charger_events(self, remote_request_id, transaction_id=501):
        """What a charger sends for a remote start of 5 kWh stopped at 4 kWh: the
        events of each phase, in order."""
        t0 = datetime.utcnow().replace(microsecond=0) - timedelta(minutes=40)

        def status(status, at):
            return self._event(
                "status",
                {
                    "connector_id": 1,
                    "status": status,
                    "error_code": "NoError",
                    "timestamp": _iso(at),
                },
                at,
            )

        start = [
            status("Preparing", t0),
            self._event(
                "start_transaction",
                {
                    "transaction_id": transaction_id,
                    "connector_id": 1,
                    "id_tag": remote_request_id,
                    "meter_start": 120000,
                    "timestamp": _iso(t0),
                    "remote_request_id": remote_request_id,
                },
                t0,
            ),
            status("Charging", t0),
        ]
        t1 = t0 + timedelta(minutes=20)
        meter = [
            self._event(
                "meter_values",
                {
                    "connector_id": 1,
                    "transaction_id": transaction_id,
                    "samples": [
                        {
                            "timestamp": _iso(t1),
                            "energy_wh": 122500,
                            "power_w": 7200.0,
                            "soc": 55,
                        }
                    ],
                },
                t1,
            )
        ]
        t2 = t0 + timedelta(minutes=33)
        stop = [
            self._event(
                "stop_transaction",
                {
                    "transaction_id": transaction_id,
                    "meter_stop": 124000,
                    "timestamp": _iso(t2),
                    "reason": "Remote",
                    "id_tag": remote_request_id,
                    "samples": [],
                },
                t2,
            ),
            status("Finishing", t2),
            status("Available", t2 + timedelta(minutes=1)),
        ]
        return start, meter, stop

    @staticmethod
    def _bill_closed_sessions(env):
        """Bill the closed sessions as the billing cron does, outside the charger's
        request (one batch of the queue, in this transaction)."""
        env["ev.session"].sudo()._ev_bill_queue()

    def _post_events(self, events, cookies=None):
        """Post events to Odoo's event route as the bridge does (bearer API key)."""
        response = requests.post(
            f"{self.base_url()}/ev/ocpp/v1/events",
            data=json.dumps({"events": events}),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.bridge_key}",
            },
            cookies=cookies or {TEST_CURSOR_COOKIE_NAME: self.http_request_key},
            timeout=30,
        )
        response.raise_for_status()
        results = response.json()["results"]
        assert all(r["status"] == "ok" for r in results), results
        return results

    def _charging_session(self, partner=None, energy_wh=0, **vals):
        session = (
            self.env["ev.session"]
            .sudo()
            .create(
                {
                    "transaction_id": 700 + (partner or self.driver).id,
                    "charger_id": self.charger.id,
                    "connector_id": self.connector.id,
                    "station_id": self.station.id,
                    "company_id": self.company.id,
                    "partner_id": (partner or self.driver).id,
                    "start_time": datetime.utcnow() - timedelta(minutes=10),
                    "meter_start": 1000,
                    "meter_last": 1000 + energy_wh,
                    "requested_kwh": 5.0,
                    "tariff_id": self.tariff.id,
                    "state": "charging",
                    **vals,
                }
            )
        )
        return session


class FakeBridge:
    """The bridge's command API as Odoo sees it: records every command and lets the
    test's charger thread wait for the one the driver's click sends."""

    def __init__(self):
        self.sent = []
        self.remote_start = threading.Event()
        self.remote_stop = threading.Event()

    def __call__(self, charger, action, payload=None):
        self.sent.append((charger.identity, action, payload))
        if action == "remote_start_transaction":
            self.remote_start.set()
        elif action == "remote_stop_transaction":
            self.remote_stop.set()
        return {"status": "Accepted"}

    def patch(self):
        return patch.object(
            EvCharger,
            "_bridge_command",
            lambda charger, action, payload=None: self(charger, action, payload),
        )


@tagged("post_install", "-at_install")
class TestEvSessionPortal(HttpCase, EvSessionPortalCommon):
    """The driver's sessions, the live route, the receipt: each only to its driver."""

    def test_live_route_gives_the_live_values_only_to_the_driver(self):
        session = self._charging_session(energy_wh=2500, power_w=7200.0, soc=48)
        other = self._charging_session(partner=self.driver_2)
        url = f"/my/ev/sessions/{session.id}/live"
        response = self.url_open(url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303), "anonymous: to the login")
        self.assertIn("/web/login", response.headers["Location"])
        self.authenticate("w_portal", "w_portal")
        values = self.url_open(url).json()
        self.assertEqual(
            {k: values[k] for k in ("id", "state", "energy_kwh", "power_kw", "soc")},
            {
                "id": session.id,
                "state": "charging",
                "energy_kwh": 2.5,
                "power_kw": 7.2,
                "soc": 48,
            },
        )
        self.assertEqual(values["amount"], 17.5, "2.5 kWh at 7.00")
        # the backend's live Overview shows an EV Viewer the same running cost
        Station = self.env["ev.station"].with_user(self.user_viewer)
        board = Station._ev_overview_session(session.with_user(self.user_viewer))
        self.assertEqual(board["cost"], 17.5)
        self.assertEqual(values["minutes_left"], 21, "2.5 kWh left at 7.2 kW")
        self.assertEqual(values["currency_id"], self.currency.id)
        self.assertTrue(values["can_stop"])
        self.assertNotIn("receipt_html", values)
        for other_url in (
            f"/my/ev/sessions/{other.id}/live",
            "/my/ev/sessions/999999/live",
        ):
            response = self.url_open(other_url)
            self.assertEqual(response.status_code, 404, other_url)
            self.assertEqual(response.json(), {"error": "not_found"})
            self.assertNotIn("Malee", response.text)
        self.authenticate("w_portal_2", "w_portal_2")
        self.assertEqual(self.url_open(url).status_code, 404)
        self.assertEqual(
            self.url_open(f"/my/ev/sessions/{other.id}/live").status_code, 200
        )

    def test_stop_as_json_only_for_the_driver(self):
        session = self._charging_session()
        other = self._charging_session(partner=self.driver_2)
        bridge = FakeBridge()
        self.authenticate("w_portal", "w_portal")
        headers = {"Accept": "application/json"}
        with bridge.patch():
            response = self.url_open(
                f"/my/ev/sessions/{other.id}/stop",
                data={"csrf_token": http.Request.csrf_token(self)},
                headers=headers,
            )
            self.assertEqual(response.status_code, 404)
            self.assertEqual(bridge.sent, [], "nothing sent for another's session")
            answer = self.url_open(
                f"/my/ev/sessions/{session.id}/stop",
                data={"csrf_token": http.Request.csrf_token(self)},
                headers=headers,
            ).json()
        self.assertEqual(answer["message"], "Stop sent to the charger.")
        self.assertEqual(answer["id"], session.id)
        self.assertEqual(
            bridge.sent,
            [
                (
                    "RVS-CP-001",
                    "remote_stop_transaction",
                    {"transaction_id": session.transaction_id},
                )
            ],
        )
        # without a bridge: the reason, nothing lost
        answer = self.url_open(
            f"/my/ev/sessions/{session.id}/stop",
            data={"csrf_token": http.Request.csrf_token(self)},
            headers=headers,
        ).json()
        self.assertIn("bridge URL is not configured", answer["error"])
        self.assertEqual(session.state, "charging")

    def _billed_sessions(self, count, partner=None):
        sessions = self.env["ev.session"]
        for i in range(count):
            session = self._session(
                7.0 * (i + 1),
                kwh=i + 1,
                partner=partner,
                stop=datetime(2025, 3, 3, 8, 0) + timedelta(days=i),
            )
            session.write(
                {
                    "start_time": datetime(2025, 3, 3, 7, 0) + timedelta(days=i),
                    "billed_kwh": i + 1,
                    "energy_off_peak_kwh": i + 1,
                    "amount_energy_off_peak": 7.0 * (i + 1),
                }
            )
            self.Ledger._ev_bill_sessions(session)
            sessions |= session
        return sessions

    def test_my_sessions_paged_newest_first_with_totals_and_receipts(self):
        mine = self._billed_sessions(12)
        theirs = self._billed_sessions(1, partner=self.driver_2)
        self.authenticate("w_portal", "w_portal")
        html = self.url_open("/my/ev/sessions").text
        self.assertRegex(html, r"o_ev_totals_count[^>]*>12<")
        self.assertRegex(html, r"o_ev_totals_kwh[^>]*>78\.000<", "1 + 2 + … + 12")
        self.assertRegex(html, r"o_ev_totals_amount[^>]*>.*546\.00")
        newest_first = mine.sorted(lambda s: (s.create_date, s.id), reverse=True)
        cards = [int(i) for i in re.findall(r"o_ev_session_card_(\d+)", html)]
        self.assertEqual(cards, [s.id for s in newest_first[:10]])
        self.assertNotIn(f"o_ev_session_card_{theirs.id}", html)
        newest = newest_first[0]
        for text in (
            newest.abbreviated_invoice_number,
            "Energy, off-peak",
            "VAT included",
            f"/my/ev/sessions/{newest.id}/receipt?access_token=",
            "report_type=pdf",
        ):
            self.assertIn(text, html)
        page_2 = self.url_open("/my/ev/sessions/page/2").text
        cards_2 = [int(i) for i in re.findall(r"o_ev_session_card_(\d+)", page_2)]
        self.assertEqual(cards_2, [s.id for s in newest_first[10:]])
        # and on the portal home
        home = self.url_open(
            "/my/counters",
            data=json.dumps({"params": {"counters": ["ev_session_count"]}}),
            headers={"Content-Type": "application/json"},
        ).json()
        self.assertEqual(home["result"]["ev_session_count"], 12)
        self.assertIn("/my/ev/sessions", self.url_open("/my").text)

    def test_receipt_only_for_the_driver_or_with_the_token(self):
        session = self._billed_sessions(1)
        other = self._billed_sessions(1, partner=self.driver_2)
        url = f"/my/ev/sessions/{session.id}/receipt?report_type=html"
        self.assertEqual(self.url_open(url).status_code, 404, "anonymous, no token")
        with_token = session._ev_receipt_url("html")
        response = self.url_open(with_token)
        self.assertEqual(response.status_code, 200, "the link carries the token")
        self.assertIn(session.abbreviated_invoice_number, response.text)
        self.assertEqual(
            self.url_open(url + "&access_token=not-the-token").status_code, 404
        )
        self.authenticate("w_portal", "w_portal")
        # the report's HTML says its charset in a <meta>, not in the header
        html = self.url_open(url).content.decode()
        self.assertIn("ใบกำกับภาษีอย่างย่อ", html)
        self.assertIn(session.abbreviated_invoice_number, html)
        self.assertIn("เจ็ดบาทถ้วน", html, "7.00 in Thai words")
        for bad in (
            f"/my/ev/sessions/{other.id}/receipt?report_type=html",
            f"/my/ev/sessions/{other.id}",
            "/my/ev/sessions/999999/receipt?report_type=html",
            f"/my/ev/sessions/{session.id}/receipt?report_type=text",
        ):
            self.assertEqual(self.url_open(bad).status_code, 404, bad)
        unbilled = self._charging_session()
        self.assertEqual(
            self.url_open(
                f"/my/ev/sessions/{unbilled.id}/receipt?report_type=html"
            ).status_code,
            404,
        )

    def test_amount_in_thai_words(self):
        words = self.env["ev.session"]._ev_amount_in_thai_words
        self.assertEqual(words(7.0), "เจ็ดบาทถ้วน")
        self.assertEqual(words(121.5), "หนึ่งร้อยยี่สิบเอ็ดบาทห้าสิบสตางค์")
        self.assertEqual(words(1000.01), "หนึ่งพันบาทหนึ่งสตางค์")
        self.assertEqual(words(0.25), "ศูนย์บาทยี่สิบห้าสตางค์")

    def test_session_name_never_changes(self):
        bridge = FakeBridge()
        self.authenticate("w_portal", "w_portal")
        with bridge.patch():
            self.url_open(
                f"{self.page}/start",
                data={"csrf_token": http.Request.csrf_token(self), "kwh": "5"},
            )
        session = self.env["ev.session"].search([("partner_id", "=", self.driver.id)])
        name = session.name
        self.assertEqual(name, f"RVS/{session.id}")
        request_id = bridge.sent[0][2]["id_tag"]
        start, meter, stop = self._charger_events(request_id)
        self.env["ev.ocpp.event"].sudo()._ingest(start + meter + stop)
        self._bill_closed_sessions(self.env)
        self.assertEqual(session.state, "done")
        self.assertEqual(session.name, name)
        self.assertEqual(session.invoice_id.invoice_origin, name)


@tagged("post_install", "-at_install")
class TestEvSessionBus(WebsocketCase, EvSessionPortalCommon):
    """OCPP events reaching Odoo are pushed to the driver's websocket, not to anyone
    else's."""

    def _live_messages(self, ws):
        messages = []
        for notification in json.loads(ws.recv()):
            message = notification["message"]
            if message["type"] == "ev_billing.session_live":
                messages.append(message["payload"])
        return messages

    def test_events_push_the_session_to_its_driver_only(self):
        session = self._charging_session(energy_wh=0)
        driver_ws = self.websocket_connect(
            cookie=f"session_id={self.authenticate('w_portal', 'w_portal').sid}"
        )
        self.subscribe(driver_ws, [], self.env["bus.bus"].sudo()._bus_last_id())
        at = datetime.utcnow().replace(microsecond=0)
        samples = [
            {"timestamp": _iso(at), "energy_wh": 1000 + wh, "power_w": 7000.0 + wh}
            for wh in (500, 1500)
        ]
        self.env["ev.ocpp.event"].sudo()._ingest(
            [
                self._event(
                    "meter_values",
                    {
                        "connector_id": 1,
                        "transaction_id": session.transaction_id,
                        "samples": [sample],
                    },
                    at,
                )
                for sample in samples
            ]
        )
        self.trigger_notification_dispatching([self.driver, self.driver_2])
        [payload] = self._live_messages(driver_ws)
        self.assertEqual(
            (payload["id"], payload["energy_kwh"], payload["power_kw"]),
            (session.id, 1.5, 8.5),
            "one message with the state after the whole batch",
        )
        self.assertEqual(payload["amount"], 10.5)
        Bus = self.env["bus.bus"].sudo()
        db = self.registry.db_name
        for partner, count in ((self.driver, 1), (self.driver_2, 0)):
            channel = json_dump(channel_with_db(db, partner))
            self.assertEqual(
                Bus.search_count([("channel", "=", channel)]), count, partner.name
            )


@tagged("post_install", "-at_install")
class TestEvSessionTours(HttpCase, EvSessionPortalCommon):
    """A driver on a 390 px phone: buy 5 kWh, watch, stop, receipt."""

    browser_size = "390x844"

    def _notify_page(self, partner):
        """What the bus does after a commit (test cursors never commit): wake the
        websockets of ``partner``'s channel so they read the new notifications."""
        channel = hashable(channel_with_db(self.registry.db_name, partner))
        for websocket in list(dispatch._channels_to_ws.get(channel, [])):
            websocket.trigger_notification_dispatching()

    def _wait(self, condition, what):
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what}")
            time.sleep(0.05)

    def _charger_thread(self, bridge, via_bus):
        """The charger, in the background: starts when the driver's click reaches the
        bridge, meters, and stops when the driver's Stop does."""
        failures = []
        channel = hashable(channel_with_db(self.registry.db_name, self.driver))

        def run():
            try:
                self._wait(bridge.remote_start.is_set, "the remote start")
                if via_bus:
                    self._wait(
                        lambda: dispatch._channels_to_ws.get(channel),
                        "the page's websocket",
                    )
                request_id = bridge.sent[0][2]["id_tag"]
                start, meter, stop = self._charger_events(request_id)
                self._post_events(start)
                self._notify_page(self.driver)
                self._post_events(meter)
                self._notify_page(self.driver)
                self._wait(bridge.remote_stop.is_set, "the driver's stop")
                self._post_events(stop)
                with self.registry.cursor() as cr:
                    self._bill_closed_sessions(api.Environment(cr, SUPERUSER_ID, {}))
                self._notify_page(self.driver)
            except Exception as error:  # noqa: BLE001 — reported by the test
                failures.append(error)

        thread = threading.Thread(target=run, name="ev-test-charger", daemon=True)
        thread.start()
        return thread, failures

    def _journey(self, tour, via_bus):
        bridge = FakeBridge()
        thread, failures = self._charger_thread(bridge, via_bus)
        with bridge.patch():
            self.start_tour(self.page, tour, login="w_portal", timeout=120)
        thread.join(WAIT_SECONDS)
        self.assertFalse(failures)
        session = self.env["ev.session"].search([("partner_id", "=", self.driver.id)])
        self.assertEqual(
            (session.state, session.requested_kwh, session.energy_kwh),
            ("done", 5.0, 4.0),
        )
        self.assertEqual(session.amount_total, 28.0)
        self.assertTrue(session.abbreviated_invoice_number)
        self.assertEqual(
            [action for _identity, action, _payload in bridge.sent],
            ["remote_start_transaction", "remote_stop_transaction"],
        )
        # the receipt link the page shows opens the abbreviated tax invoice
        self.authenticate("w_portal", "w_portal")
        html = self.url_open(session._ev_receipt_url("html")).content.decode()
        self.assertIn("ใบกำกับภาษีอย่างย่อ", html)
        self.assertIn(session.abbreviated_invoice_number, html)
        self.assertIn("ยี่สิบแปดบาทถ้วน", html, "28.00 in Thai words")
        return session

    def test_live_session_through_the_bus(self):
        with patch.object(
            WebsocketConnectionHandler, "websocket_allowed", return_value=True
        ):
            self._journey("ev_billing_session_live_tour", via_bus=True)

    def test_live_session_by_polling_without_websocket(self):
        # Odoo refuses websockets in test mode: the page falls back to polling.
        self._journey("ev_billing_session_poll_tour", via_bus=False)


@tagged("post_install", "-at_install")
class TestEvDriverPagesFitPhones(HttpCase, EvSessionPortalCommon):
    """Every driver page fits a 360 px wide phone: no horizontal scroll."""

    browser_size = "360x780"

    def test_no_horizontal_scroll_at_360px(self):
        for i in range(3):
            session = self._session(
                7.0 * (i + 1), kwh=i + 1, stop=datetime(2025, 3, 3, 8, 0)
            )
            session.write(
                {"energy_off_peak_kwh": i + 1, "amount_energy_off_peak": 7.0 * (i + 1)}
            )
            self.Ledger._ev_bill_sessions(session)
        charging = self._charging_session(energy_wh=2500, power_w=7200.0, soc=48)
        done = self.env["ev.session"].search(
            [("partner_id", "=", self.driver.id), ("state", "=", "done")], limit=1
        )
        pages = {
            self.page: "!document.querySelector('.o_ev_quote_total')"
            ".textContent.includes('…')",
            f"/my/ev/sessions/{charging.id}": "!!document.querySelector("
            "'.o_ev_live[data-live-source=poll]')",
            f"/my/ev/sessions/{done.id}": "!!document.querySelector('.o_ev_receipt')",
            "/my/ev/sessions": "!!document.querySelector('.o_ev_session_card')",
            "/my/wallet": "!!document.querySelector('.o_ev_wallet_balance')",
            "/my": "!!document.querySelector('.o_portal_my_home')",
        }
        for url, ready in pages.items():
            with self.subTest(url=url):
                self.browser_js(
                    url, OVERFLOW_CHECK, ready=ready, login="w_portal", timeout=60
                )


@tagged("post_install", "-at_install")
class TestEvDriverPagesInThai(HttpCase, EvSessionPortalCommon):
    """A driver whose language is Thai reads the QR page, the live page, the receipt
    and My Charging in Thai, in headless Chromium at phone size."""

    browser_size = "390x844"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("th_TH")
        cls.env["ir.module.module"]._load_module_terms(["ev_billing"], ["th_TH"])
        cls.env["res.users"].search([("login", "=", "w_portal")]).lang = "th_TH"

    def _check_thai(self, url, ready, *texts):
        wanted = json.dumps(texts)
        code = f"""
            const text = document.body.innerText;
            const missing = {wanted}.filter((t) => !text.includes(t));
            if (missing.length) {{
                console.error(`{url} lacks its Thai: ${{missing.join(" | ")}}`);
            }} else {{
                console.log("test successful");
            }}
        """
        self.browser_js(url, code, ready=ready, login="w_portal", timeout=60)

    def test_qr_live_receipt_and_my_charging_in_thai(self):
        done = self._session(7.0, kwh=1, stop=datetime(2025, 3, 3, 8, 0))
        done.write({"energy_off_peak_kwh": 1, "amount_energy_off_peak": 7.0})
        self.Ledger._ev_bill_sessions(done)
        charging = self._charging_session(energy_wh=2500, power_w=7200.0, soc=48)
        self._check_thai(
            self.page,
            "!document.querySelector('.o_ev_quote_total').textContent.includes('…')",
            "เริ่มชาร์จ",
            "รวม VAT แล้ว",
        )
        self._check_thai(
            f"/my/ev/sessions/{charging.id}",
            "!!document.querySelector('.o_ev_live[data-live-source]')",
            "ยอดถึงตอนนี้ (รวม VAT)",
            "กำลังไฟ",
        )
        self._check_thai(
            f"/my/ev/sessions/{done.id}",
            "!!document.querySelector('.o_ev_receipt')",
            "ใบเสร็จ",
            done.abbreviated_invoice_number,
        )
        self._check_thai(
            "/my/ev/sessions",
            "!!document.querySelector('.o_ev_session_card')",
            "การชาร์จของฉัน",
            "ดูใบกำกับภาษี",
        )
