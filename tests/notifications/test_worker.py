"""The real stack: PostgreSQL, Redis and a Celery worker raise the alert and send its e-mail
to a real SMTP server (aiosmtpd on 127.0.0.1); a correction published after sends nothing."""

import pytest

from notifications.models import Notification, OutgoingEmail, RuleKind, SnapshotEvaluation
from tests.notifications.conftest import NEXT_WEEK, NEXT_WEEK_CSV, WEEK, demo_file, publish
from tests.notifications.test_emails import smtp  # noqa: F401
from tests.worker import Worker, wait_until


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_raises_the_alert_after_the_commit_and_sends_it_once(binh_duong, people, smtp):  # noqa: F811
    from django.conf import settings

    worker = Worker(
        env={
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(settings.EMAIL_PORT),
        }
    ).start()
    try:
        publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)
        publish(NEXT_WEEK_CSV.encode(), binh_duong.province, NEXT_WEEK)
        chair, staff = people["chutich.thuanan"], people["canbo"]
        for user in (chair, staff):
            wait_until(
                lambda user=user: OutgoingEmail.objects.filter(
                    user=user, sent_at__isnull=False
                ).exists(),
                timeout=90,
                what=f"{user}'s alert e-mail sent by the worker",
            )
        # A correction of the week, evaluated by the worker in turn: nobody is told again.
        corrected = NEXT_WEEK_CSV.replace("78,94;Khá", "78,95;Khá").replace("12,8;", "12,81;")
        upload = publish(corrected.encode(), binh_duong.province, NEXT_WEEK, name="correction.csv")
        assert upload.snapshot.revision == 2
        wait_until(
            lambda: (
                SnapshotEvaluation.objects.filter(snapshot_id=upload.snapshot_id).exists()
                and not OutgoingEmail.objects.filter(sent_at__isnull=True).exists()
            ),
            timeout=90,
            what="the correction evaluated and every e-mail sent",
        )
    finally:
        worker.stop()
        print(worker.log())
        worker.close()
    drop = {"alert__rule__kind": RuleKind.RANK_DROP, "alert__unit__name": "Thuận An"}
    for user in (chair, staff):
        told = Notification.objects.filter(user=user, **drop)
        assert [n.in_app for n in told] == [True], user  # once, in the centre
        to_them = [
            m for to, m in smtp.messages if to == [user.email] and "Thuận An" in m["Subject"]
        ]
        assert len(to_them) == 1, user  # and once by e-mail
    told = Notification.objects.filter(user=chair).select_related("alert__rule")
    assert [n.alert.rule.kind for n in told] == [RuleKind.RANK_DROP]
    # Nobody else hears of Thuận An: not the chairs of other units, not another province.
    for name in ("chutich.dian", "chutich.tanbinh", "canbo.dongnai"):
        user = people[name]
        assert not Notification.objects.filter(user=user, **drop).exists(), name
        assert not [
            m for to, m in smtp.messages if to == [user.email] and "Thuận An" in m["Subject"]
        ]
