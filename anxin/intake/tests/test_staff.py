from __future__ import annotations

import io
import re

import pytest
from django.contrib.messages import get_messages
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.intake import services
from anxin.intake.models import Channel, Message, Photo, Report, Status

pytestmark = pytest.mark.django_db

KNIFE = "宿舍两个室友每天晚上打我，还说明天带刀来收拾我"
ORDINARY = "班上有人一直叫我外号，还把我的书撕了"


def _submit(cast, text=ORDINARY, **kw):
    return services.report_submit(school_code=cast.school.code, text=text, **kw).report


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _queue_ids(page: str) -> list[int]:
    table = page.split('data-testid="queue-table"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'data-report="(\d+)"', table)]


def _pinned_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-report="(\d+)" data-pinned="1"', page)]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _act(client, report, action, **data):
    return client.post(f"/intake/{report.pk}/", {"action": action, **data})


# -- the queue ---------------------------------------------------------------------------------


def test_pinned_urgent_report_sits_above_a_newer_ordinary_one_until_acknowledged(cast, login):
    urgent = _submit(cast, KNIFE)
    ordinary = _submit(cast)
    client = login(cast.users["moral_director"])
    page = client.get("/intake/").content.decode()
    assert _queue_ids(page) == [urgent.pk, ordinary.pk]
    assert _pinned_ids(page) == [urgent.pk]
    assert "凶器" in page

    response = _act(client, urgent, "acknowledge")
    assert response.status_code == 302
    assert _messages(response) == ["已确认收到。"]
    page = client.get("/intake/").content.decode()
    assert _pinned_ids(page) == []
    # Still urgent, so still above the ordinary report; just no longer pinned.
    assert _queue_ids(page) == [urgent.pk, ordinary.pk]


def test_a_pinned_report_goes_above_an_acknowledged_newer_urgent_one(cast, login):
    older = _submit(cast, KNIFE)
    newer = _submit(cast, "他们逼我每周交保护费，不给就打我，说要拿刀捅我")
    services.report_acknowledge(actor=cast.users["principal"], report=newer)
    page = login(cast.users["principal"]).get("/intake/").content.decode()
    assert _queue_ids(page) == [older.pk, newer.pk]
    assert _pinned_ids(page) == [older.pk]


def test_queue_shows_triage_channel_place_age_owner_and_suspect_badge(cast, login):
    _submit(cast, place="dormitory", time_band="after_lights_out")
    suspect = _submit(cast, place="dormitory", time_band="after_lights_out")  # the same text again
    assert suspect.suspect is True
    page = login(cast.users["safety_officer"]).get("/intake/").content.decode()
    assert "言语" in page and "财物" in page
    assert "爱心信箱（网上）" in page
    assert "宿舍 · 熄灯后" in page
    assert "现在" in page or "秒" in page or "分钟" in page
    assert "未指定" in page
    assert 'data-testid="suspect-badge"' in page
    assert "与 30 天内提交过的内容完全相同。" in page
    # Phones get cards with the same reports.
    assert page.count('data-testid="queue-card"') == 2


def test_queue_filters_open_only_by_default_and_by_status_and_urgency(cast, login):
    closed = _submit(cast, "有个同学总在走廊里故意撞我，我不知道算不算")
    services.report_close(
        actor=cast.users["moral_director"], report=closed, reason="经核实是走廊拥挤时的碰撞"
    )
    urgent = _submit(cast, KNIFE)
    ordinary = _submit(cast)
    client = login(cast.users["moral_director"])
    assert set(_queue_ids(client.get("/intake/").content.decode())) == {urgent.pk, ordinary.pk}
    assert set(_queue_ids(client.get("/intake/?open=0").content.decode())) == {
        closed.pk,
        urgent.pk,
        ordinary.pk,
    }
    assert _queue_ids(client.get("/intake/?status=closed").content.decode()) == [closed.pk]
    assert _queue_ids(client.get("/intake/?urgent=1").content.decode()) == [urgent.pk]
    assert client.get("/intake/?status=nonsense&page=x").status_code == 200


def test_user_without_report_access_gets_404_on_the_queue(cast, login):
    assert login(cast.users["county_admin"]).get("/intake/").status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, cast):
    response = client.get("/intake/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_class_teacher_sees_nothing_of_reports_they_did_not_record(cast, login):
    report = _submit(cast, KNIFE)
    client = login(cast.users["class_teacher"])
    page = client.get("/intake/").content.decode()
    assert 'data-testid="queue-empty"' in page
    assert client.get(f"/intake/{report.pk}/").status_code == 404


def test_gate_guard_records_a_quick_report_and_then_sees_only_that_one(cast, login):
    _submit(cast, KNIFE)
    client = login(cast.users["gate_guard"])
    page = client.get("/intake/quick/").content.decode()
    assert 'value="gate"' in page and re.search(r'value="gate"[^>]*checked', page)
    response = client.post(
        "/intake/quick/",
        {"place": "dormitory", "text": "两个初二男生在宿舍楼下推搡一个小个子学生，还抢他的饭卡"},
    )
    assert response.status_code == 302 and response["Location"] == "/intake/quick/"
    report = Report.objects.get(recorded_by=cast.users["gate_guard"])
    assert report.channel == Channel.STAFF_OBSERVED
    assert report.owner == cast.users["gate_guard"]
    assert report.place == "dormitory"
    assert _messages(response) == [f"已报告（编号 #{report.pk}），学校会尽快处理。"]
    assert _queue_ids(client.get("/intake/").content.decode()) == [report.pk]


def test_quick_report_urgency_comes_from_triage(cast, login):
    client = login(cast.users["dorm_staff"])
    client.post("/intake/quick/", {"place": "dormitory", "text": "312 宿舍有人说今晚要拿刀收拾新来的同学"})
    report = Report.objects.get(recorded_by=cast.users["dorm_staff"])
    assert report.urgent is True and "weapon" in report.signals


def test_quick_report_with_too_short_text_shows_the_error_and_stores_nothing(cast, login):
    response = login(cast.users["gate_guard"]).post("/intake/quick/", {"place": "gate", "text": "有人打架"})
    assert response.status_code == 200
    assert "至少 10 个字" in response.content.decode()
    assert not Report.objects.exists()


def test_quick_report_takes_a_photo(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = io.BytesIO(_png())
    photo.name = "IMG_0001.png"
    login(cast.users["gate_guard"]).post(
        "/intake/quick/", {"place": "gate", "text": "校门口有三个外校青年围住一名学生要钱", "photo": photo}
    )
    report = Report.objects.get()
    assert report.photos.count() == 1
    assert "IMG_0001" not in report.photos.get().file.name


# -- the report page ---------------------------------------------------------------------------


def test_report_page_shows_the_report_with_triage_reasons_and_history(cast, login):
    report = _submit(
        cast,
        KNIFE,
        place="dormitory",
        time_band="after_lights_out",
        about="self",
        kinds=["physical"],
        names="张三、李四",
    )
    before = AuditEvent.objects.filter(action="report.viewed").count()
    response = login(cast.users["moral_director"]).get(f"/intake/{report.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert KNIFE in page
    assert "宿舍" in page and "熄灯后" in page and "我自己" in page
    assert "打人、踢人、推搡等身体伤害" in page  # ticked by the reporter
    assert "张三、李四" in page
    assert "凶器" in page and "<mark" in page and ">刀</mark>" in page
    assert 'data-testid="pinned-alert"' in page
    assert "通过爱心信箱收到" in page
    for label in ("确认收到", "分派给", "回复反映人", "合并到", "受理", "关闭：不属于欺凌"):
        assert label in page
    assert "反映人凭回执码查询时会读到这段话" in page
    assert AuditEvent.objects.filter(action="report.viewed").count() == before + 1
    event = AuditEvent.objects.filter(action="report.viewed").latest("seq")
    assert event.subject_id == str(report.pk) and event.actor == cast.users["moral_director"]


def test_teacher_of_other_school_gets_404_on_report_page_and_actions(cast, login):
    report = _submit(cast)
    for outsider in (cast.outsider, cast.far_outsider):
        client = login(outsider)
        assert client.get(f"/intake/{report.pk}/").status_code == 404
        assert _act(client, report, "acknowledge").status_code == 404
    assert client.get("/intake/999999/").status_code == 404
    assert Report.objects.get(pk=report.pk).status == Status.NEW


def test_acknowledge_through_the_page(cast, login):
    report = _submit(cast, KNIFE)
    _act(login(cast.users["principal"]), report, "acknowledge")
    report.refresh_from_db()
    assert report.status == Status.ACKNOWLEDGED
    assert report.owner == cast.users["principal"]
    assert report.pinned is False
    page = login(cast.users["principal"]).get(f"/intake/{report.pk}/").content.decode()
    assert "确认收到" in page.split('data-testid="history"')[1]


def test_assign_through_the_page(cast, login):
    report = _submit(cast)
    client = login(cast.users["moral_director"])
    page = client.get(f"/intake/{report.pk}/").content.decode()
    form = page.split('data-testid="form-assign"')[1].split("</form>")[0]
    assert "班主任甲" in form and "外校老师" not in form
    response = _act(client, report, "assign", owner=cast.users["class_teacher"].pk)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.owner == cast.users["class_teacher"] and report.status == Status.ASSIGNED
    # The class teacher now holds it and finds it in their queue.
    assert _queue_ids(login(cast.users["class_teacher"]).get("/intake/").content.decode()) == [report.pk]


@pytest.mark.parametrize(
    ("owner", "message"),
    [("outsider", "只能分派给本校教职工。"), ("", "请选择负责人。"), ("999999", "只能分派给本校教职工。")],
)
def test_assign_refusals_are_shown_on_the_page(cast, login, owner, message):
    report = _submit(cast)
    value = cast.outsider.pk if owner == "outsider" else owner
    response = _act(login(cast.users["moral_director"]), report, "assign", owner=value)
    assert response.status_code == 200
    assert message in _messages(response)
    assert message in response.content.decode()
    report.refresh_from_db()
    assert report.owner is None and report.status == Status.NEW


def test_reply_through_the_page(cast, login):
    report = _submit(cast)
    client = login(cast.users["moral_director"])
    response = _act(client, report, "reply", text="请在任何一个课间到心理室找王老师，可以和好朋友一起来。")
    assert response.status_code == 302
    message = Message.objects.get(report=report)
    assert message.sender == "school" and message.author == cast.users["moral_director"]
    assert "心理室" in client.get(f"/intake/{report.pk}/").content.decode()
    response = _act(client, report, "reply", text="")
    assert response.status_code == 200 and "请填写回复内容。" in _messages(response)
    assert Message.objects.filter(report=report).count() == 1


def test_merge_through_the_page(cast, login):
    report, target = _submit(cast), _submit(cast, "他们把我的作业本扔进厕所，还骂我是乡巴佬")
    other_school = services.report_submit(school_code=cast.school_b.code, text=ORDINARY).report
    client = login(cast.users["moral_director"])
    for into, message in [
        (report.pk, "只能合并到本校的另一份报告。"),
        (other_school.pk, "只能合并到本校的另一份报告。"),
        (999999, "只能合并到本校的另一份报告。"),
        ("", "请填写要合并到的报告编号。"),
        ("abc", "报告编号应为数字。"),
    ]:
        response = _act(client, report, "merge", into=into)
        assert response.status_code == 200
        assert message in _messages(response), into
    assert Report.objects.get(pk=report.pk).status == Status.NEW
    response = _act(client, report, "merge", into=target.pk)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.MERGED and report.merged_into == target
    page = client.get(f"/intake/{report.pk}/").content.decode()
    assert f'href="/intake/{target.pk}/"' in page
    assert "合并到其他报告：#" in page


def test_accept_through_the_page_and_a_conflict_is_a_message_not_an_error(cast, login):
    report = _submit(cast)
    client = login(cast.users["moral_director"])
    response = _act(client, report, "accept")
    assert _messages(response) == ["已受理；案件办理功能上线后将转为案件。"]
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED and report.owner == cast.users["moral_director"]
    response = _act(client, report, "accept")
    assert response.status_code == 200
    assert "该报告当前状态不能受理。" in _messages(response)


def test_close_through_the_page_needs_a_reason_the_reporter_can_read(cast, login):
    report = _submit(cast)
    client = login(cast.users["moral_director"])
    response = _act(client, report, "close", reason="")
    assert response.status_code == 200 and "请填写关闭原因。" in _messages(response)
    response = _act(client, report, "close", reason="打闹")
    assert response.status_code == 200
    assert "请写明关闭原因（4 到 1000 字），反映人会看到这段话。" in _messages(response)
    assert 'value="close"' in response.content.decode()
    assert Report.objects.get(pk=report.pk).status == Status.NEW
    response = _act(client, report, "close", reason="经了解是同学之间的玩笑，已和双方谈话。")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.CLOSED and report.close_reason == "经了解是同学之间的玩笑，已和双方谈话。"
    response = _act(client, report, "accept")
    assert response.status_code == 200 and "该报告当前状态不能受理。" in _messages(response)


def test_unknown_action_is_a_message(cast, login):
    report = _submit(cast)
    response = _act(login(cast.users["moral_director"]), report, "delete")
    assert response.status_code == 302 and _messages(response) == ["未知的操作。"]


def test_front_line_holder_may_reply_but_not_close(cast, login):
    report = _submit(cast)
    services.report_assign(
        actor=cast.users["moral_director"], report=report, owner=cast.users["class_teacher"]
    )
    client = login(cast.users["class_teacher"])
    page = client.get(f"/intake/{report.pk}/").content.decode()
    assert 'data-testid="form-reply"' in page
    assert 'data-testid="form-close"' not in page and 'data-testid="form-assign"' not in page
    response = _act(client, report, "close", reason="我觉得这不是欺凌，是打闹")
    assert response.status_code == 200
    assert "您没有执行此操作的权限。" in _messages(response)
    assert Report.objects.get(pk=report.pk).status == Status.ASSIGNED


def test_confidential_contact_is_hidden_from_front_line_roles(cast, login):
    report = _submit(cast, wants_contact=True, contact="QQ 12345678")
    services.report_assign(
        actor=cast.users["moral_director"], report=report, owner=cast.users["class_teacher"]
    )
    page = login(cast.users["class_teacher"]).get(f"/intake/{report.pk}/").content.decode()
    assert "12345678" not in page
    assert 'data-testid="contact-hidden"' in page
    page = login(cast.users["moral_director"]).get(f"/intake/{report.pk}/").content.decode()
    assert "QQ 12345678" in page


# -- photos ------------------------------------------------------------------------------------


def test_photo_is_served_only_in_scope(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _submit(cast, photos=[("evidence.png", io.BytesIO(_png()))])
    other = _submit(cast)
    photo = Photo.objects.get(report=report)
    stored = photo.file.storage.open(photo.file.name).read()  # the photo as uploaded, decrypted
    client = login(cast.users["moral_director"])
    page = client.get(f"/intake/{report.pk}/").content.decode()
    assert f'src="/intake/{report.pk}/photos/{photo.pk}/"' in page
    response = client.get(f"/intake/{report.pk}/photos/{photo.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
    assert response["Content-Type"] == photo.content_type
    assert response["Cache-Control"] == "private, no-store"
    # The photo of another report, a missing one, and another school's teacher: all 404.
    assert client.get(f"/intake/{other.pk}/photos/{photo.pk}/").status_code == 404
    assert client.get(f"/intake/{report.pk}/photos/999999/").status_code == 404
    assert login(cast.outsider).get(f"/intake/{report.pk}/photos/{photo.pk}/").status_code == 404
    assert login(cast.users["gate_guard"]).get(f"/intake/{report.pk}/photos/{photo.pk}/").status_code == 404


def test_photo_whose_file_is_gone_is_404_not_500(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = _submit(cast, photos=[("evidence.png", io.BytesIO(_png()))])
    photo = Photo.objects.get(report=report)
    (tmp_path / photo.file.name).unlink()
    assert login(cast.users["principal"]).get(f"/intake/{report.pk}/photos/{photo.pk}/").status_code == 404


# -- staff intake ------------------------------------------------------------------------------


def test_record_form_offers_staff_channels_and_preselects_the_only_school(cast, login):
    page = login(cast.users["moral_director"]).get("/intake/new/").content.decode()
    assert f'type="hidden" name="school" value="{cast.school.pk}"' in page
    assert "举报电话" in page and "家长反映" in page and "值班巡查发现" in page
    assert 'value="box"' not in page


def test_recording_a_hotline_report_shows_the_receipt_once(cast, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = io.BytesIO(_png())
    photo.name = "screenshot.png"
    client = login(cast.users["moral_director"])
    response = client.post(
        "/intake/new/",
        {
            "school": cast.school.pk,
            "channel": "parent",
            "reporter_name": "刘女士",
            "reporter_relation": "母亲",
            "contact": "13800001234",
            "about": "other",
            "place": "classroom",
            "time_band": "break",
            "kinds": ["verbal", "cyber"],
            "text": "孩子在初一(5)班被叫“矮冬瓜”好几个月，他哭的照片被发到班级群里",
            "names": "王某、赵某",
            "photos": [photo],
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    report = Report.objects.get()
    assert report.channel == Channel.PARENT
    assert report.owner == cast.users["moral_director"] and report.recorded_by == cast.users["moral_director"]
    assert report.reporter_name == "刘女士" and report.contact == "13800001234"
    assert report.reported_kinds == ["verbal", "cyber"]
    assert report.photos.count() == 1
    receipt = re.search(r'data-testid="receipt">([^<]+)<', response.content.decode()).group(1).strip()
    assert services.report_by_receipt(receipt) == report
    assert f'href="/intake/{report.pk}/"' in response.content.decode()
    # Shown once: the report page never shows it again.
    assert receipt not in client.get(f"/intake/{report.pk}/").content.decode()


def test_recording_refusals_are_shown_on_the_form_and_store_nothing(cast, login):
    client = login(cast.users["moral_director"])
    response = client.post("/intake/new/", {"school": cast.school.pk, "channel": "box", "text": ORDINARY})
    assert response.status_code == 200 and not Report.objects.exists()
    response = client.post("/intake/new/", {"school": cast.school.pk, "channel": "hotline", "text": "太短"})
    assert "至少 10 个字" in response.content.decode()
    response = client.post(
        "/intake/new/", {"school": cast.school_b.pk, "channel": "hotline", "text": ORDINARY}
    )
    assert response.status_code == 200
    bad = io.BytesIO(b"not an image at all")
    bad.name = "x.png"
    response = client.post(
        "/intake/new/", {"school": cast.school.pk, "channel": "hotline", "text": ORDINARY, "photos": [bad]}
    )
    assert "不是 JPEG、PNG 或 HEIC 照片" in response.content.decode()
    assert not Report.objects.exists()


def test_people_who_may_not_record_get_404_on_the_intake_pages(cast, login):
    client = login(cast.users["county_admin"])
    assert client.get("/intake/new/").status_code == 404
    assert client.get("/intake/quick/").status_code == 404
