"""Forms of certificates and moderation: the seller's certificate upload, the buyer's report,
and the moderators' reason forms in the admin. They only bind input; the services decide."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketplace.models import CertificateKind, ProductReport


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Certificate"), choices=CertificateKind.choices)
    number = forms.CharField(
        label=_("Number"),
        max_length=80,
        help_text=_(
            "As printed on the certificate or the label, e.g. P-IRT 2063573010123-26, "
            "BPOM MD 224510001234."
        ),
    )
    issued_on = forms.DateField(
        label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty only for a halal certificate from BPJPH without an end date."),
    )
    scan = forms.FileField(
        label=_("Scan or photo of the certificate"),
        help_text=_("JPEG, PNG or PDF, at most 5 MB. Seen only by Komeji's moderators."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        issued_on, expires_on = data.get("issued_on"), data.get("expires_on")
        if expires_on is None and data.get("kind") != "halal" and "expires_on" not in self.errors:
            self.add_error("expires_on", _("Give the date the certificate is valid until."))
        if issued_on and expires_on and expires_on <= issued_on:
            self.add_error("expires_on", _("The certificate must expire after it was issued."))
        return data


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=ProductReport.Reason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == ProductReport.Reason.OTHER and not data.get("details", "").strip():
            raise ValidationError(_("Tell us what is wrong with the product."))
        return data


class ModeratorReasonForm(forms.Form):
    """Block, unblock or reject with a reason (admin)."""

    reason = forms.CharField(
        label=_("Reason (shown to the shop)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


class ReportResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
    block = forms.BooleanField(
        label=_("Also block the product (the note above is shown to the shop as the reason)"),
        required=False,
    )
