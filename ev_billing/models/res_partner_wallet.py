from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

WALLET_FIELDS = frozenset(
    {
        "ev_wallet_balance",
        "ev_wallet_held",
        "ev_wallet_spendable",
        "ev_wallet_due",
        "ev_wallet_version",
        "ev_wallet_transaction_ids",
    }
)


# the figures computed from the ledger and the holds (cache to drop before deciding)
WALLET_FIGURES = [
    "ev_wallet_balance",
    "ev_wallet_held",
    "ev_wallet_spendable",
    "ev_wallet_due",
]


def _spendable(company, balance, held):
    return max(
        balance
        - held
        - (company.ev_wallet_min_balance or 0.0)
        + (company.ev_wallet_overdraft or 0.0),
        0.0,
    )


class ResPartner(models.Model):
    """The driver's wallet: ``ev.wallet.transaction`` is the ledger, the balance is
    derived from it."""

    _inherit = "res.partner"

    ev_wallet_transaction_ids = fields.One2many(
        "ev.wallet.transaction", "partner_id", string="Wallet Ledger"
    )
    # A wallet is per driver and per company: these figures are those of the current
    # company (``with_company``), derived from the ledger and the open holds, and have
    # no inverse: nothing but a ledger line moves them.
    ev_wallet_balance = fields.Monetary(
        string="Wallet Balance",
        compute="_compute_ev_wallet",
        search="_search_ev_wallet_balance",
        currency_field="ev_wallet_currency_id",
        help="Sum of the driver's wallet ledger in the current company.",
    )
    ev_wallet_held = fields.Monetary(
        string="On Hold",
        compute="_compute_ev_wallet",
        currency_field="ev_wallet_currency_id",
        help="Reserved by the driver's running sessions until they are billed.",
    )
    ev_wallet_spendable = fields.Monetary(
        string="Spendable",
        compute="_compute_ev_wallet",
        currency_field="ev_wallet_currency_id",
        help="What a new session may cost: balance minus holds minus the minimum "
        "balance, plus the allowed overdraft.",
    )
    ev_wallet_due = fields.Monetary(
        string="Amount Due",
        compute="_compute_ev_wallet",
        currency_field="ev_wallet_currency_id",
        help="What the driver owes after a session that ran past the balance.",
    )
    ev_wallet_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_ev_wallet_currency_id",
        string="Wallet Currency",
    )
    # Technical: bumped each time the wallet's row lock is taken, see
    # ev.wallet.transaction._ev_lock_wallets().
    ev_wallet_version = fields.Integer(readonly=True, copy=False)
    ev_tax_branch = fields.Char(
        string="Tax Branch",
        help="Branch number printed on Thai full tax invoices (00000 = head office).",
    )

    @api.depends_context("company")
    def _compute_ev_wallet_currency_id(self):
        for partner in self:
            partner.ev_wallet_currency_id = self.env.company.currency_id

    @api.depends("ev_wallet_transaction_ids.amount")
    @api.depends_context("company")
    def _compute_ev_wallet(self):
        company = self.env.company
        Ledger = self.env["ev.wallet.transaction"]
        ids = [pid for pid in self._origin.ids if pid]
        balances = Ledger._ev_wallet_sums(ids, company) if ids else {}
        holds = Ledger._ev_wallet_holds(ids, company) if ids else {}
        for partner in self:
            balance = balances.get(partner._origin.id, 0.0)
            held = holds.get(partner._origin.id, 0.0)
            partner.ev_wallet_balance = balance
            partner.ev_wallet_held = held
            partner.ev_wallet_due = max(-balance, 0.0)
            partner.ev_wallet_spendable = _spendable(company, balance, held)

    def _search_ev_wallet_balance(self, operator, value):
        """Drivers by wallet balance in the current company (a wallet without lines
        has 0)."""
        ops = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
        if operator not in ops or not isinstance(value, (int, float)):
            raise NotImplementedError(
                f"Unsupported search: ev_wallet_balance {operator} {value!r}"
            )
        Ledger = self.env["ev.wallet.transaction"]
        Ledger.flush_model(["partner_id", "company_id", "amount"])
        self.env.cr.execute(
            SQL(
                "SELECT partner_id FROM ev_wallet_transaction WHERE company_id = %s "
                "GROUP BY partner_id HAVING SUM(amount) %s %s",
                self.env.company.id,
                SQL(ops[operator]),
                value,
            )
        )
        matching = [row[0] for row in self.env.cr.fetchall()]
        zero_matches = {
            "=": value == 0,
            "!=": value != 0,
            "<": 0 < value,
            "<=": 0 <= value,
            ">": 0 > value,
            ">=": 0 >= value,
        }[operator]
        if not zero_matches:
            return [("id", "in", matching)]
        # drivers with no line in this company match too
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT partner_id FROM ev_wallet_transaction "
                "WHERE company_id = %s",
                self.env.company.id,
            )
        )
        with_lines = {row[0] for row in self.env.cr.fetchall()}
        return [("id", "not in", list(with_lines - set(matching)))]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._ev_check_wallet_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._ev_check_wallet_vals(vals)
        return super().write(vals)

    @api.model
    def _ev_check_wallet_vals(self, vals):
        """Wallet figures are the ledger's: refuse them from any caller (UI, RPC,
        import), whatever their level."""
        if not self.env.su and WALLET_FIELDS.intersection(vals):
            raise AccessError(
                _(
                    "A wallet balance changes only through its ledger: top up, "
                    "withdraw or adjust the wallet instead."
                )
            )

    def _ev_wallet_company(self, company=None):
        return company or self.env.company

    def _ev_wallet_start_check(self, company=None):
        """(ok, reason): may this driver start a session on their wallet in
        ``company`` (the charger's)?"""
        self.ensure_one()
        company = self._ev_wallet_company(company)
        wallet = self.commercial_partner_id.with_company(company)
        wallet.invalidate_recordset(WALLET_FIGURES)  # a decision on money: read fresh
        currency = company.currency_id
        if currency.compare_amounts(wallet.ev_wallet_due, 0.0) > 0:
            return False, _(
                "%s is due on the wallet: please top up.",
                currency.format(wallet.ev_wallet_due),
            )
        available = wallet.ev_wallet_balance - wallet.ev_wallet_held
        if currency.compare_amounts(available, company.ev_wallet_min_balance) < 0:
            return False, _(
                "The wallet holds %(balance)s; starting a session needs at least "
                "%(minimum)s.",
                balance=currency.format(available),
                minimum=currency.format(company.ev_wallet_min_balance),
            )
        if currency.compare_amounts(wallet.ev_wallet_spendable, 0.0) <= 0:
            if wallet.ev_wallet_held:
                return False, _(
                    "%(held)s of the wallet is on hold for running sessions: nothing "
                    "is left to start another one.",
                    held=currency.format(wallet.ev_wallet_held),
                )
            return False, _(
                "The wallet holds %(balance)s and keeps %(minimum)s as its minimum "
                "balance: nothing is left to spend.",
                balance=currency.format(available),
                minimum=currency.format(company.ev_wallet_min_balance),
            )
        return True, ""

    def _ev_wallet_spendable_amount(self, company=None):
        """What a new session may cost before the charger is stopped: balance − open
        holds − minimum balance + allowed overdraft (never negative). The minimum stays
        in the wallet as a reserve for the parking and overstay fees that accrue after
        the energy cap stops the charger."""
        self.ensure_one()
        company = self._ev_wallet_company(company)
        wallet = self.commercial_partner_id.with_company(company)
        wallet.invalidate_recordset(WALLET_FIGURES)  # a decision on money: read fresh
        return wallet.ev_wallet_spendable

    def action_ev_view_wallet(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_wallet_transaction_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    def action_ev_wallet_topup(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_wallet_operation_action"
        )
        action["context"] = {
            "default_partner_id": self.commercial_partner_id.id,
            "default_operation": "topup",
        }
        return action
