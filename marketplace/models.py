"""The catalogue: categories, products and their variants (with stock), images, certificates
(P-IRT, BPOM, halal) and buyers' reports. Writes go through marketplace/services/."""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from komeji.common.models import BaseModel
from vendors.documents import private_file_storage
from vendors.models import Shop


class CertificateKind(models.TextChoices):
    PIRT = "pirt", _("P-IRT")
    BPOM_MD = "bpom_md", _("BPOM MD")
    BPOM_ML = "bpom_ml", _("BPOM ML")
    # Traditional medicine (jamu): POM TR / TI / FF; cosmetics: a notification number NA…NE.
    BPOM_TR = "bpom_tr", _("BPOM TR / TI / FF (jamu)")
    BPOM_NA = "bpom_na", _("BPOM notification (cosmetics, NA…)")
    HALAL = "halal", _("Halal")


class CategoryRequirement(models.TextChoices):
    """Which certificate a category's products need before they can be published."""

    NONE = "", _("None")
    PIRT_OR_BPOM = "pirt_or_bpom", _("P-IRT or BPOM (processed food for sale)")
    BPOM = "bpom", _("BPOM (MD or ML)")
    HALAL = "halal", _("Halal")


REQUIREMENT_KINDS: dict[str, set[str]] = {
    CategoryRequirement.PIRT_OR_BPOM: {
        CertificateKind.PIRT,
        CertificateKind.BPOM_MD,
        CertificateKind.BPOM_ML,
    },
    CategoryRequirement.BPOM: {
        CertificateKind.BPOM_MD,
        CertificateKind.BPOM_ML,
        CertificateKind.BPOM_TR,
        CertificateKind.BPOM_NA,
    },
    CategoryRequirement.HALAL: {CertificateKind.HALAL},
}


class Category(BaseModel):
    """Two levels: a top category (parent None) and its sub-categories. Admin-managed."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=90, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    commission_bp = models.PositiveIntegerField(
        _("commission (basis points)"),
        default=500,
        help_text=_(
            "500 = 5.00 percent of the goods' price, used unless the shop has its own rate."
        ),
    )
    required_certificate = models.CharField(
        _("required certificate"),
        max_length=20,
        choices=CategoryRequirement.choices,
        default=CategoryRequirement.NONE,
        blank=True,
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_bp__lte=10_000), name="category_commission_at_most_100pct"
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="category_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        if self.parent_id and self.parent:
            return f"{self.parent.name} \u203a {self.name}"
        return self.name

    def effective_requirement(self) -> str:
        """A sub-category without its own requirement inherits its parent's."""
        if self.required_certificate or self.parent is None:
            return self.required_certificate
        return self.parent.required_certificate


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    HIDDEN = "hidden", _("Hidden")
    BLOCKED = "blocked", _("Blocked by a moderator")


# The only allowed moves of Product.status (marketplace.services.products.product_transition).
PRODUCT_TRANSITIONS: dict[str, set[str]] = {
    ProductStatus.DRAFT: {ProductStatus.ACTIVE, ProductStatus.BLOCKED},
    ProductStatus.ACTIVE: {ProductStatus.HIDDEN, ProductStatus.BLOCKED},
    ProductStatus.HIDDEN: {ProductStatus.ACTIVE, ProductStatus.BLOCKED},
    # Unblocked, a product waits hidden for the shop to publish it again (rules re-checked).
    ProductStatus.BLOCKED: {ProductStatus.HIDDEN},
}


class ProductCondition(models.TextChoices):
    NEW = "new", _("New")
    USED = "used", _("Used")


class ProductQuerySet(models.QuerySet["Product"]):
    def public(self) -> "ProductQuerySet":
        """What buyers may see: active products of shops with a public page (verified once, not
        rejected since; vendors.Shop.is_public)."""
        return self.filter(
            status=ProductStatus.ACTIVE,
            shop__first_verified_at__isnull=False,
        ).exclude(shop__status="rejected")


class Product(BaseModel):
    objects = ProductQuerySet.as_manager()

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("product name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    description = models.TextField(_("description"), blank=True)
    condition = models.CharField(
        _("condition"), max_length=10, choices=ProductCondition.choices, default="new"
    )
    min_order_qty = models.PositiveIntegerField(_("minimum order"), default=1)
    warranty_days = models.PositiveIntegerField(_("warranty (days)"), default=0)
    warranty_terms = models.TextField(_("warranty terms"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProductStatus.choices,
        default=ProductStatus.DRAFT,
        db_index=True,
    )
    # Why it is hidden or blocked (a moderator's reason, or "certificate expired").
    status_reason = models.TextField(_("reason"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    # Denormalised for the public lists and search (kept by the services).
    shop_name = models.CharField(max_length=80, blank=True)
    region_id_cache = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    min_price = models.BigIntegerField(default=0, db_index=True)
    # A verified certificate valid today (badges and the halal / BPOM filters); kept by
    # product_refresh_search, which the certificate services and the daily expiry check call.
    has_halal = models.BooleanField(default=False)
    has_bpom = models.BooleanField(default=False)
    has_pirt = models.BooleanField(default=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        permissions = [("block_product", _("Can block and unblock products"))]
        indexes = [
            GinIndex(fields=["search_vector"], name="product_search_gin"),
            models.Index(
                fields=["category", "status", "-published_at"], name="product_category_listing"
            ),
            # "Newest" lists walk this in order and stop after a page (drafts have no date).
            models.Index(
                F("published_at").desc(),
                F("id").desc(),
                condition=Q(status="active"),
                name="product_active_newest",
            ),
            models.Index(fields=["shop", "status"], name="product_shop_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(min_order_qty__gte=1), name="product_moq_positive"),
            models.CheckConstraint(
                condition=~Q(status="blocked") | ~Q(status_reason=""),
                name="product_blocked_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.status == ProductStatus.ACTIVE and self.shop.is_public


class Variant(BaseModel):
    """What a buyer picks: its own name, price, SKU, weight and stock. Stock is `on_hand` (in the
    shop) and `reserved` (by unpaid or unshipped orders); available = on_hand - reserved. Only
    guarded UPDATEs change them (orders issue), and the database refuses a negative or
    over-reserved stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("variant"), max_length=80, blank=True)
    sku = models.CharField(_("SKU"), max_length=50)
    price = models.BigIntegerField(_("price (Rp)"))
    weight_grams = models.PositiveIntegerField(_("weight (grams)"))
    stock_on_hand = models.IntegerField(_("stock"), default=0)
    stock_reserved = models.IntegerField(_("reserved"), default=0)
    position = models.PositiveSmallIntegerField(default=0)
    # Denormalised from the product so SKUs are unique per shop by a plain constraint.
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_on_hand__gte=0), name="variant_stock_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(stock_reserved__gte=0), name="variant_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(stock_reserved__lte=F("stock_on_hand")),
                name="variant_reserved_within_stock",
            ),
            models.CheckConstraint(condition=Q(price__gte=100), name="variant_price_min"),
            models.CheckConstraint(
                condition=Q(weight_grams__gte=1), name="variant_weight_positive"
            ),
            # Deferred: one save may swap two SKUs or give a deleted variant's SKU to another.
            models.UniqueConstraint(
                fields=["shop", "sku"],
                name="variant_sku_unique_per_shop",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.name}" if self.name else self.product.name

    @property
    def available(self) -> int:
        return self.stock_on_hand - self.stock_reserved


class ProductStatusEvent(models.Model):
    """Every change of a product's status: who (a seller, a moderator, or the system), when, why."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="status_events")
    from_status = models.CharField(max_length=10, choices=ProductStatus.choices)
    to_status = models.CharField(max_length=10, choices=ProductStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("product status change")
        verbose_name_plural = _("product status changes")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.from_status} → {self.to_status}"


def product_image_path(instance: "ProductImage", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"products/{instance.product_id}/{timezone.now():%Y%m%d%H%M%S%f}.{extension}"


class SearchWord(models.Model):
    """Every word of product and shop names (3+ letters, lower case). Search corrects a typed word
    against this short list with trigrams ("kripik" → "keripik"), then searches the products with
    the full-text index only: one small trigram lookup instead of a trigram scan of all products."""

    word = models.CharField(max_length=60, unique=True)

    class Meta:
        indexes = [GinIndex(name="searchword_trgm", fields=["word"], opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return self.word


class ProductImage(BaseModel):
    """An image as uploaded (re-encoded, no EXIF) plus WebP thumbnails made by a Celery task."""

    MAX_PER_PRODUCT = 8
    THUMBNAIL_SIZES = (160, 320, 640)

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to=product_image_path, max_length=255)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    # {"160": "products/7/…-160.webp", …} once the thumbnail task has run.
    thumbnails = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")

    def __str__(self) -> str:
        return self.image.name


class CertificateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class Certificate(BaseModel):
    """A product's P-IRT, BPOM or halal certificate, verified by a moderator."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(_("certificate"), max_length=10, choices=CertificateKind.choices)
    number = models.CharField(_("number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    # None only for halal: BPJPH certificates (UU 6/2023) stay valid while the ingredients and
    # the process do not change.
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    # Private (an SPP-IRT names the owner's home): moderators open it through the admin.
    scan = models.FileField(
        _("scan"), upload_to="certificates/%Y/%m/", max_length=255, storage=private_file_storage
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CertificateStatus.choices,
        default=CertificateStatus.PENDING,
        db_index=True,
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["product", "kind", "-expires_on"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        permissions = [("verify_certificate", _("Can verify product certificates"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("issued_on"))
                | Q(expires_on__isnull=True, kind="halal"),
                name="certificate_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="certificate_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_on(self, day: dt.date) -> bool:
        # "Berlaku sampai" includes that day.
        return (
            self.status == CertificateStatus.VERIFIED
            and self.issued_on <= day
            and (self.expires_on is None or day <= self.expires_on)
        )

    @staticmethod
    def valid_on(day: dt.date) -> Q:
        """Verified and valid on `day` ("valid until" includes its day; no date: no expiry)."""
        return Q(status=CertificateStatus.VERIFIED, issued_on__lte=day) & (
            Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        )

    @property
    def badge(self) -> str:
        return "Halal" if self.kind == "halal" else "P-IRT" if self.kind == "pirt" else "BPOM"


class ProductReport(BaseModel):
    """A signed-in user's report of a product; open reports form the moderators' queue."""

    class Reason(models.TextChoices):
        COUNTERFEIT = "counterfeit", _("Counterfeit or illegal")
        MISLEADING = "misleading", _("Misleading description or photos")
        PROHIBITED = "prohibited", _("Prohibited or dangerous product")
        WRONG_CATEGORY = "wrong_category", _("Wrong category")
        OTHER = "other", _("Something else")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="product_reports"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), blank=True, max_length=1000)
    resolved_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("product report")
        verbose_name_plural = _("product reports")
        constraints = [
            # One open report per user and product: a second click changes nothing.
            models.UniqueConstraint(
                fields=["product", "reporter"],
                condition=Q(resolved_at__isnull=True),
                name="product_report_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.product}"


class ImportJob(BaseModel):
    """A CSV import of products run by a Celery task; the page polls its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="import_jobs")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Private: a shop's prices and stock are nobody else's business (never served by URL).
    file = models.FileField(
        upload_to="imports/%Y/%m/", max_length=255, storage=private_file_storage
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    # [{"row": 3, "outcome": "refused", "message": "…"}, …]
    report = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("product import")
        verbose_name_plural = _("product imports")

    def __str__(self) -> str:
        return f"{self.shop} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)
