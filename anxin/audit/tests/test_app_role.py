"""The two-role setup of docs/deployment.md: the application's PostgreSQL role may read and append to
the audit trail, and nothing else on it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection, transaction

from anxin.audit.grants import grants_sql
from anxin.audit.models import AuditEvent
from anxin.audit.services import audit_record, audit_verify
from anxin.org.services import student_update
from anxin.testing import Cast

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = [
    "UPDATE audit_auditevent SET action = 'forged'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
    "DROP TRIGGER audit_event_append_only ON audit_auditevent",
    "UPDATE django_migrations SET name = name",
]


@pytest.fixture
def app_role() -> Iterator[tuple[str, str]]:
    """A login role with exactly the documented grants; dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL only: SQLite has no roles or grants (its append-only triggers are the guard there)"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the test database role may not create roles (needs CREATEROLE)")
        name = f"anxin_app_test_{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(16)
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
        cursor.execute(f"GRANT {name} TO CURRENT_USER")  # so that this session may SET ROLE to it
        for statement in grants_sql(name).splitlines():
            if statement and not statement.startswith("--"):
                cursor.execute(statement)
    try:
        yield name, password
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute(f"DROP OWNED BY {name}")
            cursor.execute(f"DROP ROLE {name}")


def test_app_role_cannot_change_delete_truncate_or_unguard_the_audit_trail(
    app_role: tuple[str, str], cast_tx: Cast
) -> None:
    import psycopg

    name, password = app_role
    s = connection.settings_dict
    before = AuditEvent.objects.count()
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, dbname=s["NAME"], user=name, password=password
    ) as app:
        app.autocommit = True
        assert app.execute("SELECT current_user").fetchone() == (name,)
        assert app.execute("SELECT count(*) FROM audit_auditevent").fetchone() == (before,)
        for sql in REFUSED:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(sql)
    assert AuditEvent.objects.count() == before
    assert audit_verify().ok is True


def test_app_role_appends_through_audit_record_and_writes_elsewhere(
    app_role: tuple[str, str], cast_tx: Cast
) -> None:
    name, _password = app_role
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {name}")
        # An ordinary service write: its own table (UPDATE) and its audit event (INSERT) both succeed.
        student_update(actor=cast_tx.users["principal"], student=cast_tx.student_a1, boarder=True)
        event = audit_record(actor=None, action="app_role.append")
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="forged")
        assert audit_verify().ok is True
    assert AuditEvent.objects.filter(action="student.changed", subject_id=str(cast_tx.student_a1.pk)).exists()
    assert AuditEvent.objects.latest("seq").action == "app_role.append"


def test_deploy_check_warns_unless_the_role_is_the_restricted_one(app_role: tuple[str, str]) -> None:
    from anxin.audit.checks import audit_role_is_append_only

    name, _password = app_role
    warned = audit_role_is_append_only(databases=["default"])
    assert [m.id for m in warned] == ["anxin.audit.W001"]  # the tests connect as the owner
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {name}")
        assert audit_role_is_append_only(databases=["default"]) == []
