"""Carry API tokens of the earlier plain-text scheme (DRF's authtoken) over to hashed tokens.

Deployments before this release issued `rest_framework.authtoken` tokens, stored in clear in
`authtoken_token`. Each one becomes an `ApiToken` holding only its digest (knox accepts any
token string whose key prefix and digest match), so the clients keep working until the token
expires after API_TOKEN_DAYS and are rotated then; the clear table is dropped. Audited, one
event per token. A database that never had the old table is left as it is.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"
CLIENT = "migrated"


def hash_plain_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    expiry = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {OLD_TABLE}")  # noqa: S608 - a constant
        rows = cursor.fetchall()
    for key, user_id in rows:
        # Saved as a plain row: knox's manager would issue a new random token instead.
        row = ApiToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            client=CLIENT,
            expiry=expiry,
        )
        row.save(force_insert=True)
        AuditEvent.objects.create(
            actor_username="migration",
            action="token_created",
            target=f"user {user_id} · {CLIENT}",
            detail={
                "user": user_id,
                "client": CLIENT,
                "token_key": row.token_key,
                "from": OLD_TABLE,
            },
        )
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_api_tokens")]

    # Irreversible by nature: the clear tokens are gone, which is the point.
    operations = [migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop)]
