from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EvTrashMixin(models.AbstractModel):
    """Deleting an EV record moves it to the Trash; nothing is ever purged (anti-fraud).

    ``unlink`` checks the caller's right to delete, then archives the record, stamps who
    and when, and files an ``ev.trash`` entry from which a Manager restores it. Deleting
    a record that is already in the Trash is refused, for every user, superuser
    included.
    """

    _name = "ev.trash.mixin"
    _description = "EV Trash Mixin"

    active = fields.Boolean(default=True)
    ev_trashed = fields.Boolean(
        string="In Trash", readonly=True, copy=False, index=True
    )
    ev_trashed_by_id = fields.Many2one(
        "res.users", string="Deleted by", readonly=True, copy=False
    )
    ev_trashed_date = fields.Datetime(string="Deleted on", readonly=True, copy=False)

    @api.model
    def get_views(self, views, options=None):
        # tells the web client's delete confirmation that the record goes to the Trash
        res = super().get_views(views, options)
        if self._ev_trash_in_views():
            res["models"][self._name]["ev_trash"] = True
        return res

    @api.model
    def _ev_trash_in_views(self):
        """Whether the views opened in this context delete to the Trash (models that
        trash only some records, e.g. drivers among contacts, say so by context)."""
        return True

    def _ev_records_to_trash(self):
        """The records of ``self`` that go to the Trash rather than being deleted."""
        return self

    def unlink(self):
        to_trash = self._ev_records_to_trash()
        if to_trash.filtered("ev_trashed"):
            raise UserError(
                _(
                    "%(records)s already in the Trash. Nothing can be purged from the "
                    "Trash; a Manager can restore it.",
                    records=", ".join(
                        to_trash.filtered("ev_trashed").mapped("display_name")
                    ),
                )
            )
        if to_trash:
            to_trash.check_access("unlink")
            to_trash._ev_move_to_trash()
        rest = self - to_trash
        return super(EvTrashMixin, rest).unlink() if rest else True

    def _ev_move_to_trash(self):
        now = fields.Datetime.now()
        user = self.env.user
        self.env["ev.trash"].sudo().create(
            [
                {
                    "res_model": record._name,
                    "res_id": record.id,
                    "name": record.display_name,
                    "trashed_by_id": user.id,
                    "trashed_date": now,
                    "company_id": record._ev_trash_company().id,
                }
                for record in self
            ]
        )
        # no active_test=False here: res.partner.write() would then count the driver's
        # just archived portal users as active ones and refuse to archive the driver
        self.sudo().write(
            {
                "active": False,
                "ev_trashed": True,
                "ev_trashed_by_id": user.id,
                "ev_trashed_date": now,
            }
        )

    def _ev_trash_company(self):
        self.ensure_one()
        return (
            self["company_id"]
            if "company_id" in self._fields
            else self.env["res.company"]
        )

    def _ev_restore_from_trash(self):
        self.sudo().with_context(active_test=False).write(
            {
                "active": True,
                "ev_trashed": False,
                "ev_trashed_by_id": False,
                "ev_trashed_date": False,
            }
        )

    @api.ondelete(at_uninstall=False)
    def _ev_never_purge(self):
        # Reached only by a caller bypassing unlink() above (e.g. another module's super
        # chain): a trashed record still never leaves the database.
        if self.filtered("ev_trashed"):
            raise UserError(_("Nothing can be purged from the Trash."))
