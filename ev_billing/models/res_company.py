from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.base.models.ir_sequence import _update_nogap

WALLET_JOURNAL_CODE = "EVW"


class ResCompany(models.Model):
    _inherit = "res.company"

    # -- Wallet accounting -------------------------------------------------------------
    ev_wallet_journal_id = fields.Many2one(
        "account.journal",
        string="Wallet Journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="Payment journal through which drivers' deposits settle their session "
        "invoices and receive refunds. Its payment methods use the deposit account as "
        "outstanding account.",
    )
    ev_deposit_account_id = fields.Many2one(
        "account.account",
        string="Wallet Deposit Account",
        check_company=True,
        domain="[('account_type', '=', 'liability_current'), ('reconcile', '=', True)]",
        help="Liability account holding the drivers' prepaid wallet money, per driver.",
    )
    ev_adjustment_account_id = fields.Many2one(
        "account.account",
        string="Wallet Adjustment Account",
        check_company=True,
        help="Counterpart of manual wallet adjustments (goodwill credits, "
        "corrections).",
    )
    ev_vat_tax_id = fields.Many2one(
        "account.tax",
        string="EV Charging VAT",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale'), ('amount_type', '=', 'percent')]",
        help="7 % sale tax, price included, applied to every charging session invoice.",
    )
    ev_wallet_min_balance = fields.Monetary(
        string="Minimum Balance to Start",
        currency_field="currency_id",
        default=50.0,
        help="A driver needs at least this wallet balance to start a session.",
    )
    ev_wallet_overdraft = fields.Monetary(
        string="Allowed Overdraft",
        currency_field="currency_id",
        default=0.0,
        help="How far past the balance the charger may keep running; the session is "
        "billed in full and the wallet goes negative by what it cost.",
    )
    ev_session_hold_max = fields.Monetary(
        string="Most Held per Session",
        currency_field="currency_id",
        default=2000.0,
        help="A session started without bought kWh reserves the driver's spendable "
        "amount up to this much (0: all of it), so that one card can run several "
        "cars at once, as a fleet does. The charger stops when the hold is spent.",
    )
    ev_wallet_max_topup = fields.Monetary(
        string="Maximum Top-up",
        currency_field="currency_id",
        default=50000.0,
        help="The largest amount a driver may top up at once on the portal.",
    )
    # -- Tax documents -----------------------------------------------------------------
    ev_abb_prefix = fields.Char(
        string="Abbreviated Tax Invoice Prefix",
        default="ABB",
        help="Numbers read PREFIX-STATION-YEAR-00001, one sequence per station.",
    )
    ev_tax_branch = fields.Char(
        string="Tax Branch",
        default="00000",
        help="Branch number printed on tax invoices (00000 = head office).",
    )
    ev_billing_cycle_day = fields.Integer(
        string="Billing Cycle Start Day",
        default=1,
        help="Day of the month on which a billing cycle starts (1-28).",
    )

    # ----------------------------------------------------------------------------------
    # EV Settings page: EV Administrators set these fields without Odoo's Settings
    # ----------------------------------------------------------------------------------

    @api.model
    def action_ev_settings(self):
        """The EV Settings form of the current company."""
        self.env.company.check_access("write")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.res_company_action_ev_settings"
        )
        action["res_id"] = self.env.company.id
        return action

    def action_ev_wallet_create_defaults(self):
        """Create the wallet journal, deposit account and VAT that are still missing."""
        self.check_access("write")
        for company in self:
            company._ev_wallet_accounting()
        return True

    # ----------------------------------------------------------------------------------
    # Defaults created for any chart of accounts
    # ----------------------------------------------------------------------------------

    def _ev_wallet_accounting(self):
        """The wallet's journal, deposit account, adjustment account and VAT of this
        company.

        Missing ones are created from the installed chart of accounts (any chart): the
        defaults work on a fresh company as soon as it has a chart.
        """
        self.ensure_one()
        company = self.sudo()
        if not company.chart_template and not self.env[
            "account.account"
        ].sudo().search_count(
            [*self.env["account.account"]._check_company_domain(company)], limit=1
        ):
            raise UserError(
                _(
                    "Company %s has no chart of accounts: install one before using "
                    "wallets.",
                    company.name,
                )
            )
        if not company.ev_deposit_account_id:
            company.ev_deposit_account_id = company._ev_create_deposit_account()
        if not company.ev_adjustment_account_id:
            company.ev_adjustment_account_id = company._ev_find_adjustment_account()
        if not company.ev_wallet_journal_id:
            company.ev_wallet_journal_id = company._ev_create_wallet_journal(
                company.ev_deposit_account_id
            )
        if not company.ev_vat_tax_id:
            company.ev_vat_tax_id = company._ev_find_or_create_vat()
        return {
            "journal": company.ev_wallet_journal_id,
            "deposit_account": company.ev_deposit_account_id,
            "adjustment_account": company.ev_adjustment_account_id,
            "tax": company.ev_vat_tax_id,
        }

    def _ev_account_domain(self, *domain):
        return [*self.env["account.account"]._check_company_domain(self), *domain]

    def _ev_create_deposit_account(self):
        Account = self.env["account.account"].sudo().with_company(self)
        existing = Account.search(
            self._ev_account_domain(
                ("account_type", "=", "liability_current"),
                ("reconcile", "=", True),
                ("name", "=", "Customer Wallet Deposits"),
            ),
            limit=1,
        )
        if existing:
            return existing
        start = (
            Account.search(
                self._ev_account_domain(("account_type", "=", "liability_current")),
                order="code desc",
                limit=1,
            ).code
            or "2190"
        )
        return Account.create(
            {
                "name": "Customer Wallet Deposits",
                "code": Account._search_new_account_code(start),
                "account_type": "liability_current",
                "reconcile": True,
                "company_ids": [(6, 0, self.ids)],
            }
        )

    def _ev_find_adjustment_account(self):
        Account = self.env["account.account"].sudo().with_company(self)
        account = (
            self.expense_account_id if "expense_account_id" in self._fields else Account
        )
        return account or Account.search(
            self._ev_account_domain(("account_type", "=", "expense")), limit=1
        )

    def _ev_create_wallet_journal(self, deposit_account):
        Journal = self.env["account.journal"].sudo().with_company(self)
        journal = Journal.search(
            [("company_id", "=", self.id), ("code", "=", WALLET_JOURNAL_CODE)], limit=1
        )
        if not journal:
            journal = Journal.create(
                {
                    "name": "EV Wallet",
                    "code": WALLET_JOURNAL_CODE,
                    "type": "bank",
                    "company_id": self.id,
                }
            )
        # Settling an invoice from the wallet (inbound) or refunding to it (outbound)
        # moves the money between the receivable and the driver's deposit: the deposit
        # is the outstanding account.
        (
            journal.inbound_payment_method_line_ids
            + journal.outbound_payment_method_line_ids
        ).filtered(
            lambda line: line.code == "manual"
        ).payment_account_id = deposit_account
        return journal

    def _ev_find_or_create_vat(self):
        Tax = self.env["account.tax"].sudo().with_company(self)
        domain = [
            *Tax._check_company_domain(self),
            ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"),
        ]
        taxes = Tax.search(domain + [("amount", "=", 7.0)])
        included = taxes.filtered("price_include")
        if included:
            return included[:1]
        if taxes:
            return taxes[0].copy(
                {
                    "name": _("VAT 7% (included)"),
                    "price_include_override": "tax_included",
                }
            )
        # No 7 % sale tax in this chart: book the VAT where the chart books its other
        # sale taxes.
        model = Tax.search(domain, limit=1)
        vat_account = model.invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id[:1]
        if not vat_account:
            Account = self.env["account.account"].sudo().with_company(self)
            start = (
                Account.search(
                    self._ev_account_domain(("account_type", "=", "liability_current")),
                    order="code desc",
                    limit=1,
                ).code
                or "2170"
            )
            vat_account = Account.create(
                {
                    "name": "Output VAT",
                    "code": Account._search_new_account_code(start),
                    "account_type": "liability_current",
                    "company_ids": [(6, 0, self.ids)],
                }
            )
        repartition = [
            (5, 0, 0),
            (0, 0, {"repartition_type": "base", "factor_percent": 100}),
            (
                0,
                0,
                {
                    "repartition_type": "tax",
                    "factor_percent": 100,
                    "account_id": vat_account.id,
                },
            ),
        ]
        return Tax.create(
            {
                "name": _("VAT 7% (included)"),
                "amount": 7.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": self.id,
                "invoice_repartition_line_ids": repartition,
                "refund_repartition_line_ids": repartition,
            }
        )

    @api.model
    def _ev_wallet_install_defaults(self):
        """On install: wallet defaults for every company that already has a chart of
        accounts."""
        for company in self.search([]):
            if company.chart_template:
                company._ev_wallet_accounting()

    # ----------------------------------------------------------------------------------
    # Bank transfer top-ups and PromptPay QR
    # ----------------------------------------------------------------------------------

    def _ev_topup_bank_journal(self, bank_account=None):
        """Bank journal receiving transfer top-ups: the one of ``bank_account``, else
        the first bank journal."""
        self.ensure_one()
        Journal = self.env["account.journal"].sudo()
        domain = [
            *Journal._check_company_domain(self),
            ("type", "=", "bank"),
            ("id", "!=", self.sudo().ev_wallet_journal_id.id),
        ]
        journal = bank_account and Journal.search(
            domain + [("bank_account_id", "=", bank_account.id)], limit=1
        )
        return journal or Journal.search(domain, order="sequence, id", limit=1)

    def _ev_promptpay_bank_account(self):
        """The company bank account a driver can pay by QR code, or an empty recordset.

        Available only when Odoo can build an EMV QR code for it (account_qr_code_emv
        with a localisation such as l10n_th, whose PromptPay proxy is set on the
        account): nothing here depends on those modules being installed.
        """
        self.ensure_one()
        Bank = self.env["res.partner.bank"].sudo()
        if "emv_qr" not in dict(Bank.get_available_qr_methods_in_sequence()):
            return Bank
        Journal = self.env["account.journal"].sudo()
        candidates = Journal.search(
            [
                *Journal._check_company_domain(self),
                ("type", "=", "bank"),
                ("bank_account_id", "!=", False),
            ],
            order="sequence, id",
        ).bank_account_id
        candidates |= Bank.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "in", (self.id, False)),
            ],
            order="sequence, id",
        )
        currency = self.currency_id
        for bank in candidates:
            if (
                bank.partner_id == self.partner_id
                and not bank._get_error_messages_for_qr(
                    "emv_qr", self.partner_id, currency
                )
                and not bank._check_for_qr_code_errors(
                    "emv_qr", 1.0, currency, self.partner_id, "", ""
                )
            ):
                return bank
        return Bank

    # ----------------------------------------------------------------------------------
    # Abbreviated tax invoice numbers: one sequence per station
    # ----------------------------------------------------------------------------------

    def _ev_abb_sequence_code(self, station):
        return f"ev_billing.abb.{station.id}"

    def _ev_abb_prefix_for(self, station):
        return f"{self.ev_abb_prefix or 'ABB'}-{station.code}-%(range_year)s-"

    def _ev_abb_sequence(self, station):
        """``station``'s numbering, locked until the end of the transaction.

        Two billing transactions must never both create the station's sequence or
        its year: whoever creates one first updates the row the other one waits for
        (the station, then the sequence), so the other one fails with a
        serialization error and retries on data where it exists.
        """
        self.ensure_one()
        Sequence = self.env["ir.sequence"].sudo()
        code = self._ev_abb_sequence_code(station)
        sequence = Sequence.search(
            [("code", "=", code), ("company_id", "=", self.id)], limit=1
        )
        if not sequence:
            self.env.cr.execute(
                SQL(
                    "UPDATE ev_station SET write_date = write_date WHERE id = %s",
                    station.id,
                )
            )
            sequence = Sequence.create(
                {
                    "name": _("Abbreviated Tax Invoice %s", station.code),
                    "code": code,
                    "company_id": self.id,
                    "prefix": self._ev_abb_prefix_for(station),
                    "padding": 5,
                    "use_date_range": True,
                    "implementation": "no_gap",
                }
            )
            sequence.flush_recordset()
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM ir_sequence WHERE id = %s FOR NO KEY UPDATE", sequence.id
            )
        )
        return sequence

    def _ev_next_abb_number(self, station, sequence_date=None):
        return self._ev_next_abb_numbers(station, sequence_date, 1)[0]

    def _ev_next_abb_numbers(self, station, sequence_date, count):
        """``count`` consecutive numbers of ``station``'s yearly sequence, taken at
        once (one lock, one update).

        Odoo's no-gap sequences lock their row with NOWAIT and fail at once when
        another transaction numbers the same station; billing batches wait for it
        instead (and retry the batch when the wait ends in a serialization
        failure). The numbers are part of the caller's transaction: rolled back
        with it, they are given again, so there is no gap and no duplicate.
        """
        self.ensure_one()
        sequence = self._ev_abb_sequence(station)
        day = sequence_date or fields.Date.context_today(self)
        date_range = self.env["ir.sequence.date_range"].search(
            [
                ("sequence_id", "=", sequence.id),
                ("date_from", "<=", day),
                ("date_to", ">=", day),
            ],
            limit=1,
        )
        if not date_range:
            # A new year: make a concurrent transaction waiting on the sequence's
            # lock retry instead of creating the year a second time.
            self.env.cr.execute(
                SQL(
                    "UPDATE ir_sequence SET write_date = write_date WHERE id = %s",
                    sequence.id,
                )
            )
            date_range = sequence._create_date_range_seq(day)
            date_range.flush_recordset()
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM ir_sequence_date_range WHERE id = %s FOR UPDATE",
                date_range.id,
            )
        )
        step = sequence.number_increment
        first = _update_nogap(date_range, step * count)
        sequence = sequence.with_context(ir_sequence_date_range=date_range.date_from)
        return [sequence.get_next_char(first + step * i) for i in range(count)]

    def _ev_update_abb_prefixes(self):
        Sequence = self.env["ir.sequence"].sudo()
        for company in self:
            for sequence in Sequence.search(
                [("code", "=like", "ev_billing.abb.%"), ("company_id", "=", company.id)]
            ):
                station = (
                    self.env["ev.station"]
                    .browse(int(sequence.code.rsplit(".", 1)[1]))
                    .exists()
                )
                if station:
                    sequence.prefix = company._ev_abb_prefix_for(station)

    def write(self, vals):
        res = super().write(vals)
        if "ev_abb_prefix" in vals:
            self._ev_update_abb_prefixes()
        return res
