import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import ev_phone_e164

_logger = logging.getLogger(__name__)


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

    # ----------------------------------------------------------------------------------
    # Phone numbers in E.164: a driver's phone is their login and where codes go
    # ----------------------------------------------------------------------------------

    def _ev_phone_countries(self):
        """Countries to read a local number of this partner with, most likely first."""
        self.ensure_one()
        return (
            self.country_id,
            self.company_id.country_id,
            self.env.company.country_id,
        )

    def _ev_phone_e164(self, number=None):
        """``number`` (default: the driver's mobile, else phone) in E.164, or False."""
        self.ensure_one()
        number = number if number is not None else (self.mobile or self.phone)
        return ev_phone_e164(number, self._ev_phone_countries())

    def _ev_normalize_phones(self):
        """Write the phone and mobile of these partners in E.164 where they parse.

        A number that does not parse stays as typed (the driver cannot be given a
        login until it is fixed: see ``action_ev_grant_portal``).
        """
        for partner in self:
            vals = {}
            for fname in ("mobile", "phone"):
                e164 = partner[fname] and partner._ev_phone_e164(partner[fname])
                if e164 and e164 != partner[fname]:
                    vals[fname] = e164
            if vals:
                partner.write(vals)  # E.164 already: no further round

    @api.model
    def _ev_normalize_existing_phones(self):
        """Upgrade step: every driver's numbers, and their phone logins, in E.164.

        A login already taken in E.164 by another user is left as it was (logged).
        """
        drivers = self.with_context(active_test=False).search(
            [("ev_is_driver", "=", True)]
        )
        drivers._ev_normalize_phones()
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        for user in Users.search(
            [("partner_id", "in", drivers.ids), ("share", "=", True)]
        ):
            e164 = user.partner_id._ev_phone_e164(user.login)
            if not e164 or e164 == user.login:
                continue
            if Users.search_count([("login", "=", e164)], limit=1):
                _logger.info(
                    "event=ev_phone_login_kept user_id=%s reason=e164_taken", user.id
                )
                continue
            user.login = e164

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners.filtered("ev_is_driver")._ev_normalize_phones()
        return partners

    def write(self, vals):
        res = super().write(vals)
        if {"mobile", "phone", "ev_is_driver", "country_id"} & set(vals):
            self.filtered("ev_is_driver")._ev_normalize_phones()
        return res

    @api.constrains("ev_is_driver", "phone", "mobile", "ev_line_user_id")
    def _check_ev_driver_phone(self):
        for partner in self.filtered("ev_is_driver"):
            # a driver signed up by LINE Login logs in with LINE
            if not (partner.mobile or partner.phone or partner.sudo().ev_line_user_id):
                raise ValidationError(
                    _("A driver needs a phone number: it is their portal login.")
                )

    def action_ev_grant_portal(self):
        """Give drivers a portal user whose login is their phone number."""
        # Users are created and changed as superuser below: only EV Operators may ask
        # for it.
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_operator", _("give drivers portal access")
        )
        self.check_access("write")
        portal_group = self.env.ref("base.group_portal")
        for partner in self.filtered("ev_is_driver"):
            login = partner._ev_phone_e164()
            if not login:
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

        The wallet in the charger's company decides whether the balance allows a start
        and how much energy its spendable amount (net of the holds of running sessions)
        pays for. Nothing is reserved here (an Authorize may never be followed by a
        start): the hold is taken at StartTransaction, under the wallet lock, and the
        bridge applies the smaller of the two energy caps.
        """
        self.ensure_one()
        if not self.active:
            return False, _("The driver is not active."), None
        company = charger.company_id
        ok, reason = self._ev_wallet_start_check(company)
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
                self._ev_wallet_spendable_amount(company),
                station=charger.station_id,
            ),
        )
