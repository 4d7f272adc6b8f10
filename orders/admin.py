"""Back office of orders, for support. Orders, shop orders and carts are read-only: a status
changes only through the services of orders/services/transitions.py (which lock the row, check the
allowed map, move the stock and write the timeline), never by editing a field here. Shipping
methods and their rate tables can be corrected by superusers."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from komeji.common.templatetags.komeji import rupiah, wib
from orders.models import (
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    ShippingMethod,
    ShippingRate,
    ShopOrder,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Read in the admin only: no add, no delete, no save buttons (every field is read-only)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Nothing is editable, and a crafted POST must not save the row either.
        return None

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None


# --- Orders --------------------------------------------------------------------------------------


class ShopOrderInline(_ReadOnlyInline):
    model = ShopOrder
    fields = ("shop_name", "status", "courier_label", "goods", "shipping", "tracking_number")
    readonly_fields = fields
    show_change_link = True

    @admin.display(description=_("courier"))
    def courier_label(self, obj: ShopOrder) -> str:
        return f"{obj.get_courier_display()} {obj.courier_service}".strip()

    @admin.display(description=_("goods"))
    def goods(self, obj: ShopOrder) -> str:
        return rupiah(obj.goods_total)

    @admin.display(description=_("shipping"))
    def shipping(self, obj: ShopOrder) -> str:
        return rupiah(obj.shipping_fee)


@admin.register(Order)
class OrderAdmin(_ReadOnlyAdmin):
    list_display = ["number", "buyer", "total", "payment_method", "payment_due_at", "paid_at"]
    list_filter = ["payment_method", ("paid_at", admin.EmptyFieldListFilter)]
    search_fields = ["number", "buyer__email", "recipient_name", "shop_orders__tracking_number"]
    list_select_related = ["buyer"]
    date_hierarchy = "created_at"
    inlines = [ShopOrderInline]
    fieldsets = [
        (_("Order"), {"fields": ["number", "buyer", "created_at"]}),
        (
            _("Totals and payment"),
            {
                "fields": [
                    "goods",
                    "shipping",
                    "total",
                    "payment_method",
                    "payment_due_at",
                    "paid_at",
                ]
            },
        ),
        (
            _("Shipping address"),
            {
                "fields": [
                    "recipient_name",
                    "recipient_phone",
                    "street",
                    "kecamatan",
                    "region",
                    "postal_code",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        return super().get_queryset(request).select_related("buyer", "region")

    @admin.display(description=_("goods"), ordering="goods_total")
    def goods(self, obj: Order) -> str:
        return rupiah(obj.goods_total)

    @admin.display(description=_("shipping"), ordering="shipping_total")
    def shipping(self, obj: Order) -> str:
        return rupiah(obj.shipping_total)

    @admin.display(description=_("total"), ordering="grand_total")
    def total(self, obj: Order) -> str:
        return rupiah(obj.grand_total)


class OrderLineInline(_ReadOnlyInline):
    model = OrderLine
    fields = ("product_name", "variant_name", "sku", "price", "quantity", "subtotal", "warranty")
    readonly_fields = fields

    @admin.display(description=_("unit price"))
    def price(self, obj: OrderLine) -> str:
        return rupiah(obj.unit_price)

    @admin.display(description=_("subtotal"))
    def subtotal(self, obj: OrderLine) -> str:
        return rupiah(obj.line_total)

    @admin.display(description=_("warranty (days)"))
    def warranty(self, obj: OrderLine) -> int:
        return obj.warranty_days


class OrderEventInline(_ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "kind", "from_status", "to_status", "actor", "actor_role", "reason")
    readonly_fields = fields
    verbose_name_plural = _("timeline")

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(ShopOrder)
class ShopOrderAdmin(_ReadOnlyAdmin):
    """What one shop fulfils. The status moves only through the services (accept, ship, …)."""

    list_display = ["number", "shop_name", "status", "deadline", "total_rp", "created_at"]
    list_filter = ["status", "courier", "stock_state"]
    search_fields = [
        "order__number",
        "shop__name",
        "shop_name",
        "order__buyer__email",
        "tracking_number",
    ]
    list_select_related = ["order", "shop"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderEventInline]
    fieldsets = [
        (
            _("Order"),
            {"fields": ["order_link", "buyer", "shop", "shop_name", "created_at"]},
        ),
        (
            _("Status"),
            {
                "fields": [
                    "status",
                    "deadline",
                    "stock_state",
                    "cancel_reason",
                    "cancel_requested_at",
                    "cancel_request_reason",
                    "cancel_request_declined_at",
                    "refund_due",
                    "refund_requested_at",
                ]
            },
        ),
        (
            _("Goods and shipping"),
            {
                "fields": [
                    "goods",
                    "shipping",
                    "total_rp",
                    "weight_grams",
                    "courier",
                    "courier_service",
                    "eta_days_min",
                    "eta_days_max",
                    "tracking_number",
                    "note",
                ]
            },
        ),
        (
            _("Timers"),
            {
                "fields": [
                    "accept_by",
                    "ship_by",
                    "deliver_by",
                    "complete_after",
                    "window_extended",
                    "paid_at",
                    "accepted_at",
                    "shipped_at",
                    "delivered_at",
                    "completed_at",
                    "cancelled_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShopOrder]:
        return super().get_queryset(request).select_related("order", "order__buyer", "shop")

    @admin.display(description=_("order number"), ordering="order__number")
    def number(self, obj: ShopOrder) -> str:
        return obj.order.number

    @admin.display(description=_("order"))
    def order_link(self, obj: ShopOrder) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[obj.order_id]),
            obj.order.number,
        )

    @admin.display(description=_("buyer"))
    def buyer(self, obj: ShopOrder) -> str:
        return str(obj.order.buyer)

    @admin.display(description=_("deadline of the current step"))
    def deadline(self, obj: ShopOrder) -> str:
        return wib(obj.current_deadline()) or "—"

    @admin.display(description=_("goods"))
    def goods(self, obj: ShopOrder) -> str:
        return rupiah(obj.goods_total)

    @admin.display(description=_("shipping"))
    def shipping(self, obj: ShopOrder) -> str:
        return rupiah(obj.shipping_fee)

    @admin.display(description=_("total"))
    def total_rp(self, obj: ShopOrder) -> str:
        return rupiah(obj.total)

    @admin.display(description=_("refund due"))
    def refund_due(self, obj: ShopOrder) -> str:
        return rupiah(obj.refund_amount)


# --- Shipping set-up -----------------------------------------------------------------------------


class _SuperuserEdits:
    """Staff who may view see the set-up; only superusers correct it (shops do it themselves in
    the seller centre, where the services check their prices)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class ShippingRateInline(_SuperuserEdits, admin.TabularInline):
    model = ShippingRate
    extra = 0
    fields = ("region", "first_kg_price", "next_kg_price", "eta_days_min", "eta_days_max")


@admin.register(ShippingMethod)
class ShippingMethodAdmin(_SuperuserEdits, admin.ModelAdmin):
    list_display = ["__str__", "shop", "is_active", "rate_count", "updated_at"]
    list_filter = ["courier", "is_active"]
    search_fields = ["shop__name", "service"]
    list_select_related = ["shop"]
    raw_id_fields = ["shop"]
    fields = ["shop", "courier", "service", "is_active"]
    inlines = [ShippingRateInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShippingMethod]:
        return super().get_queryset(request).annotate(n_rates=Count("rates"))

    @admin.display(description=_("prices"), ordering="n_rates")
    def rate_count(self, obj: Any) -> int:
        return int(obj.n_rates)


# --- Carts ---------------------------------------------------------------------------------------


class CartLineInline(_ReadOnlyInline):
    model = CartLine
    fields = ("variant", "quantity", "price_seen_rp", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[CartLine]:
        return super().get_queryset(request).select_related("variant", "variant__product")

    @admin.display(description=_("price seen"))
    def price_seen_rp(self, obj: CartLine) -> str:
        return rupiah(obj.price_seen)


@admin.register(Cart)
class CartAdmin(_ReadOnlyAdmin):
    """For support: what a buyer has in their cart."""

    list_display = ["__str__", "user", "line_count", "updated_at"]
    search_fields = ["user__email"]
    list_filter = [("user", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    fields = ["user", "created_at", "updated_at"]
    inlines = [CartLineInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cart]:
        return super().get_queryset(request).annotate(n_lines=Count("lines"))

    @admin.display(description=_("lines"), ordering="n_lines")
    def line_count(self, obj: Any) -> int:
        return int(obj.n_lines)
