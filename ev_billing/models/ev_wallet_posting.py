from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..pricing import round_money


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
    """Posting: the Odoo accounting document behind each kind of wallet ledger line
    (top-up, withdrawal, adjustment, session charge, refund, reversal)."""

    _inherit = "ev.wallet.transaction"

    settlement_move_id = fields.Many2one(
        "account.move",
        string="Settled by",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Wallet-journal entry that paid this charge's invoice from the deposit "
        "(one entry per billing batch and day).",
    )

    # ----------------------------------------------------------------------------------
    # Accounting documents
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_check_company(self, company):
        """A wallet is per company: its money moves only in a company the user works
        in."""
        if not self.env.su and company not in self.env.user.company_ids:
            raise AccessError(
                _(
                    "You are not allowed to move wallet money in %s.",
                    company.display_name,
                )
            )

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
        self._ev_check_company(company)
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
        self._ev_check_company(company)
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
        self._ev_check_company(company)
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
    def _ev_invoice_line_vals(self, session, tax, products=None):
        products = products or {
            key: self.env.ref(f"ev_billing.product_ev_{key}")
            for key in ("energy", "parking", "overstay")
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
        """Bill closed sessions together: per session a posted customer invoice (7 %
        VAT included, station analytic, the abbreviated tax invoice number as its
        reference), settled from the driver's deposit, and a ``charge`` ledger line.

        Every step is one multi-record call for the whole batch: the invoices are
        created and posted together, settled by one wallet-journal entry per company
        and day (per session: deposit debited, receivable credited, reconciled with
        the invoice), the ledger lines created together. Idempotent: a billed session
        is skipped. Raises on the first failure (the whole batch is then undone by
        the caller's savepoint; ``ev.session._ev_bill_in_batch`` retries the sessions
        one by one and sends the failing one to review).
        """
        sessions = sessions.sudo().with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
        )
        todo = sessions.filtered(lambda s: s.state == "done" and not s.invoice_id)
        if not todo:
            return True
        charged = self.sudo().search(
            [("session_id", "in", todo.ids), ("kind", "=", "charge")]
        )
        todo -= charged.session_id
        nothing = todo.filtered(
            lambda s: not s.partner_id or round_money(s.amount_total or 0.0) <= 0
        )
        if nothing:
            nothing.billing_state = "billed"  # nothing to invoice
        billed = self.env["ev.session"]
        todo -= nothing
        for company in todo.company_id:
            billed |= self._ev_bill_company_sessions(
                company, todo.filtered(lambda s, c=company: s.company_id == c)
            )
        billed._ev_billed_hooks()
        return True

    @api.model
    def _ev_bill_company_sessions(self, company, sessions):
        accounting = company._ev_wallet_accounting()
        Move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
            )
        )
        sessions = sessions.sorted(lambda s: (s.stop_time or s.write_date, s.id))
        dates = {}
        for session in sessions:
            stop = session.stop_time or fields.Datetime.now()
            dates[session] = fields.Datetime.context_timestamp(
                session.with_context(tz=session.station_id.tz), stop
            ).date()
        # Numbers first: the station's numbering is locked from here to the commit,
        # so a concurrent batch of the same station waits before doing any work.
        numbers = {}
        by_range = {}
        for session in sessions:
            key = (session.station_id, dates[session].year)
            by_range.setdefault(key, []).append(session)
        for (station, _year), group in sorted(
            by_range.items(), key=lambda item: (item[0][0].id, item[0][1])
        ):
            taken = company._ev_next_abb_numbers(station, dates[group[0]], len(group))
            numbers.update(zip(group, taken, strict=True))
        products = {
            key: self.env.ref(f"ev_billing.product_ev_{key}")
            for key in ("energy", "parking", "overstay")
        }
        invoices = Move.create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self._ev_owner(session.partner_id).id,
                    "company_id": company.id,
                    "invoice_date": dates[session],
                    "ref": numbers[session],
                    "invoice_origin": session.name,
                    "narration": _("Abbreviated tax invoice %s", numbers[session]),
                    "invoice_line_ids": self._ev_invoice_line_vals(
                        session, accounting["tax"], products
                    ),
                }
                for session in sessions
            ]
        )
        invoices.action_post()
        totals = [float(round_money(s.amount_total)) for s in sessions]
        for invoice, total in zip(invoices, totals, strict=True):
            if invoice.currency_id.compare_amounts(invoice.amount_total, total):
                raise UserError(
                    _(
                        "Invoice %(invoice)s totals %(amount)s, the session %(total)s.",
                        invoice=invoice.name,
                        amount=invoice.amount_total,
                        total=total,
                    )
                )
        settlements = self._ev_settle_from_deposit(
            company, accounting, invoices, [dates[s] for s in sessions]
        )
        receivables = invoices.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        # The settlement lines carry the invoice's number in their label.
        settled = {
            line.name: line
            for line in settlements.line_ids
            if line.account_id != accounting["deposit_account"]
        }
        self.env["account.move.line"]._reconcile_plan(
            [
                receivables.filtered(lambda line, inv=invoice: line.move_id == inv)
                + settled[self._ev_settlement_label(invoice)]
                for invoice in invoices
            ]
        )
        by_date = {move.date: move for move in settlements}
        self.sudo().create(
            [
                {
                    "partner_id": invoice.partner_id.id,
                    "company_id": company.id,
                    "kind": "charge",
                    "amount": -total,
                    "session_id": session.id,
                    "move_id": invoice.id,
                    "document_name": invoice.name,
                    "settlement_move_id": by_date[dates[session]].id,
                    "journal_id": accounting["journal"].id,
                    "date": session.stop_time or fields.Datetime.now(),
                    "note": session.name,
                }
                for session, invoice, total in zip(
                    sessions, invoices, totals, strict=True
                )
            ]
        )
        for session, invoice in zip(sessions, invoices, strict=True):
            session.write(
                {
                    "invoice_id": invoice.id,
                    "abbreviated_invoice_number": numbers[session],
                    "billing_state": "billed",
                }
            )
        return sessions

    @api.model
    def _ev_settlement_label(self, invoice):
        return _("%(invoice)s paid from wallet", invoice=invoice.name)

    @api.model
    def _ev_settle_from_deposit(self, company, accounting, invoices, dates):
        """One wallet-journal entry per day settling ``invoices`` from the drivers'
        deposits: per invoice, the deposit debited and the receivable credited, each
        line with the driver and the invoice's number (the same two lines as one
        wallet payment per invoice, without a payment document per invoice)."""
        by_date = {}
        for invoice, day in zip(invoices, dates, strict=True):
            by_date.setdefault(day, []).append(invoice)
        deposit = accounting["deposit_account"]
        vals_list = []
        for day, day_invoices in by_date.items():
            lines = []
            for invoice in day_invoices:
                receivable = invoice.line_ids.filtered(
                    lambda line: line.display_type == "payment_term"
                )
                label = self._ev_settlement_label(invoice)
                lines += [
                    fields.Command.create(
                        {
                            "account_id": deposit.id,
                            "partner_id": invoice.partner_id.id,
                            "name": label,
                            "balance": invoice.amount_total,
                        }
                    ),
                    fields.Command.create(
                        {
                            "account_id": receivable.account_id.id,
                            "partner_id": invoice.partner_id.id,
                            "name": label,
                            "balance": -invoice.amount_total,
                        }
                    ),
                ]
            vals_list.append(
                {
                    "move_type": "entry",
                    "journal_id": accounting["journal"].id,
                    "company_id": company.id,
                    "date": day,
                    "ref": _("Charging sessions paid from wallets"),
                    "line_ids": lines,
                }
            )
        moves = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
            )
            .create(vals_list)
        )
        moves.action_post()
        return moves

    @api.model
    def _ev_bill_sessions_one_by_one(self, sessions):
        """The per-session path (before batch billing), kept for the comparison in
        ``bench/odoo`` (system parameter ``ev_billing.billing_mode`` = ``per_session``).

        Bill closed sessions: posted customer invoice (7 % VAT included, station
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
                {
                    "invoice_id": invoice.id,
                    "abbreviated_invoice_number": abb_number,
                    "billing_state": "billed",
                }
            )
            session._ev_billed_hooks()
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
        self._ev_check_company(company)
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
            self._ev_check_company(line.company_id)
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
