from datetime import datetime, time

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from .ev_wallet_transaction import billing_cycle_start


class EvBillingPeriodMixin(models.AbstractModel):
    """Filters a dated EV record by the company's billing cycle.

    A cycle runs from the company's cut-off day (Settings › EV Charging, e.g. the 25th,
    the utility's meter-reading day) to the day before the next one. Search views filter
    ``('ev_cycles_ago', '=', 0)`` for the current cycle, ``1`` for the previous one; the
    boundaries are local midnights in the user's time zone.
    """

    _name = "ev.billing.period.mixin"
    _description = "EV Billing Cycle Filters"

    # the Datetime field that places a record in a cycle
    _ev_period_date_field = "create_date"

    ev_cycles_ago = fields.Integer(
        string="Billing Cycles Ago",
        compute="_compute_ev_cycles_ago",
        search="_search_ev_cycles_ago",
        help="0 for the current billing cycle, 1 for the previous one, …",
    )

    @api.model
    def _ev_local_today(self):
        return fields.Date.context_today(self)

    @api.model
    def _ev_cycle_bounds(self, cycles_ago=0, company=None):
        """(first day, first day of the next cycle) of the billing cycle
        ``cycles_ago`` cycles before the current one."""
        company = company or self.env.company
        start = billing_cycle_start(
            self._ev_local_today(), company.ev_billing_cycle_day
        ) - relativedelta(months=cycles_ago)
        return start, start + relativedelta(months=1)

    @api.model
    def _ev_utc_bounds(self, date_from, date_to):
        """UTC datetimes of the local midnights of ``date_from`` and ``date_to``."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        return tuple(
            tz.localize(datetime.combine(day, time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
            for day in (date_from, date_to)
        )

    @api.model
    def _ev_period_domain(self, date_from, date_to_excluded):
        start, stop = self._ev_utc_bounds(date_from, date_to_excluded)
        field = self._ev_period_date_field
        return [(field, ">=", start), (field, "<", stop)]

    def _compute_ev_cycles_ago(self):
        current_start, _stop = self._ev_cycle_bounds()
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        for record in self:
            moment = record[self._ev_period_date_field]
            if not moment:
                record.ev_cycles_ago = 0
                continue
            local_day = pytz.utc.localize(moment).astimezone(tz).date()
            start = billing_cycle_start(
                local_day, record.env.company.ev_billing_cycle_day
            )
            delta = relativedelta(current_start, start)
            record.ev_cycles_ago = delta.years * 12 + delta.months

    def _search_ev_cycles_ago(self, operator, value):
        if operator != "=" or not isinstance(value, int):
            raise NotImplementedError(
                f"Unsupported search: ev_cycles_ago {operator} {value!r}"
            )
        # the domain replaces this field: flush the date it is made of
        self.flush_model([self._ev_period_date_field])
        return self._ev_period_domain(*self._ev_cycle_bounds(value))
