from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# The Trash's own writes carry this object in their context: JSON-RPC cannot build
# it, so no caller can pass for the Trash.
_TRASH_OPERATION = object()
TRASH_FIELDS = frozenset({"ev_trashed", "ev_trashed_by_id", "ev_trashed_date"})


class EvTrashMixin(models.AbstractModel):
    """Deleting an EV record moves it to the Trash; nothing is ever purged (anti-fraud).

    ``unlink`` checks the caller's right to delete, then archives the record, stamps who
    and when, and files an ``ev.trash`` entry from which a Manager restores it. Deleting
    a record that is already in the Trash is refused, for every user, superuser
    included.

    Once trashed, a record leaves the Trash only through ``ev.trash.action_restore``:
    ``write``/``create`` refuse the Trash's fields from anyone else, ``active`` cannot
    be written on a trashed record, and ``unlink`` refuses any trashed record whatever
    its other fields say (a driver marker or an EV group removed after trashing changes
    nothing).
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

    def _ev_trash_operation(self):
        """``self`` in the Trash's own context (move to Trash, restore)."""
        return self.sudo().with_context(ev_trash_operation=_TRASH_OPERATION)

    def _ev_is_trash_operation(self):
        return self.env.context.get("ev_trash_operation") is _TRASH_OPERATION

    @api.model_create_multi
    def create(self, vals_list):
        if not self._ev_is_trash_operation() and any(
            TRASH_FIELDS.intersection(vals) for vals in vals_list
        ):
            raise AccessError(_("Records go to the Trash by being deleted."))
        return super().create(vals_list)

    def write(self, vals):
        if not self._ev_is_trash_operation():
            if TRASH_FIELDS.intersection(vals):
                raise AccessError(
                    _(
                        "Records go to the Trash by being deleted and leave it only "
                        "when a Manager restores them from the Trash."
                    )
                )
            if "active" in vals and self.filtered("ev_trashed"):
                raise AccessError(
                    _(
                        "%(records)s is in the Trash: only a Manager restoring it from "
                        "the Trash brings it back.",
                        records=", ".join(
                            self.filtered("ev_trashed").mapped("display_name")
                        ),
                    )
                )
        return super().write(vals)

    def unlink(self):
        trashed = self.filtered("ev_trashed")
        if trashed:
            raise UserError(
                _(
                    "%(records)s already in the Trash. Nothing can be purged from the "
                    "Trash; a Manager can restore it.",
                    records=", ".join(trashed.mapped("display_name")),
                )
            )
        to_trash = self._ev_records_to_trash()
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
        self._ev_trash_operation().write(
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
        self._ev_trash_operation().with_context(active_test=False).write(
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
