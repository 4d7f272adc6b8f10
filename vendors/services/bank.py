"""The shop's payout bank account: owner only, password asked again, audit-logged, the owner
notified, and payouts held for KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS after every change."""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from komeji.accounts.models import User
from komeji.common.services import audit_record
from vendors.banks import BANK_NAMES
from vendors.models import BankAccount
from vendors.services.common import lock_shop_access, notify, require
from vendors.services.errors import WrongPassword
from vendors.validators import mask, normalize_bank_account_number

# Wrong passwords on the bank-account form before it locks for a while.
BANK_PASSWORD_ATTEMPTS = 5
BANK_PASSWORD_LOCK_SECONDS = 15 * 60


# --- Bank account --------------------------------------------------------------------------------


def _password_key(user: User) -> str:
    return f"bank-password-failures:{user.pk}"


def _check_password(user: User, password: str) -> None:
    key = _password_key(user)
    failures = cache.get(key, 0)
    if failures >= BANK_PASSWORD_ATTEMPTS:
        raise WrongPassword(_("Too many wrong passwords. Try again in 15 minutes."))
    if not user.check_password(password):
        cache.add(key, 0, BANK_PASSWORD_LOCK_SECONDS)
        cache.incr(key)
        raise WrongPassword(_("The password is wrong. Your bank account was not changed."))
    cache.delete(key)


@transaction.atomic
def shop_bank_account_set(
    *,
    shop_id: int,
    actor: User,
    password: str,
    bank_code: str,
    account_number: str,
    holder_name: str,
) -> BankAccount:
    """Set or change where the shop's payouts go. Owner only, after typing the password again;
    audit-logged, the owner is notified, and payouts wait 24 hours after every change."""
    access = lock_shop_access(actor=actor, shop_id=shop_id)
    require(access.can_manage_bank, _("Only the shop's owner can change its bank account."))
    _check_password(actor, password)
    require(bank_code in BANK_NAMES, _("Choose a bank from the list."))
    number = normalize_bank_account_number(account_number)
    holder = holder_name.strip()
    require(bool(holder), _("Write the account holder's name as the bank knows it."))
    shop = access.shop
    now = timezone.now()
    account = BankAccount.objects.select_for_update().filter(shop=shop).first()
    previous = str(account) if account is not None else ""
    if account is None:
        account = BankAccount(shop=shop)
    account.bank_code = bank_code
    account.account_number = number
    account.holder_name = holder
    account.changed_at = now
    account.changed_by = actor
    account.save()
    audit_record(
        actor=actor,
        action="shop.bank_account.set",
        obj=shop,
        data={
            "previous": mask(previous.split(" a.n.")[0], keep_start=0) if previous else "",
            "bank": bank_code,
            "account": mask(number, keep_start=0, keep_end=4),
        },
    )
    notify(
        recipient=actor,
        kind="shop.bank_account",
        title=lambda: _("The bank account of %(shop)s was changed") % {"shop": shop.name},
        body=lambda: (
            _(
                "Payouts now go to %(bank)s ••••%(last4)s. They are held for %(hours)s hours. If "
                "you did not make this change, change your password and contact Komeji at once."
            )
            % {
                "bank": BANK_NAMES[bank_code],
                "last4": number[-4:],
                "hours": settings.KOMEJI_BANK_CHANGE_PAYOUT_HOLD_HOURS,
            }
        ),
        url=reverse("vendors:bank_account", args=[shop.pk]),
    )
    return account
