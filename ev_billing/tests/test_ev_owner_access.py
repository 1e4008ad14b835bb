from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .owner_common import EvOwnerCommon


@tagged("post_install", "-at_install")
class TestEvOwnerAccess(EvOwnerCommon):
    """Every button as the lowest EV level allowed, as a user holding only that level:
    Administrators edit plans, Managers settle; money fields are never written over
    RPC."""

    def _settle_as_manager(self, **values):
        with freeze_time("2026-04-01 02:00:00"):
            wizard = (
                self.env["ev.owner.settlement.wizard"]
                .with_user(self.user_manager)
                .create({"month_date": date(2026, 3, 1), **values})
            )
            action = wizard.action_settle()
        return self.Statement.with_user(self.user_manager).search(action["domain"])

    def test_administrator_edits_plans(self):
        plan = self.plan_flex.with_user(self.user_admin)
        plan.write({"monthly_fee": 390.0, "revenue_share_percent": 6.0})
        self.assertEqual((plan.monthly_fee, plan.revenue_share_percent), (390.0, 6.0))
        new_plan = (
            self.env["ev.owner.plan"]
            .with_user(self.user_admin)
            .create(
                {
                    "name": "FLEX PLUS",
                    "company_id": self.company.id,
                    "monthly_fee": 500.0,
                    "chargers_included": 10,
                    "extra_charger_fee": 50.0,
                    "revenue_share_percent": 3.0,
                }
            )
        )
        self.assertEqual(new_plan.revenue_base, "untaxed")
        with self.assertRaises(UserError):
            plan.write({"revenue_share_percent": 120.0})
        for user in (self.user_manager, self.user_operator, self.user_viewer):
            with self.assertRaises(AccessError):
                self.plan_flex.with_user(user).write({"monthly_fee": 1.0})
            with self.assertRaises(AccessError):
                self.env["ev.owner.plan"].with_user(user).create({"name": "Cheap"})
        # Lower levels read plans (a station shows its plan).
        self.assertEqual(self.plan_flex.with_user(self.user_viewer).monthly_fee, 390.0)

    def test_shipped_plans(self):
        for xmlid, values in (
            ("owner_plan_fast", (790.0, 5, 150.0, 0.0, True)),
            ("owner_plan_flex", (350.0, 5, 70.0, 5.0, False)),
            ("owner_plan_save", (0.0, 5, 0.0, 8.0, False)),
        ):
            plan = self.env.ref(f"ev_billing.{xmlid}").sudo()
            self.assertEqual(
                (
                    plan.monthly_fee,
                    plan.chargers_included,
                    plan.extra_charger_fee,
                    plan.revenue_share_percent,
                    plan.owner_collects,
                ),
                values,
            )
            self.assertEqual(plan.contract_months, 12)

    def test_manager_settles_sends_and_exports(self):
        statements = self._settle_as_manager(company_id=self.company.id)
        self.assertEqual(
            statements.owner_id, self.owner_flex | self.owner_fast | self.owner_save
        )
        flex = statements.filtered(lambda s: s.owner_id == self.owner_flex)
        self.assertEqual(flex.amount_payout, 3420.90)
        self.assertEqual(flex.payment_state, "paid")
        self.assertTrue(flex.invoice_name and flex.bill_name and flex.payment_name)
        messages = len(flex.message_ids)
        flex.action_send()
        self.assertEqual(len(flex.message_ids), messages + 1)
        action = flex.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        html = (
            self.env["ir.actions.report"]
            .with_user(self.user_manager)
            ._render_qweb_html("ev_billing.action_report_ev_owner_statement", flex.ids)[
                0
            ]
        )
        self.assertIn(b"3,420.90", html)
        # The journal entries button is for Managers who also keep the books.
        accountant = new_test_user(
            self.env,
            login="o_manager_accountant",
            groups="ev_billing.group_ev_manager,account.group_account_readonly",
            company_id=self.company.id,
        )
        action = flex.with_user(accountant).action_view_moves()
        self.assertEqual(
            set(action["domain"][0][2]),
            set((flex.invoice_id | flex.bill_id | flex.netting_move_id).ids),
        )

    def test_manager_pays_payouts_one_payment_per_owner(self):
        self.company.ev_owner_auto_payout = False
        statements = self._settle_as_manager(company_id=self.company.id)
        self.assertEqual(set(statements.mapped("payment_state")), {"not_paid"})
        with freeze_time("2026-04-03 02:00:00"):
            statements.action_pay()
        flex = statements.filtered(lambda s: s.owner_id == self.owner_flex)
        save = statements.filtered(lambda s: s.owner_id == self.owner_save)
        fast = statements.filtered(lambda s: s.owner_id == self.owner_fast)
        self.assertEqual(len(statements.sudo().payment_id), 2)
        self.assertEqual(flex.sudo().payment_id.amount, 3420.90)
        self.assertEqual(save.sudo().payment_id.amount, 1371.60)
        self.assertFalse(fast.sudo().payment_id, "the FAST owner pays the operator")
        self.assertEqual(
            (flex.payment_state, flex.paid_date), ("paid", date(2026, 4, 3))
        )
        with self.assertRaises(UserError):
            statements.action_pay()

    def test_manager_draft_buttons(self):
        statements = self._settle_as_manager(
            owner_ids=[(6, 0, self.owner_save.ids)], post=False
        )
        self.assertEqual(statements.state, "draft")
        statements.action_recompute()
        statements.action_settle()
        self.assertEqual(statements.state, "posted")
        self.assertEqual(statements.amount_payout, 1371.60)
        self.assertEqual(statements.payment_state, "not_paid", "Settle does not pay")
        statements.action_pay()
        self.assertEqual(statements.payment_state, "paid")

    def test_lower_levels_cannot_settle(self):
        for user in (self.user_operator, self.user_viewer):
            with self.assertRaises(AccessError):
                self.env["ev.owner.settlement.wizard"].with_user(user).create(
                    {"month_date": date(2026, 3, 1)}
                )
            with self.assertRaises(AccessError):
                self.Statement.with_user(user)._ev_settle(
                    self.company, self.owner_flex, date(2026, 3, 1)
                )
        statement = self._settle_march()
        for user in (self.user_operator, self.user_viewer, self.user_internal):
            for method in ("action_pay", "action_send", "action_export_xlsx"):
                with self.assertRaises(AccessError):
                    getattr(statement.with_user(user), method)()

    def test_money_is_never_written_over_rpc(self):
        statement = self._settle_march().with_user(self.user_manager)
        for values in (
            {"amount_payout": 1_000_000.0},
            {"state": "draft"},
            {"bill_id": False},
            {"owner_id": self.owner_save.id},
        ):
            with self.assertRaises(AccessError):
                statement.write(values)
        with self.assertRaises(AccessError):
            statement.line_ids[:1].write({"amount_share": 1_000_000.0})
        with self.assertRaises(AccessError):
            self.Statement.with_user(self.user_manager).create(
                {
                    "owner_id": self.owner_flex.id,
                    "company_id": self.company.id,
                    "date_from": date(2026, 6, 1),
                    "date_to": date(2026, 6, 30),
                }
            )
        with self.assertRaises(AccessError):
            statement.unlink()
        # A settled statement is final.
        with self.assertRaises(UserError):
            statement.action_settle()
        with self.assertRaises(UserError):
            statement.action_cancel()
        self.assertEqual(statement.amount_payout, 3420.90)

    def test_station_owner_contract_rules(self):
        station = self.station_a.with_user(self.user_manager)
        # The operator collects on FLEX: the station stays in the operator's company.
        with self.assertRaises(UserError):
            self.station_fast.write({"owner_plan_id": self.plan_flex.id})
        # FAST: the owner is the seller, the station must be in the owner's company.
        with self.assertRaises(UserError):
            station.write({"owner_plan_id": self.plan_fast.id})
        with self.assertRaises(UserError):
            station.write({"owner_date_end": date(2025, 1, 1)})
        station.write({"owner_date_end": date(2026, 3, 31), "owner_auto_renew": False})
        self.assertEqual(station.owner_date_end, date(2026, 3, 31))


@tagged("post_install", "-at_install")
class TestEvOwnerSettleTour(HttpCase, EvOwnerCommon):
    def test_manager_settles_from_the_menu(self):
        self.start_tour(
            "/odoo/action-ev_billing.ev_owner_settlement_wizard_action",
            "ev_billing_owner_settle_tour",
            login="o_manager",
        )
        statement = self._statement(self.owner_flex, date(2026, 3, 1))
        self.assertEqual(statement.state, "posted")
        self.assertEqual(statement.amount_payout, 3420.90)
