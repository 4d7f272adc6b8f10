import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Indonesian mobile numbers: 08xx…, 628xx… or +628xx…, 10 to 13 digits in the national form.
_PHONE = re.compile(r"^(?:\+62|62|0)(8[1-9][0-9]{7,10})$")
_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(value: str) -> str:
    """`0812-3456-789` → `+628123456789`. Raises ValidationError for anything else."""
    compact = _SEPARATORS.sub("", value or "")
    match = _PHONE.match(compact)
    if match is None:
        raise ValidationError(
            _("Enter an Indonesian mobile number, e.g. 0812 3456 7890 or +62 812 3456 7890."),
            code="invalid_phone",
        )
    return f"+62{match.group(1)}"


def validate_phone(value: str) -> None:
    normalize_phone(value)


def validate_postal_code(value: str) -> None:
    if not re.fullmatch(r"[1-9][0-9]{4}", value or ""):
        raise ValidationError(_("A postal code has 5 digits, e.g. 60241."), code="invalid_postal")
