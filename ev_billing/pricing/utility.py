"""The station's own electricity cost and the margin of a session.

Utility prices are VAT-exclusive (as on MEA/PEA bills): energy charge (TOU or
progressive blocks) + Ft per kWh, then VAT, plus a monthly service charge.
"""

from dataclasses import dataclass
from decimal import Decimal

from .money import ZERO, round_money, to_decimal
from .tou import OFF_PEAK, ON_PEAK

_THOUSAND = Decimal(1000)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class UtilityRates:
    """Electricity supply tariff.

    ``kind='tou'``: ``on_peak_per_kwh`` / ``off_peak_per_kwh`` (the utility's TOU
    periods are the same as :class:`TouCalendar`'s: 09:00–22:00 Mon–Fri, holidays
    off-peak).
    ``kind='progressive'``: ``blocks`` = ``((up_to_kwh, price), ..., (None, price))``
    with cumulative monthly upper bounds, cheapest first.
    """

    kind: str
    on_peak_per_kwh: Decimal = ZERO
    off_peak_per_kwh: Decimal = ZERO
    blocks: tuple = ()
    ft_per_kwh: Decimal = ZERO
    vat_percent: Decimal = Decimal(7)
    service_charge_per_month: Decimal = ZERO
    name: str = ""

    def __post_init__(self):
        if self.kind not in ("tou", "progressive"):
            raise ValueError("kind must be 'tou' or 'progressive'")
        for name in (
            "on_peak_per_kwh",
            "off_peak_per_kwh",
            "ft_per_kwh",
            "vat_percent",
            "service_charge_per_month",
        ):
            object.__setattr__(self, name, to_decimal(getattr(self, name)))
        blocks = tuple(
            (None if up is None else to_decimal(up), to_decimal(price))
            for up, price in self.blocks
        )
        if self.kind == "progressive":
            if not blocks or blocks[-1][0] is not None:
                raise ValueError("the last progressive block must be open-ended (None)")
            bounds = [up for up, _p in blocks[:-1]]
            if any(up is None for up in bounds) or bounds != sorted(bounds):
                raise ValueError("block bounds must increase")
        object.__setattr__(self, "blocks", blocks)

    @classmethod
    def tou_seed(cls):
        """The seed's TOU figures (MEA rate 1.2.2 TOU, below 22 kV): 5.7982 / 2.6369
        THB/kWh, Ft 0.9343 THB/kWh, VAT 7 %, service charge 38.22 THB a month."""
        return cls(
            kind="tou",
            on_peak_per_kwh=Decimal("5.7982"),
            off_peak_per_kwh=Decimal("2.6369"),
            ft_per_kwh=Decimal("0.9343"),
            vat_percent=Decimal(7),
            service_charge_per_month=Decimal("38.22"),
            name="MEA 1.2.2 TOU (seed)",
        )

    @classmethod
    def progressive_mea_1_1_2(cls, ft_per_kwh=Decimal("0.9343")):
        """MEA residential rate 1.1.2 (over 150 kWh a month): 3.2484 THB for the first
        150 kWh, 4.2218 up to 400 kWh, 4.4217 above; service charge 24.62 THB.  Check
        the figures against the utility's current tariff sheet before relying
        on them."""
        return cls(
            kind="progressive",
            blocks=(
                (Decimal(150), Decimal("3.2484")),
                (Decimal(400), Decimal("4.2218")),
                (None, Decimal("4.4217")),
            ),
            ft_per_kwh=ft_per_kwh,
            vat_percent=Decimal(7),
            service_charge_per_month=Decimal("24.62"),
            name="MEA 1.1.2 progressive",
        )

    def block_charge(self, kwh, month_to_date_kwh=ZERO):
        """Exact energy charge of ``kwh`` drawn after ``month_to_date_kwh`` (month)."""
        lo = to_decimal(month_to_date_kwh)
        hi = lo + kwh
        charge = ZERO
        floor = ZERO
        for up, price in self.blocks:
            top = hi if up is None else min(hi, up)
            bottom = max(lo, floor)
            if top > bottom:
                charge += (top - bottom) * price
            if up is None or hi <= up:
                break
            floor = up
        return charge


@dataclass(frozen=True, slots=True)
class EnergyCost:
    """What the station paid the utility for a session's energy.

    THB, rounded per component."""

    energy_kwh: Decimal
    energy_charge: Decimal
    ft_charge: Decimal
    service_charge: Decimal
    amount_untaxed: Decimal
    amount_vat: Decimal
    amount_total: Decimal


def energy_cost(
    utility, energy_wh_by_period, month_to_date_kwh=ZERO, sessions_in_month=None
):
    """Electricity cost of a session.

    ``energy_wh_by_period``: ``{'on_peak': Wh, 'off_peak': Wh}`` (e.g.
    ``SessionPrice.energy_by_period`` — the metered energy, not the billed one).
    ``month_to_date_kwh``: energy already drawn this month, for progressive blocks
    (marginal cost); ignored for TOU.  ``sessions_in_month``: when given, the monthly
    service charge is apportioned evenly (``service_charge / sessions_in_month``); by
    default it is not apportioned — it is a fixed monthly cost of the station, not of a
    session. Charger losses are not modelled (the metered energy is what is costed).
    """
    on = Decimal(energy_wh_by_period.get(ON_PEAK, 0)) / _THOUSAND
    off = Decimal(energy_wh_by_period.get(OFF_PEAK, 0)) / _THOUSAND
    kwh = on + off
    if utility.kind == "tou":
        energy = utility.on_peak_per_kwh * on + utility.off_peak_per_kwh * off
    else:
        energy = utility.block_charge(kwh, month_to_date_kwh)
    energy = round_money(energy)
    ft = round_money(utility.ft_per_kwh * kwh)
    if sessions_in_month:
        service = round_money(
            utility.service_charge_per_month / Decimal(sessions_in_month)
        )
    else:
        service = round_money(ZERO)
    untaxed = energy + ft + service
    vat = round_money(untaxed * utility.vat_percent / _HUNDRED)
    return EnergyCost(kwh, energy, ft, service, untaxed, vat, untaxed + vat)


def margin(price, cost):
    """Revenue without VAT minus energy cost without VAT (both VATs pass through)."""
    return price.amount_untaxed - cost.amount_untaxed
