from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .test_ev_tariff import EvTariffCommon

WED_10H = datetime(2025, 3, 12, 3, 0)  # Wednesday 12 March 2025, 10:00 Bangkok: on-peak


@tagged("post_install", "-at_install")
class TestEvTariffSession(EvTariffCommon):
    """The tariff hooks of ev.session: frozen at start, priced at unplug with each part
    shown."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.utility = cls.env["ev.utility.rate"].create(
            {
                "name": "Seed TOU",
                "company_id": cls.company.id,
                "kind": "tou",
                "on_peak_per_kwh": 5.7982,
                "off_peak_per_kwh": 2.6369,
                "ft_per_kwh": 0.9343,
                "vat_percent": 7,
                "service_charge_per_month": 38.22,
            }
        )
        cls.station.utility_rate_id = cls.utility

    def setUp(self):
        super().setUp()
        # billing (wallet, invoices) is not what these tests look at
        patcher = patch.object(
            self.registry["ev.session"], "_ev_bill", lambda self: True
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def _session(self, connector, transaction_id, start, tag="AA000001"):
        return self.env["ev.session"]._ocpp_start(
            connector.charger_id, connector, tag, 0, start, transaction_id
        )

    def _close(self, session, meter_stop, stop, unplug):
        session._ocpp_stop(meter_stop, stop)
        session._ocpp_unplugged(unplug)
        return session

    def test_tariff_frozen_at_start_and_priced_at_unplug(self):
        session = self._session(self.connector_1_1, 1, WED_10H)
        self.assertEqual(session.tariff_id, self.tariff)
        self.assertEqual(session.ev_tier, "member")
        self.assertEqual(
            session.tariff_snapshot["tiers"]["member"]["energy_price_on_peak"], "7.5"
        )
        # the Manager raises prices while the car charges: the session keeps its prices
        self.tariff.rate_ids.write(
            {"energy_price_on_peak": 100.0, "overstay_fee_on_peak": 100.0}
        )
        self.tariff.exempt_window_ids.unlink()
        # 10 kWh in one on-peak hour, unplugged 25 minutes later: 15 minutes after the
        # 10-minute grace
        self._close(
            session,
            10000,
            WED_10H + timedelta(hours=1),
            WED_10H + timedelta(hours=1, minutes=25),
        )
        self.assertEqual(session.state, "done")
        self.assertEqual(session.energy_on_peak_kwh, 10.0)
        self.assertEqual(session.energy_off_peak_kwh, 0.0)
        self.assertEqual(session.amount_energy_on_peak, 75.0)
        self.assertEqual(session.amount_energy, 75.0)
        self.assertEqual(session.overstay_minutes, 15)
        self.assertEqual(session.amount_overstay, 150.0)
        self.assertEqual(session.amount_parking, 0.0)
        self.assertEqual(session.amount_total, 225.0)
        self.assertEqual(session.amount_vat, 14.72)  # 4.91 + 9.81, per line
        self.assertEqual(session.amount_untaxed, 210.28)
        # utility: 10 kWh × 5.7982 = 57.98, Ft 10 × 0.9343 = 9.34
        self.assertEqual(session.energy_cost, 67.32)
        self.assertAlmostEqual(session.margin, 142.96, places=2)

    def test_energy_split_by_meter_timeline_and_exempt_night(self):
        # 21:00 → 23:00 Bangkok on Wednesday; 9 kWh before 22:00 by the samples, 1 kWh
        # after
        start = datetime(2025, 3, 12, 14, 0)
        session = self._session(self.connector_1_1, 2, start)
        session._ocpp_meter_values(
            [
                {"timestamp": "2025-03-12T14:30:00Z", "energy_wh": 4500},
                {"timestamp": "2025-03-12T15:00:00+00:00", "energy_wh": 9000},
            ]
        )
        # unplugged at 23:40: overstay 40 min, but member overstay is exempt from 22:00
        self._close(
            session,
            10000,
            start + timedelta(hours=2),
            start + timedelta(hours=2, minutes=40),
        )
        self.assertEqual(session.energy_on_peak_kwh, 9.0)
        self.assertEqual(session.energy_off_peak_kwh, 1.0)
        self.assertEqual(session.amount_energy, 72.0)  # 9 × 7.5 + 1 × 4.5
        self.assertEqual(session.amount_overstay, 0.0)
        self.assertEqual(session.amount_total, 72.0)

    def test_vip_bought_kwh_never_billed_beyond(self):
        session = self._session(self.connector_1_1, 3, WED_10H, tag="BB000002")
        session.requested_kwh = 5.0
        self._close(
            session,
            5040,
            WED_10H + timedelta(minutes=40),
            WED_10H + timedelta(minutes=40),
        )
        self.assertEqual(session.ev_tier, "vip")
        self.assertEqual(session.billed_kwh, 5.0)
        self.assertEqual(session.amount_energy, 32.5)  # 5 × 6.5

    def test_tesla_idle_fee_follows_station_occupancy(self):
        tesla = self.env.ref("ev_billing.ev_tariff_tesla_idle_fee").copy(
            {"company_id": self.company.id}
        )
        self.station.tariff_id = tesla
        # B occupies a second connector until 11:20 Bangkok; the station has 3
        # connectors
        other = self._session(self.connector_1_2, 11, WED_10H, tag="BB000002")
        self._close(
            other,
            3000,
            WED_10H + timedelta(minutes=30),
            WED_10H + timedelta(hours=1, minutes=20),
        )
        session = self._session(self.connector_1_1, 12, WED_10H)
        # charging ends 11:00, unplug 11:30: 2/3 occupied until 11:20 (charged), 1/3
        # after (not charged); past the 5-minute grace the fee runs from the end of
        # charging
        self._close(
            session,
            10000,
            WED_10H + timedelta(hours=1),
            WED_10H + timedelta(hours=1, minutes=30),
        )
        timeline = self.station._ev_occupancy_timeline(
            WED_10H + timedelta(hours=1), WED_10H + timedelta(hours=2)
        )
        self.assertEqual(
            [(t, occupied, total) for t, occupied, total in timeline],
            [
                (WED_10H + timedelta(hours=1), 2, 3),
                (WED_10H + timedelta(hours=1, minutes=20), 1, 3),
                (WED_10H + timedelta(hours=1, minutes=30), 0, 3),
            ],
        )
        self.assertEqual(session.overstay_minutes, 20)
        self.assertEqual(session.overstay_minutes_multiplied, 0)
        self.assertEqual(session.amount_overstay, 240.0)

    def test_station_without_tariff_goes_to_review(self):
        self.station.tariff_id = False
        session = self._session(self.connector_1_1, 4, WED_10H)
        self.assertFalse(session.tariff_id)
        self._close(
            session,
            1000,
            WED_10H + timedelta(minutes=10),
            WED_10H + timedelta(minutes=10),
        )
        self.assertEqual(session.state, "review")
        self.assertIn("tariff", session.review_reason)
        self.assertEqual(session.amount_total, 0.0)

    def test_quote_uses_the_chargers_recent_power(self):
        start = fields.Datetime.now() - timedelta(hours=3)
        session = self._session(self.connector_1_1, 5, start)
        self._close(
            session, 8000, start + timedelta(hours=2), start + timedelta(hours=2)
        )  # 4 kW on average
        quote = self.env["ev.tariff"]._ev_quote(
            10, "member", connector=self.connector_1_1
        )
        self.assertEqual(quote["power_source"], "recent")
        self.assertEqual(quote["power_kw"], 4.0)
        self.assertEqual(quote["duration_minutes"], 150)
        # another connector has no history: 90 % of its maximum
        self.assertEqual(
            self.env["ev.tariff"]._ev_quote(10, "member", connector=self.connector_2_1)[
                "power_source"
            ],
            "max",
        )
