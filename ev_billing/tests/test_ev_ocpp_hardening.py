"""Issue 12 on the Odoo side: energy on refused cards and substituted charger times
are held for review, a refused remote start leaves its record, unknown chargers are
listed for an Administrator to register."""

import json
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..models.ev_charger import EvCharger
from .test_ev_ocpp_events import EvOcppEventCommon


@tagged("post_install", "-at_install")
class TestEvOcppReviewRules(EvOcppEventCommon):
    def _charge(self, start, *extra, transaction_id=7):
        results = self.Event._ingest(
            [
                start,
                *extra,
                self._stop(transaction_id=transaction_id),
                self._status("Available", "2026-11-25T03:21:00Z"),
            ]
        )
        self.assertEqual({result["status"] for result in results}, {"ok"})
        return self._sessions(transaction_id)

    def _start_with(self, id_tag="AA000001", **payload):
        event = self._start(id_tag=id_tag)
        event["payload"].update(payload)
        return event

    def test_8_energy_on_a_card_odoo_never_saw_is_held_for_review(self):
        session = self._charge(
            self._start_with(id_tag="NEVER-SEEN", id_tag_status="Invalid")
        )
        self.assertEqual(session.state, "review")
        self.assertFalse(session.invoice_id)
        self.assertIn("NEVER-SEEN", session.review_reason)
        self.assertIn("Invalid", session.review_reason)

    def test_8_energy_on_an_unknown_card_accepted_offline_is_held(self):
        # the bridge's offline policy "accept" let a card Odoo never saw charge
        session = self._charge(
            self._start_with(id_tag="NEVER-SEEN", id_tag_status="Accepted")
        )
        self.assertEqual(session.state, "review")
        self.assertFalse(session.partner_id)

    def test_8_energy_on_a_blocked_card_is_held_for_review(self):
        session = self._charge(
            self._start_with(id_tag="BB000002", id_tag_status="Blocked")
        )
        self.assertEqual(session.partner_id, self.driver_2)
        self.assertEqual(
            (session.state, session.ocpp_id_tag_status), ("review", "Blocked")
        )
        self.assertFalse(session.invoice_id)

    def test_8_an_accepted_card_is_billed(self):
        session = self._charge(self._start_with(id_tag_status="Accepted"))
        self.assertEqual(session.state, "done")
        # billed by the billing cron's batch, outside the charger's events
        self.assertEqual(self.env["ev.session"]._ev_bill_queue(), session)
        self.assertEqual(session.invoice_id.state, "posted")

    def test_3_a_substituted_start_time_is_held_for_review(self):
        session = self._charge(
            self._start_with(
                id_tag_status="Accepted",
                timestamp_substituted=True,
                timestamp_sent="2026-12-01",
            )
        )
        self.assertEqual(session.state, "review")
        self.assertTrue(session.ocpp_time_substituted)
        self.assertFalse(session.invoice_id)

    def test_3_a_substituted_meter_time_is_held_for_review(self):
        meter = self._event(
            "meter_values",
            {
                "transaction_id": 7,
                "connector_id": 1,
                "samples": [
                    {
                        "timestamp": "2026-11-25T03:10:00Z",
                        "energy_wh": 2000.0,
                        "power_w": None,
                        "soc": None,
                        "timestamp_substituted": True,
                    }
                ],
            },
        )
        session = self._charge(self._start_with(id_tag_status="Accepted"), meter)
        self.assertEqual(session.state, "review")
        self.assertIn("could not read", session.review_reason)


@tagged("post_install", "-at_install")
class TestEvRemoteStartRefused(HttpCase, EvOcppEventCommon):
    def test_9_a_refused_remote_start_leaves_its_cancelled_session(self):
        """As an Operator clicking Start: the charger's refusal is shown and the
        cancelled session stays (an error raised to the browser would roll it
        back)."""
        wizard = (
            self.env["ev.remote.start.wizard"]
            .with_user(self.user_operator)
            .create(
                {
                    "connector_id": self.connector_1_1.id,
                    "partner_id": self.driver_1.id,
                    "requested_kwh": 2,
                }
            )
        )
        self.authenticate("ev_operator", "ev_operator")
        refused = patch.object(
            EvCharger,
            "_bridge_command",
            lambda charger, action, payload=None: {"status": "Rejected"},
        )
        with refused:
            action = self.make_jsonrpc_request(
                "/web/dataset/call_button",
                {
                    "model": "ev.remote.start.wizard",
                    "method": "action_start",
                    "args": [[wizard.id]],
                    "kwargs": {},
                },
            )
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("Rejected", action["params"]["message"])
        session = self.env["ev.session"].browse(action["params"]["next"]["res_id"])
        self.assertEqual(
            (session.state, session.partner_id, session.connector_id),
            ("cancelled", self.driver_1, self.connector_1_1),
        )
        self.assertIn(
            "the charger answered Rejected", session.message_ids[:1].body or ""
        )


@tagged("post_install", "-at_install")
class TestEvUnknownChargers(HttpCase, EvOcppEventCommon):
    chart_template = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        bridge_user = cls.env.ref("ev_billing.user_ev_bridge")
        cls.bridge_key = (
            cls.env["res.users.apikeys"]
            .with_user(bridge_user)
            .sudo()
            ._generate(None, "test", None)
        )
        cls.bridge_user = bridge_user

    def _report(self, reports, key=None):
        return self.url_open(
            "/ev/ocpp/v1/charger/unknown",
            data=json.dumps({"chargers": reports}),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {key or self.bridge_key}",
            },
        )

    def _request(self, identity):
        return self.env["ev.charger.request"].search([("identity", "=", identity)])

    def test_the_bridge_reports_unknown_chargers(self):
        response = self._report(
            [
                {
                    "identity": "NEW-CP-9",
                    "remote_address": "203.0.113.9",
                    "attempts": 3,
                    "first_attempt_at": "2026-11-25T01:00:00Z",
                    "last_attempt_at": "2026-11-25T01:05:00Z",
                },
                {"identity": "TST-CP-001", "attempts": 1},
                {"identity": ["not", "a", "string"]},
            ]
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [result.get("known") for result in response.json()["results"]],
            [False, True, None],
        )
        self.assertFalse(self._request("TST-CP-001"))
        # listed, then registered from the Chargers menu: the list follows
        self.env["ev.charger.request"].sudo().create(
            {"identity": "TST-CP-002", "company_id": self.company.id}
        )
        self._report([{"identity": "TST-CP-002"}])
        self.assertEqual(
            (self._request("TST-CP-002").state, self._request("TST-CP-002").charger_id),
            ("registered", self.charger_2),
        )
        self._report(
            [
                {
                    "identity": "NEW-CP-9",
                    "remote_address": "203.0.113.10",
                    "attempts": 1,
                    "first_attempt_at": "2026-11-25T02:00:00Z",
                    "last_attempt_at": "2026-11-25T02:00:00Z",
                    "boot": {
                        "charge_point_vendor": "Acme",
                        "charge_point_model": "Fast-22",
                        "charge_point_serial_number": "SN-1",
                        "firmware_version": "4.2",
                    },
                }
            ]
        )
        request = self._request("NEW-CP-9")
        self.assertEqual(
            (
                request.attempt_count,
                str(request.first_attempt),
                str(request.last_attempt),
                request.remote_address,
                request.vendor,
                request.model,
                request.serial_number,
                request.state,
                request.company_id,
            ),
            (
                4,
                "2026-11-25 01:00:00",
                "2026-11-25 02:00:00",
                "203.0.113.10",
                "Acme",
                "Fast-22",
                "SN-1",
                "new",
                self.bridge_user.company_id,
            ),
        )

    @mute_logger("odoo.http")
    def test_only_the_bridge_may_report(self):
        admin_key = (
            self.env["res.users.apikeys"]
            .with_user(self.user_admin)
            .sudo()
            ._generate(None, "test", None)
        )
        response = self._report([{"identity": "SNEAKY"}], key=admin_key)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._request("SNEAKY"))

    def _new_request(self):
        return (
            self.env["ev.charger.request"]
            .sudo()
            .create(
                {
                    "identity": "NEW-CP-7",
                    "remote_address": "203.0.113.7",
                    "attempt_count": 2,
                    "vendor": "Acme",
                    "model": "Fast-22",
                    "company_id": self.company.id,
                }
            )
        )

    def test_an_administrator_registers_it_and_sets_its_password(self):
        request = self._new_request().with_user(self.user_admin)
        request.station_id = self.station
        action = request.action_register()
        charger = request.charger_id
        self.assertEqual(
            (charger.identity, charger.station_id, charger.vendor, request.state),
            ("NEW-CP-7", self.station, "Acme", "registered"),
        )
        self.assertEqual(action["res_model"], "ev.charger.password.wizard")
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.user_admin)
            .with_context(**action["context"])
            .create({"password": "n3w-p4ssword"})
        )
        wizard.action_apply()
        self.assertTrue(charger.sudo()._check_password("n3w-p4ssword"))
        # the bridge now gets "known, accepted" for it
        answer = self.url_open(
            "/ev/ocpp/v1/charger/credentials",
            data=json.dumps({"identity": "NEW-CP-7", "password": "n3w-p4ssword"}),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.bridge_key}",
            },
        ).json()
        self.assertEqual((answer["known"], answer["accepted"]), (True, True))

    def test_register_from_the_list_in_the_browser(self):
        self._new_request()
        self.start_tour(
            "/odoo/action-ev_billing.ev_charger_request_action",
            "ev_billing_register_unknown_charger",
            login="ev_admin",
        )
        request = self._request("NEW-CP-7")
        self.assertEqual(request.state, "registered")
        self.assertEqual(request.charger_id.station_id, self.station)
        self.assertTrue(request.charger_id.sudo()._check_password("tour-s3cret"))

    def test_a_manager_cannot_register_or_see_unknown_chargers(self):
        request = self._new_request()
        as_manager = request.with_user(self.user_manager)
        with self.assertRaises(AccessError):
            as_manager.read(["identity"])
        with self.assertRaises(AccessError):
            as_manager.write({"station_id": self.station.id})
        with self.assertRaises(AccessError):
            as_manager.action_register()
        with self.assertRaises(AccessError):
            as_manager.action_dismiss()
        self.assertEqual(request.state, "new")
        self.assertFalse(self.env["ev.charger"].search([("identity", "=", "NEW-CP-7")]))
