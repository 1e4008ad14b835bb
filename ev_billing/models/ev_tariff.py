import logging
from datetime import UTC, datetime
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command

from .. import pricing
from ..pricing.tariff import TESLA_GRACE_MINUTES, TESLA_OVERSTAY_FEE_PER_MINUTE
from .ev_tariff_exempt_window import float_to_time
from .ev_tariff_rate import TIER_SELECTION, tier_rates_from_values

_logger = logging.getLogger(__name__)

SNAPSHOT_VERSION = 1
# Largest energy :meth:`EvTariff._energy_wh_for_amount` answers (a free tariff buys
# "everything").
MAX_ENERGY_WH = 1_000_000


def _hhmm(t):
    return t.strftime("%H:%M")


def _parse_hhmm(text):
    return datetime.strptime(text, "%H:%M").time()


def _parse_timestamp(value):
    """A meter sample's timestamp (Odoo string, ISO 8601 with offset, or datetime) as
    naive UTC."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _money(value):
    """A rounded Decimal amount as a JSON number."""
    return float(pricing.round_money(value))


class EvTariff(models.Model):
    """A price plan for stations: per driver tier and TOU period, energy, parking and
    overstay.

    The arithmetic is the plain-Python :mod:`ev_billing.pricing` core; this model only
    holds the configuration, builds the core's :class:`~ev_billing.pricing.TariffRates`
    from it, and freezes a JSON snapshot of them on each session when it starts.
    """

    _name = "ev.tariff"
    _description = "EV Tariff"
    _inherit = ["mail.thread", "ev.trash.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    rate_ids = fields.One2many(
        "ev.tariff.rate",
        "tariff_id",
        string="Prices per Tier",
        copy=True,
        default=lambda self: [
            Command.create({"tier": "member"}),
            Command.create({"tier": "vip"}),
        ],
    )
    exempt_window_ids = fields.One2many(
        "ev.tariff.exempt.window",
        "tariff_id",
        string="Overstay Exempt Windows",
        copy=True,
        help=(
            "Daily windows, in the station's time zone, in which overstay is not "
            "charged (e.g. 22:00–07:00)."
        ),
    )
    overstay_from = fields.Selection(
        [
            ("grace_end", "From the end of the grace"),
            ("charge_end", "From the end of charging, once the grace is exceeded"),
        ],
        string="Overstay Counted",
        default="grace_end",
        required=True,
        tracking=True,
        help="With a 5-minute grace and an unplug 8 minutes after charging ended, the "
        "driver pays 3 minutes (from the end of the grace) or 8 minutes (from the end "
        "of charging).",
    )
    on_peak_hour_from = fields.Float(
        string="On-Peak From",
        default=9.0,
        required=True,
        help=(
            "On-peak hours, Monday to Friday except the off-peak public holidays, in "
            "the station's time zone."
        ),
    )
    on_peak_hour_to = fields.Float(string="On-Peak To", default=22.0, required=True)
    station_ids = fields.One2many("ev.station", "tariff_id", string="Stations")
    station_count = fields.Integer(compute="_compute_station_count")
    note = fields.Html()

    @api.depends("station_ids")
    def _compute_station_count(self):
        for tariff in self:
            tariff.station_count = len(tariff.station_ids)

    @api.constrains("on_peak_hour_from", "on_peak_hour_to")
    def _check_on_peak_hours(self):
        for tariff in self:
            if not 0 <= tariff.on_peak_hour_from < tariff.on_peak_hour_to < 24:
                raise ValidationError(
                    _(
                        "On-peak hours run from a start to a later end within the day "
                        "(at the latest 23:59)."
                    )
                )

    @api.constrains("rate_ids")
    def _check_member_rates(self):
        for tariff in self:
            if tariff.rate_ids and "member" not in tariff.rate_ids.mapped("tier"):
                raise ValidationError(
                    _(
                        "Tariff %s needs Member prices (VIP prices fall back to them).",
                        tariff.display_name,
                    )
                )

    # ------------------------------------------------ snapshot and core objects
    def _ev_rates_snapshot(self):
        """The tariff as plain JSON-safe values: frozen on a session when it starts."""
        self.ensure_one()
        by_tier = {rate.tier: rate for rate in self.rate_ids}
        if "member" not in by_tier:
            raise UserError(_("Tariff %s has no Member prices.", self.display_name))
        tiers = {}
        for tier, _label in TIER_SELECTION:
            rate = by_tier.get(tier) or by_tier["member"]
            values = rate._ev_tier_values()
            windows = self.exempt_window_ids.filtered(
                lambda w, tier=tier: w.tier in ("all", tier)
            )
            values["exempt_windows"] = [
                [_hhmm(a), _hhmm(b)] for a, b in windows._ev_times()
            ]
            tiers[tier] = values
        return {
            "version": SNAPSHOT_VERSION,
            "tariff_id": self.id,
            "name": self.name,
            "currency": self.currency_id.name or pricing.CURRENCY,
            "overstay_from": self.overstay_from,
            "on_peak_start": _hhmm(float_to_time(self.on_peak_hour_from)),
            "on_peak_end": _hhmm(float_to_time(self.on_peak_hour_to)),
            "tiers": tiers,
        }

    @api.model
    def _ev_rates_from_snapshot(self, snapshot):
        """:class:`pricing.TariffRates` from a snapshot made by
        :meth:`_ev_rates_snapshot`."""
        tiers = {}
        for tier, values in snapshot["tiers"].items():
            values = dict(values)
            windows = tuple(
                (_parse_hhmm(a), _parse_hhmm(b))
                for a, b in values.pop("exempt_windows", ())
            )
            tiers[tier] = tier_rates_from_values(
                values, snapshot["overstay_from"], windows
            )
        return pricing.TariffRates(
            member=tiers["member"],
            vip=tiers.get("vip", tiers["member"]),
            name=snapshot.get("name") or "",
            currency=snapshot.get("currency") or "THB",
        )

    def _ev_rates(self):
        self.ensure_one()
        return self._ev_rates_from_snapshot(self._ev_rates_snapshot())

    @api.model
    def _ev_calendar(self, station, snapshot=None):
        """The TOU calendar of ``station``: its time zone, its company's off-peak
        holidays and the on-peak hours of the (frozen) tariff."""
        snapshot = snapshot or (self._ev_rates_snapshot() if self else None)
        kwargs = {}
        if snapshot:
            kwargs = {
                "on_peak_start": _parse_hhmm(snapshot["on_peak_start"]),
                "on_peak_end": _parse_hhmm(snapshot["on_peak_end"]),
            }
        company = station.company_id or self.env.company
        holidays = self.env["ev.tou.holiday"]._ev_off_peak_dates(company.id)
        return pricing.TouCalendar(
            tz=station.tz or "Asia/Bangkok", holidays=holidays, **kwargs
        )

    # ------------------------------------------------------------------ presets
    def action_apply_tesla_overstay(self):
        """Overstay as in the Tesla idle-fee example: 12 THB a minute, 5 minutes' grace,
        charged only while the station is at least 50 % occupied and doubled at 100 %.
        """
        preset = pricing.tesla_overstay_preset(Decimal(0))
        for tariff in self:
            for tier, _label in TIER_SELECTION:
                if tier not in tariff.rate_ids.mapped("tier"):
                    tariff.rate_ids = [Command.create({"tier": tier})]
            tariff.rate_ids.write(
                {
                    "overstay_fee_on_peak": float(TESLA_OVERSTAY_FEE_PER_MINUTE),
                    "overstay_fee_off_peak": float(TESLA_OVERSTAY_FEE_PER_MINUTE),
                    "grace_minutes": TESLA_GRACE_MINUTES,
                    "occupancy_rule": True,
                    "occupancy_min_percent": float(preset.occupancy_rule.min_percent),
                    "occupancy_full_multiplier": float(
                        preset.occupancy_rule.full_multiplier
                    ),
                }
            )
            tariff.overstay_from = preset.overstay_from
        return True

    def action_view_stations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ev_billing.ev_station_action"
        )
        action["domain"] = [("tariff_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------ quote
    @api.model
    def _ev_line_labels(self):
        return {
            "energy_on_peak": _("Energy (on-peak)"),
            "energy_off_peak": _("Energy (off-peak)"),
            "parking": _("Parking"),
            "overstay": _("Overstay"),
        }

    @api.model
    def _ev_recent_power_kw(self, connector):
        """The charger's real average power over its recent sessions on ``connector``
        (kW), or None.

        Averages delivered energy over charging time of the last sessions of the past 30
        days.
        """
        if "ev.session" not in self.env or not connector:
            return None
        Session = self.env["ev.session"].sudo()
        end_field = (
            "charging_end_time"
            if "charging_end_time" in Session._fields
            else "stop_time"
        )
        since = fields.Datetime.subtract(fields.Datetime.now(), days=30)
        sessions = Session.search(
            [
                ("connector_id", "=", connector.id),
                ("start_time", ">=", since),
                ("stop_time", "!=", False),
                ("energy_kwh", ">", 0),
            ],
            order="start_time desc",
            limit=5,
        )
        energy = hours = 0.0
        for session in sessions:
            end = session[end_field] or session.stop_time
            duration = (end - session.start_time).total_seconds() / 3600 if end else 0
            if duration > 0:
                energy += session.energy_kwh
                hours += duration
        return round(energy / hours, 3) if hours > 0 and energy > 0 else None

    @api.model
    def _ev_quote(
        self,
        kwh,
        tier="member",
        station=None,
        connector=None,
        start=None,
        recent_power=True,
    ):
        """Price (VAT included, with breakdown) and estimated duration of charging
        ``kwh``.

        Give a connector (its max power and, unless ``recent_power`` is false, its
        charger's recent power are used) or a station (its most powerful connector).
        Returns a JSON-safe dict.
        """
        station = station or connector.station_id
        if not station:
            raise UserError(_("A quote needs a station or a connector."))
        tariff = station.tariff_id
        if not tariff:
            raise UserError(_("Station %s has no tariff.", station.display_name))
        if tier not in dict(TIER_SELECTION):
            raise UserError(_("Unknown driver tier %s.", tier))
        try:
            kwh = Decimal(str(kwh))
        except ArithmeticError as error:
            raise UserError(_("The energy to buy must be a number of kWh.")) from error
        if not kwh.is_finite() or not Decimal(0) < kwh <= Decimal(MAX_ENERGY_WH) / 1000:
            raise UserError(_("The energy to buy must be a positive number of kWh."))
        start = start or fields.Datetime.now()
        if connector:
            max_power = connector.max_power_kw or connector.charger_id.max_power_kw
        else:
            max_power = max(
                station.charger_ids.connector_ids.mapped("max_power_kw") or [0.0]
            )
        if not max_power or max_power <= 0:
            raise UserError(_("The maximum power of the connector is not set."))
        recent = (
            self._ev_recent_power_kw(connector) if connector and recent_power else None
        )
        snapshot = tariff._ev_rates_snapshot()
        rates = self._ev_rates_from_snapshot(snapshot)
        calendar = self._ev_calendar(station, snapshot)
        result = pricing.quote(
            rates, tier, kwh, start, calendar, max_power, recent_power_kw=recent
        )
        price = result.price
        labels = self._ev_line_labels()
        return {
            "tariff": tariff.name,
            "tier": tier,
            "kwh": float(kwh),
            "energy_wh": result.energy_wh,
            "currency": station.currency_id.name or pricing.CURRENCY,
            "amount_total": _money(price.amount_total),
            "amount_untaxed": _money(price.amount_untaxed),
            "amount_vat": _money(price.amount_vat),
            "lines": [
                {
                    "code": line.code,
                    "label": labels.get(line.code, line.code),
                    "quantity": float(line.quantity),
                    "uom": line.uom,
                    "amount": _money(line.amount),
                }
                for line in price.lines
            ],
            "duration_seconds": result.duration_seconds,
            "duration_minutes": result.duration_minutes,
            "start": fields.Datetime.to_string(start),
            "end": fields.Datetime.to_string(result.end),
            "power_kw": float(result.power_kw),
            "power_source": result.power_source,
            "period_now": calendar.period_at(start),
        }

    def _energy_wh_for_amount(
        self,
        tier,
        amount,
        start=None,
        calendar=None,
        max_power_kw=None,
        recent_power_kw=None,
        station=None,
        connector=None,
    ):
        """The most energy (whole Wh) whose quoted price, VAT included, is within
        ``amount``.

        Used for a wallet auto-stop: the bridge stops the charger when this energy is
        delivered. The quote is non-decreasing in energy, so a bisection finds it;
        parking during the charge counts, overstay (which the driver controls) does not.
        By default the calendar and the power are those of ``connector`` / ``station``
        (else the tariff's first station).
        """
        self.ensure_one()
        amount = pricing.round_money(amount)
        if amount <= 0:
            return 0
        start = start or fields.Datetime.now()
        station = (
            station or (connector and connector.station_id) or self.station_ids[:1]
        )
        if calendar is None:
            if station:
                calendar = self._ev_calendar(station)
            else:
                snapshot = self._ev_rates_snapshot()
                calendar = pricing.TouCalendar(
                    holidays=self.env["ev.tou.holiday"]._ev_off_peak_dates(
                        self.company_id.id
                    ),
                    on_peak_start=_parse_hhmm(snapshot["on_peak_start"]),
                    on_peak_end=_parse_hhmm(snapshot["on_peak_end"]),
                )
        if not max_power_kw:
            if connector:
                max_power_kw = (
                    connector.max_power_kw or connector.charger_id.max_power_kw
                )
                if recent_power_kw is None:
                    recent_power_kw = self._ev_recent_power_kw(connector)
            else:
                max_power_kw = max(
                    station.charger_ids.connector_ids.mapped("max_power_kw") or [0.0]
                )
            max_power_kw = max_power_kw or 22.0
        rates = self._ev_rates()

        def price_of(energy_wh):
            return pricing.quote(
                rates,
                tier,
                Decimal(energy_wh) / 1000,
                start,
                calendar,
                max_power_kw,
                recent_power_kw=recent_power_kw,
            ).amount_total

        low, high = 0, 1
        while high < MAX_ENERGY_WH and price_of(high) <= amount:
            low, high = high, min(high * 2, MAX_ENERGY_WH)
        if high >= MAX_ENERGY_WH and price_of(MAX_ENERGY_WH) <= amount:
            return MAX_ENERGY_WH
        while high - low > 1:  # price_of(low) <= amount < price_of(high)
            middle = (low + high) // 2
            if price_of(middle) <= amount:
                low = middle
            else:
                high = middle
        return low

    # ------------------------------------------------------------------ sessions
    @api.model
    def _ev_session_freeze_values(self, session):
        """Values that freeze the station's tariff on ``session`` when it starts."""
        tariff = session.station_id.tariff_id
        values = {"ev_tier": session.partner_id.ev_tier or "member"}
        if tariff:
            try:
                values.update(
                    tariff_id=tariff.id, tariff_snapshot=tariff._ev_rates_snapshot()
                )
            except UserError as error:
                # never refuse a StartTransaction: the session goes to review when it is
                # priced
                _logger.warning(
                    "Session %s: tariff not frozen: %s", session.display_name, error
                )
        return values

    @api.model
    def _ev_session_facts(self, session, tier):
        """The pricing core's :class:`pricing.SessionFacts` of a closed session."""
        charge_end = session.charging_end_time or session.stop_time
        if session.stop_time and charge_end > session.stop_time:
            charge_end = session.stop_time
        unplug = max(session.unplug_time or session.stop_time, charge_end)
        plug_in = min(session.plug_in_time or session.start_time, session.start_time)
        samples = []
        for sample in session.meter_samples or ():
            try:
                samples.append((_parse_timestamp(sample[0]), int(sample[1])))
            except (TypeError, ValueError, IndexError):
                _logger.warning(
                    "Session %s: unreadable meter sample %r ignored",
                    session.display_name,
                    sample,
                )
        occupancy = (
            session.station_id._ev_occupancy_timeline(charge_end, unplug)
            if unplug > charge_end
            else ()
        )
        return pricing.SessionFacts(
            tier=tier,
            start_time=session.start_time,
            stop_time=charge_end,
            meter_start=session.meter_start,
            meter_stop=session.meter_stop,
            plug_in_time=plug_in,
            unplug_time=unplug,
            samples=tuple(samples),
            occupancy=tuple(occupancy),
            energy_cap_wh=round(session.requested_kwh * 1000)
            if session.requested_kwh
            else None,
        )

    @api.model
    def _ev_month_to_date_kwh(self, session):
        """Energy the station drew this month before ``session`` (for progressive
        electricity blocks)."""
        month_start = session.start_time.replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        )
        rows = (
            self.env["ev.session"]
            .sudo()
            ._read_group(
                [
                    ("station_id", "=", session.station_id.id),
                    ("state", "=", "done"),
                    ("id", "!=", session.id),
                    ("start_time", ">=", month_start),
                    ("start_time", "<", session.start_time),
                ],
                aggregates=["energy_kwh:sum"],
            )
        )
        return rows[0][0] or 0.0

    @api.model
    def _ev_session_price_values(self, session):
        """Price a closed session with its frozen tariff: the values to write on it.

        Raises ``ValueError`` for facts the core refuses (such a session belongs in
        review).
        """
        snapshot = session.tariff_snapshot
        if not snapshot:
            freeze = self._ev_session_freeze_values(session)
            snapshot = freeze.get("tariff_snapshot")
            if not snapshot:
                raise ValueError(
                    f"no tariff: station {session.station_id.display_name} has none"
                )
        tier = session.ev_tier or session.partner_id.ev_tier or "member"
        rates = self._ev_rates_from_snapshot(snapshot)
        calendar = self._ev_calendar(session.station_id, snapshot)
        price = pricing.price_session(
            rates, self._ev_session_facts(session, tier), calendar
        )
        values = {
            "ev_tier": tier,
            "energy_on_peak_kwh": price.energy_wh_on_peak / 1000.0,
            "energy_off_peak_kwh": price.energy_wh_off_peak / 1000.0,
            "billed_kwh": price.billed_wh / 1000.0,
            "amount_energy_on_peak": float(price.amount_energy_on_peak),
            "amount_energy_off_peak": float(price.amount_energy_off_peak),
            "amount_energy": float(price.amount_energy),
            "parking_minutes": price.parking_units
            * (60 if price.parking_unit == "hour" else 1),
            "amount_parking": float(price.amount_parking),
            "overstay_minutes": price.overstay_minutes,
            "overstay_minutes_multiplied": price.overstay_minutes_multiplied,
            "amount_overstay": float(price.amount_overstay),
            "amount_total": float(price.amount_total),
            "amount_untaxed": float(price.amount_untaxed),
            "amount_vat": float(price.amount_vat),
            "energy_cost": 0.0,
            "margin": float(price.amount_untaxed),
        }
        if not session.tariff_snapshot:
            values.update(tariff_id=snapshot["tariff_id"], tariff_snapshot=snapshot)
        utility = session.station_id.utility_rate_id
        if utility:
            cost = utility._ev_energy_cost(
                price.energy_by_period, self._ev_month_to_date_kwh(session)
            )
            values["energy_cost"] = float(cost.amount_untaxed)
            values["margin"] = float(pricing.margin(price, cost))
        return values
