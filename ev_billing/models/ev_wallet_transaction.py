import logging
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero

from ..pricing import round_money

_logger = logging.getLogger(__name__)

KINDS = [
    ("topup", "Top-up"),
    ("withdraw", "Withdrawal"),
    ("charge", "Charge"),
    ("refund", "Refund"),
    ("adjustment", "Adjustment"),
]
# Sign each kind must carry (None: either).
KIND_SIGN = {"topup": 1, "withdraw": -1, "charge": -1, "refund": 1, "adjustment": None}


def billing_cycle_start(day, cycle_day):
    """First day of the billing cycle containing ``day`` when cycles start on
    ``cycle_day``."""
    cycle_day = min(max(cycle_day or 1, 1), 28)
    start = day.replace(day=cycle_day)
    return start if start <= day else start - relativedelta(months=1)


class EvWalletTransaction(models.Model):
    """One line of a driver's wallet ledger.

    Append-only: lines are created through ``create`` (which takes the wallet's row lock
    and checks the balance), never edited and never deleted. A mistake is reversed by a
    new line. Every line points at the Odoo accounting document that moved the money: a
    customer payment (top-up, withdrawal), a customer invoice settled from the deposit
    (charge), a credit note (refund) or a journal entry (adjustment).
    """

    _name = "ev.wallet.transaction"
    _description = "Wallet Ledger Line"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "name"

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    date = fields.Datetime(
        required=True, readonly=True, index=True, default=fields.Datetime.now
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Driver",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    amount = fields.Monetary(
        required=True,
        readonly=True,
        aggregator="sum",
        help="Signed: money into the wallet is positive, money out negative.",
    )
    amount_in = fields.Monetary(
        string="In", compute="_compute_in_out", aggregator="sum"
    )
    amount_out = fields.Monetary(
        string="Out", compute="_compute_in_out", aggregator="sum"
    )
    balance_after = fields.Monetary(
        string="Balance", readonly=True, help="Wallet balance right after this line."
    )
    session_id = fields.Many2one(
        "ev.session",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Accounting Document",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    payment_id = fields.Many2one(
        "account.payment",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    document_name = fields.Char(
        string="Document",
        readonly=True,
        help="Number of the accounting document, readable without accounting rights.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Paid via",
        readonly=True,
        help="Cash, bank or payment provider journal the money went through.",
    )
    payment_transaction_id = fields.Many2one(
        "payment.transaction",
        string="Online Payment",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    topup_request_id = fields.Many2one(
        "ev.wallet.topup.request",
        string="Transfer Top-up",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    reversed_line_id = fields.Many2one(
        "ev.wallet.transaction",
        string="Reverses",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    reversal_line_ids = fields.One2many(
        "ev.wallet.transaction", "reversed_line_id", string="Reversed by"
    )
    state = fields.Selection(
        [("posted", "Posted"), ("reversed", "Reversed")], compute="_compute_state"
    )
    user_id = fields.Many2one(
        "res.users",
        string="Recorded by",
        readonly=True,
        default=lambda self: self.env.user,
    )
    note = fields.Char(readonly=True)
    billing_cycle = fields.Char(
        readonly=True, index=True, help="Billing cycle (year-month of its first day)."
    )

    _sql_constraints = [
        ("amount_nonzero", "CHECK(amount <> 0)", "A wallet ledger line moves money."),
        (
            "payment_transaction_uniq",
            "unique(payment_transaction_id)",
            "An online payment credits the wallet once.",
        ),
        (
            "topup_request_uniq",
            "unique(topup_request_id)",
            "A transfer top-up credits the wallet once.",
        ),
        (
            "reversed_line_uniq",
            "unique(reversed_line_id)",
            "A ledger line is reversed at most once.",
        ),
    ]

    def init(self):
        # A session is charged once, whatever the number of billing attempts.
        self.env.cr.execute(
            SQL("""
            CREATE UNIQUE INDEX IF NOT EXISTS ev_wallet_transaction_session_charge_uniq
                ON ev_wallet_transaction (session_id) WHERE kind = 'charge'
        """)
        )

    @api.depends("amount")
    def _compute_in_out(self):
        for line in self:
            line.amount_in = max(line.amount, 0.0)
            line.amount_out = max(-line.amount, 0.0)

    @api.depends("reversal_line_ids")
    def _compute_state(self):
        for line in self:
            line.state = "reversed" if line.reversal_line_ids else "posted"

    @api.constrains("payment_transaction_id")
    def _check_payment_transaction_once(self):
        for line in self.filtered("payment_transaction_id"):
            if (
                self.search_count(
                    [("payment_transaction_id", "=", line.payment_transaction_id.id)]
                )
                > 1
            ):
                raise ValidationError(_("An online payment credits the wallet once."))

    @api.constrains("topup_request_id")
    def _check_topup_request_once(self):
        for line in self.filtered("topup_request_id"):
            if (
                self.search_count([("topup_request_id", "=", line.topup_request_id.id)])
                > 1
            ):
                raise ValidationError(_("A transfer top-up credits the wallet once."))

    # ----------------------------------------------------------------------------------
    # Append-only ledger
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_lock_wallets(self, partner_ids, company=None):
        """Take the wallets' row locks: the one place where wallet money is serialised.

        ``SELECT ... FOR NO KEY UPDATE`` on the drivers' ``res_partner`` rows, in id
        order (no deadlock), then a bump of their ``ev_wallet_version``. Because every
        lock taker rewrites the row, under Odoo's REPEATABLE READ isolation a
        transaction that waited here behind another one fails with a serialization
        error and is retried on fresh data: two debits, or two holds, at the same
        instant never overdraw and never lose an update. Ledger lines and holds are
        only created under this lock. Returns the current ledger sums in ``company``
        (default: the current one), by driver.
        """
        partner_ids = sorted(set(partner_ids))
        self.flush_model(["partner_id", "company_id", "amount"])
        self.env["ev.session"].flush_model(
            ["partner_id", "company_id", "wallet_hold_amount"]
        )
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s ORDER BY id FOR NO KEY "
                "UPDATE",
                tuple(partner_ids),
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET ev_wallet_version = "
                "COALESCE(ev_wallet_version, 0) + 1 WHERE id IN %s",
                tuple(partner_ids),
            )
        )
        self.env["res.partner"].invalidate_model(["ev_wallet_version"])
        return self._ev_wallet_sums(partner_ids, company or self.env.company)

    @api.model
    def _ev_wallet_sums(self, partner_ids, company):
        """Ledger sums of the drivers' wallets in ``company``, by driver id."""
        self.flush_model(["partner_id", "company_id", "amount"])
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, SUM(amount) FROM ev_wallet_transaction WHERE "
                "partner_id IN %s AND company_id = %s GROUP BY partner_id",
                tuple(partner_ids),
                company.id,
            )
        )
        sums = dict.fromkeys(partner_ids, 0.0)
        sums.update(self.env.cr.fetchall())
        return sums

    @api.model
    def _ev_wallet_holds(self, partner_ids, company):
        """Open holds of the drivers' running sessions in ``company``, by wallet
        (commercial partner) id."""
        self.env["ev.session"].flush_model(
            ["partner_id", "company_id", "wallet_hold_amount"]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id, SUM(s.wallet_hold_amount)
                  FROM ev_session s JOIN res_partner p ON p.id = s.partner_id
                 WHERE p.commercial_partner_id IN %s AND s.company_id = %s
                   AND s.wallet_hold_amount > 0
                 GROUP BY p.commercial_partner_id
                """,
                tuple(partner_ids),
                company.id,
            )
        )
        holds = dict.fromkeys(partner_ids, 0.0)
        holds.update(self.env.cr.fetchall())
        return holds

    @api.model_create_multi
    def create(self, vals_list):
        # Lines are created by the posting methods (which check the caller's level and
        # post the accounting document first), in superuser mode, never by a caller.
        if not self.env.su:
            raise AccessError(
                _(
                    "Wallet ledger lines are created by top-ups, withdrawals, "
                    "adjustments and billing only."
                )
            )
        Company = self.env["res.company"]
        for vals in vals_list:
            vals["company_id"] = (
                Company.browse(vals.get("company_id")) or self.env.company
            ).id
        by_company = {}
        for vals in vals_list:
            by_company.setdefault(vals["company_id"], set()).add(vals["partner_id"])
        sums = {}
        for company_id, partner_ids in sorted(by_company.items()):
            company = Company.browse(company_id)
            locked = self._ev_lock_wallets(partner_ids, company)
            holds = self._ev_wallet_holds(list(partner_ids), company)
            sums.update(
                {
                    (pid, company_id): (total, holds[pid])
                    for pid, total in locked.items()
                }
            )
        for vals in vals_list:
            company = Company.browse(vals["company_id"])
            currency = company.currency_id
            amount = float(round_money(vals.get("amount") or 0.0))
            if float_is_zero(amount, precision_rounding=currency.rounding):
                raise ValidationError(
                    _("A wallet ledger line moves money: the amount cannot be zero.")
                )
            sign = KIND_SIGN[vals["kind"]]
            if sign and amount * sign < 0 and not vals.get("reversed_line_id"):
                raise ValidationError(
                    _(
                        "A %(kind)s cannot be %(sign)s.",
                        kind=dict(KINDS)[vals["kind"]],
                        sign=_("negative") if sign > 0 else _("positive"),
                    )
                )
            key = (vals["partner_id"], company.id)
            before, held = sums[key]
            balance = before + amount
            if (
                amount < 0
                and vals["kind"] in ("withdraw", "adjustment")
                and not vals.get("reversed_line_id")
                and float_compare(
                    balance - held, 0.0, precision_rounding=currency.rounding
                )
                < 0
            ):
                raise UserError(
                    _(
                        "The wallet holds %(balance)s: it cannot pay out %(amount)s.",
                        balance=currency.format(before - held),
                        amount=currency.format(-amount),
                    )
                )
            sums[key] = (balance, held)
            vals.update(amount=amount, balance_after=currency.round(balance))
            line_date = (
                fields.Datetime.to_datetime(vals.get("date")) or fields.Datetime.now()
            )
            vals["date"] = line_date
            vals["billing_cycle"] = billing_cycle_start(
                line_date.date(), company.ev_billing_cycle_day
            ).strftime("%Y-%m")
            if vals.get("move_id") and not vals.get("document_name"):
                vals["document_name"] = (
                    self.env["account.move"].sudo().browse(vals["move_id"]).name
                )
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("ev.wallet.transaction")
                    or "/"
                )
        lines = super().create(vals_list)
        # A session's hold turns into its charge: the charge line replaces it, in the
        # same transaction and under the same lock.
        lines.filtered(lambda line: line.kind == "charge").session_id._ev_hold_release()
        lines.partner_id.invalidate_recordset(
            ["ev_wallet_transaction_ids", "ev_wallet_balance", "ev_wallet_held"]
            + ["ev_wallet_spendable", "ev_wallet_due"]
        )
        return lines

    # Append-only ledger: refusing every write without calling super is the point; a
    # line is corrected by a new, reversing line, never by editing it.
    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            _("Wallet ledger lines are never edited: reverse a line with a new one.")
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            _("Wallet ledger lines are never deleted: reverse a line with a new one.")
        )

    @api.model
    def _ev_check_can_pay_out(self, partner, amount, company):
        """Refuse paying out more than the wallet holds in ``company`` net of the holds
        of its running sessions."""
        balance = self._ev_lock_wallets([partner.id], company)[partner.id]
        available = balance - self._ev_wallet_holds([partner.id], company)[partner.id]
        if company.currency_id.compare_amounts(available, amount) < 0:
            raise UserError(
                _(
                    "The wallet holds %(balance)s: it cannot pay out %(amount)s.",
                    balance=company.currency_id.format(available),
                    amount=company.currency_id.format(amount),
                )
            )

    # ----------------------------------------------------------------------------------
    # Access helpers
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_check_level(self, group_xmlid, what):
        self.env["res.users"]._ev_check_level(group_xmlid, what)

    # -- Billing periods (the ledger stores each line's cycle) ------------------------

    @api.model
    def _ev_period(
        self, period, ref_day=None, date_from=None, date_to=None, company=None
    ):
        """(first day, last day) of a billing cycle, month or year containing
        ``ref_day``, or a custom period."""
        ref_day = ref_day or fields.Date.context_today(self)
        company = company or self.env.company
        if period == "cycle":
            start = billing_cycle_start(ref_day, company.ev_billing_cycle_day)
            return start, start + relativedelta(months=1) - timedelta(days=1)
        if period == "month":
            start = ref_day.replace(day=1)
            return start, start + relativedelta(months=1) - timedelta(days=1)
        if period == "year":
            return date(ref_day.year, 1, 1), date(ref_day.year, 12, 31)
        return date_from, date_to
