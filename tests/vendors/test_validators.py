import pytest
from django.core.exceptions import ValidationError

from vendors.validators import (
    mask,
    normalize_bank_account_number,
    normalize_nib,
    normalize_nik,
    normalize_npwp,
)


def refusal_code(normalize, value: str) -> str:
    with pytest.raises(ValidationError) as refused:
        normalize(value)
    return refused.value.code


# --- NIK ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "nik"),
    [
        # Kota Malang (3573), kecamatan 01, a man born 15-01-1990, serial 0001.
        ("3573011501900001", "3573011501900001"),
        # Kota Surabaya (3578), a woman born 15-01-1985: day of birth + 40 = 55.
        ("3578015501850002", "3578015501850002"),
        # The first and last codes of both ranges of Jawa Timur (3501..3529, 3571..3579).
        ("3501011501900001", "3501011501900001"),
        ("3529011501900001", "3529011501900001"),
        ("3571011501900001", "3571011501900001"),
        ("3579011501900001", "3579011501900001"),
        # A woman born on 31 December 1999: 31 + 40 = 71.
        ("3573017112990003", "3573017112990003"),
        # Born in 2005: YY = 05 is read as 1905 or 2005.
        ("3573010103050001", "3573010103050001"),
        # Separators as people type them.
        ("3573 0115 0190 0001", "3573011501900001"),
        ("3573.0115.0190.0001", "3573011501900001"),
        ("3573-0115-0190-0001", "3573011501900001"),
        (" 3573/011501/900001 ", "3573011501900001"),
        # A KTP from outside Jawa Timur keeps its own code: Kota Surakarta, Jakarta Selatan.
        ("3372011501900001", "3372011501900001"),
        ("3171011501900001", "3171011501900001"),
    ],
)
def test_valid_nik_is_returned_as_16_digits(raw, nik):
    assert normalize_nik(raw) == nik


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "nik_format"),
        ("357301150190001", "nik_format"),  # 15 digits
        ("35730115019000011", "nik_format"),  # 17 digits
        ("35730115019O0001", "nik_format"),  # letter O instead of a zero
        ("3573011501900001a", "nik_format"),
        ("+573011501900001", "nik_format"),
        ("3573_0115_0190_0001", "nik_format"),  # underscore is not a separator
        ("3180011501900001", "nik_region"),  # DKI Jakarta has no 80
        ("2001011501900001", "nik_region"),  # no province 20
        ("3599011501900001", "nik_region"),  # no such kabupaten/kota
        ("3530011501900001", "nik_region"),  # between 3529 and 3571
        ("3500011501900001", "nik_region"),
        ("3580011501900001", "nik_region"),
        ("3573013201900001", "nik_birth_date"),  # day 32
        ("3573010001900001", "nik_birth_date"),  # day 00
        ("3573014001900001", "nik_birth_date"),  # day 40: neither a man's nor a woman's
        ("3573017201900001", "nik_birth_date"),  # a woman's day 72 - 40 = 32
        ("3573011513900001", "nik_birth_date"),  # month 13
        ("3573011500900001", "nik_birth_date"),  # month 00
        ("3573013102900001", "nik_birth_date"),  # 31 February
        ("3573013104900001", "nik_birth_date"),  # 31 April
        ("3573011501900000", "nik_serial"),
    ],
)
def test_invalid_nik_is_refused_with_its_reason(raw, code):
    assert refusal_code(normalize_nik, raw) == code


@pytest.mark.django_db
def test_nik_region_error_names_the_code_found():
    with pytest.raises(ValidationError) as refused:
        normalize_nik("3599011501900001")

    assert refused.value.params == {"code": "3599"}
    assert "(3599)" in refused.value.messages[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ddmmyy", "valid"),
    [
        ("290200", True),  # 29 Feb 2000: a leap year
        ("290296", True),  # 29 Feb 1996
        ("290204", True),  # 29 Feb 2004
        ("290201", False),  # neither 1901 nor 2001 is a leap year
        ("290299", False),  # nor 1999 / 2099
        ("690200", True),  # a woman born on 29 Feb 2000 (29 + 40)
        ("690201", False),
        ("280201", True),
    ],
)
def test_29_february_is_valid_when_it_exists_in_19yy_or_20yy(ddmmyy, valid):
    nik = f"357301{ddmmyy}0001"

    if valid:
        assert normalize_nik(nik) == nik
    else:
        assert refusal_code(normalize_nik, nik) == "nik_birth_date"


@pytest.mark.django_db
def test_nik_checks_the_format_before_the_region_and_the_region_before_the_date():
    # An unknown code and an impossible date: the region is reported, it is checked first.
    assert refusal_code(normalize_nik, "3599013202900000") == "nik_region"
    # Jatim code, impossible date and serial 0000: the date is reported before the serial.
    assert refusal_code(normalize_nik, "3573013202900000") == "nik_birth_date"
    # 15 digits with a Jakarta code: the length is reported.
    assert refusal_code(normalize_nik, "317101150190001") == "nik_format"


# --- NIB ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "nib"),
    [
        ("9120304050607", "9120304050607"),
        ("0220001234567", "0220001234567"),  # leading zero kept
        ("9120 3040 5060 7", "9120304050607"),
        ("9120-304-050-607", "9120304050607"),
    ],
)
def test_valid_nib_is_returned_as_13_digits(raw, nib):
    assert normalize_nib(raw) == nib


@pytest.mark.parametrize(
    "raw",
    ["", "912030405060", "91203040506070", "912030405060A", "NIB9120304050"],
)
def test_invalid_nib_is_refused(raw):
    assert refusal_code(normalize_nib, raw) == "nib_format"


# --- NPWP -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "npwp"),
    [
        ("01.234.567.8-901.000", "012345678901000"),  # old format, as printed on the card
        ("012345678901000", "012345678901000"),
        ("3573011501900001", "3573011501900001"),  # new format: a person's NIK
        ("3573 0115 0190 0001", "3573011501900001"),
    ],
)
def test_valid_npwp_is_returned_as_15_or_16_digits(raw, npwp):
    assert normalize_npwp(raw) == npwp


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "npwp_format"),
        ("01.234.567.8-901.00", "npwp_format"),  # 14 digits
        ("01234567890100", "npwp_format"),
        ("35730115019000011", "npwp_format"),  # 17 digits
        ("01.234.567.8-901.ABC", "npwp_format"),
        ("00.000.000.0-000.000", "npwp_zero"),
        ("000000000000000", "npwp_zero"),
        ("0000000000000000", "npwp_zero"),
    ],
)
def test_invalid_npwp_is_refused_with_its_reason(raw, code):
    assert refusal_code(normalize_npwp, raw) == code


# --- Bank account numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("1234567890", "1234567890"),  # BCA: 10 digits
        ("1440012345678", "1440012345678"),  # Mandiri: 13 digits
        ("0012-01-012345-50-9", "001201012345509"),  # BRI as printed, leading zeros kept
        ("123 456 7890", "1234567890"),
        ("12345", "12345"),  # shortest allowed
        ("1" * 20, "1" * 20),  # longest allowed
    ],
)
def test_valid_bank_account_number_is_returned_as_digits(raw, number):
    assert normalize_bank_account_number(raw) == number


@pytest.mark.parametrize("raw", ["", "1234", "1" * 21, "12345678O0", "IBAN1234567", "12.345,67"])
def test_invalid_bank_account_number_is_refused(raw):
    assert refusal_code(normalize_bank_account_number, raw) == "account_number"


# --- mask -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "masked"),
    [
        ("3573011501900001", {}, "3573••••••••0001"),
        ("012345678901000", {}, "0123•••••••1000"),
        ("123456789", {}, "1234•6789"),
        ("12345678", {}, "12345678"),  # nothing left to hide
        ("", {}, ""),
        ("1234567890", {"keep_start": 0}, "••••••7890"),
        ("1234567890", {"keep_start": 0, "keep_end": 4}, "••••••7890"),
        ("1234567890", {"keep_start": 2, "keep_end": 2}, "12••••••90"),
        ("12345", {"keep_start": 0, "keep_end": 4}, "•2345"),
        ("1234567890", {"keep_start": 4, "keep_end": 0}, "1234••••••"),
    ],
)
def test_mask_hides_the_middle_of_a_number(value, kwargs, masked):
    assert mask(value, **kwargs) == masked


def test_an_all_zero_nib_is_refused():
    assert refusal_code(normalize_nib, "0000000000000") == "nib_zero"
