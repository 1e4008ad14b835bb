from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import EvBillingCommon


@tagged("post_install", "-at_install")
class TestEvAdminLevels(EvBillingCommon):
    """The four EV admin levels form one chain; each level may do what the issue lists,
    no more."""

    def test_levels_form_one_chain(self):
        expected = {
            self.user_viewer: "viewer",
            self.user_operator: "operator",
            self.user_manager: "manager",
            self.user_admin: "administrator",
        }
        for user, level in expected.items():
            self.assertEqual(user.ev_admin_level, level, user.login)
            # every level implies the ones before it
            self.assertTrue(user.has_group("ev_billing.group_ev_viewer"), user.login)
        self.assertFalse(self.user_internal.ev_admin_level)
        self.assertFalse(self.user_viewer.has_group("ev_billing.group_ev_operator"))
        self.assertFalse(self.user_operator.has_group("ev_billing.group_ev_manager"))
        self.assertFalse(self.user_manager.has_group("ev_billing.group_ev_admin"))
        self.assertTrue(self.user_admin.has_group("ev_billing.group_ev_manager"))
        self.assertTrue(self.user_admin.has_group("ev_billing.group_ev_operator"))

    def test_viewer_reads_everything_and_writes_nothing(self):
        env = self.env(user=self.user_viewer)
        # monitoring: the viewer sees stations, chargers, connectors, cards and drivers
        self.assertEqual(
            env["ev.station"].search([("id", "=", self.station.id)]).name,
            "Test Station",
        )
        self.assertEqual(
            len(env["ev.charger"].search([("station_id", "=", self.station.id)])), 2
        )
        self.assertEqual(
            len(env["ev.connector"].search([("station_id", "=", self.station.id)])), 3
        )
        self.assertEqual(env["ev.id.tag"].browse(self.tag_1.id).tag, "AA000001")
        self.assertTrue(env["res.partner"].browse(self.driver_1.id).ev_is_driver)

        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.station"].browse(self.station.id).write(
                {"name": "Renamed by viewer"}
            )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.charger"].browse(self.charger_1.id).write({"max_power_kw": 50})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.connector"].browse(self.connector_1_1.id).write(
                {"max_power_kw": 50}
            )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.id.tag"].browse(self.tag_1.id).write({"status": "Blocked"})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.id.tag"].create({"tag": "CC000003", "partner_id": self.driver_1.id})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["res.partner"].create(
                {
                    "name": "Driver by viewer",
                    "mobile": "0811111111",
                    "ev_is_driver": True,
                }
            )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["res.partner"].browse(self.driver_1.id).write({"ev_tier": "vip"})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.station"].browse(self.station.id).unlink()
        self.assertEqual(self.station.name, "Test Station")
        self.assertEqual(self.tag_1.status, "Accepted")
        self.assertEqual(self.driver_1.ev_tier, "member")

    def test_operator_manages_drivers_and_cards(self):
        env = self.env(user=self.user_operator)
        driver = env["res.partner"].create(
            {
                "name": "Driver by operator",
                "mobile": "+66 82 222 2222",
                "ev_is_driver": True,
                "ev_id_tag_ids": [Command.create({"tag": "op 00 01", "name": "Fob"})],
            }
        )
        self.assertEqual(driver.ev_id_tag_ids.tag, "OP0001")
        card = env["ev.id.tag"].create({"tag": "op0002", "partner_id": driver.id})
        card.action_block()
        self.assertEqual(card.status, "Blocked")
        card.action_unblock()
        self.assertEqual(card.status, "Accepted")
        env["ev.id.tag"].browse(self.tag_2.id).write({"partner_id": driver.id})
        self.assertEqual(self.tag_2.partner_id, driver)
        self.assertEqual(driver.ev_id_tag_count, 3)

    def test_operator_cannot_change_stations_or_chargers(self):
        env = self.env(user=self.user_operator)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.station"].browse(self.station.id).write(
                {"name": "Renamed by operator"}
            )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.station"].browse(self.station.id).action_close()
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.station"].create({"name": "Station by operator", "code": "OPS"})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.charger"].create(
                {
                    "name": "Charger by operator",
                    "identity": "OP-CP-1",
                    "station_id": self.station.id,
                }
            )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.charger"].browse(self.charger_1.id).unlink()
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.connector"].create(
                {"charger_id": self.charger_2.id, "connector_number": 2}
            )
        self.assertEqual(self.station.state, "open")
        self.assertFalse(self.charger_1.ev_trashed)
        self.assertEqual(self.charger_2.connector_count, 1)

    def test_manager_manages_stations_chargers_connectors(self):
        env = self.env(user=self.user_manager)
        station = env["ev.station"].create({"name": "Manager Station", "code": "MGR"})
        self.assertEqual(station.company_id, self.company)
        charger = env["ev.charger"].create(
            {
                "name": "Manager Charger",
                "identity": "MGR-CP-1",
                "station_id": station.id,
            }
        )
        env["ev.connector"].create({"charger_id": charger.id, "connector_number": 1})
        station.action_open()
        self.assertEqual(station.state, "open")
        self.assertEqual(station.connector_count, 1)
        env["ev.station"].browse(self.station.id).write({"name": "Renamed by manager"})
        self.assertEqual(self.station.name, "Renamed by manager")

    def test_manager_cannot_do_administrator_work(self):
        env = self.env(user=self.user_manager)
        charger = env["ev.charger"].browse(self.charger_1.id)
        with self.assertRaises(AccessError):
            charger.set_password("s3cret-pass")
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            charger.read(["password_hash"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.charger.password.wizard"].create(
                {"charger_id": charger.id, "password": "x"}
            )
        # managing EV admins is for Administrators
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["res.users"].create(
                {
                    "name": "Admin by manager",
                    "login": "admin_by_manager",
                    "groups_id": [
                        Command.set([self.env.ref("ev_billing.group_ev_operator").id])
                    ],
                }
            )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["res.users"].browse(self.user_operator.id).write(
                {
                    "groups_id": [
                        Command.link(self.env.ref("ev_billing.group_ev_admin").id)
                    ],
                }
            )
        self.assertFalse(self.charger_1.has_password)
        self.assertEqual(self.user_operator.ev_admin_level, "operator")

    def test_administrator_sets_passwords_and_manages_admins(self):
        env = self.env(user=self.user_admin)
        charger = env["ev.charger"].browse(self.charger_1.id)
        wizard = env["ev.charger.password.wizard"].create(
            {"charger_id": charger.id, "password": "bridge-pass-1"}
        )
        wizard.action_apply()
        self.assertTrue(charger.has_password)
        self.assertTrue(self.charger_1._check_password("bridge-pass-1"))
        self.assertFalse(self.charger_1._check_password("wrong"))
        self.assertNotIn("bridge-pass-1", charger.password_hash)

        new_admin = env["res.users"].create(
            {
                "name": "New Operator",
                "login": "ev_new_operator",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [
                    Command.set([self.env.ref("ev_billing.group_ev_operator").id])
                ],
            }
        )
        self.assertEqual(new_admin.ev_admin_level, "operator")
        new_admin.write(
            {
                "groups_id": [
                    Command.link(self.env.ref("ev_billing.group_ev_manager").id)
                ]
            }
        )
        self.assertEqual(new_admin.ev_admin_level, "manager")

    def test_plain_internal_user_has_no_ev_access(self):
        env = self.env(user=self.user_internal)
        for model in (
            "ev.station",
            "ev.charger",
            "ev.connector",
            "ev.id.tag",
            "ev.trash",
        ):
            with (
                self.subTest(model=model),
                self.assertRaises(AccessError),
                mute_logger("odoo.models"),
            ):
                env[model].search([])

    def test_menus_per_level(self):
        Menu = self.env["ir.ui.menu"]
        root = self.env.ref("ev_billing.menu_ev_root")
        admins = self.env.ref("ev_billing.menu_ev_admins")
        drivers = self.env.ref("ev_billing.menu_ev_drivers")
        self.assertNotIn(
            root.id, Menu.with_user(self.user_internal)._visible_menu_ids()
        )
        viewer_menus = Menu.with_user(self.user_viewer)._visible_menu_ids()
        self.assertIn(root.id, viewer_menus)
        self.assertIn(drivers.id, viewer_menus)
        self.assertNotIn(admins.id, viewer_menus)
        self.assertNotIn(
            admins.id, Menu.with_user(self.user_manager)._visible_menu_ids()
        )
        self.assertIn(admins.id, Menu.with_user(self.user_admin)._visible_menu_ids())


@tagged("post_install", "-at_install")
class TestEvAdminList(EvBillingCommon):
    """Management › Admins lists EV admins with their level (searchable) and last
    login."""

    def test_search_by_level(self):
        Users = self.env["res.users"].with_context(active_test=False)
        ours = (
            self.user_viewer
            | self.user_operator
            | self.user_manager
            | self.user_admin
            | self.user_internal
        )
        for level, user in (
            ("viewer", self.user_viewer),
            ("operator", self.user_operator),
            ("manager", self.user_manager),
            ("administrator", self.user_admin),
        ):
            found = Users.search(
                [("ev_admin_level", "=", level), ("id", "in", ours.ids)]
            )
            self.assertEqual(found, user, level)
        any_level = Users.search(
            [("ev_admin_level", "!=", False), ("id", "in", ours.ids)]
        )
        self.assertEqual(any_level, ours - self.user_internal)

    def test_admins_action_lists_ev_admins_with_last_login(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.res_users_action_ev_admin"
        )
        domain = safe_eval(action["domain"])
        listed = self.env["res.users"].with_user(self.user_admin).search(domain)
        self.assertIn(self.user_viewer, listed)
        self.assertIn(self.user_admin, listed)
        self.assertNotIn(self.user_internal, listed)
        # the Trash keeps an archived admin out of the list
        self.user_viewer.with_user(self.user_admin).unlink()
        self.assertNotIn(
            self.user_viewer,
            self.env["res.users"].with_user(self.user_admin).search(domain),
        )

        list_view = self.env.ref("ev_billing.res_users_view_list_ev_admin")
        views = (
            self.env["res.users"]
            .with_user(self.user_admin)
            .get_views([(list_view.id, "list")])
        )
        arch = views["views"]["list"]["arch"]
        self.assertIn('name="ev_admin_level"', arch)
        self.assertIn('name="login_date"', arch)

        # login_date is the last authentication
        self.env["res.users.log"].with_user(self.user_operator).sudo().create({})
        self.user_operator.invalidate_recordset(["login_date"])
        self.assertTrue(self.user_operator.login_date)
        self.assertFalse(self.user_manager.login_date)


@tagged("post_install", "-at_install")
class TestEvMultiCompany(EvBillingCommon):
    """A user of company B sees none of company A's stations, chargers, connectors or
    cards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "EV Company B"})
        cls.user_manager_b = new_test_user(
            cls.env,
            login="ev_manager_b",
            groups="ev_billing.group_ev_manager",
            name="Manager B",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.station_b = cls.env["ev.station"].create(
            {"name": "Station B", "code": "TST", "company_id": cls.company_b.id}
        )
        cls.charger_b = cls.env["ev.charger"].create(
            {"name": "Charger B", "identity": "B-CP-1", "station_id": cls.station_b.id}
        )
        cls.connector_b = cls.env["ev.connector"].create(
            {"charger_id": cls.charger_b.id, "connector_number": 1}
        )
        cls.tag_b = cls.env["ev.id.tag"].create(
            {"tag": "BCOMP001", "company_id": cls.company_b.id}
        )

    def _env_b(self):
        return self.env(
            user=self.user_manager_b,
            context=dict(self.env.context, allowed_company_ids=self.company_b.ids),
        )

    def test_company_b_sees_only_its_records(self):
        env = self._env_b()
        self.assertEqual(env["ev.station"].search([]), self.station_b)
        self.assertEqual(env["ev.charger"].search([]), self.charger_b)
        self.assertEqual(env["ev.connector"].search([]), self.connector_b)
        self.assertNotIn(self.tag_1.id, env["ev.id.tag"].search([]).ids)
        self.assertIn(self.tag_b.id, env["ev.id.tag"].search([]).ids)
        for record in (self.station, self.charger_1, self.connector_1_1, self.tag_1):
            with (
                self.subTest(model=record._name),
                self.assertRaises(AccessError),
                mute_logger("odoo.models"),
            ):
                env[record._name].browse(record.id).read(["display_name"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.station"].browse(self.station.id).write({"name": "Hijacked"})

    def test_company_a_does_not_see_company_b(self):
        env = self.env(user=self.user_manager)
        self.assertNotIn(self.station_b, env["ev.station"].search([]))
        self.assertNotIn(self.charger_b, env["ev.charger"].search([]))
        self.assertNotIn(self.connector_b, env["ev.connector"].search([]))
        self.assertNotIn(self.tag_b.id, env["ev.id.tag"].search([]).ids)

    def test_charger_must_belong_to_users_company(self):
        env = self._env_b()
        # AccessError is a UserError: either the record rule or the company check
        # refuses it
        with self.assertRaises(UserError), mute_logger("odoo.models"):
            env["ev.charger"].create(
                {"name": "Sneaky", "identity": "B-CP-2", "station_id": self.station.id}
            )
        self.assertFalse(self.env["ev.charger"].search([("identity", "=", "B-CP-2")]))

    def test_trash_is_per_company(self):
        self._env_b()["ev.station"].browse(self.station_b.id).unlink()
        self.assertTrue(self._ev_trash_entry(self.station_b))
        self.assertFalse(
            self.env["ev.trash"]
            .with_user(self.user_manager)
            .search([("res_model", "=", "ev.station")])
        )
        self.assertEqual(
            self._env_b()["ev.trash"].search([("res_model", "=", "ev.station")]).res_id,
            self.station_b.id,
        )


@tagged("post_install", "-at_install")
class TestEvPortal(EvBillingCommon):
    """A driver logs in with their phone number and sees only their own cards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.driver_1.with_user(cls.user_operator).action_ev_grant_portal()
        cls.driver_2.with_user(cls.user_operator).action_ev_grant_portal()
        cls.portal_1 = cls.driver_1.with_context(active_test=False).user_ids
        cls.portal_2 = cls.driver_2.with_context(active_test=False).user_ids

    def test_grant_portal_uses_normalised_phone_as_login(self):
        self.assertEqual(len(self.portal_1), 1)
        self.assertEqual(self.portal_1.login, "+66810000001")
        self.assertEqual(self.portal_2.login, "+66810000002")
        self.assertTrue(self.portal_1.share)
        self.assertTrue(self.portal_1.has_group("base.group_portal"))
        self.assertFalse(self.portal_1.has_group("base.group_user"))
        self.assertEqual(self.driver_1.ev_portal_login, "+66810000001")
        # granting again re-uses the same user
        self.driver_1.with_user(self.user_operator).action_ev_grant_portal()
        self.assertEqual(
            self.driver_1.with_context(active_test=False).user_ids, self.portal_1
        )

    def test_grant_portal_refuses_bad_or_taken_phone(self):
        no_phone = self.env["res.partner"].create(
            {"name": "Phoneless", "mobile": "12", "ev_is_driver": True}
        )
        with self.assertRaises(UserError):
            no_phone.with_user(self.user_operator).action_ev_grant_portal()
        twin = self.env["res.partner"].create(
            {"name": "Twin", "mobile": "+66-81-000-0001", "ev_is_driver": True}
        )
        with self.assertRaises(UserError):
            twin.with_user(self.user_operator).action_ev_grant_portal()
        self.assertFalse(twin.with_context(active_test=False).user_ids)

    def test_viewer_cannot_grant_portal(self):
        driver = self.env["res.partner"].create(
            {"name": "Not yet", "mobile": "0899999999", "ev_is_driver": True}
        )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            driver.with_user(self.user_viewer).action_ev_grant_portal()
        self.assertFalse(driver.with_context(active_test=False).user_ids)

    def test_portal_driver_sees_only_own_cards(self):
        env = self.env(user=self.portal_1)
        self.assertEqual(env["ev.id.tag"].search([]), self.tag_1)
        self.assertEqual(env["ev.id.tag"].browse(self.tag_1.id).tag, "AA000001")
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.id.tag"].browse(self.tag_2.id).read(["tag"])
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.id.tag"].browse(self.tag_1.id).write(
                {"status": "Accepted", "partner_id": self.driver_2.id}
            )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.id.tag"].create({"tag": "PORTAL01", "partner_id": self.driver_1.id})
        self.assertEqual(
            self.env(user=self.portal_2)["ev.id.tag"].search([]), self.tag_2
        )

    def test_portal_driver_has_no_backend_ev_access(self):
        env = self.env(user=self.portal_1)
        for model in ("ev.station", "ev.charger", "ev.connector", "ev.trash"):
            with (
                self.subTest(model=model),
                self.assertRaises(AccessError),
                mute_logger("odoo.models"),
            ):
                env[model].search([])
