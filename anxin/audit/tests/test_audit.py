from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from anxin.audit.models import AppendOnlyError, AuditEvent
from anxin.audit.services import audit_record, audit_verify
from anxin.org.services import student_update
from anxin.testing import Cast, Login

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list[str | int] | None = None) -> None:
    """Tamper as someone with database rights would: drop the guard triggers, then edit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks queued in the test's transaction block ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        cursor.execute(sql, params or [])


def test_every_service_write_leaves_one_event_in_its_transaction(cast: Cast) -> None:
    before = AuditEvent.objects.count()
    student_update(actor=cast.users["principal"], student=cast.student_a1, boarder=True)
    event = AuditEvent.objects.latest("seq")
    assert AuditEvent.objects.count() == before + 1
    assert event.action == "student.changed"
    assert event.actor == cast.users["principal"]
    assert event.before is not None and event.after is not None
    assert event.before["boarder"] is False and event.after["boarder"] is True
    assert event.unit_path == cast.class_a1.path
    # The label is masked: the audit list must not spread children's names.
    assert event.subject_label == "李*雨"


def test_a_failed_write_leaves_no_event(cast: Cast) -> None:
    from anxin.core.errors import ServiceError

    before = AuditEvent.objects.count()
    with pytest.raises(ServiceError):
        student_update(actor=cast.users["principal"], student=cast.student_a1, student_no="A2001")
    assert AuditEvent.objects.count() == before


def test_opening_a_student_profile_is_audited(cast: Cast, login: Login) -> None:
    client = login(cast.users["class_teacher"])
    response = client.get(f"/org/students/{cast.student_a1.pk}/", HTTP_X_REQUEST_ID="req-test-12345")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="student.viewed").latest("seq")
    assert event.actor == cast.users["class_teacher"]
    assert event.subject_id == str(cast.student_a1.pk)
    assert event.request_id == "req-test-12345"
    assert response["X-Request-ID"] == "req-test-12345"


def test_chain_verifies_when_untouched(cast: Cast) -> None:
    result = audit_verify()
    assert result.ok is True
    assert result.checked == AuditEvent.objects.count() > 10
    call_command("audit", "verify")


def test_orm_refuses_to_change_or_delete_events(cast: Cast) -> None:
    event = AuditEvent.objects.latest("at", "seq")
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_database_refuses_update_without_tampering(cast: Cast) -> None:
    from django.db import DatabaseError, transaction

    event = AuditEvent.objects.order_by("seq")[3]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")


def test_verify_names_the_first_changed_event(cast: Cast, capsys: pytest.CaptureFixture[str]) -> None:
    victim = AuditEvent.objects.order_by("seq")[5]
    later = AuditEvent.objects.order_by("seq")[9]
    _raw("UPDATE audit_auditevent SET after = %s WHERE id IN (%s, %s)", ['{"x": 1}', victim.pk, later.pk])
    result = audit_verify()
    assert result.ok is False
    assert result.broken_seq == victim.seq
    assert result.reason == "content"
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify")
    assert f"#{victim.seq}" in str(exc.value)
    assert exc.value.returncode != 0


def test_verify_detects_a_deleted_event(cast: Cast) -> None:
    victim = AuditEvent.objects.order_by("seq")[4]
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    result = audit_verify()
    assert result.ok is False
    assert result.broken_seq == victim.seq
    assert result.reason == "missing"


def test_verify_with_a_checkpoint_detects_a_deleted_tail(cast: Cast, tmp_path: Path) -> None:
    """The head is the last event: a deleted tail shows only against a checkpoint taken before."""
    from anxin.audit.checkpoints import read_checkpoints
    from anxin.audit.services import audit_checkpoint

    path = tmp_path / "checkpoints.log"
    audit_checkpoint(path=path)
    last = AuditEvent.objects.latest("seq")
    _raw("DELETE FROM audit_auditevent WHERE seq >= %s", [last.seq - 1])
    result = audit_verify(checkpoints=read_checkpoints(path))
    assert result.ok is False
    assert result.reason == "checkpoint_missing"
    assert result.broken_seq == last.seq - 1


def test_verify_detects_a_rehashed_forgery(cast: Cast) -> None:
    """Changing an event and recomputing its own hash still breaks the next link."""
    victim = AuditEvent.objects.order_by("seq")[2]
    victim.action = "forged"
    new_hash = victim.compute_hash()
    _raw("UPDATE audit_auditevent SET action = %s, hash = %s WHERE id = %s", ["forged", new_hash, victim.pk])
    result = audit_verify()
    assert result.ok is False
    assert result.broken_seq == victim.seq + 1
    assert result.reason == "link"


def test_audit_page_shows_only_the_callers_scope(cast: Cast, login: Login) -> None:
    audit_record(actor=None, action="sample.school_c", unit=cast.school_c, subject=cast.school_c)
    audit_record(actor=None, action="sample.school_a", unit=cast.school, subject=cast.school)
    client = login(cast.users["principal"])
    page = client.get("/audit/?action=sample.")
    assert page.status_code == 200
    assert "sample.school_a" in page.content.decode()
    assert "sample.school_c" not in page.content.decode()
    county = login(cast.users["county_admin"]).get("/audit/?action=sample.")
    assert "sample.school_a" in county.content.decode()
    assert "sample.school_c" not in county.content.decode()


def test_audit_page_is_404_for_roles_without_it(cast: Cast, login: Login) -> None:
    assert login(cast.users["class_teacher"]).get("/audit/").status_code == 404


def test_audit_page_bad_filter_is_not_an_error(cast: Cast, login: Login) -> None:
    response = login(cast.users["principal"]).get("/audit/?date_from=not-a-date&page=abc")
    assert response.status_code == 200


def test_audit_api_is_scoped(cast: Cast, login: Login) -> None:
    audit_record(actor=None, action="sample.school_c", unit=cast.school_c, subject=cast.school_c)
    body = login(cast.users["principal"]).get("/api/audit/events?action=sample.").json()
    assert body["count"] == 0
    body = login(cast.users["city_admin"]).get("/api/audit/events?action=sample.").json()
    assert body["count"] == 1


def test_audit_page_names_events_in_chinese_and_filters_by_a_chosen_event(cast: Cast, login: Login) -> None:
    audit_record(actor=None, action="case.opened_new", unit=cast.school, subject=cast.school)
    audit_record(actor=None, action="case.viewed", unit=cast.school, subject=cast.school)
    audit_record(actor=None, action="case.determine", unit=cast.school, subject=cast.school)
    client = login(cast.users["principal"])
    page = client.get("/audit/").content.decode()
    # A procedure step is named by the case workflow's own table.
    assert 'title="case.determine">委员会认定</span>' in page
    assert '<option value="case.opened_new">立案</option>' in page
    assert 'title="case.opened_new">立案</span>' in page
    # Choosing viewing does not list creations.
    viewed = client.get("/audit/?action=case.viewed").content.decode()
    assert 'title="case.viewed">查看案件</span>' in viewed and 'title="case.opened_new"' not in viewed
    assert client.get("/audit/?action=%3Cscript%3E").status_code == 200
    # A dotted prefix still filters, and together with the other filters.
    assert 'title="case.determine"' in client.get("/audit/?action=case").content.decode()
    later = client.get("/audit/?action=case.viewed&date_from=2099-01-01").content.decode()
    assert 'data-testid="audit-row"' not in later


def test_a_case_view_written_case_opened_before_the_rename_still_shows_and_is_found_as_viewing(
    cast: Cast, login: Login
) -> None:
    # The trail is append-only: views written before case.viewed existed keep the name case.opened.
    old = audit_record(actor=None, action="case.opened", unit=cast.school, subject=cast.school)
    new = audit_record(actor=None, action="case.viewed", unit=cast.school, subject=cast.school)
    audit_record(actor=None, action="case.opened_new", unit=cast.school, subject=cast.school)
    client = login(cast.users["principal"])
    page = client.get("/audit/").content.decode()
    assert 'title="case.opened">查看案件</span>' in page and 'title="case.viewed">查看案件</span>' in page
    # The filter offers viewing once, and choosing it (or the old name, from an old link) finds both.
    assert page.count(">查看案件</option>") == 1 and '<option value="case.viewed">查看案件</option>' in page
    for chosen in ("case.viewed", "case.opened"):
        rows = client.get(f"/audit/?action={chosen}").content.decode()
        assert rows.count('data-testid="audit-row"') == 2, chosen
        assert 'title="case.opened_new"' not in rows
    found = login(cast.users["city_admin"]).get("/api/audit/events?action=case.viewed").json()
    assert {item["id"] for item in found["items"]} == {old.pk, new.pk}
