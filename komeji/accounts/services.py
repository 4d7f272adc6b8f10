"""Writes of the accounts app: profile and buyer addresses."""

from typing import Any

from django.conf import settings
from django.db import transaction

from komeji.accounts.models import Address, User
from komeji.accounts.validators import normalize_phone
from komeji.common.models import Region


class AddressNotFound(Exception):
    pass


def user_update_profile(*, user: User, full_name: str, phone: str) -> User:
    user.full_name = full_name.strip()
    user.phone = normalize_phone(phone) if phone else ""
    user.save(update_fields=["full_name", "phone"])
    return user


def user_set_language(*, user: User, language: str) -> None:
    """Remember the language the user chose with the switcher (unknown codes are ignored)."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def _lock_addresses(user: User) -> list[Address]:
    """Lock the user's row, so concurrent changes to their default address serialise."""
    User.objects.select_for_update().filter(pk=user.pk).get()
    return list(Address.objects.filter(user=user).order_by("pk"))


@transaction.atomic
def address_create(
    *,
    user: User,
    recipient_name: str,
    phone: str,
    street: str,
    kecamatan: str,
    region: Region,
    postal_code: str,
    label: str = "",
    is_default: bool = False,
) -> Address:
    """Add an address. The first address of a user is always the default."""
    existing = _lock_addresses(user)
    make_default = is_default or not existing
    if make_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
    address = Address(
        user=user,
        label=label.strip(),
        recipient_name=recipient_name.strip(),
        phone=normalize_phone(phone),
        street=street.strip(),
        kecamatan=kecamatan.strip(),
        region=region,
        postal_code=postal_code.strip(),
        is_default=make_default,
    )
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def address_update(*, user: User, address_id: int, **fields: Any) -> Address:
    _lock_addresses(user)
    address = Address.objects.filter(user=user, pk=address_id).first()
    if address is None:
        raise AddressNotFound
    make_default = fields.pop("is_default", False)
    if "phone" in fields:
        fields["phone"] = normalize_phone(fields["phone"])
    for name, value in fields.items():
        setattr(address, name, value.strip() if isinstance(value, str) else value)
    if make_default and not address.is_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
        address.is_default = True
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def address_set_default(*, user: User, address_id: int) -> Address:
    addresses = _lock_addresses(user)
    address = next((a for a in addresses if a.pk == address_id), None)
    if address is None:
        raise AddressNotFound
    if not address.is_default:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
        address.is_default = True
        address.save(update_fields=["is_default", "updated_at"])
    return address


@transaction.atomic
def address_delete(*, user: User, address_id: int) -> None:
    """Delete an address; when it was the default, the newest remaining one becomes default."""
    addresses = _lock_addresses(user)
    address = next((a for a in addresses if a.pk == address_id), None)
    if address is None:
        raise AddressNotFound
    address.delete()
    if address.is_default:
        successor = Address.objects.filter(user=user).order_by("-created_at", "-id").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])
