from __future__ import annotations

import io
import logging
import resource
import struct
import zlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.intake import services
from anxin.intake.models import Message, Photo, Report, Sender
from anxin.intake.views_public import client_key

pytestmark = pytest.mark.django_db

TEXT = "班上有两个同学天天叫我难听的外号，还把我的书撕了"
ADDRESS = "203.0.113.77"
AGENT = "AnxinSecretPhone/9.9 (Model ZX-4711)"
PROXY_ID = "proxy-request-4711-abcdef"
SPY = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": AGENT, "HTTP_X_REQUEST_ID": PROXY_ID}


# --- Images to upload --------------------------------------------------------------------------


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretMaker"  # Make
    exif[0x0110] = "SecretModel"  # Model
    exif[0x8825] = {1: "N", 2: (36.0, 40.0, 0.0), 3: "E", 4: (117.0, 1.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries what must be removed
        assert check.getexif().get_ifd(0x8825)
    return data


def bomb_png(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny PNG whose header claims a huge picture."""
    out = io.BytesIO()
    Image.new("1", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    return bytes(data)


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def assert_private(response) -> None:  # noqa: ANN001
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def assert_nothing_identifying(*needles: str) -> None:
    """Neither the address, the user agent nor the proxy's request id is in any row of any table."""
    for model in apps.get_models():
        for row in model.objects.values_list():
            text = repr(row)
            for needle in needles:
                assert needle not in text, f"{needle!r} stored in {model.__name__}"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # noqa: ANN001, ANN201
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def box_url(cast) -> str:  # noqa: ANN001
    return reverse("box:box", args=[cast.school.code])


FOLLOW = "/box/follow/"


def _letter(**extra: object) -> dict[str, object]:
    return {"text": TEXT, "about": "self", "place": "dormitory", "time_band": "after_lights_out", **extra}


def _receipt_in(response) -> str:  # noqa: ANN001
    return response.context["receipt"]


# --- The form ----------------------------------------------------------------------------------


def test_box_page_shows_school_form_and_help_without_setting_a_cookie(client, cast, box_url):
    assert box_url == "/box/3701020001/"
    response = client.get(box_url)
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert "实验中学" in page and "你不是一个人" in page and "老师会认真对待" in page
    assert 'accept="image/jpeg,image/png,image/heic"' in page and "multiple" in page
    for label in ["我自己", "其他同学", "不确定", "宿舍", "熄灯后", "骂人、起难听的外号、嘲笑"]:
        assert label in page
    # Before submitting they learn that leaving a contact makes it confidential, not anonymous.
    assert "保密" in page and "匿名" in page
    assert 'href="tel:110"' in page and 'href="tel:12355"' in page
    # The numbers are at the top of the letter too, not only after it (a child in danger now).
    top = page.split('data-testid="emergency-top"', 1)[1].split("</p>", 1)[0]
    assert page.index('data-testid="emergency-top"') < page.index("<form")
    assert 'href="tel:110"' in top and 'href="tel:12355"' in top
    assert reverse("box:follow") in page
    assert "csrfmiddlewaretoken" not in page
    assert "navbar" not in page  # the standalone layout, not the staff shell


def test_unknown_school_gets_a_chinese_404(client, cast):
    response = client.get("/box/9999999999/")
    assert response.status_code == 404
    assert_private(response)
    assert "没有找到这所学校，请检查二维码或链接" in response.content.decode()
    assert client.post("/box/9999999999/", _letter()).status_code == 404


def test_submitting_shows_the_receipt_once_with_what_happens_next(client, cast, box_url):
    response = client.post(box_url, _letter(kinds=["verbal", "property"], names="初一(2)班 张某"))
    assert response.status_code == 200
    assert_private(response)
    receipt = _receipt_in(response)
    page = response.content.decode()
    for group in receipt.split("-"):
        assert group in page
    assert "请抄下来或截图保存，这是查看回复的唯一凭证，我们不会再显示" in page
    assert "接下来会怎样" in page and "tel:110" in page and "tel:12355" in page
    assert f'data-copy="{receipt}"' in page
    # The receipt is in the body only: not in a header, a redirect or a cookie.
    assert response.status_code != 302
    assert all(receipt not in value for value in response.headers.values())
    report = services.report_by_receipt(receipt)
    assert (report.school, report.channel, report.text) == (cast.school, "box", TEXT)
    assert (report.about, report.place, report.time_band) == ("self", "dormitory", "after_lights_out")
    assert report.reported_kinds == ["verbal", "property"]
    assert report.names_involved == "初一(2)班 张某"
    assert report.wants_contact is False and report.contact is None


def test_urgent_report_points_to_110_at_once(client, cast, box_url):
    response = client.post(box_url, _letter(text="宿舍两个室友每天晚上打我，还说明天带刀来收拾我"))
    assert response.status_code == 200
    assert response.context["urgent"] is True
    assert "如果你现在就有危险，请立刻拨打 110" in response.content.decode()


def test_a_wish_to_be_contacted_is_kept_with_the_contact(client, cast, box_url):
    response = client.post(box_url, _letter(wants_contact="yes", contact="13900000000"))
    report = services.report_by_receipt(_receipt_in(response))
    assert report.wants_contact is True and report.contact == "13900000000"
    assert "老师会私下联系你" in response.content.decode()


def test_missing_contact_is_refused_and_everything_typed_is_kept(client, cast, box_url):
    response = client.post(
        box_url,
        _letter(kinds=["cyber"], names="小明", occurred_on="2026-01-05", wants_contact="yes", contact=""),
    )
    assert response.status_code == 422
    assert_private(response)
    page = response.content.decode()
    assert "希望学校联系你时，请留下联系方式。" in page
    assert TEXT in page and "小明" in page and 'value="2026-01-05"' in page
    assert (
        'id="kind-cyber" checked' in page
        and 'id="place-dormitory" value="dormitory" autocomplete="off" checked' in page
    )
    assert 'id="contact-yes" value="yes" autocomplete="off" checked' in page
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请写下发生了什么。"),
        ("太短了", "请至少写 10 个字"),
        ("长" * 100_000, "内容太长了，请控制在 5000 字以内。"),
    ],
)
def test_bad_text_is_refused_with_422_in_chinese(client, cast, box_url, text, message):
    response = client.post(box_url, _letter(text=text))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Report.objects.count() == 0


def test_empty_post_is_refused_not_crashed(client, cast, box_url):
    response = client.post(box_url)
    assert response.status_code == 422
    assert "请写下发生了什么。" in response.content.decode()
    response = client.generic("POST", box_url, b"\x00garbage", content_type="text/plain")
    assert response.status_code == 422
    response = client.generic(
        "POST", box_url, b"--x\r\nContent-Disposition: form-data", content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "提交的内容不完整" in response.content.decode()


def test_bad_date_and_future_date_are_refused(client, cast, box_url):
    assert client.post(box_url, _letter(occurred_on="05/01/2026")).status_code == 422
    response = client.post(box_url, _letter(occurred_on="2999-01-01"))
    assert response.status_code == 422
    assert "发生日期不能晚于今天。" in response.content.decode()


def test_html_and_sql_are_stored_verbatim_and_shown_escaped(client, cast, box_url):
    nasty = "<script>alert('x')</script> '; DROP TABLE intake_report; -- 他们一直打我"
    response = client.post(box_url, _letter(text=nasty, wants_contact="yes"))  # refused: no contact
    assert response.status_code == 422
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    receipt = _receipt_in(client.post(box_url, _letter(text=nasty)))
    assert services.report_by_receipt(receipt).text == nasty
    response = client.post(FOLLOW, {"action": "message", "receipt": receipt, "text": nasty})
    assert Message.objects.get().text == nasty
    page = response.content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_posting_is_anonymous_no_cookie_no_address_no_agent_no_account(client, cast, box_url, caplog):
    caplog.set_level(logging.DEBUG)
    client.force_login(cast.users["principal"])  # even a signed-in teacher writes anonymously here
    cookies_before = dict(client.cookies.items())
    response = client.post(box_url, _letter(photos=[upload("me.jpg", jpeg_with_gps())]), **SPY)
    assert response.status_code == 200
    assert_private(response)
    receipt = _receipt_in(response)
    client.post(FOLLOW, {"action": "message", "receipt": receipt, "text": "还有一件事"}, **SPY)
    client.post(FOLLOW, {"receipt": "0000-0000-0000-0000-0000"}, **SPY)
    assert dict(client.cookies.items()) == cookies_before
    report = Report.objects.get()
    assert report.owner is None and report.recorded_by is None
    assert all(
        e.actor_id is None and e.request_id == ""
        for e in AuditEvent.objects.filter(action__startswith="report.")
    )
    assert_nothing_identifying(ADDRESS, AGENT, PROXY_ID, receipt)
    assert all(ADDRESS not in str(key) for key in caches["default"]._cache)
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    for needle in (ADDRESS, AGENT, receipt):
        assert needle not in logged


def test_rate_limit_key_is_a_keyed_hash_of_the_address(rf, settings):
    request = rf.post(FOLLOW, REMOTE_ADDR=ADDRESS)
    key = client_key("g", request)
    assert ADDRESS not in key and len(key) == 64
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert client_key("g", request) != key


# --- Photos ------------------------------------------------------------------------------------


def test_png_named_jpg_is_taken_by_its_content(client, cast, box_url):
    response = client.post(box_url, _letter(photos=[upload("photo.jpg", png_bytes())]))
    assert response.status_code == 200
    photo = Photo.objects.get()
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (40, 30)
    assert "photo" not in photo.file.name  # stored under a random name


def test_gps_and_camera_metadata_are_removed(client, cast, box_url):
    response = client.post(box_url, _letter(photos=[upload("IMG_0001.jpg", jpeg_with_gps())]))
    assert response.status_code == 200
    photo = Photo.objects.get()
    with photo.file.open("rb") as f:
        data = f.read()
    assert b"SecretMaker" not in data and b"SecretModel" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([upload("notes.png", b"just some text, not a picture", "image/png")], "不是 JPEG、PNG 或 HEIC 照片"),
        ([upload("big.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024))], "超过 10 MB"),
        ([upload(f"p{i}.png", png_bytes(), "image/png") for i in range(6)], "最多上传 5 张照片"),
    ],
    ids=["text-as-png", "over-10mb", "six-photos"],
)
def test_bad_photos_are_refused_and_nothing_is_stored(client, cast, box_url, photos, message):
    response = client.post(box_url, _letter(photos=photos))
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page
    assert TEXT in page and "照片没有保留，请重新选择" in page
    assert (Report.objects.count(), Photo.objects.count()) == (0, 0)


def test_decompression_bomb_is_refused_without_exhausting_memory(client, cast, box_url):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = client.post(box_url, _letter(photos=[upload("bomb.png", bomb_png(), "image/png")]))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert response.status_code == 422
    assert "照片“bomb.png”" in response.content.decode()
    assert grown_mb < 200
    assert Report.objects.count() == 0


# --- Following up ------------------------------------------------------------------------------


def _submitted(cast) -> services.Submission:  # noqa: ANN001
    return services.report_submit(school_code=cast.school.code, text=TEXT, about="self")


def test_follow_page_asks_for_the_receipt_and_ignores_one_in_the_url(client, cast):
    sub = _submitted(cast)
    response = client.get(FOLLOW, {"receipt": sub.receipt})
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert 'name="receipt"' in page and 'method="post"' in page
    assert "已收到" not in page and sub.receipt not in page


def test_receipt_shows_status_and_the_school_reply_in_shanghai_time(client, cast):
    sub = _submitted(cast)
    reply = services.report_reply(
        actor=cast.users["moral_director"], report=sub.report, text="请课间来心理室找老师，可以带朋友一起来。"
    )
    response = client.post(FOLLOW, {"receipt": sub.receipt.lower().replace("-", " ")})
    assert response.status_code == 200
    assert_private(response)
    page = response.content.decode()
    assert "正在核实" in page and "老师正在了解情况" in page
    assert "请课间来心理室找老师" in page and "学校老师" in page
    local = reply.created_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert local in page
    # The next message carries the receipt in a hidden field of a POST form, never in a link.
    assert f'<input type="hidden" name="receipt" value="{sub.receipt.lower().replace("-", " ")}">' in page
    assert "?receipt" not in page


def test_reporter_adds_a_message_with_a_photo(client, cast):
    sub = _submitted(cast)
    response = client.post(
        FOLLOW,
        {
            "action": "message",
            "receipt": sub.receipt,
            "text": "他们今天又来了",
            "photos": [upload("x.jpg", png_bytes())],
        },
    )
    assert response.status_code == 200
    assert_private(response)
    message = Message.objects.get()
    assert (message.sender, message.text, message.photos.count()) == (Sender.REPORTER, "他们今天又来了", 1)
    page = response.content.decode()
    assert "留言已经送到" in page and "他们今天又来了" in page and "附 1 张照片" in page


def test_empty_message_is_refused_and_the_status_stays_on_screen(client, cast):
    sub = _submitted(cast)
    response = client.post(FOLLOW, {"action": "message", "receipt": sub.receipt, "text": "   "})
    assert response.status_code == 422
    page = response.content.decode()
    assert "请写下发生了什么。" in page and "已收到" in page
    assert Message.objects.count() == 0


def test_closed_report_shows_the_reason(client, cast):
    sub = _submitted(cast)
    services.report_close(
        actor=cast.users["moral_director"], report=sub.report, reason="经核实属于同学间玩闹，已进行教育"
    )
    page = client.post(FOLLOW, {"receipt": sub.receipt}).content.decode()
    assert "已结案" in page and "经核实属于同学间玩闹，已进行教育" in page


def test_wrong_and_malformed_receipts_get_the_same_404(client, cast):
    sub = _submitted(cast)
    near = sub.receipt[:-1] + ("0" if sub.receipt[-1] != "0" else "1")
    answers = []
    for receipt in [near, "hello", "", "x" * 500]:
        response = client.post(FOLLOW, {"receipt": receipt})
        assert response.status_code == 404
        assert_private(response)
        answers.append(response.context["error"].message)
    assert len(set(answers)) == 1 and "没有找到这个回执码" in answers[0]
    response = client.post(FOLLOW, {"action": "message", "receipt": near, "text": "你好"})
    assert response.status_code == 404 and Message.objects.count() == 0


def test_eleventh_wrong_receipt_is_refused_but_another_client_still_gets_in(client, cast):
    sub = _submitted(cast)
    guesser = {"REMOTE_ADDR": "198.51.100.10"}
    for _ in range(10):
        assert client.post(FOLLOW, {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"}, **guesser).status_code == 404
    response = client.post(FOLLOW, {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"}, **guesser)
    assert response.status_code == 429
    assert_private(response)
    assert "输错回执码的次数太多了" in response.content.decode()
    # Even the right receipt waits now, from that address; from another it works.
    assert client.post(FOLLOW, {"receipt": sub.receipt}, **guesser).status_code == 429
    assert client.post(FOLLOW, {"receipt": sub.receipt}, REMOTE_ADDR="198.51.100.11").status_code == 200


def test_right_receipts_do_not_count_towards_the_limit(client, cast):
    sub = _submitted(cast)
    for _ in range(15):
        assert client.post(FOLLOW, {"receipt": sub.receipt}).status_code == 200


def test_public_pages_refuse_other_methods(client, cast, box_url):
    assert client.put(box_url).status_code == 405
    assert client.delete(FOLLOW).status_code == 405


def test_csrf_checks_do_not_block_the_cookieless_forms(cast, box_url):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(box_url, _letter())
    assert response.status_code == 200
    assert_private(response)
    assert strict.post(FOLLOW, {"receipt": _receipt_in(response)}).status_code == 200
