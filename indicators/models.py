"""Models of the 766 framework, snapshots and scores.

The framework (groups, indicators, bands) is data loaded by a data migration, versioned by
`Framework.valid_from`; a revision of the rules is a new framework, never an edit of code.
A `Snapshot` is "the index for one scope as of a date for a period"; its scores live in
`UnitScore`, one row per unit written set-based by `indicators.services` (totals, band, rank
and movement), with two fact tables beside it: `GroupScore`, one row per (snapshot, unit,
group), and `IndicatorValue`, one row per (snapshot, unit, indicator).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from indicators import scoring
from scoreboard.db import id_list

POINTS = {"max_digits": 6, "decimal_places": 2}
# The score table skips Django's per-foreign-key indexes: its (snapshot, unit) key and the
# (unit, snapshot) index already serve every lookup, and each extra index slows the bulk load.
# The score tables (unit rows and their group and indicator facts) keep their references
# checked, but not by foreign-key constraints: PostgreSQL checks those one row at a time,
# ~400 ms more per reference for a national snapshot's 70,455 indicator rows
# (docs/PERFORMANCE.md). Migrations 0003, 0007 and 0012 put in their place one set-based check
# per statement (triggers with transition tables): every row's snapshot, unit, band, group and
# indicator exist and cannot be deleted while the row does. On SQLite (development) the
# services' own checks remain.
SCORE_REFERENCE = {"db_index": False, "db_constraint": False}


class ZeroDenominatorPolicy(models.TextChoices):
    FULL = scoring.ZeroDenominatorPolicy.FULL.value, _("Full marks")
    ZERO = scoring.ZeroDenominatorPolicy.ZERO.value, _("Zero points")
    NOT_APPLICABLE = scoring.ZeroDenominatorPolicy.NOT_APPLICABLE.value, _("Not applicable")


class ImprovedBy(models.TextChoices):
    """What one more good dossier means for an indicator (indicators/what_it_takes.py)."""

    # One already counted turns good: a procedure published on time, a dossier digitised.
    EXISTING = "existing", _("one already counted is brought up to standard")
    # A new good one is added: a dossier processed on time, paid online, a satisfied answer.
    NEW = "new", _("a new one is handled well")


class ValueStatus(models.TextChoices):
    OK = scoring.ValueStatus.OK.value, _("Scored")
    NO_DATA = scoring.ValueStatus.NO_DATA.value, _("No data")
    ZERO_DENOMINATOR_FULL = (
        scoring.ValueStatus.ZERO_DENOMINATOR_FULL.value,
        _("Nothing to count: full marks"),
    )
    ZERO_DENOMINATOR_ZERO = (
        scoring.ValueStatus.ZERO_DENOMINATOR_ZERO.value,
        _("Nothing to count: zero points"),
    )
    NOT_APPLICABLE = scoring.ValueStatus.NOT_APPLICABLE.value, _("Not applicable")


class BandCode(models.TextChoices):
    """Labels of the bands the 766 framework uses; `Band.name` keeps the official wording."""

    XUAT_SAC = "xuat_sac", _("Excellent")
    TOT = "tot", _("Good")
    KHA = "kha", _("Fair")
    TRUNG_BINH = "trung_binh", _("Average")
    YEU = "yeu", _("Weak")


class SnapshotPeriod(models.TextChoices):
    YTD = "ytd", _("Year to date")
    HALF = "half", _("Half-year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


# The one vocabulary of periods is SnapshotPeriod's values (form, CLI, API, schema, README).
# "year" is the spelling the form and the CLI used before: still accepted as input so old
# scripts keep working, never stored or shown.
PERIOD_ALIASES = {"year": SnapshotPeriod.YTD.value}


def period_from_input(text: str) -> str:
    """Return the period named by text (a SnapshotPeriod value or an alias), as stored."""
    text = str(text).strip().lower()
    return PERIOD_ALIASES.get(text, text)


# How many periods of each kind a year has; `period_number` counts from 1 (0 for ytd).
PERIODS_PER_YEAR = {
    SnapshotPeriod.YTD: 1,
    SnapshotPeriod.HALF: 2,
    SnapshotPeriod.QUARTER: 4,
    SnapshotPeriod.MONTH: 12,
}


def period_number_on(period: str, as_of: datetime.date) -> int:
    """The number of the period of its kind that `as_of` falls in (0 for the year to date)."""
    if period == SnapshotPeriod.YTD:
        return 0
    return (as_of.month - 1) // (12 // PERIODS_PER_YEAR[SnapshotPeriod(period)]) + 1


def period_label(period: str, year: int, number: int) -> str:
    """The period in words ("lũy kế từ đầu năm 2026", "quý 3/2026"), never its code."""
    if period == SnapshotPeriod.YTD:
        return _("year to date %(year)s") % {"year": year}
    names = {
        SnapshotPeriod.MONTH: _("month %(number)s/%(year)s"),
        SnapshotPeriod.QUARTER: _("quarter %(number)s/%(year)s"),
        SnapshotPeriod.HALF: _("half %(number)s/%(year)s"),
    }
    return names[SnapshotPeriod(period)] % {"number": number, "year": year}


class SnapshotStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    DISCARDED = "discarded", _("Discarded")


UNCONFIRMED_LABEL = _("unconfirmed")
# A ratio computed from others is entered as a plain one: "… (nhập dưới dạng A / B)".
_ENTERED_AS = re.compile(r"nhập dưới dạng\s+(?P<numerator>[^/()]+?)\s*/")


def counted_of(ratio_definition: str) -> str:
    """The numerator a ratio definition names ("A / B × c" → "A"), "" when it names none."""
    definition = (ratio_definition or "").strip()
    entered = _ENTERED_AS.search(definition)
    if entered:
        return entered["numerator"].strip()
    numerator = definition.split(" / ")[0].strip() if " / " in definition else ""
    return numerator


class FrameworkQuerySet(models.QuerySet):
    def valid_on(self, as_of: datetime.date) -> Framework | None:
        """Return the framework in force on as_of (the latest valid_from not after it)."""
        return self.filter(valid_from__lte=as_of).order_by("-valid_from").first()


class Framework(models.Model):
    """One version of the index rules ("766-2022"), in force from valid_from."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=300)
    valid_from = models.DateField(_("valid from"), unique=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.code


class IndicatorGroupQuerySet(models.QuerySet):
    def six_group_view(self) -> IndicatorGroupQuerySet:
        """Groups that hold indicators (the portal's six blocks)."""
        return self.filter(is_combined=False).order_by("position")

    def five_group_view(self) -> IndicatorGroupQuerySet:
        """The decision's five groups: plain groups that are their own five-group block, and combined blocks."""
        return self.filter(Q(is_combined=True) | Q(five_group_code=F("code"))).order_by("position")


class IndicatorGroup(models.Model):
    """A group of indicators (CKMB …), or a combined block of the five-group view (CCDVTT).

    A combined block has no indicators of its own: its points are the sum of the groups whose
    `five_group_code` is its code (DVCTT + TTTT = "Cung cấp dịch vụ trực tuyến", 22), or the
    figure a five-group export gives when the parts are unknown.
    """

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="groups"
    )
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    position = models.PositiveSmallIntegerField(_("position"))
    five_group_code = models.CharField(_("five-group code"), max_length=16)
    is_combined = models.BooleanField(_("combined block"), default=False)
    api_codes = models.JSONField(_("portal API codes"), default=list, blank=True)
    is_confirmed = models.BooleanField(_("confirmed"), default=True)
    note = models.TextField(_("note"), blank=True)

    objects = IndicatorGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator group")
        verbose_name_plural = _("indicator groups")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="group_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="group_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.max_points})"


class Indicator(models.Model):
    """One sub-indicator (1.1 … 5.4): points = max × ratio, or thresholded at T."""

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="indicators"
    )
    group = models.ForeignKey(
        IndicatorGroup,
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    code = models.CharField(_("code"), max_length=8)
    name = models.CharField(_("name"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"))
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Ratio at which the indicator earns full marks; empty means linear"),
    )
    ratio_definition = models.CharField(_("ratio"), max_length=300)
    zero_denominator_policy = models.CharField(
        _("when there is nothing to count"),
        max_length=16,
        choices=ZeroDenominatorPolicy.choices,
        default=ZeroDenominatorPolicy.FULL,
    )
    levels = models.JSONField(
        _("levels"), default=list, help_text=_("Unit levels the indicator applies to")
    )
    improved_by = models.CharField(
        _("improved by"),
        max_length=8,
        choices=ImprovedBy.choices,
        default=ImprovedBy.NEW,
        help_text=_("What one more good dossier changes: the numerator, or both counts"),
    )
    is_confirmed = models.BooleanField(_("confirmed"), default=True)
    levels_confirmed = models.BooleanField(_("levels confirmed"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="indicator_max_nonneg"),
            models.CheckConstraint(
                condition=Q(threshold__isnull=True) | Q(threshold__gt=0, threshold__lte=1),
                name="indicator_threshold_ratio",
            ),
            models.CheckConstraint(
                condition=Q(zero_denominator_policy__in=ZeroDenominatorPolicy.values),
                name="indicator_zero_denominator_policy_valid",
            ),
            models.CheckConstraint(
                condition=Q(improved_by__in=ImprovedBy.values),
                name="indicator_improved_by_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def counted(self) -> str:
        """What one more good item of the indicator is ("Hồ sơ nộp trực tuyến"), as its framework
        row's ratio names it: the numerator, or what the ratio says is entered as one."""
        return counted_of(self.ratio_definition) or self.name

    def applies_to(self, level: str) -> bool:
        return level in self.levels

    def score(self, numerator, denominator, *, level: str | None = None) -> scoring.IndicatorResult:
        """Score this indicator for one unit with the pure rules."""
        return scoring.indicator_points(
            numerator,
            denominator,
            max_points=self.max_points,
            threshold=self.threshold,
            zero_denominator_policy=self.zero_denominator_policy,
            applicable=level is None or self.applies_to(level),
        )


class Band(models.Model):
    """A classification band: totals from min_total up to the next band's bound."""

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="bands"
    )
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=64)
    min_total = models.DecimalField(_("minimum total"), **POINTS)
    is_confirmed = models.BooleanField(_("confirmed"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("band")
        verbose_name_plural = _("bands")
        ordering = ["framework", "-min_total"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="band_code_unique"),
            models.UniqueConstraint(fields=["framework", "min_total"], name="band_min_unique"),
            models.CheckConstraint(
                condition=Q(min_total__gte=0, min_total__lte=100), name="band_min_in_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        """The translated label for known codes, else the official name."""
        try:
            return BandCode(self.code).label
        except ValueError:
            return self.name


class Snapshot(models.Model):
    """The index for one scope (a province, the country) as of a date for a period.

    Only published snapshots are read by leaderboards; a correction is a new revision of
    the same key (scope, as_of, period, period_year, period_number) and the old one stays
    readable as superseded.
    """

    scope = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        related_name="snapshots",
    )
    as_of = models.DateField(_("as of"))
    period = models.CharField(_("period"), max_length=8, choices=SnapshotPeriod.choices)
    period_year = models.PositiveSmallIntegerField(_("year"))
    # Which month/quarter/half; 0 for year-to-date. Not NULL so the unique keys hold on both
    # PostgreSQL and SQLite (NULLs are distinct in unique constraints).
    period_number = models.PositiveSmallIntegerField(_("period number"), default=0)
    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="snapshots"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SnapshotStatus.choices, default=SnapshotStatus.DRAFT
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    recomputed_at = models.DateTimeField(_("recomputed at"), null=True, blank=True)
    # Set by the loaders, cleared by recompute: publish recomputes a stale snapshot first.
    is_stale = models.BooleanField(_("needs recompute"), default=True)
    # What movement was computed against: the previous published snapshot of the same scope
    # and period type when the scores were last recomputed or published.
    previous_snapshot = models.ForeignKey(
        "self",
        verbose_name=_("compared with"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_label = models.CharField(_("source"), max_length=255, blank=True)
    is_synthetic = models.BooleanField(_("synthetic (demo) data"), default=False)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-as_of", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "as_of", "period", "period_year", "period_number", "revision"],
                name="snapshot_revision_unique",
            ),
            # Readers filter on status=published; this is what makes "the" ranking unique.
            models.UniqueConstraint(
                fields=["scope", "as_of", "period", "period_year", "period_number"],
                condition=Q(status=SnapshotStatus.PUBLISHED),
                name="snapshot_one_published",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="snapshot_revision_positive"),
            models.CheckConstraint(
                condition=Q(period=SnapshotPeriod.YTD, period_number=0)
                | Q(period=SnapshotPeriod.HALF, period_number__gte=1, period_number__lte=2)
                | Q(period=SnapshotPeriod.QUARTER, period_number__gte=1, period_number__lte=4)
                | Q(period=SnapshotPeriod.MONTH, period_number__gte=1, period_number__lte=12),
                name="snapshot_period_number_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SnapshotStatus.values), name="snapshot_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=SnapshotStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="snapshot_published_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["scope", "status", "period", "as_of"], name="snapshot_latest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.scope} · {self.period_label} · {self.as_of} r{self.revision}"

    @property
    def period_start(self) -> datetime.date:
        months = 12 // PERIODS_PER_YEAR[SnapshotPeriod(self.period)]
        first_month = (
            1 if self.period == SnapshotPeriod.YTD else (self.period_number - 1) * months + 1
        )
        return datetime.date(self.period_year, first_month, 1)

    @property
    def period_end(self) -> datetime.date:
        """The first day after the period (exclusive end)."""
        months = 12 // PERIODS_PER_YEAR[SnapshotPeriod(self.period)]
        if self.period == SnapshotPeriod.YTD:
            return datetime.date(self.period_year + 1, 1, 1)
        last_month = self.period_number * months
        if last_month == 12:
            return datetime.date(self.period_year + 1, 1, 1)
        return datetime.date(self.period_year, last_month + 1, 1)

    @property
    def is_provisional(self) -> bool:
        """True while the period has not closed as of the snapshot date."""
        return self.as_of < self.period_end

    @property
    def period_label(self) -> str:
        return period_label(self.period, self.period_year, self.period_number)


class Movement:
    """Change since the previous snapshot, for anything with ranking_total, rank and previous_*.

    Shared by the stored `UnitScore` and the read model `selectors.LeaderboardRow`.
    """

    @property
    def delta_total(self) -> Decimal | None:
        if self.ranking_total is None or self.previous_total is None:
            return None
        return self.ranking_total - self.previous_total

    @property
    def delta_rank(self) -> int | None:
        """Places gained since the previous snapshot (positive = moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


# The statuses that carry points, and those that do not (IndicatorValue's check).
_SCORED = [
    ValueStatus.OK,
    ValueStatus.ZERO_DENOMINATOR_FULL,
    ValueStatus.ZERO_DENOMINATOR_ZERO,
]
_POINTLESS = [ValueStatus.NO_DATA, ValueStatus.NOT_APPLICABLE]


class UnitScoreQuerySet(models.QuerySet):
    """Unit scores that can bring their fact rows along, one query per kind for all of them."""

    _facts: tuple[str, ...] = ()

    def with_group_scores(self) -> UnitScoreQuerySet:
        """Load each score's group rows too (`UnitScore.group_scores`), in one more query."""
        return self._with("groups")

    def with_indicator_values(self) -> UnitScoreQuerySet:
        """Load each score's indicator rows too (`UnitScore.indicator_values`), in one more query."""
        return self._with("values")

    def _with(self, kind: str) -> UnitScoreQuerySet:
        clone = self._chain()
        clone._facts = (*self._facts, kind)
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._facts = self._facts
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if (
            fresh
            and self._facts
            and self._result_cache
            and isinstance(self._result_cache[0], UnitScore)
        ):
            attach_facts(self._result_cache, self._facts)


def attach_facts(scores: Sequence[UnitScore], kinds: Sequence[str] = ("groups",)) -> None:
    """Give each score its group ("groups") and/or indicator ("values") rows, read in one
    query per kind: what `with_group_scores` does, for scores already read."""
    if not scores:
        return
    snapshot_ids = sorted({s.snapshot_id for s in scores})
    unit_ids = sorted({s.unit_id for s in scores})
    for kind, model, attribute in (
        ("groups", GroupScore, "_group_rows"),
        ("values", IndicatorValue, "_value_rows"),
    ):
        if kind not in kinds:
            continue
        found: dict[tuple[int, int], list] = {}
        for row in model.objects.filter(
            snapshot_id__in=snapshot_ids, unit_id__in=id_list(unit_ids)
        ):
            found.setdefault((row.snapshot_id, row.unit_id), []).append(row)
        for score in scores:
            setattr(score, attribute, found.get((score.snapshot_id, score.unit_id), []))


class UnitScore(Movement, models.Model):
    """A unit's row in one snapshot: what the source gave (indicator values, a group table's
    figures and official total) and what the recompute derives from it (total, band, rank
    among its peers, movement)."""

    # No surrogate id: the unique (snapshot, unit) index is the key, and every index more is
    # paid on each of a national snapshot's 3,355 rows (docs/PERFORMANCE.md).
    pk = models.CompositePrimaryKey("snapshot", "unit")

    snapshot = models.ForeignKey(
        Snapshot,
        verbose_name=_("snapshot"),
        on_delete=models.CASCADE,
        related_name="unit_scores",
        **SCORE_REFERENCE,
    )
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="unit_scores",
        **SCORE_REFERENCE,
    )
    total = models.DecimalField(_("recomputed total"), null=True, blank=True, **POINTS)
    official_total = models.DecimalField(_("official total"), null=True, blank=True, **POINTS)
    # COALESCE(official_total, total): what ranks and bands the unit (scoring.ranking_total).
    ranking_total = models.DecimalField(_("total"), null=True, blank=True, **POINTS)
    totals_disagree = models.BooleanField(_("totals disagree"), default=False)
    band = models.ForeignKey(
        Band,
        verbose_name=_("band"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
    )
    peer_key = models.CharField(_("peer set"), max_length=64, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    peer_count = models.PositiveIntegerField(_("peers ranked"), null=True, blank=True)
    previous_total = models.DecimalField(_("previous total"), null=True, blank=True, **POINTS)
    previous_rank = models.PositiveIntegerField(_("previous rank"), null=True, blank=True)
    has_indicator_values = models.BooleanField(_("has indicator values"), default=False)
    # The unit is a row of the loaded group table, even if every figure in it is blank: it
    # stays on the board as "no data" instead of vanishing.
    listed_in_source = models.BooleanField(_("listed in the source"), default=False)
    objects = UnitScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit score")
        verbose_name_plural = _("unit scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=100),
                name="unit_score_total_range",
            ),
            models.CheckConstraint(
                condition=Q(official_total__isnull=True)
                | Q(official_total__gte=0, official_total__lte=100),
                name="unit_score_official_total_range",
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1, rank__lte=F("peer_count")),
                name="unit_score_rank_within_peers",
            ),
        ]
        indexes = [
            models.Index(fields=["snapshot", "peer_key", "rank"], name="unit_score_board_idx"),
            models.Index(fields=["unit", "snapshot"], name="unit_score_history_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.snapshot_id}: {self.ranking_total}"

    def group_scores(self, groups: dict[int, IndicatorGroup]) -> list[GroupScore]:
        """The unit's group scores in framework order, each with its group (`groups`: the
        framework's, by id); read now unless the queryset brought them (`with_group_scores`)."""
        rows = getattr(self, "_group_rows", None)
        if rows is None:
            rows = list(
                GroupScore.objects.filter(snapshot_id=self.snapshot_id, unit_id=self.unit_id)
            )
        for row in rows:
            row.group = groups[row.group_id]
        return sorted(rows, key=lambda row: row.group.position)

    def indicator_values(self, indicators: dict[int, Indicator]) -> list[IndicatorValue]:
        """The unit's indicator values in framework order, each with its indicator
        (`indicators`: the framework's, by id); none when the source gave none. Read now
        unless the queryset brought them (`with_indicator_values`)."""
        rows = getattr(self, "_value_rows", None)
        if rows is None:
            rows = list(
                IndicatorValue.objects.filter(snapshot_id=self.snapshot_id, unit_id=self.unit_id)
            )
        for row in rows:
            row.indicator = indicators[row.indicator_id]
        return sorted(rows, key=lambda row: row.indicator.position)


class GroupScore(models.Model):
    """A unit's points in one group (or combined block) of one snapshot, with its peer rank.

    Points are recomputed from indicator values when the snapshot has them, else the
    source's figure; `official_points` is the source's figure when a group table gave one.
    A group without a figure has no row. Written with the unit's row by the recompute (a
    group table's figures wait here, as official points, until it runs).
    """

    pk = models.CompositePrimaryKey("snapshot", "unit", "group")

    snapshot = models.ForeignKey(
        Snapshot,
        verbose_name=_("snapshot"),
        on_delete=models.CASCADE,
        related_name="group_scores",
        **SCORE_REFERENCE,
    )
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        **SCORE_REFERENCE,
    )
    group = models.ForeignKey(
        IndicatorGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="+",
        **SCORE_REFERENCE,
    )
    points = models.DecimalField(_("points"), null=True, blank=True, **POINTS)
    official_points = models.DecimalField(_("official points"), null=True, blank=True, **POINTS)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    peer_count = models.PositiveIntegerField(_("peers ranked"), null=True, blank=True)

    class Meta:
        verbose_name = _("group score")
        verbose_name_plural = _("group scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0, points__lte=100),
                name="group_score_points_range",
            ),
            models.CheckConstraint(
                condition=Q(official_points__isnull=True)
                | Q(official_points__gte=0, official_points__lte=100),
                name="group_score_official_points_range",
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1, rank__lte=F("peer_count")),
                name="group_score_rank_within_peers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.snapshot_id} · {self.group_id}: {self.ranking_points}"

    @property
    def ranking_points(self) -> Decimal | None:
        return self.official_points if self.official_points is not None else self.points


class IndicatorValue(models.Model):
    """A unit's numerator, denominator and points for one indicator in one snapshot.

    A unit with values has one for every indicator of the framework ("no data" or "not
    applicable" where the source gave none): the recompute relies on that completeness.
    """

    pk = models.CompositePrimaryKey("snapshot", "unit", "indicator")

    snapshot = models.ForeignKey(
        Snapshot,
        verbose_name=_("snapshot"),
        on_delete=models.CASCADE,
        related_name="indicator_values",
        **SCORE_REFERENCE,
    )
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        **SCORE_REFERENCE,
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="+",
        **SCORE_REFERENCE,
    )
    numerator = models.DecimalField(
        _("numerator"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    denominator = models.DecimalField(
        _("denominator"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    points = models.DecimalField(_("points"), null=True, blank=True, **POINTS)
    portal_points = models.DecimalField(_("portal points"), null=True, blank=True, **POINTS)
    status = models.CharField(_("status"), max_length=24, choices=ValueStatus.choices)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0, points__lte=100),
                name="indicator_value_points_range",
            ),
            models.CheckConstraint(
                condition=(Q(numerator__isnull=True) | Q(numerator__gte=0))
                & (Q(denominator__isnull=True) | Q(denominator__gte=0)),
                name="indicator_value_counts_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True, status__in=_POINTLESS)
                | Q(points__isnull=False, status__in=_SCORED),
                name="indicator_value_status_points",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.snapshot_id} · {self.indicator_id}: {self.points}"

    @property
    def points_lost(self) -> Decimal | None:
        if self.points is None:
            return None
        return self.indicator.max_points - self.points


__all__ = [
    "Band",
    "BandCode",
    "Framework",
    "GroupScore",
    "Indicator",
    "IndicatorGroup",
    "IndicatorValue",
    "Snapshot",
    "SnapshotPeriod",
    "SnapshotStatus",
    "UnitScore",
    "ValueStatus",
    "ZeroDenominatorPolicy",
]
