"""Forms of the actions pages; the writes themselves are `actions.services`."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from actions.models import ActionStatus
from actions.selectors import owner_choices, targets_of
from indicators.models import Indicator, IndicatorGroup, Snapshot
from units.models import AdministrativeUnit

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def _date_field(**kwargs) -> forms.DateField:
    return forms.DateField(
        label=_("Due date"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def target_choices(snapshot: Snapshot) -> list[tuple[str, str]]:
    """ "" for the total, "g:<code>" for a group, "i:<code>" for an indicator."""
    groups, indicators = targets_of(snapshot)
    choices = [("", _("The total"))]
    choices += [(f"g:{g.code}", f"{g.code} · {g.name}") for g in groups]
    choices += [(f"i:{i.code}", f"{i.code} · {i.name}") for i in indicators]
    return choices


def target_objects(
    snapshot: Snapshot, value: str
) -> tuple[IndicatorGroup | None, Indicator | None]:
    """Return the group and indicator a target choice names (the indicator's group with it)."""
    kind, _sep, code = (value or "").partition(":")
    if kind == "g":
        return IndicatorGroup.objects.get(framework_id=snapshot.framework_id, code=code), None
    if kind == "i":
        indicator = Indicator.objects.select_related("group").get(
            framework_id=snapshot.framework_id, code=code
        )
        return indicator.group, indicator
    return None, None


def initial_target(params) -> str:
    """The target asked in a link from a points-lost row or a what-it-takes line."""
    if params.get("indicator"):
        return f"i:{params['indicator']}"
    if params.get("group"):
        return f"g:{params['group']}"
    return ""


class ActionForm(forms.Form):
    """Give one unit an action (from its page, pre-filled from a row of its breakdown)."""

    title = forms.CharField(label=_("Task"), max_length=200)
    target = forms.ChoiceField(label=_("About"), required=False)
    owner = OwnerField(label=_("Owner"), queryset=get_user_model().objects.none())
    due_date = _date_field()
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, unit: AdministrativeUnit, snapshot: Snapshot, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.snapshot = snapshot
        owners = owner_choices(unit=unit, including=actor)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(pk__in=[u.pk for u in owners]).order_by("username")
        )
        self.fields["target"].choices = target_choices(snapshot)

    def targets(self) -> tuple[IndicatorGroup | None, Indicator | None]:
        return target_objects(self.snapshot, self.cleaned_data.get("target", ""))


class ReviewRowForm(forms.Form):
    """One unit's line of the review's form: tick it and give the task."""

    selected = forms.BooleanField(label=_("Assign"), required=False)
    title = forms.CharField(label=_("Task"), max_length=200, required=False)
    owner = OwnerField(label=_("Owner"), queryset=get_user_model().objects.none(), required=False)
    due_date = _date_field(required=False)

    def __init__(self, *args, unit: AdministrativeUnit, owners: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(pk__in=[u.pk for u in owners]).order_by("username")
        )

    def clean(self):
        data = super().clean()
        if data.get("selected"):
            for name in ("title", "owner", "due_date"):
                if not data.get(name):
                    self.add_error(name, _("Needed for a unit that is ticked."))
        return data


class ActionUpdateForm(forms.Form):
    """Change an action's status, owner or due date (its owner, creator or an assigner)."""

    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    owner = OwnerField(label=_("Owner"), queryset=get_user_model().objects.none())
    due_date = _date_field()

    def __init__(self, *args, unit: AdministrativeUnit, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owner_choices(unit=unit, including=actor)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(pk__in=[u.pk for u in owners]).order_by("username")
        )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
