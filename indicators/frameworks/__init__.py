"""Frameworks as data: one JSON file per version, loaded by a data migration.

A revision of the rules is a new file (and a new migration that loads it), never an edit of
scoring code. Data migrations pass their historical models to `load_framework`, so the
loader must only use plain model APIs.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

FRAMEWORK_DIR = Path(__file__).resolve().parent


def read_framework(code: str) -> dict[str, Any]:
    """Read the JSON definition of one framework version ("766-2022")."""
    return json.loads((FRAMEWORK_DIR / f"{code}.json").read_text(encoding="utf-8"))


def validate_framework(data: dict[str, Any]) -> list[str]:
    """List the inconsistencies of a framework definition (empty when it is sound)."""
    errors: list[str] = []
    groups = {g["code"]: g for g in data["groups"]}
    plain = [g for g in data["groups"] if not g.get("is_combined")]
    total = sum(Decimal(g["max_points"]) for g in plain)
    if total != 100:
        errors.append(f"groups sum to {total}, not 100")
    for group in plain:
        members = [i for i in data["indicators"] if i["group"] == group["code"]]
        points = sum(Decimal(i["max_points"]) for i in members)
        if points != Decimal(group["max_points"]):
            errors.append(f"{group['code']}: indicators sum to {points}, not {group['max_points']}")
        if group["five_group_code"] not in groups:
            errors.append(f"{group['code']}: unknown five-group code {group['five_group_code']}")
    for group in data["groups"]:
        if group.get("is_combined"):
            members = [g for g in plain if g["five_group_code"] == group["code"]]
            points = sum(Decimal(g["max_points"]) for g in members)
            if len(members) < 2 or points != Decimal(group["max_points"]):
                errors.append(f"{group['code']}: combined block does not match its members")
    for indicator in data["indicators"]:
        if indicator["group"] not in groups or groups[indicator["group"]].get("is_combined"):
            errors.append(f"{indicator['code']}: unknown group {indicator['group']}")
        threshold = indicator.get("threshold")
        if threshold is not None and not 0 < Decimal(threshold) <= 1:
            errors.append(f"{indicator['code']}: threshold {threshold} outside (0, 1]")
    if not any(Decimal(b["min_total"]) == 0 for b in data["bands"]):
        errors.append("no band starts at 0")
    return errors


def load_framework(data: dict[str, Any], *, Framework, IndicatorGroup, Indicator, Band):  # noqa: N803
    """Create or update one framework with its groups, indicators and bands (idempotent)."""
    errors = validate_framework(data)
    if errors:
        raise ValueError("; ".join(errors))
    framework, _ = Framework.objects.update_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "valid_from": datetime.date.fromisoformat(data["valid_from"]),
            "notes": data["notes"],
        },
    )
    groups = {}
    for position, group in enumerate(data["groups"], start=1):
        groups[group["code"]], _ = IndicatorGroup.objects.update_or_create(
            framework=framework,
            code=group["code"],
            defaults={
                "name": group["name"],
                "max_points": Decimal(group["max_points"]),
                "position": position,
                "five_group_code": group["five_group_code"],
                "is_combined": group.get("is_combined", False),
                "api_codes": group.get("api_codes", []),
                "is_confirmed": group.get("is_confirmed", True),
                "note": group.get("note", ""),
            },
        )
    # Migrations before 0010 pass a historical Indicator without `improved_by`.
    has_improved_by = any(f.name == "improved_by" for f in Indicator._meta.get_fields())
    for position, indicator in enumerate(data["indicators"], start=1):
        improved_by = (
            {"improved_by": indicator.get("improved_by", "new")} if has_improved_by else {}
        )
        notes = [indicator.get("note", "")]
        notes.append(indicator.get("zero_denominator_note") or data.get("default_note", ""))
        Indicator.objects.update_or_create(
            framework=framework,
            code=indicator["code"],
            defaults={
                "group": groups[indicator["group"]],
                "name": indicator["name"],
                "position": position,
                "max_points": Decimal(indicator["max_points"]),
                "threshold": None
                if indicator.get("threshold") is None
                else Decimal(indicator["threshold"]),
                "ratio_definition": indicator["ratio_definition"],
                "zero_denominator_policy": indicator.get("zero_denominator_policy", "full"),
                "levels": indicator.get("levels", data["default_levels"]),
                "is_confirmed": indicator.get("is_confirmed", True),
                "levels_confirmed": indicator.get("levels_confirmed", False),
                "note": " ".join(n for n in notes if n),
                **improved_by,
            },
        )
    for band in data["bands"]:
        Band.objects.update_or_create(
            framework=framework,
            code=band["code"],
            defaults={
                "name": band["name"],
                "min_total": Decimal(band["min_total"]),
                "is_confirmed": band.get("is_confirmed", True),
                "note": band.get("note", ""),
            },
        )
    return framework
