"""E-mail of alerts and digests through Django's e-mail backends: HTML and plain text, in the
recipient's language (Vietnamese unless they chose otherwise), with a signed unsubscribe link.

A message is a row (`OutgoingEmail`); `email_send` claims it with one conditional update and
marks it sent with another, so two deliveries of its task never send it twice. An SMTP
failure releases the claim and raises, for the task to retry. A worker that died holding a
claim leaves it to expire (CLAIM_SECONDS); the scheduler then sends it.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import EmailKind, OutgoingEmail

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
CLAIM_SECONDS = 600


def unsubscribe_token(user) -> str:
    """A signed token naming the user, good for unsubscribing only (its own salt)."""
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_of_unsubscribe_token(token: str):
    """The user a token names, or None when it is forged or not an unsubscribe token."""
    from django.contrib.auth import get_user_model

    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=data.get("u")).first()


def absolute(path: str) -> str:
    return settings.SCOREBOARD_BASE_URL.rstrip("/") + path


def language_of(user) -> str:
    from notifications.recipients import preference_of

    chosen = preference_of(user).language
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render_email(email: OutgoingEmail) -> EmailMultiAlternatives:
    """Build the message in the recipient's language."""
    user = email.user
    with translation.override(language_of(user)):
        context = {
            "user": user,
            "unsubscribe_url": absolute(
                reverse("notifications:unsubscribe", args=[unsubscribe_token(user)])
            ),
            "centre_url": absolute(reverse("notifications:list")),
            "base_url": settings.SCOREBOARD_BASE_URL.rstrip("/"),
        }
        if email.kind == EmailKind.ALERT:
            from notifications.messages import alert_text

            alert = email.notification.alert
            context.update(alert=alert, text=alert_text(alert))
            name = "alert"
        else:
            from notifications.digest import digest_for

            context.update(digest=digest_for(user=user, week=email.week))
            name = "digest"
        subject = render_to_string(f"notifications/email/{name}_subject.txt", context)
        text = render_to_string(f"notifications/email/{name}.txt", context)
        html = render_to_string(f"notifications/email/{name}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _claimable() -> Q:
    stale = timezone.now() - datetime.timedelta(seconds=CLAIM_SECONDS)
    return Q(sent_at__isnull=True) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))


def email_send(*, email_id: int) -> bool:
    """Send one e-mail unless it was sent or is being sent; True when this call sent it."""
    claimed_at = timezone.now()
    claimed = OutgoingEmail.objects.filter(_claimable(), pk=email_id).update(
        claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    email = OutgoingEmail.objects.select_related(
        "user",
        "notification__alert__rule",
        "notification__alert__unit",
        "notification__alert__action",
    ).get(pk=email_id)
    if not email.user.email:
        OutgoingEmail.objects.filter(pk=email_id).update(last_error="no address", claimed_at=None)
        return False
    try:
        render_email(email).send()
    except Exception as exc:
        OutgoingEmail.objects.filter(pk=email_id, claimed_at=claimed_at).update(
            claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:300]
        )
        raise
    OutgoingEmail.objects.filter(pk=email_id).update(sent_at=timezone.now(), last_error="")
    return True


def email_send_pending() -> int:
    """Queue the e-mails left unsent (a broker that was down, a worker that died)."""
    from notifications.tasks import email_send_task

    pending = list(
        OutgoingEmail.objects.filter(_claimable(), attempts__lt=20).values_list("pk", flat=True)
    )
    for pk in pending:
        try:
            email_send_task.delay(pk)
        except Exception:
            logger.exception("could not queue e-mail %s", pk)
            break
    return len(pending)
