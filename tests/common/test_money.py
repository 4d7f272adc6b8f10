from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from komeji.common.money import (
    InvalidAmount,
    apply_rate,
    format_rupiah,
    parse_gateway_amount,
    parse_typed_rupiah,
    split_by_basis_points,
)
from komeji.common.templatetags.komeji import rupiah


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp 0"),
        (999, "Rp 999"),
        (1000, "Rp 1.000"),
        (1_250_000, "Rp 1.250.000"),
        (123_456_789_012, "Rp 123.456.789.012"),
        (-5000, "-Rp 5.000"),
    ],
)
def test_format_rupiah(amount, text):
    assert format_rupiah(amount) == text
    assert rupiah(amount) == text


def test_format_rupiah_refuses_floats():
    with pytest.raises(TypeError):
        format_rupiah(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "amount"),
    [("24145.00", 24145), ("24145", 24145), ("24145.0", 24145), ("0.00", 0), ("150000.00", 150000)],
)
def test_parse_gateway_amount(text, amount):
    assert parse_gateway_amount(text) == amount


@pytest.mark.parametrize(
    "text",
    [
        "24145.50",
        "24145.01",
        "-1.00",
        "1e3",
        " 100",
        "100 ",
        "1,000",
        "1.000.000",
        "",
        "0100",
        "100.",
        ".5",
        "100.000",
        "Rp 100",
        "NaN",
    ],
)
def test_parse_gateway_amount_refuses(text):
    with pytest.raises(InvalidAmount):
        parse_gateway_amount(text)


def test_parse_gateway_amount_refuses_non_strings():
    with pytest.raises(InvalidAmount):
        parse_gateway_amount(24145)  # type: ignore[arg-type]


def test_split_design_example():
    assert split_by_basis_points(123_457, [9000, 700, 300]) == [111_111, 8_642, 3_704]


def test_split_ties_go_to_the_earlier_share():
    assert split_by_basis_points(1, [5000, 5000]) == [1, 0]
    assert split_by_basis_points(2, [3334, 3333, 3333]) == [1, 1, 0]


def test_split_negative_mirrors_positive():
    assert split_by_basis_points(-123_457, [9000, 700, 300]) == [-111_111, -8_642, -3_704]


@pytest.mark.parametrize("shares", [[], [5000], [6000, 5000], [-1, 10001], [5000.0, 5000.0]])
def test_split_refuses_bad_shares(shares):
    with pytest.raises(ValueError):
        split_by_basis_points(1000, shares)


@st.composite
def shares_bp(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 10_000]
    return [bounds[i + 1] - bounds[i] for i in range(count)]


@given(amount=st.integers(min_value=-(10**15), max_value=10**15), shares=shares_bp())
def test_split_properties(amount, shares):
    parts = split_by_basis_points(amount, shares)
    assert sum(parts) == amount
    assert len(parts) == len(shares)
    for part, share in zip(parts, shares, strict=True):
        exact = Fraction(amount * share, 10_000)
        assert abs(part - exact) < 1
        assert isinstance(part, int)
    assert split_by_basis_points(amount, shares) == parts


def test_apply_rate_rounds_half_up():
    assert apply_rate(100_000, 250) == 2_500
    assert apply_rate(1_999, 250) == 50  # 49.975 → 50
    assert apply_rate(20, 250) == 1  # 0.5 → 1
    with pytest.raises(ValueError):
        apply_rate(100, 10_001)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("25000", 25_000),
        ("25.000", 25_000),
        ("Rp 25.000", 25_000),
        ("rp25.000,-", 25_000),
        ("Rp. 1.250.000", 1_250_000),
        ("25.000,00", 25_000),
        (" 350.000 ", 350_000),
    ],
)
def test_typed_rupiah_is_read_as_people_write_it(typed, amount):
    assert parse_typed_rupiah(typed) == amount


@pytest.mark.parametrize(
    "typed", ["25.000,50", "25,5", "25.5", "2.50.000", "-5000", "", "Rp", "1e3"]
)
def test_typed_rupiah_with_cents_or_anything_else_is_refused(typed):
    with pytest.raises(InvalidAmount):
        parse_typed_rupiah(typed)
