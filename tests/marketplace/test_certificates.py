"""Certificates: adding with a checked scan, verification by a moderator, publishing only with a
verified, valid certificate, and the daily check that warns before expiry and hides products whose
required certificate expired."""

import datetime as dt
import importlib
import io
import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from komeji.common.models import AuditLog, Notification
from marketplace import tasks
from marketplace.models import (
    Certificate,
    CertificateStatus,
    Product,
    ProductImage,
    ProductStatus,
)
from marketplace.services import certificates as certificate_services
from marketplace.services import products as product_services
from marketplace.services.certificates import certificates_check_expiry
from marketplace.services.products import ProductRefused
from tests.marketplace.conftest import image_upload, make_product
from vendors.services.errors import ShopNotFound

# Relative to the real date: the services compare with timezone.localdate().
TODAY = dt.date.today()


def scan_upload(name: str = "pirt.jpg") -> SimpleUploadedFile:
    return image_upload(name, size=(300, 200))


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages are asserted in English, the source language (Indonesian is the default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def catalogue_tree(jatim_regions):
    """The regions and the category tree again, for transactional tests (a `transaction=True`
    test empties every table after it runs, data migrations' rows included)."""
    from django.apps import apps

    importlib.import_module("marketplace.migrations.0003_category_tree").load(apps, None)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Scans are on the private documents storage: the same directory here, for the asserts.
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "vendors.documents.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@pytest.fixture
def english_owner(owner):
    """Notifications are written in the recipient's language: English keeps the texts exact."""
    owner.language = "en"
    owner.save(update_fields=["language"])
    return owner


def add_photo(product: Product) -> ProductImage:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (190, 140, 60)).save(buffer, format="JPEG")
    return ProductImage.objects.create(
        product=product, image=ContentFile(buffer.getvalue(), name="foto.jpg"), width=64, height=64
    )


def add_certificate(product, actor, *, number="P-IRT 2063573010123-26", **extra) -> Certificate:
    today = timezone.localdate()
    return certificate_services.certificate_add(
        product_id=product.pk,
        actor=actor,
        kind=extra.pop("kind", "pirt"),
        number=number,
        issued_on=extra.pop("issued_on", today - dt.timedelta(days=365)),
        expires_on=extra.pop("expires_on", today + dt.timedelta(days=4 * 365)),
        scan=extra.pop("scan", None) or scan_upload(),
    )


def on_sale(product: Product, expires_on: dt.date, kind: str = "pirt") -> Certificate:
    """Given-state: an active product with a verified certificate (the services are tested
    above; the expiry tests need dates in the past)."""
    certificate = Certificate.objects.create(
        product=product,
        kind=kind,
        number="2063573010123-26",
        issued_on=expires_on - dt.timedelta(days=5 * 365),
        expires_on=expires_on,
        scan="certificates/2026/11/contoh.jpg",
        status=CertificateStatus.VERIFIED,
        verified_at=timezone.now(),
    )
    Product.objects.filter(pk=product.pk).update(
        status=ProductStatus.ACTIVE, published_at=timezone.now()
    )
    return certificate


# --- Adding ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_certificate_is_added_with_a_cleaned_scan_and_waits_for_a_moderator(
    media, verified_shop, owner, staff, categories
):
    product = make_product(verified_shop, owner, categories["snacks"])
    photo = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 20, 30)).save(photo, format="JPEG", exif=b"Exif\x00\x00GPS")

    certificate = add_certificate(
        product,
        staff,
        number=" P-IRT No. 2063573010123-26 ",
        scan=SimpleUploadedFile("foto-sertifikat.jpeg", photo.getvalue()),
    )

    assert certificate.status == CertificateStatus.PENDING
    assert certificate.number == "2063573010123-26"
    assert certificate.scan.name.startswith(f"certificates/{timezone.now():%Y/%m}/")
    assert certificate.scan.name.endswith(".jpg")
    assert "foto-sertifikat" not in certificate.scan.name  # a random, unguessable name
    stored = (media / certificate.scan.name).read_bytes()
    assert stored[:3] == b"\xff\xd8\xff" and b"GPS" not in stored  # re-encoded, EXIF gone
    assert AuditLog.objects.get(action="certificate.added").actor == staff


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "number", "stored"),
    [
        ("pirt", "2063573010123-26", "2063573010123-26"),
        ("pirt", "PIRT: 206 3573 010123", "2063573010123"),
        ("bpom_md", "BPOM RI MD 224510001234", "MD 224510001234"),
        ("bpom_md", "224510001234", "MD 224510001234"),
        ("bpom_ml", "ml 8675.3000.1234", "ML 867530001234"),
        ("halal", "ID35110000123450722", "ID35110000123450722"),
    ],
)
def test_numbers_are_read_leniently(media, verified_shop, owner, categories, kind, number, stored):
    product = make_product(verified_shop, owner, categories["snacks"])
    certificate = add_certificate(product, owner, kind=kind, number=number)
    assert certificate.number == stored


def _pdf_with_script() -> SimpleUploadedFile:
    data = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF"
    return SimpleUploadedFile("sertifikat.pdf", data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"number": "12345"}, "A P-IRT number has 12 to 20 digits, usually 15"),
        ({"number": "2063573010123-26-ABC"}, "A P-IRT number has 12 to 20 digits"),
        ({"kind": "bpom_md", "number": "ML 224510001234"}, "This number starts with ML"),
        ({"kind": "bpom_md", "number": "MD 1234"}, "A BPOM MD number is “MD” followed"),
        ({"kind": "halal", "number": "12345"}, "at least 6 characters"),
        ({"issued_on": TODAY + dt.timedelta(days=3650)}, "cannot be in the future"),
        (
            {
                "issued_on": TODAY - dt.timedelta(days=30),
                "expires_on": TODAY - dt.timedelta(days=40),
            },
            "must expire after it was issued",
        ),
        ({"expires_on": TODAY - dt.timedelta(days=1)}, "has already expired"),
        ({"scan": SimpleUploadedFile("scan.jpg", b"<html>not an image</html>")}, "JPEG or PNG"),
        ({"scan": _pdf_with_script()}, "contains scripts"),
        ({"scan": SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 5_300_000)}, "5 MB"),
    ],
)
def test_a_wrong_certificate_is_refused_and_nothing_is_stored(
    media, verified_shop, owner, categories, changes, message
):
    product = make_product(verified_shop, owner, categories["snacks"])
    if "expires_on" in changes and "issued_on" not in changes:
        changes["issued_on"] = changes["expires_on"] - dt.timedelta(days=365)
    with pytest.raises(ProductRefused, match=message):
        add_certificate(product, owner, **changes)
    assert not Certificate.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_the_same_certificate_twice_is_refused_and_its_file_removed(
    media, verified_shop, owner, categories
):
    product = make_product(verified_shop, owner, categories["snacks"])
    first = add_certificate(product, owner)
    with pytest.raises(ProductRefused, match="already added"):
        add_certificate(product, owner, number="P-IRT No. 2063573010123-26")
    assert list(Certificate.objects.values_list("pk", flat=True)) == [first.pk]
    files = [path for path in media.rglob("*") if path.is_file()]
    assert [str(path.relative_to(media)) for path in files] == [first.scan.name]


@pytest.mark.django_db
def test_outsiders_and_other_shops_cannot_add_certificates(
    media, verified_shop, owner, outsider, other_shop, categories
):
    product = make_product(verified_shop, owner, categories["snacks"])
    other_owner = other_shop.memberships.get(role="owner").user
    for actor in (outsider, other_owner):
        with pytest.raises(ShopNotFound):
            add_certificate(product, actor)
    assert not Certificate.objects.exists()
    assert not (media / "certificates").exists()


# --- Verification and publishing -----------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_needs_a_verified_certificate_in_a_category_that_requires_one(
    media, verified_shop, english_owner, moderator, categories
):
    owner = english_owner
    product = make_product(verified_shop, owner, categories["snacks"])
    add_photo(product)

    with pytest.raises(ProductRefused) as refused:
        product_services.product_publish(product_id=product.pk, actor=owner)
    assert str(refused.value.message) == (
        "Products in Keripik & Camilan need a verified, valid P-IRT / BPOM certificate."
    )
    certificate = add_certificate(product, owner)
    with pytest.raises(ProductRefused):  # pending is not enough
        product_services.product_publish(product_id=product.pk, actor=owner)
    product.refresh_from_db()
    assert (product.status, product.published_at) == (ProductStatus.DRAFT, None)

    certificate_services.certificate_verify(certificate_id=certificate.pk, moderator=moderator)
    certificate.refresh_from_db()
    assert (certificate.status, certificate.verified_by) == (CertificateStatus.VERIFIED, moderator)
    note = Notification.objects.get(recipient=owner, kind="certificate.verified")
    assert note.title == "The P-IRT certificate of Keripik Tempe Pedas is verified"
    assert note.email is not None and note.email.to == owner.email
    assert AuditLog.objects.get(action="certificate.verified").actor == moderator

    product_services.product_publish(product_id=product.pk, actor=owner)
    product.refresh_from_db()
    assert product.status == ProductStatus.ACTIVE
    assert Product.objects.public().filter(pk=product.pk).exists()


@pytest.mark.django_db
def test_a_category_without_requirement_publishes_without_certificate(
    media, verified_shop, owner, categories
):
    product = make_product(verified_shop, owner, categories["crafts"], name="Tas Anyaman Pandan")
    add_photo(product)
    product_services.product_publish(product_id=product.pk, actor=owner)
    product.refresh_from_db()
    assert product.status == ProductStatus.ACTIVE


@pytest.mark.django_db
def test_rejecting_needs_a_reason_and_a_moderator(
    media, verified_shop, english_owner, staff, outsider, moderator, categories
):
    owner = english_owner
    product = make_product(verified_shop, owner, categories["snacks"])
    certificate = add_certificate(product, owner)

    with pytest.raises(ProductRefused, match="Write the reason"):
        certificate_services.certificate_reject(
            certificate_id=certificate.pk, moderator=moderator, reason="  "
        )
    for actor in (outsider, owner, staff):
        with pytest.raises(ProductRefused, match="Only a moderator"):
            certificate_services.certificate_reject(
                certificate_id=certificate.pk, moderator=actor, reason="Palsu"
            )
        with pytest.raises(ProductRefused, match="Only a moderator"):
            certificate_services.certificate_verify(certificate_id=certificate.pk, moderator=actor)
    certificate.refresh_from_db()
    assert (certificate.status, certificate.rejection_reason) == (CertificateStatus.PENDING, "")
    assert not Notification.objects.filter(kind__startswith="certificate.").exists()

    certificate_services.certificate_reject(
        certificate_id=certificate.pk, moderator=moderator, reason="Scan tidak terbaca"
    )
    certificate.refresh_from_db()
    assert (certificate.status, certificate.rejection_reason) == (
        CertificateStatus.REJECTED,
        "Scan tidak terbaca",
    )
    note = Notification.objects.get(recipient=owner, kind="certificate.rejected")
    assert note.title == "The P-IRT certificate of Keripik Tempe Pedas was not accepted"
    assert note.body == ("Reason: Scan tidak terbaca. Add a correct certificate with a clear scan.")
    entry = AuditLog.objects.get(action="certificate.rejected")
    assert (entry.actor, entry.reason) == (moderator, "Scan tidak terbaca")
    with pytest.raises(ProductRefused, match="already"):
        certificate_services.certificate_verify(certificate_id=certificate.pk, moderator=moderator)


@pytest.mark.django_db
def test_a_moderator_of_the_shop_cannot_verify_its_certificate(
    media, verified_shop, owner, staff, categories
):
    from django.contrib.auth.models import Group

    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.groups.add(Group.objects.get(name="Moderator"))
    product = make_product(verified_shop, owner, categories["snacks"])
    certificate = add_certificate(product, owner)
    with pytest.raises(ProductRefused, match="another moderator"):
        certificate_services.certificate_verify(certificate_id=certificate.pk, moderator=staff)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.PENDING


@pytest.mark.django_db
def test_rejecting_a_verified_certificate_hides_the_product_at_once(
    media, verified_shop, english_owner, moderator, categories
):
    product = make_product(verified_shop, english_owner, categories["snacks"])
    certificate = on_sale(product, expires_on=timezone.localdate() + dt.timedelta(days=400))

    certificate_services.certificate_reject(
        certificate_id=certificate.pk, moderator=moderator, reason="Nomor tidak terdaftar"
    )
    product.refresh_from_db()
    assert product.status == ProductStatus.HIDDEN
    assert product.status_reason.startswith("The verified P-IRT / BPOM certificate")
    assert AuditLog.objects.get(action="product.hidden.certificate").actor == moderator


# --- The daily check -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_shop_is_warned_30_days_before_expiry_once(verified_shop, english_owner, categories):
    owner = english_owner
    product = make_product(verified_shop, owner, categories["snacks"])
    expires_on = dt.date(2027, 1, 15)
    certificate = on_sale(product, expires_on=expires_on)

    assert certificates_check_expiry(today=dt.date(2026, 12, 15)).warned == 0  # 31 days before
    assert not Notification.objects.exists()

    result = certificates_check_expiry(today=dt.date(2026, 12, 16))  # 30 days before
    assert (result.warned, result.hidden) == (1, 0)
    note = Notification.objects.get(recipient=owner)
    assert note.kind == "certificate.expiring"
    assert note.title == "The P-IRT certificate of Keripik Tempe Pedas expires on 15 Jan 2027"
    assert note.body == (
        "Renew it and add the new certificate before then. A product whose category needs a "
        "certificate is hidden from buyers when its certificate expires."
    )
    assert note.url == reverse("marketplace:certificates", args=[verified_shop.pk, product.pk])
    assert note.email is not None and note.email.to == owner.email
    certificate.refresh_from_db()
    warned_at = certificate.expiry_warned_at
    assert warned_at is not None

    # The next runs (the same day again, the next days) warn no more.
    for day in (dt.date(2026, 12, 16), dt.date(2026, 12, 17), dt.date(2027, 1, 14)):
        assert certificates_check_expiry(today=day) == certificate_services.ExpiryCheckResult(0, 0)
    assert Notification.objects.count() == 1
    certificate.refresh_from_db()
    assert certificate.expiry_warned_at == warned_at
    product.refresh_from_db()
    assert product.status == ProductStatus.ACTIVE


@pytest.mark.django_db
def test_a_renewed_certificate_is_not_warned_about(verified_shop, owner, categories):
    product = make_product(verified_shop, owner, categories["snacks"])
    on_sale(product, expires_on=dt.date(2027, 1, 15))
    Certificate.objects.create(
        product=product,
        kind="pirt",
        number="2063573010123-31",
        issued_on=dt.date(2026, 12, 1),
        expires_on=dt.date(2031, 12, 1),
        scan="certificates/2026/12/baru.jpg",
        status=CertificateStatus.VERIFIED,
    )
    assert certificates_check_expiry(today=dt.date(2026, 12, 20)).warned == 0
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_an_expired_certificate_hides_the_product_and_tells_the_shop_why(
    verified_shop, english_owner, categories
):
    owner = english_owner
    expires_on = dt.date(2027, 1, 15)
    product = make_product(verified_shop, owner, categories["snacks"])
    certificate = on_sale(product, expires_on=expires_on)
    Certificate.objects.filter(pk=certificate.pk).update(expiry_warned_at=timezone.now())
    # Not affected: a category without requirement, and a product with another valid certificate.
    crafts = make_product(
        verified_shop,
        owner,
        categories["crafts"],
        name="Tas Anyaman",
        variants=[product_services.VariantInput("", "TAS-1", 150_000, 800, 3)],
    )
    Product.objects.filter(pk=crafts.pk).update(status=ProductStatus.ACTIVE)
    covered = make_product(
        verified_shop,
        owner,
        categories["snacks"],
        name="Keripik Singkong",
        variants=[product_services.VariantInput("", "KS-1", 15_000, 250, 30)],
    )
    on_sale(covered, expires_on=expires_on)
    Certificate.objects.create(
        product=covered,
        kind="bpom_md",
        number="MD 224510001234",
        issued_on=dt.date(2025, 1, 1),
        expires_on=dt.date(2030, 1, 1),
        scan="certificates/2025/01/md.jpg",
        status=CertificateStatus.VERIFIED,
    )

    # "Berlaku sampai" includes the last day.
    assert certificates_check_expiry(today=expires_on).hidden == 0
    product.refresh_from_db()
    assert product.status == ProductStatus.ACTIVE

    day_after = expires_on + dt.timedelta(days=1)
    result = certificates_check_expiry(today=day_after)
    assert result.hidden == 1
    product.refresh_from_db()
    reason = (
        "The verified P-IRT / BPOM certificate that products in Keripik & Camilan need has "
        "expired or is no longer valid. Add a valid certificate; once a moderator verifies it, "
        "publish the product again."
    )
    assert (product.status, product.status_reason) == (ProductStatus.HIDDEN, reason)
    assert not Product.objects.public().filter(pk=product.pk).exists()
    note = Notification.objects.get(recipient=owner, kind="product.hidden_certificate")
    assert note.title == "Keripik Tempe Pedas is hidden from buyers: its certificate is not valid"
    assert note.body == reason
    assert note.url == reverse("marketplace:certificates", args=[verified_shop.pk, product.pk])
    assert note.email is not None and note.email.to == owner.email
    entry = AuditLog.objects.get(action="product.hidden.certificate")
    assert (entry.actor, entry.actor_repr, entry.object_id) == (None, "system", str(product.pk))
    assert Product.objects.filter(status=ProductStatus.ACTIVE).count() == 2  # crafts, covered

    # A second run, the same day or later, changes nothing more.
    updated_at = product.updated_at
    assert certificates_check_expiry(today=day_after) == certificate_services.ExpiryCheckResult(
        0, 0
    )
    certificates_check_expiry(today=expires_on + dt.timedelta(days=2))
    product.refresh_from_db()
    assert product.updated_at == updated_at
    assert Notification.objects.filter(kind="product.hidden_certificate").count() == 1
    assert AuditLog.objects.filter(action="product.hidden.certificate").count() == 1

    # Publishing again is refused until a new certificate is verified.
    with pytest.raises(ProductRefused):
        product_services.product_publish(product_id=product.pk, actor=owner)


@pytest.mark.django_db(transaction=True)
def test_two_checks_at_once_hide_each_product_once(
    catalogue_tree, verified_shop, owner, categories
):
    expires_on = dt.date(2027, 1, 15)
    products = []
    for n in range(6):
        product = make_product(
            verified_shop,
            owner,
            categories["snacks"],
            name=f"Keripik Tempe {n}",
            variants=[product_services.VariantInput("", f"KT-{n}", 20_000, 250, 5)],
        )
        on_sale(product, expires_on=expires_on)
        products.append(product)
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(certificates_check_expiry(today=expires_on + dt.timedelta(days=1)))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.hidden for r in results) == 6  # type: ignore[attr-defined]
    assert set(Product.objects.values_list("status", flat=True)) == {ProductStatus.HIDDEN}
    assert Notification.objects.filter(kind="product.hidden_certificate").count() == 6
    assert AuditLog.objects.filter(action="product.hidden.certificate").count() == 6


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_runs_on_a_real_worker(
    celery_worker, catalogue_tree, verified_shop, owner, categories
):
    product = make_product(verified_shop, owner, categories["snacks"])
    on_sale(
        product, expires_on=timezone.localdate() - dt.timedelta(days=1)
    )  # valid until yesterday

    tasks.certificates_check_expiry.delay()

    assert wait_for(
        lambda: Product.objects.filter(pk=product.pk, status=ProductStatus.HIDDEN).exists()
    )
    assert wait_for(
        lambda: Notification.objects.filter(kind="product.hidden_certificate").count() == 1
    )


# --- Seller centre -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seller_lists_and_adds_certificates(client, media, verified_shop, owner, categories):
    product = make_product(verified_shop, owner, categories["snacks"])
    url = reverse("marketplace:certificates", args=[verified_shop.pk, product.pk])
    client.force_login(owner)

    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="requirement-missing"' in page.content.decode()

    today = timezone.localdate()
    response = client.post(
        url,
        {
            "kind": "pirt",
            "number": "2063573010123-26",
            "issued_on": (today - dt.timedelta(days=10)).isoformat(),
            "expires_on": (today + dt.timedelta(days=1000)).isoformat(),
            "scan": scan_upload(),
        },
    )
    assert response.status_code == 302 and response.url == url
    certificate = Certificate.objects.get(product=product)
    assert (certificate.kind, certificate.number) == ("pirt", "2063573010123-26")
    page = client.get(url).content.decode()
    assert "2063573010123-26" in page and 'data-testid="certificate-status"' in page
    assert certificate.scan.name not in page  # no link to the file for anyone here

    refused = client.post(
        url,
        {
            "kind": "pirt",
            "number": "123",
            "issued_on": (today - dt.timedelta(days=10)).isoformat(),
            "expires_on": (today + dt.timedelta(days=1000)).isoformat(),
            "scan": scan_upload(),
        },
    )
    assert refused.status_code == 200
    assert "A P-IRT number has 12 to 20 digits" in refused.content.decode()
    assert Certificate.objects.count() == 1


@pytest.mark.django_db
def test_outsiders_and_other_shops_products_get_404(
    client, verified_shop, owner, outsider, other_shop, categories
):
    product = make_product(verified_shop, owner, categories["snacks"])
    foreign = make_product(
        other_shop,
        other_shop.memberships.get(role="owner").user,
        categories["batik"],
        name="Batik Tulis",
        variants=[product_services.VariantInput("", "BT-1", 350_000, 300, 2)],
    )
    client.force_login(outsider)
    assert (
        client.get(
            reverse("marketplace:certificates", args=[verified_shop.pk, product.pk])
        ).status_code
        == 404
    )
    client.force_login(owner)
    assert (
        client.get(
            reverse("marketplace:certificates", args=[verified_shop.pk, foreign.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("marketplace:certificates", args=[other_shop.pk, foreign.pk])
        ).status_code
        == 404
    )
