import json

from odoo.tests import HttpCase, tagged

from .owner_common import EvOwnerCommon


@tagged("post_install", "-at_install")
class TestEvOwnerPortal(HttpCase, EvOwnerCommon):
    """/my/stations as owners see it: their own stations and statements only, nothing
    of other owners or of drivers; anything else is a 404."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.statement_flex = cls._settle_march()
        cls.statement_fast = cls._statement(
            cls.owner_fast, cls.statement_flex.date_from
        )

    def test_owner_sees_own_stations_only(self):
        self.authenticate("o_portal_flex", "o_portal_flex")
        response = self.url_open("/my/stations")
        self.assertEqual(response.status_code, 200)
        html = response.text
        for text in (
            "Riverside A",
            "Riverside B",
            self.statement_flex.name,
            "3,420.90",
        ):
            self.assertIn(text, html)
        for text in ("Sukhumvit", "Green Fleet", self.statement_fast.name):
            self.assertNotIn(text, html)
        station = self.url_open(f"/my/stations/{self.station_a.id}")
        self.assertEqual(station.status_code, 200)
        self.assertIn("20.000", station.text)
        # Riverside B left the plan on 10 March: its later sessions are not shown.
        station_b = self.url_open(f"/my/stations/{self.station_b.id}").text
        self.assertIn(self.s_b1.name, station_b)
        self.assertNotIn(self.s_b_after.name, station_b)
        # PDPA: the owner sees sessions, not who charged.
        for text in ("Somchai", "+66 81 111 0001", self.s_a1.id_tag or "Somchai"):
            self.assertNotIn(text, station.text)

    def test_other_owners_records_are_404(self):
        self.authenticate("o_portal_flex", "o_portal_flex")
        missing = self.env["ev.station"].search([], order="id desc", limit=1).id + 1000
        for url in (
            f"/my/stations/{self.station_fast.id}",
            f"/my/stations/{self.station_save.id}",
            f"/my/stations/{missing}",
            f"/my/stations/statements/{self.statement_fast.id}",
            f"/my/stations/statements/{self.statement_fast.id}?report_type=pdf",
            f"/my/stations/statements/{self.statement_fast.id}?report_type=xlsx",
        ):
            self.assertEqual(self.url_open(url).status_code, 404, url)
        # The hotel's manager sees the hotel's station and statement, not Riverside.
        self.authenticate("o_portal_fast", "o_portal_fast")
        self.assertEqual(
            self.url_open(f"/my/stations/{self.station_fast.id}").status_code, 200
        )
        self.assertEqual(
            self.url_open(
                f"/my/stations/statements/{self.statement_fast.id}"
            ).status_code,
            200,
        )
        self.assertEqual(
            self.url_open(f"/my/stations/{self.station_a.id}").status_code, 404
        )
        self.assertEqual(
            self.url_open(
                f"/my/stations/statements/{self.statement_flex.id}"
            ).status_code,
            404,
        )

    def test_statement_downloads(self):
        self.authenticate("o_portal_flex", "o_portal_flex")
        url = self.statement_flex.access_url
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("3,420.90", page.text)
        report = self.url_open(f"{url}?report_type=html")
        self.assertEqual(report.status_code, 200)
        self.assertIn("ใบแจ้งยอดเจ้าของสถานี", report.content.decode())
        xlsx = self.url_open(f"{url}?report_type=xlsx")
        self.assertEqual(xlsx.status_code, 200)
        self.assertEqual(xlsx.content[:2], b"PK")

    def test_connector_status_pushed_to_owner(self):
        connector = self.station_a.charger_ids.connector_ids[:1]
        Bus = self.env["bus.bus"].sudo()
        Bus.search([]).unlink()
        connector.write({"status": "Charging"})
        self.env.cr.precommit.run()
        notifications = Bus.search([("message", "like", "ev_owner_connector_status")])
        self.assertEqual(len(notifications), 1)
        self.assertIn(f'"res.partner",{self.owner_flex.id}]', notifications.channel)
        self.assertEqual(
            json.loads(notifications.message)["payload"],
            {
                "connector_id": connector.id,
                "status": "Charging",
                "css_class": "text-bg-warning",
            },
        )

    def test_owner_portal_tour(self):
        self.start_tour("/my", "ev_billing_owner_portal_tour", login="o_portal_flex")
