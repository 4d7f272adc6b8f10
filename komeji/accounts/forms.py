from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from komeji.accounts import services
from komeji.accounts.models import Address, User
from komeji.accounts.validators import normalize_phone
from komeji.common.models import Region


class PhoneField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0812 3456 7890"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return normalize_phone(value) if value else ""


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = PhoneField(label=_("Mobile number (optional)"), required=False)

    field_order = ["full_name", "email", "phone", "password1", "password2"]

    def signup(self, request: HttpRequest, user: User) -> None:
        services.user_update_profile(
            user=user,
            full_name=self.cleaned_data["full_name"],
            phone=self.cleaned_data.get("phone", ""),
        )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = PhoneField(label=_("Mobile number"), required=False)


class AddressForm(forms.Form):
    label = forms.CharField(
        label=_("Label (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Home, Office, …")}),
    )
    recipient_name = forms.CharField(label=_("Recipient name"), max_length=150)
    phone = PhoneField(label=_("Recipient's mobile number"))
    street = forms.CharField(
        label=_("Street address"),
        max_length=500,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Street, house number, RT/RW, village")}
        ),
    )
    kecamatan = forms.CharField(label=_("Kecamatan"), max_length=100)
    region = forms.ModelChoiceField(
        label=_("Kabupaten/kota"),
        queryset=Region.objects.order_by("kind", "name"),
        empty_label=_("Choose kabupaten/kota"),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{5}"}),
    )
    is_default = forms.BooleanField(label=_("Make this my default address"), required=False)

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        Address._meta.get_field("postal_code").run_validators(value)
        return value

    def clean_street(self) -> str:
        value = self.cleaned_data["street"].strip()
        if len(value) < 5:
            raise ValidationError(_("Write the full street address so the courier can find it."))
        return value

    @classmethod
    def initial_from(cls, address: Address) -> dict[str, Any]:
        return {
            "label": address.label,
            "recipient_name": address.recipient_name,
            "phone": address.phone,
            "street": address.street,
            "kecamatan": address.kecamatan,
            "region": address.region_id,
            "postal_code": address.postal_code,
            "is_default": address.is_default,
        }
