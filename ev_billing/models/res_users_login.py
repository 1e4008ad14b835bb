from odoo import Command, _, api, models
from odoo.exceptions import AccessDenied, UserError

from ..tools import ev_looks_like_phone, ev_phone_e164

TICKET_CREDENTIAL = "ev_login_ticket"


class ResUsers(models.Model):
    """Drivers log in with their phone number (any local spelling) or, after a one-time
    SMS code or LINE Login, with a one-time ticket instead of a password."""

    _inherit = "res.users"

    @api.model
    def _get_login_domain(self, login):
        # "081 234 5678" finds the driver whose login is +66812345678 (login form,
        # reset password).
        domain = super()._get_login_domain(login)
        if ev_looks_like_phone(login):
            e164 = ev_phone_e164(login, (self.env.company.country_id,))
            if e164 and e164 != login:
                domain = ["|", ("login", "=", e164), *domain]
        return domain

    def _check_credentials(self, credential, env):
        if credential.get("type") != TICKET_CREDENTIAL:
            return super()._check_credentials(credential, env)
        # Tickets are issued only by our login controllers, after a verified SMS code
        # or LINE ID token, and only for portal users: an internal user always needs
        # their password (and second factor).
        user = self.env.user
        if not (
            user.share
            and self.env["ev.login.code"]._ev_consume_ticket(
                user, credential.get("ev_ticket")
            )
        ):
            raise AccessDenied()
        return {"uid": user.id, "auth_method": TICKET_CREDENTIAL, "mfa": "default"}

    # ----------------------------------------------------------------------------------
    # Finding and signing up drivers
    # ----------------------------------------------------------------------------------

    @api.model
    def _ev_driver_user_for_phone(self, phone, company):
        """The active portal user logging in with ``phone`` (E.164), else False."""
        users = self.sudo().search([("login", "=", phone)], limit=1)
        return users if users and users.share else False

    @api.model
    def _ev_driver_partner_for_phone(self, phone, company):
        """A pre-registered driver of ``company`` with this number and no user yet."""
        Partner = self.env["res.partner"].sudo()
        return Partner.search(
            [
                ("ev_is_driver", "=", True),
                ("company_id", "in", (company.id, False)),
                "|",
                ("mobile", "=", phone),
                ("phone", "=", phone),
            ],
            limit=1,
        )

    @api.model
    def _ev_phone_may_log_in(self, phone, company):
        """Whether a code for ``phone`` would log someone in (or sign them up)."""
        if company.ev_driver_self_signup:
            # an internal user's login is never taken over by a phone code
            other = (
                self.sudo()
                .with_context(active_test=False)
                .search([("login", "=", phone)], limit=1)
            )
            return not other or (other.share and other.active)
        return bool(
            self._ev_driver_user_for_phone(phone, company)
            or self._ev_driver_partner_for_phone(phone, company)
        )

    @api.model
    def _ev_user_for_verified_phone(self, phone, company):
        """The portal user of the driver who proved they own ``phone``: existing,
        given to a pre-registered driver, or signed up (when the company allows)."""
        user = self._ev_driver_user_for_phone(phone, company)
        if user:
            return user
        partner = self._ev_driver_partner_for_phone(phone, company)
        if not partner:
            if not self._ev_phone_may_log_in(phone, company):
                return False
            partner = (
                self.env["res.partner"]
                .sudo()
                .create(
                    {
                        "name": phone,
                        "mobile": phone,
                        "ev_is_driver": True,
                        "ev_tier": "member",
                        "company_id": company.id,
                    }
                )
            )
        return self._ev_create_driver_user(partner, phone, company)

    @api.model
    def _ev_create_driver_user(self, partner, login, company):
        """A portal user for the driver ``partner``, logging in as ``login``."""
        if (
            self.sudo()
            .with_context(active_test=False)
            .search_count([("login", "=", login)], limit=1)
        ):
            raise UserError(_("Another user already logs in with %s.", login))
        return (
            self.sudo()
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
                }
            )
        )

    @api.model
    def _ev_user_for_line(self, line_user_id, name, company):
        """The portal user of the driver with this LINE user id: existing, given to a
        driver linked by an Operator, or signed up (when the company allows)."""
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        partner = Partner.search([("ev_line_user_id", "=", line_user_id)], limit=1)
        if partner and not partner.active:
            return False
        user = partner.user_ids[:1]
        if user:
            return user if user.share and user.active else False
        if not partner:
            if not company.ev_driver_self_signup:
                return False
            partner = Partner.create(
                {
                    "name": name or _("LINE driver"),
                    "ev_is_driver": True,
                    "ev_tier": "member",
                    "company_id": company.id,
                    "ev_line_user_id": line_user_id,
                }
            )
        login = partner._ev_phone_e164() or f"line:{line_user_id}"
        return self._ev_create_driver_user(partner, login, company)
