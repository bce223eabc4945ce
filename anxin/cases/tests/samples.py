"""Samples of the case resource for the permission-matrix test (anxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from anxin.org.models import User
from anxin.testing import Cast, place_class

from ..models import Case
from ..policy import policy_for


def _case_at(cast: Cast, place: str, owner: User | None = None) -> Case:
    school = place_class(cast, place).school
    owner = owner or User.objects.create(username=f"case_sample_{place}", full_name=f"经办样本{place}")
    now = timezone.now()
    return Case.objects.create(
        school=school,
        number=f"S-{place}-{owner.pk}",
        title="样本案件",
        owner=owner,
        opened_by=owner,
        opened_at=now,
        opened_on=now.date(),
        policy=policy_for(school),
    )


SAMPLES: dict[str, Any] = {"case": _case_at}
OWNED_SAMPLES: dict[str, Any] = {"case": lambda cast, user: _case_at(cast, "a1", user)}
SCHOOL_LEVEL = {"case"}
