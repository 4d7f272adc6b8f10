"""Moderation: blocking and unblocking products with a reason, buyers' reports, and the admin
pages moderators work in."""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from komeji.common.models import AuditLog, Notification
from marketplace.models import (
    Category,
    Certificate,
    CertificateStatus,
    ImportJob,
    Product,
    ProductReport,
    ProductStatus,
)
from marketplace.services import moderation
from marketplace.services import products as product_services
from marketplace.services.products import ProductRefused
from tests.factories import UserFactory
from tests.marketplace.conftest import make_product
from vendors.services.errors import ShopNotFound


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages are asserted in English, the source language (Indonesian is the default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def english_owner(owner):
    owner.language = "en"
    owner.save(update_fields=["language"])
    return owner


@pytest.fixture
def active_product(verified_shop, english_owner, categories) -> Product:
    product = make_product(
        verified_shop, english_owner, categories["crafts"], name="Tas Anyaman Pandan"
    )
    Product.objects.filter(pk=product.pk).update(
        status=ProductStatus.ACTIVE, published_at=timezone.now()
    )
    product.refresh_from_db()
    return product


def _snapshot(product: Product) -> tuple:
    product.refresh_from_db()
    return (product.status, product.status_reason, product.updated_at)


# --- Block and unblock ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_moderator_blocks_and_unblocks_a_product_with_a_reason(
    active_product, english_owner, moderator
):
    owner = english_owner
    product = active_product

    moderation.product_block(
        product_id=product.pk, moderator=moderator, reason="Foto produk milik toko lain"
    )
    product.refresh_from_db()
    assert (product.status, product.status_reason) == (
        ProductStatus.BLOCKED,
        "Foto produk milik toko lain",
    )
    assert not Product.objects.public().filter(pk=product.pk).exists()
    entry = AuditLog.objects.get(action="product.blocked")
    assert (entry.actor, entry.reason, entry.data) == (
        moderator,
        "Foto produk milik toko lain",
        {"from": "active", "reports_resolved": 0},
    )
    note = Notification.objects.get(recipient=owner, kind="product.blocked")
    assert note.title == "A moderator blocked Tas Anyaman Pandan"
    assert note.body == (
        "Reason: Foto produk milik toko lain. Buyers cannot see the product until a moderator "
        "lifts the block. Fix it and ask Komeji for help to have it reviewed."
    )
    assert note.email is not None and note.email.to == owner.email

    # The shop cannot publish a blocked product.
    with pytest.raises(ProductRefused, match="A moderator blocked this product"):
        product_services.product_publish(product_id=product.pk, actor=owner)

    moderation.product_unblock(
        product_id=product.pk, moderator=moderator, reason="Toko mengirim foto asli"
    )
    product.refresh_from_db()
    assert (product.status, product.status_reason) == (ProductStatus.HIDDEN, "")
    entry = AuditLog.objects.get(action="product.unblocked")
    assert (entry.actor, entry.reason, entry.data) == (
        moderator,
        "Toko mengirim foto asli",
        {"blocked_for": "Foto produk milik toko lain"},
    )
    note = Notification.objects.get(recipient=owner, kind="product.unblocked")
    assert note.title == "The block on Tas Anyaman Pandan is lifted"
    assert note.body == (
        "Moderator's note: Toko mengirim foto asli. The product is hidden for now: publish it "
        "again in the seller centre when it is ready."
    )


@pytest.mark.django_db
def test_blocking_is_refused_without_a_reason_or_the_permission(
    active_product, english_owner, staff, outsider, moderator
):
    product = active_product
    before = _snapshot(product)

    with pytest.raises(ProductRefused, match="Write the reason for blocking"):
        moderation.product_block(product_id=product.pk, moderator=moderator, reason="   ")
    for actor in (outsider, english_owner, staff):
        with pytest.raises(ProductRefused, match="Only a moderator"):
            moderation.product_block(product_id=product.pk, moderator=actor, reason="Palsu")

    assert _snapshot(product) == before
    assert not AuditLog.objects.filter(action__startswith="product.").exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_unblocking_is_refused_without_a_reason_or_for_a_product_not_blocked(
    active_product, moderator
):
    product = active_product
    with pytest.raises(ProductRefused, match="Only a blocked product"):
        moderation.product_unblock(product_id=product.pk, moderator=moderator, reason="Salah")
    moderation.product_block(product_id=product.pk, moderator=moderator, reason="Palsu")
    before = _snapshot(product)
    with pytest.raises(ProductRefused, match="Write why the block is lifted"):
        moderation.product_unblock(product_id=product.pk, moderator=moderator, reason="")
    with pytest.raises(ProductRefused, match="already blocked"):
        moderation.product_block(product_id=product.pk, moderator=moderator, reason="Lagi")
    assert _snapshot(product) == before
    assert AuditLog.objects.filter(action__startswith="product.").count() == 1


@pytest.mark.django_db
def test_a_draft_can_be_blocked_too(verified_shop, owner, moderator, categories):
    product = make_product(verified_shop, owner, categories["crafts"], name="Keris Replika")
    moderation.product_block(product_id=product.pk, moderator=moderator, reason="Senjata tajam")
    product.refresh_from_db()
    assert product.status == ProductStatus.BLOCKED


# --- Reports -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_report_is_idempotent_while_open(active_product, moderator):
    buyer = UserFactory()
    first = moderation.product_report(
        product_id=active_product.pk, reporter=buyer, reason="counterfeit", details="Merek palsu"
    )
    second = moderation.product_report(
        product_id=active_product.pk, reporter=buyer, reason="misleading", details="Lain"
    )
    assert second.pk == first.pk
    first.refresh_from_db()
    assert (first.reason, first.details) == ("counterfeit", "Merek palsu")
    assert ProductReport.objects.count() == 1

    moderation.report_resolve(report_id=first.pk, moderator=moderator, resolution="Sudah dicek")
    first.refresh_from_db()
    assert (first.resolved_by, first.resolution) == (moderator, "Sudah dicek")
    assert first.resolved_at is not None
    assert AuditLog.objects.get(action="product_report.resolved").actor == moderator
    with pytest.raises(ProductRefused, match="already handled"):
        moderation.report_resolve(report_id=first.pk, moderator=moderator, resolution="Lagi")

    # Handled: the same buyer may report again.
    third = moderation.product_report(
        product_id=active_product.pk, reporter=buyer, reason="misleading"
    )
    assert third.pk != first.pk
    assert ProductReport.objects.count() == 2


@pytest.mark.django_db
def test_only_signed_in_users_report_public_products(
    active_product, verified_shop, owner, categories
):
    from django.contrib.auth.models import AnonymousUser

    buyer = UserFactory()
    draft = make_product(
        verified_shop,
        owner,
        categories["crafts"],
        name="Tikar Mendong",
        variants=[product_services.VariantInput("", "TM-1", 90_000, 900, 4)],
    )
    with pytest.raises(ShopNotFound):
        moderation.product_report(product_id=draft.pk, reporter=buyer, reason="counterfeit")
    with pytest.raises(ProductRefused, match="Log in"):
        moderation.product_report(
            product_id=active_product.pk, reporter=AnonymousUser(), reason="counterfeit"
        )
    with pytest.raises(ProductRefused, match="Choose what is wrong"):
        moderation.product_report(product_id=active_product.pk, reporter=buyer, reason="bosan")
    with pytest.raises(ProductRefused, match="Tell us what is wrong"):
        moderation.product_report(product_id=active_product.pk, reporter=buyer, reason="other")
    assert not ProductReport.objects.exists()


@pytest.mark.django_db
def test_resolving_with_a_block_blocks_the_product_and_closes_its_reports(
    active_product, moderator
):
    reports = [
        moderation.product_report(
            product_id=active_product.pk, reporter=UserFactory(), reason="prohibited"
        )
        for _ in range(2)
    ]
    moderation.report_resolve(
        report_id=reports[0].pk,
        moderator=moderator,
        resolution="Produk dilarang dijual",
        block=True,
    )
    active_product.refresh_from_db()
    assert (active_product.status, active_product.status_reason) == (
        ProductStatus.BLOCKED,
        "Produk dilarang dijual",
    )
    assert not ProductReport.objects.filter(resolved_at__isnull=True).exists()
    assert set(ProductReport.objects.values_list("resolution", flat=True)) == {
        "Product blocked: Produk dilarang dijual"
    }
    assert AuditLog.objects.get(action="product.blocked").data["reports_resolved"] == 2


@pytest.mark.django_db
def test_the_report_view_needs_a_login_and_sends_the_buyer_back(client, active_product):
    url = reverse("marketplace:product_report", args=[active_product.slug])
    anonymous = client.post(url, {"reason": "counterfeit"})
    assert anonymous.status_code == 302 and "/akun/login/" in anonymous.url
    assert not ProductReport.objects.exists()

    buyer = UserFactory()
    client.force_login(buyer)
    product_page = reverse("marketplace:product_detail", args=[active_product.slug])
    page = client.get(product_page).content.decode()
    assert f'action="{url}"' in page  # the product page includes the report form
    response = client.post(url, {"reason": "counterfeit", "details": "Merek tiruan"})
    assert response.status_code == 302
    assert response.url == product_page
    assert "Thank you. Komeji's moderators will look at the product." in (
        client.get(product_page).content.decode().replace("&#x27;", "'")
    )
    report = ProductReport.objects.get()
    assert (report.reporter, report.reason, report.details) == (
        buyer,
        "counterfeit",
        "Merek tiruan",
    )
    # A double click changes nothing.
    client.post(url, {"reason": "counterfeit", "details": "Merek tiruan"})
    assert ProductReport.objects.count() == 1
    # A product the public cannot see answers 404.
    Product.objects.filter(pk=active_product.pk).update(status=ProductStatus.HIDDEN)
    assert client.post(url, {"reason": "counterfeit"}).status_code == 404


@pytest.mark.django_db
def test_the_report_form_shows_a_login_link_to_visitors(rf, active_product):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get("/produk/x/")
    request.user = AnonymousUser()
    html = render_to_string(
        "marketplace/partials/report_form.html", {"product": active_product}, request=request
    )
    assert "/akun/login/?next=/produk/x/" in html and "<form" not in html
    request.user = UserFactory()
    html = render_to_string(
        "marketplace/partials/report_form.html", {"product": active_product}, request=request
    )
    assert reverse("marketplace:product_report", args=[active_product.slug]) in html
    for value in ProductReport.Reason.values:  # the template lists every reason
        assert f'value="{value}"' in html


# --- Admin ---------------------------------------------------------------------------------------


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def pending_certificate(media, verified_shop, english_owner, categories) -> Certificate:
    product = make_product(
        verified_shop,
        english_owner,
        categories["snacks"],
        name="Keripik Pisang",
        variants=[product_services.VariantInput("", "KP-1", 18_000, 200, 12)],
    )
    return Certificate.objects.create(
        product=product,
        kind="pirt",
        number="2063573010123-26",
        issued_on=timezone.localdate() - dt.timedelta(days=100),
        expires_on=timezone.localdate() + dt.timedelta(days=1000),
        scan=ContentFile(_jpeg(), name="3f2a.jpg"),
    )


@pytest.mark.django_db
def test_admin_pages_load_for_a_moderator(
    client, moderator, active_product, pending_certificate, verified_shop, owner
):
    report = moderation.product_report(
        product_id=active_product.pk, reporter=UserFactory(), reason="misleading"
    )
    ImportJob.objects.create(
        shop=verified_shop, uploaded_by=owner, file="imports/2026/11/produk.csv"
    )
    category = Category.objects.get(slug="keripik-camilan")
    client.force_login(moderator)
    pages = [
        reverse("admin:marketplace_product_changelist"),
        reverse("admin:marketplace_product_changelist") + "?status__exact=active&q=anyaman",
        reverse("admin:marketplace_product_change", args=[active_product.pk]),
        reverse("admin:marketplace_product_block", args=[active_product.pk]),
        reverse("admin:marketplace_certificate_changelist"),
        reverse("admin:marketplace_certificate_changelist") + "?validity=expiring",
        reverse("admin:marketplace_certificate_change", args=[pending_certificate.pk]),
        reverse("admin:marketplace_certificate_reject", args=[pending_certificate.pk]),
        reverse("admin:marketplace_productreport_changelist"),
        reverse("admin:marketplace_productreport_changelist") + "?state=open",
        reverse("admin:marketplace_productreport_change", args=[report.pk]),
        reverse("admin:marketplace_productreport_resolve", args=[report.pk]),
        reverse("admin:marketplace_category_changelist"),
        reverse("admin:marketplace_category_change", args=[category.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    # Imports are for superusers; moderators do not see them.
    assert client.get(reverse("admin:marketplace_importjob_changelist")).status_code == 403

    product_page = client.get(
        reverse("admin:marketplace_product_change", args=[active_product.pk])
    ).content.decode()
    assert "KTP-250" in product_page  # the variants, read-only
    assert 'name="_save"' not in product_page  # nothing is edited here
    change = client.get(
        reverse("admin:marketplace_certificate_change", args=[pending_certificate.pk])
    ).content.decode()
    assert 'data-testid="admin-verify"' in change
    assert reverse("admin:marketplace_certificate_scan", args=[pending_certificate.pk]) in change
    assert pending_certificate.scan.name not in change  # no storage path or URL is shown


@pytest.mark.django_db
def test_the_certificate_queue_shows_pending_first(client, moderator, pending_certificate):
    verified = Certificate.objects.create(
        product=pending_certificate.product,
        kind="halal",
        number="ID35110000123450722",
        issued_on=dt.date(2025, 1, 1),
        expires_on=dt.date(2029, 1, 1),
        scan="certificates/2025/01/halal.jpg",
        status=CertificateStatus.VERIFIED,
    )
    Certificate.objects.filter(pk=pending_certificate.pk).update(
        created_at=timezone.now() + dt.timedelta(minutes=5)
    )
    client.force_login(moderator)
    page = client.get(reverse("admin:marketplace_certificate_changelist")).content.decode()
    assert page.index(str(pending_certificate)) < page.index(str(verified))


@pytest.mark.django_db
def test_admin_pages_load_for_a_superuser(client, active_product, verified_shop, owner):
    ImportJob.objects.create(
        shop=verified_shop, uploaded_by=owner, file="imports/2026/11/produk.csv"
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for name in ("importjob", "category", "product"):
        assert client.get(reverse(f"admin:marketplace_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:marketplace_category_add")).status_code == 200
    job = ImportJob.objects.get()
    assert (
        client.get(reverse("admin:marketplace_importjob_change", args=[job.pk])).status_code == 200
    )


@pytest.mark.django_db
def test_the_scan_opens_only_through_the_admin(client, moderator, pending_certificate):
    url = reverse("admin:marketplace_certificate_scan", args=[pending_certificate.pk])
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(UserFactory(is_staff=True))  # staff without the permission
    assert client.get(url).status_code == 403

    client.force_login(moderator)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (
        f'inline; filename="sertifikat-pirt-{pending_certificate.pk}.jpg"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == _jpeg()


@pytest.mark.django_db
def test_moderator_verifies_and_rejects_certificates_through_the_admin(
    client, moderator, pending_certificate, english_owner
):
    client.force_login(moderator)
    verify_url = reverse("admin:marketplace_certificate_verify", args=[pending_certificate.pk])
    response = client.post(verify_url)
    assert response.status_code == 302
    pending_certificate.refresh_from_db()
    assert pending_certificate.status == CertificateStatus.VERIFIED
    assert Notification.objects.filter(
        recipient=english_owner, kind="certificate.verified"
    ).exists()

    reject_url = reverse("admin:marketplace_certificate_reject", args=[pending_certificate.pk])
    empty = client.post(reject_url, {"reason": ""})
    assert empty.status_code == 200
    pending_certificate.refresh_from_db()
    assert pending_certificate.status == CertificateStatus.VERIFIED
    client.post(reject_url, {"reason": "Nomor P-IRT tidak terdaftar di Dinkes"})
    pending_certificate.refresh_from_db()
    assert (pending_certificate.status, pending_certificate.rejection_reason) == (
        CertificateStatus.REJECTED,
        "Nomor P-IRT tidak terdaftar di Dinkes",
    )


@pytest.mark.django_db
def test_moderator_blocks_and_unblocks_through_the_admin(
    client, moderator, active_product, english_owner
):
    client.force_login(moderator)
    change_url = reverse("admin:marketplace_product_change", args=[active_product.pk])
    assert 'data-testid="admin-block"' in client.get(change_url).content.decode()

    block_url = reverse("admin:marketplace_product_block", args=[active_product.pk])
    refused = client.post(block_url, {"reason": "  "})
    assert refused.status_code == 200
    active_product.refresh_from_db()
    assert active_product.status == ProductStatus.ACTIVE

    response = client.post(block_url, {"reason": "Mengandung merek terdaftar milik orang lain"})
    assert response.status_code == 302 and response.url == change_url
    active_product.refresh_from_db()
    assert (active_product.status, active_product.status_reason) == (
        ProductStatus.BLOCKED,
        "Mengandung merek terdaftar milik orang lain",
    )
    assert Notification.objects.filter(recipient=english_owner, kind="product.blocked").exists()
    assert 'data-testid="admin-unblock"' in client.get(change_url).content.decode()

    client.post(
        reverse("admin:marketplace_product_unblock", args=[active_product.pk]),
        {"reason": "Merek sudah dihapus dari foto"},
    )
    active_product.refresh_from_db()
    assert active_product.status == ProductStatus.HIDDEN
    assert AuditLog.objects.filter(action="product.unblocked", actor=moderator).exists()


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_block_through_the_admin(client, active_product):
    client.force_login(UserFactory(is_staff=True))
    url = reverse("admin:marketplace_product_block", args=[active_product.pk])
    assert client.post(url, {"reason": "Palsu"}).status_code == 403
    active_product.refresh_from_db()
    assert active_product.status == ProductStatus.ACTIVE


@pytest.mark.django_db
def test_moderator_resolves_a_report_and_blocks_from_the_queue(client, moderator, active_product):
    report = moderation.product_report(
        product_id=active_product.pk, reporter=UserFactory(), reason="counterfeit"
    )
    client.force_login(moderator)
    response = client.post(
        reverse("admin:marketplace_productreport_resolve", args=[report.pk]),
        {"resolution": "Produk tiruan merek terkenal", "block": "on"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    active_product.refresh_from_db()
    assert report.resolved_by == moderator
    assert active_product.status == ProductStatus.BLOCKED
