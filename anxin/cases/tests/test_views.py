"""The staff pages of case handling as a person in each role meets them."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from anxin.audit.models import AuditEvent
from anxin.core.models import Notification
from anxin.intake import services as intake_services
from anxin.intake.models import Status as ReportStatus
from anxin.org import services as org_services
from anxin.org.models import Role
from anxin.testing import Cast

from ..deadlines import refresh_next_due
from ..models import Attachment, Case, CaseEvent, CaseReport, Deadline, Determination, Party, PartyRole
from ..permissions import identity_rule, sees_identities
from ..services import case_act
from .helpers import add_parties, determine_data, lead, open_case, walk

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _listed(page: str) -> list[int]:
    table = page.split('data-testid="case-table"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'data-case="(\d+)"', table)]


def _png(*, secret: str = "") -> bytes:
    out = io.BytesIO()
    info = PngInfo()
    if secret:
        info.add_text("Comment", secret)
    Image.new("RGB", (40, 30), (30, 120, 90)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _upload(name: str, data: bytes, content_type: str):  # noqa: ANN202
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


# -- the list ------------------------------------------------------------------------------------------


def test_principal_finds_the_case_in_the_list_and_a_teacher_of_another_school_does_not(
    cast: Cast, login
) -> None:
    case = open_case(cast)
    page = login(cast.users["principal"]).get("/cases/").content.decode()
    assert _listed(page) == [case.pk]
    assert case.number in page

    response = login(cast.outsider).get("/cases/")
    assert response.status_code == 200
    assert case.number not in response.content.decode()


def test_teacher_of_other_school_gets_404_on_every_page_of_the_case(cast: Cast, login) -> None:
    case = open_case(cast)
    case_act(
        actor=lead(cast),
        case=case,
        action="attach",
        data={"name": "现场照片"},
        files={"file": _upload("a.png", _png(), "image/png")},
    )
    att = Attachment.objects.get(case=case)
    client = login(cast.outsider)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/cases/{case.pk}/act/add_note/").status_code == 404
    assert client.post(f"/cases/{case.pk}/act/add_note/", {"text": "外校老师的记录"}).status_code == 404
    assert client.get(f"/cases/{case.pk}/attachments/{att.pk}/").status_code == 404
    assert not CaseEvent.objects.filter(case=case, body="外校老师的记录").exists()


def test_list_shows_the_title_to_the_principal_and_only_the_kinds_to_the_safety_officer(
    cast: Cast, login
) -> None:
    case = open_case(cast, title="李小雨在宿舍被室友殴打", kinds=["physical"])
    principal = login(cast.users["principal"]).get("/cases/").content.decode()
    assert "李小雨在宿舍被室友殴打" in principal

    officer = login(cast.users["safety_officer"]).get("/cases/").content.decode()
    assert _listed(officer) == [case.pk]
    assert "李小雨" not in officer
    assert "肢体" in officer


def test_list_shows_names_to_exactly_the_roles_whose_duty_needs_them(cast: Cast) -> None:
    plain = open_case(cast, title="普通案件标题")  # opened and owned by the moral director
    serious = walk(cast, "pending")  # parties in classes A1 and A2: the class teacher of A1 sees names
    serious.serious = True
    serious.save(update_fields=["serious"])
    cases = list(Case.objects.select_related("school").filter(pk__in=[plain.pk, serious.pk]))
    expected = {
        plain.pk: {"principal", "psych_teacher", "moral_director"},
        serious.pk: {
            "principal",
            "psych_teacher",
            "moral_director",
            "class_teacher",
            "county_admin",
            "city_admin",
        },
    }
    checked = 0
    for role, user in cast.users.items():
        user = type(user).objects.get(pk=user.pk)
        rule = identity_rule(user, cases)
        for case in cases:
            if not _viewable(user, case):  # the list shows only cases one may view
                continue
            assert rule(case) is (role in expected[case.pk]), (role, case.number)
            assert sees_identities(user, case) is rule(case), (role, case.number)
            checked += 1
    assert checked >= 10


def _viewable(user, case) -> bool:  # noqa: ANN001
    from anxin.access.matrix import can

    return can(user, "case", "view", case)


def test_list_shows_the_next_deadline_coloured_and_unknown_holidays_in_grey(cast: Cast, login) -> None:
    case = open_case(cast)
    client = login(cast.users["principal"])
    page = client.get("/cases/").content.decode()
    assert 'data-urgency="ok"' in page or 'data-urgency="soon"' in page

    Deadline.objects.filter(case=case).update(due_on=timezone.localdate() - timedelta(days=1))

    refresh_next_due(case)
    page = client.get("/cases/").content.decode()
    assert 'data-urgency="overdue"' in page and "已逾期" in page

    Deadline.objects.filter(case=case).update(due_on=None, calendar_gap=2099)

    refresh_next_due(case)
    page = client.get("/cases/").content.decode()
    assert 'data-urgency="unknown"' in page and "节假日数据未知" in page


def test_list_filters_by_status_and_overdue(cast: Cast, login) -> None:
    fresh = open_case(cast)
    late = open_case(cast)
    case_act(actor=lead(cast), case=late, action="investigate", data={})
    Deadline.objects.filter(case=late).update(due_on=timezone.localdate() - timedelta(days=3))
    refresh_next_due(late)
    client = login(cast.users["principal"])
    assert _listed(client.get("/cases/?status=investigating").content.decode()) == [late.pk]
    assert _listed(client.get("/cases/?overdue=1").content.decode()) == [late.pk]
    assert _listed(client.get(f"/cases/?q={fresh.number}").content.decode()) == [fresh.pk]


def test_a_nonsense_filter_is_refused_with_a_chinese_message(cast: Cast, login) -> None:
    client = login(cast.users["principal"])
    response = client.get("/cases/?status=whatever")
    assert response.status_code == 400
    assert "“状态”的筛选条件不正确。" in response.content.decode()
    assert 'data-code="bad_filter"' in response.content.decode()
    assert client.get("/cases/?school=abc").status_code == 400


def test_bureau_user_sees_the_school_column_and_filter(cast: Cast, login) -> None:
    open_case(cast)
    page = login(cast.users["county_admin"]).get("/cases/").content.decode()
    assert 'name="school"' in page
    assert "实验中学" in page
    assert 'name="school"' not in login(cast.users["principal"]).get("/cases/").content.decode()


def test_list_costs_the_same_queries_for_few_and_many_cases(cast: Cast, login) -> None:
    for _ in range(2):
        add_parties(cast, walk(cast, "investigating"))
    client = login(cast.users["class_teacher"])
    # The class teacher sees cases through being a watcher (their students are parties).
    client.get("/cases/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/cases/").status_code == 200
    for _ in range(4):
        add_parties(cast, walk(cast, "investigating"))
    with CaptureQueriesContext(connection) as many:
        page = client.get("/cases/").content.decode()
    assert len(_listed(page)) == 6
    assert len(many) == len(few)


def test_new_case_button_only_for_those_who_may_open_cases(cast: Cast, login) -> None:
    assert 'data-testid="new-case"' in login(cast.users["moral_director"]).get("/cases/").content.decode()
    assert 'data-testid="new-case"' not in login(cast.users["class_teacher"]).get("/cases/").content.decode()
    assert login(cast.users["class_teacher"]).get("/cases/new/").status_code == 404


# -- opening a case --------------------------------------------------------------------------------------


def test_opening_a_case_by_hand_redirects_to_its_page_with_a_message(cast: Cast, login) -> None:
    client = login(cast.users["moral_director"])
    response = client.post(
        "/cases/new/", {"title": "班级群传播哭泣照片", "kinds": ["cyber", "verbal"], "narrative": "略"}
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert _messages(response) == [f"已立案，案件编号 {case.number}。"]
    assert case.owner == cast.users["moral_director"] and case.kinds == ["cyber", "verbal"]


def test_opening_a_case_without_a_title_names_the_field_and_stores_nothing(cast: Cast, login) -> None:
    response = login(cast.users["moral_director"]).post(
        "/cases/new/", {"title": "", "occurred_on": "2999-01-01"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "此项为必填项。" in page and "日期不能晚于今天。" in page
    assert not Case.objects.exists()


def test_someone_opening_cases_at_two_schools_chooses_one_they_may(cast: Cast, login) -> None:
    principal = cast.users["principal"]
    org_services.role_assign(actor=None, user=principal, role=Role.PRINCIPAL, unit=cast.school_b)
    client = login(principal)
    assert 'name="school"' in client.get("/cases/new/").content.decode()

    response = client.post("/cases/new/", {"title": "外区学校的案件", "school": cast.school_c.pk})
    assert response.status_code == 422
    assert "您不能在该学校立案。" in response.content.decode()
    response = client.post("/cases/new/", {"title": "城关小学的案件", "school": cast.school_b.pk})
    assert response.status_code == 302
    assert Case.objects.get().school == cast.school_b


def _report(cast: Cast):  # noqa: ANN202
    return intake_services.report_record(
        actor=cast.users["moral_director"],
        school=cast.school,
        channel="hotline",
        place="dormitory",
        time_band="after_lights_out",
        kinds=["physical"],
        text="孩子说两个室友每天晚上打他，还说要带刀来。",
    ).report


def test_opening_from_an_intake_report_links_it_and_marks_it_accepted(cast: Cast, login) -> None:
    report = _report(cast)
    client = login(cast.users["moral_director"])
    intake_page = client.get(f"/intake/{report.pk}/").content.decode()
    assert f'href="/cases/new/?report={report.pk}"' in intake_page and "立案处理" in intake_page

    form = client.get(f"/cases/new/?report={report.pk}").content.decode()
    assert "宿舍·熄灯后：疑似肢体欺凌" in form  # the title is pre-filled from the report
    assert "孩子说两个室友每天晚上打他" in form  # the report's text beside, read-only
    assert '<textarea name="narrative"' in form and "带刀来。</textarea>" not in form

    response = client.post(
        f"/cases/new/?report={report.pk}", {"title": "宿舍·熄灯后：疑似肢体欺凌", "urgent": "on"}
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert CaseReport.objects.filter(case=case, report=report).exists()
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert f"#{report.pk}" in client.get(f"/cases/{case.pk}/").content.decode()

    intake_page = client.get(f"/intake/{report.pk}/").content.decode()
    assert f'href="/cases/{case.pk}/"' in intake_page and f"已立案：{case.number}" in intake_page
    # Asking to open it again leads to the case it already is.
    again = client.get(f"/cases/new/?report={report.pk}")
    assert again.status_code == 302 and again["Location"] == f"/cases/{case.pk}/"


def test_opening_from_a_report_out_of_reach_is_404(cast: Cast, login) -> None:
    report = _report(cast)
    org_services.role_assign(actor=None, user=cast.far_outsider, role=Role.PRINCIPAL, unit=cast.school_c)
    assert login(cast.far_outsider).get(f"/cases/new/?report={report.pk}").status_code == 404
    assert (
        login(cast.far_outsider)
        .post(f"/cases/new/?report={report.pk}", {"title": "别校的报告立案"})
        .status_code
        == 404
    )
    assert login(cast.users["principal"]).get("/cases/new/?report=abc").status_code == 404
    assert not Case.objects.exists()


# -- the case page ---------------------------------------------------------------------------------------


def test_opening_the_case_page_writes_an_audit_event(cast: Cast, login) -> None:
    case = open_case(cast)
    before = AuditEvent.objects.filter(action="case.viewed", subject_id=str(case.pk)).count()
    assert login(cast.users["safety_officer"]).get(f"/cases/{case.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action="case.viewed", subject_id=str(case.pk)).order_by("-seq").first()
    assert AuditEvent.objects.filter(action="case.viewed", subject_id=str(case.pk)).count() == before + 1
    assert event is not None and event.actor == cast.users["safety_officer"]


def test_safety_officer_reads_masked_names_and_the_principal_full_names(cast: Cast, login) -> None:
    case = walk(cast, "investigating")
    add_parties(cast, case)
    case_act(
        actor=lead(cast),
        case=case,
        action="contact_guardian",
        data={
            "party": case.parties.get(role="target").pk,
            "guardian_name": "李奶奶",
            "relation": "祖母",
            "contacted_at": timezone.now().isoformat(),
            "method": "phone",
            "said": "已告知情况",
        },
    )
    officer = login(cast.users["safety_officer"]).get(f"/cases/{case.pk}/").content.decode()
    assert "李*雨" in officer and "王*磊" in officer
    assert "李小雨" not in officer and "王小磊" not in officer and "李奶奶" not in officer
    assert 'data-testid="masked-note"' in officer

    principal = login(cast.users["principal"]).get(f"/cases/{case.pk}/").content.decode()
    assert "李小雨" in principal and "王小磊" in principal and "李奶奶" in principal
    assert "宿舍同学夜间殴打" in principal


def test_form_choices_are_masked_too_for_someone_who_may_not_see_names(cast: Cast, login) -> None:
    case = walk(cast, "investigating")
    add_parties(cast, case)
    page = login(cast.users["safety_officer"]).get(f"/cases/{case.pk}/act/contact_guardian/").content.decode()
    assert "李*雨" in page and "李小雨" not in page
    assert "李奶奶" not in page and "· 祖母<" in page  # the guardian on file, by relation only
    page = login(cast.users["principal"]).get(f"/cases/{case.pk}/act/contact_guardian/").content.decode()
    assert "李小雨" in page and "祖母 李奶奶</option>" in page


def test_a_guardian_is_chosen_from_the_file_or_typed_when_not_on_it(cast: Cast, login) -> None:
    from ..models import GuardianContact

    case = walk(cast, "investigating")
    target, bully = add_parties(cast, case)
    grandma = cast.student_a1.guardians.get()
    client = login(cast.users["principal"])
    url = f"/cases/{case.pk}/act/contact_guardian/"
    base = {"contacted_at": "2026-03-16T09:00", "method": "phone", "said": "已告知情况"}
    # Neither a guardian on file nor a typed one: both typed fields are asked for, nothing stored.
    refused = client.post(url, {**base, "party": target.pk})
    assert refused.status_code == 422
    assert refused.content.decode().count("此项为必填项。") >= 2
    # The bully's party with the target's grandmother: refused, the typed words kept.
    mixed = client.post(url, {**base, "party": bully.pk, "guardian": grandma.pk})
    assert mixed.status_code == 422 and "所选监护人不是该学生的监护人。" in mixed.content.decode()
    assert "已告知情况" in mixed.content.decode()
    assert not GuardianContact.objects.exists()
    # Chosen from the file: name and relation come from it.
    assert client.post(url, {**base, "party": target.pk, "guardian": grandma.pk}).status_code == 302
    contact = GuardianContact.objects.get()
    assert (contact.guardian_name, contact.relation) == ("李奶奶", "祖母")
    # Typed, for a parent not on file.
    typed = {**base, "party": bully.pk, "guardian_name": "王父", "relation": "父亲"}
    assert client.post(url, typed).status_code == 302
    assert GuardianContact.objects.filter(party=bully, relation="父亲").exists()


def test_case_page_shows_the_timeline_in_beijing_time_with_actors(cast: Cast, login) -> None:
    case = open_case(cast)
    CaseEvent.objects.create(
        case=case,
        kind="note",
        at=datetime(2026, 1, 5, 0, 30, tzinfo=UTC),
        actor=cast.users["principal"],
        title="校长记录",
    )
    page = login(cast.users["principal"]).get(f"/cases/{case.pk}/").content.decode()
    timeline = page.split('data-testid="timeline"', 1)[1]
    assert "2026-01-05 08:30" in timeline and "校长甲" in timeline
    titles = re.findall(r'data-testid="event" data-kind="\w+">.*?</time>.*?<div>([^<]+)', timeline, re.S)
    assert titles[0].strip() == "校长记录"  # January comes before today's opening
    assert "立案" in titles[1]


def test_actions_are_the_ones_the_person_may_take_now(cast: Cast, login) -> None:
    case = open_case(cast)
    page = login(cast.users["moral_director"]).get(f"/cases/{case.pk}/").content.decode()
    moves = re.findall(r'data-testid="action-move" data-action="(\w+)"', page)
    records = re.findall(r'data-testid="action-record" data-action="(\w+)"', page)
    assert moves == ["emergency", "investigate", "refer_police"]
    assert "add_party" in records and "close" not in moves
    assert 'data-testid="file-pdf"' in page

    viewer = login(cast.users["county_admin"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="action-move"' not in viewer and 'data-testid="file-pdf"' not in viewer


def test_case_page_shows_deadlines_without_a_date_as_unknown_holidays(cast: Cast, login) -> None:
    case = open_case(cast)
    Deadline.objects.filter(case=case).update(due_on=None, calendar_gap=2099)
    refresh_next_due(case)
    page = login(cast.users["principal"]).get(f"/cases/{case.pk}/").content.decode()
    assert "节假日数据未知" in page and "2099 年节假日安排尚未录入" in page


# -- taking an action ------------------------------------------------------------------------------------


def test_a_transition_posted_without_its_inputs_shows_each_error_and_changes_nothing(
    cast: Cast, login
) -> None:
    case = walk(cast, "pending")
    response = login(cast.users["principal"]).post(f"/cases/{case.pk}/act/determine/", {"is_bullying": "yes"})
    assert response.status_code == 422
    page = response.content.decode()
    errors = dict(re.findall(r'data-testid="field-error" data-for="(\w+)">([^<]+)<', page))
    assert errors["intent_answer"] == "请回答此项要件。"
    assert errors["harm_evidence"] == "请写明支持该判断的证据。"
    assert errors["members_present"] == "此项为必填项。"
    assert errors["kinds"] == "认定构成欺凌的，请选择行为类型。"
    assert "请补全或更正" in page
    case.refresh_from_db()
    assert case.status == "pending" and not Determination.objects.exists()


def test_quorum_not_met_is_shown_at_the_members(cast: Cast, login) -> None:
    case = walk(cast, "pending")
    response = login(cast.users["principal"]).post(
        f"/cases/{case.pk}/act/determine/", determine_data(cast, present=3)
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert re.search(r'data-for="members_present">出席人数不足。<', page)
    assert "未达到委员会 9 人的法定人数" in page
    assert re.search(r'class="js-present">3<', page)
    assert Case.objects.get(pk=case.pk).status == "pending"


def test_a_full_determination_moves_the_case_and_shows_each_criterion(cast: Cast, login) -> None:
    case = walk(cast, "pending")
    data = determine_data(cast)  # also seats the school's committee of nine
    client = login(cast.users["principal"])
    form = client.get(f"/cases/{case.pk}/act/determine/").content.decode()
    assert form.count('data-testid="criterion-row"') == 5
    assert 'data-testid="present-count"' in form and "/ 9" in form

    response = client.post(f"/cases/{case.pk}/act/determine/", data)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert _messages(response) == ["已完成：委员会认定。"]
    case.refresh_from_db()
    assert case.status == "determined" and case.gravity == "heavier"
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert page.count('data-testid="criterion"') == 5
    assert "主观故意或恶意：询问笔录及聊天截图" in page and "出席委员 7 / 9" in page


def test_an_action_the_state_does_not_allow_shows_the_conflict(cast: Cast, login) -> None:
    case = open_case(cast)
    client = login(cast.users["principal"])
    response = client.post(f"/cases/{case.pk}/act/close/", {"summary": "想直接结案"})
    assert response.status_code == 409  # refused on the form's page, the summary kept
    assert _messages(response) == ["案件当前为“已受理”，不能执行“结案”。"]
    assert "想直接结案" in response.content.decode()
    response = client.get(f"/cases/{case.pk}/act/close/")
    assert response.status_code == 302
    assert _messages(response) == ["案件当前为“已受理”，不能执行“结案”。"]
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_a_case_not_ready_for_a_move_says_why(cast: Cast, login) -> None:
    case = walk(cast, "investigating")
    Party.objects.filter(case=case).delete()
    response = login(cast.users["moral_director"]).post(
        f"/cases/{case.pk}/act/submit/", {"summary": "调查完毕，提请认定。"}
    )
    assert response.status_code == 409
    assert _messages(response) == ["尚不能执行此操作：请先登记受欺凌学生（当事人）。"]
    assert "调查完毕，提请认定。" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "investigating"


def test_unknown_action_is_404(cast: Cast, login) -> None:
    case = open_case(cast)
    client = login(cast.users["principal"])
    assert client.get(f"/cases/{case.pk}/act/explode/").status_code == 404
    assert client.post(f"/cases/{case.pk}/act/explode/").status_code == 404


def test_someone_who_may_view_but_not_determine_is_refused(cast: Cast, login) -> None:
    case = walk(cast, "pending")
    client = login(cast.users["safety_officer"])
    response = client.get(f"/cases/{case.pk}/act/determine/")
    assert response.status_code == 403
    assert "您没有执行此操作的权限。" in response.content.decode()
    assert client.post(f"/cases/{case.pk}/act/determine/", determine_data(cast)).status_code == 403
    assert Case.objects.get(pk=case.pk).status == "pending"


def test_a_party_is_added_by_student_number(cast: Cast, login) -> None:
    case = open_case(cast)
    client = login(cast.users["moral_director"])
    assert 'name="student_no"' in client.get(f"/cases/{case.pk}/act/add_party/").content.decode()
    response = client.post(f"/cases/{case.pk}/act/add_party/", {"role": "target", "student_no": "A1001"})
    assert response.status_code == 302
    assert case.parties.get().student == cast.student_a1

    response = client.post(f"/cases/{case.pk}/act/add_party/", {"role": "bully", "student_no": "NOPE"})
    assert response.status_code == 422
    assert re.search(r'data-for="student_no">找不到该学号的在读学生。', response.content.decode())
    assert case.parties.count() == 1


# -- attachments -----------------------------------------------------------------------------------------


def test_a_png_is_stored_re_encoded_and_downloaded_by_the_owner(cast: Cast, login) -> None:
    case = open_case(cast)
    client = login(lead(cast))
    original = _png(secret="GPS 36.65N 117.12E")
    response = client.post(
        f"/cases/{case.pk}/act/attach/", {"name": "聊天截图", "file": _upload("s.png", original, "image/png")}
    )
    assert response.status_code == 302
    att = Attachment.objects.get(case=case)
    assert att.content_type in ("image/png", "image/jpeg")
    stored = att.file.read()
    assert stored != original and b"GPS" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 30)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/attachments/{att.pk}/" in page
    download = client.get(f"/cases/{case.pk}/attachments/{att.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == att.content_type
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == stored

    assert login(cast.outsider).get(f"/cases/{case.pk}/attachments/{att.pk}/").status_code == 404
    other = open_case(cast)
    assert login(lead(cast)).get(f"/cases/{other.pk}/attachments/{att.pk}/").status_code == 404


def test_an_upload_that_is_neither_image_nor_pdf_is_refused_in_chinese(cast: Cast, login) -> None:
    case = open_case(cast)
    response = login(lead(cast)).post(
        f"/cases/{case.pk}/act/attach/",
        {"name": "记录", "file": _upload("x.docx", b"PK\x03\x04 word", "application/msword")},
    )
    assert response.status_code == 422
    assert re.search(r'data-for="file">“记录”不是 JPEG、PNG 或 HEIC 照片。<', response.content.decode())
    assert not Attachment.objects.exists()


# -- the 工作台 -------------------------------------------------------------------------------------------


def test_a_measure_stays_on_its_owners_workbench_until_completed(cast: Cast, login) -> None:
    case = walk(cast, "measures")
    measure = case.measures.get()
    owner = cast.users["psych_teacher"]
    client = login(owner)
    home = client.get("/").content.decode()
    assert 'data-testid="panel-measures"' in home and f'data-measure="{measure.pk}"' in home
    assert "矫治计划" in home and case.number in home
    assert 'data-testid="panel-measures"' not in login(cast.users["principal"]).get("/").content.decode()

    client = login(owner)
    form = client.get(f"/cases/{case.pk}/act/complete_measure/?measure={measure.pk}").content.decode()
    assert f'<option value="{measure.pk}" selected>' in form
    response = client.post(
        f"/cases/{case.pk}/act/complete_measure/", {"measure": measure.pk, "note": "已完成 8 小时矫治"}
    )
    assert response.status_code == 302
    assert 'data-testid="panel-measures"' not in client.get("/").content.decode()


def test_my_cases_panel_lists_the_cases_i_own_with_their_next_deadline(cast: Cast, login) -> None:
    case = open_case(cast)
    Deadline.objects.filter(case=case).update(due_on=timezone.localdate() - timedelta(days=1))
    refresh_next_due(case)
    home = login(lead(cast)).get("/").content.decode()
    panel = home.split('data-testid="panel-my-cases"', 1)[1]
    assert f'data-case="{case.pk}"' in panel and 'data-urgency="overdue"' in panel
    assert 'data-testid="panel-my-cases"' not in login(cast.users["safety_officer"]).get("/").content.decode()


def test_workbench_panels_cost_few_queries(cast: Cast, login) -> None:
    for _ in range(3):
        walk(cast, "measures")
    client = login(cast.users["psych_teacher"])
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    cases_queries = [q for q in ctx.captured_queries if "cases_" in q["sql"]]
    assert len(cases_queries) <= 4


def test_parties_added_for_the_class_teacher_make_the_case_appear_in_their_list(cast: Cast, login) -> None:
    case = open_case(cast)
    client = login(cast.users["class_teacher"])
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    add_parties(cast, case)
    assert _listed(client.get("/cases/").content.decode()) == [case.pk]
    assert "李小雨" in client.get(f"/cases/{case.pk}/").content.decode()


def test_measures_decided_together_reach_their_owner_as_one_notice(cast: Cast, login) -> None:
    """Two measures for one owner (one per party) are one notice, counted, until it is read."""
    case = walk(cast, "determined")
    owner = cast.users["psych_teacher"]
    bully = case.parties.get(role=PartyRole.BULLY)
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    for kind, detail in (("correction", "8 小时矫治计划"), ("apology", "当面赔礼道歉")):
        case = case_act(
            actor=lead(cast),
            case=case,
            action="add_measure",
            data={
                "kind": kind,
                "party": bully.pk,
                "detail": detail,
                "owner": owner.pk,
                "due_on": due,
                "hours": 8,
            },
        )
    notices = list(
        Notification.objects.filter(user=owner, subject_key__startswith=f"case:{case.pk}:measures:")
    )
    assert len(notices) == 1
    assert notices[0].title == "新的处理措施待您落实（2 项）：矫治计划、赔礼道歉"
    # Once read, the next measure is news again.
    Notification.objects.filter(pk=notices[0].pk).update(read_at=timezone.now())
    case_act(
        actor=lead(cast),
        case=case,
        action="add_measure",
        data={"kind": "education", "party": bully.pk, "detail": "批评教育", "owner": owner.pk, "due_on": due},
    )
    latest = Notification.objects.filter(user=owner, read_at__isnull=True).get()
    assert latest.title == "新的处理措施待您落实：批评教育"
    # The case log still says who was told of each measure.
    told = [e for e in case.events.filter(kind="notification") if e.data.get("recipients") == [owner.pk]]
    assert len(told) == 3


def test_a_step_refused_because_the_case_moved_on_keeps_what_was_typed(cast: Cast, login) -> None:
    """Two handlers: one submits the investigation while the other is still writing hers."""
    case = walk(cast, "investigating")
    add_parties(cast, case)
    client = login(lead(cast))
    assert client.get(f"/cases/{case.pk}/act/submit/").status_code == 200
    case_act(
        actor=cast.users["principal"],
        case=case,
        action="submit",
        data={"summary": "另一位老师先提交了调查报告。"},
    )
    mine = "我花了一个小时写的调查经过：课间在走廊……"
    response = client.post(f"/cases/{case.pk}/act/submit/", {"summary": mine})
    html = response.content.decode()
    assert response.status_code == 409
    assert 'data-testid="refused-kept"' in html and mine in html
    assert '<button class="btn btn-success btn-lg" type="submit">' not in html
    case.refresh_from_db()
    assert mine not in (case.events.filter(kind="state").values_list("body", flat=True).first() or "")
