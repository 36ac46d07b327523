"""Demo actions: what the review of 13 May 2025 decided, for the demo's units and users.

Created through `actions.services` (history and audit included) on the published demo
snapshots of 13 May, so each shows its figure then and on 20 May. Idempotent: an action of
the same unit, snapshot and title is not created twice. Synthetic, like the demo's figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from actions import services
from actions.models import Action, ActionStatus
from indicators.models import IndicatorGroup, Snapshot, SnapshotStatus, UnitScore

REVIEW_DATE = datetime.date(2025, 5, 13)


@dataclass(frozen=True)
class DemoAction:
    scope: str  # the snapshot's scope name
    unit: str  # a unit name, or "" for the lowest total of the snapshot
    group: str
    title: str
    creator: str
    owner: str
    due_date: datetime.date
    status: str = ActionStatus.OPEN


DEMO_ACTIONS = [
    DemoAction("Dĩ An", "Tân Bình", "TDGQ", "Giải quyết dứt điểm hồ sơ trễ hạn",
               "chutich.dian", "chutich.tanbinh", datetime.date(2025, 5, 16), ActionStatus.DONE),
    DemoAction("Dĩ An", "An Bình", "SHHS", "Số hóa hồ sơ tồn đọng của bộ phận một cửa",
               "canbo.binhduong", "chutich.dian", datetime.date(2025, 5, 19), ActionStatus.IN_PROGRESS),
    DemoAction("Bình Dương", "", "TTTT", "Đẩy mạnh thanh toán trực tuyến phí, lệ phí",
               "canbo.binhduong", "canbo.binhduong", datetime.date(2025, 5, 27)),
]  # fmt: skip


def demo_actions_create() -> tuple[int, int]:
    """Create the demo actions missing; return (created, already there). Skips what is absent."""
    users = get_user_model().objects.in_bulk(
        {a.creator for a in DEMO_ACTIONS} | {a.owner for a in DEMO_ACTIONS}, field_name="username"
    )
    created = existing = 0
    for spec in DEMO_ACTIONS:
        snapshot = (
            Snapshot.objects.filter(
                scope__name=spec.scope, as_of=REVIEW_DATE, status=SnapshotStatus.PUBLISHED
            )
            .select_related("scope")
            .first()
        )
        if snapshot is None or spec.creator not in users or spec.owner not in users:
            continue
        scores = UnitScore.objects.filter(snapshot=snapshot, ranking_total__isnull=False)
        scores = (
            scores.filter(unit__name=spec.unit) if spec.unit else scores.order_by("ranking_total")
        )
        score = scores.select_related("unit__parent__parent__parent").first()
        if score is None:
            continue
        if Action.objects.filter(unit=score.unit, snapshot=snapshot, title=spec.title).exists():
            existing += 1
            continue
        group = IndicatorGroup.objects.get(framework_id=snapshot.framework_id, code=spec.group)
        action = services.action_create(
            actor=users[spec.creator], unit=score.unit, snapshot=snapshot, title=spec.title,
            owner=users[spec.owner], due_date=spec.due_date, group=group,
        )  # fmt: skip
        if spec.status != ActionStatus.OPEN:
            services.action_update(actor=users[spec.owner], action_id=action.pk, status=spec.status)
        created += 1
    return created, existing
