"""Scenario 1, "the report after lights-out", through a real browser (docs: /work/shared/SCENARIOS.md).

A boarder writes to the 爱心信箱 on his phone at night; the principal sees it pinned, reads it,
acknowledges it and replies; next morning the boy checks his receipt on a phone that keeps no
cookie, reads the reply and answers. Screenshots land in $ANXIN_TEST_ARTIFACTS (default
var/test-artifacts/browser/), numbered 10 onwards after the foundation's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from anxin.intake import services
from anxin.testing import PASSWORD, Cast

from .helpers import pass_second_step

pytestmark = pytest.mark.browser

SCHOOL_CODE = "3701020001"  # 实验中学, school A of the cast
LETTER = "宿舍两个室友每天晚上熄灯后打我，还说明天带刀来收拾我。我不敢告诉宿管。"
REPLY = "请在任意课间到心理辅导室找王老师，可以一个人来，也可以带一个好朋友。"
ANSWER = "好的，我明天去"
RECEIPT_FORMAT = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")
NAV_QUEUE = re.compile(r"(^|\s)举报受理$")  # menu links start with an icon glyph
NAV_HOME = re.compile(r"(^|\s)工作台$")
# Bootstrap's .btn-danger: the notifications link turns red while an urgent notice is unread.
BOOTSTRAP_DANGER = "rgb(220, 53, 69)"


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    pass_second_step(page, username)
    expect(page.get_by_test_id("current-user")).to_be_visible()


def assert_leaves_no_trace(page: Page) -> None:
    """The public pages keep nothing on the phone: no cookie of any kind, nothing in web storage."""
    context: BrowserContext = page.context
    assert context.cookies() == [], context.cookies()
    # The receipt page's deferred script forgets the kept letter: give it its moment (a page that
    # never forgets still fails here, after the wait).
    try:
        page.wait_for_function(
            "() => !document.cookie && localStorage.length === 0 && sessionStorage.length === 0", timeout=5000
        )
    except PlaywrightTimeoutError:
        pass
    assert page.evaluate("() => [document.cookie, localStorage.length, sessionStorage.length]") == ["", 0, 0]


def small_photo(folder: Path) -> Path:
    """A photo as a phone would send it: a small PNG (an "injury" in red on skin tone)."""
    path = folder / "IMG_2240.png"
    image = Image.new("RGB", (120, 90), (233, 196, 170))
    image.paste((200, 40, 40), (40, 30, 80, 60))
    image.save(path, format="PNG")
    return path


def student_writes_the_letter(page: Page, photo: Path, shot) -> str:  # noqa: ANN001
    """Flow 1 on the phone: the letter, and the receipt as read off the screen."""
    page.goto(f"/box/{SCHOOL_CODE}/")
    expect(page).to_have_title(re.compile("实验中学"))
    expect(page.get_by_test_id("school-name")).to_have_text("实验中学")
    expect(page.get_by_role("heading", level=1)).to_have_text("你不是一个人。")

    # The answers are big chips (labels of hidden radios): tap the words, as a child does.
    page.get_by_text("我自己", exact=True).click()
    expect(page.get_by_role("radio", name="我自己")).to_be_checked()
    page.get_by_label("2. 发生了什么？").fill(LETTER)
    expect(page.locator("#text-count")).to_have_text(f"已写 {len(LETTER)} / 5000 字")
    page.get_by_text("宿舍", exact=True).click()
    expect(page.get_by_role("radio", name="宿舍")).to_be_checked()
    page.get_by_text("熄灯后", exact=True).click()
    expect(page.get_by_role("radio", name="熄灯后")).to_be_checked()
    page.get_by_label("7. 照片或截图").set_input_files(photo)

    # He does not ask to be contacted: anonymous is the default, and the contact field stays hidden.
    expect(page.get_by_role("radio", name=re.compile("^不用，我想匿名"))).to_be_checked()
    expect(page.get_by_label("联系方式（电话、微信号，或班级和名字）")).to_be_hidden()
    shot(page, "10-box-form-phone")

    with page.expect_response(
        lambda r: r.request.method == "POST" and f"/box/{SCHOOL_CODE}/" in r.url
    ) as sent:
        page.get_by_role("button", name="把信交给学校").click()
    response = sent.value
    assert response.status == 200, response.status
    assert response.header_value("cache-control") == "no-store"

    expect(page.get_by_role("heading", level=1)).to_have_text("信已经送到了，谢谢你说出来。")
    # The danger warning with 110 is in view at once, without scrolling.
    expect(page.get_by_test_id("urgent-note")).to_contain_text("110")
    expect(page.get_by_test_id("urgent-note")).to_be_in_viewport()
    receipt_box = page.get_by_test_id("receipt")
    expect(receipt_box).to_be_visible()
    receipt = re.sub(r"\s+", "", receipt_box.inner_text())
    assert RECEIPT_FORMAT.match(receipt), receipt
    expect(page.get_by_test_id("receipt-warning")).to_be_visible()
    expect(page.get_by_text("你没有留联系方式，学校不知道你是谁。", exact=False)).to_be_visible()

    emergency = page.get_by_test_id("emergency")
    call_110 = emergency.get_by_role("link", name="报警 110")
    call_12355 = emergency.get_by_role("link", name="青少年服务热线 12355")
    expect(call_110).to_be_visible()
    expect(call_110).to_have_attribute("href", "tel:110")
    expect(call_12355).to_be_visible()
    expect(call_12355).to_have_attribute("href", "tel:12355")
    shot(page, "11-box-receipt-phone")
    return receipt


def test_report_after_lights_out(
    browser_cast: Cast,
    media_root: Path,
    new_page,  # noqa: ANN001
    shot,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    # --- Flow 1: 22:40, the boarder writes on his phone. -------------------------------------------
    phone = new_page("phone")
    receipt = student_writes_the_letter(phone, small_photo(tmp_path), shot)
    assert_leaves_no_trace(phone)  # flow 4, first half
    stored = [p for p in media_root.rglob("*") if p.is_file()]
    assert len(stored) == 1 and "IMG_2240" not in stored[0].name, stored  # renamed, kept out of var/

    # A later, ordinary report: the urgent one must still come first because it is pinned.
    services.report_submit(
        school_code=SCHOOL_CODE,
        text="同桌总是抢我的橡皮，还在课间嘲笑我，我很难过。",
        about="self",
        place="classroom",
        time_band="break",
    )

    # --- Flow 2: the principal, notified, opens the 工作台. -----------------------------------------
    desk = new_page("desktop")
    log_in(desk, "t_principal")
    expect(desk).to_have_title(re.compile("^工作台"))
    bell = desk.get_by_test_id("notifications-link")
    expect(bell).to_have_class(re.compile(r"(^|\s)btn-danger(\s|$)"))
    expect(bell).to_have_css("background-color", BOOTSTRAP_DANGER)
    expect(bell.locator(".badge")).to_have_text(re.compile(r"^[1-9]\d*$"))
    panel = desk.get_by_test_id("panel-intake")
    pinned = panel.get_by_test_id("pinned-report")
    expect(pinned).to_have_count(1)
    expect(pinned).to_contain_text("紧急，尚未确认")
    expect(pinned).to_contain_text("实验中学")
    expect(panel).to_contain_text("待处理 2 份")
    # The intake panel comes first on the 工作台 while something is pinned.
    expect(desk.locator("[data-testid^=panel-]").first).to_have_attribute("data-testid", "panel-intake")
    shot(desk, "12-principal-home-pinned")

    desk.get_by_role("navigation").get_by_role("link", name=NAV_QUEUE).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("举报受理")
    rows = desk.get_by_test_id("queue-row")
    expect(rows).to_have_count(2)
    top = rows.first
    expect(top).to_have_attribute("data-pinned", "1")
    expect(top.get_by_test_id("pinned-badge")).to_have_text("紧急·待确认")
    expect(top.locator("[data-signal=weapon]")).to_have_text("凶器")
    expect(top).to_contain_text("宿舍 · 熄灯后")
    expect(rows.nth(1)).not_to_have_attribute("data-pinned", "1")
    expect(rows.nth(1)).to_contain_text("教室 · 课间")
    shot(desk, "13-queue")
    report_id = top.get_attribute("data-report")

    top.get_by_role("link", name=f"#{report_id}").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"报告 #{report_id}")
    expect(desk.get_by_test_id("pinned-alert")).to_be_visible()
    expect(desk.get_by_test_id("report-text")).to_have_text(LETTER)
    reasons = desk.get_by_test_id("triage-reason")
    weapon = reasons.filter(has=desk.locator(".badge", has_text="凶器"))
    expect(weapon).to_have_count(1)
    expect(weapon.locator("mark", has_text="刀").first).to_be_visible()
    expect(reasons.filter(has=desk.locator(".badge", has_text="肢体"))).to_have_count(1)
    thumb = desk.get_by_test_id("photo-thumb")
    expect(thumb).to_have_count(1)
    thumb.scroll_into_view_if_needed()
    desk.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    photo = desk.request.get(thumb.get_attribute("src"))
    assert photo.ok and photo.headers["content-type"].startswith("image/"), (photo.status, photo.headers)
    expect(desk.get_by_text("匿名反映，没有留下联系方式。", exact=False)).to_be_visible()
    desk.evaluate("window.scrollTo(0, 0)")
    shot(desk, "14-report")

    desk.get_by_test_id("acknowledge-top").click()
    expect(desk.get_by_role("alert").filter(has_text="已确认收到。")).to_be_visible()
    expect(desk.get_by_test_id("pinned-alert")).to_have_count(0)
    expect(desk.get_by_test_id("report-status")).to_have_text("已确认收到")
    expect(desk.get_by_test_id("history")).to_contain_text("确认收到")

    desk.get_by_label("回复反映人").fill(REPLY)
    desk.get_by_test_id("form-reply").get_by_role("button", name="发送回复").click()
    expect(desk.get_by_role("alert").filter(has_text="回复已发送")).to_be_visible()
    expect(desk.get_by_test_id("message")).to_have_count(1)
    expect(desk.get_by_test_id("message").first).to_contain_text(REPLY)
    shot(desk, "14-report-acknowledged")

    # Back in the queue it is no longer pinned, though still urgent and still first.
    desk.get_by_role("link", name="返回受理队列").click()
    top = desk.get_by_test_id("queue-row").first
    expect(top).to_have_attribute("data-report", report_id)
    expect(top).not_to_have_attribute("data-pinned", "1")
    expect(desk.get_by_test_id("pinned-badge")).to_have_count(0)
    expect(top.locator(".badge", has_text=re.compile("^紧急$"))).to_be_visible()
    expect(top.locator("[data-signal=weapon]")).to_have_text("凶器")
    shot(desk, "13-queue-acknowledged")
    desk.get_by_role("navigation").get_by_role("link", name=NAV_HOME).click()
    expect(desk.get_by_test_id("panel-intake").get_by_test_id("pinned-report")).to_have_count(0)

    # --- Flow 3: next morning, a fresh phone browser with no cookies. ------------------------------
    morning = new_page("phone")
    morning.goto("/box/follow/")
    expect(morning.get_by_role("heading", level=1)).to_have_text("查看回复")
    # He copies the code off his hand: lower case, spaces for the dashes.
    morning.get_by_label("回执码").fill(receipt.lower().replace("-", " "))
    morning.get_by_role("button", name="查看").click()
    expect(morning.get_by_test_id("status-label")).to_have_text("正在核实")
    expect(morning.get_by_test_id("status")).to_contain_text("老师正在了解情况、核实经过。")
    expect(morning.locator(".box-progress [aria-current=step]")).to_have_text("正在核实")
    conversation = morning.get_by_test_id("conversation")
    expect(conversation).to_contain_text(REPLY)
    expect(conversation).to_contain_text("学校老师")
    expect(conversation).not_to_contain_text("校长甲")  # staff names stay with the school

    morning.get_by_label("补充或回复").fill(ANSWER)
    morning.get_by_role("button", name="发送留言").click()
    expect(morning.get_by_test_id("sent")).to_have_text(re.compile("留言已经送到"))
    messages = morning.get_by_test_id("conversation").locator("li")
    expect(messages).to_have_count(2)
    expect(messages.nth(0).locator(".box-msg-who")).to_contain_text("学校老师")
    expect(messages.nth(1).locator(".box-msg-who")).to_have_text(re.compile(r"^\s*我\s+·"))
    expect(messages.nth(1)).to_contain_text(ANSWER)
    shot(morning, "15-follow-phone")
    assert_leaves_no_trace(morning)  # flow 4, second half
    assert_leaves_no_trace(phone)  # and the evening's phone still holds none

    # The principal sees the answer on the report page.
    desk.goto(f"/intake/{report_id}/")
    thread = desk.get_by_test_id("message")
    expect(thread).to_have_count(2)
    expect(thread.nth(1)).to_contain_text(ANSWER)
    expect(thread.nth(1)).to_contain_text("反映人")
    expect(desk.get_by_test_id("history")).to_contain_text("反映人留言")
    shot(desk, "16-report-answered")

    # Both notices reached the principal: the urgent one at once, then the reporter's answer.
    desk.get_by_test_id("notifications-link").click()
    notices = desk.get_by_test_id("notification-list")
    expect(notices).to_contain_text("紧急举报：凶器")
    expect(notices).to_contain_text("有新留言")
