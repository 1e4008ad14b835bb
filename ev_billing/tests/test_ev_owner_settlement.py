from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .owner_common import EvOwnerCommon

# March 2026, FLEX owner, computed by hand (THB; VAT 7 %; sessions' prices include
# VAT, fees exclude it):
#
#                       Riverside A        Riverside B
#  days on plan         31/31              10/31 (left 10 March)
#  sessions             2                  1
#  kWh                  30.000             10.000
#  revenue incl. VAT    2140 + 1070        1070.00
#                       = 3210.00
#  revenue excl. VAT    3000.00            1000.00
#  chargers counted     6 + 1 = 7          1
#  extra chargers       7 - 5 = 2          0
#  plan fee             350.00             350 x 10/31 = 112.903 -> 112.90
#  extra chargers fee   2 x 70 = 140.00    0.00
#  5 % fee              150.00             50.00
#  fees                 640.00             162.90
#  owner's share        3000.00            1000.00
#
# Riverside A: 6 chargers + 1 installed 20 March (the one removed in February does not
# count); Riverside B's session of 15 March is after it left, not the owner's; the
# session stopping 1 April 00:40 Bangkok time belongs to April.
# Fees 802.90 + VAT 56.20 = 859.10 (invoice); share 4000.00 + VAT 280.00 = 4280.00
# (bill, the owner is VAT registered); payout 4280.00 - 859.10 = 3420.90.
FLEX_MARCH = [
    # station_name, days, sessions, kwh, rev incl, rev excl, chargers, extra,
    # plan fee, extra fee, percent fee, fees, share
    (
        "Riverside A",
        31,
        2,
        30.0,
        3210.00,
        3000.00,
        7,
        2,
        350.00,
        140.00,
        150.00,
        640.00,
        3000.00,
    ),
    (
        "Riverside B",
        10,
        1,
        10.0,
        1070.00,
        1000.00,
        1,
        0,
        112.90,
        0.00,
        50.00,
        162.90,
        1000.00,
    ),
]
LINE_FIELDS = [
    "station_name",
    "days_active",
    "session_count",
    "energy_kwh",
    "amount_revenue",
    "amount_revenue_untaxed",
    "charger_count",
    "extra_charger_count",
    "amount_plan_fee",
    "amount_extra_chargers",
    "amount_percent_fee",
    "amount_fees",
    "amount_share",
]


@tagged("post_install", "-at_install")
class TestEvOwnerSettlement(EvOwnerCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.statement_flex = cls._settle_march()
        cls.statement_fast = cls._statement(cls.owner_fast, date(2026, 3, 1))
        cls.statement_save = cls._statement(cls.owner_save, date(2026, 3, 1))

    def _line_table(self, statement):
        return [
            tuple(
                round(line[name], 3) if isinstance(line[name], float) else line[name]
                for name in LINE_FIELDS
            )
            for line in statement.line_ids.sorted("station_name")
        ]

    def test_flex_march_line_by_line(self):
        statement = self.statement_flex
        self.assertEqual(statement.state, "posted")
        self.assertEqual(
            (statement.date_from, statement.date_to),
            (date(2026, 3, 1), date(2026, 3, 31)),
        )
        self.assertEqual(self._line_table(statement), FLEX_MARCH)
        self.assertEqual(statement.session_ids, self.s_a1 | self.s_a2 | self.s_b1)
        self.assertRecordValues(
            statement,
            [
                {
                    "session_count": 3,
                    "energy_kwh": 40.0,
                    "amount_revenue": 4280.00,
                    "amount_revenue_untaxed": 4000.00,
                    "amount_fees": 802.90,
                    "amount_fees_vat": 56.20,
                    "amount_share": 4000.00,
                    "amount_share_vat": 280.00,
                    "amount_payout": 3420.90,
                    "payment_state": "paid",
                    "paid_date": date(2026, 4, 1),
                    "sent": True,
                }
            ],
        )
        self.assertTrue(statement.name.startswith("OWN/2026/"))

    def test_flex_accounting(self):
        statement = self.statement_flex
        company = self.company
        invoice, bill = statement.invoice_id, statement.bill_id
        # The operator's fees: a tax invoice to the owner, on the fee income account,
        # 7 % output VAT.
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self.owner_flex.id,
                    "company_id": company.id,
                    "state": "posted",
                    "invoice_date": date(2026, 3, 31),
                    "amount_untaxed": 802.90,
                    "amount_tax": 56.20,
                    "amount_total": 859.10,
                    "payment_state": "paid",
                }
            ],
        )
        fee_account = company.ev_owner_fee_account_id
        self.assertEqual(fee_account.account_type, "income")
        self.assertEqual(invoice.invoice_line_ids.account_id, fee_account)
        self.assertEqual(invoice.invoice_line_ids.tax_ids, company.ev_owner_sale_tax_id)
        self.assertRecordValues(
            company.ev_owner_sale_tax_id,
            [{"amount": 7.0, "type_tax_use": "sale", "price_include": False}],
        )
        self.assertEqual(
            sorted(invoice.invoice_line_ids.mapped("price_subtotal")),
            [50.00, 112.90, 140.00, 150.00, 350.00],
        )
        output_vat = company.ev_owner_sale_tax_id.invoice_repartition_line_ids.filtered(
            lambda r: r.repartition_type == "tax"
        ).account_id
        tax_lines = invoice.line_ids.filtered("tax_line_id")
        self.assertEqual(tax_lines.account_id, output_vat)
        self.assertAlmostEqual(sum(tax_lines.mapped("balance")), -56.20)

        # The owner's share: a self-billed vendor bill, the owner as vendor, 7 % input
        # VAT because the owner is VAT registered, on the revenue share cost account.
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.owner_flex.id,
                    "company_id": company.id,
                    "state": "posted",
                    "amount_untaxed": 4000.00,
                    "amount_tax": 280.00,
                    "amount_total": 4280.00,
                }
            ],
        )
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(
            bill.invoice_line_ids.account_id, company.ev_owner_share_account_id
        )
        self.assertEqual(
            bill.invoice_line_ids.tax_ids, company.ev_owner_purchase_tax_id
        )
        self.assertEqual(company.ev_owner_purchase_tax_id.type_tax_use, "purchase")

        # Netting: the fee invoice offset against the bill, both reconciled.
        netting = statement.netting_move_id
        payable = bill.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        receivable = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        self.assertEqual(
            sorted(
                (line.account_id.id, line.partner_id.id, line.balance)
                for line in netting.line_ids
            ),
            sorted(
                [
                    (payable.account_id.id, self.owner_flex.id, 859.10),
                    (receivable.account_id.id, self.owner_flex.id, -859.10),
                ]
            ),
        )
        self.assertTrue(receivable.reconciled)

        # The payout: one standard vendor payment for the difference.
        payment = statement.payment_id
        self.assertRecordValues(
            payment,
            [
                {
                    "payment_type": "outbound",
                    "partner_type": "supplier",
                    "partner_id": self.owner_flex.id,
                    "amount": 3420.90,
                    "journal_id": company.ev_owner_payout_journal_id.id,
                    "date": date(2026, 4, 1),
                }
            ],
        )
        self.assertEqual(company.ev_owner_payout_journal_id.type, "bank")
        self.assertIn(
            payment, bill._get_reconciled_payments() | bill.matched_payment_ids
        )

    def test_save_owner_not_vat_registered(self):
        statement = self.statement_save
        self.assertEqual(
            self._line_table(statement),
            [
                (
                    "Green Fleet Depot",
                    31,
                    2,
                    15.0,
                    1605.00,
                    1500.00,
                    3,
                    0,
                    0.0,
                    0.0,
                    120.00,
                    120.00,
                    1500.00,
                )
            ],
        )
        self.assertRecordValues(
            statement,
            [
                {
                    "amount_fees_vat": 8.40,
                    "amount_share_vat": 0.0,
                    "amount_payout": 1371.60,
                    "payment_state": "paid",
                }
            ],
        )
        bill = statement.bill_id
        self.assertFalse(
            bill.invoice_line_ids.tax_ids, "no VAT: the owner is not VAT registered"
        )
        self.assertEqual((bill.amount_tax, bill.amount_total), (0.0, 1500.00))
        self.assertEqual(statement.invoice_id.amount_total, 128.40)
        self.assertEqual(statement.payment_id.amount, 1371.60)

    def test_fast_owner_is_the_seller(self):
        # The drivers' tax invoices are the hotel's own: the session is billed in the
        # owner's company, whose partner is the owner.
        self.assertEqual(self.s_fast.invoice_id.company_id, self.owner_company)
        self.assertEqual(self.s_fast.invoice_id.company_id.partner_id, self.owner_fast)
        statement = self.statement_fast
        # Joined 16 March: 790 x 16/31 = 407.74; one extra charger 150 x 16/31 = 77.42.
        self.assertEqual(
            self._line_table(statement),
            [
                (
                    "Sukhumvit Hotel",
                    16,
                    1,
                    5.0,
                    535.00,
                    500.00,
                    6,
                    1,
                    407.74,
                    77.42,
                    0.0,
                    485.16,
                    0.0,
                )
            ],
        )
        self.assertFalse(statement.bill_id, "the owner collected: nothing to pay out")
        invoice = statement.invoice_id
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "company_id": self.company.id,
                    "partner_id": self.owner_fast.id,
                    "amount_untaxed": 485.16,
                    "amount_tax": 33.96,
                    "amount_total": 519.12,
                    "payment_state": "not_paid",
                }
            ],
        )
        self.assertEqual(statement.amount_payout, -519.12)
        self.assertEqual(statement.payment_state, "not_paid")
        # The hotel pays the invoice: the statement shows when.
        with freeze_time("2026-04-12 04:00:00"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": date(2026, 4, 12)})._create_payments()
        statement.invalidate_recordset(["payment_state", "paid_date"])
        self.assertEqual(statement.payment_state, "paid")
        self.assertEqual(statement.paid_date, date(2026, 4, 12))

    def test_statement_emailed_with_documents(self):
        statement = self.statement_flex
        message = statement.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertIn(self.owner_flex, message.partner_ids)
        names = sorted(message.attachment_ids.mapped("name"))
        stem = statement.name.replace("/", "-")
        self.assertIn(f"{stem}.xlsx", names)
        self.assertTrue(
            any(
                name.startswith(stem + ".") and not name.endswith("xlsx")
                for name in names
            )
        )
        for move in statement.invoice_id | statement.bill_id:
            self.assertTrue(
                any(name.startswith(move.name.replace("/", "-")) for name in names),
                names,
            )
        self.assertIn("Riverside", message.body)
        self.assertIn("ใบแจ้งยอด", message.subject)

    def test_statement_report_thai_and_english(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "ev_billing.action_report_ev_owner_statement", self.statement_flex.ids
            )[0]
            .decode()
        )
        for text in (
            "Station Owner Statement",
            "ใบแจ้งยอดเจ้าของสถานี",
            "Riverside Condominium Juristic Person",
            "3,420.90",
            "ยอดจ่ายให้เจ้าของ / Payout to owner",
            "112.90",
        ):
            self.assertIn(text, html)

    def test_excel(self):
        import io

        import openpyxl

        workbook = openpyxl.load_workbook(
            io.BytesIO(self.statement_flex._ev_xlsx_bytes())
        )
        rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
        station_rows = [
            row for row in rows if row and row[0] in ("Riverside A", "Riverside B")
        ]
        self.assertEqual(len(station_rows), 2)
        self.assertIn(3000.0, station_rows[0])
        self.assertIn(["Payout", 3420.9], [row[:2] for row in rows])

    def test_settlement_is_idempotent(self):
        moves = self.env["account.move"].search_count([])
        payments = self.env["account.payment"].search_count([])
        statements = self.Statement.search([])
        # The cron again the same day and the next day, and a Manager re-running the
        # month from the wizard: nothing new.
        with freeze_time("2026-04-01 05:00:00"):
            self.Statement._cron_settle_owners()
        with freeze_time("2026-04-02 01:00:00"):
            self.Statement._cron_settle_owners()
            wizard = (
                self.env["ev.owner.settlement.wizard"]
                .with_user(self.user_manager)
                .create(
                    {"month_date": date(2026, 3, 15), "company_id": self.company.id}
                )
            )
            action = wizard.action_settle()
        self.assertEqual(self.Statement.search([]), statements)
        self.assertEqual(
            sorted(self.Statement.search(action["domain"]).ids),
            sorted(
                (self.statement_flex | self.statement_fast | self.statement_save).ids
            ),
        )
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual(self.env["account.payment"].search_count([]), payments)

    def test_a_session_is_settled_once(self):
        # The database refuses a session on two statements, whatever runs.
        from psycopg2 import IntegrityError

        from odoo.tools import mute_logger

        other = self.statement_save
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "INSERT INTO ev_owner_statement_session_rel (statement_id, session_id) "
                "VALUES (%s, %s)",
                (other.id, self.s_a1.id),
            )

    def test_refund_after_settlement_carried_to_next_statement(self):
        # 5 April: the 2,140.00 session of 2 March (settled in March) is refunded.
        charge = self.Ledger.search(
            [("session_id", "=", self.s_a1.id), ("kind", "=", "charge")]
        )
        with freeze_time("2026-04-05 03:00:00"):
            refund = charge._ev_refund()
        credit_note = refund.move_id
        s_apr = self._session(self.station_a, 5350.0, 50.0, datetime(2026, 4, 10, 3, 0))
        with freeze_time("2026-05-01 01:00:00"):
            self.Statement._cron_settle_owners()
        april = self._statement(self.owner_flex, date(2026, 4, 1))
        # April, Riverside A: sessions 107.00 (crossed the cut-off) + 5,350.00 =
        # 5,457.00 (5,100.00 without VAT), refund 2,140.00 (2,000.00) -> revenue
        # 3,317.00 (3,100.00); 5 % of 3,100.00 = 155.00; fees 350 + 140 + 155 = 645.00
        # + VAT 45.15 = 690.15; share 3,100.00 + VAT 217.00 = 3,317.00;
        # payout 3,317.00 - 690.15 = 2,626.85. Riverside B has left: no line.
        self.assertEqual(
            [
                (
                    line.station_name,
                    line.session_count,
                    line.amount_sessions,
                    line.amount_refund,
                    line.amount_revenue_untaxed,
                )
                for line in april.line_ids
            ],
            [("Riverside A", 2, 5457.00, 2140.00, 3100.00)],
        )
        self.assertEqual(april.session_ids, self.s_a_cutoff | s_apr)
        self.assertEqual(april.refund_move_ids, credit_note)
        self.assertRecordValues(
            april,
            [
                {
                    "amount_revenue": 3317.00,
                    "amount_fees": 645.00,
                    "amount_fees_vat": 45.15,
                    "amount_share": 3100.00,
                    "amount_share_vat": 217.00,
                    "amount_payout": 2626.85,
                    "payment_state": "paid",
                    "paid_date": date(2026, 5, 1),
                }
            ],
        )
        # March is left as it was.
        self.assertEqual(self.statement_flex.amount_payout, 3420.90)
        self.assertFalse(self.statement_flex.refund_move_ids)

    def test_draft_recompute_and_cancel(self):
        # May, as a draft: a session billed late is picked up by Recompute; a
        # cancelled draft gives its sessions back.
        s_may = self._session(self.station_a, 107.0, 1.0, datetime(2026, 5, 3, 3, 0))
        wizard = (
            self.env["ev.owner.settlement.wizard"]
            .with_user(self.user_manager)
            .create(
                {
                    "month_date": date(2026, 5, 20),
                    "owner_ids": [(6, 0, self.owner_flex.ids)],
                    "post": False,
                }
            )
        )
        self.assertEqual(
            (wizard.date_from, wizard.date_to), (date(2026, 5, 1), date(2026, 5, 31))
        )
        wizard.action_settle()
        may = self._statement(self.owner_flex, date(2026, 5, 1))
        self.assertEqual(may.state, "draft")
        self.assertFalse(may.invoice_id)
        late = self._session(self.station_a, 214.0, 2.0, datetime(2026, 5, 4, 3, 0))
        may.with_user(self.user_manager).action_recompute()
        # April is not settled in this test: its unsettled session comes along.
        self.assertEqual(may.session_ids, self.s_a_cutoff | s_may | late)
        may.with_user(self.user_manager).action_cancel()
        self.assertEqual(may.state, "cancel")
        self.assertFalse(may.session_ids)
        wizard.action_settle()
        again = self._statement(self.owner_flex, date(2026, 5, 1))
        self.assertNotEqual(again, may)
        self.assertEqual(again.session_ids, self.s_a_cutoff | s_may | late)

    def test_contract_renewal(self):
        self.assertEqual(self.station_save.owner_date_end, date(2026, 6, 1))
        renewed = self.env["ev.station"]._ev_renew_owner_contracts(date(2026, 6, 2))
        self.assertIn(self.station_save, renewed)
        self.assertNotIn(self.station_b, renewed, "left the plan: no renewal")
        self.assertEqual(self.station_save.owner_date_end, date(2027, 6, 1))
