from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# Fields only the confirm / reject methods set (through sudo), never a form or an RPC
# write.
PROTECTED_FIELDS = {
    "state",
    "wallet_transaction_id",
    "decided_by_id",
    "decided_date",
    "name",
}
QR_METHOD = "emv_qr"


class EvWalletTopupRequest(models.Model):
    """A bank transfer top-up the wallet is waiting for.

    The driver asks for it on the portal (and is shown the PromptPay QR of the
    company's bank account when Odoo can build one), or an Operator records a transfer
    that arrived without a reference. Nothing moves until an Operator sees the money on
    the bank statement and presses *Confirm received*: that posts the customer payment
    to the deposit account and the ``topup`` ledger line, once. A Manager may reject it
    instead.
    """

    _name = "ev.wallet.topup.request"
    _description = "Pending Transfer Top-up"
    _inherit = ["mail.thread"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Driver",
        required=True,
        index=True,
        tracking=True,
        domain="[('ev_is_driver', '=', True)]",
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, tracking=True)
    method = fields.Selection(
        [("promptpay", "PromptPay QR"), ("transfer", "Bank transfer")],
        required=True,
        default="transfer",
        readonly=True,
    )
    bank_account_id = fields.Many2one(
        "res.partner.bank",
        string="Paid to Account",
        readonly=True,
        check_company=True,
        help="Company bank account shown to the driver.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Received in",
        check_company=True,
        tracking=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Bank journal on whose statement the money arrived.",
    )
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Received"), ("rejected", "Rejected")],
        required=True,
        default="pending",
        readonly=True,
        index=True,
        tracking=True,
    )
    wallet_transaction_id = fields.Many2one(
        "ev.wallet.transaction",
        string="Wallet Ledger Line",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    payment_id = fields.Many2one(
        related="wallet_transaction_id.payment_id", string="Payment"
    )
    decided_by_id = fields.Many2one(
        "res.users", string="Confirmed / Rejected by", readonly=True
    )
    decided_date = fields.Datetime(string="Decided on", readonly=True)
    note = fields.Char(
        help="What the driver or the bank statement says about the transfer."
    )

    @api.depends("company_id", "bank_account_id")
    def _compute_journal_id(self):
        for request in self:
            if request.state != "pending" and request.journal_id:
                continue
            request.journal_id = request.company_id._ev_topup_bank_journal(
                request.bank_account_id
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                if (
                    PROTECTED_FIELDS & (set(vals) - {"name"})
                    or vals.get("name", "/") != "/"
                ):
                    raise AccessError(
                        _("A pending top-up is confirmed or rejected with its buttons.")
                    )
        for vals in vals_list:
            if (vals.get("amount") or 0.0) <= 0:
                raise UserError(_("A top-up must be positive."))
            company = (
                self.env["res.company"].browse(vals.get("company_id"))
                or self.env.company
            )
            vals["name"] = (
                self.env["ir.sequence"]
                .sudo()
                .with_company(company)
                .next_by_code("ev.wallet.topup.request")
                or "/"
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if PROTECTED_FIELDS & set(vals):
                raise AccessError(
                    _("A pending top-up is confirmed or rejected with its buttons.")
                )
            if self.filtered(lambda r: r.state != "pending"):
                raise UserError(_("Only a pending top-up can be changed."))
        if "amount" in vals and (vals["amount"] or 0.0) <= 0:
            raise UserError(_("A top-up must be positive."))
        return super().write(vals)

    # ----------------------------------------------------------------------------------
    # Operator decisions
    # ----------------------------------------------------------------------------------

    def _ev_lock_pending(self):
        """Serialise decisions on this request with the wallet's row lock, then re-read
        its state from the database: a confirm that waited behind another one sees it as
        done."""
        self.ensure_one()
        Ledger = self.env["ev.wallet.transaction"]
        Ledger.sudo()._ev_lock_wallets([Ledger._ev_owner(self.partner_id).id])
        self.invalidate_recordset(["state", "wallet_transaction_id"])
        if self.state != "pending":
            raise UserError(
                _(
                    "%(name)s is already %(state)s.",
                    name=self.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        self.state
                    ],
                )
            )

    def action_confirm_received(self):
        """The money is on the bank statement: credit the wallet, once."""
        Ledger = self.env["ev.wallet.transaction"]
        Ledger._ev_check_level(
            "ev_billing.group_ev_operator", _("confirm a transfer top-up")
        )
        for request in self:
            request._ev_lock_pending()
            journal = request.journal_id
            if not journal or journal == request.company_id.ev_wallet_journal_id:
                raise UserError(
                    _(
                        "Choose the bank journal on whose statement %s arrived.",
                        request.name,
                    )
                )
            line = Ledger._ev_topup(
                request.partner_id,
                request.amount,
                journal,
                memo=request.name,
                company=request.company_id,
                topup_request=request,
            )
            request.sudo().write(
                {
                    "state": "done",
                    "wallet_transaction_id": line.id,
                    "decided_by_id": self.env.uid,
                    "decided_date": fields.Datetime.now(),
                }
            )
        return True

    def action_reject(self):
        """No such money arrived: close the request, nothing moves."""
        self.env["ev.wallet.transaction"]._ev_check_level(
            "ev_billing.group_ev_manager", _("reject a top-up")
        )
        for request in self:
            request._ev_lock_pending()
            request.sudo().write(
                {
                    "state": "rejected",
                    "decided_by_id": self.env.uid,
                    "decided_date": fields.Datetime.now(),
                }
            )
        return True

    # ----------------------------------------------------------------------------------
    # PromptPay QR (Odoo's account_qr_code_emv + l10n_th, when installed)
    # ----------------------------------------------------------------------------------

    def _ev_qr_code(self):
        """Data URI of the QR code the driver scans to pay this request, or None."""
        self.ensure_one()
        bank = self.bank_account_id.sudo()
        if self.method != "promptpay" or not bank:
            return None
        return bank.build_qr_code_base64(
            self.amount,
            self.name,
            self.name,
            self.currency_id,
            self.partner_id,
            QR_METHOD,
            silent_errors=True,
        )
