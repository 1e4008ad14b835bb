import json
import logging
import secrets
from datetime import timedelta
from itertools import pairwise

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# How far a meter may run ahead of the charger's rated power before the session is held
# for review: meters sample late and round, so allow 10 % plus one kWh.
PLAUSIBLE_POWER_MARGIN = 1.10
PLAUSIBLE_ENERGY_SLACK_WH = 1000
WALLET_FIGURES = [
    "ev_wallet_balance",
    "ev_wallet_held",
    "ev_wallet_spendable",
    "ev_wallet_due",
]

# What a session is billed from: written only by the product's own methods, in superuser
# mode after their own checks (see EvSession._ev_check_money_vals). Readonly in a view
# stops nobody calling ``write`` over RPC; this does.
MONEY_FIELDS = frozenset(
    {
        # who pays, where, under which tariff
        "partner_id",
        "charger_id",
        "connector_id",
        "station_id",
        "company_id",
        "id_tag",
        "id_tag_id",
        "remote_request_id",
        "transaction_id",
        "ocpp_id_tag_status",
        "ocpp_time_substituted",
        "tariff_id",
        "tariff_snapshot",
        "ev_tier",
        # what the meter said and when: the price is computed from it
        "plug_in_time",
        "start_time",
        "charging_end_time",
        "stop_time",
        "unplug_time",
        "meter_start",
        "meter_stop",
        "meter_last",
        "meter_samples",
        "requested_kwh",
        "max_energy_wh",
        "wallet_hold_amount",
        # the price and the bill
        "state",
        "billed_kwh",
        "energy_on_peak_kwh",
        "energy_off_peak_kwh",
        "amount_energy",
        "amount_parking",
        "amount_overstay",
        "amount_total",
        "amount_untaxed",
        "amount_vat",
        "amount_energy_on_peak",
        "amount_energy_off_peak",
        "parking_minutes",
        "overstay_minutes",
        "overstay_minutes_multiplied",
        "energy_cost",
        "margin",
        "invoice_id",
        "billing_state",
        "abbreviated_invoice_number",
        "full_tax_invoice_number",
        "full_tax_invoice_id",
        "tax_invoice_credit_note_id",
    }
)


class RemoteStartFailed(UserError):
    """The charger could not be reached or refused a remote start; ``session`` is the
    cancelled session that records why."""

    def __init__(self, message, session):
        super().__init__(message)
        self.session = session


class EvSession(models.Model):
    """One charging session, i.e. one OCPP transaction, from plug-in to unplug.

    Lifecycle: ``pending`` (started from Odoo, waiting for the charger) → ``charging``
    (StartTransaction) → ``finishing`` (StopTransaction, car still plugged) → ``done``
    (unplugged, priced and billed). Impossible meter data sends it to ``review`` for a
    Manager instead.
    """

    _name = "ev.session"
    _description = "Charging Session"
    _inherit = ["mail.thread"]
    _order = "start_time desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    transaction_id = fields.Integer(
        string="OCPP Transaction", readonly=True, index=True, copy=False
    )
    charger_id = fields.Many2one(
        "ev.charger", required=True, readonly=True, index=True, check_company=True
    )
    connector_id = fields.Many2one(
        "ev.connector", readonly=True, index=True, check_company=True
    )
    station_id = fields.Many2one(
        "ev.station", required=True, readonly=True, index=True, check_company=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Driver", readonly=True, index=True
    )
    id_tag = fields.Char(string="idTag", readonly=True)
    id_tag_id = fields.Many2one("ev.id.tag", string="RFID Card", readonly=True)
    remote_request_id = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set when the session was started from Odoo (portal or backend).",
    )

    plug_in_time = fields.Datetime(
        readonly=True, help="Car plugged in (connector left Available)."
    )
    start_time = fields.Datetime(readonly=True, index=True, help="StartTransaction.")
    charging_end_time = fields.Datetime(
        readonly=True, help="Energy stopped flowing (car full or transaction stopped)."
    )
    stop_time = fields.Datetime(readonly=True, help="StopTransaction.")
    unplug_time = fields.Datetime(
        readonly=True, help="Connector back to Available: overstay ends here."
    )
    stop_reason = fields.Char(readonly=True)

    meter_start = fields.Integer(string="Meter Start (Wh)", readonly=True)
    meter_stop = fields.Integer(string="Meter Stop (Wh)", readonly=True)
    meter_last = fields.Integer(string="Last Meter (Wh)", readonly=True)
    meter_samples = fields.Json(
        readonly=True,
        prefetch=False,  # large, read when pricing (see _ev_append_samples)
        help="[[timestamp, energy Wh, power W], ...] in time order.",
    )
    power_w = fields.Float(
        string="Power (W)", readonly=True, help="Last reported power."
    )
    soc = fields.Integer(string="State of Charge (%)", readonly=True)
    energy_kwh = fields.Float(
        string="Energy (kWh)",
        compute="_compute_energy_kwh",
        store=True,
        digits=(12, 3),
        aggregator="sum",
    )
    requested_kwh = fields.Float(
        string="Bought (kWh)",
        digits=(12, 3),
        readonly=True,
        help="Buy-kWh sessions stop at this energy and never bill more.",
    )
    max_energy_wh = fields.Integer(
        readonly=True, help="Energy at which the bridge stops the charger."
    )

    amount_energy = fields.Monetary(readonly=True, aggregator="sum")
    amount_parking = fields.Monetary(readonly=True, aggregator="sum")
    amount_overstay = fields.Monetary(readonly=True, aggregator="sum")
    amount_total = fields.Monetary(
        string="Total (VAT incl.)", readonly=True, aggregator="sum"
    )

    # Tariff frozen at start and price breakdown, written by the tariff hooks
    tariff_id = fields.Many2one("ev.tariff", readonly=True, check_company=True)
    tariff_snapshot = fields.Json(
        readonly=True,
        copy=False,
        help="The tariff's rates as they were when the session started: "
        "the session is priced with them.",
    )
    ev_tier = fields.Selection(
        [("member", "Member"), ("vip", "VIP")], string="Tier", readonly=True
    )
    energy_on_peak_kwh = fields.Float(
        string="On-Peak (kWh)", digits=(12, 3), readonly=True
    )
    energy_off_peak_kwh = fields.Float(
        string="Off-Peak (kWh)", digits=(12, 3), readonly=True
    )
    billed_kwh = fields.Float(
        string="Billed (kWh)",
        digits=(12, 3),
        readonly=True,
        help="Metered energy, never more than the bought kWh.",
    )
    amount_energy_on_peak = fields.Monetary(string="Energy On-Peak", readonly=True)
    amount_energy_off_peak = fields.Monetary(string="Energy Off-Peak", readonly=True)
    parking_minutes = fields.Integer(string="Parking Charged (min)", readonly=True)
    overstay_minutes = fields.Integer(string="Overstay Charged (min)", readonly=True)
    overstay_minutes_multiplied = fields.Integer(
        string="At Full Occupancy (min)", readonly=True
    )
    amount_untaxed = fields.Monetary(
        string="Total without VAT", readonly=True, aggregator="sum"
    )
    amount_vat = fields.Monetary(string="VAT", readonly=True, aggregator="sum")
    energy_cost = fields.Monetary(
        readonly=True,
        aggregator="sum",
        help="What the station paid its utility for this energy, VAT excluded.",
    )
    margin = fields.Monetary(
        readonly=True,
        aggregator="sum",
        help="Revenue without VAT minus the energy cost without VAT.",
    )

    state = fields.Selection(
        [
            ("pending", "Starting"),
            ("charging", "Charging"),
            ("finishing", "Waiting for Unplug"),
            ("done", "Done"),
            ("review", "To Review"),
            ("cancelled", "Cancelled"),
        ],
        default="charging",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    review_reason = fields.Char(readonly=True, tracking=True)
    ocpp_id_tag_status = fields.Char(
        string="Card Status at Start",
        readonly=True,
        help="The idTag status the charger was given at StartTransaction.",
    )
    ocpp_time_substituted = fields.Boolean(
        string="Charger Time Replaced",
        readonly=True,
        help="The charger sent a start, stop or meter time the bridge could not "
        "read; the bridge's receive time was used instead.",
    )

    wallet_hold_amount = fields.Monetary(
        string="On Hold",
        readonly=True,
        copy=False,
        help="Reserved on the driver's wallet while the session runs: what it may "
        "spend. Released, or turned into the charge, when it is billed, cancelled or "
        "abandoned.",
    )

    invoice_id = fields.Many2one(
        "account.move", readonly=True, copy=False, check_company=True
    )
    abbreviated_invoice_number = fields.Char(
        string="Abbreviated Tax Invoice", readonly=True, copy=False, index=True
    )
    full_tax_invoice_number = fields.Char(
        string="Full Tax Invoice", readonly=True, copy=False, index=True
    )

    _sql_constraints = [
        # Transaction ids repeat when a bridge loses its store: the start time tells
        # sessions apart.
        (
            "transaction_uniq",
            "unique(charger_id, transaction_id, start_time)",
            "A charger cannot start two sessions with the same OCPP transaction id "
            "at the same time.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._ev_check_money_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._ev_check_money_vals(vals)
        res = super().write(vals)
        if "wallet_hold_amount" in vals:
            self.env["res.partner"].invalidate_model(WALLET_FIGURES)
        if vals.get("state") in ("cancelled", "review"):
            # a cancelled session is never billed, one held for review waits for a
            # Manager (approving it prices it and holds its total again): neither
            # keeps the driver's money blocked
            self._ev_hold_release()
        elif vals.get("state") == "done":
            # priced: the hold becomes what billing will charge
            self._ev_hold_settle()
        return res

    @api.model
    def _ev_check_money_vals(self, vals):
        """The single guard of session money: fields that decide what a driver pays
        change only in superuser mode, i.e. inside the product's methods (OCPP events,
        remote start, pricing, billing, cancel…) after their own access checks, never
        through ``write``/``create`` from a user (UI, JSON-RPC, import), whatever their
        EV level."""
        if self.env.su:
            return
        protected = MONEY_FIELDS.intersection(vals)
        if protected:
            raise AccessError(
                _(
                    "%(fields)s of a charging session change only through the "
                    "charger's events, pricing and billing.",
                    fields=", ".join(sorted(protected)),
                )
            )

    @api.depends("station_id")
    def _compute_name(self):
        # Given once at creation and never changed (not by the OCPP transaction id
        # arriving, nor by renaming the station): the name the driver follows on the
        # live page is the one on the receipt.
        for session in self:
            session.name = f"{session.station_id.code or 'EV'}/{session.id or 0}"

    @api.depends("meter_start", "meter_stop", "meter_last", "stop_time")
    def _compute_energy_kwh(self):
        for session in self:
            end = session.meter_stop if session.stop_time else session.meter_last
            session.energy_kwh = (
                max((end or session.meter_start) - session.meter_start, 0) / 1000.0
            )

    # ------------------------------------------------------------------
    # OCPP lifecycle, called by ev.ocpp.event
    # ------------------------------------------------------------------

    @api.model
    def _ocpp_start(
        self,
        charger,
        connector,
        id_tag,
        meter_start,
        timestamp,
        transaction_id,
        remote_request_id=None,
    ):
        """Open the session of a StartTransaction; a second StartTransaction for it
        returns the same one.
        """
        session = self.search(
            [
                ("charger_id", "=", charger.id),
                ("transaction_id", "=", transaction_id),
                ("start_time", "=", timestamp),
            ],
            limit=1,
        )
        if session:
            return session
        if remote_request_id:
            session = self.search(
                [
                    ("remote_request_id", "=", remote_request_id),
                    ("state", "=", "pending"),
                ],
                limit=1,
            )
        card = (
            self.env["ev.id.tag"]
            .with_context(active_test=False)
            .search([("tag", "=", self.env["ev.id.tag"]._normalize(id_tag))], limit=1)
            if id_tag
            else self.env["ev.id.tag"]
        )
        vals = {
            "transaction_id": transaction_id,
            "charger_id": charger.id,
            "connector_id": connector.id,
            "station_id": charger.station_id.id,
            "company_id": charger.company_id.id,
            "id_tag": id_tag,
            "id_tag_id": card.id,
            "start_time": timestamp,
            "plug_in_time": min(connector.plugged_since or timestamp, timestamp),
            "meter_start": meter_start,
            "meter_last": meter_start,
            "meter_samples": [[fields.Datetime.to_string(timestamp), meter_start, 0.0]],
            "state": "charging",
        }
        if session:
            session.write(vals)
        else:
            vals["partner_id"] = card.partner_id.id
            session = self.create(vals)
        if transaction_id < 0:
            session._ev_hold_for_review(
                _("The charger reported transaction id %s.", transaction_id)
            )
            return session
        session._ev_freeze_tariff()  # tariff hook
        if not session.wallet_hold_amount:
            # a card's start (a remote start arrives with its hold already taken)
            session._ev_hold_take()
        session.max_energy_wh = session._ev_max_energy_wh()
        return session

    def _ocpp_meter_values(self, samples):
        """Append aggregated samples; returns True when the driver can pay for no more
        energy.
        """
        self.ensure_one()
        if not samples:
            return False
        rows = sorted(
            (
                [sample["timestamp"], sample["energy_wh"], sample.get("power_w") or 0.0]
                for sample in samples
                if sample.get("energy_wh") is not None
            ),
            key=lambda row: row[0],
        )
        last = samples[-1]
        vals = {}
        if rows and self._ev_append_samples(rows):
            vals["meter_last"] = int(rows[-1][1])
        elif rows:  # older than the timeline's end: merged in time order
            timeline = sorted(
                list(self.meter_samples or []) + rows, key=lambda row: row[0]
            )
            vals.update(meter_samples=timeline, meter_last=int(timeline[-1][1]))
        if last.get("power_w") is not None:
            vals["power_w"] = last["power_w"]
        if last.get("soc") is not None:
            vals["soc"] = int(last["soc"])
        # none of these is tracked: skip the chatter's tracking preparation, which
        # reads every tracked field on each of the many meter writes
        self.with_context(tracking_disable=True).write(vals)
        return (
            bool(self.max_energy_wh)
            and self.state == "charging"
            and self.meter_last - self.meter_start >= self.max_energy_wh
        )

    def _ev_append_samples(self, rows):
        """Append ``rows`` (in time order) to the session's timeline in the database
        when none is older than its last sample; returns whether it did.

        A session's timeline grows by a few samples every 30 s to hundreds: rewriting
        it through the ORM (read with a deep copy, JSON round trip, write) cost more
        than everything else a meter value does. PostgreSQL appends to the jsonb
        array instead, and the timeline is not even read (``prefetch=False``)."""
        self.flush_recordset(["meter_samples"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE ev_session
                   SET meter_samples = COALESCE(meter_samples, '[]'::jsonb) || %s::jsonb
                 WHERE id = %s
                   AND (meter_samples IS NULL
                        OR jsonb_array_length(meter_samples) = 0
                        OR meter_samples -> -1 ->> 0 <= %s)
                """,
                json.dumps(rows),
                self.id,
                rows[0][0],
            )
        )
        appended = bool(self.env.cr.rowcount)
        if appended:
            self.invalidate_recordset(["meter_samples"])
        return appended

    def _ocpp_stop(self, meter_stop, timestamp, reason=None, samples=None):
        self.ensure_one()
        if self.stop_time:
            return self
        if samples:
            self._ocpp_meter_values(samples)
        self.write(
            {
                "meter_stop": meter_stop,
                "meter_last": meter_stop,
                "stop_time": timestamp,
                "charging_end_time": min(
                    self.charging_end_time or timestamp, timestamp
                ),
                "stop_reason": reason or False,
                "state": "finishing"
                if self.state in ("pending", "charging")
                else self.state,
            }
        )
        reason = self._ev_implausible_reason()
        if reason:
            self._ev_hold_for_review(reason)
        elif (
            self.connector_id.status in ("Available", "Unavailable", "Faulted")
            and self.connector_id.status_changed_at
            and self.connector_id.status_changed_at >= timestamp
        ):
            self._ocpp_unplugged(self.connector_id.status_changed_at)
        return self

    def _ocpp_connector_status(self, status, timestamp):
        """A StatusNotification on this session's connector moves the overstay clock."""
        for session in self:
            if status == "Charging" and session.state == "charging":
                session.charging_end_time = False
            elif (
                status in ("SuspendedEV", "Finishing") and not session.charging_end_time
            ):
                session.charging_end_time = timestamp
            elif (
                status in ("Available", "Unavailable", "Faulted")
                and session.state == "finishing"
            ):
                session._ocpp_unplugged(timestamp)

    def _ocpp_unplugged(self, timestamp):
        self.ensure_one()
        self.unplug_time = max(timestamp, self.stop_time)
        self._ev_close()

    # ------------------------------------------------------------------
    # Closing: plausibility, price, bill
    # ------------------------------------------------------------------

    def _ev_implausible_reason(self):
        """Why this session's meter data cannot be billed as is, or False."""
        self.ensure_one()
        if self.transaction_id < 0:
            return _(
                "Transaction id %s is a leftover of a charger that lost its "
                "transaction.",
                self.transaction_id,
            )
        energy = self.meter_stop - self.meter_start
        if energy < 0:
            return _(
                "The meter went backwards (%(start)s → %(stop)s Wh): "
                "meter reset or replaced.",
                start=self.meter_start,
                stop=self.meter_stop,
            )
        hours = max((self.stop_time - self.start_time).total_seconds(), 0) / 3600.0
        power_kw = max(
            self.connector_id.max_power_kw or 0.0, self.charger_id.max_power_kw or 0.0
        )
        if (
            power_kw
            and energy
            > power_kw * 1000 * hours * PLAUSIBLE_POWER_MARGIN
            + PLAUSIBLE_ENERGY_SLACK_WH
        ):
            return _(
                "%(energy).3f kWh in %(minutes)d minutes is more than a %(power)s kW "
                "charger can deliver.",
                energy=energy / 1000.0,
                minutes=round(hours * 60),
                power=power_kw,
            )
        samples = [s[1] for s in (self.meter_samples or [])]
        if any(later < earlier for earlier, later in pairwise(samples)):
            return _("The meter values went backwards during the session.")
        if self.ocpp_time_substituted:
            return _(
                "The charger sent a time the bridge could not read; the bridge's "
                "receive time stands in for it. Check the times before billing."
            )
        if energy > 0 and (
            not self.partner_id
            or self.ocpp_id_tag_status not in (False, "Accepted", "ConcurrentTx")
        ):
            return _(
                "%(energy).3f kWh were delivered on card %(tag)s, which Odoo refused "
                "(%(status)s): check who pays before billing.",
                energy=energy / 1000.0,
                tag=self.id_tag or "-",
                status=self.ocpp_id_tag_status or _("unknown card"),
            )
        return False

    def _ev_hold_for_review(self, reason):
        self.write({"state": "review", "review_reason": reason})
        self.message_post(body=_("Held for review: %s", reason))

    def _ev_close(self):
        """Unplugged: price the session and queue it for billing (the billing cron
        bills it within seconds, outside this request). Runs once per session."""
        closed = self.browse()
        for session in self.filtered(lambda s: s.state == "finishing"):
            session.write(
                {"state": "done", **session._ev_price()}
            )  # tariff hook (may send to review)
            if session.state == "done":
                closed |= session
        closed._ev_enqueue_billing()

    def _ev_freeze_tariff(self):
        """Tariff hook: freeze the station's tariff on the session at start."""
        for session in self:
            session.write(self.env["ev.tariff"]._ev_session_freeze_values(session))
        return True

    def _ev_price(self):
        """Tariff hook: the values (amounts, energy per period, …) to write when the
        session closes.

        Facts the pricing core refuses, or a station without tariff, send the session to
        review.
        """
        self.ensure_one()
        try:
            return self.env["ev.tariff"]._ev_session_price_values(self)
        except ValueError as error:
            self._ev_hold_for_review(_("Cannot price this session: %s", error))
            return {"state": "review"}

    def _ev_max_energy_wh(self):
        """How much energy the session may draw: the bought kWh, capped by what its
        wallet hold pays for (before the hold is taken: by what the wallet could pay).

        0 means no limit (a session without a driver, e.g. a card Odoo never saw start).
        """
        self.ensure_one()
        limits = [int(round(self.requested_kwh * 1000))] if self.requested_kwh else []
        if self.partner_id and self.tariff_id:
            amount = (
                self.wallet_hold_amount
                if self.wallet_hold_amount
                else self.partner_id._ev_wallet_spendable_amount(self.company_id)
            )
            affordable = self.tariff_id._energy_wh_for_amount(
                self.ev_tier or self.partner_id.ev_tier,
                amount,
                station=self.station_id,
                connector=self.connector_id,
            )
            limits.append(
                max(affordable, 1)
            )  # nothing affordable: stop at once, not "no limit"
        return min(limits) if limits else 0

    # ------------------------------------------------------------------
    # Wallet holds
    # ------------------------------------------------------------------

    def _ev_hold_take(self):
        """Reserve on the driver's wallet what this starting session may spend: the
        price of the bought kWh, or everything spendable up to the company's most
        held per session, never more than spendable.

        Taken under the wallet's row lock, so concurrent starts (StartTransaction,
        remote start) each see the holds of the others: together they never reserve
        more than balance − minimum balance + allowed overdraft. The session's energy
        cap is then what its hold pays for. Returns the amount held.
        """
        self.ensure_one()
        session = self.sudo()
        if not session.partner_id or not session.tariff_id:
            return 0.0
        wallet = session.partner_id.commercial_partner_id
        company = session.company_id
        self.env["ev.wallet.transaction"]._ev_lock_wallets([wallet.id], company)
        wallet.invalidate_recordset(WALLET_FIGURES)
        spendable = wallet._ev_wallet_spendable_amount(company)
        amount = spendable
        if company.ev_session_hold_max > 0:  # one card, several cars (a fleet)
            amount = min(amount, company.ev_session_hold_max)
        if session.requested_kwh and session.station_id.tariff_id:
            try:
                price = self.env["ev.tariff"]._ev_quote(
                    session.requested_kwh,
                    tier=session.ev_tier or session.partner_id.ev_tier or "member",
                    station=session.station_id,
                    connector=session.connector_id,
                )["amount_total"]
            except UserError:
                price = spendable
            amount = min(price, spendable)
        amount = company.currency_id.round(max(amount, 0.0))
        session.write({"wallet_hold_amount": amount})
        return amount

    def _ev_hold_settle(self):
        """The session is priced: a hold larger than its total shrinks to the total
        (nothing to charge: released) until billing turns it into the charge.

        Only ever lowered, and so without the wallet's lock: a concurrent start that
        still reads the larger hold reserves less, never more. (Taking the lock here,
        inside the charger's event request, made the sessions of one fleet wallet
        closing together fail on each other.) A total above the hold — fees that
        accrued after the charger stopped — is charged by billing, moments later,
        under the lock."""
        for session in self.sudo().filtered("wallet_hold_amount"):
            total = session.company_id.currency_id.round(session.amount_total or 0.0)
            if total <= 0 or session.invoice_id:
                session._ev_hold_release()
            elif total < session.wallet_hold_amount:
                session.write({"wallet_hold_amount": total})

    def _ev_hold_release(self):
        """Release the sessions' open holds (billed: the charge line replaces it;
        cancelled, abandoned, refused by the charger: given back). Idempotent."""
        held = self.sudo().filtered("wallet_hold_amount")
        if held:
            held.write({"wallet_hold_amount": 0.0})
        return True

    def _ev_bill(self):
        """Wallet hook: invoice the closed sessions and settle them from the drivers'
        wallets, now and together (the billing cron calls it through
        ``_ev_bill_in_batch``).
        """
        return self.env["ev.wallet.transaction"]._ev_bill_sessions(self)

    def _ev_on_billed(self):
        """Called once with every session just billed (invoice posted and settled
        from the wallet), after the billing transaction's work is done: receipts,
        notifications and live pages hook here. Never raise from an override."""
        return True

    @api.model
    def _ev_remote_start(self, connector, partner, requested_kwh=0.0):
        """Start a charge from Odoo (backend wizard or the connector's QR page): the one
        code path.

        Opens a ``pending`` session for ``partner`` with a one-time request id that the
        charger presents as its idTag, freezes the tariff, and sends
        RemoteStartTransaction through the bridge (which stops the charger once the
        bought ``requested_kwh`` are delivered; 0 = no limit). Callers decide who may
        start; this checks the driver's wallet. When the charger cannot be reached or
        refuses, the session is cancelled with the reason in its chatter and
        ``RemoteStartFailed`` (a ``UserError`` carrying the session) is raised: a
        caller that shows the error must catch it rather than let it roll the
        transaction back, for that record to stay.
        """
        connector.ensure_one()
        partner.ensure_one()
        requested_kwh = requested_kwh or 0.0
        if requested_kwh < 0:
            raise UserError(_("The energy to buy cannot be negative."))
        charger = connector.charger_id
        ok, reason, _max_energy = partner._ev_start_check(charger)
        if not ok:
            raise UserError(
                _(
                    "%(driver)s cannot start: %(reason)s",
                    driver=partner.display_name,
                    reason=reason,
                )
            )
        request_id = (
            "EV" + secrets.token_hex(9).upper()
        )  # an OCPP idTag has at most 20 characters
        session = self.sudo().create(
            {
                "state": "pending",
                "remote_request_id": request_id,
                "charger_id": charger.id,
                "connector_id": connector.id,
                "station_id": charger.station_id.id,
                "company_id": charger.company_id.id,
                "partner_id": partner.id,
                "requested_kwh": requested_kwh,
            }
        )
        session._ev_freeze_tariff()
        if session.tariff_id and not session._ev_hold_take():
            # concurrent starts took what the wallet could spend since the check above
            session.state = "cancelled"
            raise UserError(
                _(
                    "%s cannot start: the wallet's money is on hold for running "
                    "sessions.",
                    partner.display_name,
                )
            )
        session.max_energy_wh = session._ev_max_energy_wh()
        try:
            answer = session.charger_id._bridge_command(
                "remote_start_transaction",
                {
                    "connector_id": connector.connector_number,
                    "id_tag": request_id,
                    "remote_request_id": request_id,
                    "max_energy_wh": session.max_energy_wh or None,
                },
            )
        except UserError as error:
            session.state = "cancelled"
            session.message_post(body=_("Not started: %s", error.args[0]))
            raise RemoteStartFailed(error.args[0], session) from error
        if answer.get("status") != "Accepted":
            session.state = "cancelled"
            session.message_post(
                body=_("Not started: the charger answered %s.", answer.get("status"))
            )
            raise RemoteStartFailed(
                _("The charger refused to start: %s", answer.get("status")), session
            )
        session.message_post(
            body=_(
                "Started from Odoo by %(user)s for %(kwh)s kWh.",
                user=self.env.user.name,
                kwh=requested_kwh or "∞",
            )
        )
        return session

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_remote_stop(self):
        for session in self:
            if session.state not in ("pending", "charging"):
                raise UserError(_("Session %s is not charging.", session.display_name))
            session.charger_id._bridge_command(
                "remote_stop_transaction", {"transaction_id": session.transaction_id}
            )
            session.message_post(body=_("Remote stop sent by %s.", self.env.user.name))
        return True

    def action_approve_review(self):
        """A Manager bills a reviewed session as its meter says (after checking it)."""
        self._check_manager()
        for session in self.sudo().filtered(lambda s: s.state == "review"):
            if session.meter_stop < session.meter_start or session.transaction_id < 0:
                raise UserError(
                    _(
                        "%s has impossible meter data: cancel it instead.",
                        session.display_name,
                    )
                )
            session.write(
                {
                    "state": "finishing",
                    "unplug_time": session.unplug_time or session.stop_time,
                }
            )
            session.message_post(body=_("Review approved by %s.", self.env.user.name))
            session._ev_close()
        return True

    def action_cancel(self):
        self._check_manager()
        for session in self:
            if session.state == "done":
                raise UserError(
                    _(
                        "%s is billed: refund it instead of cancelling.",
                        session.display_name,
                    )
                )
        # sudo: the money fields are written by our methods only (see MONEY_FIELDS)
        self.sudo().write({"state": "cancelled"})
        return True

    def _check_manager(self):
        self.env["res.users"]._ev_check_level(
            "ev_billing.group_ev_manager", _("review or cancel charging sessions")
        )

    @api.model
    def _cron_close_abandoned(self, hours=12, pending_minutes=15):
        """Close sessions whose charger never reported the unplug (lost
        StatusNotification), and cancel remote starts the charger accepted but no car
        ever started.
        """
        now = fields.Datetime.now()
        # cancelling gives the abandoned remote starts' holds back (see write())
        self.sudo().search(
            [
                ("state", "=", "pending"),
                ("create_date", "<", now - timedelta(minutes=pending_minutes)),
            ]
        ).write({"state": "cancelled"})
        limit = now - timedelta(hours=hours)
        for session in self.sudo().search(
            [("state", "=", "finishing"), ("stop_time", "<", limit)]
        ):
            session.unplug_time = session.stop_time
            session.message_post(
                body=_(
                    "No unplug reported within %s hours: closed at the stop time.",
                    hours,
                )
            )
            session._ev_close()

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            _("Charging sessions are never deleted: cancel a session instead.")
        )
