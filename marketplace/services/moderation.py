"""Moderation of the catalogue: moderators block and unblock products with a reason; signed-in
users report products, and the reports form the moderators' queue in the admin.

Blocked products are invisible to the public (Product.objects.public()) and the shop cannot
publish them. Unblocking returns a product to "hidden": the shop publishes it again, which
checks the publishing rules anew (marketplace.services.products.product_publish).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from komeji.common.services import audit_record
from marketplace.cache import product_changed
from marketplace.models import Product, ProductReport, ProductStatus
from marketplace.services.products import ProductRefused, product_transition
from vendors.models import ShopMember
from vendors.services.common import notify, shop_owner
from vendors.services.errors import ShopNotFound

MAX_DETAILS = 1000
MAX_REASON = 1000


def _require_moderator(moderator: Any, permission: str) -> None:
    if not (getattr(moderator, "is_authenticated", False) and moderator.has_perm(permission)):
        raise ProductRefused(_("Only a moderator can do this."))


def _lock_product(*, product_id: int, moderator: Any) -> Product:
    product = (
        Product.objects.select_for_update(of=("self",), no_key=True)
        .select_related("shop")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ShopNotFound
    # Separation of duties: nobody moderates their own shop's products.
    if ShopMember.objects.filter(shop_id=product.shop_id, user=moderator).exists():
        raise ProductRefused(
            _("You are a member of this shop: another moderator must decide on it.")
        )
    return product


def _clean_reason(reason: str, message: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ProductRefused(message)
    if len(reason) > MAX_REASON:
        raise ProductRefused(_("Keep the reason under 1,000 characters."))
    return reason


def _products_url(product: Product) -> str:
    """The product in the seller centre (the shop's dashboard should that page be missing)."""
    try:
        return reverse("marketplace:product_edit", args=[product.shop_id, product.pk])
    except NoReverseMatch:
        return reverse("vendors:dashboard", args=[product.shop_id])


@transaction.atomic
def product_block(*, product_id: int, moderator: Any, reason: str) -> Product:
    """Block a product in any status, with the reason the shop sees. Open reports about it are
    resolved by the block."""
    _require_moderator(moderator, "marketplace.block_product")
    reason = _clean_reason(
        reason,
        _("Write the reason for blocking: the shop sees it and needs it to fix the product."),
    )
    product = _lock_product(product_id=product_id, moderator=moderator)
    if product.status == ProductStatus.BLOCKED:
        raise ProductRefused(_("This product is already blocked."))
    from_status = product.status
    product_transition(
        product=product, to_status=ProductStatus.BLOCKED, actor=moderator, reason=reason
    )
    now = timezone.now()
    resolved = ProductReport.objects.filter(product=product, resolved_at__isnull=True).update(
        resolved_at=now,
        resolved_by=moderator,
        resolution=_("Product blocked: %(reason)s") % {"reason": reason},
        updated_at=now,
    )
    audit_record(
        actor=moderator,
        action="product.blocked",
        obj=product,
        reason=reason,
        data={"from": from_status, "reports_resolved": resolved},
    )
    owner = shop_owner(product.shop)
    if owner is not None:
        notify(
            recipient=owner,
            kind="product.blocked",
            title=lambda: _("A moderator blocked %(product)s") % {"product": product.name},
            body=lambda: (
                _(
                    "Reason: %(reason)s. Buyers cannot see the product until a moderator lifts "
                    "the block. Fix it and ask Komeji for help to have it reviewed."
                )
                % {"reason": reason}
            ),
            url=_products_url(product),
        )
    product_changed([product.pk])
    return product


@transaction.atomic
def product_unblock(*, product_id: int, moderator: Any, reason: str) -> Product:
    """Lift a block: the product becomes hidden, and the shop publishes it again."""
    _require_moderator(moderator, "marketplace.block_product")
    reason = _clean_reason(reason, _("Write why the block is lifted (kept in the audit log)."))
    product = _lock_product(product_id=product_id, moderator=moderator)
    if product.status != ProductStatus.BLOCKED:
        raise ProductRefused(_("Only a blocked product can be unblocked."))
    previous_reason = product.status_reason
    product_transition(product=product, to_status=ProductStatus.HIDDEN, actor=moderator)
    audit_record(
        actor=moderator,
        action="product.unblocked",
        obj=product,
        reason=reason,
        data={"blocked_for": previous_reason},
    )
    owner = shop_owner(product.shop)
    if owner is not None:
        notify(
            recipient=owner,
            kind="product.unblocked",
            title=lambda: _("The block on %(product)s is lifted") % {"product": product.name},
            body=lambda: (
                _(
                    "Moderator's note: %(reason)s. The product is hidden for now: publish it "
                    "again in the seller centre when it is ready."
                )
                % {"reason": reason}
            ),
            url=_products_url(product),
        )
    product_changed([product.pk])
    return product


# --- Reports -------------------------------------------------------------------------------------


def product_report(
    *, product_id: int, reporter: Any, reason: str, details: str = ""
) -> ProductReport:
    """A signed-in user reports a public product. Idempotent: while their report is open, a second
    one returns the first (details unchanged). Raises ShopNotFound for a product the public cannot
    see, ProductRefused for a missing reason."""
    if not getattr(reporter, "is_authenticated", False):
        raise ProductRefused(_("Log in to report a product."))
    if reason not in ProductReport.Reason.values:
        raise ProductRefused(_("Choose what is wrong with the product."))
    details = details.strip()
    if len(details) > MAX_DETAILS:
        raise ProductRefused(_("Keep the details under 1,000 characters."))
    if reason == ProductReport.Reason.OTHER and not details:
        raise ProductRefused(_("Tell us what is wrong with the product."))
    if not Product.objects.public().filter(pk=product_id).exists():
        raise ShopNotFound
    existing = ProductReport.objects.filter(
        product_id=product_id, reporter=reporter, resolved_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ProductReport.objects.create(
                product_id=product_id, reporter=reporter, reason=reason, details=details
            )
    except IntegrityError:
        # A double click: the other request's report won the unique constraint.
        return ProductReport.objects.get(
            product_id=product_id, reporter=reporter, resolved_at__isnull=True
        )


@transaction.atomic
def report_resolve(
    *, report_id: int, moderator: Any, resolution: str, block: bool = False
) -> ProductReport:
    """Close a report with a note of what was done. With `block`, the product is blocked with the
    note as the reason the shop sees (which also resolves the product's other open reports)."""
    _require_moderator(moderator, "marketplace.change_productreport")
    resolution = _clean_reason(resolution, _("Write what was done about the report."))
    report = ProductReport.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise ShopNotFound
    if report.resolved_at is not None:
        raise ProductRefused(_("This report is already handled."))
    if block:
        product_block(product_id=report.product_id, moderator=moderator, reason=resolution)
        report.refresh_from_db()
        audit_record(
            actor=moderator, action="product_report.resolved", obj=report, reason=resolution
        )
        return report
    report.resolved_at = timezone.now()
    report.resolved_by = moderator
    report.resolution = resolution
    report.save(update_fields=["resolved_at", "resolved_by", "resolution", "updated_at"])
    audit_record(actor=moderator, action="product_report.resolved", obj=report, reason=resolution)
    return report
