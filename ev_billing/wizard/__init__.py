from . import ev_charger_password_wizard
