"""Overdue actions (issue 20) alerted by the scheduler to their owner and creator, once per
due date, through the usual delivery; time is frozen around the due date."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Role
from accounts.services import membership_grant
from actions import services as action_services
from actions.models import ActionStatus
from notifications import services
from notifications.digest import digest_for
from notifications.models import (
    Alert,
    AlertRule,
    Notification,
    NotificationPreference,
    OutgoingEmail,
    RuleKind,
)
from tests.notifications.conftest import demo_file, publish

DUE = datetime.date(2025, 5, 23)  # a Friday


def at(day: datetime.date, hour: int = 9, minute: int = 0):
    """Frozen local (Asia/Ho_Chi_Minh) time on day."""
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour, minute), services.LOCAL), tick=False
    )


def told(user) -> list[int]:
    """The actions the user was told are overdue, one entry per notification."""
    return sorted(
        Notification.objects.filter(user=user, alert__rule__kind=RuleKind.OVERDUE_ACTION)
        .values_list("alert__action_id", flat=True)
        .order_by()
    )


@pytest.fixture
def wards(binh_duong, people, settings, eager_tasks):
    """Dĩ An's wards published on 13 May; only the overdue rule among the time-based ones."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    AlertRule.objects.filter(kind__in=[RuleKind.MISSING_UPLOAD, RuleKind.STALE_TABLE]).update(
        enabled=False
    )
    upload = publish(
        demo_file("di-an-phuong-2025-05-13.csv"), binh_duong.di_an, datetime.date(2025, 5, 13)
    )
    return upload.snapshot


def give(people, snapshot, unit, *, creator="chutich.dian", owner="chutich.tanbinh", due=DUE):
    return action_services.action_create(
        actor=people[creator],
        unit=unit,
        snapshot=snapshot,
        title="Giải quyết dứt điểm hồ sơ trễ hạn",
        owner=people[owner],
        due_date=due,
    )


def test_an_action_is_alerted_the_day_after_its_due_date_to_its_owner_and_creator(
    binh_duong, people, wards, django_capture_on_commit_callbacks
):
    action = give(people, wards, binh_duong.wards["Tân Bình"])
    # On its due date it is not overdue yet, even late in the evening (local time).
    with at(DUE, 23, 59):
        assert services.alert_evaluate_schedule() == []
    # Just after local midnight (still the 23rd in UTC) it is.
    with (
        at(DUE + datetime.timedelta(days=1), 0, 5),
        django_capture_on_commit_callbacks(execute=True),
    ):
        alerts = services.alert_evaluate_schedule()
    assert [(a.rule.kind, a.action_id, a.as_of, a.unit.name) for a in alerts] == [
        (RuleKind.OVERDUE_ACTION, action.pk, DUE, "Tân Bình")
    ]
    assert told(people["chutich.tanbinh"]) == [action.pk]
    assert told(people["chutich.dian"]) == [action.pk]
    # Nobody else, not even those whose roles hear the unit's other alerts.
    for name in ("canbo", "quantri", "chutich.thuanan", "canbo.dongnai"):
        assert told(people[name]) == [], name
    # Delivered as the others: in the app and (both, immediately, by default) by e-mail,
    # in Vietnamese, with a link to the action.
    assert Notification.objects.filter(alert=alerts[0], in_app=True).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "chutich.dian@example.org",
        "chutich.tanbinh@example.org",
    ]
    link = reverse("actions:action_detail", args=[action.pk])
    assert all(link in m.body for m in mail.outbox)
    assert "Việc “Giải quyết dứt điểm hồ sơ trễ hạn” của" in mail.outbox[0].body
    assert "đến hạn ngày 23/05/2025 mà chưa xong" in mail.outbox[0].body
    assert "Việc quá hạn" in mail.outbox[0].subject


def test_the_alert_is_never_sent_twice_for_the_same_due_date(
    binh_duong, people, wards, django_capture_on_commit_callbacks
):
    give(people, wards, binh_duong.wards["Tân Bình"])
    for day, hour in [(24, 0), (24, 0), (24, 18), (25, 9), (30, 9)]:
        with (
            at(datetime.date(2025, 5, day), hour),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.alert_evaluate_schedule()
    assert Alert.objects.filter(rule__kind=RuleKind.OVERDUE_ACTION).count() == 1
    assert Notification.objects.filter(alert__rule__kind=RuleKind.OVERDUE_ACTION).count() == 2
    assert OutgoingEmail.objects.count() == 2 and len(mail.outbox) == 2


def test_a_due_date_moved_later_is_alerted_again_once_it_passes(binh_duong, people, wards):
    action = give(people, wards, binh_duong.wards["Tân Bình"])
    with at(datetime.date(2025, 5, 24)):
        services.alert_evaluate_schedule()
    later = datetime.date(2025, 5, 30)
    action_services.action_update(
        actor=people["chutich.tanbinh"], action_id=action.pk, due_date=later
    )
    with at(later, 20):  # the new due date, not passed yet
        assert services.alert_evaluate_schedule() == []
    with at(later + datetime.timedelta(days=1)):
        alerts = services.alert_evaluate_schedule()
    assert [a.as_of for a in alerts] == [later]
    assert told(people["chutich.tanbinh"]) == [action.pk, action.pk]
    assert sorted(Alert.objects.filter(action=action).values_list("as_of", flat=True)) == [
        DUE,
        later,
    ]
    # Moving it back to the first date, already alerted, tells nobody again.
    action_services.action_update(
        actor=people["chutich.tanbinh"], action_id=action.pk, due_date=DUE
    )
    with at(datetime.date(2025, 6, 2)):
        assert services.alert_evaluate_schedule() == []


def test_an_owner_given_an_overdue_action_after_its_alert_is_told_once(
    binh_duong, people, wards, django_capture_on_commit_callbacks
):
    action = give(people, wards, binh_duong.wards["Tân Bình"])
    with at(datetime.date(2025, 5, 24)):
        services.alert_evaluate_schedule()
    # The province's staff take it over while it is still overdue on the same due date.
    action_services.action_update(
        actor=people["chutich.dian"], action_id=action.pk, owner=people["canbo"]
    )
    for day in (25, 25, 26):
        with (
            at(datetime.date(2025, 5, day)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            # Not a new alert: the same one, told to the one person who had not heard it.
            assert services.alert_evaluate_schedule() == []
    assert told(people["canbo"]) == [action.pk]
    assert told(people["chutich.tanbinh"]) == [action.pk]  # the former owner, not again
    assert told(people["chutich.dian"]) == [action.pk]
    assert Alert.objects.filter(action=action).count() == 1
    assert [m.to[0] for m in mail.outbox] == ["canbo@example.org"]
    # Once done, a later owner is not told about it.
    action_services.action_update(
        actor=people["canbo"], action_id=action.pk, status=ActionStatus.DONE
    )
    action_services.action_update(
        actor=people["canbo"], action_id=action.pk, owner=people["chutich.tanbinh"]
    )
    with at(datetime.date(2025, 5, 27)):
        services.alert_evaluate_schedule()
    assert Notification.objects.filter(alert__action=action).count() == 3


@pytest.mark.parametrize("status", [ActionStatus.DONE, ActionStatus.DROPPED])
def test_a_closed_action_is_never_alerted(binh_duong, people, wards, status):
    action = give(people, wards, binh_duong.wards["Tân Bình"])
    action_services.action_update(
        actor=people["chutich.tanbinh"], action_id=action.pk, status=status
    )
    with at(datetime.date(2025, 6, 10)):
        assert services.alert_evaluate_schedule() == []
    assert not Alert.objects.filter(rule__kind=RuleKind.OVERDUE_ACTION).exists()


def test_an_action_in_progress_is_alerted_and_two_actions_due_the_same_day_each_once(
    binh_duong, people, wards
):
    first = give(people, wards, binh_duong.wards["Tân Bình"])
    second = give(people, wards, binh_duong.wards["Tân Bình"])
    action_services.action_update(
        actor=people["chutich.tanbinh"], action_id=second.pk, status=ActionStatus.IN_PROGRESS
    )
    with at(datetime.date(2025, 5, 26)):
        services.alert_evaluate_schedule()
    assert told(people["chutich.tanbinh"]) == sorted([first.pk, second.pk])


def test_an_owner_who_created_the_action_is_told_once(binh_duong, people, wards):
    unit = binh_duong.wards["Tân Bình"]
    action = give(people, wards, unit, creator="chutich.tanbinh", owner="chutich.tanbinh")
    with at(datetime.date(2025, 5, 24)):
        services.alert_evaluate_schedule()
    assert told(people["chutich.tanbinh"]) == [action.pk]
    assert Notification.objects.filter(alert__action=action).count() == 1


def test_nobody_who_can_no_longer_read_the_unit_is_told(binh_duong, people, wards):
    action = give(people, wards, binh_duong.wards["Tân Bình"], creator="canbo")
    # The creator left the province's staff; the owner was deactivated.
    Membership.objects.filter(user=people["canbo"]).delete()
    User = get_user_model()
    User.objects.filter(pk=people["chutich.tanbinh"].pk).update(is_active=False)
    with at(datetime.date(2025, 5, 24)):
        alerts = services.alert_evaluate_schedule()
    assert [a.action_id for a in alerts] == [action.pk]
    assert not Notification.objects.filter(alert__action=action).exists()


def test_an_owner_moved_to_another_unit_is_not_told_but_the_creator_is(binh_duong, people, wards):
    action = give(people, wards, binh_duong.wards["Tân Bình"])
    owner = people["chutich.tanbinh"]
    Membership.objects.filter(user=owner).delete()
    membership_grant(user=owner, unit=binh_duong.wards["An Bình"], role=Role.UNIT_CHAIR)
    with at(datetime.date(2025, 5, 24)):
        services.alert_evaluate_schedule()
    assert told(owner) == []
    assert told(people["chutich.dian"]) == [action.pk]


def test_the_preference_decides_delivery_and_unticking_the_rule_silences_it(
    binh_duong, people, wards, django_capture_on_commit_callbacks
):
    give(people, wards, binh_duong.wards["Tân Bình"])
    overdue = AlertRule.objects.get(kind=RuleKind.OVERDUE_ACTION)
    # The owner wants the app only; the creator chose every rule but this one.
    services.preference_update(
        user=people["chutich.tanbinh"],
        delivery="in_app",
        timing="immediate",
        digest=True,
        rule_ids=list(AlertRule.objects.values_list("pk", flat=True)),
        unit_ids=[],
    )
    services.preference_update(
        user=people["chutich.dian"],
        delivery="both",
        timing="immediate",
        digest=True,
        rule_ids=list(AlertRule.objects.exclude(pk=overdue.pk).values_list("pk", flat=True)),
        unit_ids=[],
    )
    with at(datetime.date(2025, 5, 24)), django_capture_on_commit_callbacks(execute=True):
        services.alert_evaluate_schedule()
    owner_notes = Notification.objects.filter(user=people["chutich.tanbinh"])
    assert [n.in_app for n in owner_notes] == [True]
    assert told(people["chutich.dian"]) == []
    assert mail.outbox == []


@pytest.mark.parametrize(
    "migration, kinds",
    [
        ("0003_overdue_action", [RuleKind.OVERDUE_ACTION]),
        ("0004_portal_rules", [RuleKind.PORTAL_STOPPED, RuleKind.PORTAL_REVIEW]),
    ],
)
def test_the_migration_adds_the_rule_to_those_who_had_chosen_their_rules(people, migration, kinds):
    AlertRule.objects.filter(kind__in=kinds).delete()
    pref = NotificationPreference.objects.create(user=people["canbo"], rules_customised=True)
    pref.rules.set(AlertRule.objects.filter(kind=RuleKind.RANK_DROP))
    importlib.import_module(f"notifications.migrations.{migration}").create(apps, None)
    assert sorted(pref.rules.values_list("kind", flat=True)) == sorted([RuleKind.RANK_DROP, *kinds])
    if migration == "0003_overdue_action":
        assert AlertRule.objects.get(kind=RuleKind.OVERDUE_ACTION).roles == set(Role.values)


def test_the_centre_the_api_and_the_digest_link_the_action(binh_duong, people, wards, client):
    action = give(people, wards, binh_duong.wards["Tân Bình"])
    with at(datetime.date(2025, 5, 24)):
        services.alert_evaluate_schedule()
    owner = people["chutich.tanbinh"]
    client.force_login(owner)
    link = reverse("actions:action_detail", args=[action.pk])
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'href="{link}"' in page and "Việc quá hạn" in page
    body = client.get("/api/v1/notifications/").json()
    item = next(n for n in body["results"] if n["rule"] == RuleKind.OVERDUE_ACTION)
    assert item["action_id"] == action.pk and item["url"].endswith(link)
    # The digest of the week lists it among the alerts of the week.
    digest = digest_for(user=owner, week=datetime.date(2025, 5, 26))
    assert [n.alert.action_id for n in digest.notifications] == [action.pk]
    with translation.override("vi"):
        text = render_to_string(
            "notifications/email/digest.txt",
            {"digest": digest, "base_url": "", "unsubscribe_url": "u"},
        )
    alerts_part = text.split("Cảnh báo trong tuần")[1]
    assert "Việc “Giải quyết dứt điểm hồ sơ trễ hạn” của P. Tân Bình đến hạn" in alerts_part
