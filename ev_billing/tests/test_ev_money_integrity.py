"""Issue 8: money changes only through the product's methods.

Each numbered case of the issue is written as the attack (the call that used to
succeed), made as users holding only one EV level, with the refusal asserted; the
wallet audit must find no difference at the end of every test.
"""

from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.ev_billing.models.ev_charger import EvCharger

from .wallet_common import EvWalletCommon

# Sessions start at 2026-11-25 01:00 UTC (08:00 Bangkok, off-peak; see _start) and stop
# half an hour later: their price does not depend on when the test runs.
STOPPED = datetime(2026, 11, 25, 1, 30)
UNPLUGGED = datetime(2026, 11, 25, 1, 31)


class EvMoneyCommon(EvWalletCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tariff = cls._ev_flat_tariff("Flat 7")
        cls.company.write({"ev_wallet_min_balance": 50.0, "ev_wallet_overdraft": 0.0})
        cls.card = cls.env["ev.id.tag"].create(
            {
                "tag": "CARDA001",
                "partner_id": cls.driver.id,
                "company_id": cls.company.id,
            }
        )
        cls.levels = {
            "viewer": cls.user_viewer,
            "operator": cls.user_operator,
            "manager": cls.user_manager,
            "administrator": cls.user_admin,
        }
        cls._event_seq = 0

    def tearDown(self):
        self._assert_audit_clean()
        super().tearDown()

    def _topup(self, amount, partner=None, company=None):
        company = company or self.company
        return (
            self.Ledger.with_user(self.user_operator)
            .with_company(company)
            ._ev_topup(
                partner or self.driver,
                amount,
                self.cash_journal if company == self.company else None,
                memo="desk cash",
                company=company,
            )
        )

    def _start(self, connector_number=1, tag="CARDA001", transaction_id=None):
        """A charger's StartTransaction, as the bridge delivers it."""
        type(self)._event_seq += 1
        seq = self._event_seq
        # the bridge's route runs its work in superuser mode, as here
        result = self.env(su=True)["ev.ocpp.event"]._ingest(
            [
                {
                    "key": f"start-{seq}",
                    "identity": self.charger.identity,
                    "kind": "start_transaction",
                    "occurred_at": "2026-11-25T01:00:00Z",
                    "payload": {
                        "connector_id": connector_number,
                        "id_tag": tag,
                        "meter_start": 0,
                        "timestamp": f"2026-11-25T01:00:{seq % 60:02d}Z",
                        "transaction_id": transaction_id or 500 + seq,
                    },
                }
            ]
        )[0]
        self.assertEqual(result["status"], "ok", result)
        return self.env["ev.session"].browse(result["data"]["session_id"])


@tagged("post_install", "-at_install")
class TestEvMoneyFields(EvMoneyCommon):
    """Cases 1 and 2: wallet balance and session money are read-only for every level,
    through write, create and import."""

    def test_case1_no_level_sets_a_wallet_balance(self):
        self._topup(100.0)
        for level, user in self.levels.items():
            partners = self.env["res.partner"].with_user(user)
            with self.subTest(level=level):
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    partners.browse(self.driver.id).write({"ev_wallet_balance": 99999})
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    partners.create(
                        {
                            "name": "Rich Driver",
                            "mobile": "+66 81 000 0000",
                            "ev_is_driver": True,
                            "ev_wallet_balance": 99999,
                        }
                    )
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    partners.browse(self.driver.id).write(
                        {
                            "ev_wallet_transaction_ids": [
                                Command.create(
                                    {"kind": "adjustment", "amount": 99999.0}
                                )
                            ]
                        }
                    )
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    self.env["ev.wallet.transaction"].with_user(user).create(
                        {
                            "partner_id": self.driver.id,
                            "kind": "adjustment",
                            "amount": 99999.0,
                        }
                    )
        self.driver.invalidate_recordset()
        self.assertEqual(self.driver.ev_wallet_balance, 100.0)
        # Authorize trusts the ledger only: 50 THB spendable at 7 THB/kWh, not 1 MWh
        answer = self.env["ev.id.tag"]._ocpp_authorize(
            self.charger.identity, "CARDA001"
        )
        self.assertEqual(answer["id_tag_info"]["status"], "Accepted")
        self.assertLess(answer["max_energy_wh"], 7200)

    def test_case2_no_level_edits_session_money(self):
        self._topup(500.0)
        billed = self._session(107.0)
        billed._ev_bill()
        charging = self._start()
        other = self.driver_2
        attacks = [
            (billed, {"amount_total": 0.01}),
            (billed, {"partner_id": other.id}),
            (billed, {"billed_kwh": 0.0}),
            (billed, {"tariff_snapshot": {}}),
            (billed, {"invoice_id": False}),
            (billed, {"abbreviated_invoice_number": "FAKE-1"}),
            (billed, {"full_tax_invoice_number": "FAKE-2"}),
            (charging, {"state": "cancelled"}),
            (charging, {"meter_start": 999999}),
            (charging, {"wallet_hold_amount": 0.0}),
            (charging, {"partner_id": other.id}),
        ]
        for level, user in self.levels.items():
            sessions = self.env["ev.session"].with_user(user)
            for session, vals in attacks:
                with self.subTest(level=level, vals=vals):
                    with self.assertRaises(AccessError), mute_logger("odoo.models"):
                        sessions.browse(session.id).write(vals)
            with self.subTest(level=level, attack="create"):
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    sessions.create(
                        {
                            "charger_id": self.charger.id,
                            "station_id": self.station.id,
                            "company_id": self.company.id,
                            "partner_id": other.id,
                            "state": "done",
                            "amount_total": 999.0,
                        }
                    )
        billed.invalidate_recordset()
        charging.invalidate_recordset()
        self.assertEqual(billed.amount_total, 107.0)
        self.assertEqual(billed.partner_id, self.driver)
        self.assertEqual(charging.state, "charging")
        self.assertTrue(charging.wallet_hold_amount)

    def test_cancel_is_the_managers_method_and_releases_the_hold(self):
        self._topup(100.0)
        session = self._start()
        self.assertEqual(session.wallet_hold_amount, 50.0)
        with self.assertRaises(AccessError):
            session.with_user(self.user_operator).action_cancel()
        session.with_user(self.user_manager).action_cancel()
        self.assertEqual(session.state, "cancelled")
        self.assertEqual(session.wallet_hold_amount, 0.0)
        self.assertEqual(self.driver.ev_wallet_held, 0.0)

    def test_superuser_is_the_only_exception(self):
        # what Odoo itself cannot stop: code running in superuser mode
        session = self._session(10.0)
        session.sudo().write({"amount_total": 12.0})
        self.assertEqual(session.amount_total, 12.0)


@tagged("post_install", "-at_install")
class TestEvMoneyImport(EvMoneyCommon):
    """Cases 1 and 2 through import (``load``, what the import dialog calls). Its own
    class: a failed import resets the registry's changes, such as the analytic plan
    column the fixture added."""

    def test_import_cannot_set_money(self):
        self._topup(500.0)
        billed = self._session(107.0)
        billed._ev_bill()
        for level, user in self.levels.items():
            with self.subTest(level=level):
                result = (
                    self.env["res.partner"]
                    .with_user(user)
                    .load(
                        [".id", "ev_wallet_balance"],
                        [[str(self.driver.id), "99999"]],
                    )
                )
                self.assertFalse(result["ids"])
                result = (
                    self.env["ev.session"]
                    .with_user(user)
                    .load([".id", "amount_total"], [[str(billed.id), "0.01"]])
                )
                self.assertFalse(result["ids"])
        billed.invalidate_recordset()
        self.driver.invalidate_recordset()
        self.assertEqual(billed.amount_total, 107.0)
        self.assertEqual(self.driver.ev_wallet_balance, 393.0)


@tagged("post_install", "-at_install")
class TestEvWalletPerCompany(EvMoneyCommon):
    """Case 3: a wallet is per driver and per company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="EV Company 2")["company"]
        cls.company_2._ev_wallet_accounting()
        cls.cash_journal_2 = cls.env["account.journal"].search(
            [("company_id", "=", cls.company_2.id), ("type", "=", "cash")], limit=1
        )
        cls.manager_2 = new_test_user(
            cls.env,
            login="w_manager_2",
            groups="ev_billing.group_ev_manager",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.driver.company_id = False  # a driver of both companies
        cls.Ledger.with_company(cls.company_2).sudo()._ev_topup(
            cls.driver, 50.0, cls.cash_journal_2, company=cls.company_2
        )

    def test_case3_withdrawal_limited_to_the_companys_wallet(self):
        self._topup(300.0)
        Ledger = self.Ledger.with_user(self.manager_2).with_company(self.company_2)
        with self.assertRaisesRegex(UserError, "cannot pay out"):
            Ledger._ev_withdraw(
                self.driver, 200.0, self.cash_journal_2, company=self.company_2
            )
        # nor can company 2 reach into company 1's wallet
        with self.assertRaises(AccessError):
            Ledger._ev_withdraw(
                self.driver, 200.0, self.cash_journal, company=self.company
            )
        line = Ledger._ev_withdraw(
            self.driver, 50.0, self.cash_journal_2, company=self.company_2
        )
        self.assertEqual(line.balance_after, 0.0)
        self.assertEqual(self.driver.with_company(self.company).ev_wallet_balance, 300)
        self.assertEqual(self.driver.with_company(self.company_2).ev_wallet_balance, 0)
        self.assertEqual(self.Ledger._ev_wallet_audit(), [])

    def test_audit_compares_per_company_and_driver(self):
        self._topup(300.0)
        self.assertEqual(self.Ledger._ev_wallet_audit(), [])
        # a ledger line with no accounting behind it, in company 2 only
        self.env.cr.execute(
            "INSERT INTO ev_wallet_transaction (name, date, partner_id, company_id, "
            "kind, amount, balance_after) VALUES ('X', now(), %s, %s, 'adjustment', "
            "20, 70)",
            (self.driver.id, self.company_2.id),
        )
        self.env.invalidate_all()
        differences = self.Ledger._ev_wallet_audit()
        self.assertEqual(
            [(d["partner_id"], d["company_id"]) for d in differences],
            [(self.driver.id, self.company_2.id)],
        )
        self.assertEqual(differences[0]["ledger"], 70.0)
        self.assertEqual(differences[0]["general_ledger"], 50.0)
        # leave the database as the audit wants it
        self.env.cr.execute("DELETE FROM ev_wallet_transaction WHERE name = 'X'")

    def test_start_checks_the_chargers_companys_wallet(self):
        # 50 THB in company 2 are exactly the minimum: nothing to spend at a
        # company-1 charger with no money in company 1
        answer = self.env["ev.id.tag"]._ocpp_authorize(
            self.charger.identity, "CARDA001"
        )
        self.assertEqual(answer["id_tag_info"]["status"], "Blocked")
        self._topup(100.0)
        answer = self.env["ev.id.tag"]._ocpp_authorize(
            self.charger.identity, "CARDA001"
        )
        self.assertEqual(answer["id_tag_info"]["status"], "Accepted")

    def test_billing_cron_bills_each_company_in_its_own_books(self):
        """The billing cron runs in the main company; a batch holding sessions of
        both companies bills each in its own company's books and wallet."""
        self._topup(100.0)
        tariff_2 = self.tariff.copy({"company_id": self.company_2.id})
        station_2 = self.env["ev.station"].create(
            {
                "name": "Company 2 Depot",
                "code": "CO2",
                "company_id": self.company_2.id,
                "state": "open",
                "tariff_id": tariff_2.id,
            }
        )
        charger_2 = self.env["ev.charger"].create(
            {
                "name": "Depot 1",
                "identity": "CO2-CP-001",
                "station_id": station_2.id,
                "max_power_kw": 22,
            }
        )
        self.env["ev.connector"].create(
            {"charger_id": charger_2.id, "connector_number": 1}
        )
        self.env["ev.id.tag"].create(
            {"tag": "CARDA002", "partner_id": self.driver.id, "company_id": False}
        )
        sessions = self.env["ev.session"]
        for charger, tag in ((self.charger, "CARDA001"), (charger_2, "CARDA002")):
            self.charger = charger  # _start uses it
            session = self._start(1, tag=tag).sudo()
            session._ocpp_stop(1000, STOPPED)
            session._ocpp_unplugged(UNPLUGGED)
            sessions |= session
        self.assertEqual(sessions.mapped("billing_state"), ["to_bill", "to_bill"])
        cron_env = self.env(su=True, context={})  # as the cron: the main company
        self.assertNotEqual(cron_env.company, self.company_2)
        cron_env["ev.session"]._ev_bill_queue()
        self.assertEqual(sessions.mapped("billing_state"), ["billed", "billed"])
        for session in sessions:
            self.assertEqual(session.invoice_id.company_id, session.company_id)
            self.assertEqual(session.invoice_id.payment_state, "paid")
        for company, topped_up, session in zip(
            (self.company, self.company_2), (100.0, 50.0), sessions, strict=True
        ):
            self.assertEqual(
                self.driver.with_company(company).ev_wallet_balance,
                round(topped_up - session.amount_total, 2),
            )


@tagged("post_install", "-at_install")
class TestEvWalletHolds(EvMoneyCommon):
    """Case 4 (in one transaction; the parallel version is in
    test_ev_wallet_hold_concurrency): holds reserve what running sessions may spend."""

    def test_case4_second_start_gets_nothing_once_the_wallet_is_held(self):
        self._topup(100.0)
        first = self._start(1)
        self.assertEqual(first.wallet_hold_amount, 50.0, "100 − minimum 50")
        self.assertTrue(6000 < first.max_energy_wh < 7200, first.max_energy_wh)
        self.assertEqual(self.driver.ev_wallet_held, 50.0)
        self.assertEqual(self.driver.ev_wallet_spendable, 0.0)
        answer = self.env["ev.id.tag"]._ocpp_authorize(
            self.charger.identity, "CARDA001"
        )
        self.assertEqual(answer["id_tag_info"]["status"], "Blocked")
        # a charger that starts anyway (offline authorisation) is stopped at once
        second = self._start(2)
        self.assertEqual(second.wallet_hold_amount, 0.0)
        self.assertEqual(second.max_energy_wh, 1)
        # held money cannot be withdrawn either
        with self.assertRaisesRegex(UserError, "cannot pay out"):
            self.Ledger.with_user(self.user_manager)._ev_withdraw(
                self.driver, 60.0, self.cash_journal, company=self.company
            )

    def test_one_card_runs_several_cars_up_to_the_hold_per_session(self):
        """A fleet card with 200 THB (minimum 50): each open-ended session holds at
        most the company's 60 THB, so two cars start with 60 each and the third gets
        what is left (30); its energy cap is what its own hold pays for."""
        self.company.ev_session_hold_max = 60.0
        self._topup(200.0)
        holds = [self._start(number).wallet_hold_amount for number in (1, 2, 3)]
        self.assertEqual(holds, [60.0, 60.0, 30.0])
        self.assertEqual(self.driver.ev_wallet_spendable, 0.0)
        first = self.env["ev.session"].search(
            [("partner_id", "=", self.driver.id)], order="id", limit=1
        )
        # what the charger may deliver is what the 60 THB pay for (7 THB a kWh)
        self.assertTrue(8500 < first.max_energy_wh < 8600, first.max_energy_wh)
        quote = self.tariff._ev_quote(first.max_energy_wh / 1000, station=self.station)
        self.assertLessEqual(quote["amount_total"], 60.0)
        self.company.ev_session_hold_max = 0.0  # no cap: the whole spendable amount
        self._topup(100.0)
        self.assertEqual(self._start(4).wallet_hold_amount, 100.0)

    def test_hold_turns_into_the_charge(self):
        self._topup(100.0)
        session = self._start(1).sudo()
        session._ocpp_stop(3000, STOPPED)
        session._ocpp_unplugged(UNPLUGGED)
        self.assertEqual(session.state, "done")
        self.assertEqual(session.amount_total, 21.0)
        self.assertEqual(session.wallet_hold_amount, 21.0, "priced, queued for billing")
        self.assertEqual(self.driver.ev_wallet_spendable, 29.0)
        self.env(su=True)["ev.session"]._ev_bill_queue()  # the billing cron's batch
        self.assertEqual(session.wallet_hold_amount, 0.0, "billed: hold released")
        charge = self.Ledger.search(
            [("session_id", "=", session.id), ("kind", "=", "charge")]
        )
        self.assertEqual(charge.amount, -21.0)
        self.assertEqual(self.driver.ev_wallet_balance, 79.0)
        self.assertEqual(self.driver.ev_wallet_spendable, 29.0)

    def test_hold_waits_for_billing_and_release_is_idempotent(self):
        self._topup(100.0)
        session = self._start(1).sudo()
        session._ocpp_stop(3000, STOPPED)
        with patch.object(type(session), "_ev_bill", lambda self: True):
            session._ocpp_unplugged(UNPLUGGED)
        self.assertEqual(session.state, "done")
        self.assertEqual(session.wallet_hold_amount, 21.0, "priced, not yet billed")
        self.Ledger._ev_bill_sessions(session)
        self.assertEqual(session.wallet_hold_amount, 0.0)
        session._ev_hold_release()
        session._ev_hold_release()
        self.assertEqual(self.driver.ev_wallet_balance, 79.0)

    def test_abandoned_remote_start_releases_its_hold(self):
        self._topup(100.0)
        accepted = patch.object(
            EvCharger, "_bridge_command", lambda *a, **k: {"status": "Accepted"}
        )
        with accepted:
            session = self.env["ev.session"]._ev_remote_start(
                self.connector, self.driver, requested_kwh=2.0
            )
        self.assertEqual(session.wallet_hold_amount, 14.0, "2 kWh at 7 THB")
        self.assertEqual(self.driver.ev_wallet_spendable, 36.0)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ev_session SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(hours=1), session.id),
        )
        session.invalidate_recordset()
        self.env["ev.session"]._cron_close_abandoned()
        self.assertEqual(session.state, "cancelled")
        self.assertEqual(session.wallet_hold_amount, 0.0)
        self.assertEqual(self.driver.ev_wallet_spendable, 50.0)

    def test_refused_remote_start_releases_its_hold(self):
        self._topup(100.0)
        # as the connector page does: the refusal is shown, the transaction kept (no
        # assertRaises here: its savepoint would roll the cancelled session back)
        refused = None
        with patch.object(
            EvCharger, "_bridge_command", lambda *a, **k: {"status": "Rejected"}
        ):
            try:
                self.env["ev.session"]._ev_remote_start(
                    self.connector, self.driver, 2.0
                )
            except UserError as error:
                refused = error
        self.assertIn("refused", str(refused))
        session = self.env["ev.session"].search(
            [("partner_id", "=", self.driver.id)], order="id desc", limit=1
        )
        self.assertEqual(session.state, "cancelled")
        self.assertEqual(session.wallet_hold_amount, 0.0)
        self.assertEqual(self.driver.ev_wallet_held, 0.0)

    def test_remote_start_refused_when_everything_is_held(self):
        self._topup(100.0)
        self._start(1)
        with (
            patch.object(
                EvCharger, "_bridge_command", lambda *a, **k: {"status": "Accepted"}
            ),
            self.assertRaisesRegex(UserError, "on hold"),
        ):
            self.env["ev.session"]._ev_remote_start(self.connector, self.driver, 2.0)

    def test_authorize_of_a_remote_start_is_capped_by_its_hold(self):
        self._topup(100.0)
        with patch.object(
            EvCharger, "_bridge_command", lambda *a, **k: {"status": "Accepted"}
        ):
            session = self.env["ev.session"]._ev_remote_start(
                self.connector, self.driver, requested_kwh=2.0
            )
        answer = self.env["ev.id.tag"]._ocpp_authorize(
            self.charger.identity, session.remote_request_id
        )
        self.assertEqual(answer["id_tag_info"]["status"], "Accepted")
        self.assertEqual(answer["max_energy_wh"], 2000)
        started = self.env(su=True)["ev.ocpp.event"]._ingest(
            [
                {
                    "key": "remote-start-1",
                    "identity": self.charger.identity,
                    "kind": "start_transaction",
                    "occurred_at": "2026-11-25T02:00:00Z",
                    "payload": {
                        "connector_id": 1,
                        "id_tag": session.remote_request_id,
                        "remote_request_id": session.remote_request_id,
                        "meter_start": 0,
                        "timestamp": "2026-11-25T02:00:00Z",
                        "transaction_id": 777,
                    },
                }
            ]
        )[0]
        self.assertEqual(started["data"]["session_id"], session.id)
        self.assertEqual(session.wallet_hold_amount, 14.0, "the same hold, not two")
        self.assertEqual(self.driver.ev_wallet_held, 14.0)


@tagged("post_install", "-at_install")
class TestEvMoneySecrets(EvMoneyCommon):
    def test_charger_password_never_rests_in_clear(self):
        wizard = (
            self.env["ev.charger.password.wizard"]
            .with_user(self.user_admin)
            .create({"charger_id": self.charger.id, "password": "clear-pass-42"})
        )
        self.env.flush_all()
        self.env.cr.execute("SELECT * FROM ev_charger_password_wizard")
        self.assertNotIn("clear-pass-42", repr(self.env.cr.fetchall()))
        wizard.action_apply()
        self.assertFalse(wizard.exists())
        self.assertTrue(self.charger._check_password("clear-pass-42"))
