from __future__ import annotations

import io
import threading

import pytest
from django.core import mail
from django.db import connection

from anxin.audit.models import AuditEvent
from anxin.core.errors import Conflict, Invalid, NotFound
from anxin.core.models import Notification, OutboundMessage
from anxin.intake import services
from anxin.intake.models import Report, Status
from anxin.intake.receipts import normalise

pytestmark = pytest.mark.django_db

KNIFE = "宿舍两个室友每天晚上打我，还说明天带刀来收拾我"


def _submit(cast, text="班上有人一直叫我外号，还把我的书撕了", **kw):
    return services.report_submit(school_code=cast.school.code, text=text, **kw)


def test_submission_returns_a_100_bit_receipt_stored_only_as_hash(cast):
    sub = _submit(cast)
    assert len(normalise(sub.receipt)) == 20
    assert sub.receipt.count("-") == 4
    report = Report.objects.get(pk=sub.report.pk)
    assert report.receipt_hash and sub.receipt not in report.receipt_hash
    assert services.report_by_receipt(sub.receipt.lower().replace("-", " ")) == report


def test_narrative_is_encrypted_at_rest(cast):
    sub = _submit(cast, text="他们在厕所里抢了我的零花钱，还威胁我不许说")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM intake_report WHERE id = %s", [sub.report.pk])
        raw = cursor.fetchone()[0]
    assert "零花钱" not in raw
    assert Report.objects.get(pk=sub.report.pk).text.startswith("他们在厕所里")


def test_weapon_text_is_urgent_and_notifies_principal_and_duty_at_once(
    cast, django_capture_on_commit_callbacks
):
    cast.users["principal"].email = "principal@example.edu.cn"
    cast.users["principal"].phone = "13800000009"
    cast.users["principal"].save()
    with django_capture_on_commit_callbacks(execute=True):
        sub = _submit(cast, text=KNIFE, place="dormitory", time_band="after_lights_out", about="self")
    assert sub.report.urgent is True
    assert "weapon" in sub.report.signals
    told = set(Notification.objects.filter(urgent=True).values_list("user__username", flat=True))
    assert told == {"t_principal", "t_duty_staff"}
    assert any("紧急" in m.subject for m in mail.outbox)
    assert OutboundMessage.objects.filter(channel="sms", to="13800000009").exists()


def test_ordinary_report_is_not_urgent_and_goes_to_the_queue_staff(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sub = _submit(cast)
    assert sub.report.urgent is False
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"t_principal", "t_vice_principal", "t_moral_director", "t_safety_officer"}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"text": ""}, "text_required"),
        ({"text": "太短了"}, "text_too_short"),
        ({"text": "长" * 5001}, "text_too_long"),
        ({"about": "everyone"}, "bad_about"),
        ({"place": "moon"}, "bad_place"),
        ({"time_band": "midnight"}, "bad_time_band"),
        ({"kinds": ["physical", "teasing"]}, "bad_kinds"),
        ({"wants_contact": True, "contact": ""}, "contact_required"),
    ],
)
def test_bad_submissions_are_refused_and_store_nothing(cast, kwargs, code):
    before = (Report.objects.count(), AuditEvent.objects.count())
    args = {"text": "班上有人一直叫我外号，还把我的书撕了", **kwargs}
    with pytest.raises(Invalid) as exc:
        services.report_submit(school_code=cast.school.code, **args)
    assert exc.value.code == code
    assert (Report.objects.count(), AuditEvent.objects.count()) == before


def test_unknown_school_is_not_found(cast):
    with pytest.raises(NotFound):
        services.report_submit(school_code="9999999999", text="有人一直欺负我，我很害怕")


def test_html_and_sql_are_stored_verbatim(cast):
    text = "<script>alert(1)</script>'; DROP TABLE intake_report; -- 有人打我"
    sub = _submit(cast, text=text)
    assert Report.objects.get(pk=sub.report.pk).text == text


def test_same_text_again_is_marked_suspect_but_kept(cast):
    _submit(cast)
    again = _submit(cast, text="班上有人一直叫我外号，  还把我的书撕了！")
    assert again.report.suspect is True
    assert Report.objects.count() == 2


def test_hourly_cap_marks_suspect(cast, settings):
    settings.INTAKE_SCHOOL_HOURLY_CAP = 2
    for i in range(3):
        last = _submit(cast, text=f"第{i}次：有人在操场上推我，还骂我")
    assert last.report.suspect is True


def test_staff_record_owns_it_first_responder(cast):
    teacher = cast.users["class_teacher"]
    sub = services.report_record(
        actor=teacher,
        school=cast.school,
        channel="parent",
        text="家长来电：孩子被同学叫“矮冬瓜”，照片被发到班级群",
        reporter_name="某家长",
        reporter_relation="母亲",
    )
    assert sub.report.owner == teacher and sub.report.recorded_by == teacher
    assert "cyber" in sub.report.triage_kinds or "verbal" in sub.report.triage_kinds


def test_staff_of_other_school_cannot_record_there(cast):
    with pytest.raises(NotFound):
        services.report_record(
            actor=cast.outsider, school=cast.school, channel="hotline", text="有人欺负同学，请处理"
        )


def test_acknowledge_unpins_and_assign_reply_close(cast):
    sub = _submit(cast, text=KNIFE)
    director = cast.users["moral_director"]
    report = services.report_acknowledge(actor=director, report=sub.report)
    assert report.pinned is False and report.owner == director
    report = services.report_assign(actor=director, report=report, owner=cast.users["psych_teacher"])
    assert report.status == Status.ASSIGNED
    services.report_reply(
        actor=cast.users["psych_teacher"], report=report, text="请课间来心理室找老师，可以带朋友一起来。"
    )
    looked_up = services.report_by_receipt(sub.receipt)
    assert looked_up.public_status == "verifying"
    assert looked_up.messages.get().text.startswith("请课间")
    closed = services.report_close(actor=director, report=report, reason="经核实属于同学间玩闹，已进行教育")
    assert closed.public_status == "closed"
    with pytest.raises(Conflict):
        services.report_accept(actor=director, report=closed)


def test_assign_to_staff_of_another_school_is_refused(cast):
    sub = _submit(cast)
    with pytest.raises(Invalid):
        services.report_assign(actor=cast.users["principal"], report=sub.report, owner=cast.outsider)


def test_merge_duplicate_follows_target_status(cast):
    a = _submit(cast, text="有人把我的作业本扔进厕所，还笑我")
    b = _submit(cast, text="我看到有人把小王的作业本扔进厕所了")
    services.report_merge(actor=cast.users["principal"], report=b.report, into=a.report)
    services.report_accept(actor=cast.users["principal"], report=a.report)
    assert services.report_by_receipt(b.receipt).public_status == "verifying"
    other = services.report_submit(school_code=cast.school_b.code, text="有人把我的作业本扔进厕所了")
    with pytest.raises(NotFound):  # the bureau does not see schools' reports at all
        services.report_merge(actor=cast.users["county_admin"], report=other.report, into=a.report)
    from anxin.org.models import User

    root = User.objects.create_superuser("root", password="x-root-pass-2026")
    with pytest.raises(Invalid):
        services.report_merge(actor=root, report=other.report, into=a.report)


def test_reporter_message_with_receipt(cast):
    sub = _submit(cast)
    services.reporter_message_add(receipt=sub.receipt, text="今天他们又来了")
    assert sub.report.messages.get().sender == "reporter"
    with pytest.raises(NotFound):
        services.reporter_message_add(receipt="0000-0000-0000-0000-0000", text="今天他们又来了")


def test_near_miss_and_malformed_receipts_answer_alike(cast):
    sub = _submit(cast)
    near = sub.receipt[:-1] + ("0" if sub.receipt[-1] != "0" else "1")
    answers = []
    for receipt in [near, "abc", "", None, "x" * 500]:
        with pytest.raises(NotFound) as exc:
            services.report_by_receipt(receipt)
        answers.append((exc.value.code, exc.value.message))
    assert len(set(answers)) == 1


def _png() -> io.BytesIO:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, format="PNG")
    buf.seek(0)
    return buf


def test_photos_over_five_are_refused(cast):
    with pytest.raises(Invalid) as exc:
        _submit(cast, photos=[(f"p{i}.png", _png()) for i in range(6)])
    assert exc.value.code == "too_many_photos"


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_each_get_their_own_receipt(cast_tx):
    receipts, errors = [], []

    def submit(i: int) -> None:
        try:
            sub = services.report_submit(
                school_code=cast_tx.school.code, text=f"第{i}个同学：课间有人推我还骂我"
            )
            receipts.append(sub.receipt)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(receipts)) == 50
    assert Report.objects.filter(school=cast_tx.school).count() == 50
    for receipt in receipts[:5]:
        assert services.report_by_receipt(receipt).school == cast_tx.school


def test_merge_into_a_closed_report_is_refused(cast):
    a = _submit(cast, text="有人把我的作业本扔进厕所，还笑我")
    b = _submit(cast, text="我看到有人把小王的作业本扔进厕所了")
    services.report_close(actor=cast.users["principal"], report=a.report, reason="经核实属于同学间玩闹")
    with pytest.raises(Conflict):
        services.report_merge(actor=cast.users["principal"], report=b.report, into=a.report)


def test_acknowledging_silences_the_alarm_for_everyone_alerted(cast):
    sub = _submit(cast, text=KNIFE)
    assert Notification.objects.filter(urgent=True, read_at__isnull=True).count() == 2
    services.report_acknowledge(actor=cast.users["duty_staff"], report=sub.report)
    assert Notification.objects.filter(urgent=True, read_at__isnull=True).count() == 0


def test_duty_staff_can_open_and_acknowledge_the_urgent_report_they_are_told_of(cast, login):
    sub = _submit(cast, text=KNIFE)
    client = login(cast.users["duty_staff"])
    assert client.get(f"/intake/{sub.report.pk}/").status_code == 200
    report = services.report_acknowledge(actor=cast.users["duty_staff"], report=sub.report)
    assert report.pinned is False


def test_urgent_report_alerts_the_leader_on_duty_from_the_rota(cast, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from anxin.ledgers.patrol.models import DutyShift
    from anxin.ledgers.patrol.selectors import current_shift

    day, shift = current_shift(timezone.now())
    DutyShift.objects.create(
        school=cast.school, date=day, shift=shift, person=cast.users["vice_principal"], is_leader=True
    )
    _submit(cast, text=KNIFE)
    told = set(Notification.objects.filter(urgent=True).values_list("user__username", flat=True))
    # The rostered leader replaces the blanket 值班人员 alert.
    assert told == {"t_principal", "t_vice_principal"}
