from odoo import _, fields, models
from odoo.exceptions import UserError


class ResCompany(models.Model):
    """Accounts, taxes and journals of the station owners' monthly settlement."""

    _inherit = "res.company"

    ev_owner_fee_account_id = fields.Many2one(
        "account.account",
        string="Owner Plan Fee Income",
        check_company=True,
        help="The operator's own revenue: plan fees, extra chargers and the "
        "percentage of charging revenue invoiced to station owners.",
    )
    ev_owner_share_account_id = fields.Many2one(
        "account.account",
        string="Owners' Revenue Share",
        check_company=True,
        help="Cost of sales: the owners' share of the charging revenue the operator "
        "collected, booked by the monthly payout bills.",
    )
    ev_owner_sale_tax_id = fields.Many2one(
        "account.tax",
        string="VAT on Owner Fees",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale'), ('price_include', '=', False)]",
        help="7 % output VAT, price excluded, on the fee invoices.",
    )
    ev_owner_purchase_tax_id = fields.Many2one(
        "account.tax",
        string="VAT on Owner Payouts",
        check_company=True,
        domain="[('type_tax_use', '=', 'purchase'), ('price_include', '=', False)]",
        help="7 % input VAT, price excluded, on the payout bills of VAT registered "
        "owners.",
    )
    ev_owner_payout_journal_id = fields.Many2one(
        "account.journal",
        string="Owner Payout Journal",
        check_company=True,
        domain="[('type', '=', 'bank')]",
        help="Bank journal the owners' payouts are paid from.",
    )
    ev_owner_auto_payout = fields.Boolean(
        string="Pay Owners at Settlement",
        default=True,
        help="The monthly settlement registers each owner's payout as a vendor "
        "payment at once (the bank transfer is then made from it). Otherwise a "
        "Manager pays the statements.",
    )

    def _ev_owner_accounting(self):
        """Accounts, taxes and journals of the owners' settlement; missing ones are
        found or created in the company's chart of accounts."""
        self.ensure_one()
        company = self.sudo()
        Account = self.env["account.account"].sudo().with_company(company)
        if not Account.search_count(company._ev_account_domain(), limit=1):
            raise UserError(
                _(
                    "Company %s has no chart of accounts: install one before settling "
                    "station owners.",
                    company.name,
                )
            )
        if not company.ev_owner_fee_account_id:
            company.ev_owner_fee_account_id = company._ev_owner_account(
                _("EV Owner Plan Fees"), "income", "4190"
            )
        if not company.ev_owner_share_account_id:
            company.ev_owner_share_account_id = company._ev_owner_account(
                _("EV Station Owners' Revenue Share"), "expense_direct_cost", "5190"
            )
        if not company.ev_owner_sale_tax_id:
            company.ev_owner_sale_tax_id = company._ev_owner_tax("sale")
        if not company.ev_owner_purchase_tax_id:
            company.ev_owner_purchase_tax_id = company._ev_owner_tax("purchase")
        Journal = self.env["account.journal"].sudo()
        if not company.ev_owner_payout_journal_id:
            company.ev_owner_payout_journal_id = Journal.search(
                [*Journal._check_company_domain(company), ("type", "=", "bank")]
                + [("id", "!=", company.ev_wallet_journal_id.id)],
                order="sequence, id",
                limit=1,
            )

        def journal(kind):
            found = Journal.search(
                [*Journal._check_company_domain(company), ("type", "=", kind)],
                order="sequence, id",
                limit=1,
            )
            if not found:
                raise UserError(
                    _(
                        "Company %(company)s has no %(kind)s journal.",
                        company=company.name,
                        kind=kind,
                    )
                )
            return found

        return {
            "fee_account": company.ev_owner_fee_account_id,
            "share_account": company.ev_owner_share_account_id,
            "sale_tax": company.ev_owner_sale_tax_id,
            "purchase_tax": company.ev_owner_purchase_tax_id,
            "sale_journal": journal("sale"),
            "purchase_journal": journal("purchase"),
            "netting_journal": journal("general"),
            "payout_journal": company.ev_owner_payout_journal_id,
        }

    def _ev_owner_account(self, name, account_type, start_code):
        Account = self.env["account.account"].sudo().with_company(self)
        existing = Account.search(self._ev_account_domain(("name", "=", name)), limit=1)
        if existing:
            return existing
        last = Account.search(
            self._ev_account_domain(("account_type", "=", account_type)),
            order="code desc",
            limit=1,
        )
        return Account.create(
            {
                "name": name,
                "code": Account._search_new_account_code(last.code or start_code),
                "account_type": account_type,
                "company_ids": [fields.Command.set(self.ids)],
            }
        )

    def _ev_owner_tax(self, use):
        """The chart's 7 % VAT, price excluded, for sales or purchases."""
        Tax = self.env["account.tax"].sudo().with_company(self)
        domain = [
            *Tax._check_company_domain(self),
            ("type_tax_use", "=", use),
            ("amount_type", "=", "percent"),
            ("amount", "=", 7.0),
        ]
        taxes = Tax.search(domain)
        excluded = taxes.filtered(lambda tax: not tax.price_include)
        if excluded:
            return excluded[:1]
        if taxes:
            return taxes[0].copy(
                {
                    "name": _("VAT 7% (excluded)"),
                    "price_include_override": "tax_excluded",
                }
            )
        raise UserError(
            _(
                "Company %(company)s has no 7 %% %(use)s tax: set the VAT of owner "
                "fees and payouts in the EV settings.",
                company=self.name,
                use=use,
            )
        )
