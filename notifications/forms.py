from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery, Timing


class PreferenceForm(forms.Form):
    """A user's settings: which rules, which of their units, how and when."""

    rules = forms.MultipleChoiceField(
        label=_("Alerts"), required=False, widget=forms.CheckboxSelectMultiple
    )
    units = forms.MultipleChoiceField(
        label=_("Units (each with the units below it)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    delivery = forms.ChoiceField(
        label=_("Delivery"), choices=Delivery.choices, widget=forms.RadioSelect
    )
    timing = forms.ChoiceField(label=_("When"), choices=Timing.choices, widget=forms.RadioSelect)
    digest = forms.BooleanField(label=_("Weekly digest by e-mail"), required=False)
    language = forms.ChoiceField(label=_("Language of e-mails"), choices=settings.LANGUAGES)

    def __init__(self, *args, rules, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = [(str(r.pk), r.get_kind_display()) for r in rules]
        self.fields["units"].choices = [(str(u.pk), u.full_name) for u in units]
