"""Product certificates (P-IRT, BPOM MD/ML, halal): a shop adds one with its scan, a moderator
verifies or rejects it, and a daily task warns before expiry and takes products off the shelf when
the certificate their category requires is no longer valid.

The scan is checked by content (vendors.documents.document_clean: JPEG/PNG re-encoded without
EXIF, PDF without active content, at most 5 MB) and the cleaned bytes are stored on the default
storage under a random name. A certificate is not secret personal data, but its URL is never
shown: moderators open it through the admin, which streams it (marketplace/admin.py).

Transitions: pending → verified | rejected; verified → rejected (a moderator finds it false).
"""

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, FileField, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from komeji.common.services import audit_record
from marketplace.cache import product_changed
from marketplace.models import (
    REQUIREMENT_KINDS,
    Category,
    Certificate,
    CertificateKind,
    CertificateStatus,
    Product,
    ProductStatus,
)
from marketplace.services.products import (
    ProductRefused,
    _lock_product,
    product_certificate_ok,
    product_refresh_search,
    product_transition,
)
from vendors.documents import document_clean
from vendors.models import ShopMember
from vendors.selectors import shop_access_get
from vendors.services.common import notify, shop_owner
from vendors.services.errors import ShopNotFound

logger = logging.getLogger(__name__)

CERTIFICATE_TRANSITIONS: dict[str, set[str]] = {
    CertificateStatus.PENDING: {CertificateStatus.VERIFIED, CertificateStatus.REJECTED},
    CertificateStatus.VERIFIED: {CertificateStatus.REJECTED},
    CertificateStatus.REJECTED: set(),
}

# How many days before expiry the shop is warned.
WARN_DAYS = 30
# Rows handled per transaction by the daily check: short locks, bounded memory.
BATCH_SIZE = 200
# Certificates of one product waiting for a moderator: enough for a renewal and a second kind.
MAX_PENDING_PER_PRODUCT = 5
# A certificate issued longer ago than this is surely a typo in the year.
MAX_VALIDITY_YEARS = 30


# --- Numbers -------------------------------------------------------------------------------------

_PIRT_PREFIX = re.compile(r"^(P\s*-?\s*IRT)?\s*(NO\.?|NOMOR)?\s*[:.]?\s*", re.IGNORECASE)
_BPOM_PREFIX = re.compile(r"^(BPOM)?\s*(RI)?\s*", re.IGNORECASE)


def certificate_number_clean(*, kind: str, number: str) -> str:
    """The number as stored, or ProductRefused saying what a number of this kind looks like.

    Lenient on purpose: sellers copy numbers from labels with prefixes, spaces and dots.
    P-IRT: 12 to 20 digits with dashes (usually 15, e.g. 2063573010123-26). BPOM: "MD" or "ML"
    followed by digits (usually 12). Halal: free text of at least 6 characters (the formats of
    MUI and BPJPH differ)."""
    text = " ".join(number.split())
    if len(text) > 60:
        raise ProductRefused(_("A certificate number has at most 60 characters."))
    if kind == CertificateKind.PIRT:
        digits = _PIRT_PREFIX.sub("", text).replace(" ", "")
        if not re.fullmatch(r"[0-9][0-9-]*[0-9]", digits or "-") or not (
            12 <= sum(c.isdigit() for c in digits) <= 20
        ):
            raise ProductRefused(
                _(
                    "A P-IRT number has 12 to 20 digits, usually 15, e.g. 2063573010123-26. "
                    "Copy it from the label or the certificate."
                )
            )
        return digits
    if kind in (CertificateKind.BPOM_MD, CertificateKind.BPOM_ML):
        expected = "MD" if kind == CertificateKind.BPOM_MD else "ML"
        compact = _BPOM_PREFIX.sub("", text).replace(" ", "").replace(".", "").upper()
        if compact.isdigit():
            compact = expected + compact
        other = "ML" if expected == "MD" else "MD"
        if compact.startswith(other):
            raise ProductRefused(
                _("This number starts with %(prefix)s: choose “BPOM %(prefix)s” as the kind.")
                % {"prefix": other}
            )
        if not re.fullmatch(rf"{expected}[0-9]{{9,16}}", compact):
            raise ProductRefused(
                _(
                    "A BPOM %(prefix)s number is “%(prefix)s” followed by its digits, usually 12, "
                    "e.g. %(prefix)s 224510001234."
                )
                % {"prefix": expected}
            )
        return f"{expected} {compact[2:]}"
    if kind in (CertificateKind.BPOM_TR, CertificateKind.BPOM_NA):
        compact = _BPOM_PREFIX.sub("", text).replace(" ", "").replace(".", "").upper()
        compact = compact.removeprefix("POM")
        pattern = (
            r"(TR|TI|FF)[0-9]{9,12}" if kind == CertificateKind.BPOM_TR else r"N[A-E][0-9]{11}"
        )
        if not re.fullmatch(pattern, compact):
            raise ProductRefused(
                _("A jamu registration is POM TR, TI or FF and its digits, e.g. POM TR 143123451.")
                if kind == CertificateKind.BPOM_TR
                else _("A cosmetics notification is NA to NE and 11 digits, e.g. NA18201201234.")
            )
        return f"{compact[:2]} {compact[2:]}"
    if kind == CertificateKind.HALAL:
        if len(text) < 6:
            raise ProductRefused(
                _("Write the halal certificate number as printed on it (at least 6 characters).")
            )
        return text
    raise ProductRefused(_("Choose the kind of certificate."))


def requirement_label(requirement: str) -> str:
    """The certificate a category requirement asks for, in words for a seller."""
    return {
        "pirt_or_bpom": "P-IRT / BPOM",
        "bpom": "BPOM",
        "halal": _("halal"),
    }.get(requirement, requirement)


# --- Adding --------------------------------------------------------------------------------------


def _scan_field() -> FileField:
    return cast(FileField, Certificate._meta.get_field("scan"))


def _scan_store(*, upload: IO[bytes] | Any) -> str:
    """Check the scan by content and store the cleaned bytes; returns the storage name.
    The name is random (unguessable): the default storage may serve files at a public URL."""
    if upload is None:
        raise ProductRefused(_("Add a scan or photo of the certificate."))
    try:
        clean = document_clean(upload)
    except ValidationError as exc:
        raise ProductRefused(" ".join(str(m) for m in exc.messages)) from None
    field = _scan_field()
    # upload_to is a dated folder ("certificates/%Y/%m/"): no instance is needed.
    name = field.generate_filename(None, f"{uuid.uuid4().hex}.{clean.extension}")
    return field.storage.save(name, ContentFile(clean.data))


def certificate_add(
    *,
    product_id: int,
    actor: Any,
    kind: str,
    number: str,
    issued_on: dt.date,
    expires_on: dt.date | None,
    scan: IO[bytes] | Any,
) -> Certificate:
    """A shop member adds a certificate to a product; it waits for a moderator.

    Raises ShopNotFound for anyone but the shop's owner and staff, ProductRefused for a wrong
    number, dates or scan (nothing is stored then)."""
    if kind not in CertificateKind.values:
        raise ProductRefused(_("Choose the kind of certificate."))
    number = certificate_number_clean(kind=kind, number=number)
    today = timezone.localdate()
    if issued_on > today:
        raise ProductRefused(_("The issue date cannot be in the future."))
    if issued_on.year < today.year - MAX_VALIDITY_YEARS:
        raise ProductRefused(_("Check the issue date: the year looks wrong."))
    if expires_on is None:
        if kind != CertificateKind.HALAL:
            raise ProductRefused(_("Give the date the certificate is valid until."))
    elif expires_on <= issued_on:
        raise ProductRefused(_("The certificate must expire after it was issued."))
    elif expires_on < today:
        raise ProductRefused(
            _("This certificate has already expired. Renew it and add the new one.")
        )

    # A cheap access check before anything is written to the storage; repeated under the lock.
    shop_id = Product.objects.filter(pk=product_id).values_list("shop_id", flat=True).first()
    access = shop_access_get(user=actor, shop_id=shop_id) if shop_id is not None else None
    if access is None or not access.can_manage_products:
        raise ShopNotFound
    # Storage is written outside the transaction (no network call under row locks); the file
    # is removed again when the transaction refuses.
    stored = _scan_store(upload=scan)
    try:
        with transaction.atomic():
            product = _lock_product(product_id=product_id, actor=actor)
            certificates = Certificate.objects.filter(product=product)
            if certificates.filter(
                kind=kind,
                number=number,
                status__in=[CertificateStatus.PENDING, CertificateStatus.VERIFIED],
                expires_on=expires_on,
            ).exists():
                raise ProductRefused(_("This certificate is already added to the product."))
            if (
                certificates.filter(status=CertificateStatus.PENDING).count()
                >= MAX_PENDING_PER_PRODUCT
            ):
                raise ProductRefused(
                    ngettext(
                        "%(n)s certificate of this product is already waiting for "
                        "verification. Wait for the moderators' answer.",
                        "%(n)s certificates of this product are already waiting for "
                        "verification. Wait for the moderators' answer.",
                        MAX_PENDING_PER_PRODUCT,
                    )
                    % {"n": MAX_PENDING_PER_PRODUCT}
                )
            certificate = Certificate.objects.create(
                product=product,
                kind=kind,
                number=number,
                issued_on=issued_on,
                expires_on=expires_on,
                scan=stored,
            )
            audit_record(
                actor=actor,
                action="certificate.added",
                obj=certificate,
                data={
                    "product": product.pk,
                    "kind": kind,
                    "expires_on": expires_on.isoformat() if expires_on else None,
                },
            )
    except BaseException:
        _scan_field().storage.delete(stored)
        raise
    return certificate


# --- Moderators ----------------------------------------------------------------------------------


def _lock_for_moderator(*, certificate_id: int, moderator: Any) -> Certificate:
    if not (
        getattr(moderator, "is_authenticated", False)
        and moderator.has_perm("marketplace.verify_certificate")
    ):
        raise ProductRefused(_("Only a moderator can verify or reject certificates."))
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("product", "product__shop", "product__category__parent")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:
        raise ShopNotFound
    # Separation of duties: nobody decides on their own shop's certificate.
    if ShopMember.objects.filter(shop_id=certificate.product.shop_id, user=moderator).exists():
        raise ProductRefused(
            _("You are a member of this shop: another moderator must decide on it.")
        )
    return certificate


def _transition(certificate: Certificate, to_status: str) -> None:
    if to_status not in CERTIFICATE_TRANSITIONS[certificate.status]:
        raise ProductRefused(
            _("This certificate is already “%(status)s”.")
            % {"status": CertificateStatus(certificate.status).label}
        )


def _certificates_url(product: Product) -> str:
    return reverse("marketplace:certificates", args=[product.shop_id, product.pk])


@transaction.atomic
def certificate_verify(*, certificate_id: int, moderator: Any) -> Certificate:
    certificate = _lock_for_moderator(certificate_id=certificate_id, moderator=moderator)
    _transition(certificate, CertificateStatus.VERIFIED)
    if certificate.expires_on is not None and certificate.expires_on < timezone.localdate():
        raise ProductRefused(_("This certificate has expired: reject it instead."))
    certificate.status = CertificateStatus.VERIFIED
    certificate.verified_by = moderator
    certificate.verified_at = timezone.now()
    certificate.rejection_reason = ""
    certificate.save(
        update_fields=["status", "verified_by", "verified_at", "rejection_reason", "updated_at"]
    )
    audit_record(
        actor=moderator,
        action="certificate.verified",
        obj=certificate,
        data={"product": certificate.product_id},
    )
    product = certificate.product
    owner = shop_owner(product.shop)
    if owner is not None:
        notify(
            recipient=owner,
            kind="certificate.verified",
            title=lambda: (
                _("The %(certificate)s certificate of %(product)s is verified")
                % {"certificate": certificate.get_kind_display(), "product": product.name}
            ),
            body=lambda: _(
                "Its badge now shows on the product page. If the product is not on sale yet, "
                "publish it in the seller centre."
            ),
            url=_certificates_url(product),
        )
    product_refresh_search(product_ids=[product.pk])
    return certificate


@transaction.atomic
def certificate_reject(*, certificate_id: int, moderator: Any, reason: str) -> Certificate:
    """Reject a pending certificate, or one verified by mistake. A product on sale that is left
    without the certificate its category requires is hidden at once."""
    reason = reason.strip()
    if not reason:
        raise ProductRefused(
            _("Write the reason for the rejection: the shop needs it to send a correct one.")
        )
    certificate = _lock_for_moderator(certificate_id=certificate_id, moderator=moderator)
    _transition(certificate, CertificateStatus.REJECTED)
    from_status = certificate.status
    certificate.status = CertificateStatus.REJECTED
    certificate.rejection_reason = reason
    certificate.save(update_fields=["status", "rejection_reason", "updated_at"])
    audit_record(
        actor=moderator,
        action="certificate.rejected",
        obj=certificate,
        reason=reason,
        data={"product": certificate.product_id, "from": from_status},
    )
    product = certificate.product
    owner = shop_owner(product.shop)
    if owner is not None:
        notify(
            recipient=owner,
            kind="certificate.rejected",
            title=lambda: (
                _("The %(certificate)s certificate of %(product)s was not accepted")
                % {"certificate": certificate.get_kind_display(), "product": product.name}
            ),
            body=lambda: (
                _("Reason: %(reason)s. Add a correct certificate with a clear scan.")
                % {"reason": reason}
            ),
            url=_certificates_url(product),
        )
    if from_status == CertificateStatus.VERIFIED:
        locked = (
            Product.objects.select_for_update(of=("self",), no_key=True)
            .select_related("category", "category__parent")
            .get(pk=product.pk)
        )
        if locked.status == ProductStatus.ACTIVE and not product_certificate_ok(product=locked):
            _hide_without_certificate(
                product=locked, owner=owner, today=timezone.localdate(), actor=moderator
            )
        product_refresh_search(product_ids=[product.pk])
    return certificate


# --- Daily check ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryCheckResult:
    warned: int
    hidden: int


def _hidden_reason(product: Product) -> str:
    return _(
        "The verified %(certificate)s certificate that products in %(category)s need has "
        "expired or is no longer valid. Add a valid certificate; once a moderator verifies it, "
        "publish the product again."
    ) % {
        "certificate": requirement_label(product.category.effective_requirement()),
        "category": product.category.name,
    }


def _hide_without_certificate(
    *, product: Product, owner: Any, today: dt.date, actor: Any = None
) -> None:
    """Take a locked, active product off the shelf and tell the shop why (in its owner's
    language; the stored reason too, as the owner is who reads it)."""
    with translation.override(getattr(owner, "language", None) or settings.LANGUAGE_CODE):
        reason = _hidden_reason(product)
    product_transition(product=product, to_status=ProductStatus.HIDDEN, actor=actor, reason=reason)
    audit_record(
        actor=actor,
        action="product.hidden.certificate",
        obj=product,
        reason=reason,
        data={"requirement": product.category.effective_requirement()},
    )
    if owner is not None:
        notify(
            recipient=owner,
            kind="product.hidden_certificate",
            title=lambda: (
                _("%(product)s is hidden from buyers: its certificate is not valid")
                % {"product": product.name}
            ),
            body=lambda: _hidden_reason(product),
            url=_certificates_url(product),
            dedupe_key=f"product-hidden-certificate:{product.pk}:{today.isoformat()}",
        )
    product_changed([product.pk])


def _warn_expiring(*, today: dt.date) -> int:
    """Warn the shop once per certificate, WARN_DAYS before it expires (unless the product
    already has a verified certificate of that kind that lasts longer)."""
    renewed = Certificate.objects.filter(
        product_id=OuterRef("product_id"),
        kind=OuterRef("kind"),
        status=CertificateStatus.VERIFIED,
    ).filter(Q(expires_on__gt=OuterRef("expires_on")) | Q(expires_on__isnull=True))
    candidates = Certificate.objects.filter(
        status=CertificateStatus.VERIFIED,
        expiry_warned_at__isnull=True,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=WARN_DAYS),
    ).filter(~Exists(renewed))
    warned = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                candidates.filter(pk__gt=last_pk)
                .select_for_update(of=("self",), skip_locked=True)
                .select_related("product", "product__shop")
                .order_by("pk")[:BATCH_SIZE]
            )
            if not batch:
                return warned
            last_pk = batch[-1].pk
            now = timezone.now()
            for certificate in batch:
                certificate.expiry_warned_at = now
                certificate.save(update_fields=["expiry_warned_at", "updated_at"])
                _send_expiry_warning(certificate)
                warned += 1


def _send_expiry_warning(certificate: Certificate) -> None:
    product = certificate.product
    owner = shop_owner(product.shop)
    if owner is None:
        return
    notify(
        recipient=owner,
        kind="certificate.expiring",
        title=lambda: (
            _("The %(certificate)s certificate of %(product)s expires on %(date)s")
            % {
                "certificate": certificate.get_kind_display(),
                "product": product.name,
                "date": date_format(certificate.expires_on or timezone.localdate(), "j M Y"),
            }
        ),
        body=lambda: _(
            "Renew it and add the new certificate before then. A product whose category needs "
            "a certificate is hidden from buyers when its certificate expires."
        ),
        url=_certificates_url(product),
        dedupe_key=f"certificate-expiring:{certificate.pk}",
    )


def _hide_expired(*, today: dt.date) -> int:
    """Hide the active products whose category requires a certificate they no longer have."""
    by_requirement: dict[str, list[int]] = {}
    for category in Category.objects.select_related("parent"):
        requirement = category.effective_requirement()
        if requirement:
            by_requirement.setdefault(requirement, []).append(category.pk)
    hidden = 0
    for requirement, category_ids in sorted(by_requirement.items()):
        valid = Certificate.objects.filter(
            Certificate.valid_on(today),
            product_id=OuterRef("pk"),
            kind__in=REQUIREMENT_KINDS[requirement],
        )
        candidates = Product.objects.filter(
            status=ProductStatus.ACTIVE, category_id__in=category_ids
        ).filter(~Exists(valid))
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    candidates.filter(pk__gt=last_pk)
                    .select_for_update(of=("self",), skip_locked=True)
                    .select_related("shop", "category", "category__parent")
                    .order_by("pk")[:BATCH_SIZE]
                )
                if not batch:
                    break
                last_pk = batch[-1].pk
                owners: dict[int, Any] = {}
                for product in batch:
                    # Re-read under the lock: a certificate verified a moment ago counts.
                    if product_certificate_ok(product=product, today=today):
                        continue
                    if product.shop_id not in owners:
                        owners[product.shop_id] = shop_owner(product.shop)
                    _hide_without_certificate(
                        product=product, owner=owners[product.shop_id], today=today
                    )
                    hidden += 1
        # Rows another transaction held (a seller editing at that moment) were skipped above:
        # wait for each of them now, so none stays on sale another day.
        for product_id in list(candidates.values_list("pk", flat=True)[: BATCH_SIZE * 5]):
            with transaction.atomic():
                waited = (
                    candidates.filter(pk=product_id)
                    .select_for_update(of=("self",))
                    .select_related("shop", "category", "category__parent")
                    .first()
                )
                if waited is None or product_certificate_ok(product=waited, today=today):
                    continue
                _hide_without_certificate(
                    product=waited, owner=shop_owner(waited.shop), today=today
                )
                hidden += 1
    return hidden


def _refresh_badges(*, today: dt.date) -> None:
    """Badges and filters (Product.has_halal / has_bpom / has_pirt) of products whose certificate
    ended in the last week (a week covers days the job did not run)."""
    ids = list(
        Certificate.objects.filter(
            expires_on__gte=today - dt.timedelta(days=8), expires_on__lt=today
        )
        .values_list("product_id", flat=True)
        .distinct()
    )
    for start in range(0, len(ids), BATCH_SIZE):
        with transaction.atomic():
            product_refresh_search(product_ids=ids[start : start + BATCH_SIZE])


def certificates_check_expiry(*, today: dt.date | None = None) -> ExpiryCheckResult:
    """The daily check (Celery beat): warn before expiry, hide products left without a valid
    required certificate. Idempotent, and two runs at once share the work (rows locked by one
    are skipped by the other)."""
    today = today or timezone.localdate()
    warned = _warn_expiring(today=today)
    hidden = _hide_expired(today=today)
    _refresh_badges(today=today)
    if warned or hidden:
        logger.info("Certificate check %s: %s warned, %s products hidden", today, warned, hidden)
    return ExpiryCheckResult(warned=warned, hidden=hidden)
