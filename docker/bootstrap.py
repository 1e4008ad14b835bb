# Run by the `odoo-init` service through `odoo shell`: once ev_billing is installed,
# gives the bridge's technical user an API key (written to the shared volume for the
# bridge) and tells Odoo where the bridge's command API is. Idempotent: an existing key
# file is kept.
# ruff: noqa: F821  (`odoo shell` provides `env`)
import os
import secrets

KEY_FILE = "/run/ev-secrets/odoo_api_key"
TOKEN_FILE = "/run/ev-secrets/command_token"

params = env["ir.config_parameter"].sudo()
if not os.path.exists(TOKEN_FILE):
    with open(TOKEN_FILE, "w") as f:
        f.write(secrets.token_urlsafe(32))
with open(TOKEN_FILE) as f:
    params.set_param("ev_billing.bridge_command_token", f.read().strip())
bridge_url = os.environ.get("BRIDGE_COMMAND_URL", "http://bridge:8181")
params.set_param("ev_billing.bridge_url", bridge_url)
if not os.path.exists(KEY_FILE):
    bridge_user = env.ref("ev_billing.user_ev_bridge")
    apikeys = env["res.users.apikeys"].with_user(bridge_user).sudo()
    key = apikeys._generate(None, "docker-compose bridge", None)
    with open(KEY_FILE, "w") as f:
        f.write(key)
env.cr.commit()
print("ev_billing bootstrap done")
