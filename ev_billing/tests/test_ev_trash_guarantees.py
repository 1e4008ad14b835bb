"""Issue 8, case 5: once trashed, a record leaves the Trash only through the Trash's
restore, and no write makes it purgeable. Each path is the attack that used to work,
made as a user holding only the EV level that tried it."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import EvBillingCommon


@tagged("post_install", "-at_install")
class TestEvTrashGuarantees(EvBillingCommon):
    def assertStillTrashed(self, record):
        self.assertTrue(self._ev_row_exists(record), f"{record} was purged")
        record.invalidate_recordset()
        self.assertTrue(record.ev_trashed)
        self.assertFalse(record.active)
        self.assertEqual(len(self._ev_trash_entry(record)), 1, "still 'In Trash'")

    def test_operator_cannot_untrash_then_purge_a_driver(self):
        self.driver_1.with_user(self.user_operator).unlink()
        driver = self.env["res.partner"].with_user(self.user_operator)
        driver = driver.with_context(active_test=False).browse(self.driver_1.id)
        with self.assertRaises(AccessError):
            driver.write({"ev_is_driver": False, "ev_trashed": False})
        with self.assertRaises(AccessError):
            driver.write({"ev_trashed": False})
        # dropping the driver marker alone changes nothing: still in the Trash
        driver.write({"ev_is_driver": False})
        with self.assertRaises(UserError), mute_logger("odoo.models"):
            driver.unlink()
        with self.assertRaises(UserError):
            driver.sudo().unlink()
        self.assertStillTrashed(self.driver_1)

    def test_administrator_cannot_purge_a_trashed_admin_by_removing_the_group(self):
        operator = self.user_operator
        operator.with_user(self.user_admin).unlink()
        user = (
            self.env["res.users"]
            .with_user(self.user_admin)
            .with_context(active_test=False)
            .browse(operator.id)
        )
        user.write(
            {
                "groups_id": [
                    Command.unlink(self.env.ref("ev_billing.group_ev_viewer").id),
                    Command.unlink(self.env.ref("ev_billing.group_ev_operator").id),
                ]
            }
        )
        with self.assertRaises(UserError), mute_logger("odoo.models"):
            user.unlink()
        with self.assertRaises(AccessError):
            user.write({"active": True})
        with self.assertRaises(AccessError):
            user.write({"ev_trashed": False, "active": True})
        self.assertStillTrashed(operator)

    def test_manager_cannot_bring_a_charger_back_past_the_trash(self):
        self.charger_1.with_user(self.user_manager).unlink()
        charger = (
            self.env["ev.charger"]
            .with_user(self.user_manager)
            .with_context(active_test=False)
            .browse(self.charger_1.id)
        )
        with self.assertRaises(AccessError):
            charger.write({"active": True, "ev_trashed": False})
        with self.assertRaises(AccessError):
            charger.write({"active": True})
        with self.assertRaises(AccessError):
            charger.action_unarchive()
        with self.assertRaises(AccessError):
            charger.write({"ev_trashed_by_id": False, "ev_trashed_date": False})
        self.assertStillTrashed(self.charger_1)
        # the Trash's restore is the way out
        self._ev_trash_entry(self.charger_1).with_user(
            self.user_manager
        ).action_restore()
        self.assertTrue(self.charger_1.active)
        self.assertFalse(self.charger_1.ev_trashed)

    def test_reactivating_a_trashed_drivers_portal_user_is_refused(self):
        portal = new_test_user(
            self.env,
            login="trashed_driver_portal",
            groups="base.group_portal",
            partner_id=self.driver_1.id,
        )
        self.driver_1.with_user(self.user_operator).unlink()
        self.assertFalse(portal.active)
        with self.assertRaises(AccessError):
            portal.with_user(self.user_admin).sudo().write({"active": True})
        self.assertStillTrashed(self.driver_1)

    def test_nobody_creates_a_record_already_in_the_trash(self):
        for user in (self.user_manager, self.user_admin):
            with self.assertRaises(AccessError):
                self.env["ev.station"].with_user(user).create(
                    {"name": "Ghost", "code": "GHO", "ev_trashed": True}
                )

    def test_trash_entry_state_moves_only_through_restore(self):
        self.station.with_user(self.user_manager).unlink()
        entry = self._ev_trash_entry(self.station)
        for user in (self.user_manager, self.user_admin):
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                entry.with_user(user).write({"state": "restored"})
        self.assertStillTrashed(self.station)
