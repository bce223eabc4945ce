from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from anxin.ledgers.base import parse_written_at
from anxin.ledgers.patrol.models import DormRound

pytestmark = pytest.mark.django_db


def _dorm_form(cast) -> dict:  # noqa: ANN001
    return {
        "school": cast.school.pk,
        "building": "2号楼",
        "floor": "3",
        "expected": 40,
        "present": 40,
        "client_key": "6f1c2a4e-0000-4000-8000-000000000001",
    }


def test_an_entry_kept_offline_keeps_the_time_it_was_written(cast, login):
    written = timezone.now() - timedelta(hours=7, minutes=30)
    client = login(cast.users["dorm_staff"])
    response = client.post(
        "/ledgers/patrol/dorm/new/", _dorm_form(cast), HTTP_X_ANXIN_WRITTEN_AT=written.isoformat()
    )
    assert response.status_code in (200, 302)
    entry = DormRound.objects.get()
    assert abs((entry.recorded_at - written).total_seconds()) < 1


def test_a_time_in_the_future_or_long_ago_is_ignored(cast, login):
    client = login(cast.users["dorm_staff"])
    too_old = (timezone.now() - timedelta(days=10)).isoformat()
    client.post("/ledgers/patrol/dorm/new/", _dorm_form(cast), HTTP_X_ANXIN_WRITTEN_AT=too_old)
    assert timezone.now() - DormRound.objects.get().recorded_at < timedelta(minutes=1)


@pytest.mark.parametrize(
    "raw", ["", "yesterday", "2026-11-28T10:00:00", "9999-01-01T00:00:00+08:00", "x" * 100]
)
def test_bad_written_at_headers_are_ignored(raw):
    assert parse_written_at(raw) is None
