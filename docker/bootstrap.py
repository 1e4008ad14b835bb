# Run by the `odoo-init` service through `odoo shell`: once ev_billing is installed, gives the
# bridge's technical user an API key (written to the shared volume for the bridge) and tells
# Odoo where the bridge's command API is. Idempotent: an existing key file is kept.
import os
import secrets

key_file = '/run/ev-secrets/odoo_api_key'
token_file = '/run/ev-secrets/command_token'
params = env['ir.config_parameter'].sudo()  # noqa: F821 (odoo shell provides env)
if not os.path.exists(token_file):
    with open(token_file, 'w') as f:
        f.write(secrets.token_urlsafe(32))
with open(token_file) as f:
    params.set_param('ev_billing.bridge_command_token', f.read().strip())
params.set_param('ev_billing.bridge_url', os.environ.get('BRIDGE_COMMAND_URL', 'http://bridge:8181'))
if not os.path.exists(key_file):
    bridge_user = env.ref('ev_billing.user_ev_bridge')  # noqa: F821
    key = env['res.users.apikeys'].with_user(bridge_user).sudo()._generate(None, 'docker-compose bridge', None)  # noqa: F821
    with open(key_file, 'w') as f:
        f.write(key)
env.cr.commit()  # noqa: F821
print("ev_billing bootstrap done")
