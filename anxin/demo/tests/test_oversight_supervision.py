from __future__ import annotations

import io
from datetime import date

import pytest

from anxin.demo import oversight_supervision
from anxin.oversight.supervision.models import InspectorAssignment, Notice, Order, OrderStatus, Visit
from anxin.testing import Cast

pytestmark = pytest.mark.django_db


def test_the_demo_builds_one_order_in_each_state_and_a_notice_with_receipts(cast: Cast, clock) -> None:  # noqa: ANN001
    clock(date(2026, 11, 16))
    out = io.StringIO()
    counts = oversight_supervision.build(out)
    assert counts["orders"] == 7 and "督导" in out.getvalue()
    states = set(Order.objects.values_list("status", flat=True))
    assert states == {s.value for s in OrderStatus}
    assert Order.objects.filter(escalated_at__isnull=False).count() == 1
    assert InspectorAssignment.objects.exists() and Visit.objects.count() == 1
    notice = Notice.objects.get()
    read = notice.receipts.filter(read_at__isnull=False).count()
    assert 0 < read < notice.receipts.count()
    # Run again: nothing more.
    assert oversight_supervision.build(io.StringIO()) == {}
    assert Order.objects.count() == 7
