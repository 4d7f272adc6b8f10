import datetime as dt

from django import template
from django.utils import formats, timezone

from komeji.common.money import format_rupiah

register = template.Library()


@register.filter
def rupiah(amount: int | None) -> str:
    """`{{ 1250000|rupiah }}` → `Rp 1.250.000`."""
    if amount is None or amount == "":
        return ""
    return format_rupiah(int(amount))


@register.filter
def wib(value: dt.datetime | None) -> str:
    """`28 Nov 2026, 14.05 WIB` (Komeji always shows Jakarta time)."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{formats.date_format(local, 'j M Y')}, {local:%H.%M} WIB"
