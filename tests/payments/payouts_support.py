"""Given-state helpers of the payout tests: shops and communities owed money (orders paid and
completed through tests/payments/ledger_support.py), bank accounts changed at a given time."""

import datetime as dt

from django.utils import timezone

from komeji.accounts.models import User
from payments.models import ProfitShareAgreement
from tests.factories import UserFactory
from tests.payments.ledger_support import Lines, complete, make_order, pay
from tests.vendors.conftest import shop_profile
from vendors.models import BankAccount, Community, Shop
from vendors.services import shops as shop_services


def new_shop(name: str) -> Shop:
    return shop_services.shop_open(user=UserFactory(), **shop_profile(name=name))


def bank(
    owner: Shop | Community,
    *,
    hours_ago: int = 48,
    number: str = "1234567890",
    holder: str = "Siti Rahayu",
    code: str = "014",
) -> BankAccount:
    """The payee's bank account, last changed `hours_ago` hours ago (the hold is 24 h)."""
    key = "shop" if isinstance(owner, Shop) else "community"
    return BankAccount.objects.create(
        **{key: owner},
        bank_code=code,
        account_number=number,
        holder_name=holder,
        changed_at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def earn(buyer: User, shop: Shop, lines: Lines, shipping: int = 0) -> None:
    """An order of the shop paid and completed: its net is credited to the shop's payable."""
    order = make_order(buyer, [(shop, lines, shipping)])
    pay(order)
    complete(order.shop_orders.get())


def agreement_70_30(community: Community) -> ProfitShareAgreement:
    return ProfitShareAgreement.objects.create(
        community=community,
        platform_bp=7000,
        community_bp=3000,
        valid_from=timezone.localdate() - dt.timedelta(days=30),
    )
