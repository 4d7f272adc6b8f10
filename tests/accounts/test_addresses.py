import pytest
from django.db import IntegrityError, transaction

from komeji.accounts import services
from komeji.accounts.models import Address
from komeji.accounts.validators import normalize_phone
from komeji.common.models import Region
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "label": "Rumah",
        "recipient_name": "Budi Santoso",
        "phone": "0812 3456 7001",
        "street": "Jl. Raya Darmo No. 45",
        "kecamatan": "Wonokromo",
        "region": Region.objects.get(code="3578").pk,
        "postal_code": "60241",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("081234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0812 345 678", "+62812345678"),
    ],
)
def test_phone_numbers_are_normalized(raw, normalized):
    assert normalize_phone(raw) == normalized


@pytest.mark.parametrize(
    "raw", ["", "12345", "0212345678", "+1 555 123 4567", "08123", "08" + "1" * 14]
)
def test_bad_phone_numbers_are_refused(raw):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_first_address_becomes_default_and_a_new_default_replaces_it(client):
    user = UserFactory()
    client.force_login(user)
    assert client.post("/akun/profil/alamat/tambah/", form_data()).status_code == 302
    first = Address.objects.get(user=user)
    assert first.is_default
    assert first.phone == "+6281234567001"

    response = client.post(
        "/akun/profil/alamat/tambah/",
        form_data(label="Kantor", street="Jl. Ijen No. 12", is_default="on"),
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second = Address.objects.get(user=user, label="Kantor")
    assert second.is_default and not first.is_default

    client.post(f"/akun/profil/alamat/{first.pk}/utama/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_default and not second.is_default

    page = client.get("/akun/profil/alamat/").content.decode()
    assert "Jl. Raya Darmo No. 45" in page and "Jl. Ijen No. 12" in page


def test_deleting_the_default_promotes_another():
    user = UserFactory()
    region = Region.objects.get(code="3573")
    common = dict(recipient_name="A", phone="081298765432", kecamatan="Klojen", region=region)
    older = services.address_create(user=user, street="Jl. Satu 1", postal_code="65111", **common)
    newer = services.address_create(user=user, street="Jl. Dua 2", postal_code="65112", **common)
    services.address_set_default(user=user, address_id=newer.pk)
    services.address_delete(user=user, address_id=newer.pk)
    older.refresh_from_db()
    assert older.is_default
    assert list(Address.objects.filter(user=user)) == [older]


def test_invalid_address_is_refused_with_messages_and_nothing_saved(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/akun/profil/alamat/tambah/", form_data(postal_code="6024", phone="12", street="x")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "5 angka" in html
    assert "nomor HP Indonesia" in html
    assert Address.objects.count() == 0


def test_another_users_address_is_404_and_unchanged(client):
    address = AddressFactory(is_default=True, street="Jl. Kawi No. 10")
    client.force_login(UserFactory())
    assert client.get(f"/akun/profil/alamat/{address.pk}/ubah/").status_code == 404
    assert client.post(f"/akun/profil/alamat/{address.pk}/ubah/", form_data()).status_code == 404
    assert client.post(f"/akun/profil/alamat/{address.pk}/hapus/").status_code == 404
    assert client.post(f"/akun/profil/alamat/{address.pk}/utama/").status_code == 404
    address.refresh_from_db()
    assert address.street == "Jl. Kawi No. 10"
    assert address.is_default


def test_the_database_allows_one_default_per_user():
    user = UserFactory()
    AddressFactory(user=user, is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        AddressFactory(user=user, is_default=True)
    assert Address.objects.filter(user=user).count() == 1


def test_address_pages_need_login(client):
    response = client.get("/akun/profil/alamat/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/login/")


def test_next_after_adding_an_address_stays_on_this_site(client):
    client.force_login(UserFactory())
    evil = client.post("/akun/profil/alamat/tambah/?next=https://evil.example/", form_data())
    assert evil["Location"] == "/akun/profil/alamat/"
    ours = client.post(
        "/akun/profil/alamat/tambah/?next=/keranjang/", form_data(street="Jl. Lain No. 2")
    )
    assert ours["Location"] == "/keranjang/"
