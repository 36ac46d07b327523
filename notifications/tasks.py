"""Celery tasks of the notification centre: thin wrappers over services, taking IDs only."""

import smtplib

from celery import shared_task
from django.conf import settings

from ingest.services import TRANSIENT_DB_ERRORS
from notifications import digest, emails, services

RETRIED = {
    "autoretry_for": (*TRANSIENT_DB_ERRORS, ConnectionError),
    "retry_backoff": 2,
    "retry_backoff_max": settings.SCOREBOARD_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(ignore_result=True, **RETRIED)
def alert_evaluate_snapshot_task(snapshot_id: int) -> int:
    """Raise and deliver the alerts of a published snapshot."""
    return len(services.alert_evaluate_snapshot(snapshot_id=snapshot_id))


@shared_task(ignore_result=True, **RETRIED)
def alert_evaluate_schedule_task() -> int:
    """The time-based rules, the missed publications and the unsent e-mails (Celery beat)."""
    count = len(services.alert_evaluate_schedule())
    emails.email_send_pending()
    return count


@shared_task(
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def email_send_task(email_id: int) -> bool:
    """Send one e-mail (never twice: the service claims it and marks it sent)."""
    return emails.email_send(email_id=email_id)


@shared_task(ignore_result=True, **RETRIED)
def digest_send_week_task() -> int:
    """Queue every user's weekly digest (Celery beat, Monday morning)."""
    return digest.digest_send_week()
