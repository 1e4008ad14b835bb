from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import EvBillingCommon


@tagged("post_install", "-at_install")
class TestEvSettings(EvBillingCommon):
    """EV Settings: the company's EV fields for EV Administrators, who hold no Odoo
    group but what their EV level implies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.server_action = cls.env.ref(
            "ev_billing.res_company_server_action_ev_settings"
        )
        cls.view = cls.env.ref("ev_billing.res_company_view_form_ev_settings")

    def _open(self, user):
        """Click the EV Settings menu as ``user``: run its action, then load the form
        and read what it shows, like the web client."""
        action = self.server_action.with_user(user).run()
        Company = self.env["res.company"].with_user(user)
        views = Company.get_views([(action["view_id"][0], "form")])
        fields = views["models"]["res.company"]["fields"]
        spec = {
            name: {"fields": {"display_name": {}}}
            if fields[name]["type"] == "many2one"
            else {}
            for name in fields
        }
        [values] = Company.browse(action["res_id"]).web_read(spec)
        return action, values

    def test_ev_administrator_opens_and_writes_every_section(self):
        admin = self.user_admin
        self.assertFalse(admin.has_group("base.group_system"))
        menu = self.env.ref("ev_billing.menu_ev_settings")
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(admin)._visible_menu_ids()
        )
        action, values = self._open(admin)
        self.assertEqual(
            (action["type"], action["res_model"], action["res_id"]),
            ("ir.actions.act_window", "res.company", self.company.id),
        )
        self.assertEqual(action["view_id"][0], self.view.id)
        # every EV field of the company is on the page
        ev_fields = {
            name for name in self.env["res.company"]._fields if name.startswith("ev_")
        }
        self.assertEqual(ev_fields - set(values), set())
        self.assertEqual(values["ev_tax_branch"], "00000")

        # Wallet: the defaults button, then each field
        company = self.company.with_user(admin)
        company.action_ev_wallet_create_defaults()
        self.assertEqual(company.sudo().ev_wallet_journal_id.code, "EVW")
        self.assertTrue(company.sudo().ev_deposit_account_id)
        self.assertEqual(company.sudo().ev_vat_tax_id.amount, 7.0)
        bank = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "bank")], limit=1
        )
        sections = {
            "wallet": {
                "ev_wallet_min_balance": 80.0,
                "ev_wallet_overdraft": 20.0,
                "ev_session_hold_max": 500.0,
                "ev_wallet_max_topup": 20000.0,
                "ev_billing_cycle_day": 15,
            },
            "tax invoices": {"ev_abb_prefix": "RCP", "ev_tax_branch": "00001"},
            "driver login": {
                "ev_driver_self_signup": False,
                "ev_login_max_codes_per_number": 3,
                "ev_line_login_channel_id": "1656789012",
                "ev_line_login_channel_secret": "login-secret",
                "ev_line_login_bot_prompt": "normal",
            },
            "LINE": {
                "ev_line_channel_access_token": "messaging-token",
                "ev_line_channel_secret": "messaging-secret",
                "ev_line_add_friend_url": "https://lin.ee/abc",
                "ev_low_balance_threshold": 60.0,
            },
            "station owners": {
                "ev_owner_payout_journal_id": bank.id,
                "ev_owner_auto_payout": False,
            },
        }
        for section, vals in sections.items():
            with self.subTest(section=section):
                company.write(vals)
                stored = company.sudo().read(list(vals))[0]
                self.assertEqual(
                    {
                        name: value[0] if isinstance(value, tuple) else value
                        for name, value in stored.items()
                        if name in vals
                    },
                    vals,
                )
        # the page shows the secrets to the EV Administrator (password fields)
        _action, values = self._open(admin)
        self.assertEqual(values["ev_line_channel_secret"], "messaging-secret")

    def test_manager_is_refused(self):
        manager = self.user_manager
        self.company.sudo().ev_line_channel_secret = "messaging-secret"
        menu = self.env.ref("ev_billing.menu_ev_settings")
        self.assertNotIn(
            menu.id, self.env["ir.ui.menu"].with_user(manager)._visible_menu_ids()
        )
        with self.assertRaises(AccessError):
            self.server_action.with_user(manager).run()
        with self.assertRaises(AccessError):
            self.env["res.company"].with_user(manager).action_ev_settings()
        # the attack: write over RPC what the page would have written
        company = self.company.with_user(manager)
        for vals in (
            {"ev_wallet_min_balance": 0.0},
            {"ev_wallet_overdraft": 10000.0},
            {"ev_session_hold_max": 0.0},
            {"ev_abb_prefix": "XXX"},
            {"ev_driver_self_signup": False},
            {"ev_line_add_friend_url": "https://evil.example"},
            {"ev_owner_auto_payout": False},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                company.write(vals)
        for secret in (
            "ev_line_channel_access_token",
            "ev_line_channel_secret",
            "ev_line_login_channel_secret",
        ):
            with self.subTest(secret=secret), self.assertRaises(AccessError):
                company.read([secret])
        company.invalidate_recordset()
        self.assertEqual(self.company.sudo().ev_wallet_min_balance, 50.0)
        self.assertEqual(self.company.sudo().ev_session_hold_max, 2000.0)
        self.assertTrue(self.company.sudo().ev_driver_self_signup)


@tagged("post_install", "-at_install")
class TestEvSettingsTour(HttpCase, EvBillingCommon):
    def test_ev_administrator_sets_from_the_menu(self):
        self.start_tour(
            "/odoo",
            "ev_billing_settings_tour",
            login=self.user_admin.login,
        )
        company = self.company.sudo()
        self.assertEqual(
            (company.ev_abb_prefix, company.ev_wallet_min_balance), ("RCP", 80.0)
        )
