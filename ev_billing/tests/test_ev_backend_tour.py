import io
import threading
from datetime import timedelta
from unittest.mock import patch

import openpyxl

from odoo import api, fields
from odoo.tests import HttpCase, tagged

from odoo.addons.bus.websocket import WebsocketConnectionHandler

from .wallet_common import EvWalletCommon


@tagged("post_install", "-at_install")
class TestEvBackendTours(HttpCase, EvWalletCommon):
    """Each EV level clicks through every menu the README gives it, opens a Trash entry
    and prints or exports what it may — in headless Chromium, as a user holding only
    that level."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"vat": "0105551234567", "ev_billing_cycle_day": 1})
        for user in (
            cls.user_viewer,
            cls.user_operator,
            cls.user_manager,
            cls.user_admin,
        ):
            user.tz = "Asia/Bangkok"
        cls.Ledger.with_user(cls.user_operator)._ev_topup(
            cls.driver, 500.0, cls.cash_journal, company=cls.company
        )
        now = fields.Datetime.now().replace(microsecond=0)
        cls.billed_session = cls._session(107.0, kwh=12.5)
        cls.billed_session.write(
            {
                "start_time": now - timedelta(hours=1),
                "stop_time": now,
                "amount_untaxed": 100.0,
                "amount_vat": 7.0,
            }
        )
        cls.billed_session._ev_bill()
        trashed = cls.env["ev.station"].create(
            {
                "name": "Trashed Tour Station",
                "code": "TTS",
                "company_id": cls.company.id,
            }
        )
        trashed.with_user(cls.user_manager).unlink()
        cls.env["ev.charger"].create(
            {
                "name": "Tour Spare Box",
                "identity": "W-SPARE",
                "station_id": cls.station.id,
            }
        )
        cls.env["res.partner"].create(
            {
                "name": "Tour Desk Driver",
                "mobile": "+66 81 555 0321",
                "ev_is_driver": True,
                "company_id": cls.company.id,
            }
        )

    def _tour(self, name, user):
        self.start_tour(
            "/odoo/action-ev_billing.ev_overview_client_action", name, login=user.login
        )

    def test_viewer_clicks_everything_and_exports_the_cycle(self):
        self._tour("ev_billing_backend_viewer_tour", self.user_viewer)
        export = self.env["ev.xlsx.export"].search(
            [("create_uid", "=", self.user_viewer.id)]
        )
        self.assertEqual(len(export), 1, "one Excel file exported")
        rows = list(
            openpyxl.load_workbook(
                io.BytesIO(export.attachment_id.raw)
            ).active.iter_rows(values_only=True)
        )
        header = rows[3]
        Session = self.env["ev.session"]
        data = [row for row in rows[4:] if row and row[0] and row[2]]
        self.assertEqual([row[2] for row in data], [self.billed_session.name])
        total = rows[-1]
        self.assertEqual(total[0], "Total (1 rows)")
        energy = header.index(Session._fields["energy_kwh"].string)
        amount = header.index(Session._fields["amount_total"].string)
        self.assertAlmostEqual(total[energy], 12.5)
        self.assertAlmostEqual(total[amount], 107.0)

    def test_operator_clicks_everything_and_prints_the_desk_receipt(self):
        self._tour("ev_billing_backend_operator_tour", self.user_operator)
        line = self.Ledger.search(
            [("user_id", "=", self.user_operator.id), ("amount", "=", 321.0)]
        )
        self.assertEqual(line.kind, "topup")
        self.assertEqual(line.partner_id.name, "Tour Desk Driver")

    def test_manager_clicks_everything_and_prints_the_abbreviated_tax_invoice(self):
        self._tour("ev_billing_backend_manager_tour", self.user_manager)
        self.assertTrue(
            self.env["ev.charger"].search([("identity", "=", "W-SPARE")]),
            "the manager kept the charger",
        )

    def test_admin_clicks_everything_and_prints_the_abbreviated_tax_invoice(self):
        self._tour("ev_billing_backend_admin_tour", self.user_admin)
        token = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("ev_billing.bridge_command_token")
        )
        self.assertTrue(token and len(token) > 30)

    def test_overview_is_live(self):
        """A charger's StatusNotification reaches the board over the bus, no reload."""
        self.charger.online = True
        self.connector._set_ocpp_status("Available")
        self.env["ev.charger"].create(
            {
                "name": "Tour Dead Box",
                "identity": "W-DEAD",
                "station_id": self.station.id,
            }
        )
        board_shown = threading.Event()
        Station = type(self.env["ev.station"])
        overview_data = Station.ev_overview_data

        @api.model
        @api.model
        def spy(station, station_id=False):
            board_shown.set()
            return overview_data(station, station_id)

        def charger_starts_charging():
            board_shown.wait(60)
            with self.registry.cursor() as cr:
                env = self.env(cr=cr)
                env["ev.ocpp.event"].sudo()._ingest(
                    [
                        {
                            "key": "W-TOUR|status|Charging",
                            "identity": self.charger.identity,
                            "kind": "status",
                            "occurred_at": fields.Datetime.now().isoformat() + "Z",
                            "payload": {
                                "connector_id": 1,
                                "status": "Charging",
                                "error_code": "NoError",
                                "info": None,
                                "vendor_error_code": None,
                            },
                        }
                    ]
                )
                # a test cursor drops post-commit hooks: send the bus's NOTIFY here
                cr.flush()
                cr.postcommit.run()

        # Odoo turns websockets off in tests unless a test asks for them (as bus's
        # WebsocketCase does): this one is about the websocket.
        with (
            patch.object(Station, "ev_overview_data", spy),
            patch.object(
                WebsocketConnectionHandler, "websocket_allowed", return_value=True
            ),
        ):
            thread = threading.Thread(target=charger_starts_charging)
            thread.start()
            try:
                self._tour("ev_billing_overview_live_tour", self.user_viewer)
            finally:
                board_shown.set()
                thread.join()
        self.assertEqual(self.connector.status, "Charging")
