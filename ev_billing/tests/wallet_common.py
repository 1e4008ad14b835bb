from datetime import datetime

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import EvTariffFixture


class EvWalletCommon(EvTariffFixture, AccountTestInvoicingCommon):
    """Wallet fixture on a company with a real chart of accounts (generic_coa): one
    station with an analytic account, one charger, two drivers (one with a portal user)
    and one user per EV admin level."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True)
        )
        cls.company = cls.company_data["company"]
        # The accountant running these tests is also an EV Administrator.
        cls.env.user.groups_id += cls.env.ref("ev_billing.group_ev_admin")
        cls.currency = cls.company.currency_id
        cls.accounting = cls.company._ev_wallet_accounting()
        cls.deposit = cls.accounting["deposit_account"]
        cls.wallet_journal = cls.accounting["journal"]
        cls.vat = cls.accounting["tax"]
        cls.cash_journal = cls.company_data["default_journal_cash"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.receivable = cls.company_data["default_account_receivable"]

        plan = cls.env["account.analytic.plan"].create({"name": "EV Stations"})
        cls.analytic = cls.env["account.analytic.account"].create(
            {
                "name": "Station Riverside",
                "plan_id": plan.id,
                "company_id": cls.company.id,
            }
        )
        cls.station = cls.env["ev.station"].create(
            {
                "name": "Riverside",
                "code": "RVS",
                "company_id": cls.company.id,
                "state": "open",
                "analytic_account_id": cls.analytic.id,
            }
        )
        cls.charger = cls.env["ev.charger"].create(
            {
                "name": "Riverside 1",
                "identity": "RVS-CP-001",
                "station_id": cls.station.id,
                "max_power_kw": 22,
            }
        )
        cls.connector = cls.env["ev.connector"].create(
            {"charger_id": cls.charger.id, "connector_number": 1}
        )

        def _user(login, group):
            return new_test_user(
                cls.env,
                login=login,
                groups=group,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )

        cls.user_viewer = _user("w_viewer", "ev_billing.group_ev_viewer")
        cls.user_operator = _user("w_operator", "ev_billing.group_ev_operator")
        cls.user_manager = _user("w_manager", "ev_billing.group_ev_manager")
        cls.user_admin = _user("w_admin", "ev_billing.group_ev_admin")

        cls.driver = cls.env["res.partner"].create(
            {
                "name": "Somchai Driver",
                "mobile": "+66 81 111 0001",
                "ev_is_driver": True,
                "company_id": cls.company.id,
                "email": "somchai@example.com",
            }
        )
        cls.driver_2 = cls.env["res.partner"].create(
            {
                "name": "Malee Driver",
                "mobile": "+66 81 111 0002",
                "ev_is_driver": True,
                "company_id": cls.company.id,
            }
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="w_portal",
            groups="base.group_portal",
            name="Somchai Driver",
            partner_id=cls.driver.id,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.Ledger = cls.env["ev.wallet.transaction"]
        cls._tx = 0

    @classmethod
    def _session(
        cls,
        total,
        energy=None,
        parking=0.0,
        overstay=0.0,
        partner=None,
        kwh=10.0,
        stop=datetime(2025, 3, 3, 8, 0),
    ):
        """A priced, closed session as the tariff engine leaves it (amounts VAT
        included)."""
        cls._tx += 1
        return (
            cls.env["ev.session"]
            .sudo()
            .create(
                {
                    "transaction_id": 9000 + cls._tx,
                    "charger_id": cls.charger.id,
                    "connector_id": cls.connector.id,
                    "station_id": cls.station.id,
                    "company_id": cls.company.id,
                    "partner_id": (partner or cls.driver).id,
                    "start_time": datetime(2025, 3, 3, 7, 0),
                    "stop_time": stop,
                    "meter_start": 0,
                    "meter_stop": int(kwh * 1000),
                    "amount_energy": total if energy is None else energy,
                    "amount_parking": parking,
                    "amount_overstay": overstay,
                    "amount_total": total,
                    "state": "done",
                }
            )
        )

    def _lines(self, move):
        """{(account code, partner): balance} of a move, for exact journal entry
        assertions."""
        result = {}
        for line in move.line_ids:
            key = (line.account_id.code, line.partner_id.name or "")
            result[key] = round(result.get(key, 0.0) + line.balance, 2)
        return result

    def _assert_audit_clean(self):
        diffs = [
            d
            for d in self.Ledger._ev_wallet_audit()
            if d["company_id"] in (self.company.id, False)
        ]
        self.assertEqual(
            diffs, [], "wallet balance, ledger and deposit account must agree"
        )
