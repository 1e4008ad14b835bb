import io
from datetime import date, datetime, timedelta
from unittest.mock import patch

import openpyxl
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install")
class TestEvBackend(HttpCase, EvWalletCommon):
    """The backend for each EV level: printing, Excel with the Cycle filter, Trash
    views, summaries, the live Overview's data and push — always as a user holding only
    that EV level."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"vat": "0105551234567", "ev_billing_cycle_day": 1})
        # amounts as the tariff engine leaves them: 107.00 = 100.00 + 7 % VAT
        cls.Ledger.with_user(cls.user_operator)._ev_topup(
            cls.driver, 1000.0, cls.cash_journal, company=cls.company
        )
        now = fields.Datetime.now().replace(microsecond=0)
        cls.session_now = cls._session(107.0, parking=10.7, kwh=12.5)
        cls.session_old = cls._session(53.5, kwh=5.0)
        cls.session_now.write(
            {"start_time": now - timedelta(hours=1), "stop_time": now}
        )
        cls.session_old.write(
            {
                "start_time": now - relativedelta(months=2),
                "stop_time": now - relativedelta(months=2) + timedelta(hours=1),
            }
        )
        cls.session_now.write({"amount_untaxed": 100.0, "amount_vat": 7.0})
        cls.session_old.write({"amount_untaxed": 50.0, "amount_vat": 3.5})
        (cls.session_now + cls.session_old)._ev_bill()

    def _col(self, header, model, fname):
        return header.index(self.env[model]._fields[fname].string)

    def _xlsx(self, action):
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        export = self.env["ev.xlsx.export"].browse(attachment.res_id)
        self.assertEqual(export.attachment_id, attachment)
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw))
        return export, list(book.active.iter_rows(values_only=True))

    # -- Printing -------------------------------------------------------------------

    def test_manager_and_admin_print_abbreviated_tax_invoice(self):
        number = self.session_now.abbreviated_invoice_number
        self.assertTrue(number)
        for user in (self.user_manager, self.user_admin):
            self.assertFalse(user.has_group("account.group_account_invoice"))
            self.authenticate(user.login, user.login)
            response = self.url_open(
                "/report/html/ev_billing.report_ev_abbreviated_tax_invoice/"
                f"{self.session_now.id}"
            )
            self.assertEqual(response.status_code, 200, user.login)
            self.assertIn(number, response.text)
            self.assertIn("Abbreviated Tax Invoice", response.text)

    def test_lower_levels_cannot_print_abbreviated_tax_invoice(self):
        for user in (self.user_viewer, self.user_operator):
            with self.assertRaises(AccessError):
                self.env["ir.actions.report"].with_user(user)._render_qweb_html(
                    "ev_billing.report_ev_abbreviated_tax_invoice", self.session_now.ids
                )

    def test_operator_prints_desk_topup_receipt(self):
        wizard = (
            self.env["ev.wallet.operation"]
            .with_user(self.user_operator)
            .create(
                {
                    "partner_id": self.driver.id,
                    "amount": 250.0,
                    "operation": "topup",
                    "journal_id": self.cash_journal.id,
                    "company_id": self.company.id,
                }
            )
        )
        action = wizard.action_confirm()
        self.assertEqual(action["report_name"], "ev_billing.report_ev_wallet_receipt")
        line = self.env["ev.wallet.transaction"].browse(action["context"]["active_ids"])
        self.assertEqual(line.amount, 250.0)
        self.authenticate(self.user_operator.login, self.user_operator.login)
        response = self.url_open(
            f"/report/html/ev_billing.report_ev_wallet_receipt/{line.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("ใบรับเงิน", response.text)
        self.assertIn(line.name, response.text)
        self.assertIn("250.00", response.text)
        self.assertIn(self.driver.name, response.text)
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.user_viewer)._render_qweb_html(
                "ev_billing.report_ev_wallet_receipt", line.ids
            )

    # -- Excel and the Cycle filter -----------------------------------------------

    def test_viewer_exports_history_of_the_current_cycle(self):
        self.assertTrue(self.user_viewer.has_group("base.group_allow_export"))
        Session = self.env["ev.session"].with_user(self.user_viewer)
        domain = [("ev_cycles_ago", "=", 0)]
        self.assertEqual(Session.search(domain), self.session_now)
        self.assertEqual(Session.search([("ev_cycles_ago", "=", 2)]), self.session_old)
        self.assertEqual(self.session_old.with_user(self.user_viewer).ev_cycles_ago, 2)
        action = Session.with_context(
            active_domain=domain
        ).action_ev_export_history_xlsx()
        export, rows = self._xlsx(action)
        self.assertEqual(export.create_uid, self.user_viewer)
        self.assertEqual(export.row_count, 1)
        header = rows[3]
        self.assertIn("Energy (kWh)", header)
        data = [r for r in rows[4:] if r and r[2] == self.session_now.name]
        self.assertEqual(len(data), 1)
        total = rows[-1]
        self.assertEqual(total[0], "Total (1 rows)")
        self.assertAlmostEqual(
            total[self._col(header, "ev.session", "energy_kwh")], 12.5
        )
        self.assertAlmostEqual(
            total[self._col(header, "ev.session", "amount_total")], 107.0
        )
        self.assertAlmostEqual(
            total[self._col(header, "ev.session", "amount_parking")], 10.7
        )

    def test_viewer_exports_revenue_and_ledger(self):
        Session = self.env["ev.session"].with_user(self.user_viewer)
        _export, rows = self._xlsx(
            Session.with_context(
                active_domain=[("state", "=", "done")]
            ).action_ev_export_revenue_xlsx()
        )
        header = rows[3]
        self.assertEqual(rows[-1][0], "Total (2 rows)")
        self.assertAlmostEqual(
            rows[-1][self._col(header, "ev.session", "amount_total")], 160.5
        )
        self.assertAlmostEqual(
            rows[-1][self._col(header, "ev.session", "amount_untaxed")], 150.0
        )
        Ledger = self.env["ev.wallet.transaction"].with_user(self.user_viewer)
        _export, rows = self._xlsx(
            Ledger.with_context(
                active_domain=[("ev_cycles_ago", "=", 0), ("kind", "=", "topup")]
            ).action_ev_export_ledger_xlsx()
        )
        header = rows[3]
        self.assertEqual(rows[-1][0], "Total (1 rows)")
        self.assertAlmostEqual(
            rows[-1][self._col(header, "ev.wallet.transaction", "amount_in")], 1000.0
        )

    def test_export_headers_follow_the_user_language(self):
        self.env["res.lang"]._activate_lang("th_TH")
        self.user_viewer.lang = "th_TH"
        field = self.env["ev.session"]._fields["energy_kwh"]
        with patch.object(
            type(field),
            "_description_string",
            lambda f, env: f"[{env.lang}] {f.string}",
        ):
            _export, rows = self._xlsx(
                self.env["ev.session"]
                .with_user(self.user_viewer)
                .with_context(active_domain=[])
                .action_ev_export_history_xlsx()
            )
        self.assertIn("[th_TH] Energy (kWh)", rows[3])

    def test_billing_cycle_from_the_cut_off_day(self):
        self.company.ev_billing_cycle_day = 25
        Session = self.env["ev.session"]
        for today, expected in (
            (date(2026, 12, 1), (date(2026, 11, 25), date(2026, 12, 25))),
            (date(2026, 12, 25), (date(2026, 12, 25), date(2027, 1, 25))),
            (date(2026, 1, 10), (date(2025, 12, 25), date(2026, 1, 25))),
        ):
            with patch.object(
                type(Session), "_ev_local_today", lambda self, d=today: d
            ):
                self.assertEqual(
                    Session._ev_cycle_bounds(company=self.company), expected
                )
                self.assertEqual(
                    Session._ev_cycle_bounds(1, company=self.company),
                    (expected[0] - relativedelta(months=1), expected[0]),
                )

    # -- Trash and bridge dialogs ---------------------------------------------------

    def test_views_say_what_goes_to_the_trash(self):
        station_views = (
            self.env["ev.station"]
            .with_user(self.user_viewer)
            .get_views([(False, "list"), (False, "form")])
        )
        self.assertTrue(station_views["models"]["ev.station"].get("ev_trash"))
        Partner = self.env["res.partner"].with_user(self.user_operator)
        self.assertFalse(
            Partner.get_views([(False, "form")])["models"]["res.partner"].get(
                "ev_trash"
            )
        )
        self.assertTrue(
            Partner.with_context(ev_trash_on_delete=True)
            .get_views([(False, "form")])["models"]["res.partner"]
            .get("ev_trash")
        )
        trash_form = (
            self.env["ev.trash"]
            .with_user(self.user_viewer)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        # the Many2oneReference field needs its model field in the view
        self.assertIn('name="res_model"', trash_form)

    def test_admin_copies_a_new_command_token(self):
        wizard = (
            self.env["ev.bridge.setup.wizard"].with_user(self.user_admin).create({})
        )
        action = wizard.action_new_command_token()
        # the reopened form shows the token once; the wizard's row never holds it
        token = wizard.with_context(**action["context"]).web_read(
            {"new_command_token": {}}
        )[0]["new_command_token"]
        self.assertTrue(token)
        wizard.invalidate_recordset()
        self.assertFalse(wizard.new_command_token)
        self.assertEqual(token, wizard.command_token)
        wizard.action_save()
        self.assertEqual(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("ev_billing.bridge_command_token"),
            token,
        )
        arch = (
            self.env["ev.bridge.setup.wizard"]
            .with_user(self.user_admin)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn(
            '<field name="new_command_token" widget="CopyClipboardChar"', arch
        )

    # -- Summaries ----------------------------------------------------------------

    def test_charger_uptime_from_online_offline_changes(self):
        Connection = self.env["ev.charger.connection"].sudo()
        start = datetime(2026, 1, 1)
        Connection.create(
            [
                {
                    "charger_id": self.charger.id,
                    "date": start - timedelta(hours=1),
                    "online": True,
                },
                {
                    "charger_id": self.charger.id,
                    "date": start + timedelta(hours=6),
                    "online": False,
                },
                {
                    "charger_id": self.charger.id,
                    "date": start + timedelta(hours=12),
                    "online": True,
                },
            ]
        )
        uptime = self.charger._ev_uptime(start, start + timedelta(hours=24))
        self.assertAlmostEqual(uptime, 18 / 24)

    def test_charger_going_offline_is_recorded(self):
        self.charger.online = True
        self.charger.online = False
        self.assertEqual(
            self.charger.connection_ids.sorted("id").mapped("online"), [True, False]
        )

    def test_station_summary_for_the_cycle(self):
        self.station.utility_rate_id = False
        action = self.station.with_user(self.user_viewer).action_ev_charging_summary()
        summary = (
            self.env["ev.charging.summary"]
            .with_user(self.user_viewer)
            .browse(action["res_id"])
        )
        self.assertEqual(summary.period, "cycle")
        self.assertEqual(summary.session_count, 1)
        self.assertAlmostEqual(summary.energy_kwh, 12.5)
        self.assertAlmostEqual(summary.amount_parking, 10.7)
        self.assertAlmostEqual(summary.amount_untaxed, 100.0)
        self.assertGreater(summary.utilisation, 0.0)
        summary.period = "year"
        self.assertEqual(summary.date_from, date(summary.ref_date.year, 1, 1))
        sessions_action = summary.action_view_sessions()
        self.assertEqual(
            self.env["ev.session"].search(sessions_action["domain"]).ids
            if summary.session_count
            else [],
            self.env["ev.session"].search(summary._ev_session_domain()).ids,
        )
        charger_action = self.charger.with_user(self.user_viewer).action_view_sessions()
        self.assertEqual(
            self.env["ev.session"].search(charger_action["domain"]),
            self.session_now + self.session_old,
        )

    def test_driver_usage_history(self):
        driver = self.driver.with_user(self.user_viewer)
        self.assertEqual(driver.ev_session_count, 2)
        self.assertAlmostEqual(driver.ev_energy_kwh, 17.5)
        self.assertAlmostEqual(driver.ev_spend, 160.5)
        self.assertEqual(driver.ev_last_visit, self.session_now.start_time)
        self.assertIn(self.station.name, driver.ev_usage_html)
        action = driver.action_ev_view_sessions()
        self.assertEqual(
            self.env["ev.session"].search(action["domain"]),
            self.session_now + self.session_old,
        )

    # -- Overview -----------------------------------------------------------------

    def test_overview_board_and_push(self):
        offline = self.env["ev.charger"].create(
            {"name": "Dead box", "identity": "W-DEAD", "station_id": self.station.id}
        )
        self.charger.online = True
        self.connector.status = "Charging"
        data = self.env["ev.station"].with_user(self.user_viewer).ev_overview_data()
        station = next(s for s in data["stations"] if s["id"] == self.station.id)
        self.assertEqual(station["chargers"][0]["id"], offline.id, "offline first")
        self.assertGreaterEqual(data["counts"]["charging"], 1)
        self.assertGreaterEqual(data["counts"]["offline"], 1)
        group = self.env.ref("ev_billing.group_ev_viewer")
        self.env["bus.bus"].sudo().search([]).unlink()
        self.connector.with_user(
            self.env.ref("ev_billing.user_ev_bridge")
        ).sudo().write({"status": "Faulted", "error_code": "GroundFailure"})
        self.env.cr.flush()
        notifications = (
            self.env["bus.bus"]
            .sudo()
            .search([("channel", "like", f'"res.groups",{group.id}]')])
        )
        self.assertEqual(len(notifications), 1)
        self.assertIn("ev_billing/overview", notifications.message)
        self.assertIn(str(self.station.id), notifications.message)
        # a batch of events in one transaction: one notification
        for power in (1000.0, 2000.0, 3000.0):
            self.connector.charger_id.write({"last_heartbeat": fields.Datetime.now()})
            self.connector.write({"status_info": f"{power} W"})
        self.env.cr.flush()
        self.assertEqual(
            self.env["bus.bus"]
            .sudo()
            .search_count([("channel", "like", f'"res.groups",{group.id}]')]),
            2,
        )
        data = (
            self.env["ev.station"]
            .with_user(self.user_viewer)
            .ev_overview_data(self.station.id)
        )
        connector = data["stations"][0]["chargers"][-1]["connectors"][0]
        self.assertEqual(connector["status"], "Faulted")
        self.assertEqual(connector["error_code"], "GroundFailure")
