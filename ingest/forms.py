import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import SnapshotPeriod, period_from_input
from units.selectors import units_valid_elsewhere
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


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def _scope_error(error: str, text: str, as_of: datetime.date) -> str:
    """The matcher's message, and why when the reason is the date (the unit ended, or began)."""
    notes = []
    for other in units_valid_elsewhere(text, as_of=as_of):
        if other.valid_from and other.valid_to:
            period = _("from %(start)s to %(end)s") % {
                "start": _day(other.valid_from),
                "end": _day(other.valid_to - datetime.timedelta(days=1)),
            }
        elif other.valid_from:
            period = _("from %(start)s") % {"start": _day(other.valid_from)}
        else:
            period = _("until %(end)s") % {"end": _day(other.valid_to - datetime.timedelta(days=1))}
        values = {"text": text, "unit": other.unit.full_name, "period": period}
        values["date"] = _day(as_of)
        if other.code:
            note = _("“%(text)s” is the code of %(unit)s %(period)s; on %(date)s no unit had it.")
        else:
            note = _(
                "“%(text)s” is %(unit)s, which existed %(period)s: that unit did not exist on %(date)s."
            )
        notes.append(note % values)
    return " ".join([str(error), *notes])


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Export file (CSV, XLSX or the portal's JSON)"),
        help_text=_(
            "A group table or an indicator table copied from the public-service portal, or a "
            "response of the portal saved as JSON."
        ),
    )
    scope = forms.CharField(
        label=_("Scope"),
        max_length=200,
        help_text=_(
            "Province, city or district the table ranks: a name (“Bình Dương”), or a code "
            "of the units since 01/07/2025: GSO (“79”) or the national portal's (“H29”)."
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
                self.add_error("scope", _scope_error(match.error, data["scope"], data["as_of"]))
            elif self.access is not None and not self.access.can_upload(match.unit):
                self.add_error(
                    "scope",
                    _("You may not upload for %(scope)s: your data-admin role covers other units.")
                    % {"scope": match.unit.full_name},
                )
            else:
                data["scope_unit"] = match.unit
        return data
