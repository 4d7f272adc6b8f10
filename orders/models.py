"""Carts, shipping methods and rates of shops, and orders: one Order per checkout (what the buyer
pays once), one ShopOrder per shop (what each shop fulfils), OrderLines that snapshot the catalogue.
Writes go through orders/services/."""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from komeji.common.models import BaseModel, Region
from marketplace.models import Product, Variant
from vendors.models import Shop

# --- Cart ---------------------------------------------------------------------------------------

CART_MAX_QUANTITY = 999
CART_MAX_LINES = 100


class Cart(BaseModel):
    """A signed-in buyer's cart (user set), or an anonymous visitor's (user empty; its id is kept
    in their session). An anonymous cart merges into the user's cart at log-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self) -> str:
        return f"cart {self.pk} ({self.user or 'anonymous'})"


class CartLine(BaseModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # The price the buyer last saw: a change since is announced ("harga berubah").
    price_seen = models.BigIntegerField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartline_one_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=CART_MAX_QUANTITY),
                name="cartline_quantity_range",
            ),
        ]


# --- Shipping -----------------------------------------------------------------------------------


class Courier(models.TextChoices):
    JNE = "jne", "JNE"
    JNT = "jnt", "J&T Express"
    SICEPAT = "sicepat", "SiCepat"
    POS = "pos", "POS Indonesia"
    ANTERAJA = "anteraja", "AnterAja"
    OWN = "own", _("Shop's own delivery")
    PICKUP = "pickup", _("Pick up at the shop")


# Couriers that carry a tracking number (own delivery and pick-up do not).
TRACKED_COURIERS = {Courier.JNE, Courier.JNT, Courier.SICEPAT, Courier.POS, Courier.ANTERAJA}


class ShippingMethod(BaseModel):
    """A courier service a shop offers (e.g. JNE REG). Its prices are its ShippingRates; pick-up
    at the shop is free and needs none."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="shipping_methods")
    courier = models.CharField(_("courier"), max_length=12, choices=Courier.choices)
    service = models.CharField(
        _("service"), max_length=30, blank=True, help_text=_("e.g. REG, YES, Cargo")
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["courier", "service", "id"]
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "courier", "service"], name="shippingmethod_unique_per_shop"
            ),
        ]

    def __str__(self) -> str:
        label = self.get_courier_display()
        return f"{label} {self.service}".strip()


class ShippingRate(BaseModel):
    """The price of a method to one kabupaten/kota, or (region empty) to everywhere else."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="rates")
    region = models.ForeignKey(
        Region,
        verbose_name=_("destination"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every other kabupaten/kota."),
    )
    first_kg_price = models.BigIntegerField(_("first kg (Rp)"))
    next_kg_price = models.BigIntegerField(_("each further kg (Rp)"))
    eta_days_min = models.PositiveSmallIntegerField(_("estimate from (days)"), default=1)
    eta_days_max = models.PositiveSmallIntegerField(_("estimate to (days)"), default=3)

    class Meta:
        ordering = ["region__name", "id"]
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")
        constraints = [
            models.UniqueConstraint(
                fields=["method", "region"],
                condition=Q(region__isnull=False),
                name="shippingrate_one_per_region",
            ),
            models.UniqueConstraint(
                fields=["method"],
                condition=Q(region__isnull=True),
                name="shippingrate_one_default",
            ),
            models.CheckConstraint(
                condition=Q(first_kg_price__gte=0) & Q(next_kg_price__gte=0),
                name="shippingrate_prices_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(eta_days_min__lte=F("eta_days_max")), name="shippingrate_eta_range"
            ),
        ]


# --- Orders -------------------------------------------------------------------------------------


class PaymentMethod(models.TextChoices):
    """The gateway the buyer prefers, chosen at checkout (payments.models.Provider); the order
    page offers it first. Only those in KOMEJI_PAYMENT_PROVIDERS are offered."""

    SANDBOX = "sandbox", _("Sandbox (demo)")
    MIDTRANS = "midtrans", _("Virtual account, QRIS, e-wallet or convenience store (Midtrans)")
    TRANSFER = "transfer", _("Bank transfer")


def payment_methods_offered() -> list[tuple[str, Any]]:
    """The checkout's payment methods: PaymentMethod's, those enabled, in the settings' order."""
    labels = dict(PaymentMethod.choices)
    return [(p, labels[p]) for p in settings.KOMEJI_PAYMENT_PROVIDERS if p in labels]


class Order(BaseModel):
    """What the buyer pays once, for one checkout. Its status is the statuses of its ShopOrders."""

    number = models.CharField(_("order number"), max_length=24, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    # The token of the checkout page that placed it: a retried POST finds this order.
    checkout_token = models.UUIDField(default=uuid.uuid4, editable=False)
    # Shipping address, copied: editing or deleting the address never changes an order.
    recipient_name = models.CharField(_("recipient"), max_length=150)
    recipient_phone = models.CharField(_("phone number"), max_length=16)
    street = models.TextField(_("street address"))
    kecamatan = models.CharField(_("kecamatan"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("kabupaten/kota"), on_delete=models.PROTECT, related_name="+"
    )
    postal_code = models.CharField(_("postal code"), max_length=5)

    goods_total = models.BigIntegerField(_("goods"))
    shipping_total = models.BigIntegerField(_("shipping"))
    grand_total = models.BigIntegerField(_("total"))
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices
    )
    payment_due_at = models.DateTimeField(_("pay before"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "checkout_token"], name="order_one_per_checkout_token"
            ),
            models.CheckConstraint(
                condition=Q(grand_total=F("goods_total") + F("shipping_total")),
                name="order_total_is_goods_plus_shipping",
            ),
            models.CheckConstraint(
                condition=Q(goods_total__gt=0) & Q(shipping_total__gte=0),
                name="order_totals_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_newest"),
        ]

    def __str__(self) -> str:
        return self.number


class ShopOrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    PROCESSING = "processing", _("Processing")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


S = ShopOrderStatus
# The only allowed moves of ShopOrder.status (orders.services.transitions.shop_order_transition).
SHOP_ORDER_TRANSITIONS: dict[str, set[str]] = {
    S.AWAITING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.PROCESSING, S.CANCELLED},
    S.PROCESSING: {S.SHIPPED, S.CANCELLED},
    # The buyer may confirm receipt of a shipped order: delivered and completed at once.
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: {S.COMPLETED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
}
OPEN_STATUSES = {S.AWAITING_PAYMENT, S.PAID, S.PROCESSING, S.SHIPPED, S.DELIVERED}


class StockState(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    RELEASED = "released", _("Released")
    CONSUMED = "consumed", _("Shipped")


class ShopOrder(BaseModel):
    """What one shop fulfils of an Order, with its own status, courier and deadlines."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shop_orders")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    shop_name = models.CharField(_("shop"), max_length=80)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ShopOrderStatus.choices,
        default=ShopOrderStatus.AWAITING_PAYMENT,
    )
    # Reserved at checkout, then released exactly once (cancelled) or consumed (shipped).
    stock_state = models.CharField(
        max_length=10, choices=StockState.choices, default=StockState.RESERVED
    )

    courier = models.CharField(_("courier"), max_length=12, choices=Courier.choices)
    courier_service = models.CharField(_("service"), max_length=30, blank=True)
    shipping_fee = models.BigIntegerField(_("shipping fee"))
    eta_days_min = models.PositiveSmallIntegerField(default=0)
    eta_days_max = models.PositiveSmallIntegerField(default=0)
    weight_grams = models.PositiveBigIntegerField(_("weight (grams)"))
    goods_total = models.BigIntegerField(_("goods"))
    note = models.CharField(_("note to the shop"), max_length=200, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)

    # Deadlines of the current step (empty when the step has none).
    accept_by = models.DateTimeField(_("accept before"), null=True, blank=True)
    ship_by = models.DateTimeField(_("ship before"), null=True, blank=True)
    deliver_by = models.DateTimeField(_("delivered at the latest"), null=True, blank=True)
    complete_after = models.DateTimeField(_("complaint window ends"), null=True, blank=True)
    window_extended = models.BooleanField(_("complaint window extended"), default=False)

    paid_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)

    # The buyer asked to cancel a paid order; the shop answers.
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    cancel_request_reason = models.TextField(_("reason given by the buyer"), blank=True)
    cancel_request_declined_at = models.DateTimeField(null=True, blank=True)

    # A paid order cancelled: what payments must give back to the buyer (payments issue).
    refund_amount = models.BigIntegerField(_("refund due"), default=0)
    refund_requested_at = models.DateTimeField(null=True, blank=True)
    # The refund at the gateway (payments.services.refunds): sent once, by the key
    # `refund-<shop order id>`; or left to Finance to refund by hand (`refund_manual_at`).
    refund_sent_at = models.DateTimeField(_("refund sent"), null=True, blank=True)
    refund_reference = models.CharField(_("refund reference"), max_length=100, blank=True)
    refund_attempts = models.PositiveSmallIntegerField(default=0)
    refund_error = models.TextField(_("last refund error"), blank=True)
    refund_manual_at = models.DateTimeField(_("refund left to Finance"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("shop order")
        verbose_name_plural = _("shop orders")
        constraints = [
            models.UniqueConstraint(fields=["order", "shop"], name="shoporder_one_per_shop"),
            models.CheckConstraint(
                condition=Q(goods_total__gt=0) & Q(shipping_fee__gte=0),
                name="shoporder_totals_positive",
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__gte=0), name="shoporder_refund_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(stock_state="reserved"),
                name="shoporder_cancelled_released_stock",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["shipped", "delivered", "completed"])
                | Q(stock_state="consumed"),
                name="shoporder_shipped_consumed_stock",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "status", "-created_at"], name="shoporder_shop_status"),
            # The timers walk these (partial: only the rows still waiting).
            models.Index(
                fields=["accept_by"], condition=Q(status="paid"), name="shoporder_accept_due"
            ),
            models.Index(
                fields=["ship_by"], condition=Q(status="processing"), name="shoporder_ship_due"
            ),
            models.Index(
                fields=["deliver_by"], condition=Q(status="shipped"), name="shoporder_deliver_due"
            ),
            models.Index(
                fields=["complete_after"],
                condition=Q(status="delivered"),
                name="shoporder_complete_due",
            ),
            # Refunds still to send (payments.services.refunds.refunds_retry walks these).
            models.Index(
                fields=["refund_requested_at"],
                condition=Q(refund_amount__gt=0)
                & Q(refund_sent_at__isnull=True)
                & Q(refund_manual_at__isnull=True),
                name="shoporder_refund_unsent",
            ),
            models.Index(
                fields=["order"],
                condition=Q(status="awaiting_payment"),
                name="shoporder_awaiting_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number} / {self.shop_name}"

    @property
    def total(self) -> int:
        return self.goods_total + self.shipping_fee

    @property
    def shop_sees_address(self) -> bool:
        """The buyer's address and phone are the shop's to see once paid, and while it fulfils."""
        return self.status in {S.PAID, S.PROCESSING, S.SHIPPED, S.DELIVERED, S.COMPLETED}

    @property
    def can_print_shipping(self) -> bool:
        """Packing slip and label: for an order the shop still has to pack or has just sent."""
        return self.status in {S.PAID, S.PROCESSING, S.SHIPPED}

    @property
    def is_tracked(self) -> bool:
        return self.courier in TRACKED_COURIERS

    def current_deadline(self) -> dt.datetime | None:
        deadlines: dict[str, dt.datetime | None] = {
            S.AWAITING_PAYMENT: self.order.payment_due_at if self.order_id else None,
            S.PAID: self.accept_by,
            S.PROCESSING: self.ship_by,
            S.SHIPPED: self.deliver_by,
            S.DELIVERED: self.complete_after,
        }
        return deadlines.get(self.status)

    def can_buyer_cancel_request(self) -> bool:
        return self.status in {S.PAID, S.PROCESSING} and self.cancel_requested_at is None

    @property
    def has_pending_cancel_request(self) -> bool:
        return (
            self.status in {S.PAID, S.PROCESSING}
            and self.cancel_requested_at is not None
            and self.cancel_request_declined_at is None
        )

    def can_extend_window(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == S.DELIVERED
            and not self.window_extended
            and self.complete_after is not None
            and self.complete_after > now
        )


class OrderLine(models.Model):
    """One variant bought, as it was at checkout."""

    shop_order = models.ForeignKey(ShopOrder, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_name = models.CharField(_("product"), max_length=120)
    variant_name = models.CharField(_("variant"), max_length=80, blank=True)
    sku = models.CharField(_("SKU"), max_length=50)
    unit_price = models.BigIntegerField(_("unit price"))
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.BigIntegerField(_("subtotal"))
    weight_grams = models.PositiveIntegerField(_("unit weight (grams)"))
    warranty_days = models.PositiveIntegerField(_("warranty (days)"), default=0)
    commission_bp = models.PositiveIntegerField(_("commission (basis points)"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_pos"),
            models.CheckConstraint(
                condition=Q(line_total=F("unit_price") * F("quantity")),
                name="orderline_total_is_price_times_qty",
            ),
            models.CheckConstraint(
                condition=Q(commission_bp__lte=10_000), name="orderline_commission_at_most_100pct"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"


class OrderEvent(models.Model):
    """The timeline of a ShopOrder: every status change and every other act (tracking number,
    cancel request, window extension) with who did it and why."""

    class Role(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        SHOP = "shop", _("Shop")
        STAFF = "staff", _("Komeji staff")
        SYSTEM = "system", _("System")

    shop_order = models.ForeignKey(ShopOrder, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=10, choices=Role.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.shop_order_id}: {self.kind}"
