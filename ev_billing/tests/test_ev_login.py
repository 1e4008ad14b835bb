import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields, http
from odoo.exceptions import AccessDenied, AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.sms.tools.sms_api import SmsApi

from ..tools import ev_phone_e164
from .common import EvBillingCommon

CODE_RE = re.compile(
    r"^(\d{6}) is your (.+) login code\. It expires in 5 minutes\. "
    r"Never share it\.$"
)
WRONG = "This code is not valid. Check the SMS or ask for a new code."


class EvLoginCommon(HttpCase, EvBillingCommon):
    """A QR page to log in from, and Odoo's SMS API faked at its last step (the HTTP
    call to the SMS provider): every text sent is recorded as (number, body)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tariff = cls._ev_flat_tariff("Flat Login Tariff")
        cls.connector = cls.connector_1_1
        cls.connector._set_ocpp_status("Available")
        cls.qr_page = f"/ev/c/{cls.connector.access_token}"

    def setUp(self):
        super().setUp()
        self.texts = []
        self.iap_calls = []

        def contact_iap(api, local_endpoint, params, timeout=15):
            self.iap_calls.append(local_endpoint)
            results = []
            for message in params["messages"]:
                for number in message["numbers"]:
                    self.texts.append((number["number"], message["content"]))
                    results.append({"uuid": number["uuid"], "state": "success"})
            return results

        patcher = patch.object(SmsApi, "_contact_iap", contact_iap)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.authenticate(None, None)

    def _send(self, phone, redirect=None):
        return self.url_open(
            "/ev/login/send",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "phone": phone,
                "redirect": redirect or self.qr_page,
            },
        )

    def _verify(self, code):
        return self.url_open(
            "/ev/login/verify",
            data={"csrf_token": http.Request.csrf_token(self), "code": code},
            allow_redirects=False,
        )

    def _last_code(self, number):
        body = [text for to, text in self.texts if to == number][-1]
        match = CODE_RE.match(body)
        self.assertTrue(match, body)
        return match.group(1)

    def _logged_in_uid(self, response):
        """The user of the session the login answered with (Odoo gives a new session
        id on login); the test's browser keeps only that one from now on."""
        sid = response.cookies["session_id"]
        self.opener.cookies.clear()
        self.opener.cookies["session_id"] = sid
        return http.root.session_store.get(sid).uid


@tagged("post_install", "-at_install")
class TestEvPhoneNumbers(EvLoginCommon):
    """Phone numbers in E.164 everywhere: contacts, logins, the login form."""

    def test_e164_from_any_local_spelling(self):
        for typed in (
            "081 234 5678",
            "081-234-5678",
            "0812345678",
            "+66 81 234 5678",
            "66812345678",
            "+66-812-345-678",
            "(081) 234-5678",
        ):
            self.assertEqual(ev_phone_e164(typed), "+66812345678", typed)
        for bad in ("12", "hello", "somchai@example.com", "", None, "081234"):
            self.assertFalse(ev_phone_e164(bad), bad)
        # a number with its country code keeps it, whatever the default country
        self.assertEqual(ev_phone_e164("+1 415 555 0100", ("TH",)), "+14155550100")

    def test_drivers_are_stored_in_e164(self):
        self.assertEqual(self.driver_1.mobile, "+66810000001")
        self.assertEqual(self.driver_2.mobile, "+66810000002")
        self.driver_2.phone = "02 123 4567"
        self.assertEqual(self.driver_2.phone, "+6621234567")
        # a number that does not parse stays as typed (no login can be given)
        self.driver_2.phone = "12345"
        self.assertEqual(self.driver_2.phone, "12345")
        # contacts that are not drivers are left alone
        contact = self.env["res.partner"].create({"name": "Plain", "mobile": "081 1"})
        self.assertEqual(contact.mobile, "081 1")

    def test_upgrade_normalises_existing_contacts_and_logins(self):
        # as stored before 18.0.1.1.0: typed numbers, digits-only logins
        portal = new_test_user(
            self.env,
            login="0810000002",
            groups="base.group_portal",
            partner_id=self.driver_2.id,
        )
        taken = new_test_user(
            self.env,
            login="0810000001",
            groups="base.group_portal",
            partner_id=self.driver_1.id,
        )
        new_test_user(self.env, login="+66810000001", groups="base.group_portal")
        self.env.cr.execute(
            "UPDATE res_partner SET mobile = %s, phone = %s WHERE id = %s",
            ["081-000-0002", "02 123 4567", self.driver_2.id],
        )
        self.env.invalidate_all()
        self.env["res.partner"]._ev_normalize_existing_phones()
        self.assertEqual(
            (self.driver_2.mobile, self.driver_2.phone), ("+66810000002", "+6621234567")
        )
        self.assertEqual(portal.login, "+66810000002")
        # the E.164 login belongs to someone else: kept as it was
        self.assertEqual(taken.login, "0810000001")

    def test_login_form_takes_a_phone_in_any_spelling(self):
        user = new_test_user(
            self.env,
            login="+66810000002",
            password="driver-pass-1",
            groups="base.group_portal",
            partner_id=self.driver_2.id,
        )
        page = self.url_open("/web/login").text
        self.assertIn("Email or phone", page)
        self.assertIn("Log in with a code by SMS", page)
        response = self.url_open(
            "/web/login",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "login": "081-000-0002",
                "password": "driver-pass-1",
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self._logged_in_uid(response), user.id)

    def test_reset_password_with_a_phone_offers_the_sms_code(self):
        page = self.url_open("/web/reset_password").text
        self.assertIn("Your email or phone", page)
        response = self.url_open(
            "/web/reset_password",
            data={"csrf_token": http.Request.csrf_token(self), "login": "0810000002"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/ev/login?phone=0810000002", response.headers["Location"])

    def test_grant_portal_gives_the_e164_login(self):
        self.driver_2.with_user(self.user_operator).action_ev_grant_portal()
        self.assertEqual(self.driver_2.user_ids.login, "+66810000002")


@tagged("post_install", "-at_install")
class TestEvPhoneLogin(EvLoginCommon):
    """Log in (and sign up) with a one-time code by SMS."""

    def test_first_time_number_signs_up_from_the_qr_page(self):
        page = self.url_open(self.qr_page).text
        self.assertIn(
            f"/ev/login?redirect=%2Fev%2Fc%2F{self.connector.access_token}", page
        )
        response = self._send("089 555 1234")
        self.assertIn("Enter your code", response.text)
        self.assertIn("+66895551234", response.text)
        # Exactly one text, through Odoo's SMS API, to the E.164 number
        self.assertEqual(self.iap_calls, ["/api/sms/3/send"])
        self.assertEqual(len(self.texts), 1)
        number, body = self.texts[0]
        self.assertEqual(number, "+66895551234")
        code = self._last_code(number)
        self.assertEqual(
            body,
            f"{code} is your EV Test Company login code. It expires in 5 minutes. "
            "Never share it.",
        )
        # The code is not stored in clear
        stored = self.env["ev.login.code"].search([("phone", "=", "+66895551234")])
        self.assertEqual(len(stored), 1)
        self.assertNotIn(code, stored.secret_hash)
        self.assertFalse(
            self.env["res.users"].search([("login", "=", "+66895551234")]),
            "no account before the code is confirmed",
        )

        response = self._verify(code)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(self.qr_page))
        user = self.env["res.users"].search([("login", "=", "+66895551234")])
        self.assertEqual(self._logged_in_uid(response), user.id)
        self.assertTrue(user.share)
        self.assertEqual(user.groups_id, self.env.ref("base.group_portal"))
        self.assertEqual(user.company_id, self.company)
        partner = user.partner_id
        self.assertEqual(
            (partner.ev_is_driver, partner.ev_tier, partner.mobile, partner.company_id),
            (True, "member", "+66895551234", self.company),
        )
        # back on the QR page, logged in as a driver
        page = self.url_open(self.qr_page).text
        self.assertIn("o_ev_start_button", page)
        self.assertNotIn("Log in to charge", page)
        # the code was single use
        self.logout()
        self.authenticate(None, None)
        self._send("0895551234")
        response = self._verify(code)
        self.assertIn("/ev/login/code?error=", response.headers["Location"])
        self.assertIn(WRONG, self.url_open(response.headers["Location"]).text)

    def test_registered_driver_logs_in_to_their_account(self):
        self.driver_1.with_user(self.user_operator).action_ev_grant_portal()
        user = self.driver_1.user_ids
        self._send("0810000001")
        response = self._verify(self._last_code("+66810000001"))
        self.assertEqual(self._logged_in_uid(response), user.id)
        self.assertEqual(
            self.env["res.partner"].search_count([("mobile", "=", "+66810000001")]), 1
        )

    def test_wrong_then_right_code(self):
        self._send("0895551234")
        code = self._last_code("+66895551234")
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        response = self._verify(wrong)
        self.assertIn("/ev/login/code?error=", response.headers["Location"])
        self.assertIn(WRONG, self.url_open(response.headers["Location"]).text)
        for bad in ("abc", "1234567", code[:5]):
            self._verify(bad)
        response = self._verify(code)
        self.assertTrue(response.headers["Location"].endswith(self.qr_page))

    def test_expired_code_is_refused(self):
        self._send("0895551234")
        code = self._last_code("+66895551234")
        stored = self.env["ev.login.code"].search([("phone", "=", "+66895551234")])
        stored.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        response = self._verify(code)
        self.assertIn("/ev/login/code?error=", response.headers["Location"])
        self.assertFalse(self.env["res.users"].search([("login", "=", "+66895551234")]))

    def test_new_code_replaces_the_previous_one(self):
        self._send("0895551234")
        first = self._last_code("+66895551234")
        self._send("0895551234")
        second = self._last_code("+66895551234")
        if first != second:
            self.assertIn(
                "/ev/login/code?error=", self._verify(first).headers["Location"]
            )
        self.assertTrue(self._verify(second).headers["Location"].endswith(self.qr_page))

    def test_five_wrong_codes_lock_the_number(self):
        self._send("0895551234")
        code = self._last_code("+66895551234")
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        for _i in range(5):
            self._verify(wrong)
        stored = self.env["ev.login.code"].search([("phone", "=", "+66895551234")])
        self.assertEqual((stored.state, stored.tries), ("locked", 5))
        # even the right code is refused now
        self.assertIn("/ev/login/code?error=", self._verify(code).headers["Location"])
        self.assertFalse(self.env["res.users"].search([("login", "=", "+66895551234")]))
        # and no new code is sent for a while
        response = self._send("0895551234")
        self.assertIn("Too many wrong codes for this number", response.text)
        self.assertEqual(len(self.texts), 1)
        # after the lockout a new code can be asked for
        self.env.cr.execute(
            "UPDATE ev_login_code SET write_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(minutes=16), stored.id],
        )
        self.assertIn("Enter your code", self._send("0895551234").text)
        self.assertEqual(len(self.texts), 2)

    def test_codes_per_number_and_per_device_are_limited(self):
        self.company.write(
            {"ev_login_max_codes_per_number": 2, "ev_login_max_codes_per_ip": 3}
        )
        self._send("0895551234")
        self._send("089 555 1234")
        response = self._send("+66895551234")
        self.assertIn("Too many codes asked for this number", response.text)
        self.assertEqual(len(self.texts), 2)
        self.assertIn("Enter your code", self._send("0895551235").text)
        response = self._send("0895551236")
        self.assertIn("Too many codes asked from this device", response.text)
        self.assertEqual(len(self.texts), 3)
        # an hour later the number may ask again
        self.env.cr.execute(
            "UPDATE ev_login_code SET create_date = create_date - interval '61 minutes'"
        )
        self.assertIn("Enter your code", self._send("0895551234").text)

    def test_bad_number_is_refused_clearly(self):
        for bad in ("12", "hello", "081234"):
            response = self._send(bad)
            self.assertEqual(response.status_code, 200)
            self.assertIn("Enter a valid mobile number", response.text)
        self.assertFalse(self.texts)

    def test_answers_do_not_tell_whether_a_number_is_registered(self):
        self.company.ev_driver_self_signup = False
        self.driver_1.with_user(self.user_operator).action_ev_grant_portal()

        def answers(phone):
            sent = self._send(phone).text.replace(phone, "NUMBER")
            sent = re.sub(r"(\+|%2B)668\d+", "NUMBER", sent)
            wrong = self._verify("000000").headers["Location"]
            return re.sub(r"[0-9a-f]{40}o\d+", "CSRF", sent), wrong

        registered = answers("0810000001")
        unknown = answers("0895551234")
        self.assertEqual(registered, unknown)
        # only the registered number got a text
        self.assertEqual([to for to, _body in self.texts], ["+66810000001"])

    def test_self_signup_off_only_pre_registered_drivers(self):
        self.company.ev_driver_self_signup = False
        self._send("0895551234")
        self.assertFalse(self.texts)
        stored = self.env["ev.login.code"].search([("phone", "=", "+66895551234")])
        self.assertFalse(stored.sent)
        # nothing can guess its way in: no code was sent
        for guess in ("000000", "123456"):
            self.assertIn(
                "/ev/login/code?error=", self._verify(guess).headers["Location"]
            )
        self.assertFalse(self.env["res.users"].search([("login", "=", "+66895551234")]))
        self.assertFalse(
            self.env["res.partner"].search([("mobile", "=", "+66895551234")])
        )
        # a driver registered by an Operator (no portal user yet) gets in
        self._send("0810000002")
        response = self._verify(self._last_code("+66810000002"))
        self.assertTrue(response.headers["Location"].endswith(self.qr_page))
        self.assertEqual(self.driver_2.user_ids.login, "+66810000002")
        self.assertEqual(self._logged_in_uid(response), self.driver_2.user_ids.id)

    def test_internal_user_is_never_logged_in_by_code(self):
        self.user_operator.login = "+66895551234"
        self._send("0895551234")
        self.assertFalse(self.texts)
        self.assertIn(
            "/ev/login/code?error=", self._verify("000000").headers["Location"]
        )

    def test_login_ticket_is_single_use_and_portal_only(self):
        self.driver_1.with_user(self.user_operator).action_ev_grant_portal()
        user = self.driver_1.user_ids
        Codes = self.env["ev.login.code"]
        ticket = Codes._ev_issue_ticket(user)
        credential = {"type": "ev_login_ticket", "login": user.login}
        Users = self.env["res.users"]
        with mute_logger("odoo.addons.base.models.res_users"):
            for bad in (None, "", "x" * 43, ticket + "x", ticket[1:]):
                with self.assertRaises(AccessDenied):
                    Users.authenticate(
                        self.env.cr.dbname,
                        {**credential, "ev_ticket": bad},
                        {"interactive": True},
                    )
            info = Users.authenticate(
                self.env.cr.dbname,
                {**credential, "ev_ticket": ticket},
                {"interactive": True},
            )
            self.assertEqual(info["uid"], user.id)
            with self.assertRaises(AccessDenied):
                Users.authenticate(
                    self.env.cr.dbname,
                    {**credential, "ev_ticket": ticket},
                    {"interactive": True},
                )
            # a ticket of one user does not open another account
            other = Codes._ev_issue_ticket(user)
            self.driver_2.with_user(self.user_operator).action_ev_grant_portal()
            with self.assertRaises(AccessDenied):
                Users.authenticate(
                    self.env.cr.dbname,
                    {
                        **credential,
                        "login": self.driver_2.user_ids.login,
                        "ev_ticket": other,
                    },
                    {"interactive": True},
                )
            # an internal user never gets one
            with self.assertRaises(AccessDenied):
                Codes._ev_issue_ticket(self.user_operator)
        # expired tickets are refused
        ticket = Codes._ev_issue_ticket(user)
        Codes.search(
            [("kind", "=", "ticket"), ("state", "=", "pending")]
        ).expires_at = fields.Datetime.now() - timedelta(seconds=1)
        with (
            mute_logger("odoo.addons.base.models.res_users"),
            self.assertRaises(AccessDenied),
        ):
            Users.authenticate(
                self.env.cr.dbname,
                {**credential, "ev_ticket": ticket},
                {"interactive": True},
            )


@tagged("post_install", "-at_install")
class TestEvLoginTour(EvLoginCommon):
    """What a first-time driver does on a 390 px phone: scan, log in by SMS code, back
    on the QR page."""

    browser_size = "390x844"
    touch_enabled = True

    def test_sign_up_by_code_from_the_qr_page(self):
        # the tour types the code the fake SMS provider received: make it known
        with patch(
            "odoo.addons.ev_billing.models.ev_login_code.secrets.randbelow",
            return_value=424242,
        ):
            self.start_tour(self.qr_page, "ev_billing_phone_signup_tour")
        text = (
            "424242 is your EV Test Company login code. It expires in 5 minutes. "
            "Never share it."
        )
        self.assertEqual(self.texts, [("+66895551234", text)])
        user = self.env["res.users"].search([("login", "=", "+66895551234")])
        self.assertTrue(user.partner_id.ev_is_driver)


@tagged("post_install", "-at_install")
class TestEvLoginSettings(EvBillingCommon):
    """Driver login settings belong to EV Administrators."""

    def test_ev_administrator_sets_driver_login(self):
        # EV Settings: the EV level alone, no Administration/Settings
        Company = self.env["res.company"].with_user(self.user_admin)
        self.assertFalse(self.user_admin.has_group("base.group_system"))
        Company.browse(self.company.id).write(
            {
                "ev_driver_self_signup": False,
                "ev_login_max_codes_per_number": 3,
                "ev_login_max_codes_per_ip": 10,
                "ev_line_login_channel_id": "1656789012",
                "ev_line_login_channel_secret": "s3cret",
                "ev_line_login_bot_prompt": "normal",
            }
        )
        company = self.company.sudo()
        self.assertEqual(
            (
                company.ev_driver_self_signup,
                company.ev_login_max_codes_per_number,
                company.ev_login_max_codes_per_ip,
                company.ev_line_login_channel_id,
                company.ev_line_login_channel_secret,
                company.ev_line_login_bot_prompt,
            ),
            (False, 3, 10, "1656789012", "s3cret", "normal"),
        )

    def test_line_secret_is_hidden_below_administrator(self):
        self.company.sudo().ev_line_login_channel_secret = "s3cret"
        for user in (self.user_manager, self.user_operator):
            with self.assertRaises(AccessError):
                self.company.with_user(user).read(["ev_line_login_channel_secret"])
        with self.assertRaises(AccessError):
            self.company.with_user(self.user_manager).write(
                {"ev_driver_self_signup": False}
            )
