"""One vocabulary of periods: SnapshotPeriod's values everywhere, "year" kept as an input alias."""

import pytest
from rest_framework.exceptions import ValidationError

from api.serializers import PeriodField as ApiPeriodField
from indicators.models import SnapshotPeriod, period_from_input
from ingest.forms import PeriodField, UploadForm


@pytest.mark.parametrize("text", ["ytd", "year", " YEAR "])
def test_year_to_date_has_one_name_and_one_alias(text):
    assert period_from_input(text) == SnapshotPeriod.YTD
    assert PeriodField().clean(text.strip()) == "ytd"
    assert ApiPeriodField().to_internal_value(text.strip()) == "ytd"


def test_the_form_offers_the_stored_names():
    assert [value for value, _label in UploadForm().fields["period"].choices] == list(
        SnapshotPeriod.values
    )


def test_an_unknown_period_is_refused_everywhere():
    with pytest.raises(ValidationError):
        ApiPeriodField().to_internal_value("week")
    from django.core.exceptions import ValidationError as FormError

    with pytest.raises(FormError):
        PeriodField().clean("week")


def test_the_schema_names_the_stored_values_only(client, django_user_model, db):
    client.force_login(django_user_model.objects.create_user("u", password="x" * 20))
    schema = client.get("/api/schema/?format=json").json()
    enums = [
        sorted(p["schema"].get("enum"))
        for p in schema["paths"]["/api/v1/leaderboard/"]["get"]["parameters"]
        if p["name"] == "period"
    ]
    assert enums == [sorted(SnapshotPeriod.values)]
