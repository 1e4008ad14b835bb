from odoo import _, fields, models
from odoo.exceptions import UserError

from .ev_wallet_posting import copy_invoice_lines


class EvSession(models.Model):
    """Tax documents of a billed session (Thai Revenue Code): the abbreviated tax
    invoice number given at billing, and the full tax invoice issued on request."""

    _inherit = "ev.session"

    full_tax_invoice_id = fields.Many2one(
        "account.move",
        string="Full Tax Invoice Document",
        readonly=True,
        copy=False,
        check_company=True,
    )
    tax_invoice_credit_note_id = fields.Many2one(
        "account.move",
        string="Abbreviated Invoice Cancelled by",
        readonly=True,
        copy=False,
        check_company=True,
        help=(
            "Credit note that replaced the abbreviated tax invoice by the full tax "
            "invoice."
        ),
    )

    def _ev_tax_invoice_date(self):
        self.ensure_one()
        return self.invoice_id.invoice_date

    def _ev_issue_full_tax_invoice(self, buyer):
        """Issue one full tax invoice to ``buyer`` (a partner with name, address, tax
        id, branch) for these billed sessions.

        Odoo documents: a credit note cancels each session's abbreviated invoice towards
        the driver, the full tax invoice bills the same lines to the buyer, and the
        credit notes settle it, so no money moves again and the wallet is untouched.
        """
        sessions = self.sudo()
        if not sessions:
            return self.env["account.move"]
        if any(not s.invoice_id or s.invoice_id.state != "posted" for s in sessions):
            raise UserError(_("Only billed sessions get a full tax invoice."))
        if sessions.filtered("full_tax_invoice_number"):
            raise UserError(
                _(
                    "%s already has a full tax invoice.",
                    ", ".join(
                        sessions.filtered("full_tax_invoice_number").mapped("name")
                    ),
                )
            )
        if len(sessions.company_id) > 1:
            raise UserError(_("One full tax invoice covers sessions of one company."))
        if not (buyer.name and buyer.vat and (buyer.street or buyer.city)):
            raise UserError(
                _("A full tax invoice needs the buyer's name, address and tax id.")
            )
        company = sessions.company_id
        Move = self.env["account.move"].sudo().with_company(company)
        today = fields.Date.context_today(self)

        credit_notes = Move.create(
            [
                {
                    "move_type": "out_refund",
                    "partner_id": session.invoice_id.partner_id.id,
                    "company_id": company.id,
                    "invoice_date": today,
                    "reversed_entry_id": session.invoice_id.id,
                    "ref": self.env._(
                        "Abbreviated tax invoice %s replaced by a full tax invoice",
                        session.abbreviated_invoice_number,
                    ),
                    "invoice_origin": session.name,
                    "invoice_line_ids": copy_invoice_lines(session.invoice_id),
                }
                for session in sessions
            ]
        )
        full = Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": buyer.id,
                "company_id": company.id,
                "invoice_date": today,
                "invoice_origin": ", ".join(sessions.mapped("name")),
                "ref": _(
                    "Replaces %s",
                    ", ".join(sessions.mapped("abbreviated_invoice_number")),
                ),
                "invoice_line_ids": [
                    command
                    for session in sessions
                    for command in copy_invoice_lines(session.invoice_id)
                ],
            }
        )
        (credit_notes + full).action_post()
        receivable = (credit_notes + full).line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        receivable.filtered(lambda line: not line.reconciled).reconcile()
        for session, credit_note in zip(sessions, credit_notes, strict=True):
            session.write(
                {
                    "full_tax_invoice_id": full.id,
                    "full_tax_invoice_number": full.name,
                    "tax_invoice_credit_note_id": credit_note.id,
                }
            )
        return full

    def _ev_record_full_tax_invoice(self, number):
        """A full tax invoice issued elsewhere: keep its number against the sessions."""
        if not number:
            raise UserError(_("Enter the number of the full tax invoice."))
        sessions = self.sudo()
        if sessions.filtered("full_tax_invoice_number"):
            raise UserError(
                _(
                    "%s already has a full tax invoice.",
                    ", ".join(
                        sessions.filtered("full_tax_invoice_number").mapped("name")
                    ),
                )
            )
        sessions.write({"full_tax_invoice_number": number})
        for session in sessions:
            session.message_post(
                body=_(
                    "Full tax invoice %(number)s issued outside Odoo, recorded by "
                    "%(user)s.",
                    number=number,
                    user=self.env.user.name,
                )
            )
        return True

    def action_ev_print_abbreviated_tax_invoice(self):
        return self.env.ref(
            "ev_billing.action_report_ev_abbreviated_tax_invoice"
        ).report_action(self)
