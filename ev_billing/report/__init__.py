from . import ev_report_access
from . import ev_abbreviated_tax_invoice
from . import ev_wallet_receipt
