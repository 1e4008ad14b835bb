from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class EvTrash(models.Model):
    """One deletion of an EV record: who, when, and whether a Manager restored it.

    Entries are append-only: they can be restored, never removed.
    """

    _name = "ev.trash"
    _description = "EV Trash"
    _order = "trashed_date desc, id desc"

    name = fields.Char(string="Record", required=True, readonly=True)
    res_model = fields.Char(string="Model", required=True, readonly=True, index=True)
    res_model_name = fields.Char(string="Type", compute="_compute_res_model_name")
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    trashed_by_id = fields.Many2one(
        "res.users", string="Deleted by", required=True, readonly=True
    )
    trashed_date = fields.Datetime(string="Deleted on", required=True, readonly=True)
    state = fields.Selection(
        [("trashed", "In Trash"), ("restored", "Restored")],
        default="trashed",
        required=True,
        readonly=True,
        index=True,
    )
    restored_by_id = fields.Many2one("res.users", string="Restored by", readonly=True)
    restored_date = fields.Datetime(string="Restored on", readonly=True)

    @api.depends("res_model")
    def _compute_res_model_name(self):
        models_by_name = {
            m.model: m.name
            for m in self.env["ir.model"]
            .sudo()
            .search([("model", "in", list(set(self.mapped("res_model"))))])
        }
        for entry in self:
            entry.res_model_name = models_by_name.get(entry.res_model, entry.res_model)

    def action_restore(self):
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_manager", _("restore records from the Trash")
        )
        for entry in self.filtered(lambda e: e.state == "trashed"):
            record = (
                self.env[entry.res_model]
                .with_context(active_test=False)
                .browse(entry.res_id)
                .exists()
            )
            if record:
                record._ev_restore_from_trash()
        self.sudo().write(
            {
                "state": "restored",
                "restored_by_id": self.env.user.id,
                "restored_date": fields.Datetime.now(),
            }
        )
        return True

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "context": {"active_test": False},
        }

    def write(self, vals):
        # only action_restore (in superuser mode) changes an entry
        if not self.env.su:
            raise AccessError(_("Trash entries cannot be edited."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Nothing can be purged from the Trash."))
