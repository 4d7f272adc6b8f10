"""Idempotent demo data for East Java: run it any number of times, it converges."""

import datetime as dt
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from komeji.accounts import services as account_services
from komeji.accounts.models import Address, User
from komeji.common.models import Holiday, Region

DEMO_PASSWORD = "komeji-demo-2026"

# Fixed-date national holidays. Movable ones (Idul Fitri, Idul Adha, Imlek, Nyepi, Waisak, …) and
# cuti bersama follow the yearly SKB 3 Menteri and are entered by Dinas staff in the admin.
FIXED_HOLIDAYS = [
    ("01-01", "Tahun Baru Masehi"),
    ("05-01", "Hari Buruh Internasional"),
    ("06-01", "Hari Lahir Pancasila"),
    ("08-17", "Hari Kemerdekaan Republik Indonesia"),
    ("12-25", "Hari Raya Natal"),
]

PEOPLE: list[dict[str, Any]] = [
    {
        "role": "Buyer",
        "email": "pembeli@komeji.id",
        "full_name": "Budi Santoso",
        "phone": "+6281234567001",
        "addresses": [
            {
                "label": "Rumah",
                "recipient_name": "Budi Santoso",
                "phone": "081234567001",
                "street": "Jl. Raya Darmo No. 45, RT 02/RW 03",
                "kecamatan": "Wonokromo",
                "region_code": "3578",
                "postal_code": "60241",
                "is_default": True,
            },
            {
                "label": "Kantor",
                "recipient_name": "Budi Santoso",
                "phone": "081234567001",
                "street": "Jl. Ijen No. 12",
                "kecamatan": "Klojen",
                "region_code": "3573",
                "postal_code": "65119",
                "is_default": False,
            },
        ],
    },
    {
        "role": "Shop owner",
        "email": "penjual@komeji.id",
        "full_name": "Siti Rahayu",
        "phone": "+6281234567002",
        "addresses": [
            {
                "label": "Rumah produksi",
                "recipient_name": "Siti Rahayu",
                "phone": "081234567002",
                "street": "Jl. Sanan No. 8, sentra keripik tempe",
                "kecamatan": "Blimbing",
                "region_code": "3573",
                "postal_code": "65125",
                "is_default": True,
            }
        ],
    },
    {
        "role": "Mentor (Relawan TIK Kabupaten Pasuruan)",
        "email": "pendamping@komeji.id",
        "full_name": "Agus Prasetyo",
        "phone": "+6281234567003",
        "addresses": [
            {
                "label": "Rumah",
                "recipient_name": "Agus Prasetyo",
                "phone": "081234567003",
                "street": "Jl. Raya Bangil No. 101",
                "kecamatan": "Bangil",
                "region_code": "3514",
                "postal_code": "67153",
                "is_default": True,
            }
        ],
    },
    {
        "role": "Dinas admin (all back-office roles)",
        "email": "admin@komeji.id",
        "full_name": "Dewi Lestari",
        "phone": "+6281234567004",
        "staff": True,
        "groups": ["Moderator", "Call centre", "Finance", "Regional officer"],
        "addresses": [
            {
                "label": "Kantor",
                "recipient_name": "Dewi Lestari",
                "phone": "081234567004",
                "street": "Jl. Ahmad Yani No. 242-244",
                "kecamatan": "Gayungan",
                "region_code": "3578",
                "postal_code": "60235",
                "is_default": True,
            }
        ],
    },
]


class Command(BaseCommand):
    help = "Create or refresh Komeji's demo data (idempotent) and print the demo logins."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        self._holidays()
        for person in PEOPLE:
            self._person(person)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        for person in PEOPLE:
            self.stdout.write(f"  {person['role']:<40} {person['email']}")

    def _holidays(self) -> None:
        today = dt.date.today()
        for year in (today.year, today.year + 1):
            for month_day, name in FIXED_HOLIDAYS:
                month, day = (int(part) for part in month_day.split("-"))
                Holiday.objects.get_or_create(
                    date=dt.date(year, month, day), defaults={"name": name}
                )

    def _person(self, person: dict[str, Any]) -> None:
        user = User.objects.filter(email__iexact=person["email"]).first()
        if user is None:
            user = User.objects.create_user(
                email=person["email"], password=DEMO_PASSWORD, full_name=person["full_name"]
            )
        # Converge: a demo login always works with the printed password.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        account_services.user_update_profile(
            user=user, full_name=person["full_name"], phone=person["phone"]
        )
        if person.get("staff"):
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
            user.groups.set(Group.objects.filter(name__in=person["groups"]))
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        for data in person["addresses"]:
            data = dict(data)
            region = Region.objects.get(code=data.pop("region_code"))
            exists = Address.objects.filter(
                user=user, street=data["street"], region=region
            ).exists()
            if not exists:
                account_services.address_create(user=user, region=region, **data)
