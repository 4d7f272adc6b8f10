"""Regressions found in review: SKU swaps, stale forms and imports, inclusive expiry dates, jamu
registrations, the page cache key, and the seller list's search and pages."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from marketplace.models import Certificate, CertificateStatus, Variant
from marketplace.services import certificates as certificate_services
from marketplace.services import products as product_services
from marketplace.services.products import ProductRefused, VariantInput
from tests.marketplace.conftest import make_product
from tests.marketplace.test_browse import add_image, clear_cache, given_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _inputs(product, **changes):
    return [
        VariantInput(
            id=v.pk,
            name=v.name,
            sku=changes.get(v.sku, v.sku),
            price=v.price,
            weight_grams=v.weight_grams,
            stock_on_hand=v.stock_on_hand,
        )
        for v in product.variants.order_by("position")
    ]


def test_two_skus_can_be_swapped_in_one_save(verified_shop, owner, categories):
    product = make_product(verified_shop, owner, categories["crafts"])
    product_services.product_update(
        product_id=product.pk,
        actor=owner,
        category=categories["crafts"],
        name=product.name,
        variants=_inputs(product, **{"KTP-250": "KTO-500", "KTO-500": "KTP-250"}),
    )
    assert list(product.variants.order_by("position").values_list("name", "sku")) == [
        ("Pedas, 250 g", "KTO-500"),
        ("Original, 500 g", "KTP-250"),
    ]


def test_a_deleted_variants_sku_can_go_to_a_new_one(verified_shop, owner, categories):
    product = make_product(verified_shop, owner, categories["crafts"])
    pedas = product.variants.get(sku="KTP-250")
    product_services.product_update(
        product_id=product.pk,
        actor=owner,
        category=categories["crafts"],
        name=product.name,
        variants=[
            VariantInput(
                id=pedas.pk,
                name="Pedas",
                sku="NEW-1",
                price=25_000,
                weight_grams=250,
                stock_on_hand=1,
            ),
            VariantInput(
                name="Baru", sku="KTO-500", price=30_000, weight_grams=250, stock_on_hand=2
            ),
        ],
    )
    assert sorted(product.variants.values_list("sku", flat=True)) == ["KTO-500", "NEW-1"]


def test_a_stale_form_does_not_undo_a_change_made_meanwhile(
    client, verified_shop, owner, categories
):
    product = make_product(verified_shop, owner, categories["crafts"])
    variant = product.variants.get(sku="KTP-250")
    seen = (variant.price, variant.stock_on_hand)
    # Meanwhile the stock changes (an order shipped, a quick edit from another phone).
    Variant.objects.filter(pk=variant.pk).update(stock_on_hand=33)
    client.force_login(owner)
    client.post(
        reverse("marketplace:variant_quick_edit", args=[verified_shop.pk, variant.pk]),
        {
            "price": "26000",
            "stock_on_hand": "40",
            "expected_price": seen[0],
            "expected_stock": seen[1],
        },
    )
    variant.refresh_from_db()
    assert (variant.price, variant.stock_on_hand) == (25_000, 33)
    with pytest.raises(ProductRefused, match=r"Rp 25\.000"):
        product_services.product_update(
            product_id=product.pk,
            actor=owner,
            category=categories["crafts"],
            name=product.name,
            variants=[
                VariantInput(
                    id=v.id,
                    name=v.name,
                    sku=v.sku,
                    price=v.price,
                    weight_grams=v.weight_grams,
                    stock_on_hand=40,
                    expected_price=25_000,
                    expected_stock=40,
                )
                for v in _inputs(product)
            ],
        )
    variant.refresh_from_db()
    assert variant.stock_on_hand == 33


def test_a_certificate_is_valid_through_its_last_day(
    verified_shop, owner, categories, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    product = make_product(verified_shop, owner, categories["snacks"])
    add_image(product)
    today = timezone.localdate()
    Certificate.objects.create(
        product=product,
        kind="pirt",
        number="2063573010123",
        issued_on=today - dt.timedelta(days=900),
        expires_on=today,
        scan="certificates/x.jpg",
        status=CertificateStatus.VERIFIED,
    )
    assert product_services.product_certificate_ok(product=product)
    assert product_services.product_publish(product_id=product.pk, actor=owner).status == "active"
    assert certificate_services.certificates_check_expiry(today=today).hidden == 0
    assert (
        certificate_services.certificates_check_expiry(today=today + dt.timedelta(days=1)).hidden
        == 1
    )


@pytest.mark.parametrize(
    ("kind", "number", "stored"),
    [
        ("bpom_tr", "POM TR 143 123 451", "TR 143123451"),
        ("bpom_tr", "BPOM RI TI 083 456 789", "TI 083456789"),
        ("bpom_na", "NA18201201234", "NA 18201201234"),
    ],
)
def test_jamu_and_cosmetics_registrations_are_accepted(kind, number, stored):
    assert certificate_services.certificate_number_clean(kind=kind, number=number) == stored


def test_tracking_parameters_share_the_cached_page(
    verified_shop, owner, categories, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    add_image(given_product(verified_shop, owner, categories["crafts"], "Tas Pandan"))
    clear_cache()
    url = reverse("marketplace:category", args=[categories["crafts"].slug])
    Client().get(f"{url}?utm_source=wa")
    response = Client().get(f"{url}?utm_source=fb&fbclid=123")
    assert response["X-Komeji-Cache"] == "hit"
    assert "X-Komeji-Cache" not in Client().get(f"{url}?sort=price_asc")


def test_the_seller_list_searches_and_pages(client, verified_shop, owner, categories):
    for n in range(55):
        make_product(
            verified_shop,
            owner,
            categories["crafts"],
            name=f"Tas Anyaman {n:02d}",
            variants=[
                VariantInput(
                    name="", sku=f"TAS-{n:02d}", price=10_000, weight_grams=100, stock_on_hand=1
                )
            ],
        )
    client.force_login(owner)
    url = reverse("marketplace:product_list", args=[verified_shop.pk])
    first = client.get(url)
    assert len(first.context["products"]) == 50
    assert first.context["page"].paginator.num_pages == 2
    assert len(client.get(url, {"page": 2}).context["products"]) == 5
    found = client.get(url, {"q": "tas-07"}).context["products"]
    assert [p.name for p in found] == ["Tas Anyaman 07"]


def test_a_halal_certificate_may_have_no_end_date(
    verified_shop, owner, categories, moderator, settings, tmp_path
):
    from tests.marketplace.test_certificates import scan_upload

    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "vendors.documents.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    product = make_product(verified_shop, owner, categories["snacks"])
    today = timezone.localdate()
    with pytest.raises(ProductRefused):  # a P-IRT always has an end date
        certificate_services.certificate_add(
            product_id=product.pk,
            actor=owner,
            kind="pirt",
            number="2063573010123",
            issued_on=today - dt.timedelta(days=10),
            expires_on=None,
            scan=scan_upload(),
        )
    halal = certificate_services.certificate_add(
        product_id=product.pk,
        actor=owner,
        kind="halal",
        number="ID35110000123450824",
        issued_on=today - dt.timedelta(days=10),
        expires_on=None,
        scan=scan_upload(),
    )
    certificate_services.certificate_verify(certificate_id=halal.pk, moderator=moderator)
    product.refresh_from_db()
    halal.refresh_from_db()
    assert product.has_halal
    far = today + dt.timedelta(days=3650)
    assert halal.is_valid_on(far)
    certificate_services.certificates_check_expiry(today=far)
    product.refresh_from_db()
    assert product.has_halal
