from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class EvOwnerCommon(AccountTestInvoicingCommon):
    """Station owners on the three plans, on a Thai chart of accounts, over March and
    April 2026 (billing cycle from the 1st):

    - FLEX owner (VAT registered): Riverside A (6 chargers, a 7th installed on 20
      March, one removed in February) and Riverside B (leaves the plan on 10 March);
    - FAST owner, a hotel company of its own (the seller of its drivers' sessions):
      Sukhumvit Hotel joins on 16 March with 6 chargers;
    - SAVE owner (not VAT registered): Green Fleet Depot, 3 chargers.

    ``_settle_march()`` runs the cron on 1 April as the cron alone would.
    """

    @classmethod
    @AccountTestInvoicingCommon.setup_country("th")
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True)
        )
        cls.company = cls.company_data["company"]
        cls.company.write({"ev_billing_cycle_day": 1, "vat": "0105551234567"})
        cls.currency = cls.company.currency_id
        cls.env.user.groups_id += cls.env.ref("ev_billing.group_ev_admin")
        cls.Ledger = cls.env["ev.wallet.transaction"]
        cls.Statement = cls.env["ev.owner.statement"]
        cls._tx = 0

        # The shipped plans, as the operator company's own.
        cls.plan_fast, cls.plan_flex, cls.plan_save = (
            cls.env.ref(f"ev_billing.owner_plan_{code}")
            .sudo()
            .copy({"company_id": cls.company.id, "name": code.upper()})
            .sudo(False)
            for code in ("fast", "flex", "save")
        )

        # -- Owners --------------------------------------------------------------------
        cls.owner_flex = cls.env["res.partner"].create(
            {
                "name": "Riverside Condominium Juristic Person",
                "is_company": True,
                "vat": "0994000123456",
                "email": "riverside@example.com",
                "ev_owner_vat_registered": True,
            }
        )
        cls.owner_save = cls.env["res.partner"].create(
            {
                "name": "Green Fleet Depot",
                "email": "fleet@example.com",
                "ev_owner_vat_registered": False,
            }
        )
        cls.owner_company = cls.setup_other_company(name="Sukhumvit Hotel Co., Ltd.")[
            "company"
        ]
        cls.owner_fast = cls.owner_company.partner_id
        cls.owner_fast.write(
            {
                "email": "hotel@example.com",
                "vat": "0105560999999",
                "ev_owner_vat_registered": True,
            }
        )
        cls.owner_fast_contact = cls.env["res.partner"].create(
            {
                "name": "Khun Nok (hotel manager)",
                "parent_id": cls.owner_fast.id,
                "email": "nok@example.com",
            }
        )

        companies = cls.company + cls.owner_company

        def _user(login, group):
            return new_test_user(
                cls.env,
                login=login,
                groups=group,
                company_id=cls.company.id,
                company_ids=[Command.set(companies.ids)],
            )

        cls.user_viewer = _user("o_viewer", "ev_billing.group_ev_viewer")
        cls.user_operator = _user("o_operator", "ev_billing.group_ev_operator")
        cls.user_manager = _user("o_manager", "ev_billing.group_ev_manager")
        cls.user_admin = _user("o_admin", "ev_billing.group_ev_admin")
        cls.user_internal = _user("o_internal", "base.group_user")
        cls.portal_flex = new_test_user(
            cls.env,
            login="o_portal_flex",
            groups="base.group_portal",
            name=cls.owner_flex.name,
            partner_id=cls.owner_flex.id,
        )
        cls.portal_fast = new_test_user(
            cls.env,
            login="o_portal_fast",
            groups="base.group_portal",
            name=cls.owner_fast_contact.name,
            partner_id=cls.owner_fast_contact.id,
        )

        # -- Stations ------------------------------------------------------------------
        cls.station_a = cls._station(
            "Riverside A", "RVA", cls.owner_flex, cls.plan_flex, date(2026, 1, 1)
        )
        cls.station_b = cls._station(
            "Riverside B",
            "RVB",
            cls.owner_flex,
            cls.plan_flex,
            date(2026, 1, 1),
            end=date(2026, 3, 10),
        )
        cls.station_fast = cls._station(
            "Sukhumvit Hotel",
            "SKV",
            cls.owner_fast,
            cls.plan_fast,
            date(2026, 3, 16),
            company=cls.owner_company,
        )
        cls.station_save = cls._station(
            "Green Fleet Depot", "GFD", cls.owner_save, cls.plan_save, date(2025, 6, 1)
        )
        cls.chargers_a = cls._chargers(cls.station_a, 6, date(2026, 1, 10))
        cls.charger_a7 = cls._chargers(cls.station_a, 1, date(2026, 3, 20))
        cls.charger_a_removed = cls._chargers(cls.station_a, 1, date(2026, 1, 10))
        cls.charger_a_removed.write(
            {"removal_date": date(2026, 2, 15), "active": False}
        )
        cls._chargers(cls.station_b, 1, date(2026, 1, 10))
        cls.chargers_fast = cls._chargers(cls.station_fast, 6, date(2026, 3, 1))
        cls._chargers(cls.station_save, 3, date(2025, 6, 1))

        cls.driver = cls.env["res.partner"].create(
            {
                "name": "Somchai Driver",
                "mobile": "+66 81 111 0001",
                "ev_is_driver": True,
                "phone": "+66 81 111 0001",
            }
        )

        # -- March sessions (amounts VAT included; stop times in Bangkok, UTC+7) -------
        cls.s_a1 = cls._session(cls.station_a, 2140.0, 20.0, datetime(2026, 3, 2, 3, 0))
        cls.s_a2 = cls._session(
            cls.station_a, 1070.0, 10.0, datetime(2026, 3, 20, 5, 0)
        )
        # Starts 31 March 23:30, stops 1 April 00:40 in Bangkok: April's.
        cls.s_a_cutoff = cls._session(
            cls.station_a,
            107.0,
            1.0,
            datetime(2026, 3, 31, 17, 40),
            start=datetime(2026, 3, 31, 16, 30),
        )
        cls.s_b1 = cls._session(cls.station_b, 1070.0, 10.0, datetime(2026, 3, 5, 4, 0))
        # After Riverside B left the plan: not the owner's.
        cls.s_b_after = cls._session(
            cls.station_b, 53.5, 0.5, datetime(2026, 3, 15, 4, 0)
        )
        cls.s_fast = cls._session(
            cls.station_fast, 535.0, 5.0, datetime(2026, 3, 20, 6, 0)
        )
        # Before the hotel joined: not on the statement.
        cls.s_fast_before = cls._session(
            cls.station_fast, 214.0, 2.0, datetime(2026, 3, 10, 6, 0)
        )
        cls.s_save1 = cls._session(
            cls.station_save, 1070.0, 10.0, datetime(2026, 3, 8, 2, 0)
        )
        cls.s_save2 = cls._session(
            cls.station_save, 535.0, 5.0, datetime(2026, 3, 28, 12, 0)
        )

    @classmethod
    def _station(cls, name, code, owner, plan, start, end=None, company=None):
        company = company or cls.company
        station = cls.env["ev.station"].create(
            {
                "name": name,
                "code": code,
                "company_id": company.id,
                "state": "open",
                "owner_id": owner.id,
                "owner_plan_id": plan.id,
                "owner_date_start": start,
                "owner_date_end": end or date(start.year + 1, start.month, 1),
                "owner_auto_renew": not end,
            }
        )
        return station

    @classmethod
    def _chargers(cls, station, count, installed):
        chargers = cls.env["ev.charger"]
        for _index in range(count):
            cls._tx += 1
            charger = cls.env["ev.charger"].create(
                {
                    "name": f"{station.code} {cls._tx}",
                    "identity": f"{station.code}-CP-{cls._tx:03d}",
                    "station_id": station.id,
                    "install_date": installed,
                }
            )
            cls.env["ev.connector"].create(
                {"charger_id": charger.id, "connector_number": 1}
            )
            chargers |= charger
        return chargers

    @classmethod
    def _session(cls, station, total, kwh, stop, start=None, bill=True):
        """A priced, closed session as the tariff engine leaves it, billed."""
        cls._tx += 1
        charger = station.charger_ids[:1]
        session = (
            cls.env["ev.session"]
            .sudo()
            .create(
                {
                    "transaction_id": 7000 + cls._tx,
                    "charger_id": charger.id,
                    "connector_id": charger.connector_ids[:1].id,
                    "station_id": station.id,
                    "company_id": station.company_id.id,
                    "partner_id": cls.driver.id,
                    "start_time": start or stop.replace(hour=max(stop.hour - 1, 0)),
                    "stop_time": stop,
                    "meter_start": 0,
                    "meter_stop": int(kwh * 1000),
                    "amount_energy": total,
                    "amount_total": total,
                    "state": "done",
                }
            )
        )
        if bill:
            cls.Ledger._ev_bill_sessions(session)
        return session

    @classmethod
    def _settle_march(cls):
        with freeze_time("2026-04-01 01:00:00"):
            cls.Statement._cron_settle_owners()
        return cls._statement(cls.owner_flex, date(2026, 3, 1))

    @classmethod
    def _statement(cls, owner, date_from):
        return cls.Statement.search(
            [
                ("owner_id", "=", owner.id),
                ("date_from", "=", date_from),
                ("state", "!=", "cancel"),
            ]
        )
