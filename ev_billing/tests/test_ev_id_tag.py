from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import EvBillingCommon


@tagged("post_install", "-at_install")
class TestEvIdTag(EvBillingCommon):
    """RFID card UIDs are normalised (case, spaces) and unique."""

    def test_tag_is_normalised_on_create_and_write(self):
        card = self.env["ev.id.tag"].create(
            {"tag": "  0f a1 b2\tc3 ", "partner_id": self.driver_1.id}
        )
        self.assertEqual(card.tag, "0FA1B2C3")
        card.write({"tag": "de ad be ef"})
        self.assertEqual(card.tag, "DEADBEEF")
        self.assertEqual(card.display_name, "DEADBEEF")

    def test_tag_is_unique_whatever_case_and_spaces(self):
        for variant in ("AA000001", "aa000001", " aa 00 00 01 ", "Aa00 0001"):
            with self.subTest(variant=variant), self.assertEvDuplicateRefused():
                self.env["ev.id.tag"].create(
                    {"tag": variant, "partner_id": self.driver_2.id}
                )
        with self.assertEvDuplicateRefused():
            self.tag_2.write({"tag": "aa 000001"})
        self.tag_2.invalidate_recordset()
        self.assertEqual(self.tag_2.tag, "BB000002")
        self.assertEqual(
            self.env["ev.id.tag"].search_count([("tag", "=", "AA000001")]), 1
        )

    def test_archived_card_still_holds_its_tag(self):
        self.tag_1.active = False
        with self.assertEvDuplicateRefused():
            self.env["ev.id.tag"].create(
                {"tag": "aa000001", "partner_id": self.driver_2.id}
            )

    def test_unique_in_database_too(self):
        # the SQL constraint backs the Python one (e.g. two cards created in concurrent
        # transactions)
        self.env.flush_all()
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.env.cr.execute(
                "INSERT INTO ev_id_tag (tag, status, active, create_date, write_date) "
                "VALUES ('AA000001', 'Accepted', true, now(), now())"
            )

    def test_tag_length(self):
        with self.assertRaises(ValidationError):
            self.env["ev.id.tag"].create({"tag": "   ", "partner_id": self.driver_1.id})
        with self.assertRaises(ValidationError):
            self.env["ev.id.tag"].create(
                {"tag": "A" * 21, "partner_id": self.driver_1.id}
            )
        self.assertEqual(self.env["ev.id.tag"].create({"tag": "b" * 20}).tag, "B" * 20)

    def test_ocpp_status(self):
        now = fields.Datetime.now()
        self.assertEqual(self.tag_1._ocpp_status(), "Accepted")
        self.tag_1.expiry_date = now - timedelta(days=1)
        self.assertEqual(self.tag_1._ocpp_status(), "Expired")
        self.tag_1.expiry_date = now + timedelta(days=1)
        self.assertEqual(self.tag_1._ocpp_status(), "Accepted")
        self.tag_1.action_block()
        self.assertEqual(self.tag_1._ocpp_status(), "Blocked")
        self.tag_1.action_unblock()
        self.tag_1.active = False
        self.assertEqual(self.tag_1._ocpp_status(), "Invalid")
        unassigned = self.env["ev.id.tag"].create({"tag": "FREE0001"})
        self.assertEqual(unassigned._ocpp_status(), "Invalid")


@tagged("post_install", "-at_install")
class TestEvDriver(EvBillingCommon):
    """An Operator adds a driver (partner with ev_is_driver and a phone) and assigns
    RFID cards."""

    def test_operator_adds_driver_and_card_in_the_form(self):
        Partner = (
            self.env["res.partner"]
            .with_user(self.user_operator)
            .with_context(default_ev_is_driver=True)
        )
        with Form(Partner, view="base.view_partner_form") as form:
            form.name = "Form Driver"
            form.mobile = "+66 85 555 0000"
            self.assertTrue(form.ev_is_driver)
            with form.ev_id_tag_ids.new() as card:
                card.tag = " 0a 0b 0c 0d "
                card.name = "Lobby fob"
        driver = form.record
        self.assertTrue(driver.ev_is_driver)
        self.assertEqual(driver.ev_tier, "member")
        self.assertEqual(driver.ev_id_tag_ids.mapped("tag"), ["0A0B0C0D"])
        self.assertEqual(driver.ev_id_tag_ids.partner_id, driver)
        self.assertEqual(driver.ev_id_tag_count, 1)
        action = driver.action_ev_view_id_tags()
        self.assertEqual(
            self.env["ev.id.tag"].search(action["domain"]), driver.ev_id_tag_ids
        )

    def test_driver_needs_a_phone(self):
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(
                {"name": "No Phone Driver", "ev_is_driver": True}
            )
        with self.assertRaises(ValidationError):
            self.driver_1.write({"mobile": False, "phone": False})
        # a contact that is not a driver needs none
        self.assertTrue(self.env["res.partner"].create({"name": "Just a contact"}))
        self.assertTrue(
            self.env["res.partner"].create(
                {"name": "Phone only", "phone": "021234567", "ev_is_driver": True}
            )
        )

    def test_drivers_action_lists_only_drivers(self):
        contact = self.env["res.partner"].create({"name": "Not a driver"})
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.res_partner_action_ev_driver"
        )
        found = (
            self.env["res.partner"]
            .with_user(self.user_operator)
            .search(safe_eval(action["domain"]))
        )
        self.assertIn(self.driver_1, found)
        self.assertNotIn(contact, found)
        # search drivers by card UID from the drivers' search view
        by_card = self.env["res.partner"].search(
            [("ev_is_driver", "=", True), ("ev_id_tag_ids.tag", "ilike", "bb0000")]
        )
        self.assertEqual(by_card, self.driver_2)
