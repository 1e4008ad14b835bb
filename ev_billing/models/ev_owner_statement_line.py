from odoo import fields, models


class EvOwnerStatementLine(models.Model):
    """One station's month on an owner's statement: what it sold, what the plan
    costs and what the owner earns. Written only by the settlement."""

    _name = "ev.owner.statement.line"
    _description = "Station Owner Statement Line"
    _order = "statement_id, station_name, id"

    statement_id = fields.Many2one(
        "ev.owner.statement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="statement_id.company_id", store=True)
    currency_id = fields.Many2one(related="statement_id.currency_id")
    station_id = fields.Many2one("ev.station", required=True, index=True)
    station_name = fields.Char(required=True)
    plan_id = fields.Many2one("ev.owner.plan", required=True)
    owner_collects = fields.Boolean()
    days_active = fields.Integer(string="Days on Plan")
    days_in_period = fields.Integer(string="Days in Month")
    session_count = fields.Integer(string="Sessions")
    energy_kwh = fields.Float(string="Energy (kWh)", digits=(12, 3))
    amount_sessions = fields.Monetary(
        string="Sessions (VAT incl.)", help="Charging revenue of the month's sessions."
    )
    amount_sessions_untaxed = fields.Monetary(string="Sessions (VAT excl.)")
    amount_refund = fields.Monetary(
        string="Refunds (VAT incl.)",
        help="Refunds given since the last statement, deducted here.",
    )
    amount_refund_untaxed = fields.Monetary(string="Refunds (VAT excl.)")
    amount_revenue = fields.Monetary(
        string="Revenue (VAT incl.)", help="Sessions minus refunds."
    )
    amount_revenue_untaxed = fields.Monetary(string="Revenue (VAT excl.)")
    charger_count = fields.Integer(string="Chargers")
    extra_charger_count = fields.Integer(string="Extra Chargers")
    amount_plan_fee = fields.Monetary(string="Plan Fee")
    amount_extra_chargers = fields.Monetary(string="Extra Chargers Fee")
    revenue_share_percent = fields.Float(string="Fee (%)", digits=(5, 2))
    amount_revenue_base = fields.Monetary(string="Revenue Base")
    amount_percent_fee = fields.Monetary(string="Percentage Fee")
    amount_fees = fields.Monetary(string="Fees (VAT excl.)")
    amount_share = fields.Monetary(
        string="Owner's Share (VAT excl.)",
        help="Revenue without VAT the operator collected for the owner.",
    )
