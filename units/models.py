"""Administrative units, their codes and their lineage.

One row of `AdministrativeUnit` is one unit *with one parent* over one validity interval.
A unit whose parent changes (a commune whose district is abolished) gets a new row from the
change date, linked to the old row by a `LineageLink` of kind REPARENT. We chose new rows over
a parent-history table because everything downstream reads `parent` as a plain column: peer
keys ("{parent_id}:{level}"), scores stored against the row of their time, and "the tree as of
D" which is then just `valid_on(D)` plus `parent`. The lineage keeps one unit's rows together.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.text import fold_name, vietnamese_sort_key

# The day the two-level local government took effect (Resolution 202/2025/QH15 and the
# commune resolutions of the Standing Committee): 63 → 34 provinces, districts abolished.
REFORM_2025 = datetime.date(2025, 7, 1)


class UnitLevel(models.TextChoices):
    """The tier of a unit; peer sets are built from it."""

    COUNTRY = "country", _("Country")
    PROVINCE = "province", _("Province level")
    DISTRICT = "district", _("District level")
    COMMUNE = "commune", _("Commune level")
    DEPARTMENT = "department", _("Provincial department")


class UnitKind(models.TextChoices):
    """The legal kind of a unit, as shown to users."""

    COUNTRY = "quoc_gia", _("Country")
    PROVINCE = "tinh", _("Province")
    CENTRAL_CITY = "thanh_pho_tw", _("Centrally-run city")
    RURAL_DISTRICT = "huyen", _("Rural district")
    URBAN_DISTRICT = "quan", _("Urban district")
    TOWN = "thi_xa", _("District-level town")
    PROVINCIAL_CITY = "thanh_pho_thuoc_tinh", _("Provincial city")
    COMMUNE = "xa", _("Commune")
    WARD = "phuong", _("Ward")
    TOWNSHIP = "thi_tran", _("Township")
    SPECIAL_ZONE = "dac_khu", _("Special zone")
    DEPARTMENT = "so_ban_nganh", _("Department")


KIND_LEVEL: dict[str, str] = {
    UnitKind.COUNTRY: UnitLevel.COUNTRY,
    UnitKind.PROVINCE: UnitLevel.PROVINCE,
    UnitKind.CENTRAL_CITY: UnitLevel.PROVINCE,
    UnitKind.RURAL_DISTRICT: UnitLevel.DISTRICT,
    UnitKind.URBAN_DISTRICT: UnitLevel.DISTRICT,
    UnitKind.TOWN: UnitLevel.DISTRICT,
    UnitKind.PROVINCIAL_CITY: UnitLevel.DISTRICT,
    UnitKind.COMMUNE: UnitLevel.COMMUNE,
    UnitKind.WARD: UnitLevel.COMMUNE,
    UnitKind.TOWNSHIP: UnitLevel.COMMUNE,
    UnitKind.SPECIAL_ZONE: UnitLevel.COMMUNE,
    UnitKind.DEPARTMENT: UnitLevel.DEPARTMENT,
}

# The official prefix of each kind, as written before the bare name ("Thành phố Dĩ An"), and
# the short one of `short_label` ("TP. Dĩ An"). Vietnamese proper text, not translated.
KIND_PREFIX: dict[str, tuple[str, str]] = {
    UnitKind.COUNTRY: ("", ""),
    UnitKind.PROVINCE: ("Tỉnh", "Tỉnh"),
    UnitKind.CENTRAL_CITY: ("Thành phố", "TP."),
    UnitKind.RURAL_DISTRICT: ("Huyện", "H."),
    UnitKind.URBAN_DISTRICT: ("Quận", "Q."),
    UnitKind.TOWN: ("Thị xã", "TX."),
    UnitKind.PROVINCIAL_CITY: ("Thành phố", "TP."),
    UnitKind.COMMUNE: ("Xã", "X."),
    UnitKind.WARD: ("Phường", "P."),
    UnitKind.TOWNSHIP: ("Thị trấn", "TT."),
    UnitKind.SPECIAL_ZONE: ("Đặc khu", "ĐK."),
    UnitKind.DEPARTMENT: ("", ""),
}


def _kind_level_q() -> Q:
    by_level: dict[str, list[str]] = {}
    for kind, level in KIND_LEVEL.items():
        by_level.setdefault(str(level), []).append(str(kind))
    q = Q()
    for level, kinds in by_level.items():
        q |= Q(level=level, kind__in=kinds)
    return q


def valid_on_q(as_of: datetime.date, prefix: str = "") -> Q:
    """Return the filter "valid on as_of" (valid_from inclusive, valid_to exclusive)."""
    return (
        Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": as_of})
    ) & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": as_of}))


class AdministrativeUnitQuerySet(models.QuerySet):
    def valid_on(self, as_of: datetime.date) -> "AdministrativeUnitQuerySet":
        return self.filter(valid_on_q(as_of))

    def search(self, text: str) -> "AdministrativeUnitQuerySet":
        """Filter by a loose name: every folded word must occur in search_name."""
        from units.text import fold

        words = fold(text).split()
        qs = self
        for word in words:
            qs = qs.filter(search_name__contains=word)
        return qs

    def vietnamese_order(self) -> "AdministrativeUnitQuerySet":
        return self.order_by("sort_key", "id")


class AdministrativeUnit(models.Model):
    """A country, province, district, commune or provincial department over one period."""

    name = models.CharField(_("name"), max_length=200, help_text=_("Bare name, without prefix"))
    full_name = models.CharField(_("full name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Exclusive: the first day it no longer exists"),
    )
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    sort_key = models.CharField(max_length=600, db_index=True, editable=False)
    # Stable key of rows created by `load_units` (e.g. "vn", "p:gso:79", "w:gso:25942"), so
    # a reload updates instead of duplicating. Empty for units entered by hand (departments).
    source_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["sort_key", "id"]
        indexes = [models.Index(fields=["parent", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="unit_valid_to_after_valid_from",
            ),
            models.CheckConstraint(
                condition=Q(level=UnitLevel.COUNTRY, parent__isnull=True)
                | (~Q(level=UnitLevel.COUNTRY) & Q(parent__isnull=False)),
                name="unit_only_country_is_root",
            ),
            models.CheckConstraint(
                condition=_kind_level_q(),
                name="unit_kind_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.name

    def save(self, *args, **kwargs):
        self.set_derived_fields()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        is_country = self.kind == UnitKind.COUNTRY
        if is_country and self.parent_id:
            errors["parent"] = _("The country has no parent.")
        if not is_country and not self.parent_id:
            errors["parent"] = _("Every unit but the country needs a parent.")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            errors["valid_to"] = _("The end must come after the start.")
        if errors:
            raise ValidationError(errors)

    def set_derived_fields(self) -> None:
        """Fill level, full_name, search_name and sort_key from name and kind."""
        self.level = KIND_LEVEL.get(self.kind, self.level)
        if not self.full_name:
            self.full_name = full_name_for(self.kind, self.name)
        self.search_name = fold_name(self.name)
        # A 600-digit key orders the first ~250 letters: more than any real name has.
        self.sort_key = vietnamese_sort_key(self.name)[:600]

    def is_valid_on(self, as_of: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= as_of) and (
            self.valid_to is None or as_of < self.valid_to
        )

    @property
    def short_label(self) -> str:
        """Return the name with its short prefix: "TP. Dĩ An", "P. Tân Bình", "Tỉnh Bình Dương"."""
        short = KIND_PREFIX.get(self.kind, ("", ""))[1]
        if short and self.name.isdigit():
            # "Phường 1" reads better than "P. 1".
            return self.full_name
        return f"{short} {self.name}".strip()


def full_name_for(kind: str, name: str) -> str:
    """Return the official full name: prefix of the kind + bare name."""
    prefix = KIND_PREFIX.get(kind, ("", ""))[0]
    return f"{prefix} {name}".strip()


def portal_name_for(kind: str, name: str) -> str:
    """Return a commune's name as the national portal writes it: "UBND xã Vân Canh"
    (docs/DOMAIN.md, "Units and their history")."""
    full_name = full_name_for(kind, name)
    return f"UBND {full_name[:1].lower()}{full_name[1:]}"


class CodeScheme(models.TextChoices):
    GSO = "gso", _("GSO code")
    PORTAL = "portal", _("National portal code")
    VAC = "vac", _("vietnam-address-converter code")
    ALIAS = "alias", _("Alias")


class UnitCode(models.Model):
    """One code of a unit in one scheme, over a validity interval.

    (scheme, code) is not unique over time: a 2025 ward may reuse its predecessor's GSO code
    (phường Dĩ An 25942), and Gia Lai took Bình Định's 52. Lookups therefore take a date.
    """

    unit = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="codes"
    )
    scheme = models.CharField(_("scheme"), max_length=16, choices=CodeScheme.choices)
    code = models.CharField(_("code"), max_length=100)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit code")
        verbose_name_plural = _("unit codes")
        ordering = ["scheme", "code"]
        indexes = [models.Index(fields=["scheme", "code"])]
        constraints = [
            models.UniqueConstraint(fields=["unit", "scheme", "code"], name="unit_code_unique"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="unit_code_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.code}"


class LineageKind(models.TextChoices):
    MERGE = "merge", _("Merge")
    SPLIT = "split", _("Split")
    RENAME = "rename", _("Rename")
    REPARENT = "reparent", _("Re-parent")


class LineageShare(models.TextChoices):
    WHOLE = "whole", _("whole")
    PART = "part", _("part")
    UNKNOWN = "unknown", _("unknown")


class LineageLink(models.Model):
    """One edge of a lineage event: predecessor → successor on effective_date.

    An event is the set of links with the same successor and date ("phường Dĩ An since
    2025-07-01 ← An Bình, Dĩ An, part of Tân Đông Hiệp"); a split shows as a predecessor with
    several links marked PART. How large a part is, no source gives: see units/loading.py.
    """

    predecessor = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("predecessor"),
        on_delete=models.CASCADE,
        related_name="successor_links",
    )
    successor = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("successor"),
        on_delete=models.CASCADE,
        related_name="predecessor_links",
    )
    effective_date = models.DateField(_("effective date"))
    kind = models.CharField(_("kind"), max_length=16, choices=LineageKind.choices)
    share = models.CharField(
        _("share"), max_length=8, choices=LineageShare.choices, default=LineageShare.UNKNOWN
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("lineage link")
        verbose_name_plural = _("lineage links")
        ordering = ["effective_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "effective_date"], name="lineage_link_unique"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="lineage_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_date})"
