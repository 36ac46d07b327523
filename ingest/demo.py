"""Demo data: the sample exports in demo/ published through the real pipeline, and demo users.

Everything but the seed figures of DOMAIN.md §7 is synthetic; the snapshots are flagged so
and the pages say so.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Role
from accounts.services import membership_grant
from ingest import services
from ingest.models import UploadStatus
from units.models import AdministrativeUnit, UnitLevel
from units.services import unit_match

DEMO_DIR = Path(settings.BASE_DIR) / "demo"
# Shown in the README; only ever created outside production.
DEMO_PASSWORD = "demo-766-password"  # noqa: S105 - documented demo credential


@dataclass
class DemoReport:
    published: list[str] = field(default_factory=list)
    previewed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)


def _resolve(scope: dict, as_of: datetime.date) -> AdministrativeUnit:
    if scope.get("level") == UnitLevel.COUNTRY:
        return AdministrativeUnit.objects.get(level=UnitLevel.COUNTRY)
    parent = (
        _resolve({"name": scope["parent"], "level": "province"}, as_of)
        if scope.get("parent")
        else None
    )
    match = unit_match(text=scope["name"], scope=parent, as_of=as_of, level=scope.get("level"))
    if match.unit is None:
        raise LookupError(f"demo scope {scope}: {match.error} (run load_units first)")
    return match.unit


def demo_load(
    *,
    directory: Path = DEMO_DIR,
    progress: Callable[[str], None] | None = None,
    years: Collection[int] | None = None,
) -> DemoReport:
    """Publish every group table of the manifest, in date order, through the ingest services.

    An indicator table for a key that already has a published group table is left as a
    previewed upload: a realistic "correction waiting for review" on the upload page.
    Running it again changes nothing (uploads are recognised by their SHA-256). `years`
    keeps only the files of those years (tests on a registry of Bình Dương alone: 2025).
    """
    say = progress or (lambda message: None)
    report = DemoReport()
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    entries = sorted(manifest["files"], key=lambda e: (e["as_of"], e["kind"] != "group", e["file"]))
    if years is not None:
        entries = [e for e in entries if int(e["as_of"][:4]) in years]
    for entry in entries:
        as_of = datetime.date.fromisoformat(entry["as_of"])
        scope = _resolve(entry["scope"], as_of)
        path = directory / entry["file"]
        with transaction.atomic():
            upload, created = services.upload_receive(
                data=path.read_bytes(),
                filename=path.name,
                scope=scope,
                as_of=as_of,
                period=entry["period"],
                is_synthetic=bool(entry.get("synthetic", True)),
                enqueue=False,
            )
        if not created:
            report.unchanged.append(entry["file"])
            continue
        upload = services.upload_validate(upload_id=upload.pk)
        if upload.status == UploadStatus.REJECTED and entry.get("register_departments"):
            # A province's table of today names its departments, which no package lists:
            # registered as a data admin would, from the same upload.
            services.upload_register_departments(upload_id=upload.pk, enqueue=False)
            upload = services.upload_validate(upload_id=upload.pk)
        if upload.status != UploadStatus.PREVIEWED:
            report.rejected.append(
                f"{entry['file']}: {[e['message'] for e in upload.errors][:3]} {upload.failure_reason}"
            )
            continue
        if entry["kind"] == "indicator":
            report.previewed.append(entry["file"])
            say(f"  {entry['file']}: validated, left for review on the upload page")
            continue
        services.upload_request_publish(upload_id=upload.pk, enqueue=False)
        upload = services.upload_publish(upload_id=upload.pk)
        (report.published if upload.status == UploadStatus.PUBLISHED else report.rejected).append(
            entry["file"]
        )
        say(f"  {entry['file']}: {upload.status}")
    return report


DEMO_USERS = [
    # username, role, (unit name, level, parent name), is_superuser
    ("admin", None, None, True),
    ("canbo.binhduong", Role.PROVINCIAL_STAFF, ("Bình Dương", "province", None), False),
    ("quantri.binhduong", Role.DATA_ADMIN, ("Bình Dương", "province", None), False),
    ("chutich.dian", Role.UNIT_CHAIR, ("Dĩ An", "district", "Bình Dương"), False),
    ("chutich.tanbinh", Role.UNIT_CHAIR, ("Tân Bình", "commune", "Dĩ An"), False),
    # Today's map: a province of 2026, its departments and communes in two tables.
    ("canbo.gialai", Role.PROVINCIAL_STAFF, ("Gia Lai", "province", None), False),
    ("chutich.vancanh", Role.UNIT_CHAIR, ("Vân Canh", "commune", "Gia Lai"), False),
]
DEMO_DATE = datetime.date(2025, 5, 20)
PRESENT_DATE = datetime.date(2026, 10, 10)


def demo_users_create(
    *, report: DemoReport | None = None, years: Collection[int] | None = None
) -> DemoReport:
    """Create one demo user per role (password DEMO_PASSWORD); idempotent. `years`: only
    the users of the units of those years' demo (as `demo_load`)."""
    report = report or DemoReport()
    User = get_user_model()
    for username, role, unit_spec, is_superuser in DEMO_USERS:
        if years is not None and unit_spec and _demo_date(unit_spec).year not in years:
            continue
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_superuser": is_superuser, "is_staff": is_superuser}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            report.users.append(username)
        if role:
            name, level, parent_name = unit_spec
            as_of = _demo_date(unit_spec)
            present = as_of == PRESENT_DATE
            parent = None
            if parent_name:
                parent_level = "district" if level == "commune" and not present else "province"
                parent = unit_match(
                    text=parent_name, scope=None, as_of=as_of, level=parent_level
                ).unit
            unit = unit_match(text=name, scope=parent, as_of=as_of, level=level).unit
            if unit is None:
                raise LookupError(f"demo unit {unit_spec} not found (run load_units first)")
            membership_grant(user=user, unit=unit, role=role)
    return report


def _demo_date(unit_spec: tuple) -> datetime.date:
    """The date a demo user's unit is looked up on: today's map for Gia Lai's, else the
    Bình Dương demo's (a unit of before the merger)."""
    name, _level, parent_name = unit_spec
    return PRESENT_DATE if "Gia Lai" in (name, parent_name) else DEMO_DATE
