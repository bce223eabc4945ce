"""心理筛查 through a real browser (issue 13, second half): an urgent PHQ-9 answer reaches the duty leader.

The psychology teacher of 实验中学 opens a screening for 初一(1)班 at her desk, records that the
guardian notice went out and prints the class's code sheet. 李小雨 answers on a phone with the code
from her slip: she first misses an item (told calmly, her ticks kept), then answers item 9 (thoughts
of self-harm) with 好几天. The leader on duty finds the urgent warning at the top of his 工作台,
without any score, and acknowledges it; an outside delivery was planned for him that names only the
school. The same code is refused a second time.

Screenshots land in $ANXIN_TEST_ARTIFACTS (default var/test-artifacts/browser/), numbered 120 onwards.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from anxin.core.models import ChannelSettings, Delivery, Notification
from anxin.testing import Cast
from anxin.wellbeing import services
from anxin.wellbeing.models import Screening, ScreeningWarning

from .test_cases import assert_fits_width, log_in

pytestmark = pytest.mark.browser


def _tick(page: Page, item: str, label: str) -> None:
    page.get_by_test_id(f"q-{item}").get_by_text(label, exact=True).click()


def test_urgent_phq9_answer_reaches_the_duty_leader(browser_cast: Cast, new_page, shot, settings) -> None:  # noqa: ANN001
    cast = browser_cast
    settings.NOTIFY_CHANNELS = ["sms"]
    duty = cast.users["duty_staff"]
    ChannelSettings.objects.create(user=duty, channels=["sms"], sms_phone="13800000077")

    desk = new_page("desktop")
    log_in(desk, cast.users["psych_teacher"].username)
    desk.goto("/wellbeing/")
    desk.get_by_role("link", name="开启筛查").click()
    desk.get_by_label("名称").fill("秋季学期心理筛查")
    desk.get_by_label("初一(1)班").check()
    desk.get_by_role("button", name="开启筛查").click()
    expect(desk.get_by_test_id("progress")).to_contain_text("未发放")
    desk.get_by_test_id("notice-record").click()
    expect(desk.get_by_test_id("progress")).to_contain_text("已发放")
    desk.get_by_test_id("codes-print").click()
    slip = desk.get_by_test_id("slip").filter(has_text="李小雨")
    code = slip.get_by_test_id("slip-code").inner_text().strip()
    shot(desk, "120-wellbeing-code-sheet")

    phone = new_page("phone")
    phone.goto("/wellbeing/answer/")
    phone.get_by_label("答题码").fill(code.lower())
    phone.get_by_role("button", name="开始").click()
    expect(phone.get_by_test_id("who")).to_contain_text("李*雨")
    for n in range(1, 9):
        _tick(phone, f"phq9_{n}", "完全不会")
    for n in range(1, 8):
        _tick(phone, f"gad7_{n}", "好几天")
    phone.get_by_test_id("submit").click()  # item 9 left out
    expect(phone.get_by_test_id("form-error")).to_contain_text("还有 1 道题没有回答")
    expect(phone.locator("#gad7_7-1")).to_be_checked()  # what she ticked is still ticked
    assert not Screening.objects.exists()
    _tick(phone, "phq9_9", "好几天")
    assert_fits_width(phone)
    shot(phone, "121-wellbeing-answer-phone")
    phone.get_by_test_id("submit").click()
    expect(phone.get_by_test_id("thanks")).to_be_visible()
    shot(phone, "122-wellbeing-thanks-phone")

    warning = ScreeningWarning.objects.get()
    assert warning.level == "urgent"
    assert Notification.objects.filter(
        user=duty, urgent=True, subject_key=f"wellbeing_warning:{warning.pk}"
    ).exists()
    delivery = Delivery.objects.get(user=duty)
    assert delivery.text == "实验中学有一条心理筛查紧急预警待处理"

    leader = new_page("desktop")
    log_in(leader, duty.username)
    panel = leader.get_by_test_id("panel-wellbeing")
    expect(panel.get_by_test_id("wellbeing-warning-item")).to_contain_text("紧急 · 李小雨")
    shot(leader, "123-wellbeing-duty-workbench")
    panel.get_by_test_id("wellbeing-warning-item").click()
    expect(leader.get_by_test_id("what-to-do")).to_contain_text("请立即与心理教师联系")
    expect(leader.get_by_test_id("scores")).to_have_count(0)
    leader.get_by_test_id("acknowledge").click()
    expect(leader.get_by_test_id("warning-status")).to_have_text("已知悉")
    shot(leader, "124-wellbeing-duty-acknowledged")

    again = new_page("phone")
    again.goto("/wellbeing/answer/")
    again.get_by_label("答题码").fill(code)
    again.get_by_role("button", name="开始").click()
    expect(again.get_by_test_id("form-error")).to_contain_text("已经用过")

    desk.goto(f"/wellbeing/warnings/{warning.pk}/")
    expect(desk.get_by_test_id("scores")).to_contain_text("第9题")
    expect(desk.get_by_test_id("care-plan-link")).to_be_visible()
    shot(desk, "125-wellbeing-psych-warning")


def test_class_teacher_sees_an_attention_warning_on_a_phone_without_scores(
    browser_cast: Cast,
    new_page,
    shot,  # noqa: ANN001
) -> None:
    from anxin.wellbeing.tests.helpers import MILD, codes_for, open_round

    cast = browser_cast
    rnd = open_round(cast, opens_on=timezone.localdate())
    services.screening_submit(code=codes_for(cast, rnd)[cast.student_a1.pk], answers=MILD)
    phone = new_page("phone")
    log_in(phone, cast.users["class_teacher"].username)
    item = phone.get_by_test_id("panel-wellbeing").get_by_test_id("wellbeing-warning-item")
    expect(item).to_contain_text("关注 · 李小雨")
    item.click()
    expect(phone.get_by_test_id("what-to-do")).to_contain_text("关心谈话")
    expect(phone.get_by_test_id("scores")).to_have_count(0)
    assert "PHQ" not in phone.content()
    assert_fits_width(phone)
    shot(phone, "126-wellbeing-class-teacher-phone")
