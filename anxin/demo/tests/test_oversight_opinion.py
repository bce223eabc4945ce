from __future__ import annotations

from io import StringIO

import pytest

from anxin.cases.tests.helpers import open_case
from anxin.core.models import Notification
from anxin.demo import oversight_opinion
from anxin.oversight.opinion.models import OpinionEvent, Status
from anxin.oversight.reports.models import ReportArchive
from anxin.testing import Cast

pytestmark = pytest.mark.django_db


def test_three_events_one_overdue_and_last_months_report(cast: Cast) -> None:
    case = open_case(cast)
    out = StringIO()
    oversight_opinion.build(out)
    events = list(OpinionEvent.objects.order_by("first_seen"))
    assert [e.status for e in events] == [Status.CLOSED, Status.NEW, Status.VERIFIED]
    assert events[0].case == case
    overdue = events[1]
    assert overdue.overdue_notified_at is not None
    assert Notification.objects.filter(
        subject_key=f"opinion_overdue:{overdue.pk}", user=cast.users["county_admin"]
    ).exists()
    assert ReportArchive.objects.filter(unit=cast.county, kind="monthly", generated_by=None).exists()
    assert "舆情登记" in out.getvalue()
    oversight_opinion.build(StringIO())  # a second run adds nothing
    assert OpinionEvent.objects.count() == 3


def test_nothing_without_the_demo_cases(cast: Cast) -> None:
    oversight_opinion.build(StringIO())
    assert not OpinionEvent.objects.exists()
