from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EvTaxInvoiceRequest(models.TransientModel):
    """Issue a full tax invoice for one or more sessions, or record one issued
    elsewhere."""

    _name = "ev.tax.invoice.request"
    _description = "Full Tax Invoice Request"

    session_ids = fields.Many2many("ev.session", string="Sessions", required=True)
    mode = fields.Selection(
        [("issue", "Issue in Odoo"), ("record", "Record a number issued elsewhere")],
        required=True,
        default="issue",
    )
    buyer_id = fields.Many2one("res.partner", string="Existing Buyer")
    buyer_name = fields.Char()
    buyer_street = fields.Char(string="Address")
    buyer_city = fields.Char(string="City / Province")
    buyer_zip = fields.Char(string="ZIP")
    buyer_vat = fields.Char(string="Tax ID")
    buyer_branch = fields.Char(
        string="Branch", default="00000", help="00000 = head office"
    )
    external_number = fields.Char(string="Full Tax Invoice Number")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if (
            self.env.context.get("active_model") == "ev.session"
            and "session_ids" in fields_list
        ):
            res["session_ids"] = [
                fields.Command.set(self.env.context.get("active_ids", []))
            ]
        return res

    @api.onchange("buyer_id")
    def _onchange_buyer_id(self):
        if self.buyer_id:
            self.buyer_name = self.buyer_id.name
            self.buyer_street = self.buyer_id.street
            self.buyer_city = self.buyer_id.city
            self.buyer_zip = self.buyer_id.zip
            self.buyer_vat = self.buyer_id.vat
            self.buyer_branch = self.buyer_id.ev_tax_branch or "00000"

    def _buyer(self):
        Partner = self.env["res.partner"].sudo()
        vals = {
            "name": self.buyer_name,
            "street": self.buyer_street,
            "city": self.buyer_city,
            "zip": self.buyer_zip,
            "vat": self.buyer_vat,
            "ev_tax_branch": self.buyer_branch or "00000",
            "is_company": True,
        }
        buyer = self.buyer_id.sudo() or Partner.search(
            [
                ("vat", "=", self.buyer_vat),
                ("ev_tax_branch", "=", vals["ev_tax_branch"]),
            ],
            limit=1,
        )
        if buyer:
            buyer.write({k: v for k, v in vals.items() if v and k != "is_company"})
            return buyer
        return Partner.create(vals)

    def action_confirm(self):
        self.ensure_one()
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_manager", _("issue or record full tax invoices")
        )
        if self.mode == "record":
            self.session_ids._ev_record_full_tax_invoice(self.external_number)
            return {"type": "ir.actions.act_window_close"}
        if not (self.buyer_name and self.buyer_vat):
            raise UserError(_("Enter the buyer's name, address, tax id and branch."))
        full = self.session_ids._ev_issue_full_tax_invoice(self._buyer())
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": full.id,
            "view_mode": "form",
        }
