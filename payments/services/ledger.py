"""The double-entry ledger: accounts, and journals posted once by their idempotency key.

PostgreSQL keeps the rules (payments/migrations/0002): the legs of a journal sum to zero at
commit, and nothing is ever updated or deleted. Balances are sums of legs.
"""

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from orders.models import ShopOrder
from payments.models import AccountKind, Journal, JournalLeg, LedgerAccount, Payment
from vendors.models import Community, Shop


def ledger_account(
    *, kind: str, shop: Shop | None = None, community: Community | None = None
) -> LedgerAccount:
    """The account (created on first use; concurrent first uses agree on one row)."""
    lookup = {"kind": kind, "shop": shop, "community": community}
    account = LedgerAccount.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(**lookup)
    except IntegrityError:
        return LedgerAccount.objects.get(**lookup)


def platform_account(kind: str) -> LedgerAccount:
    assert kind not in (AccountKind.SHOP_PAYABLE, AccountKind.COMMUNITY_PAYABLE)
    return ledger_account(kind=kind)


def journal_post(
    *,
    key: str,
    kind: str,
    legs: Sequence[tuple[LedgerAccount, int]],
    actor: Any = None,
    reason: str = "",
    payment: Payment | None = None,
    shop_order: ShopOrder | None = None,
) -> tuple[Journal, bool]:
    """Post a journal once: returns (journal, True) when this call posted it, or the journal
    already posted under `key` and False. Legs of zero are left out; they must sum to zero (the
    database refuses the commit otherwise; checked here too, for a clear error)."""
    legs = [(account, amount) for account, amount in legs if amount != 0]
    if sum(amount for _account, amount in legs) != 0:
        raise ValueError(f"journal {key} is unbalanced")
    existing = Journal.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            journal = Journal.objects.create(
                idempotency_key=key,
                kind=kind,
                actor=user,
                reason=reason,
                payment=payment,
                shop_order=shop_order,
            )
            JournalLeg.objects.bulk_create(
                JournalLeg(journal=journal, account=account, amount=amount)
                for account, amount in legs
            )
    except IntegrityError:
        # The same key posted by a concurrent call that committed first.
        return Journal.objects.get(idempotency_key=key), False
    return journal, True


def account_balance(account: LedgerAccount) -> int:
    total = JournalLeg.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)
