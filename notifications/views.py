"""The notification centre: the list, marking read, the settings, the digest preview and the
unsubscribe link of e-mails (the only page here that needs no login)."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import digest, emails, recipients, selectors, services
from notifications.forms import PreferenceForm

PAGE_LENGTH = 100


def notification_list(request: HttpRequest) -> HttpResponse:
    """List the user's notifications, newest first, unread ones marked."""
    items = list(selectors.notification_list(user=request.user)[:PAGE_LENGTH])
    return render(request, "notifications/notification_list.html", {"items": items})


@require_POST
def notification_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(user=request.user, notification_ids=[pk])
    return redirect("notifications:list")


@require_POST
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notification_mark_read(user=request.user)
    return redirect("notifications:list")


def preference_edit(request: HttpRequest) -> HttpResponse:
    """Show and save the user's choice of rules, units and delivery."""
    pref = recipients.preference_of(request.user)
    rules, units = list(selectors.rule_list()), recipients.default_units(request.user)
    chosen_rules = recipients.rules_of(request.user, pref, rules)
    chosen_units = (
        [u.pk for u in pref.units.all()] if pref.units_customised else [u.pk for u in units]
    )
    initial = {
        "rules": [str(r.pk) for r in chosen_rules],
        "units": [str(pk) for pk in chosen_units],
        "delivery": pref.delivery,
        "timing": pref.timing,
        "digest": pref.digest,
        "language": pref.language or settings.LANGUAGE_CODE,  # e-mails: Vietnamese first
    }
    form = PreferenceForm(request.POST or None, initial=initial, rules=rules, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.preference_update(
            user=request.user,
            delivery=data["delivery"],
            timing=data["timing"],
            digest=data["digest"],
            rule_ids=[int(pk) for pk in data["rules"]],
            unit_ids=[int(pk) for pk in data["units"]],
            language=data["language"],
        )
        return redirect("notifications:settings")
    return render(request, "notifications/preference_form.html", {"form": form})


def digest_preview(request: HttpRequest) -> HttpResponse:
    """Show the digest the user would receive for the current week."""
    context = {"digest": digest.digest_for(user=request.user), "preview": True}
    return render(request, "notifications/digest_preview.html", context)


@login_not_required
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm (GET) and stop (POST) every e-mail to the user a signed link names."""
    user = emails.user_of_unsubscribe_token(token)
    if user is None:
        raise Http404(_("This unsubscribe link is not valid."))
    done = request.method == "POST"
    if done:
        services.preference_unsubscribe(user=user)
    return render(request, "notifications/unsubscribe.html", {"done": done, "who": user})
