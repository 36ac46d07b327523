"""The notification centre's pages: the bell, the list, marking read, settings, the digest."""

import pytest
from django.urls import reverse

from notifications.emails import unsubscribe_token
from notifications.models import Notification, NotificationPreference, RuleKind
from notifications.recipients import preference_of


@pytest.fixture
def told(binh_duong, people, moved_week):
    return people


def test_the_bell_counts_unread_notifications_in_one_query(client, told):
    client.force_login(told["canbo"])
    response = client.get(reverse("notifications:list"))
    # The count is one query more on any page, whatever the number of notifications.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("notifications:settings")).status_code == 200
    counts = [q["sql"] for q in queries if '"notifications_notification"' in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="bell-count"' in html and ">1</span>" in html
    assert "Thuận An" in html
    # The unit's page is a link: the staff may open it.
    thuan_an = Notification.objects.get(user=told["canbo"]).alert.unit
    assert reverse("dashboard:unit_detail", args=[thuan_an.pk]) in html


def test_mark_read_and_all_read(client, told):
    user = told["quantri"]
    client.force_login(user)
    first = Notification.objects.filter(user=user).first()
    client.post(reverse("notifications:mark_read", args=[first.pk]))
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 1
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert 'class="bell-count"' not in client.get(reverse("notifications:list")).content.decode()


def test_one_cannot_mark_another_users_notification(client, told):
    theirs = Notification.objects.filter(user=told["canbo"]).first()
    client.force_login(told["quantri"])
    client.post(reverse("notifications:mark_read", args=[theirs.pk]))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_settings_page_saves_rules_units_and_delivery(client, told, binh_duong):
    user = told["chutich.thuanan"]
    client.force_login(user)
    page = client.get(reverse("notifications:settings"))
    assert page.status_code == 200
    rank_drop = page.context["form"].fields["rules"].choices[0][0]
    response = client.post(
        reverse("notifications:settings"),
        {
            "rules": [rank_drop],
            "units": [str(binh_duong.districts["Thuận An"].pk)],
            "delivery": "in_app",
            "timing": "digest",
            "language": "en",
        },
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=user)
    assert (pref.delivery, pref.timing, pref.digest, pref.language) == (
        "in_app",
        "digest",
        False,
        "en",
    )
    assert [r.kind for r in pref.rules.all()] == [RuleKind.RANK_DROP]
    assert [u.name for u in pref.units.all()] == ["Thuận An"]
    # Only units of the user's own roles can be chosen: the form offers no other.
    other = {**response.wsgi_request.POST.dict(), "units": [str(binh_duong.province.pk)]}
    assert client.post(reverse("notifications:settings"), other).status_code == 200
    assert [u.name for u in NotificationPreference.objects.get(user=user).units.all()] == [
        "Thuận An"
    ]


def test_digest_preview_shows_the_users_units_and_alerts(client, told):
    client.force_login(told["chutich.thuanan"])
    response = client.get(reverse("notifications:digest_preview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thuận An" in html and "89,87" in html and "4/9" in html


def test_unsubscribe_works_without_a_login(client, told):
    user = told["canbo"]
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(user)])
    assert client.get(url).status_code == 200
    assert preference_of(user).wants_email  # a GET (a link scanner) changes nothing
    assert client.post(url).status_code == 200
    pref = preference_of(user)
    assert not pref.wants_email and not pref.digest


def test_an_unsubscribe_token_is_for_unsubscribing_only(client, told):
    from django.core import signing

    other_purpose = signing.dumps({"u": told["canbo"].pk}, salt="something.else")
    url = reverse("notifications:unsubscribe", args=[other_purpose])
    assert client.post(url).status_code == 404
    assert preference_of(told["canbo"]).wants_email


def test_the_list_costs_the_same_queries_however_many_notifications(client, told, binh_duong):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Alert, AlertRule

    user = told["canbo"]
    client.force_login(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("notifications:list")).status_code == 200
        return len(captured)

    few = queries()
    rule = AlertRule.objects.get(kind=RuleKind.MISSING_UPLOAD)
    for day in range(1, 8):
        for unit in (binh_duong.province, binh_duong.di_an):
            alert = Alert.objects.create(
                rule=rule,
                unit=unit,
                scope=unit,
                as_of=f"2025-06-0{day}",
                detail={"deadline": "2025-06-01T12:00:00+07:00"},
            )
            Notification.objects.create(user=user, alert=alert)
    assert queries() == few
