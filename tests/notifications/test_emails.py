"""E-mail through a real SMTP server started on 127.0.0.1 (aiosmtpd): alerts, retries, never twice."""

import email
import email.policy
import re

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from notifications import emails
from notifications.models import OutgoingEmail
from notifications.recipients import preference_of
from notifications.tasks import email_send_task
from scoreboard.celery import app
from tests.worker import free_port


class Inbox:
    """An SMTP handler keeping what it receives; it can refuse the next messages."""

    def __init__(self):
        self.messages = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, parsed))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


@pytest.fixture
def moved_week_smtp(binh_duong, people, smtp, django_capture_on_commit_callbacks, eager_tasks):
    from tests.notifications.conftest import NEXT_WEEK, NEXT_WEEK_CSV, WEEK, demo_file, publish

    with django_capture_on_commit_callbacks(execute=True):
        publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)
    smtp.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(NEXT_WEEK_CSV.encode(), binh_duong.province, NEXT_WEEK)
    return smtp


def test_the_alert_reaches_the_smtp_server_in_vietnamese_with_html_and_text(
    moved_week_smtp, client
):
    received = sorted(
        (m for m in moved_week_smtp.messages if "Thuận An" in m[1]["Subject"]), key=lambda m: m[0]
    )
    assert [to for to, _m in received] == [["canbo@example.org"], ["chutich.thuanan@example.org"]]
    # The data admin hears of Dĩ An's totals that disagree, not of Thuận An.
    assert [
        m["Subject"].strip() for to, m in moved_week_smtp.messages if to == ["quantri@example.org"]
    ] == ["[766] Tổng điểm chính thức lệch với tổng các nhóm: Thành phố Dĩ An"]
    message = received[0][1]
    assert message["Subject"].strip() == "[766] Tụt hạng: Thành phố Thuận An"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "tụt 2 bậc, từ hạng 2 xuống hạng 4/9 (27/05/2025)" in text
    assert "tụt 2 bậc" in html and "<a href=" in html
    # The unsubscribe link works without a login.
    link = re.search(r"http://127\.0\.0\.1:8000(/thong-bao/huy-dang-ky/\S+/)", text).group(1)
    assert message["List-Unsubscribe"].endswith(link + ">")
    assert client.post(link).status_code == 200
    assert not preference_of(
        OutgoingEmail.objects.filter(user__username="canbo").first().user
    ).wants_email


def test_a_user_reads_their_own_language(binh_duong, people, smtp, moved_week_smtp):
    from notifications import services

    chair = people["chutich.thuanan"]
    services.preference_update(
        user=chair,
        delivery="both",
        timing="immediate",
        digest=True,
        rule_ids=[],
        unit_ids=[],
        language="en",
    )
    sent = OutgoingEmail.objects.get(user=chair)
    OutgoingEmail.objects.filter(pk=sent.pk).update(sent_at=None, claimed_at=None)
    moved_week_smtp.messages.clear()
    assert emails.email_send(email_id=sent.pk)
    ((_to, message),) = moved_week_smtp.messages
    assert message["Subject"].strip() == "[766] Rank fell: Thành phố Thuận An"
    assert "fell 2 places, from 2 to 4 of 9" in message.get_body(("plain",)).get_content()


def test_an_smtp_failure_is_retried_and_the_message_sent_once(moved_week_smtp):
    email_row = OutgoingEmail.objects.get(user__username="canbo")
    OutgoingEmail.objects.filter(pk=email_row.pk).update(sent_at=None, claimed_at=None)
    moved_week_smtp.messages.clear()
    moved_week_smtp.refuse = 1
    # In-process, Celery runs the retry at once (without the back-off) when told not to
    # propagate the first failure.
    app.conf.task_eager_propagates = False
    try:
        result = email_send_task.apply(args=[email_row.pk])
    finally:
        app.conf.task_eager_propagates = True
    assert result.get() is True
    assert len(moved_week_smtp.messages) == 1
    email_row.refresh_from_db()
    assert email_row.sent_at is not None and email_row.attempts >= 2
    # Delivered again (a duplicate message, the scheduler's sweep): nothing is sent twice.
    assert emails.email_send(email_id=email_row.pk) is False
    assert emails.email_send_pending() == 0
    assert len(moved_week_smtp.messages) == 1


def test_a_server_that_is_down_leaves_the_message_for_later(moved_week_smtp, settings):
    email_row = OutgoingEmail.objects.get(user__username="canbo")
    OutgoingEmail.objects.filter(pk=email_row.pk).update(sent_at=None, claimed_at=None)
    settings.EMAIL_PORT = free_port()  # nobody listens there
    with pytest.raises(OSError):
        emails.email_send(email_id=email_row.pk)
    email_row.refresh_from_db()
    assert email_row.sent_at is None and email_row.claimed_at is None and email_row.last_error


def test_no_address_no_email(binh_duong, people, moved_week_smtp):
    assert not OutgoingEmail.objects.filter(user__email="").exists()
    assert mail.outbox == []
