"""The weekly digest holds what the unit page shows, and goes once a week to each user."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from dashboard.pages import unit_page
from indicators.selectors import unit_what_it_takes
from ingest import services as ingest_services
from ingest.models import Upload, UploadStatus
from notifications import digest
from notifications.models import OutgoingEmail

User = get_user_model()


@pytest.fixture
def demo_with_values(demo):
    """The demo, with the wards' indicator table (left for review by the demo) published."""
    upload = Upload.objects.get(
        status=UploadStatus.PREVIEWED, original_filename__contains="chi-tieu"
    )
    ingest_services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    ingest_services.upload_publish(upload_id=upload.pk)
    return demo


@pytest.mark.parametrize("username", ["chutich.tanbinh", "chutich.dian"])
def test_a_demo_chairs_digest_holds_the_figures_of_its_unit_page(demo_with_values, username):
    user = User.objects.get(username=username)
    (entry,) = digest.digest_for(user=user).units
    page = unit_page(unit=entry.unit)
    assert entry.snapshot.pk == page.snapshot.pk
    assert entry.row.ranking_total == page.score.ranking_total
    assert (entry.row.rank, entry.row.peer_count) == (page.score.rank, page.score.peer_count)
    assert entry.row.delta_rank == page.score.delta_rank
    assert entry.row.delta_total == page.score.delta_total
    assert entry.row.band_code == page.score.band.code
    shown = {line.group.code: line.shown_points for line in page.groups}
    assert {g.code: g.points for g in entry.groups} == shown
    assert entry.points_lost == page.points_lost
    if page.has_indicator_values:
        takes = unit_what_it_takes(snapshot=page.snapshot, unit_id=entry.unit.pk)
        expected = [(o.state.code, o.first.dossiers, o.first.gain) for o in takes.opportunities[:3]]
        assert [(c.code, c.dossiers, c.gain) for c in entry.cheapest_lines] == expected
        # Each names the kind of dossier as the unit page does (the framework row's ratio).
        counted = [takes.indicators[o.state.code].counted for o in takes.opportunities[:3]]
        assert [c.counted for c in entry.cheapest_lines] == counted and all(counted)
        assert len(expected) == 3


def test_the_seed_figures_in_the_digest_of_di_an(demo):
    (entry,) = digest.digest_for(user=User.objects.get(username="chutich.dian")).units
    assert (str(entry.row.ranking_total), entry.row.rank, entry.row.peer_count) == ("92.00", 1, 9)
    assert entry.row.band_code == "xuat_sac"


def test_staff_get_the_units_of_their_provinces_table(demo):
    units = digest.digest_for(user=User.objects.get(username="canbo.binhduong")).units
    assert len(units) == 9 and units[0].unit.name == "Dĩ An"


def test_the_digest_goes_once_a_week_to_those_who_keep_it(demo, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    User.objects.filter(username__in=["chutich.dian", "canbo.binhduong"]).update(
        email="x@example.org"
    )
    monday = datetime.date(2025, 5, 26)
    assert digest.digest_send_week(today=monday) == 2
    assert digest.digest_send_week(today=monday + datetime.timedelta(days=1)) == 0
    assert OutgoingEmail.objects.filter(kind="digest", week=monday).count() == 2
    from notifications.emails import email_send

    for row in OutgoingEmail.objects.filter(kind="digest"):
        assert email_send(email_id=row.pk)
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["[766] Bản tin tuần 26/05/2025"] * 2
    body = next(m for m in mail.outbox if "Dĩ An" in m.body and "Bến Cát" not in m.body).body
    assert "92,00" in body and "1/9" in body
