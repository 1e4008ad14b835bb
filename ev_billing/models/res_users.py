from odoo import _, api, fields, models
from odoo.exceptions import AccessError

# Highest level first: a user's EV admin level is the highest group they hold.
EV_ADMIN_LEVELS = [
    ("administrator", "ev_billing.group_ev_admin"),
    ("manager", "ev_billing.group_ev_manager"),
    ("operator", "ev_billing.group_ev_operator"),
    ("viewer", "ev_billing.group_ev_viewer"),
]


class ResUsers(models.Model):
    _name = "res.users"
    _inherit = ["res.users", "ev.trash.mixin"]

    ev_admin_level = fields.Selection(
        [
            ("viewer", "Viewer"),
            ("operator", "Operator"),
            ("manager", "Manager"),
            ("administrator", "Administrator"),
        ],
        string="EV Admin Level",
        compute="_compute_ev_admin_level",
        search="_search_ev_admin_level",
    )

    @api.depends("groups_id")
    def _compute_ev_admin_level(self):
        for user in self:
            user.ev_admin_level = next(
                (level for level, group in EV_ADMIN_LEVELS if user.has_group(group)),
                False,
            )

    def _search_ev_admin_level(self, operator, value):
        groups = {level: group for level, group in EV_ADMIN_LEVELS}
        if operator == "!=" and value is False:
            return [("groups_id", "in", self.env.ref(groups["viewer"]).id)]
        if operator == "=" and value in groups:
            higher = [
                g
                for level, g in EV_ADMIN_LEVELS[
                    : [lv for lv, _g in EV_ADMIN_LEVELS].index(value)
                ]
            ]
            domain = [("groups_id", "in", self.env.ref(groups[value]).id)]
            for group in higher:
                domain.append(("groups_id", "not in", self.env.ref(group).id))
            return domain
        raise NotImplementedError(
            f"Unsupported search: ev_admin_level {operator} {value!r}"
        )

    @api.model
    def _ev_trash_in_views(self):
        return bool(self.env.context.get("ev_trash_on_delete"))

    def _ev_records_to_trash(self):
        # EV admins go to the EV Trash; other users keep Odoo's usual deletion rules.
        viewer = self.env.ref("ev_billing.group_ev_viewer", raise_if_not_found=False)
        return (
            self.filtered(lambda u: viewer and viewer in u.groups_id)
            if viewer
            else self.browse()
        )

    @api.model
    def _ev_check_level(self, group_xmlid, action):
        """The one check of an EV admin level in Python code: ``AccessError`` unless the
        current user holds ``group_xmlid`` (superuser mode passes). ``action`` completes
        "You are not allowed to …"."""
        if not self.env.su and not self.env.user.has_group(group_xmlid):
            raise AccessError(_("You are not allowed to %s.", action))
