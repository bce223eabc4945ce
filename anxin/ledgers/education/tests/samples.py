"""Samples of this area's resources for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from anxin.org.models import User
from anxin.testing import Cast, place_class


def _author() -> User:
    user, _created = User.objects.get_or_create(username="sample_edu_author", defaults={"full_name": "样本"})
    return user


def _session(cast: Cast, place: str) -> Any:
    from anxin.ledgers.education.models import SafetySession

    klass = place_class(cast, place)
    return SafetySession.objects.create(
        school=klass.school,
        klass=klass,
        recorded_by=_author(),
        date=date(2026, 9, 7),
        kind="1min",
        client_key=uuid.uuid4(),
    )


def _meeting(cast: Cast, place: str) -> Any:
    from anxin.ledgers.education.models import ClassMeeting

    klass = place_class(cast, place)
    return ClassMeeting.objects.create(
        school=klass.school, klass=klass, recorded_by=_author(), date=date(2026, 9, 7), topic="拒绝欺凌"
    )


def _activity(cast: Cast, place: str) -> Any:
    from anxin.ledgers.education.models import EduActivity

    return EduActivity.objects.create(
        school=place_class(cast, place).school,
        recorded_by=_author(),
        type="lecture",
        date=date(2026, 9, 7),
        title="法治讲座",
    )


def _document(cast: Cast, place: str) -> Any:
    from anxin.ledgers.education.models import Document

    document, _created = Document.objects.get_or_create(school=place_class(cast, place).school, kind="plan")
    return document


SAMPLES: dict = {
    "ledger_1530": _session,
    "ledger_class_meeting": _meeting,
    "ledger_edu_activity": _activity,
    "ledger_edu_document": _document,
}
OWNED_SAMPLES: dict = {}
SCHOOL_LEVEL = {"ledger_edu_activity", "ledger_edu_document"}
