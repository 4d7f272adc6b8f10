"""The journals of an order's money, each posted once by its idempotency key (debit positive,
credit negative):

- payment settled (`paid:<payment id>`): gateway receivable +amount, escrow -amount; a bank
  transfer's unique code (part of the amount paid, `extra_income`) goes to platform revenue in
  the same journal instead of escrow.
- ShopOrder completed (`complete:<shop order id>`): escrow +total (goods + shipping), shop
  payable -(goods - commission + shipping), platform revenue -platform share, community payable
  -community share (commission split by the profit-share agreement in force on the completion
  date; payments.services.commission).
- ShopOrder cancelled after payment, before completion (`refund:<shop order id>`): escrow
  +refund amount, refunds -refund amount.

Completion and refund book only what is in escrow: an order whose payment was never booked (the
placeholder "Pay" button of development marks orders paid without a Payment) has nothing there,
and those calls book nothing and return None.

Gateway fees are borne by the platform (`KOMEJI_GATEWAY_FEE_BORNE_BY`): they are not part of these
journals; shops and communities get their shares of the full amount the buyer paid.
"""

from typing import Any

from django.utils import timezone

from orders.models import ShopOrder
from payments.models import AccountKind, Journal, Payment, PaymentStatus
from payments.services.commission import commission_split
from payments.services.ledger import journal_post, ledger_account, platform_account

PAID_KIND = "payment_settled"
COMPLETED_KIND = "shop_order_completed"
REFUND_KIND = "refund_before_completion"


def payment_settled_book(
    *, payment: Payment, actor: Any = None, extra_income: int = 0
) -> tuple[Journal, bool]:
    """The gateway holds the buyer's money for us: it is owed to us by the gateway and held in
    escrow for the buyer and the shops. `extra_income` (a transfer's unique code) is the part of
    the amount that is the platform's at once. Call in the transaction that marks the payment
    paid."""
    legs = [
        (platform_account(AccountKind.GATEWAY_RECEIVABLE), payment.amount),
        (platform_account(AccountKind.ESCROW), -(payment.amount - extra_income)),
    ]
    if extra_income:
        legs.append((platform_account(AccountKind.PLATFORM_REVENUE), -extra_income))
    return journal_post(
        key=f"paid:{payment.pk}",
        kind=PAID_KIND,
        legs=legs,
        actor=actor,
        reason=f"{payment.provider} {payment.gateway_order_id}",
        payment=payment,
    )


def order_payment_booked(*, order_id: int) -> bool:
    """Whether the buyer's money for the order is in escrow: a `paid:` journal exists for a
    payment of the order that settled (paid, or refunded since; the journal is its proof)."""
    return Journal.objects.filter(
        kind=PAID_KIND,
        payment__order_id=order_id,
        payment__status__in=[PaymentStatus.PAID, PaymentStatus.REFUNDED],
    ).exists()


def shop_order_completed_book(
    *, shop_order: ShopOrder, actor: Any = None
) -> tuple[Journal, bool] | None:
    """Release the ShopOrder's money from escrow to the shop, the platform and the community.
    Call under the ShopOrder's lock, in the transaction that completes it (`completed_at` set).
    None when the order's payment was never booked (nothing in escrow)."""
    if not order_payment_booked(order_id=shop_order.order_id):
        return None
    completed_at = shop_order.completed_at or timezone.now()
    split = commission_split(shop_order=shop_order, on=timezone.localdate(completed_at))
    legs = [
        (platform_account(AccountKind.ESCROW), split.total),
        (ledger_account(kind=AccountKind.SHOP_PAYABLE, shop=shop_order.shop), -split.shop),
        (platform_account(AccountKind.PLATFORM_REVENUE), -split.platform),
    ]
    if split.community_payee is not None:
        legs.append(
            (
                ledger_account(kind=AccountKind.COMMUNITY_PAYABLE, community=split.community_payee),
                -split.community,
            )
        )
    agreement = (
        f", share {split.agreement.platform_bp}/{split.agreement.community_bp} bp"
        if split.agreement is not None
        else ""
    )
    return journal_post(
        key=f"complete:{shop_order.pk}",
        kind=COMPLETED_KIND,
        legs=legs,
        actor=actor,
        reason=f"commission {split.commission}{agreement}",
        shop_order=shop_order,
    )


def shop_order_refund_book(
    *, shop_order: ShopOrder, actor: Any = None
) -> tuple[Journal, bool] | None:
    """A paid ShopOrder cancelled before completion: its refund amount leaves escrow and is owed
    back to the buyer. Call under the ShopOrder's lock, in the transaction that cancels it
    (`refund_amount` set). None when there is nothing to refund or the order's payment was never
    booked."""
    if shop_order.refund_amount <= 0 or not order_payment_booked(order_id=shop_order.order_id):
        return None
    return journal_post(
        key=f"refund:{shop_order.pk}",
        kind=REFUND_KIND,
        legs=[
            (platform_account(AccountKind.ESCROW), shop_order.refund_amount),
            (platform_account(AccountKind.REFUNDS), -shop_order.refund_amount),
        ],
        actor=actor,
        reason=shop_order.cancel_reason[:500],
        shop_order=shop_order,
    )
