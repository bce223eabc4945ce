from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from anxin.core.errors import Conflict, Invalid, NotFound
from anxin.oversight.supervision import services
from anxin.oversight.supervision.models import Interview, Notice, NoticeReceipt, Order, Visit
from anxin.testing import Cast

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _today(clock) -> None:  # noqa: ANN001
    clock(TODAY)


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, "JPEG")
    return buf.getvalue()


def _assigned_inspector(cast: Cast):  # noqa: ANN202
    inspector = cast.users["inspector"]
    services.inspector_assign(actor=cast.users["county_admin"], inspector_id=inspector.pk, school=cast.school)
    return type(inspector).objects.get(pk=inspector.pk)


def test_an_inspector_records_a_visit_on_the_phone_and_its_findings_become_an_order(
    cast: Cast, client: Client
) -> None:
    inspector = _assigned_inspector(cast)
    client.force_login(inspector)
    form = client.get(f"/oversight/supervision/visits/new/?school={cast.school.pk}")
    assert form.status_code == 200 and 'data-testid="check-safety_1530"' in form.content.decode()
    response = client.post(
        f"/oversight/supervision/visits/new/?school={cast.school.pk}",
        {
            "school": cast.school.pk,
            "visited_on": TODAY.isoformat(),
            "result_committee": "meets",
            "result_safety_1530": "fails",
            "note_safety_1530": "初一(2)班本月无记录",
            "result_cameras": "partly",
            "note_cameras": "宿舍楼无摄像头",
            "summary": "总体尚可",
            "photo1": SimpleUploadedFile("a.jpg", _jpeg()),
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert visit.results["safety_1530"] == {"result": "fails", "note": "初一(2)班本月无记录"}
    assert visit.photos.count() == 1
    photo = visit.photos.get()
    assert client.get(f"/oversight/supervision/visits/{visit.pk}/photos/{photo.pk}/").status_code == 200
    page = client.get(f"/oversight/supervision/visits/{visit.pk}/").content.decode()
    assert 'data-testid="findings-to-order"' in page
    prefilled = client.get(f"/oversight/supervision/orders/new/?visit={visit.pk}").content.decode()
    assert "初一(2)班本月无记录" in prefilled and "宿舍楼无摄像头" in prefilled
    response = client.post(
        f"/oversight/supervision/orders/new/?visit={visit.pk}",
        {
            "school": cast.school.pk,
            "visit": visit.pk,
            "title": "督导检查发现的问题",
            "level": "listed",
            "deadline": (TODAY + timedelta(days=10)).isoformat(),
            "items": "补齐1530\n宿舍楼加装摄像头",
        },
    )
    order = Order.objects.get()
    assert response.status_code == 302 and order.visit == visit and order.level == "listed"
    # The school's principal sees the visit; another county's principal does not.
    client.force_login(cast.users["principal"])
    assert client.get(f"/oversight/supervision/visits/{visit.pk}/").status_code == 200
    client.force_login(cast.far_outsider)
    assert client.get(f"/oversight/supervision/visits/{visit.pk}/").status_code == 404
    assert client.get(f"/oversight/supervision/visits/{visit.pk}/photos/{photo.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("results", "code"),
    [
        ({}, "checklist_invalid"),
        ({"nope": "meets"}, "checklist_invalid"),
        ({"committee": "great"}, "checklist_invalid"),
        ({"committee": {"result": "fails", "note": ""}}, "checklist_invalid"),
        ("meets", "checklist_invalid"),
    ],
)
def test_bad_checklists_are_refused(cast: Cast, results: object, code: str) -> None:
    inspector = _assigned_inspector(cast)
    with pytest.raises(Invalid) as exc:
        services.visit_record(actor=inspector, school=cast.school, visited_on=TODAY, results=results)
    assert exc.value.code == code
    assert not Visit.objects.exists()


def test_visit_form_bad_input_and_scope(cast: Cast, client: Client) -> None:
    inspector = _assigned_inspector(cast)
    client.force_login(inspector)
    response = client.post(
        "/oversight/supervision/visits/new/",
        {
            "school": cast.school.pk,
            "visited_on": (TODAY + timedelta(days=1)).isoformat(),
            "result_committee": "meets",
        },
    )
    assert response.status_code == 422 and "不能晚于今天" in response.content.decode()
    response = client.post(
        "/oversight/supervision/visits/new/",
        {"school": cast.school.pk, "visited_on": TODAY.isoformat(), "result_committee": "fails"},
    )
    assert response.status_code == 422 and "请写明问题" in response.content.decode()
    response = client.post(
        "/oversight/supervision/visits/new/",
        {
            "school": cast.school.pk,
            "visited_on": TODAY.isoformat(),
            "result_committee": "meets",
            "photo1": SimpleUploadedFile("a.jpg", b"not an image"),
        },
    )
    assert response.status_code == 422
    response = client.post(
        "/oversight/supervision/visits/new/",
        {"school": cast.school_b.pk, "visited_on": TODAY.isoformat(), "result_committee": "meets"},
    )
    assert response.status_code == 422  # not an assigned school: not a choice
    assert client.get(f"/oversight/supervision/visits/new/?school={cast.school_b.pk}").status_code == 404
    assert not Visit.objects.exists()


def test_a_notice_reaches_every_school_and_principals_confirm_reading(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["county_admin"])
    response = client.post(
        "/oversight/supervision/notices/",
        {"unit": cast.county.pk, "title": "关于开展防欺凌专项排查的通报", "body": "各校于本月底前完成排查。"},
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert set(notice.receipts.values_list("school_id", flat=True)) == {cast.school.pk, cast.school_b.pk}
    client.force_login(cast.users["principal"])
    home = client.get("/").content.decode()
    assert 'data-testid="unread-notice"' in home
    page = client.get(f"/oversight/supervision/notices/{notice.pk}/").content.decode()
    assert 'data-testid="confirm"' in page and page.count('data-testid="receipt"') == 1
    receipt = NoticeReceipt.objects.get(notice=notice, school=cast.school)
    assert (
        client.post(
            f"/oversight/supervision/notices/{notice.pk}/confirm/", {"receipt": receipt.pk}
        ).status_code
        == 302
    )
    receipt.refresh_from_db()
    assert receipt.read_by == cast.users["principal"]
    with pytest.raises(Conflict):
        services.notice_confirm(actor=cast.users["principal"], receipt=receipt)
    # The school's receipt cannot be forged for another school.
    other = NoticeReceipt.objects.get(notice=notice, school=cast.school_b)
    assert (
        client.post(f"/oversight/supervision/notices/{notice.pk}/confirm/", {"receipt": other.pk}).status_code
        == 404
    )
    assert (
        client.post(f"/oversight/supervision/notices/{notice.pk}/confirm/", {"receipt": "x"}).status_code
        == 404
    )
    # The bureau sees every receipt.
    client.force_login(cast.users["county_admin"])
    page = client.get(f"/oversight/supervision/notices/{notice.pk}/").content.decode()
    assert page.count('data-read="1"') == 1 and page.count('data-read="0"') == 1
    # Another county sees nothing of it.
    client.force_login(cast.far_outsider)
    assert client.get(f"/oversight/supervision/notices/{notice.pk}/").status_code == 404


def test_notice_bad_input(cast: Cast, client: Client) -> None:
    with pytest.raises(Invalid) as exc:
        services.notice_issue(actor=cast.users["county_admin"], unit=cast.school, title="x", body="y")
    assert exc.value.code == "notice_unit_invalid"
    with pytest.raises(NotFound):
        services.notice_issue(actor=cast.users["county_admin"], unit=cast.county2, title="x", body="y")
    client.force_login(cast.users["county_admin"])
    response = client.post(
        "/oversight/supervision/notices/", {"unit": cast.county.pk, "title": "", "body": ""}
    )
    assert response.status_code == 422
    response = client.post(
        "/oversight/supervision/notices/", {"unit": cast.county2.pk, "title": "x", "body": "y"}
    )
    assert response.status_code == 422
    assert not Notice.objects.exists()
    client.force_login(cast.users["principal"])
    assert (
        client.post(
            "/oversight/supervision/notices/", {"unit": cast.county.pk, "title": "x", "body": "y"}
        ).status_code
        == 404
    )


def test_interviews_are_recorded_by_the_bureau_and_seen_by_the_school(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["county_admin"])
    response = client.post(
        "/oversight/supervision/interviews/",
        {
            "school": cast.school.pk,
            "person": "实验中学校长",
            "position": "校长",
            "held_on": TODAY.isoformat(),
            "reason": "两起调查逾期",
            "outcome": "限期整改",
        },
    )
    assert response.status_code == 302 and Interview.objects.count() == 1
    bad = client.post(
        "/oversight/supervision/interviews/", {"school": cast.school.pk, "person": "", "held_on": "x"}
    )
    assert bad.status_code == 422
    bad = client.post(
        "/oversight/supervision/interviews/",
        {"school": cast.school_c.pk, "person": "a", "held_on": TODAY.isoformat(), "reason": "b"},
    )
    assert bad.status_code == 422 and Interview.objects.count() == 1
    client.force_login(cast.users["principal"])
    assert "两起调查逾期" in client.get("/oversight/supervision/interviews/").content.decode()
    assert client.post("/oversight/supervision/interviews/", {"school": cast.school.pk}).status_code == 404
    client.force_login(cast.far_outsider)
    assert "两起调查逾期" not in client.get("/oversight/supervision/interviews/").content.decode()


def test_the_inspector_assignment_page(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["county_admin"])
    response = client.post(
        "/oversight/supervision/inspectors/",
        {"school": cast.school.pk, "inspector": cast.users["inspector"].pk},
    )
    assert response.status_code == 302
    again = client.post(
        "/oversight/supervision/inspectors/",
        {"school": cast.school.pk, "inspector": cast.users["inspector"].pk},
    )
    assert again.status_code == 422 and "已负责" in again.content.decode()
    bad = client.post("/oversight/supervision/inspectors/", {"school": cast.school.pk, "inspector": "999999"})
    assert bad.status_code == 422
    client.force_login(cast.users["principal"])
    assert client.get("/oversight/supervision/inspectors/").status_code == 404


def test_an_interview_about_an_order_is_linked_to_it(cast: Cast, client: Client) -> None:
    order = services.order_issue(
        actor=cast.users["county_admin"],
        school=cast.school_b,
        title="逾期未整改",
        items=["a"],
        deadline=TODAY,
    )
    client.force_login(cast.users["county_admin"])
    assert (
        'data-testid="interview-about"'
        in client.get(f"/oversight/supervision/orders/{order.pk}/").content.decode()
    )
    page = client.get(f"/oversight/supervision/interviews/?order={order.pk}").content.decode()
    assert "逾期未整改" in page
    response = client.post(
        f"/oversight/supervision/interviews/?order={order.pk}",
        {
            "school": cast.school_b.pk,
            "order": order.pk,
            "person": "城关小学校长",
            "held_on": TODAY.isoformat(),
            "reason": "逾期未整改",
        },
    )
    assert response.status_code == 302
    assert Interview.objects.get().order == order
    assert client.get("/oversight/supervision/interviews/?order=abc").status_code == 404
    client.force_login(cast.far_outsider)
    assert client.get(f"/oversight/supervision/interviews/?order={order.pk}").status_code in (200, 404)
    assert "逾期未整改" not in client.get("/oversight/supervision/interviews/").content.decode()


def test_a_visit_kept_offline_and_sent_twice_is_stored_once(cast: Cast, client: Client) -> None:
    inspector = _assigned_inspector(cast)
    client.force_login(inspector)
    page = client.get(f"/oversight/supervision/visits/new/?school={cast.school.pk}").content.decode()
    assert 'data-offline="ledger"' in page and 'name="client_key"' in page and "ledgers/offline.js" in page
    body = {
        "school": cast.school.pk,
        "visited_on": TODAY.isoformat(),
        "result_committee": "fails",
        "note_committee": "缺家长代表",
        "client_key": "5f0c6a52-8a3e-4d59-9a43-2f1c7f0f9a11",
    }
    # offline.js sends the kept entry urlencoded, without photos, once the phone is online again
    first = client.post("/oversight/supervision/visits/new/", body, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    again = client.post("/oversight/supervision/visits/new/", body, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Visit.objects.count() == 1
    bad = client.post("/oversight/supervision/visits/new/", {**body, "client_key": "not-a-uuid"})
    assert bad.status_code == 422 and "提交编号格式不正确" in bad.content.decode()
    assert Visit.objects.count() == 1


def test_the_inspector_adds_photos_to_a_saved_visit(cast: Cast, client: Client) -> None:
    inspector = _assigned_inspector(cast)
    visit = services.visit_record(
        actor=inspector, school=cast.school, visited_on=TODAY, results={"committee": {"result": "meets"}}
    )
    url = f"/oversight/supervision/visits/{visit.pk}/"
    client.force_login(inspector)
    assert 'data-testid="add-photo"' in client.get(url).content.decode()
    r = client.post(url, {"photo": SimpleUploadedFile("x.jpg", b"MZ not an image")})
    assert r.status_code == 422 and 'data-testid="photo-error"' in r.content.decode()
    r = client.post(url, {})
    assert r.status_code == 422 and "请选择照片" in r.content.decode()
    r = client.post(url, {"photo": SimpleUploadedFile("a.jpg", _jpeg())})
    assert r.status_code == 302 and visit.photos.count() == 1
    client.force_login(cast.users["county_admin"])  # sees the visit, but did not make it
    assert 'data-testid="add-photo"' not in client.get(url).content.decode()
    assert client.post(url, {"photo": SimpleUploadedFile("a.jpg", _jpeg())}).status_code == 403
    client.force_login(cast.far_outsider)
    assert client.post(url, {"photo": SimpleUploadedFile("a.jpg", _jpeg())}).status_code == 404
    assert visit.photos.count() == 1
