from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from komeji.accounts.forms import PhoneField
from komeji.accounts.validators import validate_postal_code
from komeji.common.models import Region
from vendors.banks import BANKS
from vendors.models import Community, CommunityMember, Shop, ShopDocument
from vendors.validators import (
    normalize_bank_account_number,
    normalize_nib,
    normalize_nik,
    normalize_npwp,
)


class ShopProfileForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=80, min_length=3)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you make or sell, and since when."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("JPEG or PNG, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    region = forms.ModelChoiceField(
        label=_("Kabupaten/kota"),
        queryset=Region.objects.order_by("kind", "name"),
        empty_label=_("Choose…"),
    )
    street = forms.CharField(
        label=_("Address (shipping origin)"),
        max_length=255,
        help_text=_("Street, number, RT/RW, village. Couriers pick up here."),
    )
    kecamatan = forms.CharField(label=_("Kecamatan"), max_length=100)
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=5,
        validators=[validate_postal_code],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    phone = PhoneField(label=_("Phone / WhatsApp"))

    @classmethod
    def initial_from(cls, shop: Shop) -> dict[str, Any]:
        return {
            "name": shop.name,
            "description": shop.description,
            "region": shop.region_id,
            "street": shop.street,
            "kecamatan": shop.kecamatan,
            "postal_code": shop.postal_code,
            "phone": shop.phone,
        }


class ShopOpenForm(ShopProfileForm):
    community = forms.ModelChoiceField(
        label=_("Mentored by an RTIK community? (optional)"),
        queryset=Community.objects.filter(is_active=True).select_related("region"),
        required=False,
        empty_label=_("No, I registered myself"),
        help_text=_(
            "Choose the Relawan TIK chapter of your kabupaten/kota if it helps you sell online."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        community, region = data.get("community"), data.get("region")
        if community is not None and region is not None and community.region_id != region.pk:
            self.add_error(
                "community", _("Choose the community of your shop's kabupaten/kota, or none.")
            )
        return data


class MentorShopForm(ShopProfileForm):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())

    def __init__(self, *args: Any, mentor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = Community.objects.filter(
            is_active=True,
            pk__in=CommunityMember.objects.filter(user=mentor).values("community_id"),
        )
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        if communities.count() == 1:
            self.fields["community"].initial = communities.first()


class HolidayForm(forms.Form):
    on_holiday = forms.BooleanField(label=_("The shop is on holiday"), required=False)
    until = forms.DateField(
        label=_("Back on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Buyers see this date; no new orders until then."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("on_holiday") and not data.get("until"):
            self.add_error("until", _("Give the date the shop is back."))
        return data


class BankAccountForm(forms.Form):
    bank_code = forms.ChoiceField(label=_("Bank"), choices=[("", _("Choose…")), *BANKS])
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    holder_name = forms.CharField(
        label=_("Account holder's name"),
        max_length=150,
        help_text=_("As printed in the savings book."),
    )
    password = forms.CharField(
        label=_("Your Komeji password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Asked again because payouts go to this account."),
    )

    def clean_account_number(self) -> str:
        return normalize_bank_account_number(self.cleaned_data["account_number"])


class LegalForm(forms.Form):
    owner_legal_name = forms.CharField(
        label=_("Owner's name as on the KTP"), max_length=150, required=False
    )
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("16 digits, on the KTP."),
    )
    nib = forms.CharField(
        label=_("NIB (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("13 digits, from OSS."),
    )
    npwp = forms.CharField(
        label=_("NPWP (optional)"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("15 or 16 digits."),
    )

    def clean_nik(self) -> str:
        value = self.cleaned_data["nik"]
        return normalize_nik(value) if value.strip() else ""

    def clean_nib(self) -> str:
        value = self.cleaned_data["nib"]
        return normalize_nib(value) if value.strip() else ""

    def clean_npwp(self) -> str:
        value = self.cleaned_data["npwp"]
        return normalize_npwp(value) if value.strip() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("nik") and not (data.get("owner_legal_name") or "").strip():
            self.add_error("owner_legal_name", _("Write the owner's name as on the KTP."))
        return data


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ShopDocument.Kind.choices, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("File"),
        help_text=_("JPEG, PNG or PDF, at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,application/pdf", "capture": "environment"}
        ),
    )


class EmailInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))


class ConsentForm(forms.Form):
    owner_name = forms.CharField(label=_("Owner's name"), max_length=150)
    given_on = forms.DateField(
        label=_("Date of the consent"), widget=forms.DateInput(attrs={"type": "date"})
    )
    confirmed = forms.BooleanField(
        label=_(
            "The owner agreed that I open and prepare this shop on their behalf and that Komeji "
            "stores their documents for verification."
        ),
        required=True,
    )

    def clean_given_on(self) -> Any:
        value = self.cleaned_data["given_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The date of the consent cannot be in the future."))
        return value


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the owner)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class AttributionForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.all(), required=False
    )
    mentor = forms.ModelChoiceField(
        label=_("Mentor"),
        queryset=CommunityMember.objects.none(),
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from komeji.accounts.models import User

        self.fields["mentor"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            community_memberships__isnull=False
        ).distinct()
