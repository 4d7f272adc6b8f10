"""Shops, communities and people around them, built through the services (as in production)."""

import io
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from komeji.accounts.models import User
from komeji.common.models import Region
from tests.factories import UserFactory
from vendors.models import Community, CommunityMember, Shop, ShopMember
from vendors.services import communities as community_services
from vendors.services import shops as shop_services

VALID_NIK = "3573011501900001"  # Kota Malang, born 15-01-1990
VALID_NIB = "9120001234567"


def jpeg_upload(name: str = "ktp.jpg", size: tuple[int, int] = (64, 40)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 180, 120)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def shop_profile(region_code: str = "3573", name: str = "Keripik Tempe Bu Siti") -> dict:
    return {
        "name": name,
        "description": "Keripik tempe renyah khas Malang.",
        "region": Region.objects.get(code=region_code),
        "street": "Jl. Sanan No. 8",
        "kecamatan": "Blimbing",
        "postal_code": "65125",
        "phone": "081234567890",
    }


@pytest.fixture
def tmp_documents(settings, tmp_path):
    """Legal documents go to a temporary private directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "vendors.documents.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents")},
        },
    }
    return tmp_path / "documents"


@pytest.fixture
def malang_community(db) -> Community:
    return Community.objects.create(
        name="Relawan TIK Kota Malang", region=Region.objects.get(code="3573")
    )


@pytest.fixture
def pasuruan_community(db) -> Community:
    return Community.objects.create(
        name="Relawan TIK Kabupaten Pasuruan", region=Region.objects.get(code="3514")
    )


@pytest.fixture
def mentor(pasuruan_community) -> User:
    user = UserFactory(full_name="Agus Prasetyo")
    CommunityMember.objects.create(community=pasuruan_community, user=user, role="mentor")
    return user


@pytest.fixture
def other_mentor(malang_community) -> User:
    user = UserFactory(full_name="Rina Wulandari")
    CommunityMember.objects.create(community=malang_community, user=user, role="mentor")
    return user


@pytest.fixture
def owner(db) -> User:
    return UserFactory(full_name="Siti Rahayu")


@pytest.fixture
def shop(owner) -> Shop:
    return shop_services.shop_open(user=owner, **shop_profile())


@pytest.fixture
def staff(shop) -> User:
    user = UserFactory(full_name="Joko Susilo")
    ShopMember.objects.create(shop=shop, user=user, role=ShopMember.Role.STAFF)
    return user


@pytest.fixture
def outsider(db) -> User:
    return UserFactory(full_name="Budi Santoso")


@pytest.fixture
def moderator(db) -> User:
    user = UserFactory(full_name="Moderator Dinas", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


@pytest.fixture
def assisted_shop(mentor, pasuruan_community) -> Shop:
    return community_services.shop_draft_for_umkm(
        mentor=mentor,
        community=pasuruan_community,
        **shop_profile(region_code="3514", name="Bandeng Presto Bu Rukmini"),
    )


@dataclass
class People:
    owner: User
    staff: User
    outsider: User
    mentor: User
    other_mentor: User
