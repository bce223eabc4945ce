"""A reminder on a phone (issue #14 part 4): the gate guard sees on 工作台 that a pupil is not back
from leave, opens the reminder and taps 销假 when the pupil walks in; the reminder then closes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from anxin.ledgers.gate import services as gate
from anxin.ledgers.gate.models import LeavePass
from anxin.testing import Cast
from anxin.warnings.models import Rule, Status, Warning
from anxin.warnings.services import evaluate

from .test_ledgers import log_in

pytestmark = pytest.mark.browser


def test_gate_guard_returns_an_unreturned_pupil_from_the_reminder(browser_cast: Cast, new_page, shot) -> None:  # noqa: ANN001
    cast = browser_cast
    now = timezone.now()
    leave = gate.leave_approve(
        actor=cast.users["class_teacher"],
        student_id=cast.student_a1.pk,
        starts_at=now - timedelta(hours=5),
        ends_at=now - timedelta(hours=1),
        reason="看病",
        client_key=None,
    ).entry
    evaluate(cast.school)
    warning = Warning.objects.get(rule=Rule.LEAVE_UNRETURNED)

    page = new_page("phone")
    log_in(page, cast.users["gate_guard"].username)
    item = page.get_by_test_id("warning-item").filter(has_text="请假学生逾期未销假")
    expect(item).to_contain_text("李*雨")
    expect(item).to_contain_text("仍未销假")
    shot(page, "60-reminder-on-workbench-phone")
    item.click()
    step = page.get_by_test_id("reminder-step")
    expect(step).to_contain_text("销假（请假至")
    shot(page, "61-reminder-return-button-phone")
    step.click()
    expect(page.locator(".alert-success")).to_contain_text("已销假")
    leave.refresh_from_db()
    assert leave.returned_by == cast.users["gate_guard"]
    assert LeavePass.objects.filter(returned_at__isnull=True).count() == 0
    evaluate(cast.school)
    warning.refresh_from_db()
    assert warning.status == Status.ACTED
    page.reload()
    expect(page.get_by_test_id("reminder-step")).to_have_count(0)
    shot(page, "62-reminder-closed-phone")


def test_safety_officer_sets_a_points_frequency_on_a_phone(browser_cast: Cast, new_page, shot) -> None:  # noqa: ANN001
    from anxin.ledgers.patrol import services as patrol

    cast = browser_cast
    patrol.patrol_point_create(
        actor=cast.users["safety_officer"], school=cast.school, name="操场东北角", place_type="playground"
    )
    page = new_page("phone")
    log_in(page, cast.users["safety_officer"].username)
    page.goto("/ledgers/patrol/points/")
    expect(page.get_by_test_id("point-duty")).to_contain_text("每天 2 次 · 责任人：当班值班人员")
    page.get_by_test_id("point-edit").click()
    page.get_by_label("巡查频次").select_option("week")
    page.get_by_label("每期巡查次数（不填按学校设置）").fill("13")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("ledger-form")).to_contain_text("12")  # at most 12 rounds a period
    shot(page, "63-point-frequency-refused-phone")
    page.get_by_label("每期巡查次数（不填按学校设置）").fill("1")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("point-duty")).to_contain_text("每周 1 次")
    shot(page, "64-points-with-frequency-phone")
