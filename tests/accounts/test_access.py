"""The access layer and the accounts' side effects: roles, audit log, login hardening."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings

from accounts.access import access_for_user
from accounts.models import AuditAction, AuditEvent, Membership, Role
from accounts.services import membership_grant, membership_revoke
from tests.units.factories import DistrictFactory

User = get_user_model()


def user_with(name, role=None, unit=None, **extra):
    user = User.objects.create_user(username=name, password="a-long-test-password-766", **extra)
    if role:
        membership_grant(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def people(binh_duong):
    other_district = DistrictFactory(name="Biên Hòa", parent=binh_duong.other_province)
    return {
        "staff": user_with("staff", Role.PROVINCIAL_STAFF, binh_duong.province),
        "other_staff": user_with("other", Role.PROVINCIAL_STAFF, binh_duong.other_province),
        "chair": user_with("chair", Role.UNIT_CHAIR, binh_duong.wards["Tân Bình"]),
        "admin": user_with("admin", Role.DATA_ADMIN, binh_duong.province),
        "nobody": user_with("nobody"),
        "root": User.objects.create_superuser(
            "root", "root@example.org", "a-long-test-password-766"
        ),
        "other_district": other_district,
    }


def test_provincial_staff_reads_the_province_subtree_only(binh_duong, people):
    access = access_for_user(people["staff"])
    assert access.can_read_unit(binh_duong.wards["An Bình"])
    assert access.can_read_unit(binh_duong.di_an)
    assert access.can_read_scope(binh_duong.province)
    assert access.can_read_scope(binh_duong.vn)  # the national ranking of provinces
    assert not access.can_read_unit(people["other_district"])
    assert not access.can_upload(binh_duong.province)


def test_chair_reads_only_their_own_unit(binh_duong, people):
    access = access_for_user(people["chair"])
    assert access.can_read_unit(binh_duong.wards["Tân Bình"])
    assert not access.can_read_unit(binh_duong.wards["An Bình"])
    assert not access.can_read_unit(binh_duong.di_an)
    assert not access.can_read_scope(binh_duong.di_an)
    assert not access.can_read_scope(binh_duong.vn)
    peers = {w.pk for w in binh_duong.wards.values()}
    assert access.can_read_peer_set(binh_duong.di_an, peers)
    assert not access.can_read_peer_set(
        binh_duong.province, {d.pk for d in binh_duong.districts.values()}
    )


def test_data_admin_uploads_for_their_province_only(binh_duong, people):
    access = access_for_user(people["admin"])
    assert access.can_upload(binh_duong.province)
    assert access.can_upload(binh_duong.di_an)
    assert not access.can_upload(binh_duong.other_province)


def test_no_role_and_superuser(binh_duong, people):
    assert not access_for_user(people["nobody"]).sees_anything
    root = access_for_user(people["root"])
    assert root.can_read_unit(people["other_district"]) and root.can_upload(
        binh_duong.other_province
    )


def test_units_q_filters_in_one_query(binh_duong, people, django_assert_num_queries):
    from units.models import AdministrativeUnit

    access = access_for_user(people["staff"])
    with django_assert_num_queries(1):
        visible = set(
            AdministrativeUnit.objects.filter(access.units_q()).values_list("pk", flat=True)
        )
    assert binh_duong.wards["An Bình"].pk in visible
    assert people["other_district"].pk not in visible


def test_merged_province_staff_read_their_predecessors(binh_duong):
    from tests.units.factories import LineageLinkFactory, ProvinceFactory
    from units.models import REFORM_2025, UnitKind

    hcmc = ProvinceFactory(name="Hồ Chí Minh", kind=UnitKind.CENTRAL_CITY)
    LineageLinkFactory(predecessor=binh_duong.province, successor=hcmc, effective_date=REFORM_2025)
    staff = user_with("hcmc", Role.PROVINCIAL_STAFF, hcmc)
    assert access_for_user(staff).can_read_unit(binh_duong.wards["Tân Bình"])


def test_grant_command_and_audit(binh_duong, people, capsys):
    call_command("grant", "nobody", "unit_chair", "Tân Bình", "--as-of", "2025-05-20")
    assert Membership.objects.filter(user=people["nobody"], role=Role.UNIT_CHAIR).exists()
    assert "granted" in capsys.readouterr().out
    assert AuditEvent.objects.filter(
        action=AuditAction.ROLE_GRANTED, target__contains="nobody"
    ).exists()
    call_command("grant", "nobody", "unit_chair", "Tân Bình", "--as-of", "2025-05-20")
    assert Membership.objects.filter(user=people["nobody"]).count() == 1


def test_revoke_is_audited(binh_duong, people):
    membership = Membership.objects.get(user=people["chair"])
    membership_revoke(membership=membership)
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REVOKED).exists()
    assert not Membership.objects.filter(user=people["chair"]).exists()


def test_audit_log_is_append_only(db):
    event = AuditEvent.objects.create(action=AuditAction.LOGIN, actor_username="x")
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.update(target="rewritten")


def test_logins_and_failures_are_audited_with_their_address(client, people):
    client.post(
        "/accounts/login/", {"username": "staff", "password": "wrong"}, REMOTE_ADDR="10.1.2.3"
    )
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (failed.actor_username, failed.ip_address) == ("staff", "10.1.2.3")
    response = client.post(
        "/accounts/login/", {"username": "staff", "password": "a-long-test-password-766"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=people["staff"]).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_out(client, people):
    for _ in range(3):
        client.post("/accounts/login/", {"username": "staff", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "staff", "password": "a-long-test-password-766"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).exists()


@pytest.mark.real_hashers
def test_passwords_are_hashed_with_argon2(db):
    user = User.objects.create_user(username="hashed", password="a-long-test-password-766")
    assert user.password.startswith("argon2")


def test_password_reset_sends_an_email(client, people):
    people["staff"].email = "staff@example.org"
    people["staff"].save()
    response = client.post("/accounts/password/reset/", {"email": "staff@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_password_change_needs_login(client, people):
    assert client.get("/accounts/password/change/").status_code == 302
    client.force_login(people["staff"])
    assert client.get("/accounts/password/change/").status_code == 200
