from . import ev_charger_password_wizard
from . import ev_tou_holiday_generate
from . import ev_wallet_operation
from . import ev_tax_invoice_request
from . import ev_wallet_report
from . import ev_remote_start_wizard
from . import ev_bridge_setup_wizard
from . import ev_charger_setting_wizard
