from django.db.models import QuerySet

from komeji.accounts.models import Address, User


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user).select_related("region")


def address_get(*, user: User, address_id: int) -> Address | None:
    return address_list(user=user).filter(pk=address_id).first()
