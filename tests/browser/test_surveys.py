"""The term's anonymous survey in a real browser (issue 13).

A grade-3 pupil of 城关小学 gets a slip cut from the sheet her class teacher printed, types its code
on a phone (390 px), reads the definition, answers one question a page with big buttons, goes back
once to change an answer, hands in, and — having said she is hurt every week — sees the 爱心信箱 and
the numbers 110 and 12355. The same slip typed again on another phone is refused calmly. The
principal of 实验中学 opens the results and finds the small class hidden.

Screenshots land in $ANXIN_TEST_ARTIFACTS (default var/test-artifacts/browser/), numbered 130 onwards.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from anxin.surveys import printing, services
from anxin.surveys.models import Response
from anxin.surveys.tests.helpers import answers_in, open_campaign
from anxin.testing import Cast

from .test_cases import assert_fits_width, log_in

pytestmark = pytest.mark.browser


def _code_from_printed_sheet(pdf: bytes, tmp_path: Path) -> str:
    sheet = tmp_path / "slips.pdf"
    sheet.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", text)
    assert found, text
    return found.group(1)


def test_grade_3_pupil_answers_once_on_a_phone(browser_cast: Cast, new_page, shot, tmp_path: Path) -> None:  # noqa: ANN001
    cast = browser_cast
    campaign = open_campaign(cast)
    made = services.codes_issue(actor=cast.outsider, campaign=campaign, klass=cast.class_b1, count=20)
    code = _code_from_printed_sheet(
        printing.slips_pdf(campaign, cast.class_b1, made, base_url="http://testserver/"), tmp_path
    )

    phone = new_page("phone")
    started = time.monotonic()
    phone.goto("/s/")
    phone.get_by_label("答题码").fill(code.lower())
    assert_fits_width(phone)
    shot(phone, "130-survey-enter-code-phone")
    phone.get_by_role("button", name="开始答题").click()
    expect(phone.get_by_test_id("definition")).to_contain_text("故意一次又一次")
    shot(phone, "131-survey-definition-phone")
    phone.get_by_role("button", name="我读完了，开始").click()
    phone.get_by_role("button", name="女生").click()
    expect(phone.get_by_test_id("question")).to_have_text("这学期，你被同学欺负过吗？")
    phone.get_by_role("button", name="一两次").click()
    # She changes her mind: back one page, the earlier answer is marked, she picks another.
    expect(phone.get_by_test_id("question")).to_have_text("有人打你、踢你、推你吗？")
    phone.get_by_test_id("back").click()
    expect(phone.locator(".sv-opt.is-given")).to_have_text("一两次")
    assert_fits_width(phone)
    shot(phone, "132-survey-question-phone")
    phone.get_by_role("button", name="每周好几次").click()
    for answer in ("没有", "每周好几次", "没有", "没有", "没有", "一两次", "没有", "没有"):
        phone.locator("button.sv-opt", has_text=re.compile(f"^{answer}$")).click()
    expect(phone.get_by_test_id("question")).to_have_text("最常在哪里被欺负？")
    phone.get_by_role("button", name="厕所").click()
    phone.get_by_role("button", name="课间").click()
    phone.get_by_label("爸爸妈妈或家里人").check()
    phone.get_by_role("button", name="下一题").click()
    phone.get_by_role("button", name="没有变化").click()
    expect(phone.get_by_test_id("question")).to_have_text("这学期，你和别人一起欺负过同学吗？")
    phone.get_by_role("button", name="没有", exact=True).click()
    phone.get_by_role("button", name="有时管").click()
    phone.get_by_role("button", name="想帮忙，但没有做").click()
    phone.get_by_role("button", name="不太安全").click()
    phone.get_by_role("textbox").fill("厕所里有高年级的人堵人")
    phone.get_by_role("button", name="下一题").click()
    phone.get_by_role("button", name="交问卷").click()
    expect(phone.get_by_test_id("done")).to_contain_text("交好了")
    help_box = phone.get_by_test_id("help")
    expect(help_box.get_by_test_id("box-link")).to_have_attribute("href", f"/box/{cast.school_b.code}/")
    expect(help_box.locator('a[href="tel:110"]')).to_be_visible()
    expect(help_box.locator('a[href="tel:12355"]')).to_be_visible()
    assert_fits_width(phone)
    shot(phone, "133-survey-done-with-help-phone")
    assert time.monotonic() - started < 600
    answer = Response.objects.get()
    assert (answer.victim, answer.f_names, answer.f_threats, answer.place, answer.grade) == (
        4,
        4,
        1,
        "toilet",
        3,
    )
    assert phone.context.cookies() == []

    # The same slip again, on another phone: refused calmly, nothing counted twice.
    again = new_page("phone")
    again.goto("/s/")
    again.get_by_label("答题码").fill(code)
    again.get_by_role("button", name="开始答题").click()
    expect(again.get_by_test_id("error")).to_contain_text("只能用一次")
    expect(again.get_by_test_id("error")).to_have_attribute("data-code", "code_used")
    shot(again, "134-survey-code-refused-phone")
    again.goto(f"/s/{code.replace('-', '')}/")
    expect(again.get_by_test_id("error")).to_have_attribute("data-code", "code_used")
    assert Response.objects.count() == 1


def test_principal_sees_a_hidden_small_cell(browser_cast: Cast, new_page, shot) -> None:  # noqa: ANN001
    cast = browser_cast
    campaign = open_campaign(cast)
    answers_in(campaign, cast.class_a1, 14, bullied=3, place="toilet", time_band="break")
    answers_in(campaign, cast.class_a2, 3, bullied=1)
    page = new_page("desktop")
    log_in(page, cast.users["principal"].username)
    page.goto("/surveys/")
    page.get_by_role("link", name=re.compile("秋季学期防欺凌专项调查")).click()
    expect(page.get_by_test_id("class-rates")).to_contain_text("初一(1)班")
    shot(page, "135-survey-campaign-principal")
    page.get_by_role("link", name="查看结果").click()
    expect(page.get_by_test_id("total-n")).to_have_text("17")
    by_class = page.get_by_test_id("by-class")
    expect(by_class.get_by_test_id("hidden-cell")).to_have_count(2)
    expect(by_class).to_contain_text("少于5份，已隐藏")
    expect(by_class).to_contain_text("已隐藏（防止相减推算）")
    expect(page.get_by_test_id("hotspots")).to_contain_text("厕所")
    shot(page, "136-survey-results-principal")
    phone = new_page("phone")
    log_in(phone, cast.users["principal"].username)
    phone.goto(page.url)
    expect(phone.get_by_test_id("by-class").get_by_test_id("hidden-cell")).to_have_count(2)
    assert_fits_width(phone)
    shot(phone, "137-survey-results-phone")
