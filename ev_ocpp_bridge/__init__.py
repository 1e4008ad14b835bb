"""EV Billing for Odoo — OCPP 1.6J central system bridging chargers to Odoo."""

__version__ = "0.1.0"
