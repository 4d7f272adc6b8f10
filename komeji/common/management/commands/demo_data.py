"""Idempotent demo data for East Java: run it any number of times, it converges."""

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from komeji.accounts import services as account_services
from komeji.accounts.models import Address, User
from komeji.common.models import Holiday, Region
from marketplace.demo import load_catalogue_demo
from orders.demo import load_orders_demo
from vendors import demo
from vendors.models import (
    BankAccount,
    Community,
    CommunityMember,
    Shop,
    ShopDocument,
    ShopInvitation,
    ShopMember,
    ShopStatus,
)
from vendors.selectors import shop_owned_by
from vendors.services import bank as bank_services
from vendors.services import communities as community_services
from vendors.services import documents as document_services
from vendors.services import members as member_services
from vendors.services import shops as shop_services
from vendors.services import verification

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
        "role": "Shop owner: Keripik Tempe Bu Siti (verified)",
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


def _person_without_address(role: str, email: str, full_name: str, phone: str) -> dict[str, Any]:
    return {"role": role, "email": email, "full_name": full_name, "phone": phone, "addresses": []}


# Mentors, shop owners and staff of the demo shops (no addresses: they do not buy).
PEOPLE += [
    _person_without_address(
        "Mentor (Relawan TIK Kabupaten Pasuruan)",
        "pendamping2@komeji.id",
        "Dwi Cahyono",
        "+6281234567005",
    ),
    _person_without_address(
        "Coordinator (Relawan TIK Kabupaten Pasuruan)",
        "koordinator@komeji.id",
        "Bambang Sugiarto",
        "+6281234567006",
    ),
    _person_without_address(
        "Mentor (Relawan TIK Kota Malang)",
        "pendamping.malang@komeji.id",
        "Rizky Firmansyah",
        "+6281234567007",
    ),
    _person_without_address(
        "Shop staff: Keripik Tempe Bu Siti",
        "staf@komeji.id",
        "Rina Wulandari",
        "+6281234567008",
    ),
    _person_without_address(
        "Shop owner: Batik Tulis Sidoarjo (submitted)",
        "umkm1@komeji.id",
        "Ani Susanti",
        "+6281234567011",
    ),
    _person_without_address(
        "Shop owner: Kopi Ijen Banyuwangi (rejected)",
        "umkm2@komeji.id",
        "Slamet Riyadi",
        "+6281234567012",
    ),
    _person_without_address(
        "Shop owner: Bandeng Presto Gresik (resubmitted)",
        "umkm3@komeji.id",
        "Nur Hidayah",
        "+6281234567013",
    ),
    _person_without_address(
        "Shop owner: Apel Batu Segar (draft)", "umkm4@komeji.id", "Joko Susilo", "+6281234567014"
    ),
    _person_without_address(
        "Shop owner: Sambal Bawang Mbak Yuni (verified)",
        "umkm5@komeji.id",
        "Yuni Kartika",
        "+6281234567015",
    ),
    _person_without_address(
        "UMKM owner invited to Bordir Bangil (pending)",
        "umkm6@komeji.id",
        "Fatimah Zahra",
        "+6281234567016",
    ),
    _person_without_address(
        "Shop owner: Bipang Beras Bu Suparmi (assisted)",
        "umkm7@komeji.id",
        "Suparmi",
        "+6281234567017",
    ),
    _person_without_address(
        "Shop owner: Topeng Malangan Pak Karyo (assisted)",
        "umkm8@komeji.id",
        "Karyono",
        "+6281234567018",
    ),  # Verified shops that carry most of the demo catalogue (marketplace/demo.py).
    _person_without_address(
        "Shop owner: Kopi Lereng Argopuro (verified)",
        "umkm9@komeji.id",
        "Hadi Purnomo",
        "+6281234567019",
    ),
    _person_without_address(
        "Shop owner: Batik Gentongan Madura (verified)",
        "umkm10@komeji.id",
        "Siti Aminah",
        "+6281234567020",
    ),
    _person_without_address(
        "Shop owner: Tahu Takwa Kediri Bu Lilik (verified)",
        "umkm11@komeji.id",
        "Lilik Handayani",
        "+6281234567021",
    ),
    _person_without_address(
        "Shop owner: Anyaman Bambu Tulungagung (verified)",
        "umkm12@komeji.id",
        "Sugeng Wibowo",
        "+6281234567022",
    ),
    _person_without_address(
        "Shop owner: Kulit Magetan Jaya (verified)",
        "umkm13@komeji.id",
        "Agung Prabowo",
        "+6281234567023",
    ),
]

MODERATOR_EMAIL = "admin@komeji.id"

COMMUNITIES: list[dict[str, Any]] = [
    {
        "name": "Relawan TIK Kabupaten Pasuruan",
        "region_code": "3514",
        "members": [
            ("pendamping@komeji.id", CommunityMember.Role.MENTOR),
            ("pendamping2@komeji.id", CommunityMember.Role.MENTOR),
            ("koordinator@komeji.id", CommunityMember.Role.COORDINATOR),
        ],
    },
    {
        "name": "Relawan TIK Kota Malang",
        "region_code": "3573",
        "members": [("pendamping.malang@komeji.id", CommunityMember.Role.MENTOR)],
    },
]


@dataclass(frozen=True)
class DemoShop:
    """One demo shop and how far it goes: `target` is the verification status it ends in."""

    name: str
    description: str
    region_code: str
    street: str
    kecamatan: str
    postal_code: str
    phone: str
    owner: str  # e-mail of the owner (for an assisted shop: the UMKM owner the mentor invites)
    target: ShopStatus
    # Identity on the sample KTP (NIK: region + kecamatan code + date of birth + serial 9xxx).
    legal_name: str
    birth_place: str
    birth: dt.date
    female: bool
    nik_serial: str
    kecamatan_code: str = "01"
    nib: str = ""
    npwp: str = ""
    documents: tuple[str, ...] = ("ktp", "selfie", "business_photo")
    colour: tuple[int, int, int] = (200, 120, 40)
    rejection_reason: str = ""
    bank: tuple[str, str] | None = None  # (bank code, account number)
    # A self-registered shop may name its region's community; an assisted one is drafted by a
    # mentor of `community`.
    community: str = ""
    mentor: str = ""
    owner_accepts: bool = True  # assisted: False leaves the owner invitation open
    staff: tuple[str, ...] = ()

    @property
    def nik(self) -> str:
        return demo.demo_nik(
            region_code=self.region_code,
            kecamatan=self.kecamatan_code,
            birth=self.birth,
            female=self.female,
            serial=self.nik_serial,
        )


# The statuses each target goes through (vendors.models.SHOP_TRANSITIONS).
STATUS_PATHS: dict[str, list[str]] = {
    ShopStatus.DRAFT: [ShopStatus.DRAFT],
    ShopStatus.SUBMITTED: [ShopStatus.DRAFT, ShopStatus.SUBMITTED],
    ShopStatus.VERIFIED: [ShopStatus.DRAFT, ShopStatus.SUBMITTED, ShopStatus.VERIFIED],
    ShopStatus.REJECTED: [ShopStatus.DRAFT, ShopStatus.SUBMITTED, ShopStatus.REJECTED],
    ShopStatus.RESUBMITTED: [
        ShopStatus.DRAFT,
        ShopStatus.SUBMITTED,
        ShopStatus.REJECTED,
        ShopStatus.RESUBMITTED,
    ],
}

# Fictional numbers: NIB 9999…, NPWP 99.999…, account numbers …999….
SHOPS: list[DemoShop] = [
    DemoShop(
        name="Keripik Tempe Bu Siti",
        description=(
            "Keripik tempe renyah khas Sanan, Malang, digoreng setiap hari tanpa pengawet. "
            "Tersedia rasa original, pedas dan daun jeruk."
        ),
        region_code="3573",
        street="Jl. Sanan No. 8, sentra keripik tempe",
        kecamatan="Blimbing",
        postal_code="65125",
        phone="081234567002",
        owner="penjual@komeji.id",
        target=ShopStatus.VERIFIED,
        legal_name="Siti Rahayu",
        birth_place="Malang",
        birth=dt.date(1978, 3, 12),
        female=True,
        nik_serial="9001",
        kecamatan_code="05",
        nib="9999000000101",
        npwp="999999999001000",
        bank=("014", "0149990001"),
        community="Relawan TIK Kota Malang",
        staff=("staf@komeji.id",),
    ),
    DemoShop(
        name="Sambal Bawang Mbak Yuni",
        description=(
            "Sambal bawang, sambal teri dan sambal cumi rumahan dari Surabaya, dikemas dalam "
            "botol kaca 150 gram. Tahan 3 bulan tanpa pengawet."
        ),
        region_code="3578",
        street="Jl. Ngagel Jaya Selatan No. 17",
        kecamatan="Gubeng",
        postal_code="60284",
        phone="081234567015",
        owner="umkm5@komeji.id",
        target=ShopStatus.VERIFIED,
        legal_name="Yuni Kartika",
        birth_place="Surabaya",
        birth=dt.date(1989, 7, 21),
        female=True,
        nik_serial="9002",
        kecamatan_code="10",
        nib="9999000000205",
        colour=(190, 30, 30),
        bank=("114", "0011999002"),
    ),
    DemoShop(
        name="Batik Tulis Sidoarjo",
        description=(
            "Batik tulis motif kembang bayam dan beras utah dari Kampung Batik Jetis, "
            "dikerjakan tangan dengan pewarna alami."
        ),
        region_code="3515",
        street="Kampung Batik Jetis, Jl. Diponegoro No. 5",
        kecamatan="Sidoarjo",
        postal_code="61213",
        phone="081234567011",
        owner="umkm1@komeji.id",
        target=ShopStatus.SUBMITTED,
        legal_name="Ani Susanti",
        birth_place="Sidoarjo",
        birth=dt.date(1975, 11, 3),
        female=True,
        nik_serial="9003",
        kecamatan_code="08",
        nib="9999000000309",
        colour=(110, 60, 30),
    ),
    DemoShop(
        name="Kopi Ijen Banyuwangi",
        description=(
            "Kopi arabika dari lereng Ijen, dipetik merah dan disangrai sendiri. "
            "Biji atau bubuk, 250 gram."
        ),
        region_code="3510",
        street="Jl. Raya Licin No. 12",
        kecamatan="Licin",
        postal_code="68454",
        phone="081234567012",
        owner="umkm2@komeji.id",
        target=ShopStatus.REJECTED,
        legal_name="Slamet Riyadi",
        birth_place="Banyuwangi",
        birth=dt.date(1982, 1, 30),
        female=False,
        nik_serial="9004",
        kecamatan_code="21",
        colour=(90, 55, 35),
        rejection_reason="Foto KTP buram, mohon unggah ulang.",
    ),
    DemoShop(
        name="Bandeng Presto Gresik",
        description=(
            "Bandeng presto duri lunak dari tambak Gresik, bumbu kuning atau original, "
            "dikemas vakum."
        ),
        region_code="3525",
        street="Jl. Sindujoyo No. 30",
        kecamatan="Gresik",
        postal_code="61114",
        phone="081234567013",
        owner="umkm3@komeji.id",
        target=ShopStatus.RESUBMITTED,
        legal_name="Nur Hidayah",
        birth_place="Gresik",
        birth=dt.date(1986, 5, 9),
        female=True,
        nik_serial="9005",
        kecamatan_code="12",
        colour=(40, 120, 160),
        rejection_reason="Foto KTP buram dan NIK tidak terbaca, mohon unggah ulang.",
    ),
    DemoShop(
        name="Apel Batu Segar",
        description="Apel manalagi dan rome beauty dipetik langsung dari kebun di Bumiaji.",
        region_code="3579",
        street="Jl. Raya Bumiaji No. 45",
        kecamatan="Bumiaji",
        postal_code="65331",
        phone="081234567014",
        owner="umkm4@komeji.id",
        target=ShopStatus.DRAFT,
        legal_name="Joko Susilo",
        birth_place="Batu",
        birth=dt.date(1970, 9, 17),
        female=False,
        nik_serial="9006",
        kecamatan_code="03",
        documents=(),  # just opened: the checklist still lists the KTP and selfie
        colour=(60, 150, 60),
    ),
    DemoShop(
        name="Bordir Bangil Bu Fatimah",
        description=(
            "Mukena, kerudung dan baju koko bordir khas Bangil, dijahit dan dibordir "
            "di rumah produksi sendiri."
        ),
        region_code="3514",
        street="Jl. Kalianyar No. 14",
        kecamatan="Bangil",
        postal_code="67153",
        phone="081234567016",
        owner="umkm6@komeji.id",
        target=ShopStatus.DRAFT,
        legal_name="Fatimah Zahra",
        birth_place="Pasuruan",
        birth=dt.date(1980, 2, 14),
        female=True,
        nik_serial="9007",
        kecamatan_code="14",
        colour=(30, 130, 110),
        community="Relawan TIK Kabupaten Pasuruan",
        mentor="pendamping@komeji.id",
        owner_accepts=False,
    ),
    DemoShop(
        name="Bipang Beras Bu Suparmi",
        description=(
            "Bipang beras dan jipang kacang khas Pandaan, manis legit, "
            "cocok untuk oleh-oleh dan hantaran."
        ),
        region_code="3514",
        street="Jl. Raya Pandaan No. 88",
        kecamatan="Pandaan",
        postal_code="67156",
        phone="081234567017",
        owner="umkm7@komeji.id",
        target=ShopStatus.VERIFIED,
        legal_name="Suparmi",
        birth_place="Pasuruan",
        birth=dt.date(1968, 12, 1),
        female=True,
        nik_serial="9008",
        kecamatan_code="09",
        nib="9999000000402",
        colour=(220, 170, 40),
        bank=("451", "7149990008"),
        community="Relawan TIK Kabupaten Pasuruan",
        mentor="pendamping2@komeji.id",
    ),
    DemoShop(
        name="Topeng Malangan Pak Karyo",
        description=(
            "Topeng Malangan ukir tangan dari kayu sengon, untuk tari dan hiasan dinding. "
            "Bisa pesan tokoh Panji."
        ),
        region_code="3573",
        street="Jl. Soekarno Hatta No. 9",
        kecamatan="Lowokwaru",
        postal_code="65141",
        phone="081234567018",
        owner="umkm8@komeji.id",
        target=ShopStatus.SUBMITTED,
        legal_name="Karyono",
        birth_place="Malang",
        birth=dt.date(1965, 6, 25),
        female=False,
        nik_serial="9009",
        kecamatan_code="02",
        colour=(150, 40, 40),
        community="Relawan TIK Kota Malang",
        mentor="pendamping.malang@komeji.id",
    ),
    DemoShop(
        name="Kopi Lereng Argopuro",
        description="Kopi robusta dan arabika petani lereng Argopuro, Jember. Sangrai sendiri.",
        region_code="3509",
        street="Dusun Krajan RT 02/RW 05, Desa Sukorejo",
        kecamatan="Bangsalsari",
        postal_code="68154",
        phone="081234567019",
        owner="umkm9@komeji.id",
        target=ShopStatus.VERIFIED,
        legal_name="Hadi Purnomo",
        birth_place="Jember",
        birth=dt.date(1980, 4, 12),
        female=False,
        nik_serial="9010",
        kecamatan_code="16",
        nib="9999000000910",
        colour=(90, 60, 40),
        bank=("002", "099900000910"),
    ),
    DemoShop(
        name="Batik Gentongan Madura",
        description=(
            "Batik tulis gentongan khas Tanjung Bumi, direndam berbulan-bulan dalam gentong."
        ),
        region_code="3528",
        street="Jl. Raya Tanjung Bumi No. 21",
        kecamatan="Pademawu",
        postal_code="69323",
        phone="081234567020",
        owner="umkm10@komeji.id",
        target=ShopStatus.VERIFIED,
        legal_name="Siti Aminah",
        birth_place="Pamekasan",
        birth=dt.date(1972, 8, 30),
        female=True,
        nik_serial="9011",
        kecamatan_code="05",
        colour=(150, 30, 40),
        bank=("451", "7999000011"),
    ),
    DemoShop(
        name="Tahu Takwa Kediri Bu Lilik",
        description="Tahu takwa kuning, getuk pisang dan stik tahu khas Kediri sejak 1998.",
        region_code="3571",
        street="Jl. Yos Sudarso No. 40",
        kecamatan="Pesantren",
        postal_code="64133",
        phone="081234567021",
        owner="umkm11@komeji.id",
        target=ShopStatus.VERIFIED,
        legal_name="Lilik Handayani",
        birth_place="Kediri",
        birth=dt.date(1978, 2, 17),
        female=True,
        nik_serial="9012",
        kecamatan_code="03",
        nib="9999000001112",
        colour=(210, 170, 60),
        bank=("008", "1429990001112"),
    ),
    DemoShop(
        name="Anyaman Bambu Tulungagung",
        description=(
            "Tas, tampah dan keranjang anyaman bambu dan pandan buatan perajin Tulungagung."
        ),
        region_code="3504",
        street="Desa Wajak Kidul RT 01/RW 02",
        kecamatan="Boyolangu",
        postal_code="66235",
        phone="081234567022",
        owner="umkm12@komeji.id",
        target=ShopStatus.VERIFIED,
        legal_name="Sugeng Wibowo",
        birth_place="Tulungagung",
        birth=dt.date(1969, 12, 5),
        female=False,
        nik_serial="9013",
        kecamatan_code="12",
        colour=(170, 140, 80),
        bank=("014", "0999000013"),
    ),
    DemoShop(
        name="Kulit Magetan Jaya",
        description=(
            "Sepatu, sandal, dompet dan ikat pinggang kulit asli dari sentra kulit Magetan."
        ),
        region_code="3520",
        street="Jl. Sawo No. 7, Sentra Industri Kulit",
        kecamatan="Magetan",
        postal_code="63314",
        phone="081234567023",
        owner="umkm13@komeji.id",
        target=ShopStatus.VERIFIED,
        legal_name="Agung Prabowo",
        birth_place="Magetan",
        birth=dt.date(1985, 6, 21),
        female=False,
        nik_serial="9014",
        kecamatan_code="07",
        nib="9999000001314",
        colour=(120, 70, 30),
        bank=("009", "0999000014"),
    ),
]


class Command(BaseCommand):
    help = "Create or refresh Komeji's demo data (idempotent) and print the demo logins."

    users: dict[str, User]
    communities: dict[str, Community]
    password_hash: str

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        # One hash for all demo logins: hashing is slow on purpose, and this runs at every start.
        self.password_hash = make_password(DEMO_PASSWORD)
        self._holidays()
        self.users = {person["email"]: self._person(person) for person in PEOPLE}
        self.communities = {data["name"]: self._community(data) for data in COMMUNITIES}
        shops = [shop for spec in SHOPS if (shop := self._shop(spec)) is not None]
        self._summary(shops)
        catalogue = load_catalogue_demo(moderator=self.users[MODERATOR_EMAIL])
        self.stdout.write(
            f"Catalogue: {catalogue.products} products ({catalogue.created} new), "
            f"{catalogue.certificates} certificates, in {catalogue.shops} shops."
        )
        orders = load_orders_demo(buyer=self.users["pembeli@komeji.id"])
        self.stdout.write(
            f"Orders: {orders.orders} of pembeli@komeji.id ({orders.orders_created} new), "
            f"{orders.methods_created} shipping methods added."
        )

    def _holidays(self) -> None:
        today = dt.date.today()
        for year in (today.year, today.year + 1):
            for month_day, name in FIXED_HOLIDAYS:
                month, day = (int(part) for part in month_day.split("-"))
                Holiday.objects.get_or_create(
                    date=dt.date(year, month, day), defaults={"name": name}
                )

    def _person(self, person: dict[str, Any]) -> User:
        user = User.objects.filter(email__iexact=person["email"]).first()
        if user is None:
            user = User.objects.create_user(email=person["email"], full_name=person["full_name"])
        # Converge: a demo login always works with the printed password.
        user.password = self.password_hash
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
        return user

    # --- Communities and shops -------------------------------------------------------------------

    def _community(self, data: dict[str, Any]) -> Community:
        """RTIK chapters are managed in the admin (no service): plain rows."""
        region = Region.objects.get(code=data["region_code"])
        community = (
            Community.objects.filter(name=data["name"]).first()
            # One active chapter per kabupaten/kota: reuse one an admin already made.
            or Community.objects.filter(region=region, is_active=True).first()
            or Community.objects.create(name=data["name"], region=region)
        )
        for email, role in data["members"]:
            CommunityMember.objects.get_or_create(
                community=community, user=self.users[email], defaults={"role": role}
            )
        return community

    def _shop(self, spec: DemoShop) -> Shop | None:
        """Bring one demo shop as far as `spec.target`, through the services, skipping what is
        done. A shop is found again by its creator (owner or mentor) and name."""
        owner = self.users[spec.owner]
        community = self.communities[spec.community] if spec.community else None
        profile: dict[str, Any] = {
            "name": spec.name,
            "description": spec.description,
            "region": Region.objects.get(code=spec.region_code),
            "street": spec.street,
            "kecamatan": spec.kecamatan,
            "postal_code": spec.postal_code,
            "phone": spec.phone,
        }
        mentor = self.users[spec.mentor] if spec.mentor else None
        if mentor is not None:
            assert community is not None, spec.name
            shop = Shop.objects.filter(created_by=mentor, name=spec.name).first()
            if shop is None:
                shop = community_services.shop_draft_for_umkm(
                    mentor=mentor, community=community, **profile
                )
        else:
            shop = Shop.objects.filter(created_by=owner, name=spec.name).first()
            if shop is None:
                if shop_owned_by(user=owner) is not None:
                    self.stderr.write(
                        f"  skipped {spec.name}: {owner.email} already owns another shop"
                    )
                    return None
                shop = shop_services.shop_open(user=owner, community=community, **profile)

        if shop.status == ShopStatus.DRAFT:
            # Until the owner accepts an assisted shop, its mentor fills it in.
            editor = mentor if mentor is not None and not shop.is_claimed else owner
            self._fill_in(shop, spec, editor)
            if mentor is not None and not shop.is_claimed:
                self._hand_over(shop, spec, mentor, owner)
        self._advance(shop, spec, owner)
        shop.refresh_from_db()

        if (
            spec.bank is not None
            and shop.is_claimed
            and not BankAccount.objects.filter(shop=shop).exists()
        ):
            bank_code, account_number = spec.bank
            bank_services.shop_bank_account_set(
                shop_id=shop.pk,
                actor=owner,
                password=DEMO_PASSWORD,
                bank_code=bank_code,
                account_number=account_number,
                holder_name=spec.legal_name,
            )
        for email in spec.staff:
            staff = self.users[email]
            if not ShopMember.objects.filter(shop=shop, user=staff).exists():
                _invitation, token = member_services.shop_staff_invite(
                    shop_id=shop.pk, actor=owner, email=email
                )
                member_services.shop_invitation_accept(token=token, user=staff)
        return shop

    def _fill_in(self, shop: Shop, spec: DemoShop, editor: User) -> None:
        """Legal data and the sample documents, each only if missing."""
        if not shop.nik:
            shop_services.shop_update_legal(
                shop_id=shop.pk,
                actor=editor,
                owner_legal_name=spec.legal_name,
                nik=spec.nik,
                nib=spec.nib,
                npwp=spec.npwp,
            )
        present = set(shop.documents.values_list("kind", flat=True))
        # A shop that will be rejected first gets the blurred KTP photo the moderator refuses.
        blurred = bool(spec.rejection_reason)
        for kind in spec.documents:
            if kind not in present:
                self._upload(shop, spec, editor, kind, blurred=blurred and kind == "ktp")

    def _upload(self, shop: Shop, spec: DemoShop, actor: User, kind: str, *, blurred: bool) -> None:
        image: io.BytesIO
        if kind == ShopDocument.Kind.KTP:
            image = demo.ktp_card(
                nik=spec.nik,
                name=spec.legal_name,
                birth_place=spec.birth_place,
                birth=spec.birth,
                female=spec.female,
                address=spec.street,
                kecamatan=spec.kecamatan,
                region=str(shop.region),
                blurred=blurred,
            )
        elif kind == ShopDocument.Kind.SELFIE:
            image = demo.selfie(name=spec.legal_name)
        else:
            image = demo.business_photo(shop_name=spec.name, colour=spec.colour)
        document_services.shop_document_upload(
            shop_id=shop.pk, actor=actor, kind=kind, upload=image
        )

    def _hand_over(self, shop: Shop, spec: DemoShop, mentor: User, owner: User) -> None:
        """Assisted onboarding: consent, owner invitation, and (if `owner_accepts`) acceptance."""
        if shop.consent_given_on is None:
            community_services.shop_record_consent(
                shop_id=shop.pk,
                mentor=mentor,
                owner_name=spec.legal_name,
                given_on=timezone.localdate() - dt.timedelta(days=3),
                confirmed=True,
            )
        if spec.owner_accepts:
            # The token of an earlier invitation is only in its e-mail: a new one replaces it.
            _invitation, token = member_services.shop_owner_invite(
                shop_id=shop.pk, actor=mentor, email=owner.email
            )
            member_services.shop_invitation_accept(token=token, user=owner)
            shop.refresh_from_db()
            return
        pending = ShopInvitation.objects.filter(
            shop=shop,
            role=ShopMember.Role.OWNER,
            email__iexact=owner.email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        if not pending.exists():  # none yet, or the last one expired
            member_services.shop_owner_invite(shop_id=shop.pk, actor=mentor, email=owner.email)

    def _advance(self, shop: Shop, spec: DemoShop, owner: User) -> None:
        """Walk the status path to the target, only from a status on that path: a shop moved
        elsewhere (by hand, in the demo) is left alone."""
        path = STATUS_PATHS[spec.target]
        shop.refresh_from_db()
        while shop.status in path and shop.status != path[-1]:
            before = shop.status
            step = path[path.index(shop.status) + 1]
            if step == ShopStatus.SUBMITTED:
                verification.shop_submit(shop_id=shop.pk, actor=owner)
            elif step == ShopStatus.VERIFIED:
                verification.shop_verify(
                    shop_id=shop.pk,
                    moderator=self.users[MODERATOR_EMAIL],
                    note="Data dan dokumen lengkap serta sesuai.",
                )
            elif step == ShopStatus.REJECTED:
                verification.shop_reject(
                    shop_id=shop.pk,
                    moderator=self.users[MODERATOR_EMAIL],
                    reason=spec.rejection_reason,
                )
            elif step == ShopStatus.RESUBMITTED:
                # The owner uploads a sharp KTP photo and sends the shop again.
                self._upload(shop, spec, owner, ShopDocument.Kind.KTP, blurred=False)
                verification.shop_submit(shop_id=shop.pk, actor=owner)
            shop.refresh_from_db()
            if shop.status == before:  # services refuse by raising: never loop
                break

    # --- Summary ---------------------------------------------------------------------------------

    def _summary(self, shops: list[Shop]) -> None:
        out = self.stdout.write
        out(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        out(f"  password: {DEMO_PASSWORD}")
        for person in PEOPLE:
            out(f"  {person['role']:<50} {person['email']}")
        out(self.style.SUCCESS("Communities:"))
        for community in self.communities.values():
            members = ", ".join(
                f"{m.user.email} ({m.get_role_display()})"
                for m in community.memberships.select_related("user").order_by("role", "pk")
            )
            out(f"  {community.name}: {members}")
        out(self.style.SUCCESS("Shops:"))
        for shop in Shop.objects.filter(pk__in=[s.pk for s in shops]).select_related("region"):
            note = ""
            if shop.is_assisted:
                note = " (assisted" + ("" if shop.is_claimed else ", owner invited") + ")"
            out(f"  {shop.status:<12} {shop.name:<28} {shop.region}{note}")
        counts = {
            row["status"]: row["n"] for row in Shop.objects.values("status").annotate(n=Count("id"))
        }
        out("  " + ", ".join(f"{status}: {counts.get(status, 0)}" for status in ShopStatus.values))
