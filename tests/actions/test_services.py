"""Creating, changing and commenting actions through the services, with access and audit."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.access import access_for_user
from accounts.models import AuditAction, AuditEvent
from actions import selectors, services
from actions.models import ActionStatus
from indicators.models import IndicatorGroup
from tests.actions.conftest import publish_next_week

DUE = datetime.date(2025, 5, 16)


def _create(w, actor, unit, **extra):
    fields = {"title": "Giải quyết hồ sơ trễ hạn", "owner": actor, "due_date": DUE} | extra
    return services.action_create(actor=actor, unit=unit, snapshot=w.snapshot, **fields)


def test_a_chair_creates_an_action_for_their_unit_with_its_figure(wards_week):
    w = wards_week
    chair, tan_binh = w.users["chair_tanbinh"], w.wards["Tân Bình"]
    tdgq = IndicatorGroup.objects.get(code="TDGQ")
    action = _create(w, chair, tan_binh, group=tdgq)
    assert action.status == ActionStatus.OPEN
    assert action.baseline == Decimal("19.12")  # TDGQ of Tân Bình on 13 May
    assert [c.field for c in action.changes.all()] == ["status"]
    event = AuditEvent.objects.get(action=AuditAction.ACTION_CREATED)
    assert event.actor == chair and event.detail["action"] == action.pk


def test_a_chair_of_a_district_assigns_its_wards(wards_week):
    w = wards_week
    action = _create(w, w.users["chair_dian"], w.wards["An Bình"], owner=w.users["chair_anbinh"])
    assert action.owner == w.users["chair_anbinh"]
    assert action.baseline == Decimal("91.78")  # the total, no group given


def test_provincial_staff_assign_units_of_their_province_only(wards_week):
    w = wards_week
    assert _create(w, w.users["staff_bd"], w.wards["Đông Hòa"]).pk
    with pytest.raises(PermissionDenied):
        _create(w, w.users["staff_dn"], w.wards["Đông Hòa"])


@pytest.mark.parametrize("role", ["chair_tanbinh", "admin_bd"])
def test_a_chair_cannot_assign_another_unit_nor_a_data_admin_any(wards_week, role):
    w = wards_week
    with pytest.raises(PermissionDenied):
        _create(w, w.users[role], w.wards["An Bình"], owner=w.users["chair_anbinh"])
    assert not AuditEvent.objects.filter(action=AuditAction.ACTION_CREATED).exists()


def test_the_owner_must_read_the_unit(wards_week):
    w = wards_week
    with pytest.raises(ValidationError) as error:
        _create(w, w.users["chair_dian"], w.wards["An Bình"], owner=w.users["chair_tanbinh"])
    assert "owner" in error.value.message_dict


def test_the_unit_must_be_scored_in_the_snapshot(wards_week):
    w = wards_week
    with pytest.raises(ValidationError) as error:
        services.action_create(
            actor=w.users["staff_bd"],
            unit=w.di_an,
            snapshot=w.snapshot,  # the wards' table: Dĩ An itself has no row
            title="x",
            owner=w.users["staff_bd"],
            due_date=DUE,
        )
    assert "snapshot" in error.value.message_dict


def test_the_owner_closes_it_and_every_change_is_recorded(wards_week):
    w = wards_week
    action = _create(w, w.users["chair_dian"], w.wards["Tân Bình"], owner=w.users["chair_tanbinh"])
    owner = w.users["chair_tanbinh"]
    services.action_update(actor=owner, action_id=action.pk, status=ActionStatus.IN_PROGRESS)
    services.action_comment(actor=owner, action_id=action.pk, text="Đã xử lý 8/12 hồ sơ")
    closed = services.action_update(actor=owner, action_id=action.pk, status=ActionStatus.DONE)
    assert closed.status == ActionStatus.DONE and closed.closed_at is not None
    history = [(c.field, c.old_value, c.new_value) for c in closed.changes.all()]
    assert history == [
        ("status", "", "open"),
        ("status", "open", "in_progress"),
        ("status", "in_progress", "done"),
    ]
    assert closed.comments.get().text == "Đã xử lý 8/12 hồ sơ"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count(AuditAction.ACTION_UPDATED) == 2
    assert AuditAction.ACTION_COMMENTED in actions


def test_nobody_else_changes_or_comments_an_action(wards_week):
    w = wards_week
    action = _create(w, w.users["chair_dian"], w.wards["Tân Bình"], owner=w.users["chair_tanbinh"])
    with pytest.raises(PermissionDenied):
        services.action_update(actor=w.users["chair_anbinh"], action_id=action.pk, status="done")
    with pytest.raises(PermissionDenied):
        services.action_comment(actor=w.users["staff_dn"], action_id=action.pk, text="?")
    # Provincial staff may change any action of their province.
    services.action_update(actor=w.users["staff_bd"], action_id=action.pk, due_date=AFTER_DUE)


AFTER_DUE = datetime.date(2025, 5, 30)


def test_a_new_owner_must_read_the_unit(wards_week):
    w = wards_week
    action = _create(w, w.users["chair_dian"], w.wards["Tân Bình"], owner=w.users["chair_tanbinh"])
    with pytest.raises(ValidationError):
        services.action_update(
            actor=w.users["chair_dian"], action_id=action.pk, owner=w.users["chair_anbinh"]
        )


def test_the_next_snapshot_shows_before_and_after(wards_week):
    w = wards_week
    tdgq = IndicatorGroup.objects.get(code="TDGQ")
    action = _create(w, w.users["chair_tanbinh"], w.wards["Tân Bình"], group=tdgq)
    [view] = selectors.action_views([action], today=datetime.date(2025, 5, 14))
    assert (view.before, view.now, view.moved) == (Decimal("19.12"), Decimal("19.12"), None)
    publish_next_week(w)
    [view] = selectors.action_views([action], today=datetime.date(2025, 5, 21))
    assert view.now == Decimal("19.16") and view.change == Decimal("0.04")
    assert view.moved == selectors.UP and view.overdue


def test_reads_are_limited_to_readable_units(wards_week):
    w = wards_week
    mine = _create(w, w.users["chair_tanbinh"], w.wards["Tân Bình"])
    theirs = _create(w, w.users["chair_anbinh"], w.wards["An Bình"])

    def seen(name):
        access = access_for_user(w.users[name])
        return set(selectors.action_list(access=access).values_list("pk", flat=True))

    assert seen("chair_tanbinh") == {mine.pk}
    assert seen("chair_dian") == seen("staff_bd") == {mine.pk, theirs.pk}
    assert seen("staff_dn") == set()


def test_overdue_actions_are_those_still_to_do_past_their_date(wards_week):
    w = wards_week
    late = _create(w, w.users["chair_tanbinh"], w.wards["Tân Bình"])
    done = _create(w, w.users["chair_tanbinh"], w.wards["Tân Bình"])
    _create(w, w.users["chair_tanbinh"], w.wards["Tân Bình"], due_date=AFTER_DUE)
    services.action_update(actor=w.users["chair_tanbinh"], action_id=done.pk, status="done")
    today = datetime.date(2025, 5, 20)
    assert list(selectors.overdue_actions(today=today)) == [late]


def test_overdue_is_counted_in_vietnam_days_not_the_servers(wards_week):
    w = wards_week
    action = _create(w, w.users["chair_tanbinh"], w.wards["Tân Bình"])
    # 20:00 UTC on the due date is already 03:00 the next day in Hà Nội: overdue there.
    evening_utc = datetime.datetime.combine(DUE, datetime.time(20), tzinfo=datetime.UTC)
    with time_machine.travel(evening_utc, tick=False):
        assert action.is_overdue()
        assert list(selectors.overdue_actions()) == [action]
    with time_machine.travel(evening_utc - datetime.timedelta(hours=4), tick=False):
        assert not action.is_overdue()  # 23:00 in Hà Nội on the due date: not yet


def test_owner_choices_are_the_users_who_read_the_unit(wards_week):
    w = wards_week
    names = {u.username for u in selectors.owner_choices(unit=w.wards["Tân Bình"])}
    assert names == {"staff_bd", "admin_bd", "chair_dian", "chair_tanbinh"}


figures = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
dates = st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2025, 12, 31))


@given(before=figures, now=figures, due=dates, today=dates)
def test_movement_is_said_only_after_the_due_date(before, now, due, today):
    moved = selectors.movement(before, now, due_date=due, today=today)
    if today <= due or before is None or now is None:
        assert moved is None
    else:
        assert moved == {1: "up", 0: "same", -1: "down"}[(now > before) - (now < before)]
