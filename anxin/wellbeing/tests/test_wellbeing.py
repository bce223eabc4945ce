from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.core.errors import ErrorCode, NotFound, ServiceError
from anxin.core.models import ChannelSettings, Delivery, Notification
from anxin.testing import Cast, frozen_time

from .. import events, selectors, services
from ..errors import WellbeingError
from ..models import Invitation, RoundClass, Screening, ScreeningWarning
from .helpers import (
    CALM,
    MILD,
    MODERATE,
    NOW,
    SELF_HARM,
    SEVERE,
    add_pupil,
    codes_for,
    open_round,
    other_psych,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _term_day() -> Iterator[None]:
    with frozen_time(NOW, tick=True):
        yield


def _code_of(exc: pytest.ExceptionInfo[ServiceError]) -> str:
    return str(exc.value.code)


# --- rounds ---------------------------------------------------------------------------------------


def test_primary_school_class_cannot_be_screened(cast: Cast) -> None:
    with pytest.raises(ServiceError) as exc:
        services.round_open(
            actor=cast.users["county_admin"],
            school=cast.school_b,
            title="筛查",
            opens_on=NOW.date(),
            closes_on=NOW.date() + timedelta(days=7),
            classes=[cast.class_b1],
        )
    assert _code_of(exc) == WellbeingError.NOT_SECONDARY
    assert "初中及以上" in exc.value.message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": "  "}, ErrorCode.TITLE_REQUIRED),
        ({"closes_on": date(2026, 11, 1)}, ErrorCode.BAD_WINDOW),
        ({"closes_on": date(2027, 3, 1)}, ErrorCode.BAD_WINDOW),
        ({"classes": []}, WellbeingError.NO_CLASSES),
    ],
)
def test_round_refuses_bad_input(cast: Cast, change: dict, code: str) -> None:
    data: dict[str, Any] = {
        "actor": cast.users["psych_teacher"],
        "school": cast.school,
        "title": "筛查",
        "opens_on": NOW.date(),
        "closes_on": NOW.date() + timedelta(days=7),
        "classes": [cast.class_a1],
    }
    data.update(change)
    with pytest.raises(ServiceError) as exc:
        services.round_open(**data)
    assert _code_of(exc) == code


def test_class_of_another_school_is_refused(cast: Cast) -> None:
    with pytest.raises(ServiceError) as exc:
        open_round(cast, classes=[cast.class_c1])
    assert _code_of(exc) == WellbeingError.CLASS_OTHER_SCHOOL


def test_psych_teacher_of_another_school_cannot_open_a_round_here(cast: Cast) -> None:
    with pytest.raises(NotFound):
        services.round_open(
            actor=other_psych(cast),
            school=cast.school,
            title="筛查",
            opens_on=NOW.date(),
            closes_on=NOW.date() + timedelta(days=7),
            classes=[cast.class_a1],
        )


def test_codes_need_the_guardian_notice_first_and_a_reprint_voids_old_codes(cast: Cast) -> None:
    rnd = open_round(cast)
    rc = RoundClass.objects.get(round=rnd, klass=cast.class_a1)
    with pytest.raises(ServiceError) as exc:
        services.codes_issue(actor=cast.users["psych_teacher"], round_class=rc)
    assert _code_of(exc) == WellbeingError.NOTICE_REQUIRED
    first = codes_for(cast, rnd)
    second = codes_for(cast, rnd)
    pupil = cast.student_a1.pk
    assert first[pupil] != second[pupil]
    with pytest.raises(ServiceError) as exc:
        services.screening_submit(code=first[pupil], answers=CALM)
    assert _code_of(exc) == WellbeingError.UNKNOWN_CODE
    services.screening_submit(code=second[pupil], answers=CALM)
    # Only hashes are stored: the code itself is nowhere in the table.
    assert not Invitation.objects.filter(code_hash__icontains=second[pupil].replace("-", "")).exists()
    assert AuditEvent.objects.filter(action=events.NOTICE_RECORDED).count() == 1


def test_principal_and_bureau_cannot_print_codes(cast: Cast) -> None:
    rnd = open_round(cast)
    rc = RoundClass.objects.get(round=rnd, klass=cast.class_a1)
    services.notice_record(actor=cast.users["psych_teacher"], round_class=rc)
    for who in ("principal", "county_admin", "class_teacher"):
        with pytest.raises(ServiceError):
            services.codes_issue(actor=cast.users[who], round_class=rc)


# --- answering ------------------------------------------------------------------------------------


def test_a_code_answers_once_and_nothing_is_counted_twice(cast: Cast) -> None:
    rnd = open_round(cast)
    code = codes_for(cast, rnd)[cast.student_a1.pk]
    services.screening_submit(code=code.lower().replace("-", " "), answers=CALM)
    with pytest.raises(ServiceError) as exc:
        services.screening_submit(code=code, answers=CALM)
    assert _code_of(exc) == ErrorCode.CODE_USED
    assert Screening.objects.filter(student=cast.student_a1).count() == 1
    assert not ScreeningWarning.objects.exists()  # all zeros: no warning


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"phq9": [0] * 8, "gad7": [0] * 7}, WellbeingError.INCOMPLETE),
        ({"phq9": [0] * 9}, WellbeingError.INCOMPLETE),
        ({"phq9": [0] * 8 + [None], "gad7": [0] * 7}, WellbeingError.INCOMPLETE),
        ({"phq9": [0] * 8 + [4], "gad7": [0] * 7}, WellbeingError.OUT_OF_RANGE),
        ({"phq9": [0] * 8 + [-1], "gad7": [0] * 7}, WellbeingError.OUT_OF_RANGE),
        ({"phq9": [0] * 8 + [True], "gad7": [0] * 7}, WellbeingError.OUT_OF_RANGE),
        ({"phq9": [0] * 8 + ["很多"], "gad7": [0] * 7}, WellbeingError.OUT_OF_RANGE),
        ({"phq9": [0] * 10, "gad7": [0] * 7}, WellbeingError.OUT_OF_RANGE),
        ("全部都是0", WellbeingError.INCOMPLETE),
    ],
)
def test_bad_answers_are_refused_and_the_code_stays_usable(cast: Cast, answers: object, code: str) -> None:
    rnd = open_round(cast)
    pupil_code = codes_for(cast, rnd)[cast.student_a1.pk]
    with pytest.raises(ServiceError) as exc:
        services.screening_submit(code=pupil_code, answers=answers)
    assert _code_of(exc) == code
    assert exc.value.status == 422
    assert not Screening.objects.exists()
    services.screening_submit(code=pupil_code, answers=CALM)


def test_unknown_and_malformed_codes(cast: Cast) -> None:
    open_round(cast)
    for bad in ("", "ABCD-EFGH-JKMN", "x" * 100, None, 12):
        with pytest.raises(ServiceError) as exc:
            services.screening_submit(code=bad, answers=CALM)
        assert _code_of(exc) == WellbeingError.UNKNOWN_CODE


def test_code_outside_the_window_is_refused(cast: Cast) -> None:
    rnd = open_round(cast, days=3)
    code = codes_for(cast, rnd)[cast.student_a1.pk]
    with frozen_time(NOW + timedelta(days=5)), pytest.raises(ServiceError) as exc:
        services.screening_submit(code=code, answers=CALM)
    assert _code_of(exc) == WellbeingError.ROUND_NOT_OPEN


# --- the three levels -----------------------------------------------------------------------------


def test_attention_tells_the_class_teacher_to_check_in_without_scores(cast: Cast, login) -> None:  # noqa: ANN001
    rnd = open_round(cast)
    services.screening_submit(code=codes_for(cast, rnd)[cast.student_a1.pk], answers=MILD)
    w = ScreeningWarning.objects.get()
    assert w.level == "attention"
    teacher = cast.users["class_teacher"]
    note = Notification.objects.get(user=teacher)
    assert "李小雨" not in note.title + note.body and "PHQ" not in note.title + note.body
    assert not Notification.objects.filter(user=cast.users["duty_staff"]).exists()
    html = login(teacher).get(reverse("wellbeing:warning", args=[w.pk])).content.decode()
    assert "李小雨" in html and "关心谈话" in html
    assert "PHQ-9" not in html and 'data-testid="scores"' not in html
    home = login(teacher).get(reverse("home")).content.decode()
    assert 'data-testid="panel-wellbeing"' in home
    # The class teacher cannot open the answers behind it.
    assert login(teacher).get(reverse("wellbeing:screening", args=[w.screening_id])).status_code == 404


def test_concern_gives_the_psych_teacher_three_school_days(cast: Cast, login) -> None:  # noqa: ANN001
    rnd = open_round(cast)
    services.screening_submit(code=codes_for(cast, rnd)[cast.student_a1.pk], answers=MODERATE)
    w = ScreeningWarning.objects.get()
    assert w.level == "concern"
    assert w.due_on == date(2026, 11, 13)  # Tue + 3 school days = Fri
    assert Notification.objects.filter(user=cast.users["psych_teacher"], urgent=False).count() == 1
    assert not Notification.objects.filter(user=cast.users["class_teacher"]).exists()
    html = login(cast.users["psych_teacher"]).get(reverse("wellbeing:warning", args=[w.pk])).content.decode()
    assert 'data-testid="scores"' in html and "2026-11-13" in html
    assert f"/ledgers/care/plans/new/?student={cast.student_a1.pk}" in html


@pytest.mark.parametrize("answers", [SELF_HARM, SEVERE])
def test_urgent_reaches_the_psych_teacher_and_duty_leader_at_once_without_name_or_score(
    cast: Cast,
    settings,
    answers: dict,  # noqa: ANN001
) -> None:
    settings.NOTIFY_CHANNELS = ["sms"]
    duty = cast.users["duty_staff"]
    ChannelSettings.objects.create(user=duty, channels=["sms"], sms_phone="13800000077")
    rnd = open_round(cast)
    services.screening_submit(code=codes_for(cast, rnd)[cast.student_a1.pk], answers=answers)
    w = ScreeningWarning.objects.get()
    assert w.level == "urgent"
    notes = Notification.objects.filter(subject_key=f"wellbeing_warning:{w.pk}")
    assert {n.user_id for n in notes} == {cast.users["psych_teacher"].pk, duty.pk}
    assert all(n.urgent for n in notes)
    delivery = Delivery.objects.get(user=duty)
    assert delivery.text == "实验中学有一条心理筛查紧急预警待处理"
    for text in [delivery.text, *(n.title + n.body for n in notes)]:
        assert "李小雨" not in text and "李*雨" not in text and "PHQ" not in text
    assert list(w.watchers.all()) == [duty]
    assert selectors.open_for(duty) == [w]
    assert selectors.open_for(cast.users["principal"]) == []


def test_warning_flow_acknowledge_then_act_with_a_note(cast: Cast) -> None:
    rnd = open_round(cast)
    services.screening_submit(code=codes_for(cast, rnd)[cast.student_a1.pk], answers=SELF_HARM)
    w = ScreeningWarning.objects.get()
    duty = cast.users["duty_staff"]
    services.warning_action(actor=duty, warning=w, action="acknowledge")
    with pytest.raises(ServiceError) as exc:
        services.warning_action(actor=duty, warning=w, action="act", note=" ")
    assert _code_of(exc) == "note_required"
    with pytest.raises(ServiceError) as exc:
        services.warning_action(actor=duty, warning=w, action="fly")
    assert _code_of(exc) == "unknown_action"
    services.warning_action(
        actor=cast.users["psych_teacher"], warning=w, action="act", note="当天约谈，已联系家长"
    )
    w.refresh_from_db()
    assert w.status == "acted" and w.acknowledged_by == duty
    with pytest.raises(ServiceError) as exc:
        services.warning_action(actor=duty, warning=w, action="dismiss", note="重复")
    assert _code_of(exc) == "transition_not_allowed"
    assert AuditEvent.objects.filter(action=events.WARNING_ACTED, subject_id=str(w.pk)).count() == 1


# --- who reads what -------------------------------------------------------------------------------


def test_only_the_schools_psych_teacher_reads_answers_and_each_read_is_audited(cast: Cast, login) -> None:  # noqa: ANN001
    rnd = open_round(cast)
    services.screening_submit(code=codes_for(cast, rnd)[cast.student_a1.pk], answers=MODERATE)
    s = Screening.objects.get()
    url = reverse("wellbeing:screening", args=[s.pk])
    for who in ("principal", "moral_director", "class_teacher", "county_admin", "city_admin", "duty_staff"):
        assert login(cast.users[who]).get(url).status_code == 404, who
    assert login(other_psych(cast)).get(url).status_code == 404
    assert login(cast.far_outsider).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=events.ANSWERS_READ).exists()
    html = login(cast.users["psych_teacher"]).get(url).content.decode()
    assert "李小雨" in html and "PHQ-9" in html and "10/27" in html
    read = AuditEvent.objects.get(action=events.ANSWERS_READ)
    assert read.actor_id == cast.users["psych_teacher"].pk
    # The round page shows the principal counts, never scores.
    page = login(cast.users["principal"]).get(reverse("wellbeing:round", args=[rnd.pk])).content.decode()
    assert "1/1" in page and 'data-testid="screenings"' not in page
    assert not AuditEvent.objects.filter(action=events.SCORES_LISTED).exists()
    login(cast.users["psych_teacher"]).get(reverse("wellbeing:round", args=[rnd.pk]))
    listed = AuditEvent.objects.get(action=events.SCORES_LISTED)
    assert listed.after == {"screenings": [s.pk], "count": 1}


def test_change_between_two_screenings_for_aftercare(cast: Cast, login) -> None:  # noqa: ANN001
    before = open_round(cast)
    services.screening_submit(code=codes_for(cast, before)[cast.student_a1.pk], answers=MODERATE)
    with frozen_time(NOW + timedelta(days=30)):
        after = open_round(cast, opens_on=(NOW + timedelta(days=30)).date(), classes=[cast.class_a1])
        services.screening_submit(code=codes_for(cast, after)[cast.student_a1.pk], answers=MILD)
    psych = cast.users["psych_teacher"]
    student, screenings, change = selectors.student_history(psych, cast.student_a1.pk)
    assert [s.phq9 for s in screenings] == [10, 5]
    assert (change.phq9, change.gad7) == (-5, -7)
    _, _, only_first = selectors.student_history(psych, cast.student_a1.pk, end=NOW.date())
    assert only_first.phq9 is None  # one screening in range: nothing to compare
    url = reverse("wellbeing:student", args=[cast.student_a1.pk])
    html = login(psych).get(url).content.decode()
    assert "10 → 5" in html and "-5" in html
    assert login(cast.users["principal"]).get(url).status_code == 404
    assert login(other_psych(cast)).get(url).status_code == 404
    assert AuditEvent.objects.filter(action=events.CHANGE_READ).count() == 3  # two selector calls, one page


# --- the pupil's page -----------------------------------------------------------------------------


def test_pupil_answers_on_the_page_and_a_half_finished_form_is_kept(cast: Cast, client) -> None:  # noqa: ANN001
    rnd = open_round(cast)
    code = codes_for(cast, rnd)[cast.student_a1.pk]
    url = reverse("wellbeing:answer")
    assert client.get(url).status_code == 200
    form = client.post(url, {"code": code})
    assert form.status_code == 200 and "李*雨" in form.content.decode()
    data = {"code": code, "step": "submit", **{f"phq9_{n}": "0" for n in range(1, 9)}}
    data.update({f"gad7_{n}": "1" for n in range(1, 8)})
    half = client.post(url, data)
    assert half.status_code == 422 and "还有 1 道题没有回答" in half.content.decode()
    assert 'value="1" checked' in half.content.decode()  # what was ticked stays ticked
    data["phq9_9"] = "7"
    assert client.post(url, data).status_code == 422
    data["phq9_9"] = "0"
    done = client.post(url, data)
    assert done.status_code == 200 and 'data-testid="thanks"' in done.content.decode()
    again = client.post(url, {"code": code})
    assert again.status_code == 409 and "已经用过" in again.content.decode()
    assert client.post(url, {"code": "0000-0000-0000"}).status_code == 404


def test_too_many_wrong_codes_from_one_address(cast: Cast, client) -> None:  # noqa: ANN001
    url = reverse("wellbeing:answer")
    answers = [client.post(url, {"code": "0000-0000-0000"}).status_code for _ in range(32)]
    assert answers[:31] == [404] * 31 and answers[31] == 429
    assert "输错的次数太多" in client.post(url, {"code": "0000-0000-0000"}).content.decode()


# --- API ------------------------------------------------------------------------------------------


def _as(user) -> Client:  # noqa: ANN001
    """A client of its own per person: the ``login`` fixture signs one shared client in."""
    c = Client()
    c.force_login(user)
    return c


def _api(client, method: str, path: str, body: object = None):  # noqa: ANN001, ANN202
    kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
    return getattr(client, method)("/api/wellbeing" + path, **kwargs)


def test_api_round_lifecycle_and_answering(cast: Cast) -> None:
    psych = _as(cast.users["psych_teacher"])
    body = {
        "school_id": cast.school.pk,
        "title": "API 筛查",
        "opens_on": str(NOW.date()),
        "closes_on": str(NOW.date() + timedelta(days=7)),
        "class_ids": [cast.class_a1.pk],
    }
    r = _api(psych, "post", "/rounds", body)
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    r = _api(psych, "post", f"/rounds/{rid}/classes/{cast.class_a1.pk}/codes", {})
    assert r.status_code == 409 and r.json()["code"] == "notice_required"
    assert _api(psych, "post", f"/rounds/{rid}/classes/{cast.class_a1.pk}/notice").status_code == 200
    slips = _api(psych, "post", f"/rounds/{rid}/classes/{cast.class_a1.pk}/codes", {}).json()
    code = next(s["code"] for s in slips if s["student_id"] == cast.student_a1.pk)
    check = _api(Client(), "post", "/answer/check", {"code": code})
    assert check.status_code == 200 and len(check.json()["instruments"][0]["items"]) == 9
    bad = _api(Client(), "post", "/answer", {"code": code, "answers": {"phq9": [0] * 9, "gad7": [0] * 6}})
    assert (
        bad.status_code == 422
        and bad.json()["code"] == "incomplete"
        and bad.json()["detail"] == {"gad7": [7]}
    )
    bad = _api(
        Client(), "post", "/answer", {"code": code, "answers": {"phq9": [0] * 8 + [5], "gad7": [0] * 7}}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "out_of_range"
    ok = _api(Client(), "post", "/answer", {"code": code, "answers": SELF_HARM})
    assert ok.status_code == 201
    again = _api(Client(), "post", "/answer", {"code": code, "answers": SELF_HARM})
    assert again.status_code == 409 and again.json()["code"] == "code_used"
    unknown = _api(Client(), "post", "/answer", {"code": "nope", "answers": SELF_HARM})
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_code"
    # Scores: the psych teacher only.
    listed = _api(psych, "get", "/screenings").json()
    assert [s["item9"] for s in listed] == [1]
    sid = listed[0]["id"]
    assert _api(psych, "get", f"/screenings/{sid}").json()["answers"]["phq9"][8] == 1
    for who in (cast.users["principal"], cast.users["county_admin"], cast.far_outsider, other_psych(cast)):
        c = _as(who)
        assert _api(c, "get", f"/screenings/{sid}").status_code == 404
        assert _api(c, "get", f"/students/{cast.student_a1.pk}/change").status_code == 404
    # Warnings: the duty staff sees it without scores; an outsider gets 404.
    duty = _as(cast.users["duty_staff"])
    ws = _api(duty, "get", "/warnings").json()
    assert len(ws) == 1 and ws[0]["level"] == "urgent" and ws[0]["phq9"] is None
    wid = ws[0]["id"]
    assert _api(psych, "get", f"/warnings/{wid}").json()["phq9"] == 1
    outsider = _as(cast.far_outsider)
    assert _api(outsider, "get", f"/warnings/{wid}").status_code == 404
    assert _api(outsider, "post", f"/warnings/{wid}/action", {"action": "acknowledge"}).status_code == 404
    assert _api(outsider, "get", "/warnings").json() == []
    bad = _api(duty, "post", f"/warnings/{wid}/action", {"action": "act"})
    assert bad.status_code == 422 and bad.json()["code"] == "note_required"
    acted = _api(duty, "post", f"/warnings/{wid}/action", {"action": "act", "note": "已陪同到心理室"})
    assert acted.status_code == 200 and acted.json()["status"] == "acted"


def test_api_refuses_primary_class_other_school_and_outsiders(cast: Cast) -> None:
    body = {
        "school_id": cast.school_b.pk,
        "title": "筛查",
        "opens_on": str(NOW.date()),
        "closes_on": str(NOW.date() + timedelta(days=7)),
        "class_ids": [cast.class_b1.pk],
    }
    county = _as(cast.users["county_admin"])
    r = _api(county, "post", "/rounds", body)
    assert r.status_code == 422 and r.json()["code"] == "not_secondary"
    body.update(school_id=cast.school.pk, class_ids=[cast.class_c1.pk])
    r = _api(county, "post", "/rounds", body)
    assert r.status_code == 404 and r.json()["code"] == "class_other_school"
    body.update(class_ids=[cast.class_a1.pk])
    outsider = _as(cast.far_outsider)
    assert _api(outsider, "post", "/rounds", body).status_code == 404
    r = _api(county, "post", "/rounds", {**body, "opens_on": "not a date"})
    assert r.status_code == 422
    rid = _api(county, "post", "/rounds", body).json()["id"]
    assert _api(outsider, "get", f"/rounds/{rid}").status_code == 404
    assert _api(_as(other_psych(cast)), "get", f"/rounds/{rid}").status_code == 404
    assert _api(county, "get", f"/rounds/{rid}").status_code == 200
    # The bureau opens rounds but cannot print the pupils' codes.
    assert _api(county, "post", f"/rounds/{rid}/classes/{cast.class_a1.pk}/codes", {}).status_code in (
        403,
        404,
    )
    assert _api(county, "get", "/rounds/99999999999999999999").status_code in (404, 422)


def test_pages_404_for_outsiders(cast: Cast, login) -> None:  # noqa: ANN001
    rnd = open_round(cast)
    services.screening_submit(code=codes_for(cast, rnd)[cast.student_a1.pk], answers=SEVERE)
    w = ScreeningWarning.objects.get()
    outsider = login(cast.far_outsider)
    for url in (
        reverse("wellbeing:round", args=[rnd.pk]),
        reverse("wellbeing:warning", args=[w.pk]),
        reverse("wellbeing:notice", args=[rnd.pk, cast.class_a1.pk]),
    ):
        assert outsider.get(url).status_code == 404, url
    assert (
        outsider.post(reverse("wellbeing:warning_do", args=[w.pk]), {"action": "acknowledge"}).status_code
        == 404
    )
    assert outsider.post(reverse("wellbeing:codes", args=[rnd.pk, cast.class_a1.pk])).status_code == 404


def test_open_round_page_and_guardian_notice(cast: Cast, login) -> None:  # noqa: ANN001
    psych = login(cast.users["psych_teacher"])
    page = psych.get(reverse("wellbeing:round_new")).content.decode()
    assert cast.class_a1.name in page
    r = psych.post(
        reverse("wellbeing:round_new"),
        {
            "submit": "1",
            "school": cast.school.pk,
            "title": "秋季",
            "opens_on": str(NOW.date()),
            "closes_on": "",
            "classes": [cast.class_a1.pk],
        },
    )
    assert r.status_code == 400 and "截止日期" in r.content.decode()
    r = psych.post(
        reverse("wellbeing:round_new"),
        {
            "submit": "1",
            "school": cast.school.pk,
            "title": "秋季",
            "opens_on": str(NOW.date()),
            "closes_on": str(NOW.date() + timedelta(days=7)),
            "classes": [cast.class_a1.pk],
        },
    )
    assert r.status_code == 302
    rnd_id = int(r["Location"].rstrip("/").split("/")[-1])
    notice = psych.get(reverse("wellbeing:notice", args=[rnd_id, cast.class_a1.pk])).content.decode()
    assert "家长告知书" in notice and "实验中学" in notice
    psych.post(reverse("wellbeing:notice", args=[rnd_id, cast.class_a1.pk]))
    sheet = psych.post(reverse("wellbeing:codes", args=[rnd_id, cast.class_a1.pk]))
    assert sheet.status_code == 200 and sheet["Cache-Control"] == "no-store"
    assert sheet.content.decode().count('data-testid="slip-code"') == 1


def test_a_case_target_can_be_screened_alone(cast: Cast, login) -> None:  # noqa: ANN001
    classmate = add_pupil(cast, "赵小刚", "A1002")
    rnd = open_round(cast)
    rc = RoundClass.objects.get(round=rnd, klass=cast.class_a1)
    psych = cast.users["psych_teacher"]
    services.notice_record(actor=psych, round_class=rc)
    rc.refresh_from_db()
    slips = services.codes_issue(actor=psych, round_class=rc, student_ids=[cast.student_a1.pk])
    assert [s.student for s in slips] == [cast.student_a1]
    assert not Invitation.objects.filter(student=classmate).exists()
    for bad in ([cast.student_a2.pk], [], [cast.student_a1.pk, 10**9]):
        with pytest.raises(ServiceError) as exc:
            services.codes_issue(actor=psych, round_class=rc, student_ids=bad)
        assert _code_of(exc) == WellbeingError.STUDENT_NOT_IN_CLASS
    page = login(psych).post(
        reverse("wellbeing:codes", args=[rnd.pk, cast.class_a1.pk]), {"some": "1", "student": [classmate.pk]}
    )
    assert page.content.decode().count('data-testid="slip-code"') == 1 and "赵小刚" in page.content.decode()
    r = _api(_as(psych), "post", f"/rounds/{rnd.pk}/classes/{cast.class_a1.pk}/codes", {"student_ids": [0]})
    assert r.status_code == 404 and r.json()["code"] == "student_not_in_class"


def test_a_concern_past_its_three_school_days_is_told_once(cast: Cast) -> None:
    rnd = open_round(cast)
    services.screening_submit(code=codes_for(cast, rnd)[cast.student_a1.pk], answers=MODERATE)
    w = ScreeningWarning.objects.get()
    assert services.concern_overdue_sweep(date(2026, 11, 13)) == 0  # the due day itself
    assert services.concern_overdue_sweep(date(2026, 11, 16)) == 1
    assert services.concern_overdue_sweep(date(2026, 11, 17)) == 0
    key = f"wellbeing_overdue:{w.pk}"
    told = {n.user_id: n for n in Notification.objects.filter(subject_key=key)}
    assert set(told) == {cast.users["psych_teacher"].pk, cast.users["principal"].pk}
    assert told[cast.users["principal"].pk].url == "" and "李" not in told[cast.users["principal"].pk].body
    assert AuditEvent.objects.filter(action=events.WARNING_OVERDUE).count() == 1


def test_overdue_job_is_registered() -> None:
    from anxin.core.periodic import JOBS

    assert "wellbeing.concern_overdue" in JOBS


def test_a_bullying_case_file_shows_its_target_screened_before_and_after_to_the_psych_teacher_only(
    cast: Cast,
    login,  # noqa: ANN001
) -> None:
    from anxin.cases.tests.helpers import add_parties, open_case

    before = open_round(cast)
    services.screening_submit(code=codes_for(cast, before)[cast.student_a1.pk], answers=MODERATE)
    with frozen_time(NOW + timedelta(days=10)):
        case = open_case(cast)
        add_parties(cast, case)
    url = reverse("cases:detail", args=[case.pk])
    page = login(cast.users["psych_teacher"]).get(url).content.decode()
    assert 'data-testid="case-screenings"' in page and "尚未复查" in page
    with frozen_time(NOW + timedelta(days=30)):
        after = open_round(cast, opens_on=(NOW + timedelta(days=30)).date(), classes=[cast.class_a1])
        services.screening_submit(code=codes_for(cast, after)[cast.student_a1.pk], answers=MILD)
        page = login(cast.users["psych_teacher"]).get(url).content.decode()
        assert "PHQ-9 -5 · GAD-7 -7" in page
        director = login(cast.users["moral_director"]).get(url).content.decode()
    assert 'data-testid="case-screenings"' not in director and "PHQ-9" not in director
    assert AuditEvent.objects.filter(action=events.CHANGE_READ, subject_id=str(case.pk)).count() == 2
