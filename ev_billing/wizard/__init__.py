from . import ev_charger_password_wizard
from . import ev_tou_holiday_generate
