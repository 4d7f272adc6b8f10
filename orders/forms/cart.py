"""Forms of the cart and checkout pages. They only parse and bound what the person sent; the
services decide (stock, minimum order, holiday, rates)."""

import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from komeji.accounts.models import Address
from orders.models import CART_MAX_LINES, CART_MAX_QUANTITY, payment_methods_offered

NOTE_MAX = 200
SHIPPING_PREFIX = "shipping_"
FEE_PREFIX = "fee_"
NOTE_PREFIX = "note_"


class CartAddForm(forms.Form):
    variant = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=CART_MAX_QUANTITY, initial=1
    )
    next = forms.CharField(required=False, max_length=300)
    buy_now = forms.BooleanField(required=False)


class CartLineQuantityForm(forms.Form):
    """0 removes the line."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=CART_MAX_QUANTITY)


def _is_id(value: str) -> bool:
    """Digits as int() reads them: ASCII only ("²" is a digit to str.isdigit), not absurdly long."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def _per_shop(data: Mapping[str, Any], prefix: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for key in data:
        suffix = key[len(prefix) :] if key.startswith(prefix) else ""
        if _is_id(suffix) and len(found) < CART_MAX_LINES:
            found[int(suffix)] = str(data.get(key, ""))
    return found


class CheckoutForm(forms.Form):
    """The buyer's choices on the checkout page: address, a courier (`shipping_<shop id>` = method
    id) and a note (`note_<shop id>`) per shop, the payment method; and, to place, the page's
    checkout token and the total it showed."""

    address = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    payment_method = forms.ChoiceField(choices=[], required=False)
    checkout_token = forms.UUIDField(required=False)
    expected_goods_total = forms.IntegerField(required=False, min_value=0)

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, addresses: Iterable[Address]
    ) -> None:
        super().__init__(data)
        self.addresses = list(addresses)
        field = self.fields["address"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(a.pk, str(a)) for a in self.addresses]
        method = self.fields["payment_method"]
        assert isinstance(method, forms.ChoiceField)
        method.choices = payment_methods_offered()
        self._raw: Mapping[str, Any] = data or {}

    def _cleaned(self, name: str) -> Any:
        self.is_valid()  # cleans once; a field in error is left out of cleaned_data
        return self.cleaned_data.get(name)

    def chosen_address(self) -> Address | None:
        """The address asked for, else the default one (addresses come default first)."""
        wanted = self._cleaned("address")
        for address in self.addresses:
            if address.pk == wanted:
                return address
        return self.addresses[0] if self.addresses else None

    def chosen_payment_method(self) -> str:
        """The one asked for, else the first offered."""
        offered = payment_methods_offered()
        return self._cleaned("payment_method") or (offered[0][0] if offered else "")

    def posted_address_id(self) -> int:
        """The address as sent (the service refuses one that is not the buyer's)."""
        value = str(self._raw.get("address", ""))
        return int(value) if _is_id(value) else 0

    def posted_payment_method(self) -> str:
        """As sent (the service refuses one not offered); none sent: the first offered."""
        return str(self._raw.get("payment_method", "")) or self.chosen_payment_method()

    def shipping(self) -> dict[int, int]:
        return {
            shop_id: int(value)
            for shop_id, value in _per_shop(self._raw, SHIPPING_PREFIX).items()
            if _is_id(value)
        }

    def notes(self) -> dict[int, str]:
        return {
            shop_id: " ".join(value.split())[:NOTE_MAX]
            for shop_id, value in _per_shop(self._raw, NOTE_PREFIX).items()
            if value.strip()
        }

    def token(self) -> uuid.UUID | None:
        token: uuid.UUID | None = self._cleaned("checkout_token")
        return token

    def posted_goods_total(self) -> int | None:
        total: int | None = self._cleaned("expected_goods_total")
        return total

    def posted_fees(self) -> dict[int, int]:
        """The fee the page showed next to each courier (`fee_<method id>`)."""
        return {
            method_id: int(value)
            for method_id, value in _per_shop(self._raw, FEE_PREFIX).items()
            if _is_id(value)
        }

    def querystring(self) -> str:
        """The choices as GET parameters (the page shown again after "Update")."""
        params: list[tuple[str, Any]] = []
        address = self.chosen_address()
        if address is not None:
            params.append(("address", address.pk))
        params += [(f"{SHIPPING_PREFIX}{s}", m) for s, m in sorted(self.shipping().items())]
        params += [(f"{NOTE_PREFIX}{s}", n) for s, n in sorted(self.notes().items())]
        params.append(("payment_method", self.chosen_payment_method()))
        return urlencode(params)
