import json
import math
import re
import uuid
from datetime import UTC, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import Opener
from odoo.tools import mute_logger
from odoo.tools.translate import code_translations

from ..tools import line_messaging
from .fake_line_messaging import FakeLinePlatform
from .test_ev_ocpp_events import EvOcppEventCommon

TOKEN = "test-channel-access-token"
SECRET = "test-channel-secret"
LINE_USER = "U" + "4af4980629" * 3 + "ab"


def _iso(value):
    return fields.Datetime.to_datetime(value).strftime("%Y-%m-%dT%H:%M:%SZ")


class EvNotificationCommon(HttpCase, EvOcppEventCommon):
    """A driver on LINE, the company's channel pointed at a fake LINE platform, and
    the bridge's API key to drive sessions through Odoo's OCPP event route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeLinePlatform(TOKEN).start()
        cls.addClassCleanup(cls.fake.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "ev_billing.line_api_url", cls.fake.url
        )
        cls.company.write(
            {
                "ev_line_channel_access_token": TOKEN,
                "ev_line_channel_secret": SECRET,
                "ev_low_balance_threshold": 0.0,
            }
        )
        cls.driver_1.write(
            {"ev_line_user_id": LINE_USER, "ev_line_followed": True, "lang": "en_US"}
        )
        # the fixture's opening top-up queued a message: start from an empty queue
        cls.env["ev.notification"].search([]).unlink()
        bridge_user = cls.env.ref("ev_billing.user_ev_bridge")
        # Billing inside the bridge's request works in the bridge user's company:
        # make it the chargers' company (see the report: billing a company other than
        # the bridge user's fails in reconciliation).
        bridge_user.write(
            {"company_ids": [(4, cls.company.id)], "company_id": cls.company.id}
        )
        cls.bridge_key = (
            cls.env["res.users.apikeys"]
            .with_user(bridge_user)
            .sudo()
            ._generate(None, "test", None)
        )
        cls.Notification = cls.env["ev.notification"]

    def setUp(self):
        super().setUp()
        self.fake.requests.clear()
        self.fake.delivered.clear()
        self.fake.problems.clear()
        self.fake.script.clear()
        self.now = fields.Datetime.now().replace(microsecond=0)

    # ---------------------------------------------------------------- helpers
    def _post_events(self, *events):
        # as the bridge does: no session cookie, only the API key
        response = Opener(self.cr).post(
            self.base_url() + "/ev/ocpp/v1/events",
            data=json.dumps({"events": list(events)}),
            headers={
                "Authorization": f"Bearer {self.bridge_key}",
                "Content-Type": "application/json",
            },
            timeout=30,
        )
        self.assertEqual(response.status_code, 200, response.text)
        results = response.json()["results"]
        self.assertEqual([r["status"] for r in results], ["ok"] * len(events), results)
        return results

    def _at(self, minutes):
        return _iso(self.now + timedelta(minutes=minutes))

    def _meter(self, transaction_id, energy_wh, minutes, soc=None):
        sample = {"timestamp": self._at(minutes), "energy_wh": energy_wh}
        if soc is not None:
            sample["soc"] = soc
        return self._event(
            "meter_values",
            {"transaction_id": transaction_id, "connector_id": 1, "samples": [sample]},
        )

    def _charge(self, transaction_id=21, stop_minutes=-1, energy_wh=2000):
        """A whole session through the event route: start 20 minutes ago, stop,
        unplug. Returns the session."""
        start = self._start(
            transaction_id=transaction_id, meter_start=1000, at=self._at(-20)
        )
        self._post_events(start)
        self._post_events(
            self._stop(
                transaction_id=transaction_id,
                meter_stop=1000 + energy_wh,
                at=self._at(stop_minutes),
            )
        )
        self._post_events(self._status("Available", self._at(stop_minutes + 0.5)))
        self._bill()
        return self._sessions(transaction_id)

    def _bill(self):
        """What the billing cron does outside the event request."""
        self.env["ev.session"]._ev_bill_queue()

    def _send(self, at=None):
        self.Notification._cron_send(now=at)

    def _messages(self, kind=None):
        domain = [("kind", "=", kind)] if kind else []
        return self.Notification.search(domain, order="id")

    def _flex(self, request):
        return request["body"]["messages"][0]

    def _assert_clean_delivery(self):
        self.assertEqual(self.fake.problems, [])
        for request in self.fake.requests:
            self.assertEqual(request["method"], "POST")
            self.assertEqual(request["path"], "/v2/bot/message/push")
            self.assertEqual(request["headers"]["Authorization"], f"Bearer {TOKEN}")
            uuid.UUID(request["headers"]["X-Line-Retry-Key"])
            self.assertEqual(request["body"]["to"], LINE_USER)


@tagged("post_install", "-at_install")
class TestEvNotificationSession(EvNotificationCommon):
    def test_each_session_message_reaches_line_once(self):
        # A driver bought 2 kWh from Odoo; the charger starts it (remote start id).
        pending = (
            self.env["ev.session"]
            .sudo()
            .create(
                {
                    "state": "pending",
                    "remote_request_id": "EVTESTREMOTE1",
                    "charger_id": self.charger_1.id,
                    "connector_id": self.connector_1_1.id,
                    "station_id": self.station.id,
                    "company_id": self.company.id,
                    "partner_id": self.driver_1.id,
                    "requested_kwh": 2.0,
                }
            )
        )
        start = self._start(transaction_id=31, meter_start=1000, at=self._at(-20))
        start["payload"]["remote_request_id"] = "EVTESTREMOTE1"
        start["payload"]["id_tag"] = "EVTESTREMOTE1"
        self._post_events(start)
        self.assertEqual(self._sessions(31), pending)
        # queued in the event request, nothing sent yet
        started = self._messages("started")
        self.assertEqual((started.state, started.channel), ("queued", "line"))
        self.assertEqual(self.fake.requests, [])
        self._send()
        self.assertEqual(started.state, "sent")
        flex = self._flex(self.fake.requests[-1])
        self.assertEqual(
            flex["contents"]["header"]["contents"][0]["text"], "Charging started"
        )
        self.assertIn("Test Station", flex["altText"])
        self.assertIn("2.00 kWh", flex["altText"])
        quote = self.env["ev.tariff"]._ev_quote(
            2.0, station=self.station, connector=self.connector_1_1
        )
        self.assertIn(f"{quote['amount_total']:.2f}", flex["altText"])
        button = flex["contents"]["footer"]["contents"][0]["action"]
        self.assertTrue(button["uri"].endswith(f"/my/ev/sessions/{pending.id}"))

        # 1.5 of 2 kWh: not yet; 1.9 kWh (95 %): almost done, once
        self._post_events(self._meter(31, 2500, -15))
        self.assertFalse(self._messages("almost_done"))
        self._post_events(self._meter(31, 2900, -10), self._meter(31, 2950, -9))
        self.assertEqual(len(self._messages("almost_done")), 1)
        self._send()
        self.assertIn("almost done", self._flex(self.fake.requests[-1])["altText"])

        # Stopped a minute ago, still plugged: 5 minutes' grace, then 12 THB a minute
        self._post_events(
            self._stop(transaction_id=31, meter_stop=2950, at=self._at(-1))
        )
        soon, overstay = (
            self._messages("overstay_soon"),
            self._messages("overstay_started"),
        )
        self.assertEqual(soon.state, "queued")
        self.assertEqual(overstay.next_try, self.now + timedelta(minutes=4))
        self._send()
        self.assertEqual((soon.state, overstay.state), ("sent", "queued"))
        alt = self._flex(self.fake.requests[-1])["altText"]
        self.assertIn("Unplug within 4 minutes", alt)
        self.assertIn("12.00", alt)
        # the cron triggered at the overstay start finds the car still plugged, but
        # the tariff (Tesla preset) charges overstay only while at least 50 % of the
        # station's connectors are taken: 1 of 3, so no fee yet, and no message
        self._send(at=overstay.next_try)
        self.assertEqual(overstay.state, "queued")
        self.assertGreater(overstay.next_try, self.now + timedelta(minutes=4))
        # a second car plugs in (2 of 3; a card the charger accepted offline, whose
        # driver gets no message): the fee runs, the message goes out
        second = self._start(transaction_id=35, meter_start=0, at=self._at(0))
        second["payload"]["connector_id"] = 2
        second["payload"]["id_tag"] = "OFFLINE1"
        second["key"] += "|connector-2"
        self._post_events(second)
        self._send(at=overstay.next_try)
        self.assertEqual(overstay.state, "sent")
        self.assertIn("overstay fee of", self._flex(self.fake.requests[-1])["altText"])

        # Unplugged: priced, billed (outside the event request), and the receipt goes
        self._post_events(self._status("Available", self._at(2)))
        self.assertFalse(self._messages("finished"))
        self._bill()
        session = self._sessions(31)
        self.assertEqual(session.state, "done")
        self.assertTrue(session.abbreviated_invoice_number)
        finished = self._messages("finished")
        self._send()
        self.assertEqual(finished.state, "sent")
        flex = self._flex(self.fake.requests[-1])
        self.assertIn(session.abbreviated_invoice_number, flex["altText"])
        balance = (
            self.env["ev.wallet.transaction"]
            .search([("session_id", "=", session.id), ("kind", "=", "charge")])
            .balance_after
        )
        self.assertIn(f"{balance:,.2f}", flex["altText"])
        self.assertIn(
            f"{session.amount_total:,.2f}", json.dumps(flex["contents"]["body"])
        )
        receipt_url = flex["contents"]["footer"]["contents"][0]["action"]["uri"]
        self.assertIn(f"/my/ev/sessions/{session.id}/receipt?", receipt_url)
        self.assertIn(f"access_token={session.access_token}", receipt_url)
        # the link opens the abbreviated tax invoice without a login; a bad token 404s
        path = receipt_url[receipt_url.index("/my/ev/") :]
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn(session.abbreviated_invoice_number, response.text)
        forged = path.replace(session.access_token, "0" * len(session.access_token))
        with mute_logger("odoo.http"):
            self.assertEqual(self.url_open(forged).status_code, 404)

        # exactly one message per kind reached LINE, each with its own retry key
        self._assert_clean_delivery()
        self.assertEqual(len(self.fake.delivered), 5)
        keys = {r["headers"]["X-Line-Retry-Key"] for r in self.fake.requests}
        self.assertEqual(len(keys), 5)
        self.assertEqual(sorted(self._messages().mapped("retry_key")), sorted(keys))
        # replayed events queue nothing more; the cron has nothing left to send
        self._post_events(start)
        self._send(at=self.now + timedelta(hours=1))
        self.assertEqual(len(self.fake.requests), 5)
        # the admin sees every message in the driver's chatter
        notes = self.driver_1.message_ids.filtered(
            lambda m: "LINE message sent" in (m.body or "")
        )
        self.assertEqual(len(notes), 5)
        self.assertIn(session.abbreviated_invoice_number, notes[0].body)

    def test_unplugged_within_the_grace_no_overstay_message(self):
        session = self._charge(transaction_id=32, stop_minutes=-1)
        self.assertEqual(session.state, "done")
        self._send(at=self.now + timedelta(minutes=30))
        kinds = [json.dumps(r["body"]) for r in self.fake.requests]
        self.assertEqual(len(kinds), 2)  # started, finished
        overstay = self._messages("overstay_started")
        self.assertEqual(overstay.state, "cancelled")
        self.assertIn("unplugged", overstay.last_error)
        self._assert_clean_delivery()

    def test_overstay_message_waits_for_the_end_of_an_exempt_window(self):
        """No overstay fee from 1 hour before now to 2 hours after the hour (station
        time): the fee, and its message, start when the window ends, not after the
        grace."""
        tariff = self.station.tariff_id
        local_now = fields.Datetime.context_timestamp(
            self.station.with_context(tz=self.station.tz), self.now
        )
        self.env["ev.tariff.exempt.window"].create(
            {
                "tariff_id": tariff.id,
                "hour_from": (local_now.hour - 1) % 24,
                "hour_to": (local_now.hour + 2) % 24,
            }
        )
        window_end = (
            (local_now.replace(minute=0, second=0) + timedelta(hours=2))
            .astimezone(UTC)
            .replace(tzinfo=None)
        )
        self._post_events(
            self._start(transaction_id=34, meter_start=0, at=self._at(-20))
        )
        self._post_events(
            self._stop(transaction_id=34, meter_stop=2000, at=self._at(-1))
        )
        overstay = self._messages("overstay_started")
        self.assertEqual(overstay.next_try, window_end)
        self._send()
        minutes = math.ceil((window_end - self.now).total_seconds() / 60)
        self.assertIn(
            f"Unplug within {minutes} minutes",
            self._flex(self.fake.requests[-1])["altText"],
        )

    def test_almost_done_on_state_of_charge(self):
        self._post_events(
            self._start(transaction_id=33, meter_start=0, at=self._at(-20))
        )
        self._post_events(self._meter(33, 500, -15, soc=79))
        self.assertFalse(self._messages("almost_done"))
        self._post_events(self._meter(33, 900, -10, soc=80))
        self.assertEqual(len(self._messages("almost_done")), 1)
        self._send()
        self.assertIn("80 %", json.dumps(self._flex(self.fake.requests[-1])))

    def test_line_outage_delivers_the_receipt_exactly_once(self):
        # only the receipt this time
        self.driver_1.write(
            {
                "ev_notify_started": False,
                "ev_notify_overstay": False,
                "ev_notify_almost_done": False,
            }
        )
        session = self._charge(transaction_id=34)
        finished = self._messages()
        self.assertEqual(finished.kind, "finished")
        # LINE answers 500, then accepts but answers too late, then 409 on the retry
        # (Odoo's test harness raises any HTTP timeout below 10 s to 10 s)
        self.fake.script[:] = [500, "timeout"]
        self.fake.late_answer = line_messaging.TIMEOUT + 1
        with patch.object(line_messaging, "TIMEOUT", 1):
            self._send()
            self.assertEqual(finished.state, "queued")
            self.assertEqual(finished.attempts, 1)
            self.assertIn("500", finished.last_error)
            self.assertGreater(finished.next_try, self.now)
            first_retry = finished.next_try
            self._send(at=first_retry)
            self.assertEqual(finished.state, "queued")
            self.assertEqual(finished.attempts, 2)
            self.assertIn("did not answer", finished.last_error)
            # backoff grows
            self.assertGreater(finished.next_try - first_retry, timedelta(seconds=30))
            self._send(at=finished.next_try)
        self.assertEqual(finished.state, "sent")
        self.assertEqual(finished.attempts, 3)
        statuses = [r["headers"]["X-Line-Retry-Key"] for r in self.fake.requests]
        self.assertEqual(statuses, [finished.retry_key] * 3)
        self.assertEqual(len(self.fake.delivered), 1)
        self.assertIn(
            session.abbreviated_invoice_number,
            self.fake.delivered[0]["messages"][0]["altText"],
        )
        self._assert_clean_delivery()
        notes = self.driver_1.message_ids.filtered(
            lambda m: "LINE message sent" in (m.body or "")
        )
        self.assertEqual(len(notes), 1)
        # billing was never held by LINE: the session was billed before any try
        self.assertTrue(session.invoice_id)

    def test_429_waits_and_other_4xx_fail_for_good(self):
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_1, 100
        )
        topup = self._messages("topup")
        self.fake.script[:] = [429]
        self._send()
        self.assertEqual((topup.state, topup.attempts), ("queued", 1))
        self.assertIn("429", topup.last_error)
        self.fake.script[:] = [400]
        self._send(at=topup.next_try)
        self.assertEqual(topup.state, "failed")
        self.assertIn("fake refusal", topup.last_error)
        self._send(at=self.now + timedelta(days=1))
        self.assertEqual(len(self.fake.requests), 2)
        self.assertEqual(self.fake.delivered, [])
        # a bad channel access token is refused for good too
        self.company.ev_line_channel_access_token = "revoked"
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_1, 50
        )
        self._send()
        refused = self._messages("topup")[-1]
        self.assertEqual(refused.state, "failed")
        self.assertIn("401", refused.last_error)

    def test_given_up_after_the_last_try_and_sent_again_by_an_operator(self):
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_1, 100
        )
        topup = self._messages("topup")
        self.fake.script[:] = [500] * 10
        at = None
        for _attempt in range(10):
            self._send(at=at)
            at = topup.next_try
        self.assertEqual((topup.state, topup.attempts), ("given_up", 10))
        with self.assertRaises(AccessError):
            topup.with_user(self.user_viewer).action_retry()
        topup.with_user(self.user_operator).action_retry()
        self._send()
        self.assertEqual(topup.state, "sent")
        self.assertEqual(len(self.fake.delivered), 1)

    def test_thai_and_english_bodies(self):
        self.env["res.lang"]._activate_lang("th_TH")
        self.driver_2.write(
            {
                "lang": "th_TH",
                "ev_line_user_id": "U" + "1" * 32,
                "ev_line_followed": True,
            }
        )
        thai = {
            "Top-up confirmed": "เติมเงินสำเร็จ",
            "Wallet balance": "ยอดเงินคงเหลือ",
            "Top-up of %(amount)s confirmed. Wallet balance %(balance)s.": (
                "เติมเงิน %(amount)s สำเร็จ ยอดเงินคงเหลือ %(balance)s"
            ),
        }
        translations = dict(
            code_translations.get_python_translations("ev_billing", "th_TH")
        )
        translations.update(thai)
        with patch.dict(
            code_translations.python_translations,
            {("ev_billing", "th_TH"): translations},
        ):
            Ledger = self.env["ev.wallet.transaction"].with_user(self.user_operator)
            Ledger._ev_topup(self.driver_2, 200)
            Ledger._ev_topup(self.driver_1, 200)
        self._send()
        thai_message, english_message = self._messages("topup")
        self.assertEqual((thai_message.lang, english_message.lang), ("th_TH", "en_US"))
        by_user = {r["body"]["to"]: self._flex(r) for r in self.fake.requests}
        thai_flex, english_flex = by_user["U" + "1" * 32], by_user[LINE_USER]
        self.assertEqual(
            thai_flex["contents"]["header"]["contents"][0]["text"], "เติมเงินสำเร็จ"
        )
        symbol = self.company.currency_id.symbol
        self.assertTrue(
            thai_flex["altText"].startswith(f"เติมเงิน {symbol}"), thai_flex["altText"]
        )
        self.assertIn("ยอดเงินคงเหลือ", json.dumps(thai_flex, ensure_ascii=False))
        self.assertEqual(
            english_flex["contents"]["header"]["contents"][0]["text"],
            "Top-up confirmed",
        )
        self.assertTrue(english_flex["altText"].startswith(f"Top-up of {symbol}"))
        self.assertEqual(self.fake.problems, [])


@tagged("post_install", "-at_install")
class TestEvNotificationEmail(EvNotificationCommon):
    def test_driver_without_line_gets_the_receipt_by_email(self):
        self.driver_1.write({"ev_line_user_id": False, "ev_line_followed": False})
        session = self._charge(transaction_id=41)
        finished = self._messages("finished")
        self.assertEqual(finished.channel, "email")
        self._send()
        self.assertEqual(finished.state, "sent")
        mail = finished.mail_id
        self.assertEqual(mail.state, "outgoing")  # in Odoo's mail queue
        self.assertEqual(mail.recipient_ids, self.driver_1)
        self.assertEqual(mail.subject, "Charging finished")
        self.assertIn(session.abbreviated_invoice_number, mail.body_html)
        self.assertIn(session._ev_receipt_link().replace("&", "&amp;"), mail.body_html)
        # the abbreviated tax invoice is attached (HTML in tests: no wkhtmltopdf run)
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertTrue(
            mail.attachment_ids.name.startswith(session.abbreviated_invoice_number)
        )
        self.assertIn(
            session.abbreviated_invoice_number, mail.attachment_ids.raw.decode()
        )
        self.assertEqual(self.fake.requests, [])
        notes = self.driver_1.message_ids.filtered(
            lambda m: "Email message sent" in (m.body or "")
        )
        self.assertEqual(
            len(notes), len(self._messages().filtered(lambda n: n.state == "sent"))
        )

    def test_no_line_and_no_email_fails_with_the_reason(self):
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_2, 100
        )
        self._send()
        topup = self._messages("topup")
        self.assertEqual(topup.state, "failed")
        self.assertIn("neither LINE nor an email", topup.last_error)

    def test_low_balance_once_per_crossing(self):
        self.company.ev_low_balance_threshold = 300.0
        self.driver_1.write({"ev_line_user_id": False, "ev_line_followed": False})
        Ledger = self.env["ev.wallet.transaction"].with_user(self.user_manager)
        cash = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "cash")], limit=1
        )
        Ledger._ev_withdraw(self.driver_1, 150, cash)  # 500 → 350: above
        self.assertFalse(self._messages("low_balance"))
        Ledger._ev_withdraw(self.driver_1, 100, cash)  # 350 → 250: crosses
        Ledger._ev_withdraw(self.driver_1, 50, cash)  # 250 → 200: still below
        low = self._messages("low_balance")
        self.assertEqual(len(low), 1)
        self._send()
        self.assertIn("/my/wallet", low.mail_id.body_html)
        self.assertIn("250.00", low.mail_id.body_html)


@tagged("post_install", "-at_install")
class TestEvLineWebhook(EvNotificationCommon):
    def _webhook(self, events, secret=SECRET, signature=None):
        body = json.dumps({"destination": "Ufake", "events": events}).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not False:
            headers["X-Line-Signature"] = signature or line_messaging.sign(secret, body)
        return self.url_open("/ev/line/webhook", data=body, headers=headers)

    def _line_event(self, kind, user_id=LINE_USER, at=None, **extra):
        at = at or self.now
        return {
            "type": kind,
            "timestamp": int(at.timestamp() * 1000),
            "source": {"type": "user", "userId": user_id},
            "webhookEventId": str(uuid.uuid4()),
            "deliveryContext": {"isRedelivery": False},
            "mode": "active",
            **extra,
        }

    def test_unfollow_switches_the_driver_to_email(self):
        response = self._webhook([self._line_event("unfollow")])
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.driver_1.ev_line_followed)
        self.assertIn("email instead", self.driver_1.message_ids[0].body)
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_1, 100
        )
        self._send()
        topup = self._messages("topup")
        self.assertEqual((topup.channel, topup.state), ("email", "sent"))
        self.assertEqual(topup.mail_id.recipient_ids, self.driver_1)
        self.assertEqual(self.fake.requests, [])
        # following again brings LINE back; an older event delivered late is ignored
        self._webhook([self._line_event("follow", at=self.now + timedelta(seconds=5))])
        self.assertTrue(self.driver_1.ev_line_followed)
        self._webhook(
            [self._line_event("unfollow", at=self.now + timedelta(seconds=2))]
        )
        self.assertTrue(self.driver_1.ev_line_followed)

    def test_queued_message_follows_an_unfollow_to_email(self):
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_1, 100
        )
        topup = self._messages("topup")
        self.assertEqual(topup.channel, "line")
        self._webhook([self._line_event("unfollow")])
        self._send()
        self.assertEqual((topup.channel, topup.state), ("email", "sent"))
        self.assertEqual(self.fake.requests, [])

    @mute_logger("odoo.http")
    def test_bad_signature_is_refused_and_changes_nothing(self):
        self.env.flush_all()
        before = (self.driver_1.write_date, len(self.driver_1.message_ids))
        events = [self._line_event("unfollow")]
        for response in (
            self._webhook(events, secret="not-the-secret"),
            self._webhook(events, signature=False),
            self._webhook(events, signature="bm90IGEgc2lnbmF0dXJl"),
        ):
            self.assertEqual(response.status_code, 403)
        self.driver_1.invalidate_recordset()
        self.assertTrue(self.driver_1.ev_line_followed)
        self.assertEqual(
            (self.driver_1.write_date, len(self.driver_1.message_ids)), before
        )
        # the same body signed with the channel secret is accepted
        self.assertEqual(self._webhook(events).status_code, 200)
        self.assertFalse(self.driver_1.ev_line_followed)

    def test_verify_request_and_unknown_events_are_answered(self):
        self.assertEqual(self._webhook([]).status_code, 200)
        response = self._webhook(
            [self._line_event("message", message={"type": "text", "text": "hi"})]
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self.driver_1.ev_line_followed)

    def test_account_link_sets_the_drivers_line_user(self):
        portal = new_test_user(
            self.env,
            login="line_portal",
            groups="base.group_portal",
            partner_id=self.driver_2.id,
        )
        self.authenticate(portal.login, portal.login)
        response = self.url_open(
            "/my/ev/line/link?linkToken=LINKTOKEN1", allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn(
            "access.line.me/dialog/bot/accountLink", response.headers["Location"]
        )
        nonce = self.driver_2.sudo().ev_line_link_nonce
        self.assertIn(f"nonce={nonce}", response.headers["Location"])
        user_id = "U" + "2" * 32
        self._webhook(
            [
                self._line_event(
                    "accountLink",
                    user_id=user_id,
                    link={"result": "failed", "nonce": nonce},
                )
            ]
        )
        self.assertFalse(self.driver_2.ev_line_user_id)
        self._webhook(
            [
                self._line_event(
                    "accountLink",
                    user_id=user_id,
                    link={"result": "ok", "nonce": nonce},
                )
            ]
        )
        self.assertEqual(self.driver_2.ev_line_user_id, user_id)
        self.assertTrue(self.driver_2.ev_line_followed)
        self.assertFalse(self.driver_2.sudo().ev_line_link_nonce)


@tagged("post_install", "-at_install")
class TestEvNotificationPreferences(EvNotificationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(
            cls.env,
            login="line_driver",
            groups="base.group_portal",
            partner_id=cls.driver_1.id,
        )

    def _csrf(self, page):
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def test_preferences_off_nothing_sent(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        page = self.url_open("/my/account")
        self.assertIn("o_ev_notification_form", page.text)
        response = self.url_open(
            "/my/ev/notifications",
            data={"csrf_token": self._csrf(page), "redirect": "/my/account"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.driver_1.ev_notify_finished)
        self.assertFalse(self.driver_1.ev_notify_started)
        session = self._charge(transaction_id=51)
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_1, 100
        )
        self.assertEqual(session.state, "done")
        self.assertFalse(self._messages())
        self._send(at=self.now + timedelta(hours=1))
        self.assertEqual(self.fake.requests, [])
        # switched back on for the receipt only
        page = self.url_open("/my/ev/notifications")
        self.assertIn("Your choice is saved", response.text)
        self.url_open(
            "/my/ev/notifications",
            data={"csrf_token": self._csrf(page), "ev_notify_finished": "on"},
        )
        self.assertTrue(self.driver_1.ev_notify_finished)
        self.assertFalse(self.driver_1.ev_notify_topup)
        self._charge(transaction_id=52)
        self.assertEqual(self._messages().mapped("kind"), ["finished"])

    def test_switched_off_after_queueing_is_not_sent(self):
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_1, 100
        )
        self.driver_1.ev_notify_topup = False
        self._send()
        self.assertEqual(self._messages("topup").state, "cancelled")
        self.assertEqual(self.fake.requests, [])


@tagged("post_install", "-at_install")
class TestEvNotificationAccess(EvNotificationCommon):
    def test_levels(self):
        self.env["ev.wallet.transaction"].with_user(self.user_operator)._ev_topup(
            self.driver_1, 100
        )
        topup = self._messages("topup")
        # a Viewer reads the queue, nobody writes it but the product's methods
        self.assertEqual(topup.with_user(self.user_viewer).kind, "topup")
        for user in (self.user_viewer, self.user_operator, self.user_admin):
            with self.assertRaises(AccessError):
                topup.with_user(user).write({"state": "sent"})
            with self.assertRaises(AccessError):
                self.Notification.with_user(user).create(
                    {
                        "partner_id": self.driver_1.id,
                        "company_id": self.company.id,
                        "kind": "topup",
                        "channel": "email",
                    }
                )
        with self.assertRaises(AccessError):
            topup.with_user(self.user_internal).read(["subject"])
        # the channel's secrets are for EV Administrators only (EV Settings)
        for user in (self.user_viewer, self.user_operator, self.user_manager):
            with self.assertRaises(AccessError):
                self.company.with_user(user).read(["ev_line_channel_secret"])
        self.company.with_user(self.user_admin).write(
            {"ev_line_channel_secret": "ev-admin-secret"}
        )
        self.assertEqual(
            self.company.with_user(self.user_admin).ev_line_channel_secret,
            "ev-admin-secret",
        )
        # Odoo's Settings app keeps working for system administrators
        settings_admin = new_test_user(
            self.env,
            login="line_settings",
            groups="base.group_system",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        settings = (
            self.env["res.config.settings"]
            .with_user(settings_admin)
            .create(
                {
                    "ev_line_channel_access_token": "new-token",
                    "ev_line_channel_secret": "new-secret",
                    "ev_line_add_friend_url": "https://lin.ee/abc",
                    "ev_low_balance_threshold": 80,
                }
            )
        )
        settings.execute()
        self.assertEqual(self.company.ev_line_channel_access_token, "new-token")
        self.assertEqual(self.company.ev_low_balance_threshold, 80)
        self.assertTrue(settings.ev_line_webhook_url.endswith("/ev/line/webhook"))
