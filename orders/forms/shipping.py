"""Seller-centre forms of the shipping set-up: add a courier (with one price for all of Jawa Timur,
or the rates of another courier copied), and one row of a rate table. Prices are typed as people
write rupiah ("10.000", "Rp 10.000")."""

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from komeji.common.models import Region
from komeji.common.money import format_rupiah
from marketplace.forms import RupiahField
from orders.models import Courier, ShippingMethod
from orders.services.shipping import (
    ETA_DAYS_MAX,
    SERVICE_MAX_LENGTH,
    SHIPPING_PRICE_MAX,
    RateInput,
)


def _price_field(label: Any, **kwargs: Any) -> RupiahField:
    return RupiahField(label=label, **kwargs)


def _days_field(label: Any, initial: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=ETA_DAYS_MAX,
        initial=initial,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class _RateFields(forms.Form):
    first_kg_price = _price_field(_("First kg (Rp)"), help_text=_("e.g. 10.000"))
    next_kg_price = _price_field(
        _("Each further kg (Rp)"), help_text=_("Write 0 if further kilograms cost nothing.")
    )
    eta_days_min = _days_field(_("Arrives in at least (days)"), 1)
    eta_days_max = _days_field(_("Arrives in at most (days)"), 3)

    def _clean_rate(self, data: dict[str, Any]) -> None:
        first, further = data.get("first_kg_price"), data.get("next_kg_price")
        for name, price in (("first_kg_price", first), ("next_kg_price", further)):
            if price is not None and price > SHIPPING_PRICE_MAX:
                self.add_error(
                    name,
                    gettext("A shipping price is at most %(max)s.")
                    % {"max": format_rupiah(SHIPPING_PRICE_MAX)},
                )
        if first is None and "first_kg_price" not in self.errors:
            self.add_error("first_kg_price", _("Write the price of the first kg."))
        if further is None and "next_kg_price" not in self.errors:
            self.add_error(
                "next_kg_price", _("Write the price of each further kg (0 if it is free).")
            )
        low, high = data.get("eta_days_min"), data.get("eta_days_max")
        if low is None and "eta_days_min" not in self.errors:
            self.add_error("eta_days_min", _("Write how many days the parcel takes at least."))
        if high is None and "eta_days_max" not in self.errors:
            self.add_error("eta_days_max", _("Write how many days the parcel takes at most."))
        if low is not None and high is not None and low > high:
            self.add_error("eta_days_max", _("The most days cannot be fewer than the least days."))

    def rate(self) -> RateInput:
        """The typed row; call after is_valid()."""
        data = self.cleaned_data
        return RateInput(
            first_kg_price=data["first_kg_price"],
            next_kg_price=data["next_kg_price"],
            eta_days_min=data["eta_days_min"],
            eta_days_max=data["eta_days_max"],
        )


class ShippingMethodAddForm(_RateFields):
    """A courier service, and optionally its first rates: one price for all of Jawa Timur (the
    default row), or a copy of another courier's table."""

    courier = forms.ChoiceField(label=_("Courier"), choices=[("", _("Choose…")), *Courier.choices])
    service = forms.CharField(
        label=_("Service (optional)"),
        required=False,
        max_length=SERVICE_MAX_LENGTH,
        help_text=_("e.g. REG, YES, Cargo. Leave empty if the courier has one service."),
    )
    copy_from = forms.TypedChoiceField(
        label=_("Copy the prices of"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[],
    )
    field_order = [
        "courier",
        "service",
        "first_kg_price",
        "next_kg_price",
        "eta_days_min",
        "eta_days_max",
        "copy_from",
    ]

    def __init__(self, *args: Any, methods: list[ShippingMethod], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_kg_price", "next_kg_price"):
            self.fields[name].required = False
        sources = [m for m in methods if m.courier != Courier.PICKUP]
        copy_from = self.fields["copy_from"]
        assert isinstance(copy_from, forms.TypedChoiceField)
        if sources:
            copy_from.choices = [("", _("— do not copy —")), *((m.pk, str(m)) for m in sources)]
        else:
            del self.fields["copy_from"]

    @property
    def sections(self) -> dict[str, list[forms.BoundField]]:
        """The fields in the page's three parts: courier, one price, or a copy."""
        return {
            "courier": [self[name] for name in ("courier", "service")],
            "price": [
                self[name]
                for name in ("first_kg_price", "next_kg_price", "eta_days_min", "eta_days_max")
            ],
            "copy": [self["copy_from"]] if "copy_from" in self.fields else [],
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("courier") == Courier.PICKUP:
            return data
        prices = [data.get("first_kg_price"), data.get("next_kg_price")]
        gave_price = any(p is not None for p in prices) or any(
            name in self.errors for name in ("first_kg_price", "next_kg_price")
        )
        if data.get("copy_from") is not None:
            if gave_price:
                self.add_error(
                    "copy_from",
                    _("Either give one price for all of Jawa Timur or copy the rates, not both."),
                )
            return data
        if gave_price:
            self._clean_rate(data)
        return data

    def default_rate(self) -> RateInput | None:
        data = self.cleaned_data
        if data.get("courier") == Courier.PICKUP or data.get("first_kg_price") is None:
            return None
        return self.rate()


class ShippingRateForm(_RateFields):
    """One row of a method's rate table; no kabupaten/kota chosen is the default row."""

    region = forms.ModelChoiceField(
        label=_("Destination"),
        queryset=Region.objects.order_by("kind", "name"),
        required=False,
        empty_label=_("All other kabupaten/kota"),
        help_text=_(
            "A kabupaten/kota with its own row uses it; every other one uses the row "
            "“All other kabupaten/kota”. Without that row, only the listed ones can order."
        ),
    )
    field_order = ["region", "first_kg_price", "next_kg_price", "eta_days_min", "eta_days_max"]

    def __init__(
        self, *args: Any, method: ShippingMethod, rate_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.method = method
        self.rate_id = rate_id
        # Once the default row exists, a new row is for one kabupaten/kota: no default choice.
        self.has_default = any(
            rate.region_id is None and rate.pk != rate_id for rate in method.rates.all()
        )
        if self.has_default:
            region = self.fields["region"]
            assert isinstance(region, forms.ModelChoiceField)
            region.empty_label = _("Choose…")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_rate(data)
        if "region" in self.errors:
            return data
        region = data.get("region")
        if region is None and self.has_default and not self.data.get("region"):
            self.add_error(
                "region",
                _(
                    "Choose a kabupaten/kota: the price for all other kabupaten/kota is "
                    "already set."
                ),
            )
            return data
        rows = self.method.rates.filter(region=region)
        if self.rate_id is not None:
            rows = rows.exclude(pk=self.rate_id)
        taken = rows.exists()
        if taken:
            self.add_error(
                "region",
                _("There is already a row for %(region)s: change that row instead.")
                % {"region": region}
                if region is not None
                else _("There is already a row for all other kabupaten/kota: change it instead."),
            )
        return data

    @classmethod
    def initial_from(cls, rate: Any) -> dict[str, Any]:
        return {
            "region": rate.region_id,
            "first_kg_price": rate.first_kg_price,
            "next_kg_price": rate.next_kg_price,
            "eta_days_min": rate.eta_days_min,
            "eta_days_max": rate.eta_days_max,
        }
