from odoo import models
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import EvBillingCommon


@tagged("post_install", "-at_install")
class TestEvTrash(EvBillingCommon):
    """Deleting a station, charger, driver or EV admin files it in the Trash; nothing is
    purged."""

    def assertTrashed(self, record, by_user):
        """``record`` left the normal lists, kept its row, and is in the Trash, deleted
        by ``by_user``."""
        self.assertTrue(
            self._ev_row_exists(record), f"{record} was removed from the database"
        )
        record.invalidate_recordset()
        Model = self.env[record._name]
        self.assertNotIn(record, Model.search([("id", "=", record.id)]))
        self.assertIn(
            record,
            Model.with_context(active_test=False).search([("id", "=", record.id)]),
        )
        self.assertFalse(record.active)
        self.assertTrue(record.ev_trashed)
        self.assertEqual(record.ev_trashed_by_id, by_user)
        self.assertTrue(record.ev_trashed_date)
        entry = self._ev_trash_entry(record)
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.trashed_by_id, by_user)
        self.assertEqual(entry.trashed_date, record.ev_trashed_date)
        self.assertEqual(entry.name, record.display_name)
        self.assertEqual(entry.state, "trashed")
        return entry

    def test_manager_deletes_station(self):
        self.assertTrue(self.station.with_user(self.user_manager).unlink())
        entry = self.assertTrashed(self.station, self.user_manager)
        self.assertEqual(entry.company_id, self.company)
        self.assertEqual(entry.res_model_name, "EV Charging Station")
        # the Trash entry is visible to every EV level of the company
        self.assertEqual(
            self.env["ev.trash"]
            .with_user(self.user_viewer)
            .search([("id", "=", entry.id)]),
            entry,
        )

    def test_manager_deletes_charger_and_its_connectors_leave_the_lists(self):
        self.charger_1.with_user(self.user_manager).unlink()
        self.assertTrashed(self.charger_1, self.user_manager)
        self.assertEqual(
            self.env["ev.connector"].search([("station_id", "=", self.station.id)]),
            self.connector_2_1,
        )
        self.assertTrue(self._ev_row_exists(self.connector_1_1))

    def test_operator_deletes_driver(self):
        self.driver_1.with_user(self.user_operator).unlink()
        self.assertTrashed(self.driver_1, self.user_operator)
        # the cards stay, still pointing at the driver
        self.assertEqual(self.tag_1.partner_id, self.driver_1)

    def test_operator_deletes_driver_with_portal_access(self):
        self.driver_1.with_user(self.user_operator).action_ev_grant_portal()
        portal_user = self.driver_1.user_ids
        self.assertTrue(portal_user)
        self.driver_1.with_user(self.user_operator).unlink()
        self.assertTrashed(self.driver_1, self.user_operator)
        self.assertFalse(
            portal_user.active, "a driver in the Trash must not log in any more"
        )
        self.assertTrue(self._ev_row_exists(portal_user))
        # restoring the driver gives the portal login back
        self._ev_trash_entry(self.driver_1).with_user(
            self.user_manager
        ).action_restore()
        self.assertTrue(self.driver_1.active)
        self.assertTrue(portal_user.active)

    def test_administrator_deletes_ev_admin(self):
        self.user_operator.with_user(self.user_admin).unlink()
        entry = self.assertTrashed(self.user_operator, self.user_admin)
        self.assertEqual(entry.res_model, "res.users")
        # an archived admin is not listed among the EV admins
        self.assertNotIn(
            self.user_operator,
            self.env["res.users"].search([("ev_admin_level", "!=", False)]),
        )

    def test_levels_below_cannot_delete(self):
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.station.with_user(self.user_operator).unlink()
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.charger_1.with_user(self.user_viewer).unlink()
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.driver_1.with_user(self.user_viewer).unlink()
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.user_viewer.with_user(self.user_manager).unlink()
        for record in (self.station, self.charger_1, self.driver_1, self.user_viewer):
            self.assertTrue(record.active)
            self.assertFalse(record.ev_trashed)
            self.assertFalse(self._ev_trash_entry(record))

    def test_manager_restores(self):
        self.station.with_user(self.user_manager).unlink()
        self.charger_2.with_user(self.user_manager).unlink()
        entries = self._ev_trash_entry(self.station) | self._ev_trash_entry(
            self.charger_2
        )
        entries.with_user(self.user_manager).action_restore()
        for record in (self.station, self.charger_2):
            self.assertTrue(record.active)
            self.assertFalse(record.ev_trashed)
            self.assertFalse(record.ev_trashed_by_id)
        self.assertIn(self.connector_2_1, self.env["ev.connector"].search([]))
        for entry in entries:
            self.assertEqual(entry.state, "restored")
            self.assertEqual(entry.restored_by_id, self.user_manager)
            self.assertTrue(entry.restored_date)
        # deleted again: a second entry, the history stays
        self.station.with_user(self.user_manager).unlink()
        self.assertEqual(
            self.env["ev.trash"].search_count(
                [("res_model", "=", "ev.station"), ("res_id", "=", self.station.id)]
            ),
            2,
        )

    def test_manager_restores_ev_admin(self):
        self.user_viewer.with_user(self.user_admin).unlink()
        self._ev_trash_entry(self.user_viewer).with_user(
            self.user_manager
        ).action_restore()
        self.assertTrue(self.user_viewer.active)
        self.assertEqual(self.user_viewer.ev_admin_level, "viewer")

    def test_operator_cannot_restore(self):
        self.driver_2.with_user(self.user_operator).unlink()
        entry = self._ev_trash_entry(self.driver_2)
        for user in (self.user_operator, self.user_viewer):
            with (
                self.subTest(user=user.login),
                self.assertRaises(AccessError),
                mute_logger("odoo.models"),
            ):
                entry.with_user(user).action_restore()
        self.assertEqual(entry.state, "trashed")
        self.assertFalse(self.driver_2.active)

    def test_nobody_purges_a_trashed_record(self):
        self.station.with_user(self.user_manager).unlink()
        self.driver_1.with_user(self.user_operator).unlink()
        self.user_viewer.with_user(self.user_admin).unlink()
        for record in (self.station, self.driver_1, self.user_viewer):
            for env in (
                self.env(user=self.user_admin),
                self.env(user=self.user_manager),
                self.env(su=True),
            ):
                with (
                    self.subTest(model=record._name, user=env.user.login, su=env.su),
                    self.assertRaises(UserError),
                ):
                    env[record._name].with_context(active_test=False).browse(
                        record.id
                    ).unlink()
            self.assertTrue(self._ev_row_exists(record))
            self.assertEqual(len(self._ev_trash_entry(record)), 1)

    def test_purge_is_refused_even_past_the_trash_override(self):
        # A module whose unlink skips the Trash override still meets the ondelete guard.
        self.charger_1.with_user(self.user_manager).unlink()
        with self.assertRaises(UserError):
            models.Model.unlink(self.charger_1.sudo())
        self.assertTrue(self._ev_row_exists(self.charger_1))

    def test_nobody_deletes_or_edits_a_trash_entry(self):
        self.station.with_user(self.user_manager).unlink()
        entry = self._ev_trash_entry(self.station)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            entry.with_user(self.user_admin).unlink()
        with self.assertRaises(UserError), mute_logger("odoo.models"):
            entry.with_user(self.user_admin).write(
                {"trashed_by_id": self.user_viewer.id}
            )
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            entry.with_user(self.user_admin).write({"state": "restored"})
        with self.assertRaises(UserError):
            entry.sudo().unlink()
        with self.assertRaises(UserError):
            self.env(su=True)["ev.trash"].browse(entry.id).unlink()
        self.assertTrue(self._ev_row_exists(entry))
        self.assertEqual(entry.trashed_by_id, self.user_manager)

    def test_non_ev_records_delete_normally(self):
        contact = self.env["res.partner"].create({"name": "Ordinary contact"})
        contact.with_user(self.user_operator).unlink()
        self.assertFalse(self._ev_row_exists(contact))
        plain = new_test_user(
            self.env, login="plain_to_delete", groups="base.group_user"
        )
        plain.with_user(self.user_admin).unlink()
        self.assertFalse(self._ev_row_exists(plain))
        self.assertFalse(
            self.env["ev.trash"].search(
                [
                    ("res_id", "in", [contact.id, plain.id]),
                    ("res_model", "in", ["res.partner", "res.users"]),
                ]
            )
        )

    def test_mixed_delete_trashes_drivers_and_deletes_contacts(self):
        contact = self.env["res.partner"].create({"name": "Ordinary contact"})
        (contact | self.driver_2).with_user(self.user_operator).unlink()
        self.assertFalse(self._ev_row_exists(contact))
        self.assertTrashed(self.driver_2, self.user_operator)


@tagged("post_install", "-at_install")
class TestEvTrashRpc(HttpCase, EvBillingCommon):
    """Deleting through RPC (`/web/dataset/call_kw` unlink, what the UI does) also goes
    to the Trash."""

    def _call_kw(self, model, method, ids, kwargs=None):
        try:
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": model,
                    "method": method,
                    "args": [ids],
                    "kwargs": kwargs or {},
                },
            )
        finally:
            # the request ran in its own cursor on this transaction: drop what this env
            # cached
            self.env.invalidate_all()

    def test_rpc_unlink_goes_to_trash_and_purge_is_refused(self):
        cases = [
            ("ev_manager", self.station),
            ("ev_manager", self.charger_2),
            ("ev_operator", self.driver_2),
            ("ev_admin", self.user_viewer),
        ]
        for login, record in cases:
            with self.subTest(model=record._name, login=login):
                self.authenticate(login, login)
                self.assertTrue(self._call_kw(record._name, "unlink", record.ids))
                self.assertTrue(self._ev_row_exists(record))
                entry = self._ev_trash_entry(record)
                self.assertEqual(entry.trashed_by_id.login, login)
                self.assertEqual(
                    record.with_context(active_test=False).ev_trashed_by_id.login, login
                )
                # a second unlink (a purge attempt) is refused, for the Administrator
                # too
                for purger in (login, "ev_admin"):
                    self.authenticate(purger, purger)
                    with (
                        self.assertRaises(JsonRpcException) as caught,
                        mute_logger("odoo.http"),
                    ):
                        self._call_kw(
                            record._name,
                            "unlink",
                            record.ids,
                            {"context": {"active_test": False}},
                        )
                    self.assertEqual(str(caught.exception), "odoo.exceptions.UserError")
                    self.assertTrue(self._ev_row_exists(record))

    def test_rpc_cannot_delete_trash_entry_or_restore_as_operator(self):
        self.station.with_user(self.user_manager).unlink()
        entry = self._ev_trash_entry(self.station)
        self.authenticate("ev_admin", "ev_admin")
        with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
            self._call_kw("ev.trash", "unlink", entry.ids)
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        self.authenticate("ev_operator", "ev_operator")
        with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
            self._call_kw("ev.trash", "action_restore", entry.ids)
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        self.assertTrue(self._ev_row_exists(entry))
        self.assertEqual(entry.state, "trashed")
        self.authenticate("ev_manager", "ev_manager")
        self.assertTrue(self._call_kw("ev.trash", "action_restore", entry.ids))
        entry.invalidate_recordset()
        self.station.invalidate_recordset()
        self.assertEqual(entry.state, "restored")
        self.assertTrue(self.station.active)
