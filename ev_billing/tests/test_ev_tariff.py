from datetime import date, datetime, time
from decimal import Decimal

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.ev_billing import pricing

from .common import EvBillingCommon

# Instants in naive UTC (Bangkok is UTC+7, no daylight saving).
SATURDAY_10H = datetime(2025, 3, 8, 3, 0)  # Sat 8 March 2025 10:00 Bangkok: off-peak
WEDNESDAY_10H = datetime(2025, 3, 12, 3, 0)  # Wed 12 March 2025 10:00 Bangkok: on-peak
SONGKRAN_MONDAY_10H = datetime(
    2025, 4, 14, 3, 0
)  # Songkran Festival, a Monday: off-peak holiday
IN_LIEU_WEDNESDAY_10H = datetime(
    2025, 4, 16, 3, 0
)  # Songkran (in lieu): on-peak for the utilities


class EvTariffCommon(EvBillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tariff = cls.env["ev.tariff"].create(
            {
                "name": "Test Tariff",
                "company_id": cls.company.id,
                "rate_ids": [
                    Command.create(
                        {
                            "tier": "member",
                            "energy_price_on_peak": 7.5,
                            "energy_price_off_peak": 4.5,
                            "overstay_fee_on_peak": 10.0,
                            "overstay_fee_off_peak": 10.0,
                            "grace_minutes": 10,
                        }
                    ),
                    Command.create(
                        {
                            "tier": "vip",
                            "energy_price_on_peak": 6.5,
                            "energy_price_off_peak": 3.9,
                        }
                    ),
                ],
                "exempt_window_ids": [
                    Command.create(
                        {"tier": "member", "hour_from": 22.0, "hour_to": 7.0}
                    )
                ],
            }
        )
        cls.station.tariff_id = cls.tariff


@tagged("post_install", "-at_install")
class TestEvTariffConfiguration(EvTariffCommon):
    def test_new_tariff_has_both_tiers_and_counts_overstay_from_grace_end(self):
        with Form(self.env["ev.tariff"].with_user(self.user_manager)) as form:
            form.name = "Form Tariff"
            self.assertEqual(form.overstay_from, "grace_end")
            self.assertEqual(len(form.rate_ids), 2)
            with form.rate_ids.edit(0) as line:
                line.energy_price_on_peak = 8.0
                line.energy_price_off_peak = 5.0
                line.occupancy_rule = True
            with form.exempt_window_ids.new() as window:
                window.hour_from = 22.5
                window.hour_to = 6.0
        tariff = form.record
        self.assertEqual(sorted(tariff.rate_ids.mapped("tier")), ["member", "vip"])
        self.assertTrue(tariff.exempt_window_ids.crosses_midnight)
        self.assertEqual(tariff.exempt_window_ids.display_name, "22:30–06:00")

    def test_manager_types_the_tesla_example_and_every_rule_in_the_form(self):
        """Every rule of the brochure through the form: the result is what the pricing
        core expects."""
        with Form(
            self.env["ev.tariff"]
            .with_user(self.user_manager)
            .with_company(self.company)
        ) as form:
            form.name = "Typed by hand"
            form.overstay_from = "charge_end"
            form.on_peak_hour_from = 9.0
            form.on_peak_hour_to = 22.0
            for index in (0, 1):
                with form.rate_ids.edit(index) as line:
                    line.energy_price_on_peak = 7.5
                    line.energy_price_off_peak = 4.5
                    line.parking_fee_on_peak = 20.0
                    line.parking_fee_off_peak = 10.0
                    line.parking_free_minutes = 60
                    line.overstay_fee_on_peak = 12.0
                    line.overstay_fee_off_peak = 12.0
                    line.grace_minutes = 5
                    line.occupancy_rule = True
                    line.occupancy_min_percent = 50.0
                    line.occupancy_full_multiplier = 2.0
            with form.exempt_window_ids.new() as window:
                window.tier = "vip"
                window.hour_from = 22.0
                window.hour_to = 7.0
        rates = form.record._ev_rates()
        tesla = pricing.tesla_overstay_preset(
            Decimal("7.5"),
            Decimal("4.5"),
            parking_fee_per_hour_on_peak=Decimal(20),
            parking_fee_per_hour_off_peak=Decimal(10),
            parking_free_minutes=60,
        )
        self.assertEqual(rates.member, tesla)
        self.assertEqual(
            rates.vip,
            pricing.TierRates(
                **{
                    **{name: getattr(tesla, name) for name in tesla.__slots__},
                    "exempt_windows": ((time(22), time(7)),),
                }
            ),
        )

    def test_rates_built_for_the_core(self):
        rates = self.tariff._ev_rates()
        self.assertIsInstance(rates, pricing.TariffRates)
        member, vip = rates.member, rates.vip
        self.assertEqual(member.energy_price_on_peak, Decimal("7.5"))
        self.assertEqual(member.energy_price_off_peak, Decimal("4.5"))
        self.assertEqual(member.overstay_fee_per_minute_on_peak, Decimal("10.0"))
        self.assertEqual(member.grace_minutes, 10)
        self.assertEqual(member.overstay_from, "grace_end")
        self.assertEqual(member.exempt_windows, ((time(22), time(7)),))
        self.assertIsNone(member.occupancy_rule)
        # the window was for members only
        self.assertEqual(vip.exempt_windows, ())
        self.assertEqual(vip.energy_price_off_peak, Decimal("3.9"))

    def test_vip_falls_back_to_member_prices(self):
        self.tariff.rate_ids.filtered(lambda r: r.tier == "vip").unlink()
        self.assertEqual(
            self.tariff._ev_rates().vip.energy_price_on_peak, Decimal("7.5")
        )

    def test_bad_values_are_refused(self):
        member = self.tariff.rate_ids.filtered(lambda r: r.tier == "member")
        with self.assertRaises(ValidationError):
            member.energy_price_on_peak = -1
        with self.assertRaises(ValidationError):
            member.occupancy_min_percent = 120
        with self.assertRaises(ValidationError):
            self.tariff.exempt_window_ids.hour_to = 22.0
        with self.assertRaises(ValidationError):
            self.tariff.write({"on_peak_hour_from": 22.0, "on_peak_hour_to": 9.0})

    def test_one_line_per_tier(self):
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["ev.tariff.rate"].create(
                {
                    "tariff_id": self.tariff.id,
                    "tier": "member",
                    "energy_price_on_peak": 1,
                    "energy_price_off_peak": 1,
                }
            )

    def test_tesla_preset_matches_the_core_preset(self):
        preset = self.env.ref("ev_billing.ev_tariff_tesla_idle_fee")
        core = pricing.tesla_overstay_preset(Decimal("7.5"), Decimal("4.5"))
        for tier_rates in (preset._ev_rates().member, preset._ev_rates().vip):
            self.assertEqual(tier_rates.overstay_fee_per_minute_on_peak, Decimal(12))
            self.assertEqual(tier_rates.overstay_fee_per_minute_off_peak, Decimal(12))
            self.assertEqual(tier_rates.grace_minutes, 5)
            self.assertEqual(tier_rates.overstay_from, core.overstay_from)
            self.assertEqual(tier_rates.occupancy_rule, core.occupancy_rule)
            self.assertEqual(tier_rates.occupancy_rule.factor(1, 2), 1)
            self.assertEqual(tier_rates.occupancy_rule.factor(2, 2), 2)
            self.assertEqual(tier_rates.occupancy_rule.factor(1, 3), 0)

    def test_apply_tesla_button(self):
        self.tariff.with_user(self.user_manager).action_apply_tesla_overstay()
        member = self.tariff._ev_rates().member
        self.assertEqual(member.overstay_fee_per_minute_on_peak, Decimal(12))
        self.assertEqual(member.grace_minutes, 5)
        self.assertEqual(
            member.occupancy_rule, pricing.OccupancyRule(Decimal(50), Decimal(2))
        )
        self.assertEqual(self.tariff.overstay_from, "charge_end")
        # energy prices are untouched
        self.assertEqual(member.energy_price_on_peak, Decimal("7.5"))

    def test_condo_preset_expresses_parking_and_night_exemption(self):
        preset = self.env.ref("ev_billing.ev_tariff_condo_night")._ev_rates()
        self.assertEqual(preset.member.exempt_windows, ((time(22), time(7)),))
        self.assertEqual(preset.vip.exempt_windows, ((time(22), time(7)),))
        self.assertEqual(preset.member.parking_fee_per_hour_on_peak, Decimal(20))
        self.assertEqual(preset.member.parking_free_minutes, 120)

    def test_utility_presets_match_the_seed(self):
        tou = self.env.ref("ev_billing.ev_utility_rate_tou_seed")._ev_utility_rates()
        seed = pricing.UtilityRates.tou_seed()
        for name in (
            "kind",
            "on_peak_per_kwh",
            "off_peak_per_kwh",
            "ft_per_kwh",
            "vat_percent",
            "service_charge_per_month",
        ):
            self.assertEqual(getattr(tou, name), getattr(seed, name), name)
        progressive = self.env.ref(
            "ev_billing.ev_utility_rate_mea_1_1_2"
        )._ev_utility_rates()
        self.assertEqual(
            progressive.blocks, pricing.UtilityRates.progressive_mea_1_1_2().blocks
        )
        # 10 kWh on-peak, 10 kWh off-peak at the seed's TOU: 57.98 + 26.37 energy, 18.69
        # Ft
        cost = self.env.ref("ev_billing.ev_utility_rate_tou_seed")._ev_energy_cost(
            {"on_peak": 10000, "off_peak": 10000}
        )
        self.assertEqual(cost.amount_untaxed, Decimal("103.04"))

    def test_progressive_blocks_must_end_open(self):
        with self.assertRaises(ValidationError):
            self.env["ev.utility.rate"].create(
                {
                    "name": "Broken",
                    "kind": "progressive",
                    "company_id": self.company.id,
                    "block_ids": [
                        Command.create({"up_to_kwh": 150, "price_per_kwh": 3})
                    ],
                }
            )


@tagged("post_install", "-at_install")
class TestEvTouHolidays(EvTariffCommon):
    def _holiday(self, day):
        return self.env["ev.tou.holiday"].search(
            [("company_id", "=", self.company.id), ("date", "=", day)]
        )

    def test_generate_thai_holidays(self):
        Holiday = self.env["ev.tou.holiday"].with_company(self.company)
        created = Holiday._ev_generate(2025, self.company)
        self.assertGreaterEqual(len(created), 20)
        self.assertEqual(set(created.mapped("year")), {2025})
        self.assertTrue(
            self._holiday(date(2025, 4, 14)).off_peak, "Songkran is off-peak"
        )
        self.assertTrue(self._holiday(date(2025, 12, 5)).off_peak)
        self.assertFalse(
            self._holiday(date(2025, 4, 16)).off_peak,
            "a substitute day is not off-peak",
        )
        self.assertFalse(
            self._holiday(date(2025, 6, 2)).off_peak, "a bridge holiday is not off-peak"
        )
        Holiday._ev_generate(2024, self.company)
        self.assertFalse(
            self._holiday(date(2024, 5, 10)).off_peak,
            "Royal Ploughing Day is not off-peak",
        )

    def test_generating_again_keeps_edits(self):
        Holiday = self.env["ev.tou.holiday"]
        Holiday._ev_generate(2025, self.company)
        count = Holiday.search_count([("company_id", "=", self.company.id)])
        self._holiday(date(2025, 4, 16)).off_peak = True
        self.assertFalse(Holiday._ev_generate(2025, self.company))
        self.assertEqual(
            Holiday.search_count([("company_id", "=", self.company.id)]), count
        )
        self.assertTrue(self._holiday(date(2025, 4, 16)).off_peak)

    def test_calendar_follows_holidays_and_their_edits(self):
        self.env["ev.tou.holiday"]._ev_generate(2025, self.company)
        calendar = self.tariff._ev_calendar(self.station)
        self.assertEqual(calendar.period_at(SATURDAY_10H), "off_peak")
        self.assertEqual(calendar.period_at(WEDNESDAY_10H), "on_peak")
        self.assertEqual(calendar.period_at(SONGKRAN_MONDAY_10H), "off_peak")
        self.assertEqual(calendar.period_at(IN_LIEU_WEDNESDAY_10H), "on_peak")
        # a Manager makes the substitute day off-peak: the next calendar knows it
        self._holiday(date(2025, 4, 16)).with_user(self.user_manager).off_peak = True
        self.assertEqual(
            self.tariff._ev_calendar(self.station).period_at(IN_LIEU_WEDNESDAY_10H),
            "off_peak",
        )
        # another company's holidays do not count
        self.assertNotIn(
            date(2025, 4, 16),
            self.env["ev.tou.holiday"]._ev_off_peak_dates(
                self.env.ref("base.main_company").id
            ),
        )

    def test_station_time_zone_moves_the_peak(self):
        calendar = self.tariff._ev_calendar(self.station)
        self.assertEqual(
            calendar.period_at(datetime(2025, 3, 12, 14, 30)), "on_peak"
        )  # 21:30 Bangkok
        self.assertEqual(
            calendar.period_at(datetime(2025, 3, 12, 15, 30)), "off_peak"
        )  # 22:30 Bangkok
        self.station.tz = "UTC"
        self.assertEqual(
            self.tariff._ev_calendar(self.station).period_at(
                datetime(2025, 3, 12, 15, 30)
            ),
            "on_peak",
        )

    def test_generate_wizard_and_cron(self):
        wizard_form = Form(
            self.env["ev.tou.holiday.generate"]
            .with_user(self.user_manager)
            .with_company(self.company)
        )
        wizard_form.year = 2026
        action = wizard_form.save().action_generate()
        self.assertEqual(action["res_model"], "ev.tou.holiday")
        self.assertTrue(self._holiday(date(2026, 4, 13)).off_peak)
        self.env["ev.tou.holiday"]._cron_generate_holidays()
        this_year = date.today().year
        for year in (this_year, this_year + 1):
            self.assertTrue(
                self.env["ev.tou.holiday"].search_count(
                    [("company_id", "=", self.company.id), ("year", "=", year)]
                ),
                year,
            )


@tagged("post_install", "-at_install")
class TestEvTariffQuote(EvTariffCommon):
    def test_quote_off_peak_and_on_peak(self):
        Tariff = self.env["ev.tariff"]
        quote = Tariff._ev_quote(
            10, "member", connector=self.connector_1_1, start=SATURDAY_10H
        )
        self.assertEqual(quote["amount_total"], 45.0)
        self.assertEqual(quote["amount_vat"], 2.94)
        self.assertEqual(quote["amount_untaxed"], 42.06)
        self.assertEqual([line["code"] for line in quote["lines"]], ["energy_off_peak"])
        # 11 kW connector, no recent sessions: 0.9 × 11 = 9.9 kW; 10 kWh take 3,636.4 s
        self.assertEqual(quote["power_source"], "max")
        self.assertEqual(quote["duration_seconds"], 3637)
        self.assertEqual(quote["duration_minutes"], 61)
        quote = Tariff._ev_quote(
            10, "member", connector=self.connector_1_1, start=WEDNESDAY_10H
        )
        self.assertEqual(quote["amount_total"], 75.0)
        self.assertEqual(quote["period_now"], "on_peak")

    def test_quote_vip_station_and_holiday(self):
        Tariff = self.env["ev.tariff"]
        self.assertEqual(
            Tariff._ev_quote(10, "vip", station=self.station, start=WEDNESDAY_10H)[
                "amount_total"
            ],
            65.0,
        )
        self.env["ev.tou.holiday"]._ev_generate(2025, self.company)
        self.assertEqual(
            Tariff._ev_quote(
                10, "member", station=self.station, start=SONGKRAN_MONDAY_10H
            )["amount_total"],
            45.0,
        )
        self.assertEqual(
            Tariff._ev_quote(
                10, "member", station=self.station, start=IN_LIEU_WEDNESDAY_10H
            )["amount_total"],
            75.0,
        )

    def test_quote_across_the_peak_boundary(self):
        # 21:00 Bangkok Wednesday on a 7.4 kW connector (6.66 kW): 1 h on-peak, the rest
        # off-peak
        quote = self.env["ev.tariff"]._ev_quote(
            13.32,
            "member",
            connector=self.connector_2_1,
            start=datetime(2025, 3, 12, 14, 0),
        )
        self.assertEqual(quote["duration_seconds"], 7200)
        self.assertEqual(
            {line["code"]: line["amount"] for line in quote["lines"]},
            {"energy_on_peak": 49.95, "energy_off_peak": 29.97},
        )
        self.assertEqual(quote["amount_total"], 79.92)

    def test_quote_refuses_bad_requests(self):
        Tariff = self.env["ev.tariff"]
        with self.assertRaises(UserError):
            Tariff._ev_quote(0, "member", connector=self.connector_1_1)
        with self.assertRaises(UserError):
            Tariff._ev_quote("nan", "member", connector=self.connector_1_1)
        with self.assertRaises(UserError):
            Tariff._ev_quote(10, "gold", connector=self.connector_1_1)
        self.station.tariff_id = False
        with self.assertRaises(UserError):
            Tariff._ev_quote(10, "member", connector=self.connector_1_1)

    def test_energy_for_amount(self):
        calendar = self.tariff._ev_calendar(self.station)
        energy = self.tariff._energy_wh_for_amount(
            "member", 100, SATURDAY_10H, calendar, 11
        )
        # 4.5 THB/kWh off-peak: 22.223 kWh cost 100.0035, rounded to 100.00; 22.224 kWh
        # cost 100.01
        self.assertEqual(energy, 22223)
        price = pricing.quote(
            self.tariff._ev_rates(),
            "member",
            Decimal(energy) / 1000,
            SATURDAY_10H,
            calendar,
            11,
        ).amount_total
        more = pricing.quote(
            self.tariff._ev_rates(),
            "member",
            Decimal(energy + 1) / 1000,
            SATURDAY_10H,
            calendar,
            11,
        ).amount_total
        self.assertLessEqual(price, Decimal(100))
        self.assertGreater(more, Decimal(100))
        self.assertEqual(
            self.tariff._energy_wh_for_amount("member", 0, SATURDAY_10H, calendar, 11),
            0,
        )
        # the wallet's short call: calendar and power from the station
        self.assertEqual(
            self.tariff._energy_wh_for_amount("member", 100, SATURDAY_10H), 22223
        )
        self.assertEqual(
            self.tariff._energy_wh_for_amount(
                "member", 100, WEDNESDAY_10H, connector=self.connector_1_1
            ),
            13333,
        )


@tagged("post_install", "-at_install")
class TestEvTariffAccess(EvTariffCommon):
    def test_viewer_reads_but_cannot_edit(self):
        env = self.env(user=self.user_viewer)
        tariff = env["ev.tariff"].browse(self.tariff.id)
        self.assertEqual(tariff.name, "Test Tariff")
        self.assertEqual(len(tariff.rate_ids), 2)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            tariff.write({"name": "Cheaper"})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            tariff.rate_ids[0].write({"energy_price_on_peak": 0})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.tariff"].create({"name": "Viewer tariff"})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.tou.holiday"].create({"name": "Day off", "date": date(2025, 3, 3)})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.utility.rate"].create({"name": "Cheap power"})
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            env["ev.station"].browse(self.station.id).write({"tariff_id": False})

    def test_operator_cannot_edit_manager_can(self):
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            self.tariff.with_user(self.user_operator).write({"name": "Operator price"})
        self.tariff.with_user(self.user_manager).write({"name": "Manager price"})
        self.tariff.rate_ids[0].with_user(self.user_manager).energy_price_on_peak = 9
        self.assertEqual(self.tariff.name, "Manager price")

    def test_deleting_a_tariff_moves_it_to_trash(self):
        self.tariff.with_user(self.user_manager).unlink()
        self.assertTrue(self.tariff.exists())
        self.assertTrue(self.tariff.ev_trashed)
        self.assertFalse(self.tariff.active)
        self.assertTrue(self._ev_trash_entry(self.tariff))

    def test_other_company_cannot_see_tariff(self):
        other = self.env["res.company"].create({"name": "Other EV Company"})
        self.user_manager.write(
            {"company_ids": [Command.link(other.id)], "company_id": other.id}
        )
        env = self.env(
            user=self.user_manager, context={"allowed_company_ids": [other.id]}
        )
        self.assertFalse(env["ev.tariff"].search([("id", "=", self.tariff.id)]))


@tagged("post_install", "-at_install")
class TestEvQuoteRoute(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.tariff = cls.env["ev.tariff"].create(
            {
                "name": "Flat Route Tariff",
                "rate_ids": [
                    Command.create(
                        {
                            "tier": "member",
                            "energy_price_on_peak": 7.0,
                            "energy_price_off_peak": 7.0,
                        }
                    ),
                    Command.create(
                        {
                            "tier": "vip",
                            "energy_price_on_peak": 6.0,
                            "energy_price_off_peak": 6.0,
                        }
                    ),
                ],
            }
        )
        cls.station = cls.env["ev.station"].create(
            {
                "name": "Route Station",
                "code": "RTE",
                "company_id": company.id,
                "state": "open",
                "tariff_id": cls.tariff.id,
            }
        )
        charger = cls.env["ev.charger"].create(
            {
                "name": "Route Wallbox",
                "identity": "RTE-CP-001",
                "station_id": cls.station.id,
                "max_power_kw": 22,
            }
        )
        cls.connector = cls.env["ev.connector"].create(
            {"charger_id": charger.id, "connector_number": 1, "max_power_kw": 22}
        )
        cls.vip_driver = cls.env["res.partner"].create(
            {
                "name": "VIP Route Driver",
                "mobile": "+66 81 999 0001",
                "ev_is_driver": True,
                "ev_tier": "vip",
            }
        )
        cls.vip_user = cls.env["res.users"].create(
            {
                "login": "vip_route_driver",
                "password": "vip_route_driver",
                "partner_id": cls.vip_driver.id,
                "groups_id": [Command.set([cls.env.ref("base.group_portal").id])],
            }
        )

    def test_public_quote_on_each_kwh_change(self):
        token = self.connector.access_token
        for kwh, total in ((5, 35.0), (10, 70.0), (12.5, 87.5)):
            result = self.make_jsonrpc_request(
                "/ev/quote", {"access_token": token, "kwh": kwh}
            )
            self.assertEqual(result["amount_total"], total, kwh)
            self.assertEqual(result["tier"], "member")
            self.assertEqual(result["currency"], self.station.currency_id.name)
            self.assertGreater(result["duration_minutes"], 0)
        # a public caller cannot ask for VIP prices
        result = self.make_jsonrpc_request(
            "/ev/quote", {"access_token": token, "kwh": 10, "tier": "vip"}
        )
        self.assertEqual(result["amount_total"], 70.0)

    def test_logged_in_vip_gets_vip_prices(self):
        self.authenticate("vip_route_driver", "vip_route_driver")
        result = self.make_jsonrpc_request(
            "/ev/quote", {"access_token": self.connector.access_token, "kwh": 10}
        )
        self.assertEqual(result["tier"], "vip")
        self.assertEqual(result["amount_total"], 60.0)

    def test_bad_token_closed_station_and_bad_kwh(self):
        self.assertEqual(
            self.make_jsonrpc_request("/ev/quote", {"access_token": "nope", "kwh": 10}),
            {"error": "not_found"},
        )
        token = self.connector.access_token
        self.assertEqual(
            self.make_jsonrpc_request(
                "/ev/quote", {"access_token": token, "kwh": "lots"}
            )["error"],
            "invalid_kwh",
        )
        self.assertEqual(
            self.make_jsonrpc_request("/ev/quote", {"access_token": token, "kwh": -3})[
                "error"
            ],
            "invalid",
        )
        self.station.state = "maintenance"
        self.assertEqual(
            self.make_jsonrpc_request("/ev/quote", {"access_token": token, "kwh": 10}),
            {"error": "not_found"},
        )
