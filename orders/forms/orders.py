"""The small forms of the order pages. They only shape the input: the services decide whether an
act is allowed (a reason required, a tracking number needed for a tracked courier)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReasonForm(forms.Form):
    """A reason the other party reads (reject, ask to cancel, decline a cancel request)."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )


class TrackingForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number (nomor resi)"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class CancelAnswerForm(forms.Form):
    """The shop's answer to the buyer's cancel request."""

    decision = forms.ChoiceField(
        choices=[("accept", _("Cancel the order")), ("decline", _("Keep the order"))]
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )
