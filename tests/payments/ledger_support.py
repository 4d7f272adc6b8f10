"""Given-state helpers of the ledger tests: orders built directly (any prices, quantities and
commission rates the test needs; checkout's own tests cover how they are placed), paid through a
Payment row + `payment_settled_book` + `order_mark_paid` (what the notification endpoint calls),
and moved along their life by the orders' transition function under its lock."""

import datetime as dt
import itertools

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from komeji.accounts.models import User
from komeji.common.models import Region
from orders.models import Courier, Order, OrderLine, ShopOrder, ShopOrderStatus
from orders.services.transitions import _lock, order_mark_paid, shop_order_transition
from payments.models import AccountKind, JournalLeg, LedgerAccount, Payment, PaymentStatus
from payments.services.bookings import payment_settled_book
from vendors.models import Shop

S = ShopOrderStatus
_numbers = itertools.count(1)

# A ShopOrder's lines as (unit price, quantity, commission bp).
Lines = list[tuple[int, int, int]]


def make_order(buyer: User, shops: list[tuple[Shop, Lines, int]]) -> Order:
    """An order awaiting payment: per shop its lines and its shipping fee."""
    goods = {shop.pk: sum(p * q for p, q, _bp in lines) for shop, lines, _fee in shops}
    shipping_total = sum(fee for _shop, _lines, fee in shops)
    goods_total = sum(goods.values())
    now = timezone.now()
    order = Order.objects.create(
        number=f"KMJ-T{next(_numbers):06d}-{now.timestamp():.0f}",
        buyer=buyer,
        recipient_name="Ani Wulandari",
        recipient_phone="081234567890",
        street="Jl. Ijen No. 1",
        kecamatan="Klojen",
        region=Region.objects.get(code="3573"),
        postal_code="65111",
        goods_total=goods_total,
        shipping_total=shipping_total,
        grand_total=goods_total + shipping_total,
        payment_method="sandbox",
        payment_due_at=now + dt.timedelta(hours=24),
    )
    for shop, lines, fee in shops:
        shop_order = ShopOrder.objects.create(
            order=order,
            shop=shop,
            shop_name=shop.name,
            courier=Courier.JNE,
            shipping_fee=fee,
            weight_grams=1000,
            goods_total=goods[shop.pk],
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                shop_order=shop_order,
                product_name=f"Barang {i}",
                sku=f"SKU-{i}",
                unit_price=price,
                quantity=quantity,
                line_total=price * quantity,
                weight_grams=100,
                commission_bp=bp,
            )
            for i, (price, quantity, bp) in enumerate(lines)
        )
    return order


def pay(order: Order) -> Payment:
    """The gateway settled the whole order: a paid Payment, booked, and the order marked paid."""
    now = timezone.now()
    with transaction.atomic():
        payment = Payment.objects.create(
            order=order,
            provider="sandbox",
            method="bca_va",
            gateway_order_id=f"{order.number}-1",
            amount=order.grand_total,
            status=PaymentStatus.PAID,
            paid_at=now,
            expires_at=order.payment_due_at,
        )
        payment_settled_book(payment=payment)
        order_mark_paid(order_id=order.pk, source="test")
    return payment


def move(shop_order: ShopOrder, *steps: str) -> ShopOrder:
    """Move the ShopOrder through `steps`, each as the orders' transition function does it."""
    for step in steps:
        with transaction.atomic():
            locked = _lock(shop_order.pk)
            shop_order_transition(shop_order=locked, to=step, actor=None, role="system")
        shop_order = locked
    return shop_order


def complete(shop_order: ShopOrder) -> ShopOrder:
    return move(shop_order, S.PROCESSING, S.SHIPPED, S.DELIVERED, S.COMPLETED)


def balance(kind: str, **owner: object) -> int:
    account = LedgerAccount.objects.filter(kind=kind, **owner).first()
    if account is None:
        return 0
    total = JournalLeg.objects.filter(account=account).aggregate(t=Sum("amount"))["t"]
    return int(total or 0)


def balances() -> dict[str, int]:
    """Sum of legs per account kind (all shops' payables together, all communities' too)."""
    rows = JournalLeg.objects.values("account__kind").annotate(t=Sum("amount"))
    totals = {kind: 0 for kind in AccountKind.values}
    for row in rows:
        totals[row["account__kind"]] = int(row["t"])
    return totals


def legs_of(key: str) -> dict[tuple[str, int | None], int]:
    """A journal's legs as {(account kind, shop or community id): amount}."""
    return {
        (leg.account.kind, leg.account.shop_id or leg.account.community_id): leg.amount
        for leg in JournalLeg.objects.filter(journal__idempotency_key=key).select_related("account")
    }
