from contextlib import contextmanager
from unittest import TestCase

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL, mute_logger


class EvTariffFixture:
    """Tariffs the test bases share (with ``cls.company`` and ``cls.station``)."""

    @classmethod
    def _ev_flat_tariff(cls, name, price=7.0):
        """A Member tariff at one energy price, on-peak and off-peak alike, assigned to
        the test station."""
        tariff = cls.env["ev.tariff"].create(
            {
                "name": name,
                "company_id": cls.company.id,
                "rate_ids": [
                    Command.create(
                        {
                            "tier": "member",
                            "energy_price_on_peak": price,
                            "energy_price_off_peak": price,
                        }
                    )
                ],
            }
        )
        cls.station.tariff_id = tariff
        return tariff


class EvBillingCommon(EvTariffFixture, TransactionCase):
    """Shared EV Billing fixture: one company with a station, two chargers with
    connectors, two drivers with RFID cards, and one user per EV admin level.

    Other test classes inherit it and extend ``setUpClass``; keep every record reachable
    as a class attribute so they can build on it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True)
        )

        cls.company = cls.env["res.company"].create(
            {
                "name": "EV Test Company",
                "country_id": cls.env.ref("base.th").id,
            }
        )
        # the setup (superuser) works in the test company, like its users
        cls.env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=cls.company.ids)
        )

        # One user per EV admin level; the password is the login padded to 8 characters.
        def _user(login, group, name):
            return new_test_user(
                cls.env,
                login=login,
                groups=group,
                name=name,
                company_id=cls.company.id,
                company_ids=[(6, 0, cls.company.ids)],
            )

        cls.user_viewer = _user("ev_viewer", "ev_billing.group_ev_viewer", "EV Viewer")
        cls.user_operator = _user(
            "ev_operator", "ev_billing.group_ev_operator", "EV Operator"
        )
        cls.user_manager = _user(
            "ev_manager", "ev_billing.group_ev_manager", "EV Manager"
        )
        cls.user_admin = _user(
            "ev_admin", "ev_billing.group_ev_admin", "EV Administrator"
        )
        # An internal user with no EV level at all.
        cls.user_internal = _user(
            "ev_plain_user", "base.group_user", "Plain Internal User"
        )

        cls.station = cls.env["ev.station"].create(
            {
                "name": "Test Station",
                "code": "TST",
                "company_id": cls.company.id,
                "state": "open",
            }
        )
        cls.charger_1 = cls.env["ev.charger"].create(
            {
                "name": "Test Wallbox 1",
                "identity": "TST-CP-001",
                "station_id": cls.station.id,
                "max_power_kw": 22,
            }
        )
        cls.charger_2 = cls.env["ev.charger"].create(
            {
                "name": "Test Wallbox 2",
                "identity": "TST-CP-002",
                "station_id": cls.station.id,
                "max_power_kw": 7.4,
            }
        )
        cls.connector_1_1, cls.connector_1_2, cls.connector_2_1 = cls.env[
            "ev.connector"
        ].create(
            [
                {
                    "charger_id": cls.charger_1.id,
                    "connector_number": 1,
                    "max_power_kw": 11,
                },
                {
                    "charger_id": cls.charger_1.id,
                    "connector_number": 2,
                    "max_power_kw": 11,
                },
                {
                    "charger_id": cls.charger_2.id,
                    "connector_number": 1,
                    "max_power_kw": 7.4,
                },
            ]
        )

        cls.driver_1 = cls.env["res.partner"].create(
            {
                "name": "Test Driver One",
                "mobile": "+66 81 000 0001",
                "email": "driver.one@example.com",
                "ev_is_driver": True,
                "company_id": cls.company.id,
            }
        )
        cls.driver_2 = cls.env["res.partner"].create(
            {
                "name": "Test Driver Two",
                "mobile": "081-000-0002",
                "ev_is_driver": True,
                "ev_tier": "vip",
                "company_id": cls.company.id,
            }
        )
        cls.tag_1 = cls.env["ev.id.tag"].create(
            {
                "tag": "AA000001",
                "name": "Driver one card",
                "partner_id": cls.driver_1.id,
                "company_id": cls.company.id,
            }
        )
        cls.tag_2 = cls.env["ev.id.tag"].create(
            {
                "tag": "BB000002",
                "partner_id": cls.driver_2.id,
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _ev_trash_entry(cls, record):
        """The open Trash entry of ``record`` (empty recordset if it is not in the
        Trash)."""
        return (
            cls.env["ev.trash"]
            .sudo()
            .search(
                [
                    ("res_model", "=", record._name),
                    ("res_id", "=", record.id),
                    ("state", "=", "trashed"),
                ]
            )
        )

    def _ev_row_exists(self, record):
        """Whether the database row of ``record`` still exists, asked in SQL past the
        ORM."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM %s WHERE id = %s",
                SQL.identifier(record._table),
                record.id,
            )
        )
        return bool(self.env.cr.fetchone())

    @contextmanager
    def assertEvDuplicateRefused(self):
        """A duplicate is refused, by the SQL unique constraint (``IntegrityError``,
        which the RPC layer shows as a validation message) or by the Python check that
        backs it."""
        with TestCase.assertRaises(self, (IntegrityError, ValidationError)) as caught:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                yield caught
