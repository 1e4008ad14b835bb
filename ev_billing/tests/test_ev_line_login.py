import time

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import UserError
from odoo.tests import BaseCase, new_test_user, tagged

from ..tools import line_login
from .fake_line_login import FakeLineLogin, sign_hs256
from .test_ev_login import EvLoginCommon

CHANNEL_ID = "1656789012"
CHANNEL_SECRET = "0123456789abcdef0123456789abcdef"


class EvLineLoginCommon(EvLoginCommon):
    """A LINE Login channel on the test company, and a fake LINE platform on localhost
    that checks every request (tests/fake_line_login.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "ev_line_login_channel_id": CHANNEL_ID,
                "ev_line_login_channel_secret": CHANNEL_SECRET,
                "ev_line_login_bot_prompt": "aggressive",
            }
        )

    def setUp(self):
        super().setUp()
        self.line = FakeLineLogin(
            CHANNEL_ID, CHANNEL_SECRET, self.base_url() + "/ev/login/line/callback"
        )
        self.line.expect_bot_prompt = "aggressive"
        self.line.__enter__()
        self.addCleanup(self.line.__exit__, None, None, None)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("ev_billing.line_login_auth_base", self.line.base_url)
        params.set_param("ev_billing.line_login_api_base", self.line.base_url)

    def _line_login(self, redirect=None):
        """Press "Log in with LINE" and follow LINE's redirects; the last answer of
        Odoo (not followed)."""
        url = "/ev/login/line?" + url_encode({"redirect": redirect or self.qr_page})
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        authorize = response.headers["Location"]
        self.assertTrue(authorize.startswith(self.line.base_url + "/oauth2/v2.1/"))
        answer = self.opener.get(authorize, allow_redirects=False, timeout=10)
        if answer.status_code != 302:
            return answer
        return self.url_open(answer.headers["Location"], allow_redirects=False)

    def _line_requests(self, path):
        return [params for _m, p, params in self.line.requests if p.endswith(path)]


@tagged("post_install", "-at_install")
class TestEvLineLogin(EvLineLoginCommon):
    """LINE Login v2.1: sign up, log in, link, and every check that must refuse."""

    def test_qr_page_offers_line(self):
        page = self.url_open(self.qr_page).text
        self.assertIn("Log in with LINE", page)
        login_page = "/ev/login?" + url_encode({"redirect": self.qr_page})
        self.assertIn("Log in with LINE", self.url_open(login_page).text)
        self.company.ev_line_login_channel_id = False
        self.assertNotIn("Log in with LINE", self.url_open(self.qr_page).text)
        self.assertEqual(self.url_open("/ev/login/line").status_code, 404)

    def test_new_driver_signs_up_with_line_and_lands_on_the_qr_page(self):
        response = self._line_login()
        self.assertFalse(self.line.errors)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(self.qr_page))
        # what LINE was asked
        [authorize] = self._line_requests("/authorize")
        self.assertEqual(
            {
                k: v
                for k, v in authorize.items()
                if k not in ("state", "nonce", "code_challenge")
            },
            {
                "response_type": "code",
                "client_id": CHANNEL_ID,
                "redirect_uri": self.base_url() + "/ev/login/line/callback",
                "scope": "profile openid",
                "code_challenge_method": "S256",
                "bot_prompt": "aggressive",
            },
        )
        [token] = self._line_requests("/token")
        self.assertEqual(
            line_login.code_challenge(token["code_verifier"]),
            authorize["code_challenge"],
        )
        self.assertEqual(
            {k: token[k] for k in ("grant_type", "client_id", "client_secret")},
            {
                "grant_type": "authorization_code",
                "client_id": CHANNEL_ID,
                "client_secret": CHANNEL_SECRET,
            },
        )
        partner = self.env["res.partner"].search(
            [("ev_line_user_id", "=", self.line.user_id)]
        )
        user = partner.user_ids
        self.assertEqual(self._logged_in_uid(response), user.id)
        self.assertEqual(
            (partner.name, partner.ev_is_driver, partner.ev_tier, partner.company_id),
            ("Somsak LINE", True, "member", self.company),
        )
        self.assertTrue(user.share)
        self.assertEqual(user.login, f"line:{self.line.user_id}")
        self.assertIn("o_ev_start_button", self.url_open(self.qr_page).text)

        # next time the same LINE account opens the same account
        self.logout()
        self.authenticate(None, None)
        response = self._line_login()
        self.assertEqual(self._logged_in_uid(response), user.id)
        self.assertEqual(
            self.env["res.partner"].search_count(
                [("ev_line_user_id", "=", self.line.user_id)]
            ),
            1,
        )

    def test_adding_the_official_account_during_login_switches_messages_to_line(self):
        # the driver skipped the add-friend screen: LINE says nothing changed
        self.line.friendship_status_changed = "false"
        self._line_login()
        self.assertFalse(self.line.errors)
        partner = self.env["res.partner"].search(
            [("ev_line_user_id", "=", self.line.user_id)]
        )
        self.assertFalse(partner.ev_line_followed)
        # next login they add it: LINE says so on the callback
        self.logout()
        self.authenticate(None, None)
        self.line.friendship_status_changed = "true"
        response = self._line_login()
        self.assertEqual(self._logged_in_uid(response), partner.user_ids.id)
        partner.invalidate_recordset()
        self.assertTrue(partner.ev_line_followed)
        self.assertTrue(partner.ev_line_follow_date)
        self.company.sudo().ev_line_channel_access_token = "messaging-token"
        self.assertEqual(
            self.env["ev.notification"]._ev_channel_for(partner, self.company), "line"
        )

    def test_untrusted_id_tokens_are_refused(self):
        cases = {
            "signed with another secret": ("sign_secret", "f" * 32),
            "another channel": ("claim_overrides", {"aud": "999"}),
            "another issuer": ("claim_overrides", {"iss": "https://evil.example"}),
            "expired": ("claim_overrides", {"exp": int(time.time()) - 3600}),
            "another nonce": ("claim_overrides", {"nonce": "x" * 32}),
        }
        for case, (attribute, value) in cases.items():
            with self.subTest(case):
                self.line.sign_secret = None
                self.line.claim_overrides = {}
                setattr(self.line, attribute, value)
                response = self._line_login()
                self.assertIn("/ev/login?", response.headers["Location"], case)
                self.assertIn(
                    "LINE+login+did+not+succeed", response.headers["Location"], case
                )
                self.assertFalse(
                    self.env["res.partner"].search(
                        [("ev_line_user_id", "=", self.line.user_id)]
                    ),
                    case,
                )

    def test_forged_state_is_refused_before_asking_line(self):
        self.url_open("/ev/login/line", allow_redirects=False)
        response = self.url_open(
            "/ev/login/line/callback?code=stolen&state=forged", allow_redirects=False
        )
        self.assertIn("LINE+login+did+not+succeed", response.headers["Location"])
        self.assertFalse(self._line_requests("/token"))
        # and a callback without any login started is refused too
        response = self.url_open(
            "/ev/login/line/callback?code=stolen&state=forged", allow_redirects=False
        )
        self.assertIn("LINE+login+did+not+succeed", response.headers["Location"])

    def test_self_signup_off_refuses_unknown_line_accounts(self):
        self.company.ev_driver_self_signup = False
        response = self._line_login()
        self.assertIn(
            "No+driver+account+uses+this+LINE+account", response.headers["Location"]
        )
        self.assertFalse(
            self.env["res.partner"].search(
                [("ev_line_user_id", "=", self.line.user_id)]
            )
        )
        # a driver an Operator linked to this LINE account gets in
        self.driver_1.sudo().ev_line_user_id = self.line.user_id
        response = self._line_login()
        self.assertEqual(self._logged_in_uid(response), self.driver_1.user_ids.id)
        self.assertEqual(self.driver_1.user_ids.login, "+66810000001")

    def test_driver_links_line_from_my_account_then_logs_in_with_it(self):
        user = new_test_user(
            self.env,
            login="+66810000002",
            password="driver-pass-2",
            groups="base.group_portal",
            partner_id=self.driver_2.id,
            company_id=self.company.id,
        )
        self.authenticate("+66810000002", "driver-pass-2")
        page = self.url_open("/my/account").text
        self.assertIn("Link LINE", page)
        response = self.url_open(
            "/my/ev/line/link",
            data={"csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )
        answer = self.opener.get(
            response.headers["Location"], allow_redirects=False, timeout=10
        )
        response = self.url_open(answer.headers["Location"])
        self.assertFalse(self.line.errors)
        self.assertIn("LINE linked.", response.text)
        self.assertIn("Unlink LINE", response.text)
        self.assertEqual(self.driver_2.sudo().ev_line_user_id, self.line.user_id)
        # the same LINE account cannot be linked to a second driver
        with self.assertRaises(UserError):
            self.driver_1._ev_link_line(self.line.user_id)
        # LINE now logs this driver in
        self.logout()
        self.authenticate(None, None)
        response = self._line_login()
        self.assertEqual(self._logged_in_uid(response), user.id)


@tagged("post_install", "-at_install")
class TestEvLineLoginTour(EvLineLoginCommon):
    """Log in with LINE from the QR page, in headless Chromium at phone size."""

    browser_size = "390x844"
    touch_enabled = True

    def test_line_login_from_the_qr_page(self):
        self.start_tour(self.qr_page, "ev_billing_line_login_tour")
        self.assertFalse(self.line.errors)
        self.assertEqual(len(self._line_requests("/authorize")), 1)
        self.assertEqual(len(self._line_requests("/token")), 1)
        partner = self.env["res.partner"].search(
            [("ev_line_user_id", "=", self.line.user_id)]
        )
        self.assertTrue(partner.ev_is_driver)
        self.assertTrue(partner.user_ids.share)


@tagged("post_install", "-at_install")
class TestEvLineIdToken(BaseCase):
    """The ID token checks on their own (LINE's rules for web login ID tokens)."""

    def _token(self, **overrides):
        claims = {
            "iss": "https://access.line.me",
            "sub": "U1234",
            "aud": CHANNEL_ID,
            "exp": 2000,
            "iat": 1000,
            "nonce": "n" * 32,
        }
        claims.update(overrides)
        return sign_hs256(claims, CHANNEL_SECRET)

    def _verify(self, token, now=1500, nonce="n" * 32):
        return line_login.verify_id_token(
            token, CHANNEL_ID, CHANNEL_SECRET, nonce, now=now
        )

    def test_valid_token(self):
        self.assertEqual(self._verify(self._token())["sub"], "U1234")

    def test_every_check_can_fail(self):
        bad = {
            "signature": self._token()[:-2] + "AA",
            "alg none": sign_hs256(
                {"iss": "https://access.line.me"},
                CHANNEL_SECRET,
                header={"alg": "none"},
            ),
            "issuer": self._token(iss="https://access.line.me.evil"),
            "audience": self._token(aud="1"),
            "expired": self._token(exp=1000),
            "future": self._token(iat=9999),
            "nonce": self._token(nonce="m" * 32),
            "no subject": self._token(sub=""),
            "garbage": "not.a.jwt",
        }
        for case, token in bad.items():
            with self.subTest(case), self.assertRaises(line_login.LineLoginError):
                self._verify(token)
        with self.assertRaises(line_login.LineLoginError):
            self._verify(self._token(), nonce="")
        # a minute of clock difference is tolerated
        self.assertTrue(self._verify(self._token(), now=2000 + 59))
