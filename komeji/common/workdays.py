"""Working days in Indonesia: Monday to Friday, except national holidays and cuti bersama kept in
the admin-editable Holiday table."""

import datetime as dt
from typing import TypeVar

from django.utils import timezone

from komeji.common.models import Holiday

_CHUNK_DAYS = 62

Day = TypeVar("Day", dt.date, dt.datetime)


def _holidays_between(first: dt.date, last: dt.date) -> set[dt.date]:
    return set(Holiday.objects.filter(date__range=(first, last)).values_list("date", flat=True))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not Holiday.objects.filter(date=day).exists()


def add_working_days(start: Day, n: int) -> Day:
    """The moment `n` working days after `start`.

    A datetime keeps its local (Asia/Jakarta) time of day: Friday 14:00 + 1 working day is
    Monday 14:00 (or Tuesday when Monday is a holiday). Counting from a weekend or a holiday, the
    first working day after it is day 1. `n = 0` returns `start` unchanged.
    """
    if n < 0:
        raise ValueError("n must be zero or more")
    if n == 0:
        return start
    if isinstance(start, dt.datetime):
        local = timezone.localtime(start) if timezone.is_aware(start) else start
        day = add_working_days(local.date(), n)
        result = dt.datetime.combine(day, local.time(), tzinfo=local.tzinfo)
        return result  # type: ignore[return-value]

    day = start
    remaining = n
    window_end = start
    holidays: set[dt.date] = set()
    while remaining:
        day += dt.timedelta(days=1)
        if day > window_end:
            window_end = day + dt.timedelta(days=_CHUNK_DAYS)
            holidays = _holidays_between(day, window_end)
        if day.weekday() < 5 and day not in holidays:
            remaining -= 1
    return day
