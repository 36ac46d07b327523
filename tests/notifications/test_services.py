"""Alerts raised by a publication, told to the right people once; time-based rules."""

import datetime

import pytest
import time_machine
from django.core import mail

from notifications import services
from notifications.models import Alert, Notification, OutgoingEmail, RuleKind, UploadDeadline
from tests.notifications.conftest import NEXT_WEEK, NEXT_WEEK_CSV, WEEK, demo_file, publish


def kinds(user) -> list[tuple[str, str]]:
    return sorted(
        (n.alert.rule.kind, n.alert.unit.name)
        for n in Notification.objects.filter(user=user).select_related("alert__rule", "alert__unit")
    )


def test_a_unit_that_drops_two_places_tells_its_chair_and_staff_once(
    binh_duong, people, moved_week
):
    _upload, before = moved_week
    new = {
        name: Notification.objects.filter(user=u)
        .exclude(pk__in=before[name])
        .select_related("alert__rule", "alert__unit")
        for name, u in people.items()
    }
    told = {
        name: [(n.alert.rule.kind, n.alert.unit.name) for n in found] for name, found in new.items()
    }
    assert told["chutich.thuanan"] == [(RuleKind.RANK_DROP, "Thuận An")]
    assert told["canbo"] == [(RuleKind.RANK_DROP, "Thuận An")]
    assert told["chutich.dian"] == []
    assert told["chutich.tanbinh"] == []
    assert told["canbo.dongnai"] == []
    alert = Alert.objects.get(rule__kind=RuleKind.RANK_DROP)
    assert alert.detail["previous_rank"] == 2 and alert.detail["rank"] == 4
    # E-mail (both, immediately, by default): one to each of the two, none to the others.
    assert sorted(m.to[0] for m in mail.outbox if "Thuận An" in m.subject) == [
        "canbo@example.org",
        "chutich.thuanan@example.org",
    ]


def test_a_correction_of_the_week_tells_nobody_again(
    binh_duong, people, moved_week, django_capture_on_commit_callbacks
):
    counts = Notification.objects.count(), OutgoingEmail.objects.count(), Alert.objects.count()
    sent = len(mail.outbox)
    corrected = NEXT_WEEK_CSV.replace("78,94;Khá", "78,95;Khá").replace("12,8;", "12,81;")
    with django_capture_on_commit_callbacks(execute=True):
        upload = publish(corrected.encode(), binh_duong.province, NEXT_WEEK, name="correction.csv")
    assert upload.snapshot.revision == 2
    assert (
        Notification.objects.count(),
        OutgoingEmail.objects.count(),
        Alert.objects.count(),
    ) == counts
    assert len(mail.outbox) == sent
    # A retry of the evaluation (the task delivered twice) changes nothing either.
    services.alert_evaluate_snapshot(snapshot_id=upload.snapshot_id)
    assert Notification.objects.count() == counts[0]


def test_totals_that_disagree_go_to_the_data_admin_only(binh_duong, people, moved_week):
    # Dĩ An's official 92 against its groups' 91,4 (DOMAIN.md §7), on both weeks.
    assert kinds(people["quantri"]) == [
        (RuleKind.TOTALS_DISAGREE, "Dĩ An"),
        (RuleKind.TOTALS_DISAGREE, "Dĩ An"),
    ]
    assert RuleKind.TOTALS_DISAGREE not in {k for k, _ in kinds(people["chutich.dian"])}


def test_a_disabled_rule_raises_nothing(
    binh_duong, people, django_capture_on_commit_callbacks, eager_tasks
):
    from notifications.models import AlertRule

    AlertRule.objects.update(enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)
        publish(NEXT_WEEK_CSV.encode(), binh_duong.province, NEXT_WEEK)
    assert not Alert.objects.exists()


def test_nobody_is_told_about_a_unit_they_cannot_read(binh_duong, people, moved_week):
    # Đồng Nai's staff hold no role on Bình Dương: nothing, whatever their settings say.
    from notifications.models import AlertRule

    services.preference_update(
        user=people["canbo.dongnai"],
        delivery="both",
        timing="immediate",
        digest=True,
        rule_ids=list(AlertRule.objects.values_list("pk", flat=True)),
        unit_ids=[binh_duong.province.pk],
    )
    services.alert_notify(alerts=list(Alert.objects.all()))
    assert kinds(people["canbo.dongnai"]) == []


def test_a_chair_who_chose_other_rules_hears_those(binh_duong, people, moved_week):
    from notifications.models import AlertRule

    chair = people["chutich.thuanan"]
    services.preference_update(
        user=chair,
        delivery="in_app",
        timing="immediate",
        digest=False,
        rule_ids=[AlertRule.objects.get(kind=RuleKind.TOTALS_DISAGREE).pk],
        unit_ids=[binh_duong.districts["Thuận An"].pk],
    )
    # Dĩ An's disagreement is not below Thuận An: still nothing about it.
    services.alert_notify(alerts=list(Alert.objects.all()))
    assert kinds(chair) == [(RuleKind.RANK_DROP, "Thuận An")]


# --- Missing upload, at its deadline and not before -------------------------------------------

TUESDAY = datetime.date(2025, 5, 27)


@pytest.fixture
def last_week_published(binh_duong, people):
    publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)


def test_missing_upload_fires_at_the_deadline_and_not_before(
    binh_duong, people, last_week_published
):
    with time_machine.travel(
        datetime.datetime(2025, 5, 27, 11, 59, tzinfo=services.LOCAL), tick=False
    ):
        assert services.alert_evaluate_schedule() == []
    with time_machine.travel(
        datetime.datetime(2025, 5, 27, 12, 0, tzinfo=services.LOCAL), tick=False
    ):
        alerts = services.alert_evaluate_schedule()
    assert [(a.rule.kind, a.scope.name, a.as_of) for a in alerts] == [
        (RuleKind.MISSING_UPLOAD, "Bình Dương", TUESDAY)
    ]
    missing = (RuleKind.MISSING_UPLOAD, "Bình Dương")
    assert missing in kinds(people["canbo"])
    assert missing in kinds(people["quantri"])
    assert missing not in kinds(people["chutich.thuanan"])
    # Beat runs again: the same week's alert is not raised twice.
    with time_machine.travel(
        datetime.datetime(2025, 5, 27, 18, 0, tzinfo=services.LOCAL), tick=False
    ):
        services.alert_evaluate_schedule()
    assert kinds(people["canbo"]).count(missing) == 1


def test_a_week_published_in_time_raises_nothing(binh_duong, people, last_week_published):
    publish(NEXT_WEEK_CSV.encode(), binh_duong.province, NEXT_WEEK)
    with time_machine.travel(
        datetime.datetime(2025, 5, 27, 12, 30, tzinfo=services.LOCAL), tick=False
    ):
        alerts = services.alert_evaluate_schedule()
    assert RuleKind.MISSING_UPLOAD not in {a.rule.kind for a in alerts}


def test_a_scope_may_set_its_own_deadline(binh_duong, people, last_week_published):
    UploadDeadline.objects.create(scope=binh_duong.province, weekday=2, time=datetime.time(9, 0))
    with time_machine.travel(
        datetime.datetime(2025, 5, 27, 12, 0, tzinfo=services.LOCAL), tick=False
    ):
        # Tuesday noon: Bình Dương's deadline is Wednesday 09:00, last week's was met.
        assert services.alert_evaluate_schedule() == []
    with time_machine.travel(
        datetime.datetime(2025, 5, 28, 9, 0, tzinfo=services.LOCAL), tick=False
    ):
        assert [a.as_of for a in services.alert_evaluate_schedule()] == [datetime.date(2025, 5, 28)]


# --- Stale table --------------------------------------------------------------------------------


def test_a_table_two_weeks_behind_its_province_is_stale(binh_duong, people, eager_tasks):
    publish(demo_file("di-an-phuong-2025-05-06.csv"), binh_duong.di_an, datetime.date(2025, 5, 6))
    publish(
        demo_file("binh-duong-cap-huyen-2025-05-13.csv"),
        binh_duong.province,
        datetime.date(2025, 5, 13),
    )
    with time_machine.travel(
        datetime.datetime(2025, 5, 14, 8, 0, tzinfo=services.LOCAL), tick=False
    ):
        # One week behind: the wards' upload may simply come later.
        assert RuleKind.STALE_TABLE not in {a.rule.kind for a in services.alert_evaluate_schedule()}
    publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)
    with time_machine.travel(
        datetime.datetime(2025, 5, 21, 8, 0, tzinfo=services.LOCAL), tick=False
    ):
        stale = [
            a for a in services.alert_evaluate_schedule() if a.rule.kind == RuleKind.STALE_TABLE
        ]
    assert [(a.unit.name, a.as_of, a.detail["latest"]) for a in stale] == [
        ("Dĩ An", WEEK, "2025-05-06")
    ]
    assert (RuleKind.STALE_TABLE, "Dĩ An") in kinds(people["canbo"])


def test_a_publication_whose_message_was_lost_is_evaluated_by_the_scheduler(binh_duong, people):
    # No on-commit callbacks run here, as when the broker was down at the commit.
    publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)
    assert not Alert.objects.exists()
    with time_machine.travel(
        datetime.datetime(2025, 5, 21, 8, 0, tzinfo=services.LOCAL), tick=False
    ):
        services.alert_evaluate_schedule()
    assert Alert.objects.filter(rule__kind=RuleKind.TOTALS_DISAGREE).exists()


def test_a_message_for_a_superseded_or_missing_snapshot_does_nothing(binh_duong, people):
    first = publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)
    corrected = demo_file("binh-duong-cap-huyen-2025-05-20.csv").replace(b"78,94", b"78,95")
    publish(corrected, binh_duong.province, WEEK, name="correction.csv")
    assert services.alert_evaluate_snapshot(snapshot_id=first.snapshot_id) == []
    assert services.alert_evaluate_snapshot(snapshot_id=10**9) == []


def test_a_week_published_late_is_what_the_next_week_moves_against(
    binh_duong, people, django_capture_on_commit_callbacks, eager_tasks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        # 27 May first: nothing to compare with yet.
        publish(NEXT_WEEK_CSV.encode(), binh_duong.province, NEXT_WEEK)
    assert not Alert.objects.filter(rule__kind=RuleKind.RANK_DROP).exists()
    with django_capture_on_commit_callbacks(execute=True):
        # 20 May arrives late: 27 May now shows Thuận An's fall from 2nd to 4th.
        publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)
    assert kinds(people["chutich.thuanan"]) == [(RuleKind.RANK_DROP, "Thuận An")]
    assert Alert.objects.get(rule__kind=RuleKind.RANK_DROP).as_of == NEXT_WEEK


def _reversed(csv: str) -> str:
    """The same table with its totals handed out in reverse: most units lose places."""
    header, *rows = csv.strip().splitlines()
    cells = [row.split(";") for row in rows]
    totals = [c[9] for c in cells][::-1]
    return "\n".join([header] + [";".join(c[:9] + [t] + c[10:]) for c, t in zip(cells, totals)])


def test_a_publish_that_fires_many_alerts_costs_the_queries_of_one_that_fires_one(binh_duong):
    """A national publish fires thousands of alerts: storing them and telling their readers is
    a fixed number of statements, not several per alert."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role
    from accounts.services import membership_grant

    staff = get_user_model().objects.create_user("canbo", "canbo@example.org", "x" * 20)
    membership_grant(user=staff, unit=binh_duong.province, role=Role.PROVINCIAL_STAFF)
    publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)

    def evaluated(csv: str, as_of: datetime.date) -> tuple[int, int, int]:
        upload = publish(csv.encode(), binh_duong.province, as_of, name=f"{as_of}.csv")
        with CaptureQueriesContext(connection) as queries:
            alerts = services.alert_evaluate_snapshot(snapshot_id=upload.snapshot_id)
        told = Notification.objects.filter(user=staff, alert__as_of=as_of).count()
        return len(alerts), told, len(queries)

    one, one_told, one_queries = evaluated(NEXT_WEEK_CSV, NEXT_WEEK)
    many, many_told, many_queries = evaluated(
        _reversed(NEXT_WEEK_CSV), NEXT_WEEK + datetime.timedelta(7)
    )
    assert one >= 1 and many > one + 3
    assert many_told > one_told >= 1
    assert many_queries == one_queries
