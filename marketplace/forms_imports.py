"""The CSV upload form of the seller centre's product import."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketplace.services.imports import MAX_BYTES, ImportRefused, csv_parse


class ProductImportForm(forms.Form):
    # The file's bytes once valid (read here once; the view hands them to the service).
    data_bytes: bytes = b""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV, separated by commas or semicolons, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(
                _("Choose a .csv file. In Excel: File > Save As > “CSV UTF-8”."), code="csv_type"
            )
        if upload.size is not None and upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than 5 MB. Split it into several files."), code="csv_size"
            )
        data = upload.read(MAX_BYTES + 1)
        try:
            csv_parse(data)
        except ImportRefused as exc:
            raise ValidationError(str(exc.message), code="csv_content") from None
        self.data_bytes = data
        return upload
