"""The journals of an order's money, each posted once by its idempotency key:

- payment settled: gateway receivable → escrow (`paid:<payment id>`)
- (more arrive with the rest of the payments issue: completion, refunds, payouts)
"""

from typing import Any

from payments.models import AccountKind, Journal, Payment
from payments.services.ledger import journal_post, platform_account


def payment_settled_book(*, payment: Payment, actor: Any = None) -> tuple[Journal, bool]:
    """The gateway holds the buyer's money for us: it is owed to us by the gateway and held in
    escrow for the buyer and the shops. Call in the transaction that marks the payment paid."""
    return journal_post(
        key=f"paid:{payment.pk}",
        kind="payment_settled",
        legs=[
            (platform_account(AccountKind.GATEWAY_RECEIVABLE), payment.amount),
            (platform_account(AccountKind.ESCROW), -payment.amount),
        ],
        actor=actor,
        reason=f"{payment.provider} {payment.gateway_order_id}",
        payment=payment,
    )
