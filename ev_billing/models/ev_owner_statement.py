import io
import logging
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..pricing import OwnerPlanRates, StationMonth, station_fees
from ..pricing.money import round_money
from .ev_wallet_transaction import billing_cycle_start

_logger = logging.getLogger(__name__)

MANAGER = "ev_billing.group_ev_manager"


def owner_period(day, cycle_day):
    """(first day, last day) of the settlement period containing ``day``: the billing
    cycle of the company (from ``cycle_day`` to the day before it next month)."""
    start = billing_cycle_start(day, cycle_day)
    return start, start + relativedelta(months=1) - timedelta(days=1)


class EvOwnerStatement(models.Model):
    """One station owner's monthly settlement with the operator.

    Built only by :meth:`_ev_settle` (the cron and the settlement wizard): per station
    the sessions, energy and revenue of the month, the plan fee, extra chargers and
    the percentage fee; then the accounting documents (fee invoice, payout bill, their
    netting entry and the payout payment). A session and a refund land on exactly one
    statement (unique indexes), so running a month again changes nothing.
    """

    _name = "ev.owner.statement"
    _description = "Station Owner Statement"
    _inherit = ["mail.thread", "portal.mixin"]
    _order = "date_from desc, id desc"
    _mail_post_access = "read"
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default="/")
    owner_id = fields.Many2one("res.partner", required=True, readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company", string="Operator", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(required=True, readonly=True)
    date_to = fields.Date(required=True, readonly=True)
    state = fields.Selection(
        [("draft", "Draft"), ("posted", "Settled"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    line_ids = fields.One2many(
        "ev.owner.statement.line", "statement_id", string="Stations", readonly=True
    )
    session_ids = fields.Many2many(
        "ev.session",
        "ev_owner_statement_session_rel",
        "statement_id",
        "session_id",
        string="Sessions",
        readonly=True,
        copy=False,
    )
    refund_move_ids = fields.Many2many(
        "account.move",
        "ev_owner_statement_refund_rel",
        "statement_id",
        "move_id",
        string="Refunds",
        readonly=True,
        copy=False,
        help="Credit notes to drivers deducted on this statement.",
    )

    session_count = fields.Integer(compute="_compute_amounts", store=True)
    energy_kwh = fields.Float(
        string="Energy (kWh)", digits=(12, 3), compute="_compute_amounts", store=True
    )
    amount_refund = fields.Monetary(
        string="Refunds (VAT incl.)", compute="_compute_amounts", store=True
    )
    amount_revenue = fields.Monetary(
        string="Revenue (VAT incl.)",
        compute="_compute_amounts",
        store=True,
        help="Charging revenue of the owner's stations, refunds deducted.",
    )
    amount_revenue_untaxed = fields.Monetary(
        string="Revenue (VAT excl.)", compute="_compute_amounts", store=True
    )
    amount_fees = fields.Monetary(
        string="Fees (VAT excl.)",
        compute="_compute_amounts",
        store=True,
        help="Plan fees, extra chargers and percentage fee: the operator's revenue.",
    )
    amount_share = fields.Monetary(
        string="Owner's Share (VAT excl.)",
        compute="_compute_amounts",
        store=True,
        help="Revenue without VAT the operator collected for the owner.",
    )
    amount_fees_vat = fields.Monetary(
        string="VAT on Fees", compute="_compute_vat", store=True
    )
    amount_share_vat = fields.Monetary(
        string="VAT on Share", compute="_compute_vat", store=True
    )
    amount_payout = fields.Monetary(
        string="Payout",
        compute="_compute_vat",
        store=True,
        help="Share with its VAT minus fees with their VAT: what the operator pays "
        "the owner. Negative: what the owner owes the operator.",
    )
    owner_vat_registered = fields.Boolean(readonly=True)

    invoice_id = fields.Many2one(
        "account.move",
        string="Fee Invoice",
        readonly=True,
        copy=False,
        check_company=True,
        help="The operator's tax invoice to the owner for the month's fees.",
    )
    bill_id = fields.Many2one(
        "account.move",
        string="Payout Bill",
        readonly=True,
        copy=False,
        check_company=True,
        help="Self-billed vendor bill: the owner's share of the revenue the "
        "operator collected.",
    )
    netting_move_id = fields.Many2one(
        "account.move",
        string="Netting Entry",
        readonly=True,
        copy=False,
        check_company=True,
        help="Offsets the fee invoice against the payout bill.",
    )
    payment_id = fields.Many2one(
        "account.payment",
        string="Payout Payment",
        readonly=True,
        copy=False,
        check_company=True,
    )
    # Document numbers for EV Managers without accounting rights.
    invoice_name = fields.Char(
        string="Fee Invoice No.", compute="_compute_document_names"
    )
    bill_name = fields.Char(string="Payout Bill No.", compute="_compute_document_names")
    payment_name = fields.Char(
        string="Payout Payment No.", compute="_compute_document_names"
    )
    payment_state = fields.Selection(
        [
            ("none", "Nothing to Pay"),
            ("not_paid", "Not Paid"),
            ("paid", "Paid"),
        ],
        compute="_compute_payment_state",
    )
    paid_date = fields.Date(compute="_compute_payment_state")
    sent = fields.Boolean(readonly=True, copy=False)

    def init(self):
        # A session, a refund and an owner's month are settled once: the last guard
        # behind the checks in _ev_settle_owner, whatever runs them at once.
        for table, column in (
            ("ev_owner_statement_session_rel", "session_id"),
            ("ev_owner_statement_refund_rel", "move_id"),
        ):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s)",
                    SQL.identifier(f"{table}_once"),
                    SQL.identifier(table),
                    SQL.identifier(column),
                )
            )
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS ev_owner_statement_month_once
                ON ev_owner_statement (company_id, owner_id, date_from)
                WHERE state != 'cancel'
            """
        )

    @api.depends(
        "line_ids.session_count",
        "line_ids.energy_kwh",
        "line_ids.amount_refund",
        "line_ids.amount_revenue",
        "line_ids.amount_revenue_untaxed",
        "line_ids.amount_fees",
        "line_ids.amount_share",
    )
    def _compute_amounts(self):
        for statement in self:
            lines = statement.line_ids
            statement.session_count = sum(lines.mapped("session_count"))
            statement.energy_kwh = sum(lines.mapped("energy_kwh"))
            for name in (
                "amount_refund",
                "amount_revenue",
                "amount_revenue_untaxed",
                "amount_fees",
                "amount_share",
            ):
                statement[name] = float(round_money(sum(lines.mapped(name))))

    @api.depends(
        "amount_fees",
        "amount_share",
        "owner_vat_registered",
        "invoice_id.amount_tax",
        "invoice_id.amount_total_signed",
        "bill_id.amount_tax",
        "bill_id.amount_total_signed",
    )
    def _compute_vat(self):
        for statement in self:
            company = statement.company_id
            invoice, bill = statement.invoice_id, statement.bill_id
            if invoice:
                sign = 1 if invoice.move_type == "out_invoice" else -1
                fees_vat = sign * invoice.amount_tax
            else:
                rate = (
                    company.ev_owner_sale_tax_id.amount if statement.amount_fees else 0
                )
                fees_vat = float(
                    round_money(statement.amount_fees * (rate or 7.0) / 100)
                )
            if bill:
                share_vat = (
                    1 if bill.move_type == "in_invoice" else -1
                ) * bill.amount_tax
            elif statement.owner_vat_registered and statement.amount_share:
                rate = company.ev_owner_purchase_tax_id.amount or 7.0
                share_vat = float(round_money(statement.amount_share * rate / 100))
            else:
                share_vat = 0.0
            statement.amount_fees_vat = fees_vat
            statement.amount_share_vat = share_vat
            statement.amount_payout = float(
                round_money(
                    statement.amount_share
                    + share_vat
                    - statement.amount_fees
                    - fees_vat
                )
            )

    def _ev_document_to_pay(self):
        """The document settling the month: the payout bill when the operator owes
        the owner, the fee invoice when the owner owes the operator."""
        self.ensure_one()
        if self.state != "posted":
            return self.env["account.move"]
        if self.currency_id.compare_amounts(self.amount_payout, 0) > 0:
            return self.bill_id
        if self.currency_id.compare_amounts(self.amount_payout, 0) < 0:
            return self.invoice_id
        return self.env["account.move"]

    @api.depends(
        "state", "amount_payout", "bill_id.payment_state", "invoice_id.payment_state"
    )
    def _compute_payment_state(self):
        for statement in self:
            document = statement.sudo()._ev_document_to_pay()
            paid = document.payment_state in ("paid", "in_payment", "reversed")
            payments = (
                document._get_reconciled_payments() | document.matched_payment_ids
                if paid
                else document.env["account.payment"]
            )
            statement.payment_state = (
                "none" if not document else "paid" if paid else "not_paid"
            )
            statement.paid_date = max(payments.mapped("date"), default=False)

    def _compute_document_names(self):
        for statement, sudo in zip(self, self.sudo(), strict=True):
            statement.invoice_name = sudo.invoice_id.name
            statement.bill_name = sudo.bill_id.name
            statement.payment_name = sudo.payment_id.name

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for statement in self:
            statement.access_url = f"/my/stations/statements/{statement.id}"
        return res

    @api.depends("owner_id", "date_from")
    def _compute_display_name(self):
        for statement in self:
            statement.display_name = (
                statement.name
                if statement.name and statement.name != "/"
                else _(
                    "%(owner)s, %(month)s",
                    owner=statement.owner_id.name,
                    month=statement.date_from,
                )
            )

    # ----------------------------------------------------------------------------------
    # Settlement
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_check_manager(self):
        self.env["res.users"]._ev_check_level(MANAGER, _("settle station owners"))

    @api.model
    def _ev_owners(self, company):
        """Owners with a station on one of ``company``'s plans."""
        return (
            self.env["ev.station"]
            .sudo()
            .with_context(active_test=False)
            .search([("owner_plan_id.company_id", "=", company.id)])
            .owner_id.commercial_partner_id
        )

    @api.model
    def _ev_settle(self, company, owners, day, post=True):
        """Settle ``owners`` for the period of ``company`` containing ``day``: create
        or recompute the draft statement, and with ``post`` its documents, the payout
        and the email. A month already settled is returned as it is."""
        self._ev_check_manager()
        date_from, date_to = owner_period(day, company.ev_billing_cycle_day)
        statements = self.browse()
        for owner in owners.commercial_partner_id:
            statement = self.sudo()._ev_settle_owner(company, owner, date_from, date_to)
            if statement and post and statement.state == "draft":
                statement._ev_post()
                if company.ev_owner_auto_payout:
                    statement._ev_pay()
                statement._ev_send()
            statements |= statement
        return statements.with_env(self.env)

    def _ev_settle_owner(self, company, owner, date_from, date_to):
        # A cron and a Manager settling the same owner and month wait for each other;
        # the second one then finds the first one's statement.
        self.env.cr.execute(
            SQL(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                f"ev_owner_statement:{company.id}:{owner.id}:{date_from}",
            )
        )
        statement = self.search(
            [
                ("company_id", "=", company.id),
                ("owner_id", "=", owner.id),
                ("date_from", "=", date_from),
                ("state", "!=", "cancel"),
            ],
            limit=1,
        )
        if statement.state == "posted":
            return statement
        if not statement:
            statement = self.create(
                {
                    "company_id": company.id,
                    "owner_id": owner.id,
                    "date_from": date_from,
                    "date_to": date_to,
                }
            )
        statement._ev_compute_lines()
        if not statement.line_ids:
            statement.unlink()
            return self.browse()
        return statement

    def _ev_stations(self):
        self.ensure_one()
        return (
            self.env["ev.station"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("owner_id", "child_of", self.owner_id.id),
                    ("owner_plan_id.company_id", "=", self.company_id.id),
                ]
            )
        )

    def _ev_compute_lines(self):
        """(Re)build the draft statement's station lines, sessions and refunds."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(_("Statement %s is already settled.", self.display_name))
        self.line_ids.unlink()
        self.write(
            {
                "session_ids": [fields.Command.clear()],
                "refund_move_ids": [fields.Command.clear()],
                "owner_vat_registered": self.owner_id.ev_owner_vat_registered,
            }
        )
        # The statement's sessions are out of the "already settled" sets below.
        self.flush_recordset()
        line_vals, sessions, refunds = (
            [],
            self.env["ev.session"],
            self.env["account.move"],
        )
        for station in self._ev_stations():
            vals, station_sessions, station_refunds = self._ev_station_figures(station)
            if vals:
                line_vals.append(vals)
                sessions |= station_sessions
                refunds |= station_refunds
        self.write(
            {
                "line_ids": [fields.Command.create(vals) for vals in line_vals],
                "session_ids": [fields.Command.set(sessions.ids)],
                "refund_move_ids": [fields.Command.set(refunds.ids)],
            }
        )

    @api.model
    def _ev_utc(self, station, day):
        """Midnight starting ``day`` at the station, as a naive UTC datetime."""
        tz = pytz.timezone(station.tz or "Asia/Bangkok")
        return (
            tz.localize(datetime.combine(day, time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )

    def _ev_station_figures(self, station):
        """One station's line values, sessions and refunds for this statement."""
        self.ensure_one()
        plan = station.owner_plan_id
        date_from, date_to = self.date_from, self.date_to
        days = station._ev_owner_days(date_from, date_to)
        period_days = (date_to - date_from).days + 1
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT s.id, s.invoice_id
                  FROM ev_owner_statement_session_rel r
                  JOIN ev_session s ON s.id = r.session_id
                 WHERE s.station_id = %s
                """,
                station.id,
            )
        )
        settled = cr.fetchall()
        # A session is the owner's when it ends inside the contract; one crossing the
        # cut-off belongs to the month it ends in, one not billed yet to the next
        # statement after it is.
        contract_end = min(date_to, station.owner_date_end or date_to)
        sessions = self.env["ev.session"].search(
            [
                ("station_id", "=", station.id),
                ("state", "=", "done"),
                ("stop_time", ">=", self._ev_utc(station, station.owner_date_start)),
                (
                    "stop_time",
                    "<",
                    self._ev_utc(station, contract_end + timedelta(days=1)),
                ),
                ("id", "not in", [row[0] for row in settled]),
                "|",
                ("invoice_id.state", "=", "posted"),
                ("amount_total", "=", 0),
            ],
            order="stop_time, id",
        )
        invoice_ids = [row[1] for row in settled if row[1]] + sessions.invoice_id.ids
        refunds = self.env["account.move"].search(
            [
                ("move_type", "=", "out_refund"),
                ("state", "=", "posted"),
                ("reversed_entry_id", "in", invoice_ids),
                ("invoice_date", "<=", date_to),
            ]
        )
        cr.execute(
            SQL(
                "SELECT move_id FROM ev_owner_statement_refund_rel WHERE move_id IN %s",
                tuple(refunds.ids) or (0,),
            )
        )
        refunds -= refunds.browse([row[0] for row in cr.fetchall()])
        if not days and not sessions and not refunds:
            return {}, sessions, refunds

        amount_sessions = sum(round_money(s.amount_total) for s in sessions)
        amount_sessions_untaxed = sum(
            round_money(s.invoice_id.amount_untaxed) for s in sessions if s.invoice_id
        )
        amount_refund = sum(round_money(m.amount_total) for m in refunds)
        amount_refund_untaxed = sum(round_money(m.amount_untaxed) for m in refunds)
        revenue = round_money(amount_sessions - amount_refund)
        revenue_untaxed = round_money(amount_sessions_untaxed - amount_refund_untaxed)

        chargers = station._ev_owner_chargers(date_from, date_to) if days else []
        fees = station_fees(
            OwnerPlanRates(
                monthly_fee=plan.monthly_fee,
                chargers_included=plan.chargers_included,
                extra_charger_fee=plan.extra_charger_fee,
                revenue_share_percent=plan.revenue_share_percent,
                revenue_base=plan.revenue_base,
                owner_collects=plan.owner_collects,
            ),
            StationMonth(
                days_on_plan=days,
                days_in_period=period_days,
                chargers=len(chargers),
                revenue=revenue,
                revenue_untaxed=revenue_untaxed,
            ),
        )
        vals = {
            "station_id": station.id,
            "station_name": station.name,
            "plan_id": plan.id,
            "owner_collects": plan.owner_collects,
            "days_active": days,
            "days_in_period": period_days,
            "session_count": len(sessions),
            "energy_kwh": sum(sessions.mapped("energy_kwh")),
            "amount_sessions": float(amount_sessions),
            "amount_sessions_untaxed": float(amount_sessions_untaxed),
            "amount_refund": float(amount_refund),
            "amount_refund_untaxed": float(amount_refund_untaxed),
            "amount_revenue": float(revenue),
            "amount_revenue_untaxed": float(revenue_untaxed),
            "charger_count": len(chargers),
            "extra_charger_count": fees.extra_chargers,
            "amount_plan_fee": float(fees.plan_fee),
            "amount_extra_chargers": float(fees.extra_charger_fee),
            "revenue_share_percent": plan.revenue_share_percent,
            "amount_revenue_base": float(fees.revenue_base),
            "amount_percent_fee": float(fees.percent_fee),
            "amount_fees": float(fees.fees),
            "amount_share": float(fees.share),
        }
        return vals, sessions, refunds

    # ----------------------------------------------------------------------------------
    # Accounting documents
    # ----------------------------------------------------------------------------------

    def _ev_post(self):
        """Number the statement and post its documents: the fee invoice (the
        operator's revenue, output VAT), the self-billed payout bill (the owner's
        share, input VAT when the owner is VAT registered) and the entry netting the
        one against the other."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(_("Statement %s is already settled.", self.display_name))
        company = self.company_id
        accounting = company._ev_owner_accounting()
        fee_lines, share_lines = [], []
        for line in self.line_ids:
            station = line.station_id
            analytic = (
                {str(station.analytic_account_id.id): 100.0}
                if station.analytic_account_id and station.company_id == company
                else False
            )
            fee_lines += [
                (amount, label, analytic)
                for amount, label in (
                    (
                        line.amount_plan_fee,
                        _(
                            "%(station)s: plan %(plan)s, %(days)s of %(period)s days",
                            station=line.station_name,
                            plan=line.plan_id.name,
                            days=line.days_active,
                            period=line.days_in_period,
                        ),
                    ),
                    (
                        line.amount_extra_chargers,
                        _(
                            "%(station)s: %(count)s extra chargers",
                            station=line.station_name,
                            count=line.extra_charger_count,
                        ),
                    ),
                    (
                        line.amount_percent_fee,
                        _(
                            "%(station)s: %(percent)s%% of charging revenue %(base)s",
                            station=line.station_name,
                            percent=line.revenue_share_percent,
                            base=self.currency_id.format(line.amount_revenue_base),
                        ),
                    ),
                )
                if not self.currency_id.is_zero(amount)
            ]
            if not self.currency_id.is_zero(line.amount_share):
                share_lines.append(
                    (
                        line.amount_share,
                        _(
                            "%(station)s: charging revenue without VAT, %(count)s "
                            "sessions, %(kwh).3f kWh",
                            station=line.station_name,
                            count=line.session_count,
                            kwh=line.energy_kwh,
                        ),
                        analytic,
                    )
                )
        invoice = self._ev_create_move(
            "out",
            fee_lines,
            accounting["fee_account"],
            accounting["sale_tax"],
            accounting["sale_journal"],
            self.env.ref("ev_billing.product_ev_owner_fee"),
        )
        purchase_tax = (
            accounting["purchase_tax"]
            if self.owner_id.ev_owner_vat_registered
            else self.env["account.tax"]
        )
        bill = self._ev_create_move(
            "in",
            share_lines,
            accounting["share_account"],
            purchase_tax,
            accounting["purchase_journal"],
            self.env.ref("ev_billing.product_ev_owner_share"),
        )
        self.write(
            {
                "state": "posted",
                "name": self.env["ir.sequence"]
                .with_company(company)
                .next_by_code("ev.owner.statement", sequence_date=self.date_to)
                or "/",
                "invoice_id": invoice.id,
                "bill_id": bill.id,
                "netting_move_id": self._ev_net(
                    invoice, bill, accounting["netting_journal"]
                ).id,
            }
        )
        for move in invoice | bill:
            move.ref = self.name
        return True

    def _ev_create_move(self, direction, lines, account, tax, journal, product):
        """A posted invoice (``out``) or bill (``in``) of ``lines`` [(amount,
        label, analytic)]; a credit note when they add up to less than zero."""
        total = sum(amount for amount, _label, _analytic in lines)
        if self.currency_id.is_zero(total):
            return self.env["account.move"]
        sign = 1 if total > 0 else -1
        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": f"{direction}_{'invoice' if sign > 0 else 'refund'}",
                    "partner_id": self.owner_id.id,
                    "company_id": self.company_id.id,
                    "journal_id": journal.id,
                    "invoice_date": self.date_to,
                    "date": self.date_to,
                    "invoice_origin": _(
                        "Station owner statement %(from)s to %(to)s",
                        **{"from": self.date_from, "to": self.date_to},
                    ),
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": product.id,
                                "name": label,
                                "quantity": 1.0,
                                "price_unit": sign * amount,
                                "account_id": account.id,
                                "tax_ids": [fields.Command.set(tax.ids)],
                                "analytic_distribution": analytic,
                            }
                        )
                        for amount, label, analytic in lines
                    ],
                }
            )
        )
        move.action_post()
        return move

    def _ev_net(self, invoice, bill, journal):
        """Offset what the owner owes (fee invoice) against what the owner is owed
        (payout bill) with one entry, and reconcile both: only the difference is
        paid."""
        if invoice.move_type != "out_invoice" or bill.move_type != "in_invoice":
            return self.env["account.move"]
        receivable = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        payable = bill.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        amount = min(invoice.amount_residual, bill.amount_residual)
        label = _(
            "Netting of %(invoice)s against %(bill)s",
            invoice=invoice.name,
            bill=bill.name,
        )
        netting = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": self.date_to,
                    "ref": label,
                    "line_ids": [
                        fields.Command.create(
                            {
                                "account_id": payable.account_id.id,
                                "partner_id": self.owner_id.id,
                                "name": label,
                                "debit": amount,
                            }
                        ),
                        fields.Command.create(
                            {
                                "account_id": receivable.account_id.id,
                                "partner_id": self.owner_id.id,
                                "name": label,
                                "credit": amount,
                            }
                        ),
                    ],
                }
            )
        )
        netting.action_post()
        for counterpart in (payable, receivable):
            (
                counterpart
                + netting.line_ids.filtered(
                    lambda line, account=counterpart.account_id: (
                        line.account_id == account
                    )
                )
            ).reconcile()
        return netting

    def _ev_pay(self, journal=None):
        """Pay the open payout bills: one standard vendor payment per owner."""
        payments = self.env["account.payment"]
        groups = {}
        for statement in self:
            bill = statement.bill_id
            if (
                statement.state == "posted"
                and bill.move_type == "in_invoice"
                and not bill.currency_id.is_zero(bill.amount_residual)
            ):
                key = (statement.company_id, statement.owner_id)
                groups.setdefault(key, self.browse())
                groups[key] |= statement
        for (company, _owner), statements in groups.items():
            pay_journal = journal or company._ev_owner_accounting()["payout_journal"]
            if not pay_journal:
                raise UserError(
                    _("Set the owner payout journal of %s first.", company.name)
                )
            payment = (
                self.env["account.payment.register"]
                .with_company(company)
                .with_context(
                    active_model="account.move", active_ids=statements.bill_id.ids
                )
                .create(
                    {
                        "journal_id": pay_journal.id,
                        "group_payment": True,
                        "payment_date": fields.Date.context_today(self),
                    }
                )
                ._create_payments()
            )
            statements.payment_id = payment
            payments |= payment
        return payments

    # ----------------------------------------------------------------------------------
    # Documents sent to the owner
    # ----------------------------------------------------------------------------------

    def _ev_report_attachment(self, report_ref, records, name):
        content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            report_ref, records.ids
        )
        return self.env["ir.attachment"].create(
            {
                "name": f"{name}.{report_type}",
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
            }
        )

    def _ev_send(self):
        """Email the statement (PDF and Excel) with its fee invoice and payout bill to
        the owner; it lands in the statement's chatter."""
        self.ensure_one()
        name = self.name.replace("/", "-")
        attachments = self._ev_report_attachment(
            "ev_billing.action_report_ev_owner_statement", self, name
        )
        attachments |= self.env["ir.attachment"].create(
            {
                "name": f"{name}.xlsx",
                "raw": self._ev_xlsx_bytes(),
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        for move in self.invoice_id | self.bill_id:
            attachments |= self._ev_report_attachment(
                "account.account_invoices", move, move.name.replace("/", "-")
            )
        self.with_context(lang=self.owner_id.lang).message_post_with_source(
            self.env.ref("ev_billing.mail_template_ev_owner_statement"),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachments.ids,
        )
        self.sent = True
        return True

    def _ev_xlsx_bytes(self):
        import openpyxl
        from openpyxl.styles import Font

        self.ensure_one()
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = _("Statement")
        bold = Font(bold=True)
        sheet.append([_("Station owner statement"), self.name])
        sheet.append([_("Owner"), self.owner_id.name])
        sheet.append([_("Period"), str(self.date_from), str(self.date_to)])
        sheet.append([])
        Line = self.env["ev.owner.statement.line"]
        columns = [
            "station_name",
            "days_active",
            "days_in_period",
            "session_count",
            "energy_kwh",
            "amount_sessions",
            "amount_sessions_untaxed",
            "amount_refund",
            "amount_refund_untaxed",
            "amount_revenue",
            "amount_revenue_untaxed",
            "charger_count",
            "extra_charger_count",
            "amount_plan_fee",
            "amount_extra_chargers",
            "revenue_share_percent",
            "amount_percent_fee",
            "amount_fees",
            "amount_share",
        ]
        sheet.append(
            [
                Line._fields[column].get_description(self.env)["string"]
                for column in columns
            ]
        )
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for line in self.line_ids:
            sheet.append([line[column] for column in columns])
        sheet.append([])
        for field in (
            "amount_revenue",
            "amount_revenue_untaxed",
            "amount_fees",
            "amount_fees_vat",
            "amount_share",
            "amount_share_vat",
            "amount_payout",
        ):
            sheet.append(
                [self._fields[field].get_description(self.env)["string"], self[field]]
            )
            sheet.cell(sheet.max_row, 1).font = bold
        sheet.append([_("Paid on"), str(self.paid_date or "")])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    # ----------------------------------------------------------------------------------
    # Buttons (Managers) and the cron
    # ----------------------------------------------------------------------------------

    def action_settle(self):
        """Post a draft statement's documents and email them (the payout is paid with
        Pay Payouts)."""
        self._ev_check_manager()
        for statement in self.sudo():
            statement._ev_compute_lines()
            statement._ev_post()
            statement._ev_send()
        return True

    def action_recompute(self):
        self._ev_check_manager()
        for statement in self.sudo():
            statement._ev_compute_lines()
        return True

    def action_pay(self):
        """Pay the selected statements' payouts: one vendor payment per owner."""
        self._ev_check_manager()
        payments = self.sudo()._ev_pay()
        if not payments:
            raise UserError(_("No open payout among the selected statements."))
        return True

    def action_send(self):
        self._ev_check_manager()
        for statement in self.sudo().filtered(lambda s: s.state == "posted"):
            statement._ev_send()
        return True

    def action_cancel(self):
        """Drop a draft statement: its sessions and refunds go back to be settled."""
        self._ev_check_manager()
        if any(statement.state != "draft" for statement in self):
            raise UserError(
                _(
                    "A settled statement is final: corrections (refunds) are carried "
                    "to the next statement."
                )
            )
        self.sudo().write(
            {
                "state": "cancel",
                "session_ids": [fields.Command.clear()],
                "refund_move_ids": [fields.Command.clear()],
            }
        )
        return True

    def action_export_xlsx(self):
        self.ensure_one()
        self._ev_check_manager()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{(self.name or 'statement').replace('/', '-')}.xlsx",
                    "raw": self.sudo()._ev_xlsx_bytes(),
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_journal_line"
        )
        moves = self.invoice_id | self.bill_id | self.netting_move_id
        action.update(
            domain=[("id", "in", moves.ids)], context={"create": False}, views=False
        )
        action.pop("view_id", None)
        return action

    @api.model
    def _cron_settle_owners(self, today=None):
        """Daily: renew contracts, then on each company's billing-cycle day settle
        the month that just ended for every owner (post, pay, email). A day missed
        is caught up the next run: statements already settled are left as they are."""
        today = today or fields.Date.context_today(self)
        self.env["ev.station"]._ev_renew_owner_contracts(today)
        companies = self.env["ev.owner.plan"].sudo().search([]).company_id
        for company in companies:
            current_start, _end = owner_period(today, company.ev_billing_cycle_day)
            last_month = current_start - timedelta(days=1)
            owners = self._ev_owners(company)
            pending = owners.filtered(
                lambda owner, c=company, d=last_month: (
                    not self.sudo().search_count(
                        [
                            ("company_id", "=", c.id),
                            ("owner_id", "=", owner.id),
                            ("date_to", "=", d),
                            ("state", "=", "posted"),
                        ]
                    )
                )
            )
            for owner in pending:
                try:
                    with self.env.cr.savepoint():
                        self.sudo()._ev_settle(company, owner, last_month)
                except Exception:
                    _logger.exception(
                        "event=owner_settlement_failed company=%s owner=%s month=%s",
                        company.id,
                        owner.id,
                        last_month,
                    )
        return True

    @api.model
    def _ev_settlement_period(self, company, day=None):
        """The last complete period of ``company`` before ``day``."""
        day = day or fields.Date.context_today(self)
        start, _end = owner_period(day, company.ev_billing_cycle_day)
        return owner_period(start - timedelta(days=1), company.ev_billing_cycle_day)
