import datetime as dt
import zoneinfo

import pytest

from komeji.common.models import Holiday
from komeji.common.workdays import add_working_days, is_working_day

pytestmark = pytest.mark.django_db

JKT = zoneinfo.ZoneInfo("Asia/Jakarta")
FRI = dt.date(2026, 11, 27)


def test_weekdays_only():
    assert add_working_days(FRI, 1) == dt.date(2026, 11, 30)  # Monday
    assert add_working_days(dt.date(2026, 11, 28), 1) == dt.date(2026, 11, 30)  # Sat → Mon
    assert add_working_days(FRI, 5) == dt.date(2026, 12, 4)
    assert add_working_days(FRI, 0) == FRI


def test_holidays_are_skipped():
    Holiday.objects.create(date=dt.date(2026, 11, 30), name="Libur uji")
    Holiday.objects.create(date=dt.date(2026, 12, 25), name="Hari Raya Natal")
    assert add_working_days(FRI, 1) == dt.date(2026, 12, 1)
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)
    assert not is_working_day(dt.date(2026, 11, 30))
    assert is_working_day(dt.date(2026, 12, 1))


def test_long_spans_fetch_further_holidays():
    Holiday.objects.create(date=dt.date(2027, 8, 17), name="Hari Kemerdekaan")  # a Tuesday
    start = dt.date(2027, 1, 4)  # Monday
    without = dt.date(2027, 1, 4) + dt.timedelta(weeks=40)  # 200 working days later, no holidays
    assert add_working_days(start, 200) == without + dt.timedelta(days=1)


def test_datetime_keeps_local_time():
    friday_2pm = dt.datetime(2026, 11, 27, 14, 0, tzinfo=JKT)
    result = add_working_days(friday_2pm, 2)
    assert result == dt.datetime(2026, 12, 1, 14, 0, tzinfo=JKT)
    utc = friday_2pm.astimezone(dt.UTC)
    assert add_working_days(utc, 2) == result


def test_negative_is_refused():
    with pytest.raises(ValueError):
        add_working_days(FRI, -1)
