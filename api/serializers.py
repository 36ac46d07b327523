"""Serializers of the API: models and the selectors' dataclasses to JSON, and inputs back.

Points are strings with 2 decimals, counts with 4 (see the api package docstring). Rows of
leaderboards, breakdowns and histories come from `indicators.selectors` dataclasses, so
the API shows the very figures the pages show.
"""

from __future__ import annotations

import datetime

from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.base import MAX_ID
from indicators.models import (
    Band,
    Framework,
    Indicator,
    IndicatorGroup,
    Snapshot,
    SnapshotPeriod,
    UnitScore,
    period_from_input,
)
from ingest.forms import MAX_UPLOAD_BYTES
from ingest.models import Upload
from units.models import AdministrativeUnit, UnitCode


def points_field(**kwargs) -> serializers.DecimalField:
    """Points as a string with 2 decimals ("92.00", "-0.50"); null when unknown."""
    kwargs.setdefault("read_only", True)
    kwargs.setdefault("allow_null", True)
    return serializers.DecimalField(max_digits=7, decimal_places=2, **kwargs)


def count_field(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("read_only", True)
    kwargs.setdefault("allow_null", True)
    return serializers.DecimalField(max_digits=20, decimal_places=4, **kwargs)


# --- Units --------------------------------------------------------------------------------------


class PeriodField(serializers.ChoiceField):
    """A period by its one name (SnapshotPeriod values); the old spelling "year" is accepted."""

    def __init__(self, **kwargs):
        super().__init__(choices=SnapshotPeriod.choices, **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(period_from_input(data) if isinstance(data, str) else data)


class UnitRefSerializer(serializers.Serializer):
    """A unit as other objects point at it."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    short_label = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True)


class UnitCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = UnitCode
        fields = ["scheme", "code", "valid_from", "valid_to"]


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    codes = UnitCodeSerializer(many=True, read_only=True)

    class Meta:
        model = AdministrativeUnit
        fields = [
            "id",
            "name",
            "full_name",
            "short_label",
            "kind",
            "kind_label",
            "level",
            "level_label",
            "parent",
            "valid_from",
            "valid_to",
            "codes",
        ]


class UnitDetailSerializer(UnitSerializer):
    ancestors = UnitRefSerializer(many=True, read_only=True)

    class Meta(UnitSerializer.Meta):
        fields = [*UnitSerializer.Meta.fields, "ancestors"]


class LineageStepSerializer(serializers.Serializer):
    unit = UnitRefSerializer(read_only=True)
    effective_date = serializers.DateField(read_only=True)
    kind = serializers.CharField(read_only=True)
    share = serializers.CharField(read_only=True)
    via_children = serializers.BooleanField(read_only=True)


class LineageSerializer(serializers.Serializer):
    unit = UnitRefSerializer(read_only=True)
    predecessors = LineageStepSerializer(many=True, read_only=True)
    successors = LineageStepSerializer(many=True, read_only=True)


class ResolveQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=200)
    as_of = serializers.DateField(required=False)


class ResolveSerializer(serializers.Serializer):
    reason = serializers.CharField(read_only=True)
    unit = UnitRefSerializer(read_only=True, allow_null=True)
    candidates = UnitRefSerializer(many=True, read_only=True)
    message = serializers.CharField(source="error", read_only=True)


# --- Frameworks ---------------------------------------------------------------------------------


class IndicatorSerializer(serializers.ModelSerializer):
    max_points = points_field()
    threshold = serializers.DecimalField(
        max_digits=5, decimal_places=4, read_only=True, allow_null=True
    )

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "max_points",
            "threshold",
            "ratio_definition",
            "zero_denominator_policy",
            "levels",
            "is_confirmed",
            "levels_confirmed",
            "note",
        ]


class IndicatorGroupSerializer(serializers.ModelSerializer):
    max_points = points_field()
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = IndicatorGroup
        fields = [
            "code",
            "name",
            "max_points",
            "position",
            "five_group_code",
            "is_combined",
            "api_codes",
            "is_confirmed",
            "note",
            "indicators",
        ]


class BandSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    min_total = points_field()

    class Meta:
        model = Band
        fields = ["code", "name", "label", "min_total", "is_confirmed", "note"]


class FrameworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = ["code", "name", "valid_from", "notes"]


class FrameworkDetailSerializer(FrameworkSerializer):
    groups = IndicatorGroupSerializer(many=True, read_only=True)
    bands = BandSerializer(many=True, read_only=True)

    class Meta(FrameworkSerializer.Meta):
        fields = [*FrameworkSerializer.Meta.fields, "groups", "bands"]


# --- Snapshots and leaderboards -----------------------------------------------------------------


class SnapshotSerializer(serializers.ModelSerializer):
    scope = UnitRefSerializer(read_only=True)
    framework = serializers.CharField(source="framework.code", read_only=True)
    period_label = serializers.CharField(read_only=True)
    is_provisional = serializers.BooleanField(read_only=True)
    compared_with = serializers.IntegerField(
        source="previous_snapshot_id", read_only=True, allow_null=True
    )

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "scope",
            "as_of",
            "period",
            "period_year",
            "period_number",
            "period_label",
            "status",
            "revision",
            "framework",
            "published_at",
            "is_synthetic",
            "is_provisional",
            "source_label",
            "compared_with",
        ]


class PeerSetSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    label = serializers.CharField(read_only=True)
    unit_count = serializers.IntegerField(read_only=True)
    ranked_count = serializers.IntegerField(read_only=True)


class SnapshotDetailSerializer(SnapshotSerializer):
    peer_sets = serializers.SerializerMethodField()

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "peer_sets"]

    @extend_schema_field(PeerSetSerializer(many=True))
    def get_peer_sets(self, snapshot) -> list:
        return PeerSetSerializer(self.context.get("peer_sets", []), many=True).data


class BandRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    is_confirmed = serializers.BooleanField(read_only=True)


def _band_ref(code: str | None, label, is_confirmed: bool) -> dict | None:
    if not code:
        return None
    return {"code": code, "label": str(label), "is_confirmed": is_confirmed}


class MovementSerializer(serializers.Serializer):
    """Change since the previous published snapshot; delta_rank > 0 means places gained."""

    previous_total = points_field()
    previous_rank = serializers.IntegerField(read_only=True, allow_null=True)
    delta_total = points_field()
    delta_rank = serializers.IntegerField(read_only=True, allow_null=True)


class GroupCellSerializer(serializers.Serializer):
    """A group's points: `points` as shown (official if given, else recomputed)."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    max_points = points_field()
    points = points_field(source="ranking_points")
    official_points = points_field()
    recomputed_points = points_field(source="points")
    rank = serializers.IntegerField(read_only=True, allow_null=True)
    peer_count = serializers.IntegerField(read_only=True, allow_null=True)
    is_combined = serializers.BooleanField(read_only=True)
    is_confirmed = serializers.BooleanField(read_only=True)


class LeaderboardRowSerializer(serializers.Serializer):
    unit = serializers.SerializerMethodField()
    unit_code = serializers.CharField(read_only=True)
    codes = serializers.DictField(child=serializers.CharField(), read_only=True)
    peer_set = serializers.CharField(source="peer_key", read_only=True)
    rank = serializers.IntegerField(read_only=True, allow_null=True)
    peer_count = serializers.IntegerField(read_only=True, allow_null=True)
    total = points_field(source="ranking_total")
    official_total = points_field()
    recomputed_total = points_field(source="total")
    totals_disagree = serializers.BooleanField(read_only=True)
    band = serializers.SerializerMethodField()
    movement = MovementSerializer(source="*", read_only=True)
    groups = serializers.SerializerMethodField()
    has_indicator_values = serializers.BooleanField(read_only=True)

    @extend_schema_field(UnitRefSerializer)
    def get_unit(self, row) -> dict:
        return {
            "id": row.unit_id,
            "name": row.unit_name,
            "full_name": row.unit_full_name,
            "short_label": row.unit_short_label,
            "level": row.unit_level,
        }

    @extend_schema_field(BandRefSerializer(allow_null=True))
    def get_band(self, row) -> dict | None:
        return _band_ref(row.band_code, row.band_label, row.band_is_confirmed)

    @extend_schema_field(GroupCellSerializer(many=True))
    def get_groups(self, row) -> list:
        return GroupCellSerializer(list(row.groups.values()), many=True).data


class LeaderboardQuerySerializer(serializers.Serializer):
    scope = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    snapshot = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    as_of = serializers.DateField(required=False)
    period = PeriodField(required=False)
    peer_set = serializers.CharField(required=False, max_length=64)
    level = serializers.CharField(required=False, max_length=16)
    band = serializers.CharField(required=False, max_length=16)
    q = serializers.CharField(required=False, max_length=100)

    def validate(self, data):
        if not data.get("scope") and not data.get("snapshot"):
            raise serializers.ValidationError(_("Give a scope or a snapshot."))
        return data


class LeaderboardSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True)
    previous = serializers.URLField(read_only=True, allow_null=True)
    snapshot = SnapshotSerializer(read_only=True)
    peer_sets = PeerSetSerializer(many=True, read_only=True)
    results = LeaderboardRowSerializer(many=True, read_only=True)


# --- A unit's scores ----------------------------------------------------------------------------


class UnitScoreSerializer(serializers.ModelSerializer):
    """The unit's standing in one published snapshot."""

    snapshot = SnapshotSerializer(read_only=True)
    total = points_field(source="ranking_total")
    official_total = points_field()
    recomputed_total = points_field(source="total")
    band = serializers.SerializerMethodField()
    peer_set = serializers.CharField(source="peer_key", read_only=True)
    movement = MovementSerializer(source="*", read_only=True)
    groups = serializers.SerializerMethodField()

    class Meta:
        model = UnitScore
        fields = [
            "snapshot",
            "total",
            "official_total",
            "recomputed_total",
            "totals_disagree",
            "band",
            "peer_set",
            "rank",
            "peer_count",
            "movement",
            "groups",
            "has_indicator_values",
        ]

    @extend_schema_field(BandRefSerializer(allow_null=True))
    def get_band(self, score) -> dict | None:
        band = score.band
        return _band_ref(band.code, band.label, band.is_confirmed) if band else None

    @extend_schema_field(GroupCellSerializer(many=True))
    def get_groups(self, score) -> list:
        cells = self.context.get("groups", {}).get(score.snapshot_id, [])
        return GroupCellSerializer(cells, many=True).data


class IndicatorLineSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    ratio_definition = serializers.CharField(read_only=True)
    max_points = points_field()
    threshold = serializers.DecimalField(
        max_digits=5, decimal_places=4, read_only=True, allow_null=True
    )
    numerator = count_field()
    denominator = count_field()
    points = points_field()
    portal_points = points_field()
    points_lost = points_field()
    status = serializers.CharField(read_only=True)
    status_label = serializers.CharField(read_only=True)
    is_confirmed = serializers.BooleanField(read_only=True)
    note = serializers.CharField(read_only=True)


class GroupBreakdownSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    max_points = points_field()
    points = serializers.SerializerMethodField()
    official_points = points_field()
    recomputed_points = points_field(source="points")
    points_lost = points_field()
    rank = serializers.IntegerField(read_only=True, allow_null=True)
    peer_count = serializers.IntegerField(read_only=True, allow_null=True)
    is_combined = serializers.BooleanField(read_only=True)
    is_confirmed = serializers.BooleanField(read_only=True)
    indicators = IndicatorLineSerializer(many=True, read_only=True)

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_points(self, group) -> str | None:
        shown = group.official_points if group.official_points is not None else group.points
        return None if shown is None else f"{shown:.2f}"


class StandingSerializer(serializers.Serializer):
    """A unit's totals, band and rank in one snapshot."""

    total = points_field(source="ranking_total")
    official_total = points_field()
    recomputed_total = points_field(source="total")
    totals_disagree = serializers.BooleanField(read_only=True)
    band = serializers.SerializerMethodField()
    peer_set = serializers.CharField(source="peer_key", read_only=True)
    rank = serializers.IntegerField(read_only=True, allow_null=True)
    peer_count = serializers.IntegerField(read_only=True, allow_null=True)
    points_lost = serializers.SerializerMethodField()
    movement = MovementSerializer(source="*", read_only=True)

    @extend_schema_field(BandRefSerializer(allow_null=True))
    def get_band(self, score) -> dict | None:
        band = score.band
        return _band_ref(band.code, band.label, band.is_confirmed) if band else None

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_points_lost(self, score) -> str | None:
        total = score.ranking_total
        return None if total is None else f"{100 - total:.2f}"


class BreakdownSerializer(serializers.Serializer):
    snapshot = SnapshotSerializer(read_only=True)
    unit = UnitRefSerializer(read_only=True)
    score = StandingSerializer(read_only=True, allow_null=True)
    groups = GroupBreakdownSerializer(many=True, read_only=True)


class BreakdownQuerySerializer(serializers.Serializer):
    snapshot = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class StepSerializer(serializers.Serializer):
    dossiers = serializers.IntegerField(read_only=True)
    points_before = points_field()
    points_after = points_field()
    gain = points_field()


class OpportunitySerializer(serializers.Serializer):
    indicator = serializers.CharField(source="state.code", read_only=True)
    group = serializers.CharField(source="state.group_code", read_only=True)
    improved_by = serializers.CharField(source="state.improved_by", read_only=True)
    counted = serializers.CharField(
        source="state.counted",
        read_only=True,
        help_text="what one more dossier is, as the framework's ratio names it",
    )
    numerator = serializers.IntegerField(source="state.numerator", read_only=True)
    denominator = serializers.IntegerField(source="state.denominator", read_only=True)
    points = points_field(source="state.points")
    max_points = points_field(source="state.max_points")
    next_points = StepSerializer(source="first", read_only=True, allow_null=True)
    full_marks = StepSerializer(source="to_full", read_only=True, allow_null=True)
    small_denominator = serializers.BooleanField(read_only=True)


class PlanSerializer(serializers.Serializer):
    dossiers = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    total_dossiers = serializers.IntegerField(read_only=True)
    gain = points_field()
    reachable = serializers.BooleanField(read_only=True)


class GoalSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["next_band", "pass_above", "group_median"], read_only=True
    )
    target = serializers.CharField(read_only=True)
    group = serializers.CharField(source="group_code", read_only=True, allow_null=True)
    needed = points_field()
    plan = PlanSerializer(read_only=True)


class WhatItTakesSerializer(serializers.Serializer):
    snapshot = SnapshotSerializer(read_only=True)
    unit = serializers.IntegerField(source="row.unit_id", read_only=True)
    total = points_field(source="row.ranking_total")
    rank = serializers.IntegerField(source="row.rank", read_only=True, allow_null=True)
    peer_count = serializers.IntegerField(source="row.peer_count", read_only=True, allow_null=True)
    remaining_dossiers = serializers.IntegerField(read_only=True, allow_null=True)
    opportunities = OpportunitySerializer(many=True, read_only=True)
    goals = GoalSerializer(many=True, read_only=True)


class HistoryQuerySerializer(serializers.Serializer):
    period = PeriodField(required=False)


class HistoryPointSerializer(serializers.Serializer):
    snapshot = serializers.IntegerField(source="snapshot_id", read_only=True)
    as_of = serializers.DateField(read_only=True)
    period = serializers.CharField(read_only=True)
    period_year = serializers.IntegerField(read_only=True)
    period_number = serializers.IntegerField(read_only=True)
    is_provisional = serializers.BooleanField(read_only=True)
    is_synthetic = serializers.BooleanField(read_only=True)
    total = points_field(source="ranking_total")
    official_total = points_field()
    recomputed_total = points_field(source="total")
    band = serializers.CharField(source="band_code", read_only=True, allow_null=True)
    rank = serializers.IntegerField(read_only=True, allow_null=True)
    peer_count = serializers.IntegerField(read_only=True, allow_null=True)
    groups = serializers.DictField(child=points_field(), read_only=True)


# --- Uploads ------------------------------------------------------------------------------------


class CellRefSerializer(serializers.Serializer):
    file = serializers.CharField(read_only=True)
    sheet = serializers.CharField(read_only=True, allow_null=True)
    row = serializers.IntegerField(read_only=True, allow_null=True)
    column = serializers.CharField(read_only=True, allow_null=True)
    letter = serializers.CharField(read_only=True, allow_null=True)


class IssueSerializer(serializers.Serializer):
    """One problem found in a file: a stable code, a message, how to fix it, and where."""

    code = serializers.CharField(read_only=True)
    severity = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    fix = serializers.CharField(read_only=True)
    value = serializers.CharField(read_only=True, allow_null=True)
    ref = CellRefSerializer(read_only=True, allow_null=True)


class UploadSerializer(serializers.ModelSerializer):
    scope = UnitRefSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    is_final = serializers.BooleanField(read_only=True)
    uploaded_by = serializers.CharField(
        source="uploaded_by.username", read_only=True, allow_null=True, default=None
    )
    snapshot = serializers.IntegerField(source="snapshot_id", read_only=True, allow_null=True)
    errors = IssueSerializer(many=True, read_only=True)
    warnings = IssueSerializer(many=True, read_only=True)
    waiting_for_worker = serializers.BooleanField(source="is_waiting_for_worker", read_only=True)
    queue_unreachable = serializers.BooleanField(
        source="is_unsent",
        read_only=True,
        help_text="Queued while the job queue was unreachable; processed once it is back.",
    )

    class Meta:
        model = Upload
        fields = [
            "id",
            "original_filename",
            "sha256",
            "size_bytes",
            "sheet",
            "scope",
            "as_of",
            "period",
            "period_year",
            "is_synthetic",
            "source",
            "source_request",
            "fetched_at",
            "kind",
            "status",
            "status_label",
            "is_final",
            "progress",
            "progress_message",
            "row_count",
            "unit_count",
            "errors",
            "warnings",
            "failure_reason",
            "waiting_for_worker",
            "queue_unreachable",
            "queued_at",
            "attempts",
            "snapshot",
            "created_at",
            "uploaded_by",
            "published_at",
        ]
        read_only_fields = fields


class UploadCreateSerializer(serializers.Serializer):
    """A new upload: the file and what the form asks (scope by name or code, or by id)."""

    file = serializers.FileField(allow_empty_file=False)
    scope = serializers.CharField(
        required=False,
        max_length=200,
        help_text=_("Name or code of the unit the table ranks, e.g. “Bình Dương”, “74”, “H29”."),
    )
    scope_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    as_of = serializers.DateField()
    period = PeriodField(default=SnapshotPeriod.YTD)
    sheet = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)

    def validate_file(self, file):
        if file.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than 10 MB; export only the ranking table.")
            )
        try:
            get_valid_filename(file.name)
        except Exception as exc:  # SuspiciousFileOperation: nothing usable is left
            raise serializers.ValidationError(_("The file name is not usable.")) from exc
        return file

    def validate_as_of(self, value: datetime.date) -> datetime.date:
        if not Framework.objects.valid_on(value):
            raise serializers.ValidationError(
                _("No framework of the index is in force on this date.")
            )
        return value

    def validate(self, data):
        if bool(data.get("scope")) == bool(data.get("scope_id")):
            raise serializers.ValidationError(
                {"scope": [_("Give the scope by name or code, or its id: one of the two.")]}
            )
        return data


class PreviewRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    unit_label = serializers.CharField(read_only=True)
    old_total = points_field()
    new_total = points_field()
    delta = points_field()
    old_rank = serializers.IntegerField(read_only=True, allow_null=True)
    new_rank = serializers.IntegerField(read_only=True, allow_null=True)
    peer_count = serializers.IntegerField(read_only=True, allow_null=True)
    old_band = serializers.CharField(read_only=True, allow_null=True)
    new_band = serializers.CharField(read_only=True, allow_null=True)
    official_total = points_field()
    recomputed_total = points_field()
    totals_disagree = serializers.BooleanField(read_only=True)
    is_new = serializers.BooleanField(read_only=True)
    band_changed = serializers.BooleanField(read_only=True)
    group_changes = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.DictField(child=serializers.ListField(child=points_field(), min_length=2))
    )
    def get_group_changes(self, row) -> dict:
        """{group code: [before, after]} for the groups that changed."""

        def fmt(value):
            return None if value is None else f"{value:.2f}"

        return {code: [fmt(a), fmt(b)] for code, (a, b) in row.group_changes.items()}


class PreviewSerializer(serializers.Serializer):
    draft = SnapshotSerializer(read_only=True)
    previous = SnapshotSerializer(read_only=True, allow_null=True)
    rows = PreviewRowSerializer(many=True, read_only=True)
    missing_units = serializers.ListField(child=serializers.CharField(), read_only=True)
    rises = serializers.SerializerMethodField()
    falls = serializers.SerializerMethodField()
    band_changes = serializers.SerializerMethodField()
    disagreements = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_rises(self, preview) -> list[int]:
        return [r.unit_id for r in preview.rises]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_falls(self, preview) -> list[int]:
        return [r.unit_id for r in preview.falls]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_band_changes(self, preview) -> list[int]:
        return [r.unit_id for r in preview.band_changes]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_disagreements(self, preview) -> list[int]:
        return [r.unit_id for r in preview.disagreements]


# --- The caller ---------------------------------------------------------------------------------


class MembershipSerializer(serializers.Serializer):
    unit = UnitRefSerializer(read_only=True)
    role = serializers.CharField(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    is_superuser = serializers.BooleanField(read_only=True)
    can_upload = serializers.BooleanField(read_only=True)
    sees_national_ranking = serializers.BooleanField(read_only=True)
    memberships = MembershipSerializer(many=True, read_only=True)
