"""Guardians' names and phones and key-group reasons are encrypted at rest, readable by carers."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.org import services
from anxin.org.models import Guardian, KeyGroupFlag

pytestmark = pytest.mark.django_db

PHONE, GUARDIAN, REASON = "13800000001", "李奶奶", "父母在外务工，随祖母生活"  # the cast's (anxin.testing)


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_guardian_name_and_phone_are_not_stored_in_plaintext(cast):
    names, phones = _raw("org_guardian", "name"), _raw("org_guardian", "phone")
    assert len(phones) == 1
    assert GUARDIAN not in names[0] and PHONE not in phones[0] and "1380000" not in phones[0]
    assert Guardian.objects.get().phone == PHONE


def test_key_group_reason_is_not_stored_in_plaintext(cast):
    (reason,) = _raw("org_keygroupflag", "reason")
    assert REASON not in reason and "务工" not in reason
    assert KeyGroupFlag.objects.get().reason == REASON


def test_the_class_teacher_still_reads_them_and_a_safety_officer_does_not(cast, login):
    url = reverse("org:student", args=[cast.student_a1.pk])
    page = login(cast.users["class_teacher"]).get(url).content.decode()
    assert PHONE in page and GUARDIAN in page and REASON in page
    body = login(cast.users["class_teacher"]).get(f"/api/org/students/{cast.student_a1.pk}").json()
    assert body["guardians"][0]["phone"] == PHONE and body["key_groups"][0]["reason"] == REASON
    page = login(cast.users["safety_officer"]).get(url).content.decode()
    assert PHONE not in page and REASON not in page
    assert login(cast.outsider).get(url).status_code == 404


def test_the_audit_trail_does_not_copy_the_key_group_reason(cast):
    services.student_key_group_set(
        actor=None, student=cast.student_a1, group="left_behind", reason="父亲服刑"
    )
    events = AuditEvent.objects.filter(action="student.key_group_set")
    assert events.count() == 2
    dumped = json.dumps([[e.before, e.after] for e in events], ensure_ascii=False, default=str)
    assert REASON not in dumped and "服刑" not in dumped
    assert events.order_by("pk").last().after["reason_changed"] is True


def test_an_overlong_reason_is_refused_now_that_the_column_has_no_limit(cast):
    from anxin.core.errors import Invalid

    with pytest.raises(Invalid) as exc:
        services.student_key_group_set(
            actor=None, student=cast.student_a1, group="hardship", reason="很" * 201
        )
    assert exc.value.code == "reason_too_long"
    assert not KeyGroupFlag.objects.filter(group="hardship").exists()
