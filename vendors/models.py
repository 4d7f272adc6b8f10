"""Shops (UMKM), their members, bank account, legal documents and verification; RTIK communities
and their mentors. Writes go through vendors/services/."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from komeji.common.models import BaseModel, Region
from vendors.banks import BANK_NAMES, BANKS

# --- Communities (RTIK chapters) ---------------------------------------------------------------


class Community(BaseModel):
    """A Relawan TIK chapter of one kabupaten/kota. Managed in the admin."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    members: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CommunityMember", related_name="communities"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = [
            # One active chapter per kabupaten/kota (DESIGN.md).
            models.UniqueConstraint(
                fields=["region"], condition=Q(is_active=True), name="community_one_active_region"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CommunityMember(BaseModel):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        MENTOR = "mentor", _("Mentor")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MENTOR)

    class Meta:
        verbose_name = _("community member")
        verbose_name_plural = _("community members")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="community_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.community})"


# --- Shops ---------------------------------------------------------------------------------------


class ShopStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    RESUBMITTED = "resubmitted", _("Resubmitted")


# The only allowed moves of Shop.status (vendors.services.verification.shop_transition).
SHOP_TRANSITIONS: dict[str, set[str]] = {
    ShopStatus.DRAFT: {ShopStatus.SUBMITTED},
    ShopStatus.SUBMITTED: {ShopStatus.VERIFIED, ShopStatus.REJECTED},
    ShopStatus.RESUBMITTED: {ShopStatus.VERIFIED, ShopStatus.REJECTED},
    ShopStatus.REJECTED: {ShopStatus.RESUBMITTED},
    # A verified shop whose identity data change is checked again.
    ShopStatus.VERIFIED: {ShopStatus.SUBMITTED},
}

REVIEW_QUEUE_STATUSES = (ShopStatus.SUBMITTED, ShopStatus.RESUBMITTED)


class Shop(BaseModel):
    name = models.CharField(_("shop name"), max_length=80)
    slug = models.SlugField(_("address of the shop page"), max_length=90, unique=True)
    description = models.TextField(_("description"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="shops/logos/%Y/%m/", blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="shops"
    )
    street = models.CharField(_("address"), max_length=255)
    kecamatan = models.CharField(_("kecamatan"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=5)
    phone = models.CharField(_("phone / WhatsApp"), max_length=20)

    is_on_holiday = models.BooleanField(_("on holiday"), default=False)
    holiday_until = models.DateField(_("back on"), null=True, blank=True)

    status = models.CharField(
        _("verification status"),
        max_length=20,
        choices=ShopStatus.choices,
        default=ShopStatus.DRAFT,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    first_verified_at = models.DateTimeField(_("first verified at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    # Identity and business data (changing any of them sends a verified shop back to review).
    owner_legal_name = models.CharField(
        _("owner's name (as on the KTP)"), max_length=150, blank=True
    )
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    nib = models.CharField(_("NIB"), max_length=13, blank=True)
    nib_verified_at = models.DateTimeField(_("NIB verified at"), null=True, blank=True)
    npwp = models.CharField(_("NPWP"), max_length=16, blank=True)

    # Attribution (drives profit sharing; only an admin changes it, with a reason).
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shops",
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mentored_shops",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The shop's own commission rate (set by an admin); empty: its products' category rate.
    commission_bp = models.PositiveIntegerField(
        _("commission (basis points)"),
        null=True,
        blank=True,
        help_text=_("500 = 5.00 percent. Empty: the rate of each product's category."),
    )
    # Assisted onboarding: drafted by a mentor for a UMKM, with the owner's consent.
    is_assisted = models.BooleanField(_("drafted by a mentor"), default=False)
    consent_owner_name = models.CharField(
        _("owner's name in the consent"), max_length=150, blank=True
    )
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the owner took the shop over (a self-registered shop is claimed when it is opened).
    claimed_at = models.DateTimeField(_("claimed by its owner at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        permissions = [
            ("verify_shop", _("Can verify or reject shops")),
            ("change_shop_attribution", _("Can change the community and mentor of a shop")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(nik="") | Q(nik__regex=r"^[0-9]{16}$"), name="shop_nik_digits"
            ),
            models.CheckConstraint(
                condition=Q(nib="") | Q(nib__regex=r"^[0-9]{13}$"), name="shop_nib_digits"
            ),
            models.CheckConstraint(
                condition=Q(npwp="") | Q(npwp__regex=r"^[0-9]{15,16}$"), name="shop_npwp_digits"
            ),
            models.CheckConstraint(
                condition=Q(commission_bp__isnull=True) | Q(commission_bp__lte=10_000),
                name="shop_commission_at_most_100pct",
            ),
            models.CheckConstraint(
                condition=Q(mentor__isnull=True) | Q(community__isnull=False),
                name="shop_mentor_has_community",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="shop_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(is_on_holiday=False) | Q(holiday_until__isnull=False),
                name="shop_holiday_has_return_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == ShopStatus.VERIFIED

    @property
    def is_public(self) -> bool:
        """A shop has a public page once verified, unless a moderator has since rejected it."""
        return self.first_verified_at is not None and self.status != ShopStatus.REJECTED

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None

    @property
    def in_review(self) -> bool:
        return self.status in REVIEW_QUEUE_STATUSES

    @property
    def shows_nib_badge(self) -> bool:
        return self.is_verified and bool(self.nib) and self.nib_verified_at is not None

    def is_closed_for_orders(self, today: dt.date | None = None) -> bool:
        """Holiday mode: no new orders until the return date."""
        today = today or timezone.localdate()
        return self.is_on_holiday and (self.holiday_until is None or self.holiday_until > today)


class ShopReviewQueue(Shop):
    """The moderators' queue in the admin: shops waiting for verification."""

    class Meta:
        proxy = True
        verbose_name = _("shop to verify")
        verbose_name_plural = _("verification queue")


class ShopStatusEvent(models.Model):
    """Every change of a shop's verification status: who, when, why."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="status_events")
    from_status = models.CharField(max_length=20, choices=ShopStatus.choices)
    to_status = models.CharField(max_length=20, choices=ShopStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("verification event")
        verbose_name_plural = _("verification events")

    def __str__(self) -> str:
        return f"{self.shop}: {self.from_status} → {self.to_status}"


class ShopMember(BaseModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        ordering = ["role", "created_at"]
        verbose_name = _("shop member")
        verbose_name_plural = _("shop members")
        constraints = [
            models.UniqueConstraint(fields=["shop", "user"], name="shop_member_unique"),
            models.UniqueConstraint(
                fields=["shop"], condition=Q(role="owner"), name="shop_one_owner"
            ),
            # An account owns at most one shop (as on Tokopedia and Shopee).
            models.UniqueConstraint(
                fields=["user"], condition=Q(role="owner"), name="shop_owner_one_shop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.shop})"


class ShopInvitation(BaseModel):
    """An invitation by e-mail to join a shop as staff, or to take over a shop a mentor drafted
    (role owner). Only a hash of the token is stored; the link in the e-mail carries the token."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=ShopMember.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("shop invitation")
        verbose_name_plural = _("shop invitations")
        constraints = [
            # One open invitation per shop and e-mail; a new one replaces (revokes) the old.
            models.UniqueConstraint(
                fields=["shop", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="shop_invitation_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.shop} ({self.get_role_display()})"

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class BankAccount(BaseModel):
    """Where payouts go: one account per shop (or per community, managed by Finance). Payouts wait
    KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS after every change (`changed_at`)."""

    shop = models.OneToOneField(
        Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="bank_account"
    )
    community = models.OneToOneField(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="bank_account"
    )
    bank_code = models.CharField(_("bank"), max_length=3, choices=BANKS)
    account_number = models.CharField(_("account number"), max_length=20)
    holder_name = models.CharField(_("account holder's name"), max_length=150)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(shop__isnull=False, community__isnull=True)
                | Q(shop__isnull=True, community__isnull=False),
                name="bank_account_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(account_number__regex=r"^[0-9]{5,20}$"), name="bank_account_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number} a.n. {self.holder_name}"

    @property
    def bank_name(self) -> str:
        return BANK_NAMES.get(self.bank_code, self.bank_code)

    @property
    def payouts_held_until(self) -> dt.datetime:
        return self.changed_at + dt.timedelta(hours=settings.KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS)

    def payouts_held(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) < self.payouts_held_until


class ShopDocument(BaseModel):
    """A legal document image or PDF, encrypted on the private documents storage. One current file
    per kind; replacing it deletes the old file."""

    class Kind(models.TextChoices):
        KTP = "ktp", _("KTP photo")
        SELFIE = "selfie", _("Selfie holding the KTP")
        BUSINESS_PHOTO = "business_photo", _("Photo of the business")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    storage_name = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        permissions = [("view_legal_document", _("Can view the files of legal documents"))]
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind"], name="shop_document_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.shop}"

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(
            self.content_type, "bin"
        )
