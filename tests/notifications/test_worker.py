"""The real stack: PostgreSQL, Redis and a Celery worker raise the alert and send its e-mail."""

import pytest

from notifications.models import Notification, OutgoingEmail, RuleKind
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
        chair = people["chutich.thuanan"]
        wait_until(
            lambda: OutgoingEmail.objects.filter(user=chair, sent_at__isnull=False).exists(),
            timeout=90,
            what="the chair's alert e-mail sent by the worker",
        )
    finally:
        worker.stop()
        print(worker.log())
        worker.close()
    told = Notification.objects.filter(user=chair).select_related("alert__rule")
    assert [n.alert.rule.kind for n in told] == [RuleKind.RANK_DROP]
    to_chair = [m for to, m in smtp.messages if to == [chair.email]]
    assert len(to_chair) == 1 and "Thuận An" in to_chair[0]["Subject"]
