from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import SnapshotPeriod, period_from_input
from units.services import unit_resolve

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class PeriodField(forms.ChoiceField):
    """A period by its one name (SnapshotPeriod), the old spelling "year" accepted too."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", SnapshotPeriod.choices)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return period_from_input(value) if value else value


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Export file (CSV or XLSX)"),
        help_text=_("A group table or an indicator table copied from the public-service portal."),
    )
    scope = forms.CharField(
        label=_("Scope"),
        max_length=200,
        help_text=_(
            "Province, city or district the table ranks: a name (“Bình Dương”) or a code (“74”, “H29”)."
        ),
    )
    as_of = forms.DateField(label=_("Data as of"), widget=forms.DateInput(attrs={"type": "date"}))
    period = PeriodField(label=_("Period"), initial=SnapshotPeriod.YTD)
    sheet = forms.CharField(
        label=_("Sheet"),
        max_length=100,
        required=False,
        help_text=_("Leave empty to read the first sheet."),
    )

    def __init__(self, *args, access=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.access = access

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 10 MB; export only the ranking table.")
            )
        return f

    def clean(self):
        data = super().clean()
        if data.get("scope") and data.get("as_of"):
            match = unit_resolve(text=data["scope"], as_of=data["as_of"])
            if match.unit is None:
                self.add_error("scope", match.error)
            elif self.access is not None and not self.access.can_upload(match.unit):
                self.add_error(
                    "scope",
                    _("You may not upload for %(scope)s: your data-admin role covers other units.")
                    % {"scope": match.unit.full_name},
                )
            else:
                data["scope_unit"] = match.unit
        return data
