"""Validators of sellers' legal identifiers: NIK (KTP), NIB (OSS) and NPWP.

Each accepts the number with or without the usual separators (spaces, dots, dashes) and
returns the digits only; an invalid number raises ValidationError with a message saying what to fix.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vendors.data.kabupaten_kota import is_kabupaten_kota_code

_SEPARATORS = re.compile(r"[\s.\-/]")


def digits_only(value: str) -> str:
    return _SEPARATORS.sub("", value or "")


def _nik_birth_date_is_real(ddmmyy: str) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    if day > 40:  # women: day of birth + 40
        day -= 40
    for century in (1900, 2000):
        try:
            dt.date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def normalize_nik(value: str) -> str:
    """A NIK: 16 digits = kabupaten/kota code (4), kecamatan (2), date of birth DDMMYY (6, day + 40
    for women), serial (4, not 0000). The kabupaten/kota may be anywhere in Indonesia: a KTP keeps
    the code of the place that issued it."""
    nik = digits_only(value)
    if not re.fullmatch(r"[0-9]{16}", nik):
        raise ValidationError(_("A NIK has exactly 16 digits, as on the KTP."), code="nik_format")
    if not is_kabupaten_kota_code(nik[:4]):
        raise ValidationError(
            _(
                "The first 4 digits of the NIK (%(code)s) are not a kabupaten/kota code. "
                "Check the number on the KTP."
            ),
            code="nik_region",
            params={"code": nik[:4]},
        )
    if not _nik_birth_date_is_real(nik[6:12]):
        raise ValidationError(
            _("Digits 7 to 12 of the NIK must be a date of birth (DDMMYY). Check the number."),
            code="nik_birth_date",
        )
    if nik[12:] == "0000":
        raise ValidationError(_("The last 4 digits of a NIK are never 0000."), code="nik_serial")
    return nik


def normalize_nib(value: str) -> str:
    """A NIB (Nomor Induk Berusaha, issued by OSS): 13 digits."""
    nib = digits_only(value)
    if not re.fullmatch(r"[0-9]{13}", nib):
        raise ValidationError(
            _("An NIB has exactly 13 digits, as on the OSS certificate."), code="nib_format"
        )
    if set(nib) == {"0"}:
        raise ValidationError(_("This NIB is not valid."), code="nib_zero")
    return nib


def normalize_npwp(value: str) -> str:
    """An NPWP: 15 digits (old format, 12.345.678.9-012.345) or 16 digits (new format, which
    for individuals is the NIK)."""
    npwp = digits_only(value)
    if not re.fullmatch(r"[0-9]{15,16}", npwp):
        raise ValidationError(
            _("An NPWP has 15 or 16 digits (dots and dashes may be left out)."),
            code="npwp_format",
        )
    if set(npwp) == {"0"}:
        raise ValidationError(_("This NPWP is not valid."), code="npwp_zero")
    return npwp


def normalize_bank_account_number(value: str) -> str:
    number = digits_only(value)
    if not re.fullmatch(r"[0-9]{5,20}", number):
        raise ValidationError(
            _("An account number has 5 to 20 digits, without letters."), code="account_number"
        )
    return number


def mask(value: str, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """Show a personal number partly: 3573••••••••0001."""
    if len(value) <= keep_start + keep_end:
        return value
    end = value[len(value) - keep_end :]
    return value[:keep_start] + "•" * (len(value) - keep_start - keep_end) + end
