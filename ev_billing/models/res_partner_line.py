from odoo import _, fields, models
from odoo.exceptions import UserError


class ResPartner(models.Model):
    """A driver's LINE identity: set by LINE Login, used by LINE notifications."""

    _inherit = "res.partner"

    ev_line_user_id = fields.Char(
        string="LINE User ID",
        index="btree_not_null",
        copy=False,
        groups="ev_billing.group_ev_operator",
        help="The driver's LINE user id (from LINE Login); LINE messages go to it.",
    )
    ev_line_followed = fields.Boolean(
        string="Follows the LINE Official Account",
        copy=False,
        groups="ev_billing.group_ev_operator",
        help="Set by the LINE webhook (follow/unfollow): without it the driver gets "
        "email instead of LINE messages.",
    )

    def _ev_link_line(self, line_user_id):
        """Link this driver to the LINE account ``line_user_id`` (LINE Login)."""
        self.ensure_one()
        other = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [("ev_line_user_id", "=", line_user_id), ("id", "!=", self.id)],
                limit=1,
            )
        )
        if other:
            raise UserError(_("This LINE account is already linked to another driver."))
        self.sudo().ev_line_user_id = line_user_id
