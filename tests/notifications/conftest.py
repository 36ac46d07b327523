"""Fixtures of the notification tests: the default rules, a week that moves, users per role."""

import datetime
import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.models import Role
from accounts.services import membership_grant
from ingest import services as ingest_services
from notifications.models import Notification

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo"
WEEK = datetime.date(2025, 5, 20)
NEXT_WEEK = datetime.date(2025, 5, 27)

# 27 May (synthetic): Thủ Dầu Một and Tân Uyên pass Thuận An, which keeps its 20 May figures
# and falls from 2nd to 4th; nobody else loses a place.
NEXT_WEEK_CSV = """STT;Mã đơn vị;Đơn vị;Công khai, minh bạch (18 điểm);Tiến độ giải quyết (20 điểm);Dịch vụ công trực tuyến (12 điểm);Thanh toán trực tuyến (10 điểm);Số hóa hồ sơ (22 điểm);Mức độ hài lòng (18 điểm);Tổng điểm;Xếp loại
1;;UBND Thành phố Dĩ An;18;19,2;8,5;8,5;19,2;18;92;Xuất sắc
2;;UBND Thành phố Thủ Dầu Một;14,61;18,49;10,65;9,33;19,89;16,98;89,95;Tốt
3;;UBND Thành phố Tân Uyên;16,49;18,33;11,01;8,76;19,07;16,24;89,9;Tốt
4;;UBND Thành phố Thuận An;16,45;18,24;11,2;8,31;19,7;15,97;89,87;Tốt
5;;UBND Thành phố Bến Cát;16,15;17,39;9,33;8,76;18,74;15,29;85,66;Tốt
6;;UBND Huyện Bàu Bàng;13,77;16,57;10,94;8,76;16,91;16,23;83,18;Tốt
7;;UBND Huyện Bắc Tân Uyên;14,45;16,38;10,19;7,83;18,65;14,43;81,93;Tốt
8;;UBND Huyện Dầu Tiếng;14,04;17,82;9,28;7,94;17,2;14,33;80,61;Tốt
9;;UBND Huyện Phú Giáo;15,23;15,81;9,4;7,17;18,53;12,8;78,94;Khá
"""


@pytest.fixture(autouse=True)
def alert_rules(db):
    """The default rules of the data migration (transactional tests elsewhere flush them)."""
    for name in ("0002_default_rules", "0003_overdue_action"):
        importlib.import_module(f"notifications.migrations.{name}").create(apps, None)


def publish(data: bytes, scope, as_of: datetime.date, name: str = "export.csv"):
    """Receive, validate and publish an export through the ingest services; the upload."""
    upload, _ = ingest_services.upload_receive(
        data=data, filename=name, scope=scope, as_of=as_of, period="ytd", enqueue=False
    )
    upload = ingest_services.upload_validate(upload_id=upload.pk)
    ingest_services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    upload = ingest_services.upload_publish(upload_id=upload.pk)
    assert upload.status == "published", (upload.errors, upload.failure_reason)
    return upload


def demo_file(name: str) -> bytes:
    return (DEMO / name).read_bytes()


@pytest.fixture
def people(binh_duong):
    """One user per role around Bình Dương, each with an address."""
    w = binh_duong
    User = get_user_model()
    spec = {
        "canbo": (Role.PROVINCIAL_STAFF, w.province),
        "quantri": (Role.DATA_ADMIN, w.province),
        "chutich.thuanan": (Role.UNIT_CHAIR, w.districts["Thuận An"]),
        "chutich.dian": (Role.UNIT_CHAIR, w.di_an),
        "chutich.tanbinh": (Role.UNIT_CHAIR, w.wards["Tân Bình"]),
        "canbo.dongnai": (Role.PROVINCIAL_STAFF, w.other_province),
    }
    users = {}
    for name, (role, unit) in spec.items():
        users[name] = User.objects.create_user(name, f"{name}@example.org", "x" * 20)
        membership_grant(user=users[name], unit=unit, role=role)
    return users


@pytest.fixture
def moved_week(binh_duong, people, django_capture_on_commit_callbacks, eager_tasks, settings):
    """20 May published, then 27 May in which Thuận An falls from 2nd to 4th."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = binh_duong
    with django_capture_on_commit_callbacks(execute=True):
        publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), w.province, WEEK)
    before = {
        name: set(Notification.objects.filter(user=u).values_list("pk", flat=True))
        for name, u in people.items()
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        upload = publish(NEXT_WEEK_CSV.encode(), w.province, NEXT_WEEK)
    return upload, before
