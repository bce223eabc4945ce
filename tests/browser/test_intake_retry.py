"""Honest failure in a real browser: a letter whose answer is lost is sent again, and stored once.

The phone's request (or the answer to it) is lost once, as with a proxy's 503 or a dropped signal.
The child goes back: the letter is in the form again (kept in the tab's sessionStorage, never on the
server), the page says it may not have been sent, and one more tap stores it exactly once. After
the receipt the tab keeps nothing.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from anxin.intake.models import Report
from anxin.testing import Cast

from .test_intake import assert_leaves_no_trace

pytestmark = pytest.mark.browser

SCHOOL_CODE = "3701020001"
LETTER = "课间有三个人把我堵在楼梯口要钱，不给就推我，已经好几次了。"
PROXY_PAGE = "<!doctype html><title>503</title><h1>503 Service Temporarily Unavailable</h1><p>nginx</p>"


def lose_one_answer(page: Page, *, reached_server: bool) -> list[int]:
    """The first POST of the letter fails with a proxy's 503; the server may or may not have had it."""
    lost: list[int] = []

    def handle(route: Route) -> None:
        if route.request.method != "POST" or lost:
            route.continue_()
            return
        if reached_server:
            real = route.fetch()  # the server stores the letter ...
            lost.append(real.status)
        else:
            lost.append(0)
        route.fulfill(status=503, content_type="text/html", body=PROXY_PAGE)  # ... the phone sees a 503

    page.route(f"**/box/{SCHOOL_CODE}/", handle)
    return lost


@pytest.mark.parametrize("reached_server", [False, True], ids=["lost-on-the-way", "answer-lost"])
def test_a_letter_whose_answer_is_lost_is_sent_again_once(
    browser_cast: Cast,
    new_page,  # noqa: ANN001
    reached_server: bool,
) -> None:
    page = new_page("phone")
    lost = lose_one_answer(page, reached_server=reached_server)
    page.goto(f"/box/{SCHOOL_CODE}/")
    page.get_by_text("我自己", exact=True).click()
    page.get_by_label("2. 发生了什么？").fill(LETTER)
    page.get_by_text("楼道楼梯", exact=True).click()
    page.get_by_role("button", name="把信交给学校").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("503 Service Temporarily Unavailable")
    assert lost == ([200] if reached_server else [0])
    assert Report.objects.count() == (1 if reached_server else 0)

    # Back to the form: the letter is there again, and the page says so.
    page.go_back()
    expect(page.get_by_test_id("restored")).to_be_visible()
    expect(page.get_by_label("2. 发生了什么？")).to_have_value(LETTER)
    expect(page.get_by_role("radio", name="我自己")).to_be_checked()
    expect(page.get_by_role("radio", name="楼道楼梯")).to_be_checked()

    page.get_by_role("button", name="把信交给学校").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信已经送到了，谢谢你说出来。")
    expect(page.get_by_test_id("receipt")).to_be_visible()
    assert Report.objects.count() == 1
    assert Report.objects.get().text == LETTER
    assert_leaves_no_trace(page)  # the kept letter is gone once the receipt is shown
