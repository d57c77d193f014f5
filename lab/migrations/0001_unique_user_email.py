"""One account per email address, held by the database: a unique index on the lower-cased
address (blank addresses excepted), so parallel sign-ups cannot all pass the check.

The lab stores addresses normalised (NFKC + casefold, lab/accounts/normalize.py); the
index's ``lower()`` also folds ASCII case for rows written by other paths (admin,
createsuperuser). An expression index with a WHERE clause: SQLite and PostgreSQL both
have them, in the same syntax.
"""

from django.conf import settings
from django.db import migrations

INDEX = "authlab_user_email_lower_uniq"


def table(apps) -> str:
    """The user model's table (auth_user unless AUTH_USER_MODEL says otherwise)."""
    return apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table


def create_index(apps, schema_editor) -> None:
    """CREATE UNIQUE INDEX ... ON <users> (lower(email)) WHERE email <> ''."""
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE UNIQUE INDEX {quote(INDEX)} ON {quote(table(apps))} "
        f"(lower({quote('email')})) WHERE {quote('email')} <> ''"
    )


def drop_index(apps, schema_editor) -> None:
    """Undo :func:`create_index`."""
    schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [migrations.RunPython(create_index, drop_index)]
