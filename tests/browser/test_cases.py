"""A case from the child's report to the closed file, through a real browser (SCENARIOS.md 3–5).

A girl of 初一(1)班 writes to the 爱心信箱 about herself on her phone and keeps the receipt. The
moral-education director opens a case from the report, investigates, registers her and the boy
who bullied her, and submits to the committee; the principal records the committee's finding
(bullying, 严重), so the county bureau sees it at once and acknowledges it. The result is
delivered; the girl disagrees and applies for re-examination from her receipt page; the bureau
forms a panel and upholds the finding. A correction plan is carried out by the psychology
teacher, the three aftercare visits are recorded as the months pass, and the principal closes the
case. At each step the girl's receipt page says where things stand in plain words.

Screenshots land in $ANXIN_TEST_ARTIFACTS (default var/test-artifacts/browser/), numbered 50 onwards.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from anxin.cases.states import PUBLIC_WORDS, State
from anxin.cases.tests.helpers import committee
from anxin.testing import PASSWORD, Cast, frozen_time

from .helpers import pass_second_step

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHOOL_CODE = "3701020001"  # 实验中学, school A of the cast
LETTER = (
    "隔壁班的王小磊和他的朋友经常在厕所堵我，打我的胳膊，还抢我的饭卡。昨天他们把我推倒了，手腕现在还疼。"
)
APPEAL = "我不同意。他们不只抢了饭卡，还在班级群里骂我，这些没有写进去。"
RECEIPT_FORMAT = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")
NAV_QUEUE = re.compile(r"(^|\s)举报受理$")  # menu links start with an icon glyph
PRESENT = 7  # of the committee's 9 members


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    pass_second_step(page, username)
    expect(page.get_by_test_id("current-user")).to_be_attached()  # in the folded menu on a phone


def assert_fits_width(page: Page) -> None:
    """Nothing pushes the page wider than the screen (a phone would scroll sideways)."""
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} is {scroll}px wide on a {inner}px screen"


def inside_form(form: Locator, control: Locator) -> None:
    """A control is drawn within its form's padding, not over the card's edge."""
    outer, box = form.bounding_box(), control.bounding_box()
    assert outer and box and box["x"] >= outer["x"] + 8, (outer, box)


def iso(day: date) -> str:
    return day.isoformat()


# --- the child's side ---------------------------------------------------------------------------


def child_writes(page: Page) -> str:
    page.goto(f"/box/{SCHOOL_CODE}/")
    expect(page.get_by_test_id("school-name")).to_have_text("实验中学")
    page.get_by_text("我自己", exact=True).click()
    expect(page.get_by_role("radio", name="我自己")).to_be_checked()
    page.get_by_label("2. 发生了什么？").fill(LETTER)
    page.get_by_text("厕所", exact=True).click()
    page.get_by_text("课间", exact=True).click()
    # She leaves a way to reach her (a confidential letter): only then may she appeal with the receipt.
    page.get_by_text("希望老师联系我", exact=True).click()
    page.get_by_label("联系方式（电话、微信号，或班级和名字）").fill("初一(1)班，课间可找我")
    page.get_by_role("button", name="把信交给学校").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信已经送到了，谢谢你说出来。")
    receipt = re.sub(r"\s+", "", page.get_by_test_id("receipt").inner_text())
    assert RECEIPT_FORMAT.match(receipt), receipt
    return receipt


def child_reads_status(page: Page, receipt: str, state: str, shot=None, png: str = "") -> None:  # noqa: ANN001
    """The receipt page shows the case's plain words and names nobody."""
    page.goto("/box/follow/")
    page.get_by_label("回执码").fill(receipt)
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_test_id("status-explained")).to_have_text(str(PUBLIC_WORDS[state]))
    expect(page.get_by_test_id("in-case")).to_be_visible()
    for name in ("王小磊", "李小雨", "政教主任甲", "校长甲", "郑律师"):
        expect(page.locator("body")).not_to_contain_text(name)
    assert_fits_width(page)
    if shot is not None:
        shot(page, png)


# --- the staff's side ---------------------------------------------------------------------------


def act(page: Page, action: str, *, record: bool = False) -> None:
    """Open an action's form from the case page's buttons."""
    kind = "action-record" if record else "action-move"
    page.get_by_test_id("case-actions").locator(f"[data-testid={kind}][data-action={action}]").click()
    expect(page.get_by_test_id("action-form")).to_have_attribute("data-action", action)


def submit(page: Page, action_label: str) -> None:
    """Press the form's button (it bears the action's name) and see the action done."""
    page.get_by_test_id("action-form").get_by_role("button", name=action_label, exact=True).click()
    expect(page.get_by_role("alert").filter(has_text=f"已完成：{action_label}。")).to_be_visible()


def expect_status(page: Page, state: str) -> None:
    expect(page.get_by_test_id("case-status")).to_have_text(str(State(state).label))


def labelled(page: Page, text: str):  # noqa: ANN201
    """A form control by its whole label; a required field's label ends with a red asterisk."""
    return page.get_by_label(re.compile(rf"^{re.escape(text)}( \*)?$"))


def field(page: Page, name: str):  # noqa: ANN201
    return page.get_by_test_id("action-form").locator(f"[data-field={name}]")


def test_a_childs_report_becomes_a_case_that_is_appealed_and_closed(
    browser_cast: Cast,
    new_page,  # noqa: ANN001
    shot,  # noqa: ANN001
) -> None:
    cast = browser_cast
    members = committee(cast)  # 9 members: the principal, the moral director and seven without accounts
    assert len(members) == 9
    today = timezone.localdate()

    # --- The girl writes on her phone and keeps the receipt. -----------------------------------------
    child = new_page("phone")
    receipt = child_writes(child)

    # --- The moral-education director opens a case from the report. ---------------------------------
    desk = new_page("desktop")
    log_in(desk, cast.users["moral_director"].username)
    desk.get_by_role("navigation").get_by_role("link", name=NAV_QUEUE).click()
    row = desk.get_by_test_id("queue-row").first
    report_id = row.get_attribute("data-report")
    row.get_by_role("link", name=f"#{report_id}").click()
    expect(desk.get_by_test_id("report-text")).to_have_text(LETTER)
    desk.get_by_test_id("open-case").click()

    expect(desk.get_by_role("heading", level=1)).to_contain_text("新建案件")
    expect(desk.get_by_test_id("source-report").get_by_test_id("report-text")).to_have_text(LETTER)
    expect(desk.get_by_label("事由")).to_have_value(re.compile(rf"厕所·课间.*（报告 #{report_id}）$"))
    # The report said she was hurt: the case is proposed as urgent, its box inside the form.
    urgent = desk.get_by_label("紧急（有人身危险）")
    expect(urgent).to_be_checked()
    inside_form(desk.get_by_test_id("new-case-form"), urgent)
    shot(desk, "50-case-new-from-report")
    desk.get_by_test_id("new-case-form").get_by_role("button", name="立案", exact=True).click()
    expect(desk.get_by_role("alert").filter(has_text="已立案，案件编号")).to_be_visible()
    expect_status(desk, State.ACCEPTED)
    case_url = desk.url
    case_id = int(re.search(r"/cases/(\d+)/$", case_url).group(1))
    number = desk.get_by_role("heading", level=1).inner_text()
    assert re.fullmatch(rf"{SCHOOL_CODE}-\d{{4}}-\d{{4}}", number), number
    expect(desk.get_by_test_id("linked-reports")).to_contain_text(f"#{report_id}")
    expect(desk.get_by_test_id("deadlines")).to_contain_text("调查")

    child_reads_status(child, receipt, State.ACCEPTED, shot, "51-receipt-accepted-phone")
    expect(child.get_by_test_id("status-label")).to_have_text("正在核实")
    expect(child.get_by_test_id("reexam-form")).to_have_count(0)

    # --- Investigation: the two students are registered by 学号. -----------------------------------
    act(desk, "investigate")
    desk.get_by_label("调查安排").fill("分别与李小雨、王小磊及同厕所时段的两名同学谈话，调取走廊监控。")
    submit(desk, "开始调查")
    expect_status(desk, State.INVESTIGATING)

    for role, student in (("受欺凌学生", cast.student_a1), ("实施者", cast.student_a2)):
        act(desk, "add_party", record=True)
        labelled(desk, "身份").select_option(label=role)
        desk.get_by_label("学号（本市在读学生）").fill(student.student_no)
        submit(desk, "添加当事人")
    parties = desk.get_by_test_id("party")
    expect(parties).to_have_count(2)
    expect(parties.filter(has_text="受欺凌学生：李小雨（初一(1)班）")).to_have_count(1)
    expect(parties.filter(has_text="实施者：王小磊（初一(2)班）")).to_have_count(1)

    child_reads_status(child, receipt, State.INVESTIGATING, shot, "52-receipt-investigating-phone")

    act(desk, "submit")
    desk.get_by_label("调查结论").fill(
        "经调查，王小磊多次在厕所推搡、击打李小雨并强拿其饭卡，监控与两名同学证言相互印证。"
    )
    submit(desk, "提请委员会认定")
    expect_status(desk, State.PENDING)
    shot(desk, "53-case-pending")

    # --- The principal records the committee's determination. ---------------------------------------
    principal = new_page("desktop")
    log_in(principal, cast.users["principal"].username)
    principal.goto("/cases/")
    principal.get_by_test_id("case-row").filter(has_text=number).get_by_role("link", name=number).click()
    expect_status(principal, State.PENDING)
    act(principal, "determine")
    principal.get_by_label("会议日期").fill(iso(today))
    boxes = field(principal, "members_present").get_by_role("checkbox")
    expect(boxes).to_have_count(9)
    for i in range(PRESENT):
        boxes.nth(i).check()
    expect(principal.get_by_test_id("present-count")).to_have_text(f"出席 {PRESENT} / 9")
    expect(principal.get_by_test_id("present-count")).to_have_class(re.compile(r"text-bg-success"))
    rows = principal.get_by_test_id("criterion-row")
    expect(rows).to_have_count(5)
    evidence = [
        "王小磊承认是故意堵人，谈话笔录第 2 页。",
        "对方两人，均比李小雨高大，监控截图。",
        "校医记录右手腕软组织挫伤；饭卡被拿走三次。",
        "李小雨无法脱身，未有任何挑衅，两名同学证言。",
        "九月以来至少五次，持续一个多月。",
    ]
    for i, text in enumerate(evidence):
        rows.nth(i).get_by_role("radio", name="是", exact=True).check()
        rows.nth(i).get_by_role("textbox").fill(text)
    field(principal, "is_bullying").get_by_role("radio", name="是", exact=True).check()
    kinds = field(principal, "kinds")
    expect(kinds).to_be_visible()
    expect(field(principal, "non_bullying")).to_be_hidden()
    kinds.get_by_role("checkbox", name="肢体", exact=True).check()
    kinds.get_by_role("checkbox", name="财物", exact=True).check()
    labelled(principal, "情节").select_option(label="严重")
    principal.get_by_label("家长参与情况").fill("双方家长列席会议，李小雨的祖母和王小磊的父亲分别陈述意见。")
    principal.get_by_label("认定理由").fill("多次故意殴打并强拿财物，造成身体伤害。")
    shot(principal, "54-determine-form")
    principal.get_by_test_id("action-form").get_by_role("button", name="记录认定").click()
    expect(principal.get_by_role("alert").filter(has_text="已完成：委员会认定。")).to_be_visible()
    expect_status(principal, State.DETERMINED)
    expect(principal.get_by_test_id("serious-badge")).to_be_visible()
    det = principal.get_by_test_id("determination")
    expect(det).to_contain_text("构成欺凌")
    expect(det).to_contain_text("情节严重")
    expect(det).to_contain_text(f"出席委员 {PRESENT} / 9")
    expect(det.get_by_test_id("criterion")).to_have_count(5)
    expect(det.get_by_test_id("criterion").nth(2)).to_contain_text("校医记录右手腕软组织挫伤")
    expect(principal.get_by_test_id("case-header")).to_contain_text("已报告教育局")

    # The owner reads the case page on a phone too: it must fit a 390 px screen.
    desk_phone = new_page("phone")
    log_in(desk_phone, cast.users["moral_director"].username)
    desk_phone.goto(case_url)
    expect_status(desk_phone, State.DETERMINED)
    assert_fits_width(desk_phone)
    shot(desk_phone, "55-case-determined-phone")

    child_reads_status(child, receipt, State.DETERMINED, shot, "56-receipt-determined-phone")
    expect(child.get_by_test_id("status-label")).to_have_text("已处理")

    # --- The county bureau sees the serious case at once and acknowledges it. -----------------------
    bureau = new_page("desktop")
    log_in(bureau, cast.users["county_admin"].username)
    bureau.goto("/cases/bureau/")
    expect(bureau.get_by_test_id("count-unacknowledged")).to_have_text("1 件待确认知悉")
    serious = bureau.locator(f"[data-testid=serious-row][data-case='{case_id}']")
    expect(serious).to_contain_text("严重")
    expect(serious).to_contain_text("待确认知悉")
    expect(serious).to_contain_text("李小雨")  # a serious case names the children to the bureau
    shot(bureau, "57-bureau-serious")
    serious.get_by_test_id("case-link").click()
    act(bureau, "bureau_acknowledge", record=True)
    bureau.get_by_label("督办意见").fill("请学校做好双方学生心理疏导，按期报送处理结果。")
    submit(bureau, "教育局已知悉")
    expect(bureau.get_by_test_id("case-header")).to_contain_text("教育局已知悉")
    bureau.goto("/cases/bureau/")
    expect(serious).to_contain_text("已知悉")
    expect(bureau.get_by_test_id("count-unacknowledged")).to_have_count(0)

    # --- The result is delivered; the girl applies for re-examination from her receipt. -------------
    desk.goto(case_url)
    act(desk, "notify_result", record=True)
    desk.get_by_label("送达日期").fill(iso(today))
    desk.get_by_label("送达方式").select_option(label="书面通知")
    submit(desk, "送达认定结果")
    expect(desk.get_by_test_id("timeline")).to_contain_text("认定结果已送达")

    child_reads_status(child, receipt, State.DETERMINED)
    form = child.get_by_test_id("reexam-form")
    expect(form).to_be_visible()
    expect(form).to_contain_text("请在 ")  # the last day to apply
    child.get_by_label("申请复查").fill(APPEAL)
    shot(child, "58-receipt-reexam-form-phone")
    child.get_by_role("button", name="提交复查申请").click()
    expect(child.get_by_test_id("reexam-sent")).to_be_visible()
    expect(child.get_by_test_id("status-explained")).to_have_text(str(PUBLIC_WORDS[State.REEXAMINATION]))
    expect(child.get_by_test_id("reexam-form")).to_have_count(0)
    assert_fits_width(child)
    shot(child, "59-receipt-reexam-sent-phone")

    # --- The bureau forms the panel and upholds the finding. ----------------------------------------
    bureau.goto("/cases/bureau/")
    reexam = bureau.locator(f"[data-testid=reexam-row][data-case='{case_id}']")
    expect(reexam).to_contain_text("学生凭回执码申请")
    expect(reexam.get_by_test_id("panel-status")).to_have_text("复查小组待组成")
    reexam.get_by_test_id("case-link").click()
    expect_status(bureau, State.REEXAMINATION)
    expect(bureau.get_by_test_id("reexamination")).to_contain_text(APPEAL)
    act(bureau, "assign_panel", record=True)
    labelled(bureau, "学校代表").fill("孙老师")
    labelled(bureau, "所在单位").fill("城关小学")
    labelled(bureau, "家长代表").fill("周女士")
    labelled(bureau, "校外专家").fill("郑律师")
    labelled(bureau, "专家所在单位/职业").fill("城关律师事务所 律师")
    submit(bureau, "组成复查小组")
    expect(bureau.get_by_test_id("reexamination")).to_contain_text("郑律师（校外专家，城关律师事务所 律师）")

    act(bureau, "decide_reexam")
    field(bureau, "finding").get_by_role("radio", name="维持原认定").check()
    bureau.get_by_label("决定日期").fill(iso(today))
    bureau.get_by_label("复查意见").fill("复查小组查阅材料并听取双方意见，原认定事实清楚，维持原认定。")
    submit(bureau, "作出复查决定")
    expect_status(bureau, State.DETERMINED)
    expect(bureau.get_by_test_id("reexamination")).to_contain_text("维持原认定")
    shot(bureau, "60-case-reexam-upheld")

    # --- Measures: a correction plan owned by the psychology teacher. -------------------------------
    psych = cast.users["psych_teacher"]
    desk.goto(case_url)
    act(desk, "add_measure", record=True)
    labelled(desk, "措施").select_option(label="矫治计划")
    labelled(desk, "对象").select_option(label="实施者：王小磊（初一(2)班）")
    labelled(desk, "内容").fill("每周两次、共 8 小时的行为矫治和同理心辅导。")
    desk.get_by_label("矫治时长（小时）").fill("8")
    labelled(desk, "负责人").select_option(label=f"{psych.full_name}（心理教师）")  # named with the role
    desk.get_by_label("完成期限").fill(iso(today + timedelta(days=30)))
    submit(desk, "添加处理措施")
    act(desk, "start_measures")
    submit(desk, "落实处理措施")
    expect_status(desk, State.MEASURES)
    measure = desk.get_by_test_id("measure")
    expect(measure).to_have_attribute("data-done", "0")
    expect(measure).to_contain_text("8 小时")
    expect(measure).to_contain_text(psych.full_name)

    child_reads_status(child, receipt, State.MEASURES)

    teacher = new_page("desktop")
    log_in(teacher, psych.username)
    item = teacher.get_by_test_id("panel-measures").get_by_test_id("measure-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("矫治计划")
    expect(item).to_contain_text(number)
    shot(teacher, "61-psych-home-measure")
    measure_id = item.get_attribute("data-measure")
    item.click()
    expect(teacher.get_by_test_id("action-title")).to_have_text("措施完成")
    expect(labelled(teacher, "措施")).to_have_value(measure_id)  # the link named it
    teacher.get_by_label("完成情况").fill("8 小时矫治已完成，王小磊写了反思并向李小雨道歉。")
    submit(teacher, "措施完成")
    expect(teacher.get_by_test_id("measure")).to_have_attribute("data-done", "1")
    teacher.goto("/")
    expect(teacher.get_by_test_id("panel-measures")).to_have_count(0)

    # --- Aftercare: visits at one week, one month and three months; then the principal closes. -----
    desk.goto(case_url)
    act(desk, "start_aftercare")
    desk.get_by_label("回访起算日").fill(iso(today))
    submit(desk, "进入跟踪回访")
    expect_status(desk, State.AFTERCARE)
    child_reads_status(child, receipt, State.AFTERCARE)

    # The principal cannot close it yet: the visits have not been made.
    principal.goto(case_url)
    act(principal, "close")
    principal.get_by_label("结案说明").fill("措施已落实，予以结案。")
    principal.get_by_test_id("action-form").get_by_role("button", name="结案", exact=True).click()
    expect(
        principal.get_by_role("alert").filter(has_text="尚不能执行此操作：还有回访未记录。")
    ).to_be_visible()
    expect_status(principal, State.AFTERCARE)

    visits = (
        ("一周", 7, "李小雨说厕所里没有人再堵她。"),
        ("一月", 30, "饭卡没有再被拿，课间会和同学一起玩。"),
        ("三月", 91, "情绪稳定，成绩回升，双方没有再发生冲突。"),
    )
    later = datetime.combine(today + timedelta(days=92), time(10, 0), tzinfo=SHANGHAI)
    with frozen_time(later, tick=True):  # the browser waits on a running clock
        # Three months on, the sessions of the day have long expired: both log in again.
        log_in(desk, cast.users["moral_director"].username)
        for label, days, note in visits:
            desk.goto(case_url)
            act(desk, "record_visit", record=True)
            visit = labelled(desk, "回访")
            expect(visit.locator("option:checked")).to_contain_text(label)
            desk.get_by_label("回访日期").fill(iso(today + timedelta(days=days)))
            field(desk, "stopped").get_by_role("radio", name="是", exact=True).check()
            desk.get_by_label("回访情况").fill(note)
            submit(desk, "记录回访")
        expect(desk.get_by_test_id("visit")).to_have_count(3)
        expect(desk.get_by_test_id("visit").filter(has_text="欺凌已停止")).to_have_count(3)

        log_in(principal, cast.users["principal"].username)
        principal.goto(case_url)
        act(principal, "close")
        principal.get_by_label("结案说明").fill(
            "措施已落实，三次回访欺凌均已停止，复查维持原认定，予以结案。"
        )
        submit(principal, "结案")
        expect_status(principal, State.CLOSED)
        expect(principal.get_by_test_id("action-move")).to_have_count(0)
        expect(principal.get_by_test_id("no-actions")).to_be_visible()
        shot(principal, "62-case-closed")

        child_reads_status(child, receipt, State.CLOSED, shot, "63-receipt-closed-phone")
        expect(child.get_by_test_id("status-label")).to_have_text("已结案")
