"""The import pipeline against the real database: validate, preview, publish, nothing lost."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from indicators.models import Snapshot, SnapshotStatus, UnitScore
from ingest import services
from ingest.models import Upload, UploadStatus
from ingest.selectors import upload_preview

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEMO = Path(__file__).resolve().parents[2] / "demo"
AS_OF = datetime.date(2025, 5, 20)
# Tables the pipeline may write while rejecting a file: the upload record itself and the
# audit trail of the attempt. Everything else must stay exactly as it was.
BOOKKEEPING = {"ingest_upload", "accounts_auditevent", "ingest_workerprobe"}


def db_state() -> dict:
    """Count every table, and fingerprint what readers see (published scores)."""
    counts = {
        m._meta.db_table: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.db_table not in BOOKKEEPING and m._meta.managed
    }
    published = list(
        UnitScore.objects.filter(snapshot__status=SnapshotStatus.PUBLISHED)
        .order_by("pk")
        .values_list("pk", "ranking_total", "rank", "peer_count")
    )
    return {"counts": counts, "published": published}


def receive(path: Path, scope, as_of=AS_OF, **kwargs):
    upload, created = services.upload_receive(
        data=path.read_bytes(),
        filename=path.name,
        scope=scope,
        as_of=as_of,
        period="year",
        enqueue=False,
        **kwargs,
    )
    return upload, created


def validate(path: Path, scope, as_of=AS_OF) -> Upload:
    upload, _ = receive(path, scope, as_of)
    # Messages are stored in the language active while validating; assert on the English.
    with translation.override("en"):
        return services.upload_validate(upload_id=upload.pk)


def publish(upload: Upload) -> Upload:
    services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    return services.upload_publish(upload_id=upload.pk)


@pytest.fixture
def published_week(binh_duong):
    """The demo's 20 May 2025 table of Bình Dương's district-level units, published."""
    upload = publish(validate(DEMO / "binh-duong-cap-huyen-2025-05-20.csv", binh_duong.province))
    assert upload.status == UploadStatus.PUBLISHED, upload.errors
    return upload


def test_seed_week_publishes_with_di_an_first_of_nine(binh_duong, published_week):
    score = UnitScore.objects.get(snapshot=published_week.snapshot, unit=binh_duong.di_an)
    assert (score.rank, score.peer_count) == (1, 9)
    assert score.official_total == Decimal("92.00")
    assert score.total == Decimal("91.40")
    assert score.totals_disagree
    assert score.band.code == "xuat_sac"
    assert any(w["code"] == "total_mismatch" for w in published_week.warnings)


def test_same_file_twice_changes_nothing(binh_duong, published_week):
    before = db_state()
    uploads = Upload.objects.count()
    again, created = receive(DEMO / "binh-duong-cap-huyen-2025-05-20.csv", binh_duong.province)
    assert not created
    assert again.pk == published_week.pk
    assert Upload.objects.count() == uploads
    assert db_state() == before


def test_correction_is_a_new_revision_and_the_old_stays_readable(binh_duong):
    first = publish(validate(FIXTURES / "db" / "good-binh-duong.csv", binh_duong.province))
    second = publish(
        validate(FIXTURES / "db" / "good-binh-duong-correction.csv", binh_duong.province)
    )
    assert second.status == UploadStatus.PUBLISHED
    old, new = (
        Snapshot.objects.get(pk=first.snapshot_id),
        Snapshot.objects.get(pk=second.snapshot_id),
    )
    assert (old.status, old.revision) == (SnapshotStatus.SUPERSEDED, 1)
    assert (new.status, new.revision) == (SnapshotStatus.PUBLISHED, 2)
    tdm = binh_duong.districts["Thủ Dầu Một"]
    assert UnitScore.objects.get(snapshot=old, unit=tdm).ranking_total == Decimal("88.00")
    assert UnitScore.objects.get(snapshot=new, unit=tdm).ranking_total == Decimal("88.50")


def test_preview_compares_with_the_published_snapshot(binh_duong):
    publish(validate(FIXTURES / "db" / "good-binh-duong.csv", binh_duong.province))
    draft = validate(FIXTURES / "db" / "good-binh-duong-correction.csv", binh_duong.province)
    preview = upload_preview(upload=draft)
    tdm = next(r for r in preview.rows if "Thủ Dầu Một" in r.unit_label)
    assert (tdm.old_total, tdm.new_total, tdm.delta) == (
        Decimal("88.00"),
        Decimal("88.50"),
        Decimal("0.50"),
    )
    assert tdm.group_changes == {"MDHL": (Decimal("17.00"), Decimal("17.50"))}
    assert preview.rises[0].unit_label == tdm.unit_label
    assert preview.previous.status == SnapshotStatus.PUBLISHED
    # Nothing is visible until the admin publishes: the published ranking is still the old one.
    assert Snapshot.objects.get(pk=draft.snapshot_id).status == SnapshotStatus.DRAFT


def test_the_preview_page_shows_each_units_change_in_vietnamese(binh_duong, client):
    publish(validate(FIXTURES / "db" / "good-binh-duong.csv", binh_duong.province))
    draft = validate(FIXTURES / "db" / "good-binh-duong-correction.csv", binh_duong.province)
    client.force_login(get_user_model().objects.create_superuser("admin766", "a@example.org"))
    with translation.override("vi"):
        html = client.get(f"/uploads/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "88,00" in html and "88,50" in html
    assert "MDHL 17,00→17,50" in html


def test_discard_keeps_the_published_ranking(binh_duong, published_week):
    before = db_state()
    draft = validate(FIXTURES / "db" / "good-binh-duong.csv", binh_duong.province)
    discarded = services.upload_discard(upload_id=draft.pk)
    assert discarded.status == UploadStatus.DISCARDED
    assert Snapshot.objects.get(pk=draft.snapshot_id).status == SnapshotStatus.DISCARDED
    assert db_state()["published"] == before["published"]


def test_failed_publish_leaves_the_previous_snapshot(binh_duong, published_week, monkeypatch):
    before = db_state()["published"]
    draft = validate(FIXTURES / "db" / "good-binh-duong-correction.csv", binh_duong.province)

    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.snapshot_services, "snapshot_publish", explode)
    failed = publish(draft)
    assert failed.status == UploadStatus.FAILED
    # A sentence for the admin, never the exception's own text (that goes to the log).
    assert "disk full" not in failed.failure_reason
    assert (
        "ranking is unchanged" in failed.failure_reason or "không thay đổi" in failed.failure_reason
    )
    assert failed.failed_during == UploadStatus.PUBLISHING
    assert db_state()["published"] == before


def test_publish_is_idempotent(binh_duong, published_week):
    before = db_state()
    assert services.upload_publish(upload_id=published_week.pk).status == UploadStatus.PUBLISHED
    assert db_state() == before


# --- Every defect: rejected with its message, and no row changed anywhere -------------------

PARSE_DEFECTS = sorted(p.name for p in FIXTURES.glob("bad-*"))
# Defects that are warnings by design (DOMAIN §2: a published total may not add up).
WARNING_ONLY = {"bad-total-mismatch.csv", "bad-unknown-band.csv", "bad-group-blank.csv"}
DB_DEFECTS = {
    "bad-unknown-unit.csv": ("unknown_unit", "Thủ Dầu Một"),
    "bad-units-missing.csv": ("missing_units", "Phú Giáo"),
    "bad-same-unit-two-names.csv": ("duplicate_unit", "row 2"),
    "bad-unit-of-another-province.csv": ("unknown_unit", "Biên Hòa"),
}


@pytest.mark.parametrize("name", [n for n in PARSE_DEFECTS if n not in WARNING_ONLY])
def test_each_bad_file_is_rejected_and_changes_nothing(binh_duong, published_week, name):
    before = db_state()
    upload = validate(FIXTURES / name, binh_duong.province)
    assert upload.status == UploadStatus.REJECTED, upload.failure_reason
    assert upload.errors
    for error in upload.errors:
        assert error["message"].startswith(name)
        assert error["fix"]
    assert db_state() == before


@pytest.mark.parametrize("name", sorted(DB_DEFECTS))
def test_each_registry_defect_is_rejected_with_its_message(binh_duong, published_week, name):
    code, expected_text = DB_DEFECTS[name]
    before = db_state()
    upload = validate(FIXTURES / "db" / name, binh_duong.province)
    assert upload.status == UploadStatus.REJECTED
    assert [e["code"] for e in upload.errors] == [code]
    [error] = upload.errors
    assert expected_text in error["message"] + error["fix"]
    assert error["message"].startswith(name)
    assert db_state() == before


def test_portal_points_above_the_maximum_are_rejected_at_their_cell(
    binh_duong, published_week, tmp_path
):
    """Not a failed upload: the row parser names the cell, whichever path read the file."""
    lines = (DEMO / "di-an-phuong-chi-tieu-2025-05-20.csv").read_text("utf-8-sig").splitlines()
    k = next(i for i, line in enumerate(lines) if ";2.1;" in line and "Tân Bình" in line)
    cells = lines[k].split(";")
    cells[5] = "20,5"  # indicator 2.1 is out of 20 points
    lines[k] = ";".join(cells)
    path = tmp_path / "diem-cong-qua-lon.csv"
    path.write_text("\r\n".join(lines), "utf-8")
    before = db_state()
    upload = validate(path, binh_duong.di_an)
    assert upload.status == UploadStatus.REJECTED, upload.failure_reason
    [error] = upload.errors
    assert error["code"] == "above_max"
    assert (error["ref"]["row"], error["ref"]["column"], error["value"]) == (
        k + 1,
        "Điểm cổng",
        "20,5",
    )
    assert "indicator 2.1" in error["message"] and "20" in error["fix"]
    assert db_state() == before


def test_unknown_unit_suggests_the_closest_names(binh_duong):
    upload = validate(FIXTURES / "db" / "bad-unknown-unit.csv", binh_duong.province)
    [error] = upload.errors
    assert error["ref"]["row"] == 4
    assert "Thủ Dầu Mọt Mới" in error["message"]
    assert "Thành phố Thủ Dầu Một" in error["fix"]


def test_enough_distinct_defects_are_rejected():
    assert len([n for n in PARSE_DEFECTS if n not in WARNING_ONLY]) + len(DB_DEFECTS) >= 20


def test_validation_runs_with_the_cyclic_collector_paused_and_restores_it(binh_duong, monkeypatch):
    """A full collection in the middle of a national upload walks every object of the
    process (~50 ms): the bulk work runs with the collector paused, as the row parser does."""
    import gc

    seen = []
    for name in ("validate_upload_bytes", "_draft_snapshot_from"):
        original = getattr(services, name)

        def spy(*args, _original=original, **kwargs):
            seen.append(gc.isenabled())
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, spy)
    upload = validate(DEMO / "di-an-phuong-chi-tieu-2025-05-20.csv", binh_duong.di_an)
    assert upload.status == UploadStatus.PREVIEWED
    assert seen == [False, False]
    assert gc.isenabled()


# --- The command line -----------------------------------------------------------------------


def test_cli_dry_run_changes_nothing(binh_duong, capsys):
    before = db_state()
    uploads = Upload.objects.count()
    call_command(
        "ingest",
        str(DEMO / "binh-duong-cap-huyen-2025-05-20.csv"),
        "--scope",
        "Bình Dương",
        "--as-of",
        "2025-05-20",
        "--period",
        "year",
        "--dry-run",
    )
    out = capsys.readouterr().out
    assert "Dry run" in out
    assert "TP. Dĩ An" in out
    assert db_state() == before
    assert Upload.objects.count() == uploads


def test_cli_publishes(binh_duong, capsys):
    call_command(
        "ingest",
        str(DEMO / "binh-duong-cap-huyen-2025-05-20.csv"),
        "--scope",
        "Bình Dương",
        "--as-of",
        "2025-05-20",
        "--period",
        "year",
        "--publish",
    )
    assert "Published snapshot" in capsys.readouterr().out
    assert Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).count() == 1


def test_cli_exits_2_with_the_errors_of_a_bad_file(binh_duong, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "ingest",
            str(FIXTURES / "db" / "bad-unknown-unit.csv"),
            "--scope",
            "Bình Dương",
            "--as-of",
            "2025-05-20",
            "--period",
            "year",
        )
    assert exit_info.value.code == 2
    assert "Thủ Dầu Mọt Mới" in capsys.readouterr().err


def test_leaderboard_command_takes_the_province_for_a_shared_name(
    binh_duong, published_week, capsys
):
    from tests.units.factories import DistrictFactory, OldCommuneFactory

    # A commune elsewhere shares the province's name, as xã Bình Dương (Gia Bình) does.
    OldCommuneFactory(name="Bình Dương", parent=DistrictFactory(parent=binh_duong.other_province))
    call_command("leaderboard", "--scope", "Bình Dương", "--as-of", "2025-05-20", "--format", "csv")
    out = capsys.readouterr().out
    assert "Dĩ An" in out and "92.00" in out
