from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from anxin.audit.models import AuditEvent
from anxin.cases.services import case_open
from anxin.cases.tests.helpers import open_case
from anxin.core.errors import Forbidden, Invalid
from anxin.core.models import Notification
from anxin.testing import Cast, frozen_time

from .. import events, selectors, services
from ..errors import OpinionError
from ..models import OpinionEvent, Status

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 10, 9, 0, tzinfo=SH)


def _event(cast: Cast, **kw: object) -> OpinionEvent:
    data: dict[str, object] = {
        "actor": cast.users["county_admin"],
        "school": cast.school,
        "source": "weibo",
        "link": "https://weibo.com/1/abc",
        "first_seen": T0,
        "summary": "网帖称学生被欺凌",
        "heat": "high",
    }
    data.update(kw)
    return services.opinion_create(**data)  # type: ignore[arg-type]


def test_lifecycle_and_24_hour_clock(cast: Cast) -> None:
    with frozen_time(T0 + timedelta(hours=1)):
        event = _event(cast)
        assert event.respond_by == T0 + timedelta(hours=24)
        assert selectors.clock_label(selectors.clock(event)) == "还剩 23 小时"
    with frozen_time(T0 + timedelta(hours=5, minutes=30)):
        services.opinion_step_add(
            actor=cast.users["county_admin"], event=event, kind="verify", note="已联系学校核实"
        )
        event.refresh_from_db()
        assert event.status == Status.VERIFIED
        assert event.first_response_at is None  # verifying does not stop the clock
        assert selectors.clock_label(selectors.clock(event)) == "还剩 19 小时"
    with frozen_time(T0 + timedelta(hours=27)):
        assert selectors.clock_label(selectors.clock(event)) == "已超时 3 小时"
        services.opinion_step_add(
            actor=cast.users["city_admin"], event=event, kind="respond", note="发布情况说明"
        )
        event.refresh_from_db()
        assert event.status == Status.RESPONDED
        assert event.first_response_at == T0 + timedelta(hours=27)
        assert selectors.clock_label(selectors.clock(event)) == "已回应（超时，用时 27 小时）"
        services.opinion_step_add(actor=cast.users["county_admin"], event=event, kind="close", note="平息")
    event.refresh_from_db()
    assert event.status == Status.CLOSED
    assert [s.kind for s in event.steps.all()] == ["verify", "respond", "close"]
    with pytest.raises(Exception) as exc:
        services.opinion_step_add(actor=cast.users["county_admin"], event=event, kind="verify", note="再来")
    assert getattr(exc.value, "code", "") == OpinionError.OPINION_CLOSED
    assert AuditEvent.objects.filter(action=events.OPINION_CREATED, subject_id=str(event.pk)).count() == 1
    assert AuditEvent.objects.filter(action=events.OPINION_STEP_ADDED, subject_id=str(event.pk)).count() == 3


def test_responded_in_time(cast: Cast) -> None:
    with frozen_time(T0 + timedelta(hours=2)):
        event = _event(cast)
        services.opinion_step_add(
            actor=cast.users["county_admin"],
            event=event,
            kind="respond",
            note="说明",
            at=T0 + timedelta(hours=1),
        )
        event.refresh_from_db()
        assert selectors.clock_label(selectors.clock(event)) == "已按时回应（用时 1 小时）"


def test_overdue_event_notifies_the_county_once(cast: Cast) -> None:
    with frozen_time(T0):
        event = _event(cast)
        answered = _event(cast)
        services.opinion_step_add(actor=cast.users["county_admin"], event=answered, kind="close", note="不实")
    with frozen_time(T0 + timedelta(hours=23)):
        assert services.overdue_sweep() == 0
    with frozen_time(T0 + timedelta(hours=25)):
        assert services.overdue_sweep() == 1
        assert services.overdue_sweep() == 0
    with frozen_time(T0 + timedelta(hours=40)):
        assert services.overdue_sweep() == 0
    notes = Notification.objects.filter(subject_key=f"opinion_overdue:{event.pk}")
    assert [n.user for n in notes] == [cast.users["county_admin"]]
    assert notes[0].urgent is True
    assert "实验中学" in notes[0].title
    assert not Notification.objects.filter(subject_key=f"opinion_overdue:{answered.pk}").exists()
    assert AuditEvent.objects.filter(action=events.OPINION_OVERDUE_NOTIFIED).count() == 1


def test_periodic_job_is_registered() -> None:
    from anxin.core.periodic import JOBS

    assert "oversight.opinion_overdue" in JOBS


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"link": "javascript:alert(1)"}, OpinionError.BAD_LINK),
        ({"link": "not a url"}, OpinionError.BAD_LINK),
        ({"source": "tiktok"}, OpinionError.UNKNOWN_SOURCE),
        ({"heat": "boiling"}, OpinionError.UNKNOWN_HEAT),
        ({"summary": "  "}, OpinionError.SUMMARY_REQUIRED),
        ({"first_seen": datetime(2030, 1, 1, tzinfo=SH)}, OpinionError.TIME_OUT_OF_RANGE),
        ({"school": None}, OpinionError.SCHOOL_NOT_ALLOWED),
        ({"case_number": "NOPE-1"}, OpinionError.CASE_NOT_FOUND),
    ],
)
def test_bad_input_is_refused_with_a_code(cast: Cast, change: dict[str, object], code: str) -> None:
    with frozen_time(T0 + timedelta(hours=1)), pytest.raises(Invalid) as exc:
        _event(cast, **change)
    assert exc.value.code == code
    assert OpinionEvent.objects.count() == 0


def test_school_of_another_county_is_refused(cast: Cast) -> None:
    with pytest.raises(Invalid) as exc:
        _event(cast, school=cast.school_c)
    assert exc.value.code == OpinionError.SCHOOL_NOT_ALLOWED


def test_case_from_another_county_or_school_is_refused(cast: Cast) -> None:
    other = case_open(actor=cast.far_outsider, school=cast.school_c, data={"title": "东城的事"})
    with pytest.raises(Invalid) as exc:
        _event(cast, case_number=other.number, first_seen=None)
    assert exc.value.code == OpinionError.CASE_NOT_FOUND
    mine = open_case(cast)
    with pytest.raises(Invalid) as exc:
        _event(cast, school=cast.school_b, case_number=mine.number, first_seen=None)
    assert exc.value.code == OpinionError.CASE_SCHOOL_MISMATCH
    event = _event(cast, case_number=mine.number, first_seen=None)
    assert event.case == mine


def test_bad_steps_are_refused(cast: Cast) -> None:
    with frozen_time(T0 + timedelta(hours=1)):
        event = _event(cast)
        for kw, code in (
            ({"kind": "tweet", "note": "x"}, OpinionError.UNKNOWN_STEP),
            ({"kind": "verify", "note": ""}, OpinionError.STEP_NOTE_REQUIRED),
            ({"kind": "verify", "note": "x", "at": T0 - timedelta(hours=1)}, OpinionError.TIME_OUT_OF_RANGE),
            ({"kind": "verify", "note": "x", "at": T0 + timedelta(days=3)}, OpinionError.TIME_OUT_OF_RANGE),
        ):
            with pytest.raises(Invalid) as exc:
                services.opinion_step_add(actor=cast.users["county_admin"], event=event, **kw)
            assert exc.value.code == code
    assert event.steps.count() == 0


def test_inspector_reads_but_may_not_write(cast: Cast) -> None:
    event = _event(cast, first_seen=None)
    inspector = cast.users["inspector"]
    assert list(selectors.opinions_visible(inspector)) == [event]
    with pytest.raises(Forbidden):
        services.opinion_step_add(actor=inspector, event=event, kind="verify", note="x")


# --- pages and API ----------------------------------------------------------------------------------


def test_pages_for_the_county(cast: Cast, login) -> None:  # noqa: ANN001
    client: Client = login(cast.users["county_admin"])
    assert client.get("/oversight/opinion/").status_code == 200
    assert client.get("/oversight/opinion/new/").status_code == 200
    response = client.post(
        "/oversight/opinion/new/",
        {
            "school": cast.school.pk,
            "source": "news",
            "link": "https://news.example.cn/a/1",
            "first_seen": "",
            "summary": "报道",
            "heat": "normal",
            "case": "",
        },
    )
    event = OpinionEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/oversight/opinion/{event.pk}/"
    page = client.get(f"/oversight/opinion/{event.pk}/").content.decode()
    assert "还剩" in page and "新闻媒体" in page
    response = client.post(
        f"/oversight/opinion/{event.pk}/steps/", {"kind": "respond", "note": "已说明", "at": ""}
    )
    assert response.status_code == 302
    listing = client.get("/oversight/opinion/?status=all&source=news&heat=normal").content.decode()
    assert "已按时回应" in listing
    assert "舆情登记" in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("link", "ftp://x.cn/1", "bad_link"),
        ("source", "martian", "unknown_source"),
        ("first_seen", "yesterday", "time_out_of_range"),
        ("school", "abc", "school_not_allowed"),
        ("case", "X-404", "case_not_found"),
    ],
)
def test_new_form_bad_input_is_a_400_in_chinese(cast: Cast, login, field: str, value: str, code: str) -> None:  # noqa: ANN001
    client: Client = login(cast.users["county_admin"])
    data = {
        "school": cast.school.pk,
        "source": "weibo",
        "link": "",
        "first_seen": "",
        "summary": "s",
        "heat": "normal",
        "case": "",
    }
    data[field] = value
    response = client.post("/oversight/opinion/new/", data)
    assert response.status_code == 422 or response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()
    assert OpinionEvent.objects.count() == 0


def test_step_form_bad_input(cast: Cast, login) -> None:  # noqa: ANN001
    event = _event(cast, first_seen=None)
    client: Client = login(cast.users["county_admin"])
    response = client.post(f"/oversight/opinion/{event.pk}/steps/", {"kind": "respond", "note": ""})
    assert response.status_code in (400, 422)
    assert 'data-code="step_note_required"' in response.content.decode()
    response = client.post(
        f"/oversight/opinion/{event.pk}/steps/", {"kind": "respond", "note": "x", "at": "2026-13-99T99:99"}
    )
    assert response.status_code in (400, 422)


def test_scope_leaks(cast: Cast, login, client: Client) -> None:  # noqa: ANN001
    event = _event(cast, first_seen=None)
    # Another county's administrator: as if it did not exist.
    from anxin.org import services as org
    from anxin.org.models import Role
    from anxin.testing import _user

    other = _user("t_county2", "东城区管理员")
    org.role_assign(actor=None, user=other, role=Role.COUNTY_ADMIN, unit=cast.county2)
    c = login(other)
    assert c.get(f"/oversight/opinion/{event.pk}/").status_code == 404
    assert c.post(f"/oversight/opinion/{event.pk}/steps/", {"kind": "verify", "note": "x"}).status_code == 404
    assert c.get(f"/api/oversight/opinion/{event.pk}").status_code == 404
    assert c.get("/api/oversight/opinion?status=all").json() == []
    # School staff do not see the register at all.
    for role in ("principal", "moral_director", "class_teacher"):
        c = login(cast.users[role])
        assert c.get("/oversight/opinion/").status_code == 404
        assert c.get(f"/oversight/opinion/{event.pk}/").status_code == 404
        assert c.get("/api/oversight/opinion").status_code == 404
        assert c.post("/api/oversight/opinion", {}, content_type="application/json").status_code in (404, 422)
    # The city sees it; the inspector reads it but may not write.
    assert login(cast.users["city_admin"]).get(f"/oversight/opinion/{event.pk}/").status_code == 200
    c = login(cast.users["inspector"])
    assert c.get(f"/oversight/opinion/{event.pk}/").status_code == 200
    assert c.get("/oversight/opinion/new/").status_code == 404
    response = c.post(
        f"/api/oversight/opinion/{event.pk}/steps",
        {"kind": "verify", "note": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_api_create_list_and_step(cast: Cast, login) -> None:  # noqa: ANN001
    client: Client = login(cast.users["county_admin"])
    body = {
        "school_id": cast.school.pk,
        "source": "forum",
        "link": "https://tieba.baidu.com/p/1",
        "summary": "贴吧帖子",
    }
    response = client.post("/api/oversight/opinion", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["source_label"] == "论坛/贴吧" and data["overdue"] is False and data["hours"] == 24
    response = client.post(
        f"/api/oversight/opinion/{data['id']}/steps",
        {"kind": "escalate", "note": "报市局"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "escalated"
    assert [e["id"] for e in client.get("/api/oversight/opinion").json()] == [data["id"]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"school_id": 0, "source": "weibo", "summary": "s"}, 422, "school_not_allowed"),
        ({"source": "weibo", "summary": "s"}, 422, "invalid_input"),
        ({"school_id": 1, "source": "x", "summary": "s"}, 422, "unknown_source"),
        ({"school_id": 1, "source": "weibo", "summary": "s", "link": "http//bad"}, 422, "bad_link"),
        ({"school_id": 1, "source": "weibo", "summary": "s", "first_seen": "soon"}, 422, "invalid_input"),
        ({"school_id": 1, "source": "weibo", "summary": "s", "case_number": "NONE"}, 422, "case_not_found"),
        ({"school_id": 99999999999999999999, "source": "weibo", "summary": "s"}, 422, None),
    ],
)
def test_api_bad_input(cast: Cast, login, body: dict[str, object], status: int, code: str | None) -> None:  # noqa: ANN001
    if body.get("school_id") == 1:
        body["school_id"] = cast.school.pk
    client: Client = login(cast.users["county_admin"])
    response = client.post("/api/oversight/opinion", body, content_type="application/json")
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
    assert response.json()["message"]


def test_api_bad_step(cast: Cast, login) -> None:  # noqa: ANN001
    event = _event(cast, first_seen=None)
    client: Client = login(cast.users["county_admin"])
    url = f"/api/oversight/opinion/{event.pk}/steps"
    assert (
        client.post(url, {"kind": "dance", "note": "x"}, content_type="application/json").json()["code"]
        == "unknown_step"
    )
    assert client.post(url, {"kind": "verify"}, content_type="application/json").status_code == 422
    assert client.post(url, "{", content_type="application/json").status_code in (400, 422)
    assert (
        client.post(
            "/api/oversight/opinion/0/steps", {"kind": "verify", "note": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_workbench_panel_counts_open_and_overdue(cast: Cast, login) -> None:  # noqa: ANN001
    with frozen_time(T0):
        _event(cast)
        done = _event(cast)
        services.opinion_step_add(actor=cast.users["county_admin"], event=done, kind="close", note="不实")
    with frozen_time(T0 + timedelta(hours=30)):
        assert selectors.open_counts(cast.users["county_admin"]) == {"open": 1, "overdue": 1}
        home = login(cast.users["county_admin"]).get("/").content.decode()
        assert 'data-testid="panel-opinion"' in home and "超过24小时未回应" in home
        home = login(cast.users["principal"]).get("/").content.decode()
        assert 'data-testid="panel-opinion"' not in home
