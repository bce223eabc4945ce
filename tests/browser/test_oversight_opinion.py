"""The county's 舆情 register on a phone, and its reports page on a desk (issue 12, parts 5 and 6).

The county administrator sees a Weibo post about a pupil of 实验中学, registers it on her phone
with a bad link first (told in Chinese, nothing stored), then correctly; the event shows how many
of its 24 hours are left; she records the verification and the public statement. At her desk she
generates last month's report and exports the serious-case list.

Screenshots land in $ANXIN_TEST_ARTIFACTS (default var/test-artifacts/browser/), numbered 90 onwards.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from anxin.oversight.opinion.models import OpinionEvent
from anxin.testing import Cast

from .test_cases import assert_fits_width, log_in

pytestmark = pytest.mark.browser


def test_county_registers_and_answers_an_opinion_event_on_a_phone(
    browser_cast: Cast,
    new_page,
    shot,  # noqa: ANN001
) -> None:
    phone = new_page("phone")
    log_in(phone, browser_cast.users["county_admin"].username)
    phone.goto("/oversight/opinion/")
    expect(phone.get_by_role("heading", name="舆情登记")).to_be_visible()
    phone.get_by_role("link", name="登记舆情").click()
    phone.get_by_label("涉及学校").select_option(label="实验中学")
    phone.get_by_label("来源").select_option(label="微博")
    phone.get_by_label("热度").select_option(label="高")
    phone.get_by_label("链接").fill("weibo.com/123")  # no scheme: refused by the browser or the server
    phone.get_by_label("内容摘要").fill("网帖称初一学生在厕所被多人围堵，转发较多。")
    phone.get_by_label("链接").evaluate("el => el.type = 'text'")  # let the server answer
    phone.get_by_role("button", name="登记").click()
    expect(phone.get_by_test_id("form-error")).to_contain_text("链接格式不正确")
    assert OpinionEvent.objects.count() == 0
    phone.get_by_label("链接").fill("https://weibo.com/123/abc")
    phone.get_by_role("button", name="登记").click()
    expect(phone.get_by_test_id("opinion-clock")).to_contain_text("还剩")
    assert_fits_width(phone)
    shot(phone, "90-opinion-new-event-phone")
    phone.get_by_label("处置环节").select_option(label="核实")
    phone.get_by_label("情况说明").fill("已联系学校核实，学校已受理。")
    phone.get_by_role("button", name="记录").click()
    expect(phone.get_by_test_id("opinion-status")).to_have_text("已核实")
    phone.get_by_label("处置环节").select_option(label="回应/发布情况说明")
    phone.get_by_label("情况说明").fill("区教体局官方微博发布情况说明。")
    phone.get_by_role("button", name="记录").click()
    expect(phone.get_by_test_id("opinion-clock")).to_contain_text("已按时回应")
    expect(phone.get_by_test_id("opinion-steps").get_by_role("listitem")).to_have_count(2)
    assert_fits_width(phone)
    shot(phone, "91-opinion-answered-phone")

    desk = new_page("desktop")
    log_in(desk, browser_cast.users["county_admin"].username)
    desk.goto("/oversight/reports/")
    desk.get_by_role("button", name="生成").click()
    expect(desk.get_by_test_id("archive").get_by_role("link", name="Excel")).to_be_visible()
    shot(desk, "92-reports-archive")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="导出严重案件清单（Excel）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
