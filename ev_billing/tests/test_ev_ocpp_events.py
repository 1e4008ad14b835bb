import ast
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from .common import EvBillingCommon


class EvOcppEventCommon(EvBillingCommon):
    chart_template = "generic_coa"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.chart_template:
            cls.env["account.chart.template"].try_loading(
                cls.chart_template, company=cls.company, install_demo=False
            )
        cls.station.tariff_id = cls.env.ref("ev_billing.ev_tariff_tesla_idle_fee").copy(
            {"company_id": cls.company.id}
        )
        cls.station.utility_rate_id = cls.env.ref(
            "ev_billing.ev_utility_rate_tou_seed"
        ).copy({"company_id": cls.company.id})
        cls.Event = cls.env["ev.ocpp.event"]
        if cls.chart_template:
            cls.env["ev.wallet.transaction"].with_user(cls.user_operator)._ev_topup(
                cls.driver_1, 500
            )

    def _event(
        self, kind, payload, key=None, identity="TST-CP-001", at="2026-11-25T03:00:00Z"
    ):
        return {
            "key": key or f"{identity}|{kind}|{json.dumps(payload, sort_keys=True)}",
            "identity": identity,
            "kind": kind,
            "occurred_at": at,
            "payload": payload,
        }

    def _start(
        self,
        transaction_id=7,
        meter_start=1000,
        at="2026-11-25T03:00:00Z",
        id_tag="AA000001",
    ):
        return self._event(
            "start_transaction",
            {
                "transaction_id": transaction_id,
                "connector_id": 1,
                "id_tag": id_tag,
                "meter_start": meter_start,
                "timestamp": at,
                "reservation_id": None,
                "remote_request_id": None,
            },
        )

    def _stop(
        self, transaction_id=7, meter_stop=3000, at="2026-11-25T03:20:00Z", samples=None
    ):
        return self._event(
            "stop_transaction",
            {
                "transaction_id": transaction_id,
                "meter_stop": meter_stop,
                "timestamp": at,
                "reason": "Local",
                "id_tag": "AA000001",
                "samples": samples or [],
            },
        )

    def _status(self, status, at, connector_id=1):
        return self._event(
            "status",
            {
                "connector_id": connector_id,
                "status": status,
                "error_code": "NoError",
                "info": None,
                "vendor_error_code": None,
                "timestamp": at,
            },
            at=at,
        )

    def _sessions(self, transaction_id=7):
        return self.env["ev.session"].search(
            [
                ("charger_id", "=", self.charger_1.id),
                ("transaction_id", "=", transaction_id),
            ]
        )


@tagged("post_install", "-at_install")
class TestEvOcppEvents(EvOcppEventCommon):
    def test_full_session_is_applied_in_order(self):
        results = self.Event._ingest(
            [
                self._event(
                    "boot",
                    {
                        "charge_point_vendor": "ACME",
                        "charge_point_model": "W22",
                        "firmware_version": "1.2.3",
                    },
                ),
                self._status("Preparing", "2026-11-25T02:59:00Z"),
                self._start(),
                self._status("Charging", "2026-11-25T03:00:05Z"),
                self._event(
                    "meter_values",
                    {
                        "transaction_id": 7,
                        "connector_id": 1,
                        "samples": [
                            {
                                "timestamp": "2026-11-25T03:10:00Z",
                                "energy_wh": 2000.0,
                                "power_w": 6000.0,
                                "soc": 50,
                            }
                        ],
                    },
                ),
                self._stop(),
                self._status("Available", "2026-11-25T03:21:00Z"),
            ]
        )
        self.assertEqual([r["status"] for r in results], ["ok"] * 7)
        self.assertEqual(
            (
                self.charger_1.vendor,
                self.charger_1.model,
                self.charger_1.firmware_version,
            ),
            ("ACME", "W22", "1.2.3"),
        )
        session = self._sessions()
        self.assertEqual(len(session), 1)
        self.assertEqual(results[2]["data"]["session_id"], session.id)
        self.assertEqual(session.partner_id, self.driver_1)
        self.assertEqual(session.id_tag_id, self.tag_1)
        self.assertEqual(session.state, "done")
        self.assertEqual((session.meter_start, session.meter_stop), (1000, 3000))
        self.assertAlmostEqual(session.energy_kwh, 2.0)
        self.assertEqual(str(session.plug_in_time), "2026-11-25 02:59:00")
        self.assertEqual(str(session.unplug_time), "2026-11-25 03:21:00")
        self.assertEqual(session.power_w, 6000.0)
        self.assertEqual(
            [s[1] for s in session.meter_samples], [1000, 2000.0]
        )  # start point + samples
        self.assertGreater(session.amount_total, 0)
        self.assertEqual(self.connector_1_1.status, "Available")
        # queued for billing, then billed from the wallet by the billing cron's batch
        self.assertEqual(session.billing_state, "to_bill")
        self.assertFalse(session.invoice_id)
        self.assertEqual(self.env["ev.session"]._ev_bill_queue(), session)
        self.assertEqual(session.billing_state, "billed")
        self.assertEqual(session.invoice_id.state, "posted")
        self.assertEqual(session.invoice_id.amount_total, session.amount_total)
        self.assertAlmostEqual(
            self.driver_1.ev_wallet_balance, 500 - session.amount_total
        )
        # Monitoring › Revenue and Cost adds it up per station
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_session_revenue_action"
        )
        [row] = self.env["ev.session"]._read_group(
            ast.literal_eval(action["domain"]),
            ["station_id"],
            ["amount_untaxed:sum", "energy_cost:sum", "margin:sum"],
        )
        self.assertEqual(row[0], self.station)
        self.assertAlmostEqual(row[1], session.amount_untaxed)
        self.assertGreater(row[2], 0)
        self.assertAlmostEqual(row[3], row[1] - row[2], places=2)

    def test_meter_samples_keep_time_order_whatever_order_they_arrive_in(self):
        """In-order samples are appended in the database; a late one (an older
        timestamp, e.g. redelivered after a reconnect) is merged in time order."""

        def meter(minute, energy_wh):
            return self._event(
                "meter_values",
                {
                    "connector_id": 1,
                    "transaction_id": 7,
                    "samples": [
                        {
                            "timestamp": f"2026-11-25T03:{minute:02d}:00Z",
                            "energy_wh": energy_wh,
                            "power_w": 7000.0,
                        }
                    ],
                },
            )

        self.Event._ingest([self._start(), meter(10, 2000), meter(5, 1500)])
        session = self._sessions()
        self.Event._ingest([meter(15, 3000), meter(15, 3000.5)])
        session.invalidate_recordset()
        self.assertEqual(
            [(s[0][-8:-3], s[1]) for s in session.meter_samples],
            [
                ("03:00", 1000),
                ("03:05", 1500),
                ("03:10", 2000),
                ("03:15", 3000),
                ("03:15", 3000.5),
            ],
        )
        self.assertEqual(session.meter_last, 3000)
        self.assertAlmostEqual(session.energy_kwh, 2.0)

    def test_replayed_event_returns_the_first_result(self):
        first = self.Event._ingest([self._start()])
        again = self.Event._ingest([self._start()])
        self.assertFalse(first[0]["duplicate"])
        self.assertTrue(again[0]["duplicate"])
        self.assertEqual(again[0]["data"], first[0]["data"])
        self.assertEqual(len(self._sessions()), 1)
        self.assertEqual(
            self.Event.search_count([("key", "=", self._start()["key"])]), 1
        )

    def test_same_event_twice_in_one_batch_is_applied_once(self):
        results = self.Event._ingest([self._start(), self._start()])
        self.assertEqual([r["duplicate"] for r in results], [False, True])
        self.assertEqual(results[1]["data"], results[0]["data"])
        self.assertEqual(len(self._sessions()), 1)
        self.assertEqual(
            self.Event.search_count([("key", "=", self._start()["key"])]), 1
        )

    @mute_logger("odoo.addons.ev_billing.models.ev_ocpp_event")
    def test_one_bad_event_does_not_undo_or_repeat_the_others(self):
        results = self.Event._ingest(
            [
                self._start(),
                self._event("status", {"status": "Available"}),  # no connector_id
                self._stop(),
            ]
        )
        self.assertEqual([r["status"] for r in results], ["ok", "error", "ok"])
        self.assertEqual(len(self._sessions()), 1)
        self.assertEqual(self._sessions().meter_stop, 3000)
        self.assertEqual(self.Event.search_count([("identity", "=", "TST-CP-001")]), 3)

    def test_start_under_another_key_finds_the_same_session(self):
        start = self._start()
        self.Event._ingest([start])
        self.Event._ingest([dict(start, key="another-key-for-the-same-start")])
        self.assertEqual(len(self._sessions()), 1)

    def test_transaction_id_reused_after_bridge_store_loss_is_a_new_session(self):
        self.Event._ingest([self._start(), self._stop()])
        self.Event._ingest(
            [
                self._start(at="2026-11-26T08:00:00Z", meter_start=9000),
                self._stop(at="2026-11-26T08:30:00Z", meter_stop=10000),
            ]
        )
        sessions = self._sessions()
        self.assertEqual(len(sessions), 2)
        self.assertEqual(sorted(sessions.mapped("meter_stop")), [3000, 10000])

    def test_meter_going_backwards_goes_to_review(self):
        self.Event._ingest([self._start(meter_start=5000), self._stop(meter_stop=4000)])
        session = self._sessions()
        self.assertEqual(session.state, "review")
        self.assertIn("backwards", session.review_reason)
        self.assertFalse(session.invoice_id)

    def test_energy_beyond_charger_power_goes_to_review(self):
        # 22 kW for 20 minutes is at most ~7.3 kWh; 50 kWh is impossible
        self.Event._ingest([self._start(meter_start=0), self._stop(meter_stop=50000)])
        self.assertEqual(self._sessions().state, "review")
        self.assertIn("more than", self._sessions().review_reason)

    def test_leftover_transaction_minus_one_goes_to_review(self):
        stop = self._stop(transaction_id=-1)
        stop["payload"]["unknown_transaction"] = True
        self.Event._ingest([stop])
        session = self._sessions(-1)
        self.assertEqual(session.state, "review")
        self.assertFalse(session.invoice_id)

    def test_stop_without_start_is_kept_for_review(self):
        self.Event._ingest([self._stop(transaction_id=99)])
        self.assertEqual(self._sessions(99).state, "review")

    def test_reviewed_session_approved_by_manager_is_billed(self):
        self.Event._ingest([self._start(meter_start=0), self._stop(meter_stop=50000)])
        session = self._sessions()
        with self.assertRaises(UserError):
            session.with_user(self.user_operator).action_approve_review()
        session.with_user(self.user_manager).action_approve_review()
        self.assertEqual(session.state, "done")
        self.assertEqual(session.billing_state, "to_bill")
        self.env["ev.session"]._ev_bill_queue()
        self.assertEqual(session.invoice_id.state, "posted")

    @mute_logger("odoo.addons.ev_billing.models.ev_ocpp_event")
    def test_bad_events_are_rejected_without_stopping_the_batch(self):
        results = self.Event._ingest(
            [
                self._event("status", {"status": "Available"}),  # no connector_id
                self._event("heartbeat", {}, identity="NOBODY"),
                {"identity": "TST-CP-001", "kind": "heartbeat"},  # no key
                self._event("heartbeat", {}, at="2026-11-25T04:00:00Z"),
            ]
        )
        self.assertEqual(
            [r["status"] for r in results], ["error", "error", "error", "ok"]
        )
        self.assertEqual(str(self.charger_1.last_heartbeat), "2026-11-25 04:00:00")

    def test_status_before_the_last_applied_one_is_ignored(self):
        self.Event._ingest(
            [
                self._status("Faulted", "2026-11-25T05:00:00Z"),
                self._status("Available", "2026-11-25T04:00:00Z"),
            ]
        )
        self.assertEqual(self.connector_1_1.status, "Faulted")

    def test_unknown_connector_is_created(self):
        self.Event._ingest(
            [self._status("Available", "2026-11-25T05:00:00Z", connector_id=3)]
        )
        self.assertEqual(
            self.charger_1.connector_ids.mapped("connector_number"), [1, 2, 3]
        )

    def test_authorize(self):
        IdTag = self.env["ev.id.tag"]
        self.assertEqual(
            IdTag._ocpp_authorize("TST-CP-001", "zz-unknown")["id_tag_info"]["status"],
            "Invalid",
        )
        self.tag_1.action_block()
        self.assertEqual(
            IdTag._ocpp_authorize("TST-CP-001", "aa000001")["id_tag_info"]["status"],
            "Blocked",
        )
        self.tag_1.action_unblock()
        self.assertEqual(
            IdTag._ocpp_authorize("TST-CP-001", "AA000001")["id_tag_info"]["status"],
            "Accepted",
        )
        # an empty wallet cannot start
        self.assertEqual(
            IdTag._ocpp_authorize("TST-CP-001", "BB000002")["id_tag_info"]["status"],
            "Blocked",
        )


@tagged("post_install", "-at_install")
class TestEvOcppBillingFailure(EvOcppEventCommon):
    chart_template = None  # the company has no accounting yet: billing cannot work

    @mute_logger("odoo.addons.ev_billing.models.ev_ocpp_event")
    def test_billing_failure_holds_the_session_and_applies_the_event(self):
        results = self.Event._ingest(
            [
                self._start(),
                self._stop(),
                self._status("Available", "2026-11-25T03:21:00Z"),
            ]
        )
        self.assertEqual([r["status"] for r in results], ["ok"] * 3)
        session = self._sessions()
        # Billing is not part of the charger's event: the session waits for the batch.
        self.assertEqual((session.state, session.billing_state), ("done", "to_bill"))
        self.assertEqual(self.env["ev.session"]._ev_bill_queue(), session)
        self.assertEqual(session.billing_state, "failed")
        self.assertEqual(session.state, "review")
        self.assertIn("Billing failed", session.review_reason)
        self.assertGreater(session.amount_total, 0)  # priced all the same
        self.assertFalse(session.invoice_id)
        self.assertEqual(self.connector_1_1.status, "Available")


@tagged("post_install", "-at_install")
class TestEvOcppRoutes(HttpCase, EvOcppEventCommon):
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
        cls.other_key = (
            cls.env["res.users.apikeys"]
            .with_user(cls.user_admin)
            .sudo()
            ._generate(None, "test", None)
        )
        cls.charger_1.sudo().password_hash = False
        cls.charger_1.with_user(cls.user_admin).set_password("s3cret")

    def _post(self, route, body, key):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return self.url_open(route, data=json.dumps(body), headers=headers)

    @mute_logger("odoo.http")
    def test_only_the_bridge_key_is_accepted(self):
        body = {"events": [self._event("heartbeat", {})]}
        self.assertEqual(self._post("/ev/ocpp/v1/events", body, None).status_code, 401)
        self.assertEqual(
            self._post("/ev/ocpp/v1/events", body, "not-a-key").status_code, 401
        )
        self.assertEqual(
            self._post("/ev/ocpp/v1/events", body, self.other_key).status_code, 403
        )
        response = self._post("/ev/ocpp/v1/events", body, self.bridge_key)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["results"][0]["status"], "ok")

    @mute_logger("odoo.http")
    def test_malformed_bodies_are_refused(self):
        response = self.url_open(
            "/ev/ocpp/v1/events",
            data="{not json",
            headers={
                "Authorization": f"Bearer {self.bridge_key}",
                "Content-Type": "application/json",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            self._post(
                "/ev/ocpp/v1/events", {"events": "x"}, self.bridge_key
            ).status_code,
            400,
        )

    def test_charger_credentials(self):
        def check(identity, password):
            return self._post(
                "/ev/ocpp/v1/charger/credentials",
                {"identity": identity, "password": password},
                self.bridge_key,
            ).json()

        self.assertEqual(check("TST-CP-001", "s3cret")["accepted"], True)
        self.assertEqual(check("TST-CP-001", "wrong")["accepted"], False)
        self.assertEqual(check("TST-CP-001", None)["accepted"], False)
        self.assertEqual(check("NOBODY", "s3cret"), {"known": False, "accepted": False})

    def test_authorize_route(self):
        answer = self._post(
            "/ev/ocpp/v1/authorize",
            {"identity": "TST-CP-001", "id_tag": "NOPE"},
            self.bridge_key,
        ).json()
        self.assertEqual(answer["id_tag_info"]["status"], "Invalid")


@tagged("post_install", "-at_install")
class TestEvBridgeSetup(EvBillingCommon):
    def test_administrator_generates_a_working_api_key(self):
        wizard = (
            self.env["ev.bridge.setup.wizard"]
            .with_user(self.user_admin)
            .create({"bridge_url": "http://bridge:8181", "command_token": "tok"})
        )
        action = wizard.action_generate_api_key()
        # the form shows the key once; the wizard's row never holds it
        api_key = wizard.with_context(**action["context"]).web_read({"api_key": {}})[0][
            "api_key"
        ]
        self.assertTrue(api_key)
        wizard.invalidate_recordset()
        self.assertFalse(wizard.sudo().api_key)
        self._assert_no_clear_secret("ev_bridge_setup_wizard", api_key)
        self._assert_no_clear_secret("ev_bridge_setup_wizard", "tok")
        wizard.action_save()
        self.assertFalse(wizard.exists())
        bridge_user = self.env.ref("ev_billing.user_ev_bridge")
        self.assertEqual(
            self.env["res.users.apikeys"]._check_credentials(scope="rpc", key=api_key),
            bridge_user.id,
        )
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(
            params.get_param("ev_billing.bridge_url"), "http://bridge:8181"
        )
        self.assertEqual(params.get_param("ev_billing.bridge_command_token"), "tok")

    def _assert_no_clear_secret(self, table, secret):
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT * FROM %s", SQL.identifier(table)))
        self.assertNotIn(secret, repr(self.env.cr.fetchall()))

    def test_manager_cannot_touch_bridge_access(self):
        with self.assertRaises(AccessError):
            self.env["ev.bridge.setup.wizard"].with_user(self.user_manager).create(
                {}
            ).action_generate_api_key()


@tagged("post_install", "-at_install")
class TestEvChargerSetting(EvBillingCommon):
    def _wizard(self, user, **values):
        return (
            self.env["ev.charger.setting.wizard"]
            .with_user(user)
            .create(dict(values, charger_id=self.charger_1.id))
        )

    def test_current_limit_is_a_default_charging_profile(self):
        wizard = self._wizard(
            self.user_manager,
            setting="current_limit",
            connector_number=2,
            limit_amps=16,
        )
        action, payload = wizard._ocpp_command()
        self.assertEqual(action, "set_charging_profile")
        self.assertEqual(payload["connector_id"], 2)
        profile = payload["cs_charging_profiles"]
        self.assertEqual(profile["charging_profile_purpose"], "TxDefaultProfile")
        self.assertEqual(
            profile["charging_schedule"]["charging_schedule_period"],
            [{"start_period": 0, "limit": 16.0}],
        )

    def test_bad_settings_and_lower_levels_are_refused(self):
        with self.assertRaises(UserError):
            self._wizard(self.user_manager, setting="configuration")._ocpp_command()
        with self.assertRaises(UserError):
            self._wizard(
                self.user_manager, setting="current_limit", limit_amps=0
            )._ocpp_command()
        with self.assertRaises(AccessError):
            self._wizard(self.user_operator, key="HeartbeatInterval", value="60")
