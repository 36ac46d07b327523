"""Bình Dương's wards published on two dates, and one user per role that actions involve."""

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Role
from accounts.services import membership_grant
from ingest import services as ingest_services

ROOT = Path(__file__).resolve().parents[2]
BEFORE = datetime.date(2025, 5, 13)
AFTER = datetime.date(2025, 5, 20)


def publish(name: str, scope, as_of: datetime.date):
    upload, _ = ingest_services.upload_receive(
        data=(ROOT / "demo" / name).read_bytes(),
        filename=name,
        scope=scope,
        as_of=as_of,
        period="ytd",
        enqueue=False,
    )
    upload = ingest_services.upload_validate(upload_id=upload.pk)
    ingest_services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    return ingest_services.upload_publish(upload_id=upload.pk).snapshot


@pytest.fixture
def wards_week(binh_duong):
    """Dĩ An's wards and Bình Dương's districts published on 13 May; users of every role."""
    w = SimpleNamespace(**vars(binh_duong))
    w.snapshot = publish("di-an-phuong-2025-05-13.csv", w.di_an, BEFORE)
    w.districts_snapshot = publish("binh-duong-cap-huyen-2025-05-13.csv", w.province, BEFORE)
    User = get_user_model()
    w.users = {}
    for name, role, unit in [
        ("staff_bd", Role.PROVINCIAL_STAFF, w.province),
        ("staff_dn", Role.PROVINCIAL_STAFF, w.other_province),
        ("admin_bd", Role.DATA_ADMIN, w.province),
        ("chair_dian", Role.UNIT_CHAIR, w.di_an),
        ("chair_tanbinh", Role.UNIT_CHAIR, w.wards["Tân Bình"]),
        ("chair_anbinh", Role.UNIT_CHAIR, w.wards["An Bình"]),
    ]:
        w.users[name] = User.objects.create_user(name, password="x" * 20)
        membership_grant(user=w.users[name], unit=unit, role=role)
    return w


def publish_next_week(w):
    """Publish the wards' 20 May table (the figures an action is judged by)."""
    return publish("di-an-phuong-2025-05-20.csv", w.di_an, AFTER)
