"""Tokens issued in clear by the earlier scheme keep working, hashed, and the clear table goes."""

import importlib
import secrets

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEvent

migration = importlib.import_module("accounts.migrations.0004_hash_plain_drf_tokens")


def _old_table_with(user, key):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
            "user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, CURRENT_TIMESTAMP, %s)",
            [key, user.pk],
        )


@pytest.mark.django_db(transaction=True)  # SQLite alters its schema outside a transaction
def test_a_plain_token_is_hashed_keeps_working_and_its_clear_copy_is_dropped():
    user = get_user_model().objects.create_user("cu", password="a-long-test-password-766")
    key = secrets.token_hex(20)  # DRF's format: 40 hex characters
    _old_table_with(user, key)
    with connection.schema_editor() as editor:
        migration.hash_plain_tokens(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    row = ApiToken.objects.get(user=user)
    assert key not in (row.digest, row.token_key) and row.client == "migrated"
    assert row.expiry is not None  # rotated once it runs out, like any other token
    assert AuditEvent.objects.filter(action="token_created", detail__token_key=row.token_key)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").json()["username"] == "cu"
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {key[:-1]}0" if key[-1] != "0" else f"Token {key[:-1]}1"
    )
    assert api.get("/api/v1/me/").status_code == 401


@pytest.mark.django_db(transaction=True)  # SQLite alters its schema outside a transaction
def test_a_database_without_the_old_table_is_left_alone():
    with connection.schema_editor() as editor:
        migration.hash_plain_tokens(apps, editor)
    assert not ApiToken.objects.exists()
