import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError


def normalize_phone_login(phone):
    """A driver logs in with their phone number: keep the digits (and a leading +)."""
    phone = (phone or "").strip()
    digits = re.sub(r"\D", "", phone)
    return ("+" + digits) if phone.startswith("+") else digits


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "ev.trash.mixin"]

    ev_is_driver = fields.Boolean(string="EV Driver", index=True)
    ev_tier = fields.Selection(
        [("member", "Member"), ("vip", "VIP")],
        string="Driver Tier",
        default="member",
        help="Price tier of the driver's tariffs.",
    )
    ev_id_tag_ids = fields.One2many("ev.id.tag", "partner_id", string="RFID Cards")
    ev_id_tag_count = fields.Integer(compute="_compute_ev_id_tag_count", string="Cards")
    ev_portal_login = fields.Char(
        compute="_compute_ev_portal_login", string="Portal Login"
    )

    @api.depends("ev_id_tag_ids")
    def _compute_ev_id_tag_count(self):
        for partner in self:
            partner.ev_id_tag_count = len(partner.ev_id_tag_ids)

    @api.depends("user_ids.login", "user_ids.active")
    def _compute_ev_portal_login(self):
        for partner in self:
            partner.ev_portal_login = partner.sudo().user_ids[:1].login or False

    @api.model
    def _ev_trash_in_views(self):
        return bool(self.env.context.get("ev_trash_on_delete"))

    def _ev_records_to_trash(self):
        # Only drivers go to the EV Trash; other contacts keep Odoo's usual deletion
        # rules.
        return self.filtered("ev_is_driver")

    def _ev_move_to_trash(self):
        # A driver in the Trash no longer logs in to the portal. Odoo refuses to archive
        # a contact whose user is active, so their portal users are archived first.
        self.env["res.users"].sudo().search(
            [("partner_id", "in", self.ids), ("share", "=", True)]
        ).write({"active": False})
        return super()._ev_move_to_trash()

    def _ev_restore_from_trash(self):
        res = super()._ev_restore_from_trash()
        self.env["res.users"].sudo().with_context(active_test=False).search(
            [
                ("partner_id", "in", self.ids),
                ("share", "=", True),
                ("active", "=", False),
            ]
        ).write({"active": True})
        return res

    @api.constrains("ev_is_driver", "phone", "mobile")
    def _check_ev_driver_phone(self):
        for partner in self.filtered("ev_is_driver"):
            if not (partner.mobile or partner.phone):
                raise ValidationError(
                    _("A driver needs a phone number: it is their portal login.")
                )

    def action_ev_grant_portal(self):
        """Give drivers a portal user whose login is their phone number."""
        # Users are created and changed as superuser below: only EV Operators may ask
        # for it.
        if not self.env.user.has_group("ev_billing.group_ev_operator"):
            raise AccessError(_("Only an EV Operator can give drivers portal access."))
        self.check_access("write")
        portal_group = self.env.ref("base.group_portal")
        for partner in self.filtered("ev_is_driver"):
            login = normalize_phone_login(partner.mobile or partner.phone)
            if len(login.lstrip("+")) < 6:
                raise UserError(
                    _(
                        "%s has no valid phone number to log in with.",
                        partner.display_name,
                    )
                )
            users = partner.with_context(active_test=False).user_ids
            if users.filtered(lambda u: not u.share):
                # never turn an internal (possibly EV admin) account into a phone login
                raise UserError(
                    _("%s already has an internal user account.", partner.display_name)
                )
            user = users[:1]
            if user:
                user.sudo().write({"active": True, "login": login})
                continue
            if (
                self.env["res.users"]
                .sudo()
                .with_context(active_test=False)
                .search_count([("login", "=", login)])
            ):
                raise UserError(_("Another user already logs in with %s.", login))
            self.env["res.users"].with_context(no_reset_password=True).sudo().create(
                {
                    "login": login,
                    "partner_id": partner.id,
                    "company_id": partner.company_id.id or self.env.company.id,
                    "company_ids": [
                        (6, 0, [partner.company_id.id or self.env.company.id])
                    ],
                    "groups_id": [(6, 0, [portal_group.id])],
                }
            )
        return True

    def action_ev_view_id_tags(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_id_tag_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def _ev_start_check(self, charger):
        """(may start, why not, max energy Wh or None) for this driver at this charger.

        The wallet decides whether the balance allows a start and how much energy it
        pays for.
        """
        self.ensure_one()
        if not self.active:
            return False, _("The driver is not active."), None
        ok, reason = self._ev_wallet_start_check()
        if not ok:
            return False, reason, None
        tariff = charger.station_id.tariff_id
        if not tariff:
            return (
                False,
                _("Station %s has no tariff.", charger.station_id.display_name),
                None,
            )
        return (
            True,
            "",
            tariff._energy_wh_for_amount(
                self.ev_tier,
                self._ev_wallet_spendable_amount(),
                station=charger.station_id,
            ),
        )
