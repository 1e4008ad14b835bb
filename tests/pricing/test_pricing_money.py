from decimal import Decimal

import pricing
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pricing import round_money, vat_included_split

amounts = st.decimals(min_value=Decimal(0), max_value=Decimal(100000), places=2)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("0.005", "0.01"),
        ("0.004999", "0.00"),
        ("2.675", "2.68"),
        ("1.234", "1.23"),
        ("-0.005", "-0.01"),
        ("10", "10.00"),
    ],
)
def test_round_money_is_half_up_to_cents(value, expected):
    assert round_money(Decimal(value)) == Decimal(expected)
    assert str(round_money(Decimal(value))) == expected


def test_round_money_takes_floats_by_their_decimal_repr():
    # binary 2.675 is 2.67499999...; Odoo hands us floats, we mean the typed decimal
    assert round_money(2.675) == Decimal("2.68")
    assert round_money(1.005) == Decimal("1.01")


def test_round_money_refuses_booleans():
    with pytest.raises(TypeError):
        round_money(True)


@pytest.mark.parametrize(
    "total, base, vat",
    [
        ("107.00", "100.00", "7.00"),
        ("100.00", "93.46", "6.54"),
        ("0.01", "0.01", "0.00"),
        ("0.08", "0.07", "0.01"),
        ("1991.83", "1861.52", "130.31"),
    ],
)
def test_vat_included_split_examples(total, base, vat):
    assert vat_included_split(Decimal(total)) == (Decimal(base), Decimal(vat))


@given(amounts)
def test_vat_split_adds_up_and_matches_price_included_tax(total):
    base, vat = vat_included_split(total)
    assert base + vat == total
    assert vat == (total * 7 / Decimal(107)).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    # the base is the VAT-exclusive price within a cent
    assert abs(base * Decimal("1.07") - total) <= Decimal("0.011")


def test_vat_split_other_rate():
    assert vat_included_split(Decimal(110), Decimal(10)) == (
        Decimal("100.00"),
        Decimal("10.00"),
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        (1000, 1000),
        (Decimal("1000.5"), 1001),
        (Decimal("1000.49"), 1000),
        ("2500", 2500),
        (12.3456 * 1000, 12346),
    ],
)
def test_meter_values_become_whole_wh(value, expected):
    assert pricing.wh(value) == expected
