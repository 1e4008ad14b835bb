import random
import threading
import time

from psycopg2 import OperationalError

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

STARTS = 10


@tagged("post_install", "-at_install")
class TestEvWalletHoldConcurrency(TransactionCase):
    """Issue 8, case 4 for real: a driver with 100 THB (minimum 50, no overdraft) starts
    10 sessions at the same instant, each StartTransaction in its own transaction and
    thread (as 10 bridge requests would). Together they can never reserve, nor be given
    energy for, more than balance − minimum + overdraft.

    The data is committed from separate cursors (the test cursor is invisible to them)
    and removed again at the end.
    """

    def setUp(self):
        super().setUp()
        ctx = {"tracking_disable": True, "mail_create_nolog": True}
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, ctx)
            company = env.ref("base.main_company")
            self.allowance = (
                100.0 - company.ev_wallet_min_balance + company.ev_wallet_overdraft
            )
            tariff = env["ev.tariff"].create(
                {
                    "name": "Concurrency Flat 7",
                    "company_id": company.id,
                    "rate_ids": [
                        Command.create(
                            {
                                "tier": "member",
                                "energy_price_on_peak": 7.0,
                                "energy_price_off_peak": 7.0,
                            }
                        )
                    ],
                }
            )
            station = env["ev.station"].create(
                {
                    "name": "Concurrency Station",
                    "code": "CCY",
                    "company_id": company.id,
                    "state": "open",
                    "tariff_id": tariff.id,
                }
            )
            charger = env["ev.charger"].create(
                {
                    "name": "Concurrency Charger",
                    "identity": "CCY-CP-001",
                    "station_id": station.id,
                    "max_power_kw": 22,
                }
            )
            env["ev.connector"].create(
                [
                    {"charger_id": charger.id, "connector_number": number}
                    for number in range(1, STARTS + 1)
                ]
            )
            partner = env["res.partner"].create(
                {
                    "name": "Concurrent Starter",
                    "ev_is_driver": True,
                    "mobile": "+66 80 000 8888",
                }
            )
            env["ev.id.tag"].create(
                {"tag": "CCYCARD1", "partner_id": partner.id, "company_id": False}
            )
            env["ev.wallet.transaction"].create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "kind": "adjustment",
                    "amount": 100.0,
                    "note": "opening balance",
                }
            )
            self.data_ids = {
                "tariff": tariff.id,
                "station": station.id,
                "charger": charger.id,
                "partner": partner.id,
                "company": company.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        ids = self.data_ids
        with self.registry.cursor() as cr:
            for query in (
                "DELETE FROM ev_ocpp_event WHERE charger_id = %(charger)s",
                "DELETE FROM ev_session WHERE charger_id = %(charger)s",
                "DELETE FROM ev_wallet_transaction WHERE partner_id = %(partner)s",
                "DELETE FROM ev_id_tag WHERE partner_id = %(partner)s",
                "DELETE FROM ev_connector WHERE charger_id = %(charger)s",
                "DELETE FROM ev_charger WHERE id = %(charger)s",
                "DELETE FROM ev_station WHERE id = %(station)s",
                "DELETE FROM ev_tariff WHERE id = %(tariff)s",
                "DELETE FROM res_partner WHERE id = %(partner)s",
            ):
                cr.execute(query, ids)

    def _start_event(self, number):
        return {
            "key": f"ccy-start-{number}",
            "identity": "CCY-CP-001",
            "kind": "start_transaction",
            "occurred_at": "2026-11-25T01:00:00Z",
            "payload": {
                "connector_id": number,
                "id_tag": "CCYCARD1",
                "meter_start": 0,
                "timestamp": "2026-11-25T01:00:00Z",
                "transaction_id": 880000 + number,
            },
        }

    def _at_once(self, apply):
        """Run ``apply(number, env)`` for numbers 1..STARTS, each in its own thread
        and transaction, all released at the same instant (every snapshot taken
        before any commit). Returns (results by number, errors)."""
        barrier = threading.Barrier(STARTS)
        results, errors = {}, []
        # Environments are built here: the registry lock is held by the test runner's
        # thread.
        envs = []
        for _number in range(STARTS):
            cr = self.registry.cursor()
            self.addCleanup(cr.close)
            envs.append(api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True}))

        def run(number, env):
            try:
                env.cr.execute("SELECT 1")
                barrier.wait(30)
                results[number] = apply(number, env)
            except Exception as error:  # noqa: BLE001 - reported by the main thread
                env.cr.rollback()
                errors.append(f"{number}: {error!r}")

        threads = [
            threading.Thread(target=run, args=(number, envs[number - 1]))
            for number in range(1, STARTS + 1)
        ]
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
        return results, errors

    def test_ten_concurrent_starts_cannot_overspend(self):
        def start(number, env):
            # the bridge retries an event Odoo could not apply (here: a
            # serialization failure behind the wallet lock)
            for attempt in range(60):
                try:
                    result = env["ev.ocpp.event"]._ingest([self._start_event(number)])
                    env.cr.commit()
                    return result[0]
                except OperationalError:
                    env.cr.rollback()
                    env.invalidate_all()
                    time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
            raise AssertionError(f"start {number} never applied")

        results, errors = self._at_once(start)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), STARTS)
        self.assertTrue(all(r["status"] == "ok" for r in results.values()), results)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sessions = env["ev.session"].search(
                [("charger_id", "=", self.data_ids["charger"])]
            )
            self.assertEqual(len(sessions), STARTS)
            held = sum(sessions.mapped("wallet_hold_amount"))
            self.assertEqual(held, self.allowance, "all that may be spent, no more")
            tariff = env["ev.tariff"].browse(self.data_ids["tariff"])
            # what the chargers were allowed to deliver, priced: within the allowance
            cost = 0.0
            for session in sessions:
                if session.max_energy_wh <= 1:
                    self.assertFalse(session.wallet_hold_amount)
                    continue
                quote = tariff._ev_quote(
                    session.max_energy_wh / 1000.0, station=session.station_id
                )
                self.assertLessEqual(quote["amount_total"], session.wallet_hold_amount)
                cost += quote["amount_total"]
            self.assertLessEqual(cost, self.allowance)
            # every answer the bridge got carries the same caps
            caps = sorted(r["data"]["max_energy_wh"] for r in results.values())
            self.assertEqual(caps, sorted(sessions.mapped("max_energy_wh")))
            self.assertEqual(caps[:-1], [1] * (STARTS - 1))
            partner = env["res.partner"].browse(self.data_ids["partner"])
            company = env["res.company"].browse(self.data_ids["company"])
            self.assertEqual(partner.with_company(company).ev_wallet_spendable, 0.0)
            # no hold is stale and every wallet line has its running balance right
            cr.execute(
                SQL(
                    "SELECT balance_after FROM ev_wallet_transaction "
                    "WHERE partner_id = %s",
                    self.data_ids["partner"],
                )
            )
            self.assertEqual(cr.fetchall(), [(100.0,)])

    def _close_events(self, number):
        when = "2026-11-25T01:30:00Z"
        return [
            {
                "key": f"ccy-stop-{number}",
                "identity": "CCY-CP-001",
                "kind": "stop_transaction",
                "occurred_at": when,
                "payload": {
                    "transaction_id": 880000 + number,
                    "meter_stop": 500,
                    "timestamp": when,
                    "reason": "EVDisconnected",
                    "id_tag": "CCYCARD1",
                    "samples": [],
                },
            },
            {
                "key": f"ccy-unplug-{number}",
                "identity": "CCY-CP-001",
                "kind": "status",
                "occurred_at": "2026-11-25T01:31:00Z",
                "payload": {
                    "connector_id": number,
                    "status": "Available",
                    "error_code": "NoError",
                    "timestamp": "2026-11-25T01:31:00Z",
                },
            },
        ]

    def test_ten_sessions_of_one_wallet_close_together_without_conflict(self):
        """A fleet card: ten sessions of one wallet, each holding 5 THB, close in the
        same instant. Pricing lowers each hold to its total (3.50 THB) without the
        wallet's lock, so no close waits on, or fails because of, another one."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            env["ev.ocpp.event"]._ingest(
                [self._start_event(number) for number in range(1, STARTS + 1)]
            )
            env.flush_all()
            cr.execute(
                "UPDATE ev_session SET wallet_hold_amount = 5.0 WHERE charger_id = %s",
                (self.data_ids["charger"],),
            )

        def close(number, env):
            result = env["ev.ocpp.event"]._ingest(self._close_events(number))
            env.cr.commit()
            return result

        results, errors = self._at_once(close)
        self.assertEqual(errors, [], "no close met another one on the wallet")
        self.assertEqual(len(results), STARTS)
        for answer in results.values():
            self.assertEqual([r["status"] for r in answer], ["ok", "ok"], answer)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sessions = env["ev.session"].search(
                [("charger_id", "=", self.data_ids["charger"])]
            )
            self.assertEqual(set(sessions.mapped("state")), {"done"})
            self.assertEqual(set(sessions.mapped("amount_total")), {3.5})
            self.assertEqual(set(sessions.mapped("wallet_hold_amount")), {3.5})
