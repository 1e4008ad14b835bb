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


def copy_invoice_lines(invoice):
    """Commands copying ``invoice``'s lines (product, label, quantity, price, taxes,
    analytic) onto a credit note or another invoice."""
    return [
        fields.Command.create(
            {
                "product_id": line.product_id.id,
                "name": line.name,
                "quantity": line.quantity,
                "price_unit": line.price_unit,
                "tax_ids": [fields.Command.set(line.tax_ids.ids)],
                "analytic_distribution": line.analytic_distribution,
            }
        )
        for line in invoice.invoice_line_ids
    ]


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
    def _ev_lock_wallets(self, partner_ids):
        """Take the wallets' row locks: the one place where wallet money is serialised.

        ``SELECT ... FOR NO KEY UPDATE`` on the drivers' ``res_partner`` rows, in id
        order (no deadlock). Every ledger line rewrites its driver's stored balance in
        the same transaction, so under Odoo's REPEATABLE READ isolation a transaction
        that waited here behind another one that moved the same wallet fails with a
        serialization error and is retried on fresh data: two debits at the same instant
        never overdraw and never lose an update. Returns the current ledger sums, by
        driver.
        """
        partner_ids = sorted(set(partner_ids))
        self.env["res.partner"].flush_model(["ev_wallet_balance"])
        self.flush_model(["partner_id", "amount"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s ORDER BY id FOR NO KEY "
                "UPDATE",
                tuple(partner_ids),
            )
        )
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, SUM(amount) FROM ev_wallet_transaction WHERE "
                "partner_id IN %s GROUP BY partner_id",
                tuple(partner_ids),
            )
        )
        sums = dict.fromkeys(partner_ids, 0.0)
        sums.update(self.env.cr.fetchall())
        return sums

    @api.model_create_multi
    def create(self, vals_list):
        sums = self._ev_lock_wallets([vals["partner_id"] for vals in vals_list])
        Company = self.env["res.company"]
        for vals in vals_list:
            company = Company.browse(vals.get("company_id")) or self.env.company
            vals["company_id"] = company.id
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
            balance = sums[vals["partner_id"]] + amount
            if (
                amount < 0
                and vals["kind"] in ("withdraw", "adjustment")
                and not vals.get("reversed_line_id")
                and float_compare(balance, 0.0, precision_rounding=currency.rounding)
                < 0
            ):
                raise UserError(
                    _(
                        "The wallet holds %(balance)s: it cannot pay out %(amount)s.",
                        balance=currency.format(sums[vals["partner_id"]]),
                        amount=currency.format(-amount),
                    )
                )
            sums[vals["partner_id"]] = balance
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
        # The stored balance is derived from the ledger and rewritten in this
        # transaction.
        lines.partner_id._compute_ev_wallet_balance()
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
        balance = self._ev_lock_wallets([partner.id])[partner.id]
        if company.currency_id.compare_amounts(balance, amount) < 0:
            raise UserError(
                _(
                    "The wallet holds %(balance)s: it cannot pay out %(amount)s.",
                    balance=company.currency_id.format(balance),
                    amount=company.currency_id.format(amount),
                )
            )

    # ----------------------------------------------------------------------------------
    # Access helpers
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_check_level(self, group_xmlid, what):
        if not self.env.su and not self.env.user.has_group(group_xmlid):
            raise AccessError(_("You are not allowed to %s.", what))

    # ----------------------------------------------------------------------------------
    # Accounting documents
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_owner(self, partner):
        """The wallet belongs to the commercial partner (the driver, or the fleet
        company)."""
        return partner.commercial_partner_id

    @api.model
    def _ev_payment(
        self,
        company,
        partner,
        amount,
        payment_type,
        journal,
        memo,
        destination_account=None,
        payment_date=None,
        **extra,
    ):
        """Create and post a customer payment (a normal Odoo document)."""
        Payment = self.env["account.payment"].sudo().with_company(company)
        method_lines = journal._get_available_payment_method_lines(payment_type)
        method_line = (
            method_lines.filtered(lambda line: line.code == "manual")[:1]
            or method_lines[:1]
        )
        vals = {
            "payment_type": payment_type,
            "partner_type": "customer",
            "partner_id": partner.id,
            "amount": amount,
            "currency_id": company.currency_id.id,
            "journal_id": journal.id,
            "company_id": company.id,
            "payment_method_line_id": method_line.id,
            "memo": memo,
            "date": payment_date or fields.Date.context_today(self),
            **extra,
        }
        if destination_account:
            vals["destination_account_id"] = destination_account.id
        payment = Payment.create(vals)
        payment.action_post()
        return payment

    @api.model
    def _ev_reconcile(self, *moves, account):
        lines = self.env["account.move.line"].sudo()
        for move in moves:
            lines |= move.line_ids.filtered(
                lambda line: line.account_id == account and not line.reconciled
            )
        if len(lines) > 1:
            lines.reconcile()

    @api.model
    def _ev_topup(
        self,
        partner,
        amount,
        journal=None,
        memo=None,
        company=None,
        payment_date=None,
        payment_transaction=None,
        payment=None,
        topup_request=None,
    ):
        """Money in: a customer payment credited to the deposit account, then a
        ``topup`` line.

        ``payment`` is an already posted payment (online top-up: created by
        account_payment); ``topup_request`` the pending transfer top-up an Operator
        confirms.
        """
        self._ev_check_level("ev_billing.group_ev_operator", _("top up a wallet"))
        partner = self._ev_owner(partner)
        company = company or self.env.company
        amount = float(round_money(amount))
        if amount <= 0:
            raise UserError(_("A top-up must be positive."))
        accounting = company._ev_wallet_accounting()
        if not payment:
            if not journal:
                journal = (
                    self.env["account.journal"]
                    .sudo()
                    .search(
                        [
                            *self.env["account.journal"]._check_company_domain(company),
                            ("type", "=", "cash"),
                        ],
                        limit=1,
                    )
                )
            if not journal:
                raise UserError(
                    _("Choose the cash or bank journal that received the money.")
                )
            payment = self._ev_payment(
                company,
                partner,
                amount,
                "inbound",
                journal,
                memo or _("Wallet top-up"),
                accounting["deposit_account"],
                payment_date,
            )
        return self.sudo().create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "kind": "topup",
                "amount": amount,
                "payment_id": payment.id,
                "move_id": payment.move_id.id,
                "journal_id": payment.journal_id.id,
                "payment_transaction_id": payment_transaction.id
                if payment_transaction
                else False,
                "topup_request_id": topup_request.id if topup_request else False,
                "note": memo,
            }
        )

    @api.model
    def _ev_withdraw(
        self, partner, amount, journal, memo=None, company=None, payment_date=None
    ):
        """Money paid back to the driver: an outbound customer payment debiting the
        deposit."""
        self._ev_check_level("ev_billing.group_ev_manager", _("withdraw from a wallet"))
        partner = self._ev_owner(partner)
        company = company or self.env.company
        amount = float(round_money(amount))
        if amount <= 0:
            raise UserError(_("A withdrawal must be positive."))
        accounting = company._ev_wallet_accounting()
        # Refuse before any document is posted (create() checks again under the same
        # lock).
        self._ev_check_can_pay_out(partner, amount, company)
        payment = self._ev_payment(
            company,
            partner,
            amount,
            "outbound",
            journal,
            memo or _("Wallet withdrawal"),
            accounting["deposit_account"],
            payment_date,
        )
        return self.sudo().create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "kind": "withdraw",
                "amount": -amount,
                "payment_id": payment.id,
                "move_id": payment.move_id.id,
                "journal_id": journal.id,
                "note": memo,
            }
        )

    @api.model
    def _ev_adjust(
        self, partner, amount, reason, company=None, reversed_line=None, move_date=None
    ):
        """A correction with no business document behind it: a journal entry between the
        driver's deposit and the adjustment account."""
        self._ev_check_level("ev_billing.group_ev_manager", _("adjust a wallet"))
        if not reason:
            raise UserError(_("Say why the wallet is adjusted."))
        partner = self._ev_owner(partner)
        company = company or self.env.company
        amount = float(round_money(amount))
        accounting = company._ev_wallet_accounting()
        if amount < 0 and not reversed_line:
            self._ev_check_can_pay_out(partner, -amount, company)
        journal = (
            self.env["account.journal"]
            .sudo()
            .search(
                [
                    *self.env["account.journal"]._check_company_domain(company),
                    ("type", "=", "general"),
                ],
                limit=1,
            )
        )
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": move_date or fields.Date.context_today(self),
                    "ref": _("Wallet adjustment: %s", reason),
                    "line_ids": [
                        fields.Command.create(
                            {
                                "account_id": accounting["deposit_account"].id,
                                "partner_id": partner.id,
                                "name": reason,
                                "balance": -amount,
                            }
                        ),
                        fields.Command.create(
                            {
                                "account_id": accounting["adjustment_account"].id,
                                "partner_id": partner.id,
                                "name": reason,
                                "balance": amount,
                            }
                        ),
                    ],
                }
            )
        )
        move.action_post()
        return self.sudo().create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "kind": "adjustment",
                "amount": amount,
                "move_id": move.id,
                "note": reason,
                "reversed_line_id": reversed_line.id if reversed_line else False,
            }
        )

    # -- Sessions ----------------------------------------------------------------------

    @api.model
    def _ev_invoice_line_vals(self, session, tax):
        products = {
            "energy": self.env.ref("ev_billing.product_ev_energy"),
            "parking": self.env.ref("ev_billing.product_ev_parking"),
            "overstay": self.env.ref("ev_billing.product_ev_overstay"),
        }
        analytic = (
            {str(session.station_id.analytic_account_id.id): 100.0}
            if session.station_id.analytic_account_id
            else False
        )
        names = {
            "energy": _(
                "Charging %(kwh).3f kWh at %(station)s",
                kwh=session.energy_kwh,
                station=session.station_id.name,
            ),
            "parking": _("Parking fee"),
            "overstay": _("Overstay fee"),
        }
        amounts = {
            "energy": session.amount_energy,
            "parking": session.amount_parking,
            "overstay": session.amount_overstay,
        }
        total = round_money(session.amount_total)
        if sum(round_money(a or 0.0) for a in amounts.values()) != total:
            # Parts missing or not adding up: bill the total as charging energy.
            amounts = {"energy": float(total), "parking": 0.0, "overstay": 0.0}
        return [
            fields.Command.create(
                {
                    "product_id": products[key].id,
                    "name": names[key],
                    "quantity": 1.0,
                    "price_unit": float(round_money(value)),
                    "tax_ids": [fields.Command.set(tax.ids)],
                    "analytic_distribution": analytic,
                }
            )
            for key, value in amounts.items()
            if value and round_money(value)
        ]

    @api.model
    def _ev_bill_sessions(self, sessions):
        """Bill closed sessions: posted customer invoice (7 % VAT included, station
        analytic), settled from the driver's deposit through the wallet journal, a
        ``charge`` ledger line and an abbreviated tax invoice number. Idempotent: a
        billed session is skipped."""
        for session in sessions.sudo():
            if session.state != "done" or session.invoice_id:
                continue
            if self.search_count(
                [("session_id", "=", session.id), ("kind", "=", "charge")]
            ):
                continue
            # Two billings of one session at the same instant (replayed Stop events,
            # crons): the wallet lock in create() makes the second one fail and retry,
            # and it then skips above; the unique index on (session, charge) is the last
            # guard.
            total = float(round_money(session.amount_total or 0.0))
            if total <= 0 or not session.partner_id:
                continue
            company = session.company_id
            accounting = company._ev_wallet_accounting()
            partner = self._ev_owner(session.partner_id)
            station = session.station_id
            stop = session.stop_time or fields.Datetime.now()
            invoice_date = fields.Datetime.context_timestamp(
                session.with_context(tz=station.tz), stop
            ).date()
            abb_number = company._ev_next_abb_number(station, invoice_date)
            invoice = (
                self.env["account.move"]
                .sudo()
                .with_company(company)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "invoice_date": invoice_date,
                        "ref": abb_number,
                        "invoice_origin": session.name,
                        "narration": _("Abbreviated tax invoice %s", abb_number),
                        "invoice_line_ids": self._ev_invoice_line_vals(
                            session, accounting["tax"]
                        ),
                    }
                )
            )
            invoice.action_post()
            if invoice.currency_id.compare_amounts(invoice.amount_total, total):
                raise UserError(
                    _(
                        "Invoice %(invoice)s totals %(amount)s, the session %(total)s.",
                        invoice=invoice.name,
                        amount=invoice.amount_total,
                        total=total,
                    )
                )
            payment = self._ev_payment(
                company,
                partner,
                total,
                "inbound",
                accounting["journal"],
                _("%(invoice)s paid from wallet", invoice=invoice.name),
                payment_date=invoice_date,
            )
            self._ev_reconcile(
                invoice,
                payment.move_id,
                account=invoice.line_ids.filtered(
                    lambda line: line.display_type == "payment_term"
                ).account_id,
            )
            self.sudo().create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "kind": "charge",
                    "amount": -total,
                    "session_id": session.id,
                    "move_id": invoice.id,
                    "payment_id": payment.id,
                    "journal_id": accounting["journal"].id,
                    "date": stop,
                    "note": session.name,
                }
            )
            session.write(
                {"invoice_id": invoice.id, "abbreviated_invoice_number": abb_number}
            )
            session._ev_on_billed()
        return True

    def _ev_refund(self, amount=None, reason=None):
        """Give (part of) a charge back: a credit note on the session invoice, settled
        into the driver's deposit through the wallet journal, and a ``refund`` line."""
        self._ev_check_level("ev_billing.group_ev_manager", _("refund a session"))
        self.ensure_one()
        charge = self.sudo()
        if charge.kind != "charge":
            raise UserError(_("Only a charge can be refunded."))
        company = charge.company_id
        accounting = company._ev_wallet_accounting()
        refunded = sum(
            self.sudo().search([("reversed_line_id", "=", charge.id)]).mapped("amount")
        )
        refundable = round_money(-charge.amount - refunded)
        amount = round_money(amount if amount is not None else refundable)
        if amount <= 0 or amount > refundable:
            raise UserError(
                _("Up to %s can still be refunded for this session.", refundable)
            )
        if charge.reversal_line_ids:
            raise UserError(_("This charge was already refunded."))
        invoice = charge.move_id
        reason = reason or _("Refund of %s", invoice.name)
        today = fields.Date.context_today(self)
        line_vals = (
            copy_invoice_lines(invoice)
            if amount == refundable and not refunded
            else [
                fields.Command.create(
                    {
                        "product_id": self.env.ref("ev_billing.product_ev_energy").id,
                        "name": reason,
                        "quantity": 1.0,
                        "price_unit": float(amount),
                        "tax_ids": [fields.Command.set(accounting["tax"].ids)],
                        "analytic_distribution": invoice.invoice_line_ids[
                            :1
                        ].analytic_distribution,
                    }
                )
            ]
        )
        credit_note = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": invoice.partner_id.id,
                    "company_id": company.id,
                    "invoice_date": today,
                    "reversed_entry_id": invoice.id,
                    "ref": reason,
                    "invoice_origin": invoice.invoice_origin,
                    "invoice_line_ids": line_vals,
                }
            )
        )
        credit_note.action_post()
        payment = self._ev_payment(
            company,
            invoice.partner_id,
            float(amount),
            "outbound",
            accounting["journal"],
            _("%(credit_note)s refunded to wallet", credit_note=credit_note.name),
            payment_date=today,
        )
        self._ev_reconcile(
            credit_note,
            payment.move_id,
            account=credit_note.line_ids.filtered(
                lambda line: line.display_type == "payment_term"
            ).account_id,
        )
        return self.sudo().create(
            {
                "partner_id": charge.partner_id.id,
                "company_id": company.id,
                "kind": "refund",
                "amount": float(amount),
                "session_id": charge.session_id.id,
                "move_id": credit_note.id,
                "payment_id": payment.id,
                "journal_id": accounting["journal"].id,
                "reversed_line_id": charge.id,
                "note": reason,
            }
        )

    def action_reverse(self):
        """Reverse a mistaken line with a new one (and Odoo's own reversal of its
        entry)."""
        self._ev_check_level("ev_billing.group_ev_manager", _("reverse a wallet line"))
        new_lines = self.browse()
        for line in self.sudo():
            if line.reversal_line_ids or line.reversed_line_id:
                raise UserError(
                    _("%s is already reversed or is itself a reversal.", line.name)
                )
            if line.kind == "charge":
                new_lines |= line._ev_refund(reason=_("Reversal of %s", line.name))
                continue
            move = line.move_id or line.payment_id.move_id
            reversal = move._reverse_moves(
                [
                    {
                        "date": fields.Date.context_today(self),
                        "ref": _(
                            "Reversal of %(line)s (%(move)s)",
                            line=line.name,
                            move=move.name,
                        ),
                    }
                ],
                cancel=True,
            )
            if reversal.state == "draft":
                reversal.action_post()
            new_lines |= self.sudo().create(
                {
                    "partner_id": line.partner_id.id,
                    "company_id": line.company_id.id,
                    "kind": "adjustment",
                    "amount": -line.amount,
                    "move_id": reversal.id,
                    "reversed_line_id": line.id,
                    "note": _("Reversal of %s", line.name),
                }
            )
        return new_lines

    # ----------------------------------------------------------------------------------
    # Audit: wallet balance = ledger sum = general ledger of the deposit account, per
    # driver
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_wallet_audit(self):
        """Return the drivers whose stored balance, ledger sum and deposit-account
        balance differ."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT partner_id, company_id, SUM(amount) FROM "
                "ev_wallet_transaction GROUP BY 1, 2"
            )
        )
        ledger = {(p, c): s for p, c, s in cr.fetchall()}
        general = {}
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("ev_deposit_account_id", "!=", False)])
        )
        for company in companies:
            cr.execute(
                SQL(
                    """
                SELECT partner_id, -SUM(balance) FROM account_move_line
                 WHERE account_id = %s AND company_id = %s AND parent_state = 'posted'
                 GROUP BY partner_id
            """,
                    company.ev_deposit_account_id.id,
                    company.id,
                )
            )
            general.update({(p, company.id): s for p, s in cr.fetchall()})
        cr.execute(
            SQL(
                "SELECT id, ev_wallet_balance FROM res_partner WHERE "
                "ev_wallet_balance <> 0"
            )
        )
        stored = dict(cr.fetchall())
        ledger_by_partner = {}
        for (partner_id, _company_id), total in ledger.items():
            ledger_by_partner[partner_id] = (
                ledger_by_partner.get(partner_id, 0.0) + total
            )
        differences = []
        keys = set(ledger) | set(general)
        partner_ids = {p for p, _c in keys} | set(stored)
        for partner_id in sorted(pid for pid in partner_ids if pid):
            balance = stored.get(partner_id, 0.0)
            companies_of = sorted({c for p, c in keys if p == partner_id}) or [False]
            for company_id in companies_of:
                ledger_sum = ledger.get((partner_id, company_id), 0.0)
                gl = general.get((partner_id, company_id), 0.0)
                total_ledger = ledger_by_partner.get(partner_id, 0.0)
                if float_compare(ledger_sum, gl, precision_digits=2) or float_compare(
                    balance, total_ledger, precision_digits=2
                ):
                    differences.append(
                        {
                            "partner_id": partner_id,
                            "company_id": company_id,
                            "balance": balance,
                            "ledger": ledger_sum,
                            "general_ledger": gl,
                        }
                    )
        return differences

    @api.model
    def _cron_wallet_audit(self):
        differences = self._ev_wallet_audit()
        for diff in differences:
            partner = self.env["res.partner"].browse(diff["partner_id"])
            _logger.error(
                "Wallet audit: %s (id %s) balance %.2f, ledger %.2f, general ledger "
                "%.2f",
                partner.display_name,
                partner.id,
                diff["balance"],
                diff["ledger"],
                diff["general_ledger"],
            )
            partner.sudo().message_post(
                body=_(
                    "Wallet audit difference: balance %(balance).2f, ledger "
                    "%(ledger).2f, general ledger %(gl).2f.",
                    balance=diff["balance"],
                    ledger=diff["ledger"],
                    gl=diff["general_ledger"],
                )
            )
        return differences

    @api.model
    def action_wallet_audit(self):
        self._ev_check_level("ev_billing.group_ev_manager", _("audit wallets"))
        differences = self.sudo()._ev_wallet_audit()
        audit = self.env["ev.wallet.audit"].create(
            {
                "line_ids": [
                    fields.Command.create(
                        {
                            "partner_id": d["partner_id"],
                            "company_id": d["company_id"] or False,
                            "balance": d["balance"],
                            "ledger": d["ledger"],
                            "general_ledger": d["general_ledger"],
                        }
                    )
                    for d in differences
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Wallet Audit"),
            "res_model": "ev.wallet.audit",
            "res_id": audit.id,
            "view_mode": "form",
            "target": "new",
        }

    # -- Reports -----------------------------------------------------------------------

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
