from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import EvBillingCommon


@tagged("post_install", "-at_install")
class TestEvStation(EvBillingCommon):
    """Stations, chargers and connectors: master data rules and views."""

    def test_station_code_unique_per_company(self):
        with self.assertRaises(ValidationError):
            self.env["ev.station"].create(
                {"name": "Same code", "code": "tst", "company_id": self.company.id}
            )
        other_company = self.env["res.company"].create({"name": "Other EV Company"})
        other = self.env["ev.station"].create(
            {"name": "Other", "code": "TST", "company_id": other_company.id}
        )
        self.assertEqual(other.code, "TST")
        # a station in the Trash still holds its code
        self.station.with_user(self.user_manager).unlink()
        with self.assertEvDuplicateRefused():
            self.env["ev.station"].create(
                {"name": "Reuse", "code": "TST", "company_id": self.company.id}
            )

    def test_station_states_and_counts(self):
        self.assertEqual(self.station.charger_count, 2)
        self.assertEqual(self.station.connector_count, 3)
        self.assertEqual(self.station.connector_available_count, 0)
        self.connector_1_1._set_ocpp_status("Available")
        self.assertEqual(self.station.connector_available_count, 1)
        station = self.station.with_user(self.user_manager)
        station.action_maintenance()
        self.assertEqual(self.station.state, "maintenance")
        station.action_close()
        self.assertEqual(self.station.state, "closed")
        station.action_open()
        self.assertEqual(self.station.state, "open")
        action = station.action_view_chargers()
        self.assertEqual(
            self.env["ev.charger"].search(action["domain"]),
            self.charger_1 | self.charger_2,
        )
        self.assertEqual(self.station.tz, "Asia/Bangkok")

    def test_charger_identity_unique_and_clean(self):
        with self.assertEvDuplicateRefused():
            self.env["ev.charger"].create(
                {"name": "Dup", "identity": "TST-CP-001", "station_id": self.station.id}
            )
        for bad in (" CP-1", "CP-1 ", "CP/1"):
            with self.subTest(identity=bad), self.assertRaises(ValidationError):
                self.env["ev.charger"].create(
                    {"name": "Bad", "identity": bad, "station_id": self.station.id}
                )
        # a charger in the Trash keeps its identity
        self.charger_2.with_user(self.user_manager).unlink()
        with self.assertEvDuplicateRefused():
            self.env["ev.charger"].create(
                {
                    "name": "Reuse",
                    "identity": "TST-CP-002",
                    "station_id": self.station.id,
                }
            )

    def test_charger_company_follows_station(self):
        self.assertEqual(self.charger_1.company_id, self.company)
        self.assertEqual(self.connector_1_1.company_id, self.company)
        self.assertEqual(self.connector_1_1.station_id, self.station)
        self.assertEqual(self.connector_1_2.name, "Test Wallbox 1 #2")

    def test_connector_numbers(self):
        with self.assertEvDuplicateRefused():
            self.env["ev.connector"].create(
                {"charger_id": self.charger_1.id, "connector_number": 2}
            )
        with self.assertEvDuplicateRefused():
            self.env["ev.connector"].create(
                {"charger_id": self.charger_1.id, "connector_number": 0}
            )
        third = self.env["ev.connector"].create(
            {"charger_id": self.charger_1.id, "connector_number": 3}
        )
        self.assertEqual(self.charger_1.connector_count, 3)
        self.assertTrue(third.access_token)
        self.assertNotEqual(third.access_token, self.connector_1_1.access_token)

    def test_connector_status_ignores_older_notifications(self):
        now = fields.Datetime.now()
        self.connector_1_1._set_ocpp_status("Charging", timestamp=now)
        self.assertTrue(self.connector_1_1.is_occupied)
        self.connector_1_1._set_ocpp_status(
            "Available", timestamp=now - timedelta(seconds=5)
        )
        self.assertEqual(self.connector_1_1.status, "Charging")
        self.connector_1_1._set_ocpp_status(
            "Faulted", error_code="GroundFailure", timestamp=now + timedelta(seconds=5)
        )
        self.assertEqual(self.connector_1_1.status, "Faulted")
        self.assertEqual(self.connector_1_1.error_code, "GroundFailure")
        self.assertFalse(self.connector_1_1.is_occupied)

    def test_silent_chargers(self):
        now = fields.Datetime.now()
        self.charger_1.write(
            {
                "online": True,
                "last_heartbeat": now - timedelta(hours=1),
                "heartbeat_interval": 60,
            }
        )
        self.charger_2.write(
            {"online": True, "last_heartbeat": now, "heartbeat_interval": 60}
        )
        self.assertTrue(self.charger_1.is_stale)
        self.assertFalse(self.charger_2.is_stale)
        ours = self.charger_1 | self.charger_2
        self.assertEqual(
            self.env["ev.charger"].search(
                [("is_stale", "=", True), ("id", "in", ours.ids)]
            ),
            self.charger_1,
        )
        self.assertEqual(
            self.env["ev.charger"].search(
                [("is_stale", "=", False), ("id", "in", ours.ids)]
            ),
            self.charger_2,
        )

    def test_master_data_views(self):
        """Each master-data model has list, form, kanban (where the issue asks) and
        search views that load for a Viewer."""
        expected = {
            "ev.station": ("list", "form", "kanban", "search"),
            "ev.charger": ("list", "form", "kanban", "search"),
            "ev.connector": ("list", "form", "kanban", "search"),
            "ev.id.tag": ("list", "form", "kanban", "search"),
            "ev.trash": ("list", "form", "search"),
        }
        for model, view_types in expected.items():
            result = (
                self.env[model]
                .with_user(self.user_viewer)
                .get_views([(False, vt) for vt in view_types])
            )
            for view_type in view_types:
                with self.subTest(model=model, view_type=view_type):
                    view_id = result["views"][view_type]["id"]
                    self.assertTrue(view_id)
                    self.assertEqual(
                        self.env["ir.ui.view"].browse(view_id).model, model
                    )
                    self.assertEqual(
                        self.env["ir.model.data"]
                        .search(
                            [("model", "=", "ir.ui.view"), ("res_id", "=", view_id)]
                        )
                        .module,
                        "ev_billing",
                    )
        for action_xmlid in (
            "ev_station_action",
            "ev_charger_action",
            "ev_id_tag_action",
            "ev_trash_action",
            "res_partner_action_ev_driver",
            "res_users_action_ev_admin",
            "ev_connector_overview_action",
        ):
            with self.subTest(action=action_xmlid):
                self.assertTrue(self.env.ref(f"ev_billing.{action_xmlid}").exists())
