import threading
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

SESSIONS = 40
BATCH = 4


@tagged("post_install", "-at_install")
class TestEvBillingConcurrency(TransactionCase):
    """Two billing cron lanes, each in its own thread with its own database cursor
    (real parallel transactions), bill one queue: every session billed once, none
    skipped, numbers without gap or duplicate.

    The data is committed from separate cursors (the test cursor is invisible to them)
    and removed again at the end.
    """

    def setUp(self):
        super().setUp()
        self.ids = {}
        self.addCleanup(self._cleanup)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            if not company.chart_template:
                env["account.chart.template"].try_loading(
                    "generic_coa", company=company, install_demo=False
                )
            company._ev_wallet_accounting()
            env = env(context={"allowed_company_ids": company.ids})
            stations = env["ev.station"].create(
                [
                    {"name": f"Race {code}", "code": code, "state": "open"}
                    for code in ("RCA", "RCB")
                ]
            )
            chargers = env["ev.charger"].create(
                [
                    {
                        "name": f"Race {station.code}",
                        "identity": f"RACE-{station.code}",
                        "station_id": station.id,
                    }
                    for station in stations
                ]
            )
            drivers = env["res.partner"].create(
                [
                    {
                        "name": f"Race Driver {i}",
                        "mobile": f"+66 89 999 {i:04d}",
                        "ev_is_driver": True,
                    }
                    for i in range(8)
                ]
            )
            start = datetime(2025, 6, 2, 3, 0)
            sessions = env["ev.session"].create(
                [
                    {
                        "transaction_id": 880000 + i,
                        "charger_id": chargers[i % 2].id,
                        "station_id": stations[i % 2].id,
                        "company_id": company.id,
                        "partner_id": drivers[i % 8].id,
                        "start_time": start + timedelta(minutes=i),
                        "stop_time": start + timedelta(minutes=i + 30),
                        "meter_start": 0,
                        "meter_stop": 5000,
                        "amount_energy": 10.0 + i,
                        "amount_total": 10.0 + i,
                        "state": "done",
                        "billing_state": "to_bill",
                    }
                    for i in range(SESSIONS)
                ]
            )
            env["ir.config_parameter"].set_param("ev_billing.billing_batch_size", BATCH)
            self.ids = {
                "company": company.id,
                "stations": stations.ids,
                "chargers": chargers.ids,
                "drivers": drivers.ids,
                "sessions": sessions.ids,
            }

    def _cleanup(self):
        if not self.ids.get("sessions"):
            return
        with self.registry.cursor() as cr:
            sessions = tuple(self.ids["sessions"])
            cr.execute(
                SQL(
                    "SELECT array_agg(DISTINCT x) FROM ("
                    " SELECT move_id AS x FROM ev_wallet_transaction"
                    "  WHERE session_id IN %s"
                    " UNION SELECT settlement_move_id FROM ev_wallet_transaction"
                    "  WHERE session_id IN %s) m WHERE x IS NOT NULL",
                    sessions,
                    sessions,
                )
            )
            moves = tuple(cr.fetchone()[0] or [0])
            for query in (
                SQL(
                    "DELETE FROM ev_wallet_transaction WHERE session_id IN %s", sessions
                ),
                SQL("DELETE FROM ev_session WHERE id IN %s", sessions),
                SQL(
                    "DELETE FROM account_partial_reconcile WHERE debit_move_id IN "
                    "(SELECT id FROM account_move_line WHERE move_id IN %s)",
                    moves,
                ),
                SQL(
                    "UPDATE account_move_line SET full_reconcile_id = NULL "
                    "WHERE move_id IN %s",
                    moves,
                ),
                SQL(
                    "DELETE FROM account_full_reconcile f WHERE NOT EXISTS ("
                    "SELECT 1 FROM account_move_line l "
                    "WHERE l.full_reconcile_id = f.id)"
                ),
                SQL(
                    "DELETE FROM account_analytic_line WHERE move_line_id IN "
                    "(SELECT id FROM account_move_line WHERE move_id IN %s)",
                    moves,
                ),
                SQL("DELETE FROM account_move_line WHERE move_id IN %s", moves),
                SQL("DELETE FROM account_move WHERE id IN %s", moves),
                SQL(
                    "DELETE FROM ir_sequence WHERE code IN %s",
                    tuple(f"ev_billing.abb.{s}" for s in self.ids["stations"]),
                ),
                SQL(
                    "DELETE FROM ev_connector WHERE charger_id IN %s",
                    tuple(self.ids["chargers"]),
                ),
                SQL(
                    "DELETE FROM ev_charger WHERE id IN %s", tuple(self.ids["chargers"])
                ),
                SQL(
                    "DELETE FROM ev_station WHERE id IN %s", tuple(self.ids["stations"])
                ),
                SQL(
                    "DELETE FROM res_partner WHERE id IN %s", tuple(self.ids["drivers"])
                ),
                SQL(
                    "DELETE FROM ir_config_parameter WHERE key = %s",
                    "ev_billing.billing_batch_size",
                ),
            ):
                cr.execute(query)

    def test_two_cron_lanes_bill_each_session_once(self):
        # Environments are built here: the registry lock is held by the test runner's
        # thread.
        envs = []
        for _lane in range(2):
            cr = self.registry.cursor()
            self.addCleanup(cr.close)
            envs.append(api.Environment(cr, SUPERUSER_ID, {}))
        barrier = threading.Barrier(2)
        taken = {"lane-0": [], "lane-1": []}
        errors = []
        Session = self.registry["ev.session"]
        original = Session._ev_bill_in_batch

        def spy(sessions):
            taken[threading.current_thread().name].append(sessions.ids)
            return original(sessions)

        def lane(index):
            try:
                barrier.wait(10)
                with (
                    mute_logger("odoo.sql_db"),
                    mute_logger("odoo.addons.ev_billing.models.ev_session_billing"),
                ):
                    # A lane stops after max_seconds (the cron is triggered again for
                    # what is left); here it bills until the queue is empty.
                    envs[index]["ev.session"]._cron_bill_sessions(max_seconds=900)
            except Exception as error:  # noqa: BLE001 — reported by the test
                errors.append(repr(error))

        patcher = patch.object(Session, "_ev_bill_in_batch", spy)
        patcher.start()
        self.addCleanup(patcher.stop)
        threads = [
            threading.Thread(target=lane, args=(i,), name=f"lane-{i}") for i in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(1000)
        self.assertFalse(any(thread.is_alive() for thread in threads))
        self.assertFalse(errors)

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sessions = env["ev.session"].browse(self.ids["sessions"])
            self.assertEqual(set(sessions.mapped("billing_state")), {"billed"})
            self.assertEqual(len(sessions.invoice_id), SESSIONS)
            charges = env["ev.wallet.transaction"].search(
                [("session_id", "in", sessions.ids)]
            )
            self.assertEqual(len(charges), SESSIONS)
            self.assertEqual(sorted(charges.session_id.ids), sorted(sessions.ids))
            self.assertEqual(set(sessions.invoice_id.mapped("payment_state")), {"paid"})
            for station_id in self.ids["stations"]:
                numbers = sorted(
                    sessions.filtered(
                        lambda s, st=station_id: s.station_id.id == st
                    ).mapped("abbreviated_invoice_number")
                )
                self.assertEqual(
                    [int(n.rsplit("-", 1)[1]) for n in numbers],
                    list(range(1, SESSIONS // 2 + 1)),
                )
            differences = [
                d
                for d in env["ev.wallet.transaction"]._ev_wallet_audit()
                if d["partner_id"] in self.ids["drivers"]
            ]
            self.assertEqual(differences, [])
        # Both lanes took batches: the second one took other sessions while the first
        # one held its batch (SKIP LOCKED).
        self.assertTrue(taken["lane-0"] and taken["lane-1"], taken)
