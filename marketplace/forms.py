"""Seller-centre forms of the catalogue: a product with its variants and photos, quick edit."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from komeji.common.money import InvalidAmount, format_rupiah, parse_typed_rupiah
from marketplace.models import Category, ProductCondition, Variant
from marketplace.services.products import VariantInput


def parse_rupiah(value: str) -> int:
    """An amount as typed (komeji.common.money.parse_typed_rupiah), or ValidationError."""
    try:
        return parse_typed_rupiah(value)
    except InvalidAmount:
        raise ValidationError(
            _("Write the price in whole rupiah, e.g. 25000 or 25.000."), code="rupiah"
        ) from None


class RupiahField(forms.Field):
    """A whole-rupiah amount typed as people write it (25000, 25.000, Rp 25.000)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 20})
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        return parse_rupiah(str(value)[:30])

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return format_rupiah(value)
        return value


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one <input type=file multiple>; each is checked by the images service."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleImageInput(
                attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True}
            ),
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product name"), min_length=3, max_length=120)
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True, parent__isnull=False).select_related(
            "parent"
        ),
        empty_label=_("Choose…"),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Taste, material, size, how to store it: what a buyer asks before buying."),
    )
    condition = forms.ChoiceField(
        label=_("Condition"), choices=ProductCondition.choices, initial=ProductCondition.NEW
    )
    min_order_qty = forms.IntegerField(
        label=_("Minimum order"), min_value=1, max_value=10_000, initial=1
    )
    warranty_days = forms.IntegerField(
        label=_("Warranty (days)"),
        min_value=0,
        max_value=3650,
        initial=0,
        help_text=_("0 = no warranty."),
    )
    warranty_terms = forms.CharField(
        label=_("Warranty terms"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = MultipleImageField(
        label=_("Photos"),
        help_text=_(
            "Up to 8 photos, JPEG, PNG or WebP, at most 5 MB each. The first is the cover."
        ),
    )


class VariantForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Variant"),
        required=False,
        max_length=80,
        help_text=_("e.g. “Pedas, 250 g”. Leave empty for a product without options."),
    )
    sku = forms.CharField(label=_("SKU"), max_length=50)
    price = RupiahField(label=_("Price (Rp)"))
    weight_grams = forms.IntegerField(label=_("Weight (grams)"), min_value=1, max_value=500_000)
    stock_on_hand = forms.IntegerField(label=_("Stock"), min_value=0, max_value=10_000_000)
    # What the page showed: a change made meanwhile (an order, a quick edit) is not undone.
    seen_price = forms.IntegerField(required=False, widget=forms.HiddenInput)
    seen_stock = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def to_input(self) -> VariantInput:
        data = self.cleaned_data
        return VariantInput(
            id=data.get("id"),
            name=data.get("name") or "",
            sku=data["sku"],
            price=data["price"],
            weight_grams=data["weight_grams"],
            stock_on_hand=data["stock_on_hand"],
            expected_price=data.get("seen_price") if data.get("id") else None,
            expected_stock=data.get("seen_stock") if data.get("id") else None,
        )

    @classmethod
    def initial_from(cls, variant: Variant) -> dict[str, Any]:
        return {
            "id": variant.pk,
            "name": variant.name,
            "sku": variant.sku,
            "price": variant.price,
            "weight_grams": variant.weight_grams,
            "stock_on_hand": variant.stock_on_hand,
            "seen_price": variant.price,
            "seen_stock": variant.stock_on_hand,
        }


VariantFormSet = forms.formset_factory(
    VariantForm, extra=1, can_delete=True, max_num=50, validate_max=True
)


class QuickEditForm(forms.Form):
    price = RupiahField(label=_("Price (Rp)"))
    stock_on_hand = forms.IntegerField(label=_("Stock"), min_value=0, max_value=10_000_000)
    expected_price = forms.IntegerField(required=False, widget=forms.HiddenInput)
    expected_stock = forms.IntegerField(required=False, widget=forms.HiddenInput)
