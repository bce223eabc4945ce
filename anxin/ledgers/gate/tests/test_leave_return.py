"""销假: the gate or the class teacher records that a pupil on leave is back."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.ledgers.gate import services
from anxin.ledgers.gate.models import LeavePass
from anxin.testing import SHANGHAI, Cast, frozen_time

API = "/api/ledgers/gate"
START = datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)
END = START.replace(hour=12)


@pytest.fixture
def leave(cast: Cast) -> LeavePass:
    with frozen_time(START):
        return services.leave_approve(
            actor=cast.users["class_teacher"],
            student_id=cast.student_a1.pk,
            starts_at=START,
            ends_at=END,
            reason="看病",
            client_key=None,
        ).entry


def _return(client, pk: int, body: dict | None = None):  # noqa: ANN001, ANN202
    if body is None:  # no body at all: returned now
        return client.post(f"{API}/leaves/{pk}/return", "", content_type="application/json")
    return client.post(f"{API}/leaves/{pk}/return", body, content_type="application/json")


@pytest.mark.django_db
def test_gate_guard_returns_a_pass_late_and_it_is_audited(cast: Cast, leave: LeavePass, login) -> None:  # noqa: ANN001
    with frozen_time(END + timedelta(minutes=40)):
        response = _return(login(cast.users["gate_guard"]), leave.pk)
    assert response.status_code == 200
    assert response.json()["returned_at"].startswith("2026-11-25T04:40")  # 12:40 in Shanghai
    event = AuditEvent.objects.get(action="ledger_gate.leave_returned")
    assert event.after is not None and event.after["late"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"returned_at": "2026-11-25T07:00:00+08:00"}, 422, "return_before_start"),
        ({"returned_at": "2026-11-25T15:00:00+08:00"}, 422, "time_in_future"),
        ({"returned_at": "昨天"}, 422, "invalid_input"),
    ],
)
def test_bad_return_times_are_refused_in_chinese_and_store_nothing(
    cast: Cast,
    leave: LeavePass,
    login,
    body,
    status,
    code,  # noqa: ANN001
) -> None:
    with frozen_time(START.replace(hour=13)):
        response = _return(login(cast.users["class_teacher"]), leave.pk, body)
    assert response.status_code == status and response.json()["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])
    leave.refresh_from_db()
    assert leave.returned_at is None


@pytest.mark.django_db
def test_a_second_return_is_a_conflict_and_keeps_the_first(cast: Cast, leave: LeavePass, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    with frozen_time(START.replace(hour=11)):
        assert _return(client, leave.pk).status_code == 200
    with frozen_time(START.replace(hour=13)):
        again = _return(client, leave.pk)
    assert again.status_code == 409 and again.json()["code"] == "already_returned"
    assert "不能重复销假" in again.json()["message"]
    leave.refresh_from_db()
    assert leave.returned_at == START.replace(hour=11)


@pytest.mark.django_db
def test_unknown_pass_and_outsiders_get_404(cast: Cast, leave: LeavePass, login) -> None:  # noqa: ANN001
    with frozen_time(START.replace(hour=13)):
        assert _return(login(cast.users["class_teacher"]), 999999).json()["code"] == "not_found"
        for outsider in (cast.outsider, cast.far_outsider):
            response = _return(login(outsider), leave.pk)
            assert response.status_code == 404 and response.json()["code"] == "not_found"
            page = login(outsider).post(reverse("ledgers:gate_leave_return", args=[leave.pk]))
            assert page.status_code == 404
        # The psychology teacher of the same school neither approves leave nor returns it.
        assert _return(login(cast.users["psych_teacher"]), leave.pk).status_code == 404
    leave.refresh_from_db()
    assert leave.returned_at is None


@pytest.mark.django_db
def test_class_teacher_returns_from_the_list_page(cast: Cast, leave: LeavePass, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    with frozen_time(datetime.combine(START.date(), time(13), tzinfo=SHANGHAI)):
        page = client.get(reverse("ledgers:gate_leaves")).content.decode()
        assert 'data-testid="leave-return"' in page and "已超过请假结束时间，尚未销假" in page
        done = client.post(reverse("ledgers:gate_leave_return", args=[leave.pk]), follow=True)
        assert "已销假（13:00）" in done.content.decode()
        again = client.post(reverse("ledgers:gate_leave_return", args=[leave.pk]), follow=True)
    assert "不能重复销假" in again.content.decode()
    assert 'data-testid="leave-returned"' in again.content.decode()
