from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.core.errors import Conflict, Forbidden, Invalid, NotFound
from anxin.core.models import Notification
from anxin.oversight.supervision import events, services
from anxin.oversight.supervision.models import InspectorAssignment, Order, OrderStatus
from anxin.testing import Cast

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _today(clock) -> None:  # noqa: ANN001
    clock(TODAY)


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    return buf.getvalue()


def _issue(cast: Cast, school=None, **kw) -> Order:  # noqa: ANN001
    return services.order_issue(
        actor=cast.users["county_admin"],
        school=school or cast.school,
        title=kw.pop("title", "1530安全教育连续十个上学日无记录"),
        items=kw.pop("items", ["各班补齐1530记录", "政教处每日检查"]),
        deadline=kw.pop("deadline", TODAY + timedelta(days=7)),
        **kw,
    )


def test_the_closed_loop_through_services(cast: Cast) -> None:
    order = _issue(cast)
    assert order.status == OrderStatus.ISSUED
    principal = cast.users["principal"]
    assert Notification.objects.filter(user=principal, url__contains=f"/orders/{order.pk}/").exists()
    order = services.order_transition(actor=principal, order=order, action="respond", response="已补齐")
    assert order.status == OrderStatus.RESPONDED
    admin = cast.users["county_admin"]
    order = services.order_transition(actor=admin, order=order, action="send_back", reason="记录不全")
    assert order.status == OrderStatus.RETURNED and order.returned_count == 1
    order = services.order_transition(
        actor=cast.users["moral_director"], order=order, action="respond", response="再次补齐"
    )
    order = services.order_transition(actor=admin, order=order, action="close")
    assert order.status == OrderStatus.CLOSED
    actions = list(AuditEvent.objects.filter(subject_id=str(order.pk)).values_list("action", flat=True))
    assert actions.count(events.ORDER_RESPONDED) == 2
    assert events.ORDER_ISSUED in actions and events.ORDER_CLOSED in actions
    assert [s.action for s in order.steps.all()] == ["issue", "respond", "send_back", "respond", "close"]


def test_a_step_the_state_does_not_allow_is_409_and_changes_nothing(cast: Cast) -> None:
    order = _issue(cast)
    with pytest.raises(Conflict):
        services.order_transition(actor=cast.users["county_admin"], order=order, action="close")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ISSUED


def test_the_school_cannot_check_and_the_bureau_cannot_respond(cast: Cast) -> None:
    order = _issue(cast)
    with pytest.raises(Forbidden):
        services.order_transition(
            actor=cast.users["county_admin"], order=order, action="respond", response="x"
        )
    order = services.order_transition(
        actor=cast.users["principal"], order=order, action="respond", response="x"
    )
    with pytest.raises(Forbidden):
        services.order_transition(actor=cast.users["principal"], order=order, action="close")


def test_another_countys_principal_gets_404(cast: Cast) -> None:
    order = _issue(cast)
    with pytest.raises(NotFound):
        services.order_transition(actor=cast.far_outsider, order=order, action="respond", response="x")


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"deadline": TODAY - timedelta(days=1)}, "order_deadline_past"),
        ({"deadline": None}, "missing_inputs"),
        ({"title": "  "}, "missing_inputs"),
        ({"items": []}, "order_items_invalid"),
        ({"items": [{"text": "x", "item": "nope"}]}, "order_items_invalid"),
        ({"level": "shout"}, "order_level_invalid"),
    ],
)
def test_bad_order_input_is_refused_with_a_code(cast: Cast, kw: dict, code: str) -> None:
    with pytest.raises(Invalid) as exc:
        _issue(cast, **kw)
    assert exc.value.code == code
    assert not Order.objects.exists()


def test_respond_without_text_or_with_a_bad_file_stores_nothing(cast: Cast) -> None:
    order = _issue(cast)
    with pytest.raises(Invalid) as exc:
        services.order_transition(actor=cast.users["principal"], order=order, action="respond", response=" ")
    assert exc.value.code == "missing_inputs"
    with pytest.raises(Invalid) as exc:
        services.order_transition(
            actor=cast.users["principal"],
            order=order,
            action="respond",
            response="已整改",
            evidence=io.BytesIO(b"MZ not an image"),
            evidence_name="x.exe",
        )
    assert exc.value.code == "evidence_invalid"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ISSUED


def test_story_7_in_the_browser(cast: Cast, client: Client) -> None:
    """The county administrator issues an order; the principal answers with a photo; she closes it."""
    client.force_login(cast.users["county_admin"])
    page = client.get(f"/oversight/supervision/orders/new/?school={cast.school_b.pk}")
    assert page.status_code == 200
    response = client.post(
        f"/oversight/supervision/orders/new/?school={cast.school_b.pk}",
        {
            "school": cast.school_b.pk,
            "title": "爱心信箱海报从未打印",
            "level": "notice",
            "deadline": (TODAY + timedelta(days=5)).isoformat(),
            "items": "打印并张贴爱心信箱海报\n在校门口公示举报电话",
        },
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/orders/{order.pk}/")
    assert order.school == cast.school_b and len(order.items) == 2

    # School B's principal.
    from anxin.org.models import Role
    from anxin.org.services import role_assign
    from anxin.testing import _user

    principal_b = _user("t_principal_b", "城关小学校长")
    role_assign(actor=None, user=principal_b, role=Role.PRINCIPAL, unit=cast.school_b)
    client.force_login(principal_b)
    home = client.get("/").content.decode()
    assert 'data-testid="panel-school-orders"' in home and f'data-order="{order.pk}"' in home
    response = client.post(
        f"/oversight/supervision/orders/{order.pk}/",
        {"action": "respond", "response": "海报已打印张贴", "evidence": SimpleUploadedFile("p.jpg", _jpeg())},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.RESPONDED and order.evidence_type == "image/jpeg"
    assert client.get(f"/oversight/supervision/orders/{order.pk}/evidence/").status_code == 200

    client.force_login(cast.users["county_admin"])
    home = client.get("/").content.decode()
    assert 'data-testid="order-to-check"' in home
    response = client.post(f"/oversight/supervision/orders/{order.pk}/", {"action": "close", "note": "合格"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


def test_order_pages_of_another_county_are_404(cast: Cast, client: Client) -> None:
    order = _issue(cast)
    client.force_login(cast.far_outsider)
    assert client.get(f"/oversight/supervision/orders/{order.pk}/").status_code == 404
    assert (
        client.post(
            f"/oversight/supervision/orders/{order.pk}/", {"action": "respond", "response": "x"}
        ).status_code
        == 404
    )
    assert client.get(f"/oversight/supervision/orders/{order.pk}/evidence/").status_code == 404
    listed = client.get("/oversight/supervision/orders/").content.decode()
    assert order.title not in listed
    # A class teacher of the same school sees no orders at all.
    client.force_login(cast.users["class_teacher"])
    assert client.get(f"/oversight/supervision/orders/{order.pk}/").status_code == 404


def test_bad_input_on_the_order_pages_is_422_with_the_form(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["county_admin"])
    response = client.post(
        "/oversight/supervision/orders/new/",
        {"school": cast.school.pk, "title": "x", "level": "notice", "deadline": "2020-01-01", "items": "a"},
    )
    assert response.status_code == 422 and "不能早于今天" in response.content.decode()
    response = client.post(
        "/oversight/supervision/orders/new/",
        {"school": cast.school_c.pk, "title": "x", "level": "notice", "deadline": "2026-12-01", "items": "a"},
    )
    assert response.status_code == 422  # another county's school is not a choice
    response = client.post(
        "/oversight/supervision/orders/new/",
        {"school": "abc", "title": "", "level": "x", "deadline": "tomorrow", "items": ""},
    )
    assert response.status_code == 422
    assert client.get("/oversight/supervision/orders/?status=bogus").status_code == 400
    order = _issue(cast)
    services.order_transition(actor=cast.users["principal"], order=order, action="respond", response="x")
    response = client.post(
        f"/oversight/supervision/orders/{order.pk}/", {"action": "send_back", "reason": ""}
    )
    assert response.status_code == 422 and "必填" in response.content.decode()
    response = client.post(f"/oversight/supervision/orders/{order.pk}/", {"action": "explode"})
    assert response.status_code == 422
    client.force_login(cast.users["principal"])
    response = client.post(
        f"/oversight/supervision/orders/{order.pk}/",
        {"action": "respond", "response": "again"},
    )
    assert response.status_code == 422  # already answered: the state does not allow it
    assert Order.objects.get(pk=order.pk).status == OrderStatus.RESPONDED


def test_overdue_orders_escalate_once_to_the_issuer_and_the_county(cast: Cast, clock) -> None:  # noqa: ANN001
    order = _issue(cast, deadline=TODAY + timedelta(days=2))
    closed = _issue(cast, deadline=TODAY)
    services.order_transition(actor=cast.users["principal"], order=closed, action="respond", response="x")
    clock(TODAY + timedelta(days=3))
    assert services.escalate_overdue() == 1
    assert services.escalate_overdue() == 0
    admin = cast.users["county_admin"]
    notes = Notification.objects.filter(user=admin, subject_key=f"supervision.order.{order.pk}.overdue")
    assert notes.count() == 1 and notes.get().urgent
    assert AuditEvent.objects.filter(action=events.ORDER_ESCALATED, subject_id=str(order.pk)).count() == 1


def test_the_periodic_job_is_registered() -> None:
    from anxin.core.periodic import JOBS

    assert "oversight.order_escalation" in JOBS


def test_an_inspector_sees_and_orders_only_assigned_schools(cast: Cast, client: Client) -> None:
    inspector = cast.users["inspector"]
    with pytest.raises(NotFound):
        services.order_issue(
            actor=inspector, school=cast.school, title="x", items=["a"], deadline=TODAY + timedelta(days=3)
        )
    services.inspector_assign(actor=cast.users["county_admin"], inspector_id=inspector.pk, school=cast.school)
    inspector = type(inspector).objects.get(pk=inspector.pk)
    order = services.order_issue(
        actor=inspector, school=cast.school, title="x", items=["a"], deadline=TODAY + timedelta(days=3)
    )
    other = _issue(cast, school=cast.school_b)
    client.force_login(inspector)
    assert client.get(f"/oversight/supervision/orders/{order.pk}/").status_code == 200
    assert client.get(f"/oversight/supervision/orders/{other.pk}/").status_code == 404
    assert client.get(f"/oversight/supervision/scorecard/{cast.school_b.pk}/").status_code == 404
    assert client.get(f"/oversight/supervision/scorecard/{cast.school.pk}/").status_code == 200
    assert InspectorAssignment.objects.count() == 1


def test_assigning_someone_who_is_not_an_inspector_is_refused(cast: Cast) -> None:
    with pytest.raises(Invalid) as exc:
        services.inspector_assign(
            actor=cast.users["county_admin"], inspector_id=cast.users["principal"].pk, school=cast.school
        )
    assert exc.value.code == "not_an_inspector"
    with pytest.raises(Invalid):
        services.inspector_assign(actor=cast.users["county_admin"], inspector_id="abc", school=cast.school)
    with pytest.raises(NotFound):
        services.inspector_assign(
            actor=cast.users["county_admin"], inspector_id=cast.users["inspector"].pk, school=cast.school_c
        )


def test_the_bureau_extends_a_deadline_and_the_overdue_sweep_may_tell_again(cast: Cast, clock) -> None:  # noqa: ANN001
    order = _issue(cast, deadline=TODAY + timedelta(days=2))
    clock(TODAY + timedelta(days=3))
    assert services.escalate_overdue() == 1
    admin = cast.users["county_admin"]
    later = TODAY + timedelta(days=10)
    order = services.order_extend(
        actor=admin, order=order, deadline=later, reason="学校申请延期，需采购摄像头"
    )
    assert order.deadline == later and order.escalated_at is None and order.status == OrderStatus.ISSUED
    assert not order.is_overdue(TODAY + timedelta(days=3))
    step = order.steps.order_by("-pk").first()
    assert step is not None and step.action == "extend" and later.isoformat() in step.note
    assert Notification.objects.filter(
        user=cast.users["principal"], title__contains="整改期限已延长"
    ).exists()
    assert AuditEvent.objects.filter(action=events.ORDER_EXTENDED, subject_id=str(order.pk)).count() == 1
    clock(later + timedelta(days=1))
    assert services.escalate_overdue() == 1  # overdue again after the new date: told again


def test_bad_extensions_change_nothing(cast: Cast) -> None:
    order = _issue(cast)
    admin = cast.users["county_admin"]
    for deadline, reason, code in [
        (order.deadline, "延期", "order_deadline_not_later"),
        (TODAY - timedelta(days=1), "延期", "order_deadline_past"),
        (order.deadline + timedelta(days=5), "  ", "missing_inputs"),
        (None, "延期", "missing_inputs"),
    ]:
        with pytest.raises(Invalid) as exc:
            services.order_extend(actor=admin, order=order, deadline=deadline, reason=reason)
        assert exc.value.code == code
    with pytest.raises(Forbidden):  # the school cannot grant itself more time
        services.order_extend(
            actor=cast.users["principal"],
            order=order,
            deadline=order.deadline + timedelta(days=5),
            reason="x",
        )
    with pytest.raises(NotFound):
        services.order_extend(
            actor=cast.far_outsider, order=order, deadline=order.deadline + timedelta(days=5), reason="x"
        )
    order = services.order_transition(
        actor=cast.users["principal"], order=order, action="respond", response="已改"
    )
    with pytest.raises(Conflict):  # waiting for the bureau's check, not for the school
        services.order_extend(
            actor=admin, order=order, deadline=order.deadline + timedelta(days=5), reason="x"
        )
    assert Order.objects.get(pk=order.pk).deadline == TODAY + timedelta(days=7)


def test_an_order_issued_in_error_is_cancelled_with_a_reason_not_deleted(cast: Cast) -> None:
    order = _issue(cast)
    admin = cast.users["county_admin"]
    with pytest.raises(Invalid) as exc:
        services.order_transition(actor=admin, order=order, action="cancel", reason=" ")
    assert exc.value.code == "missing_inputs"
    with pytest.raises(Forbidden):
        services.order_transition(actor=cast.users["principal"], order=order, action="cancel", reason="x")
    order = services.order_transition(actor=admin, order=order, action="cancel", reason="下达对象有误")
    assert order.status == OrderStatus.CANCELLED and not order.is_overdue(TODAY + timedelta(days=30))
    assert services.escalate_overdue(TODAY + timedelta(days=30)) == 0
    assert Notification.objects.filter(user=cast.users["principal"], title__contains="已撤销").exists()
    with pytest.raises(Conflict):
        services.order_transition(actor=cast.users["principal"], order=order, action="respond", response="x")


def test_extend_and_cancel_on_the_order_page(cast: Cast, client: Client) -> None:
    order = _issue(cast)
    client.force_login(cast.users["principal"])
    page = client.get(f"/oversight/supervision/orders/{order.pk}/").content.decode()
    assert 'data-testid="action-extend"' not in page and 'data-testid="action-cancel"' not in page
    client.force_login(cast.users["county_admin"])
    url = f"/oversight/supervision/orders/{order.pk}/"
    page = client.get(url).content.decode()
    assert 'data-testid="action-extend"' in page and 'data-testid="action-cancel"' in page
    r = client.post(url, {"action": "extend", "deadline": str(order.deadline), "reason": "再给一周"})
    assert r.status_code == 422 and "须晚于原期限" in r.content.decode() and "再给一周" in r.content.decode()
    r = client.post(url, {"action": "extend", "deadline": "明天", "reason": "再给一周"})
    assert r.status_code == 422
    new = order.deadline + timedelta(days=7)
    r = client.post(url, {"action": "extend", "deadline": str(new), "reason": "再给一周"})
    assert r.status_code == 302
    assert Order.objects.get(pk=order.pk).deadline == new
    r = client.post(url, {"action": "cancel", "reason": ""})
    assert r.status_code == 422 and Order.objects.get(pk=order.pk).status == OrderStatus.ISSUED
    r = client.post(url, {"action": "cancel", "reason": "重复下达"})
    assert r.status_code == 302
    page = client.get(url).content.decode()
    assert "已撤销" in page and "重复下达" in page and 'data-testid="action-cancel"' not in page
    from anxin.oversight.supervision.panels import bureau_orders_panel

    request = client.get("/").wsgi_request
    request.user = cast.users["county_admin"]
    assert bureau_orders_panel(request)[0].context["open_total"] == 0  # a withdrawn order is not open
