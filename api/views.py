"""API endpoints: parse the query, ask `accounts.access`, call a selector or service, serialize.

Reference data (units, frameworks) is readable by any authenticated user; scores go through
the access layer (see the api package docstring for the rules).
"""

from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, Value, When
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.models import Membership
from accounts.services import request_origin
from api import serializers as s
from api.base import ApiView, ApiViewSet, LoginNotRequiredMixin, ReadOnlyApiViewSet
from api.errors import Conflict
from api.filters import SnapshotFilter, UnitFilter, UnitScoreFilter, UploadFilter
from api.pagination import Pagination
from api.permissions import IsDataAdmin, api_access
from api.scoping import READABLE_STATUSES, SCOPE_PARENTS, readable_peer_keys, readable_snapshots
from api.throttling import UploadThrottle
from indicators.conditional import conditional_published
from indicators.models import (
    Framework,
    IndicatorGroup,
    Snapshot,
    SnapshotPeriod,
    SnapshotStatus,
    UnitScore,
    attach_facts,
)
from indicators.models import UnitScore as UnitScoreModel
from indicators.selectors import (
    GroupCell,
    leaderboard,
    leaderboard_count,
    leaderboard_row_matches,
    leaderboard_search_words,
    peer_sets,
    snapshot_latest_published,
    unit_breakdown,
    unit_history,
    unit_what_it_takes,
)
from ingest import selectors as upload_selectors
from ingest import services as upload_services
from ingest.models import UploadStatus
from units.models import AdministrativeUnit
from units.selectors import unit_ancestors, unit_lineage
from units.services import unit_resolve

UNIT_PARENTS = "parent__parent__parent__parent"


def readable_unit(request, unit_id: int) -> AdministrativeUnit:
    """Return the unit if the user may read its scores; 404 otherwise (existence is private)."""
    unit = AdministrativeUnit.objects.select_related(UNIT_PARENTS).filter(pk=unit_id).first()
    if unit is None or not api_access(request).can_read_unit(unit):
        raise NotFound
    return unit


# --- Root and caller ----------------------------------------------------------------------------


# Reads of published data answer If-None-Match with 304 (indicators.conditional): the ETag
# holds the caller's access, so a token's answer is never another's.
published = method_decorator(conditional_published(lambda request: api_access(request).cache_key))


class ApiRoot(ApiView):
    """List the endpoints of version 1."""

    @extend_schema(exclude=True)
    def get(self, request):
        names = {
            "me": "api:me",
            "units": "api:unit-list",
            "unit_resolve": "api:unit-resolve",
            "frameworks": "api:framework-list",
            "snapshots": "api:snapshot-list",
            "leaderboard": "api:leaderboard",
            "uploads": "api:upload-list",
            "notifications": "api:notification-list",
            "schema": "api:schema",
            "docs": "api:docs",
        }
        return Response({key: reverse(name, request=request) for key, name in names.items()})


class Me(ApiView):
    """Who the caller is and what their roles allow."""

    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        access = api_access(request)
        memberships = Membership.objects.filter(user=request.user).select_related("unit")
        data = {
            "username": request.user.get_username(),
            "is_superuser": access.is_superuser,
            "can_upload": access.can_upload_somewhere,
            "sees_national_ranking": access.sees_national_ranking,
            "memberships": memberships.order_by("unit__sort_key", "role"),
        }
        return Response(s.MeSerializer(data).data)


# --- Units (public reference data) --------------------------------------------------------------


class UnitViewSet(ReadOnlyApiViewSet):
    """Administrative units: search (?q=), valid on a date (?as_of=), level, parent, code."""

    queryset = (
        AdministrativeUnit.objects.select_related("parent")
        .prefetch_related("codes")
        .order_by("sort_key", "id")
    )
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter

    def get_serializer_class(self):
        return s.UnitDetailSerializer if self.action == "retrieve" else s.UnitSerializer

    def retrieve(self, request, *args, **kwargs):
        unit = self.get_object()
        unit.ancestors = unit_ancestors(unit)
        return Response(s.UnitDetailSerializer(unit).data)

    @extend_schema(responses=s.LineageSerializer, filters=False)
    @action(detail=True)
    def lineage(self, request, pk=None):
        """The units this unit came from and became (merges, splits, renames)."""
        unit = self.get_object()
        return Response(s.LineageSerializer(unit_lineage(unit)).data)


class UnitResolve(ApiView):
    """Find the unit a name or code means on a date, as the upload form does ("Bình Dương", "74")."""

    @extend_schema(parameters=[s.ResolveQuerySerializer], responses=s.ResolveSerializer)
    def get(self, request):
        query = s.ResolveQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or datetime.date.today()
        match = unit_resolve(text=query.validated_data["text"], as_of=as_of)
        return Response(s.ResolveSerializer(match).data)


class UnitScoreList(LoginNotRequiredMixin, ListAPIView):
    """A unit's standing in every published snapshot, newest first (404 unless readable)."""

    serializer_class = s.UnitScoreSerializer
    filterset_class = UnitScoreFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return UnitScoreModel.objects.none()
        unit = readable_unit(self.request, self.kwargs["unit_id"])
        return (
            UnitScoreModel.objects.filter(unit=unit, snapshot__status=SnapshotStatus.PUBLISHED)
            .select_related("snapshot__scope", "snapshot__framework", "band")
            .order_by("-snapshot__as_of", "snapshot__period", "-snapshot_id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "groups": getattr(self, "_groups", {})}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # The group cells of the page's snapshots, in one query.
        scores = page if page is not None else list(queryset)
        attach_facts(scores)
        self._groups = _group_cells(scores)
        return page


def _group_cells(scores: list[UnitScore]) -> dict[int, list[GroupCell]]:
    """The group cells of each score, in framework order (one query for the groups)."""
    by_id = IndicatorGroup.objects.filter(
        framework__snapshots__in=[s.snapshot_id for s in scores]
    ).in_bulk()
    return {
        score.snapshot_id: [
            GroupCell(
                code=g.group.code,
                name=g.group.name,
                max_points=g.group.max_points,
                points=g.points,
                official_points=g.official_points,
                rank=g.rank,
                peer_count=g.peer_count,
                is_combined=g.group.is_combined,
                is_confirmed=g.group.is_confirmed,
            )
            for g in sorted(score.group_scores(by_id), key=lambda g: g.group.position)
        ]
        for score in scores
    }


class UnitBreakdown(ApiView):
    """Where a unit gains and loses points in a snapshot (default: its latest published one)."""

    @extend_schema(parameters=[s.BreakdownQuerySerializer], responses=s.BreakdownSerializer)
    @published
    def get(self, request, unit_id: int):
        unit = readable_unit(request, unit_id)
        score = _unit_score(request, unit)
        breakdown = unit_breakdown(snapshot=score.snapshot, unit=unit)
        return Response(s.BreakdownSerializer(breakdown).data)


def _unit_score(request, unit) -> UnitScoreModel:
    """The unit's score in `?snapshot=`, or in the snapshot its page shows by default; or 404."""
    query = s.BreakdownQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    scores = UnitScoreModel.objects.filter(unit=unit).select_related(
        "snapshot__scope", "snapshot__framework", "band"
    )
    if query.validated_data.get("snapshot"):
        scores = scores.filter(
            snapshot_id=query.validated_data["snapshot"],
            snapshot__status__in=READABLE_STATUSES,
        )
    else:
        # As the unit page picks it: latest date, year-to-date first, last published.
        ytd_first = Case(
            When(snapshot__period=SnapshotPeriod.YTD, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        scores = scores.filter(snapshot__status=SnapshotStatus.PUBLISHED).order_by(
            "-snapshot__as_of", ytd_first, "-snapshot__published_at", "-snapshot_id"
        )
    score = scores.first()
    if score is None:
        raise NotFound(_("No published score for this unit."))
    return score


class UnitWhatItTakes(ApiView):
    """The cheapest points a unit can still earn, in dossiers, and what its goals take."""

    @extend_schema(parameters=[s.BreakdownQuerySerializer], responses=s.WhatItTakesSerializer)
    def get(self, request, unit_id: int):
        unit = readable_unit(request, unit_id)
        score = _unit_score(request, unit)
        advice = unit_what_it_takes(snapshot=score.snapshot, unit_id=unit.pk)
        if advice is None:
            raise NotFound(_("This unit has no indicator values in that snapshot."))
        return Response(s.WhatItTakesSerializer(advice).data)


class UnitHistory(ApiView):
    """A unit's totals, bands and ranks over published snapshots, oldest first."""

    @extend_schema(
        parameters=[s.HistoryQuerySerializer], responses=s.HistoryPointSerializer(many=True)
    )
    @published
    def get(self, request, unit_id: int):
        unit = readable_unit(request, unit_id)
        query = s.HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        points = unit_history(unit=unit, period=query.validated_data.get("period"))
        return Response(s.HistoryPointSerializer(points, many=True).data)


# --- Frameworks (public reference data) ---------------------------------------------------------


class FrameworkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Versions of the index rules: groups, indicators with maxima and thresholds, bands."""

    queryset = Framework.objects.prefetch_related("groups__indicators", "bands")
    lookup_field = "code"
    lookup_value_regex = r"[^/]{1,32}"
    filterset_class = None
    filter_backends = []

    def get_serializer_class(self):
        return s.FrameworkDetailSerializer if self.action == "retrieve" else s.FrameworkSerializer


# --- Snapshots and leaderboards -----------------------------------------------------------------


class SnapshotViewSet(ReadOnlyApiViewSet):
    """Published and superseded snapshots the user may read (whole scope or own units)."""

    serializer_class = s.SnapshotSerializer
    filterset_class = SnapshotFilter

    def get_queryset(self):
        snapshots = Snapshot.objects.filter(status__in=READABLE_STATUSES).select_related(
            "framework", SCOPE_PARENTS
        )
        if getattr(self, "swagger_fake_view", False):
            return snapshots
        return readable_snapshots(api_access(self.request), snapshots).order_by(
            "-as_of", "period", "-period_year", "-period_number", "-revision", "-pk"
        )

    def get_serializer_class(self):
        return s.SnapshotDetailSerializer if self.action == "retrieve" else s.SnapshotSerializer

    def retrieve(self, request, *args, **kwargs):
        snapshot = self.get_object()
        keys = readable_peer_keys(api_access(request), snapshot)
        sets = [p for p in peer_sets(snapshot=snapshot) if keys is None or p.key in keys]
        return Response(s.SnapshotDetailSerializer(snapshot, context={"peer_sets": sets}).data)


LEADERBOARD_PARAMETERS = [
    OpenApiParameter("scope", OpenApiTypes.INT, description="Scope unit id: its latest published snapshot"),
    OpenApiParameter("snapshot", OpenApiTypes.INT, description="A snapshot id (instead of scope)"),
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="With scope: latest snapshot on or before"),
    OpenApiParameter("period", OpenApiTypes.STR, enum=SnapshotPeriod.values),
    OpenApiParameter("peer_set", OpenApiTypes.STR, description='A peer set key ("12:district"); default: all readable'),
    OpenApiParameter("level", OpenApiTypes.STR, description="Only units of this level"),
    OpenApiParameter("band", OpenApiTypes.STR, description="Only units of this band code"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Unit name words or a code"),
    OpenApiParameter("limit", OpenApiTypes.INT),
    OpenApiParameter("offset", OpenApiTypes.INT),
]  # fmt: skip


class _LeaderboardPages:
    """A leaderboard as the paginator sees it: its length counted, and a slice of it built
    (`selectors.leaderboard(window=…)`), instead of every row built and most thrown away."""

    def __init__(self, narrowing: dict):
        self.narrowing = narrowing

    def __len__(self) -> int:
        return leaderboard_count(**self.narrowing)

    def __getitem__(self, window: slice) -> list:
        return leaderboard(**self.narrowing, window=window)


class Leaderboard(ApiView):
    """A snapshot's ranking: the peer tables the user may read, by peer set then rank."""

    @extend_schema(parameters=LEADERBOARD_PARAMETERS, responses=s.LeaderboardSerializer)
    @published
    def get(self, request):
        query = s.LeaderboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        snapshot = _leaderboard_snapshot(data)
        keys = readable_peer_keys(api_access(request), snapshot)
        if keys is not None and not keys:
            raise NotFound
        sets = [p for p in peer_sets(snapshot=snapshot) if keys is None or p.key in keys]
        peer_key = data.get("peer_set")
        if peer_key in (None, "", "all"):
            peer_key = None
        elif peer_key not in {p.key for p in sets}:
            raise NotFound(_("No such peer set in this snapshot."))
        narrowing = {
            "snapshot": snapshot,
            "peer_key": peer_key,
            "peer_keys": keys,
            "level": data.get("level"),
            "band": data.get("band") or None,
        }
        words = leaderboard_search_words(data.get("q", ""))
        if words:  # the search reads folded names and codes: on the built rows
            rows = [r for r in leaderboard(**narrowing) if leaderboard_row_matches(r, words)]
        else:  # a national board is 3,321 rows: build the page only
            rows = _LeaderboardPages(narrowing)
        paginator = self.paginator
        page = paginator.paginate_queryset(rows, request, view=self)
        body = {
            "count": paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "snapshot": snapshot,
            "peer_sets": sets,
            "results": page,
        }
        return Response(s.LeaderboardSerializer(body).data)

    @cached_property
    def paginator(self) -> Pagination:
        return Pagination()


def _leaderboard_snapshot(data: dict) -> Snapshot:
    """The snapshot asked for (by id, or the scope's latest published); 404 if none."""
    snapshots = Snapshot.objects.select_related("framework", SCOPE_PARENTS)
    if data.get("snapshot"):
        snapshots = snapshots.filter(pk=data["snapshot"], status__in=READABLE_STATUSES)
        if data.get("scope"):
            snapshots = snapshots.filter(scope_id=data["scope"])
        found = snapshots.first()
    else:
        scope = AdministrativeUnit.objects.filter(pk=data["scope"]).first()
        latest = (
            snapshot_latest_published(
                scope=scope, as_of=data.get("as_of"), period=data.get("period")
            )
            if scope is not None
            else None
        )
        found = snapshots.filter(pk=latest.pk).first() if latest is not None else None
    if found is None:
        raise NotFound(_("No published snapshot matches."))
    return found


# --- Uploads ------------------------------------------------------------------------------------


class UploadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Uploads of weekly exports, for the data admins of their scope (same services as the pages)."""

    permission_classes = [IsAuthenticated, IsDataAdmin]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = s.UploadSerializer
    filterset_class = UploadFilter

    def get_queryset(self):
        uploads = upload_selectors.upload_list()
        if getattr(self, "swagger_fake_view", False):
            return uploads
        return uploads.filter(api_access(self.request).upload_scopes_q())

    def get_serializer_class(self):
        return s.UploadCreateSerializer if self.action == "create" else s.UploadSerializer

    def get_throttles(self):
        extra = [UploadThrottle()] if self.action == "create" else []
        return [*super().get_throttles(), *extra]

    @extend_schema(
        request=s.UploadCreateSerializer,
        responses={
            201: s.UploadSerializer,
            200: OpenApiResponse(
                s.UploadSerializer, description="The same file was already uploaded"
            ),
        },
    )
    def create(self, request):
        """Receive a file and queue its validation; the same file again returns the first upload."""
        form = s.UploadCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        scope = _upload_scope(data)
        if not api_access(request).can_upload(scope):
            raise PermissionDenied(
                _("You may not upload for %(scope)s: your data-admin role covers other units.")
                % {"scope": scope.full_name}
            )
        upload, created = upload_services.upload_receive(
            data=data["file"].read(),
            filename=data["file"].name,
            scope=scope,
            as_of=data["as_of"],
            period=data["period"],
            sheet=data["sheet"],
            user=request.user,
            origin=request_origin(request),
        )
        upload.refresh_from_db()
        return Response(
            s.UploadSerializer(upload).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses=s.PreviewSerializer, filters=False)
    @action(detail=True)
    def preview(self, request, pk=None):
        """Compare the upload's draft with the published snapshot it would replace."""
        upload = self.get_object()
        shows = (UploadStatus.PREVIEWED, UploadStatus.PUBLISHING, UploadStatus.PUBLISHED)
        preview = upload_selectors.upload_preview(upload=upload) if upload.status in shows else None
        if preview is None:
            raise Conflict(
                _("This upload has no preview (it is “%(status)s”).")
                % {"status": upload.get_status_display()}
            )
        return Response(s.PreviewSerializer(preview).data)

    @extend_schema(request=None, responses={202: s.UploadSerializer}, filters=False)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Queue the publication of a previewed upload."""
        upload = self.get_object()
        try:
            upload_services.upload_request_publish(
                upload_id=upload.pk, user=request.user, origin=request_origin(request)
            )
        except upload_services.UploadStateError as exc:
            raise Conflict(str(exc)) from exc
        upload.refresh_from_db()
        return Response(s.UploadSerializer(upload).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: s.UploadSerializer}, filters=False)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run a failed upload again from its kept file (no second upload needed)."""
        upload = self.get_object()
        try:
            upload_services.upload_retry(
                upload_id=upload.pk, user=request.user, origin=request_origin(request)
            )
        except upload_services.UploadStateError as exc:
            raise Conflict(str(exc)) from exc
        upload.refresh_from_db()
        return Response(s.UploadSerializer(upload).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=s.UploadSerializer, filters=False)
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        """Drop an upload that is not published, and its draft; the published ranking is unchanged."""
        upload = self.get_object()
        try:
            upload = upload_services.upload_discard(
                upload_id=upload.pk, user=request.user, origin=request_origin(request)
            )
        except upload_services.UploadStateError as exc:
            raise Conflict(str(exc)) from exc
        return Response(s.UploadSerializer(upload).data)


def _upload_scope(data: dict) -> AdministrativeUnit:
    """The scope named by text (as the form resolves it) or by id, valid on the as-of date."""
    as_of = data["as_of"]
    if data.get("scope_id"):
        unit = (
            AdministrativeUnit.objects.select_related(UNIT_PARENTS)
            .filter(pk=data["scope_id"])
            .first()
        )
        if unit is None or not unit.is_valid_on(as_of):
            raise ValidationError({"scope_id": [_("No unit with this id exists on that date.")]})
        return unit
    match = unit_resolve(text=data["scope"], as_of=as_of)
    if match.unit is None:
        raise ValidationError({"scope": [match.error]})
    return AdministrativeUnit.objects.select_related(UNIT_PARENTS).get(pk=match.unit.pk)
