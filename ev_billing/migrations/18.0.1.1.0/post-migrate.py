# Drivers' phone numbers and phone logins were stored as typed (digits and a leading +);
# from 18.0.1.1.0 they are E.164 (+66812345678), the shape the phone login looks for.
from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.partner"]._ev_normalize_existing_phones()
