from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_ev_tariff import EvTariffCommon

WED_10H = datetime(2025, 3, 12, 3, 0)  # Wednesday 12 March 2025, 10:00 Bangkok


@tagged("post_install", "-at_install")
class TestEvBillingBatch(EvTariffCommon):
    """Closed sessions are queued by the charger's events and billed together."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        cls.accounting = cls.company._ev_wallet_accounting()
        plan = cls.env["account.analytic.plan"].create({"name": "EV Stations"})
        cls.analytic = cls.env["account.analytic.account"].create(
            {"name": "Test Station", "plan_id": plan.id, "company_id": cls.company.id}
        )
        cls.station.analytic_account_id = cls.analytic
        cls.driver_3 = cls.env["res.partner"].create(
            {
                "name": "Nearly Empty Wallet",
                "mobile": "+66 81 000 0003",
                "ev_is_driver": True,
                "company_id": cls.company.id,
            }
        )
        cls.env["ev.id.tag"].create({"tag": "CC000003", "partner_id": cls.driver_3.id})
        # A driver record of another company: their invoice cannot be made here.
        cls.other_company = cls.env["res.company"].create({"name": "Other Books"})
        cls.driver_4 = cls.env["res.partner"].create(
            {
                "name": "Driver Of Another Company",
                "mobile": "+66 81 000 0004",
                "ev_is_driver": True,
                "company_id": cls.other_company.id,
            }
        )
        cls.env["ev.id.tag"].create(
            {
                "tag": "DD000004",
                "partner_id": cls.driver_4.id,
                "company_id": cls.other_company.id,
            }
        )
        Ledger = cls.env["ev.wallet.transaction"]
        Ledger._ev_topup(cls.driver_1, 1000.0, company=cls.company)
        Ledger._ev_topup(cls.driver_2, 1000.0, company=cls.company)
        Ledger._ev_topup(cls.driver_3, 20.0, company=cls.company)

    def _charge(self, transaction_id, tag, kwh, minutes, unplug_after, bought=0.0):
        """Start, stop and unplug one session through the OCPP hooks."""
        Session = self.env["ev.session"]
        start = WED_10H + timedelta(minutes=transaction_id)
        session = Session._ocpp_start(
            self.charger_1, self.connector_1_1, tag, 0, start, transaction_id
        )
        if bought:
            session.requested_kwh = bought
        stop = start + timedelta(minutes=minutes)
        session._ocpp_stop(int(kwh * 1000), stop)
        session._ocpp_unplugged(stop + timedelta(minutes=unplug_after))
        return session

    def test_mixed_batch_billed_in_one_call(self):
        member = self._charge(1, "AA000001", 10, 60, 25)  # 15 min overstay
        vip = self._charge(2, "BB000002", 8, 40, 0)
        bought = self._charge(3, "BB000002", 5.04, 40, 0, bought=5.0)
        negative = self._charge(4, "CC000003", 10, 60, 0)
        failing = self._charge(5, "DD000004", 2, 20, 0)
        sessions = member + vip + bought + negative + failing
        # The events only priced and queued them; no accounting in the event.
        self.assertEqual(set(sessions.mapped("state")), {"done"})
        self.assertEqual(set(sessions.mapped("billing_state")), {"to_bill"})
        self.assertFalse(sessions.invoice_id)
        trigger = self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.env.ref("ev_billing.ir_cron_ev_bill_sessions").id)]
        )
        self.assertTrue(trigger, "closing wakes the billing cron at once")

        self.assertEqual(
            (member.amount_energy, member.amount_overstay, member.amount_total),
            (75.0, 150.0, 225.0),
        )
        self.assertEqual((vip.ev_tier, vip.amount_total), ("vip", 52.0))
        self.assertEqual((bought.billed_kwh, bought.amount_total), (5.0, 32.5))
        self.assertEqual(negative.amount_total, 75.0)

        billed_hook = []
        Session = self.registry["ev.session"]
        with (
            patch.object(
                Session,
                "_ev_on_billed",
                lambda self: billed_hook.extend(self.ids) or True,
            ),
            mute_logger("odoo.addons.ev_billing.models.ev_session_billing"),
        ):
            taken = self.env["ev.session"]._ev_bill_queue(limit=50)
        self.assertEqual(taken, sessions)
        good = sessions - failing

        # The failing one waits for a Manager with the reason; nothing of it was kept.
        self.assertEqual((failing.state, failing.billing_state), ("review", "failed"))
        self.assertIn("Billing failed", failing.review_reason)
        self.assertFalse(failing.invoice_id or failing.abbreviated_invoice_number)
        self.assertFalse(
            self.env["ev.wallet.transaction"].search([("session_id", "=", failing.id)])
        )

        # Every other one: posted invoice, VAT 7 % included, station analytic, paid
        # from the deposit, one charge line, its number; the hook once each.
        self.assertEqual(sorted(billed_hook), sorted(good.ids))
        vat = self.accounting["tax"]
        receivable = self.env["account.move.line"]
        for session in good:
            invoice = session.invoice_id
            self.assertEqual(session.billing_state, "billed")
            self.assertEqual(
                (invoice.move_type, invoice.state, invoice.payment_state),
                ("out_invoice", "posted", "paid"),
            )
            self.assertEqual(invoice.partner_id, session.partner_id)
            self.assertEqual(invoice.amount_total, session.amount_total)
            self.assertAlmostEqual(
                invoice.amount_tax,
                session.amount_total - round(session.amount_total / 1.07, 2),
                delta=0.011 * len(invoice.invoice_line_ids),
            )
            self.assertEqual(invoice.invoice_line_ids.tax_ids, vat)
            self.assertTrue(vat.price_include)
            for line in invoice.invoice_line_ids:
                self.assertEqual(
                    line.analytic_distribution, {str(self.analytic.id): 100.0}
                )
            self.assertEqual(invoice.ref, session.abbreviated_invoice_number)
            self.assertEqual(str(invoice.invoice_date), "2025-03-12")
            charge = self.env["ev.wallet.transaction"].search(
                [("session_id", "=", session.id)]
            )
            self.assertEqual(
                (charge.kind, charge.amount, charge.move_id),
                ("charge", -session.amount_total, invoice),
            )
            settlement = charge.settlement_move_id
            self.assertEqual(
                (settlement.journal_id, settlement.state),
                (self.accounting["journal"], "posted"),
            )
            lines = invoice.line_ids.filtered(
                lambda line: line.display_type == "payment_term"
            )
            receivable |= lines
            self.assertTrue(lines.reconciled)
            self.assertEqual(
                lines.full_reconcile_id.reconciled_line_ids.move_id,
                invoice + settlement,
            )
        # One settlement entry per billed batch and day: deposit debited, receivable
        # credited, per driver. The batch of five failed, so it was split: the first
        # two billed together, then the third and the fourth alone (the fifth
        # failed alone).
        settlement = good.invoice_id.line_ids.full_reconcile_id.reconciled_line_ids
        settlement = settlement.move_id - good.invoice_id
        self.assertEqual(len(settlement), 3)
        shared = self.env["ev.wallet.transaction"].search(
            [("session_id", "in", (member + vip).ids)]
        )
        self.assertEqual(len(shared.settlement_move_id), 1)
        deposit_lines = settlement.line_ids.filtered(
            lambda line: line.account_id == self.accounting["deposit_account"]
        )
        self.assertEqual(
            sorted(deposit_lines.mapped("balance")),
            sorted(good.mapped("amount_total")),
        )
        self.assertEqual(
            sorted(
                settlement.line_ids.filtered(
                    lambda line: line.account_id == receivable.account_id
                ).mapped("balance")
            ),
            sorted(-amount for amount in good.mapped("amount_total")),
        )

        # Numbers: the station's sequence, consecutive; the failing session's number
        # was rolled back with it (no gap).
        numbers = sorted(good.mapped("abbreviated_invoice_number"))
        suffixes = [int(number.rsplit("-", 1)[1]) for number in numbers]
        self.assertEqual(suffixes, list(range(suffixes[0], suffixes[0] + 4)))
        self.assertTrue(all(n.startswith("ABB-TST-2025-") for n in numbers))
        self.assertEqual(
            self.company._ev_next_abb_number(self.station, WED_10H.date()),
            f"ABB-TST-2025-{suffixes[-1] + 1:05d}",
        )

        # The nearly empty wallet went negative; wallet = ledger = general ledger.
        self.assertEqual(self.driver_3.ev_wallet_balance, -55.0)
        self.assertEqual(self.driver_1.ev_wallet_balance, 1000.0 - 225.0)
        self.assertEqual(self.driver_2.ev_wallet_balance, 1000.0 - 52.0 - 32.5)
        self.assertEqual(self.env["ev.wallet.transaction"]._ev_wallet_audit(), [])

        # Billing again bills nothing twice.
        self.assertFalse(self.env["ev.session"]._ev_bill_queue())
        good._ev_bill()
        self.assertEqual(
            self.env["ev.wallet.transaction"].search_count(
                [("session_id", "in", good.ids)]
            ),
            4,
        )

    def test_per_session_mode_bills_in_the_event(self):
        """The old path, kept for the benchmark's comparison."""
        self.env["ir.config_parameter"].set_param(
            "ev_billing.billing_mode", "per_session"
        )
        session = self._charge(6, "AA000001", 4, 30, 0)
        self.assertEqual(session.billing_state, "billed")
        self.assertEqual(session.invoice_id.payment_state, "paid")
        charge = self.env["ev.wallet.transaction"].search(
            [("session_id", "=", session.id)]
        )
        self.assertEqual(charge.payment_id.journal_id, self.accounting["journal"])
        self.assertEqual(self.env["ev.wallet.transaction"]._ev_wallet_audit(), [])

    def test_session_without_driver_or_amount_is_billed_empty(self):
        session = self._charge(7, "UNKNOWN1", 0, 5, 0)
        self.assertEqual(session.billing_state, "to_bill")
        self.env["ev.session"]._ev_bill_queue()
        self.assertEqual(session.billing_state, "billed")
        self.assertFalse(session.invoice_id)
