"""Money and quantity rules: one rounding policy, the VAT split, input normalisation.

The whole engine rounds money in exactly one place, :func:`round_money`: THB to 2
decimals, ROUND_HALF_UP, applied once per charge line.  Totals are sums of rounded
lines.
"""

from decimal import ROUND_HALF_UP, Decimal

CURRENCY = "THB"
VAT_RATE = Decimal(7)
CENT = Decimal("0.01")
ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


def to_decimal(value):
    """Return ``value`` as a Decimal.

    Floats (what Odoo's Float/Monetary fields hold) are converted through their shortest
    repr, so ``0.1`` becomes ``Decimal('0.1')`` and not the binary expansion.
    """
    if type(value) is Decimal:
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    return Decimal(value)


def round_money(value):
    """THB amount rounded to 0.01 with ROUND_HALF_UP (the single rounding policy)."""
    if type(value) is not Decimal:
        value = to_decimal(value)
    return value.quantize(CENT, ROUND_HALF_UP)


def vat_included_split(total, rate=VAT_RATE):
    """Split a VAT-inclusive amount into ``(base, vat)``.

    Same as Odoo's price-included tax on one line:
    ``vat = round(total * rate / (100 + rate))``, ``base = total - vat``;
    ``base + vat == total`` always.
    """
    total = round_money(total)
    rate = to_decimal(rate)
    vat = round_money(total * rate / (_HUNDRED + rate))
    return total - vat, vat


def wh(value):
    """Energy in whole Wh (int).  Meter values are rounded half-up on input."""
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an energy")
    return int(to_decimal(value).quantize(_ONE, ROUND_HALF_UP))
