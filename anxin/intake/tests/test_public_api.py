from __future__ import annotations

import io
import json
import logging
import resource

import pytest
from django.test import Client

from anxin.audit.models import AuditEvent
from anxin.intake import services
from anxin.intake.models import Message, Photo, Report, Sender

from .test_public import (
    ADDRESS,
    AGENT,
    PROXY_ID,
    SPY,
    TEXT,
    assert_nothing_identifying,
    bomb_png,
    jpeg_with_gps,
    png_bytes,
    upload,
)

pytestmark = pytest.mark.django_db

REPORTS, LOOKUP, MESSAGES = "/api/intake/reports", "/api/intake/lookup", "/api/intake/messages"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # noqa: ANN001, ANN201
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def post_json(client: Client, url: str, data: object, **extra: str):  # noqa: ANN201
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def letter(cast, **extra: object) -> dict[str, object]:  # noqa: ANN001
    return {
        "school": cast.school.code,
        "text": TEXT,
        "about": "self",
        "place": "dormitory",
        "time_band": "after_lights_out",
        **extra,
    }


def assert_error(response, status: int, code: str | None = None) -> dict:  # noqa: ANN001
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "Set-Cookie" not in response.headers
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["message"] and not body["message"].isascii()  # a Chinese message
    if code:
        assert body["code"] == code
    return body


def assert_private(response) -> None:  # noqa: ANN001
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert response["Cache-Control"] == "no-store"


# --- Submitting --------------------------------------------------------------------------------


def test_json_report_gets_a_receipt(client, cast):
    response = post_json(
        client, REPORTS, letter(cast, occurred_on="2026-01-05", kinds=["verbal"], names="张某")
    )
    assert response.status_code == 201, response.content
    assert_private(response)
    body = response.json()
    assert body["school"] == "3701020001" and body["school_name"] == "实验中学"
    assert body["status"] == "received"
    report = services.report_by_receipt(body["receipt"])
    assert (report.text, report.about, report.place, report.channel) == (TEXT, "self", "dormitory", "box")
    assert str(report.occurred_on) == "2026-01-05" and report.reported_kinds == ["verbal"]
    assert report.names_involved == "张某" and report.wants_contact is False


def test_multipart_report_with_photos_and_contact(client, cast):
    data = letter(
        cast,
        kinds=["verbal", "cyber"],
        wants_contact="true",
        contact="13900000000",
        photos=[upload("a.jpg", png_bytes()), upload("b.png", png_bytes(), "image/png")],
    )
    response = client.post(REPORTS, data)
    assert response.status_code == 201, response.content
    report = services.report_by_receipt(response.json()["receipt"])
    assert report.reported_kinds == ["verbal", "cyber"]
    assert (report.wants_contact, report.contact) == (True, "13900000000")
    assert report.photos.count() == 2


def test_unknown_school_is_404(client, cast):
    body = assert_error(post_json(client, REPORTS, letter(cast, school="9999999999")), 404, "not_found")
    assert "没有找到这所学校" in body["message"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"text": None}, "text_required"),
        ({"text": "太短了"}, "text_too_short"),
        ({"text": "长" * 100_000}, "text_too_long"),
        ({"about": "everyone"}, "bad_about"),
        ({"kinds": ["teasing"]}, "bad_kinds"),
        ({"occurred_on": "05/01/2026"}, "bad_date"),
        ({"occurred_on": "2999-01-01"}, "bad_date"),
        ({"wants_contact": True}, "contact_required"),
        ({"kinds": "physical"}, "invalid_input"),
        ({"names": 42}, "invalid_input"),
        ({"kinds": [{"a": 1}]}, "invalid_input"),
        ({"school": None}, "invalid_input"),
    ],
)
def test_bad_fields_are_422_with_a_stable_code(client, cast, change, code):
    data = {k: v for k, v in {**letter(cast), **change}.items() if v is not None}
    assert_error(post_json(client, REPORTS, data), 422, code)
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"", "application/json"), (b"  ", "application/json"), (b"", "text/plain"), (b"", "")],
)
def test_empty_body_is_422(client, cast, body, content_type):
    assert_error(client.generic("POST", REPORTS, body, content_type=content_type), 422, "empty_body")


def test_empty_multipart_form_is_422(client, cast):
    assert_error(client.post(REPORTS, {}), 422, "empty_body")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "image/png"])
def test_wrong_content_type_is_415(client, cast, content_type):
    body = json.dumps(letter(cast)).encode()
    assert_error(
        client.generic("POST", REPORTS, body, content_type=content_type), 415, "unsupported_media_type"
    )
    assert Report.objects.count() == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe\x00garbage"])
def test_malformed_json_is_422(client, cast, body):
    assert_error(client.generic("POST", REPORTS, body, content_type="application/json"), 422)


def test_broken_multipart_is_422_not_500(client, cast):
    response = client.generic(
        "POST", REPORTS, b"--x\r\nContent-Disposition: form-data", content_type="multipart/form-data"
    )
    assert_error(response, 422)
    body = b'--B\r\nContent-Disposition: form-data; name="text"\r\n\r\n' + "有人欺负我".encode() * 3
    assert_error(client.generic("POST", REPORTS, body, content_type="multipart/form-data; boundary=B"), 422)


def test_urlencoded_form_is_accepted(client, cast):
    from urllib.parse import urlencode

    body = urlencode(letter(cast)).encode()
    response = client.generic("POST", REPORTS, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201, response.content


def test_html_and_sql_are_stored_and_returned_verbatim(client, cast):
    nasty = "<script>alert('x')</script> '; DROP TABLE intake_report; -- 他们一直打我"
    receipt = post_json(client, REPORTS, letter(cast, text=nasty)).json()["receipt"]
    assert services.report_by_receipt(receipt).text == nasty
    assert post_json(client, MESSAGES, {"receipt": receipt, "text": nasty}).status_code == 201
    assert post_json(client, LOOKUP, {"receipt": receipt}).json()["messages"][0]["text"] == nasty
    assert Report.objects.count() == 1


# --- Photos ------------------------------------------------------------------------------------


def test_png_named_jpg_is_accepted_by_content(client, cast):
    response = client.post(REPORTS, letter(cast, photos=[upload("evidence.jpg", png_bytes())]))
    assert response.status_code == 201
    assert Photo.objects.get().content_type == "image/jpeg"


def test_gps_exif_is_stripped(client, cast):
    from PIL import Image

    response = client.post(REPORTS, letter(cast, photos=[upload("IMG_1.jpg", jpeg_with_gps())]))
    assert response.status_code == 201
    photo = Photo.objects.get()
    with photo.file.open("rb") as f:  # decrypted by the storage
        data = f.read()
    with Image.open(io.BytesIO(data)) as stored:
        assert len(stored.getexif()) == 0 and "exif" not in stored.info
    assert b"SecretMaker" not in data


@pytest.mark.parametrize(
    ("photos", "codes"),
    [
        ([upload("notes.png", b"just words, honestly", "image/png")], {"photo_bad_type"}),
        ([upload("big.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024))], {"photo_too_large"}),
        ([upload(f"p{i}.png", png_bytes(), "image/png") for i in range(6)], {"too_many_photos"}),
        ([upload("bomb.png", bomb_png(), "image/png")], {"photo_too_many_pixels"}),
        ([upload("bomb2.png", bomb_png(12000, 12000), "image/png")], {"photo_too_many_pixels"}),
    ],
    ids=["text-as-png", "over-10mb", "six-photos", "bomb-60000", "bomb-144mp"],
)
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_bad_photos_are_422_and_store_nothing(client, cast, photos, codes):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    body = assert_error(client.post(REPORTS, letter(cast, photos=photos)), 422)
    assert body["code"] in codes
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 200  # MB
    assert (Report.objects.count(), Photo.objects.count()) == (0, 0)


# --- Lookup and messages -----------------------------------------------------------------------


def test_lookup_shows_status_and_the_school_reply(client, cast):
    receipt = post_json(client, REPORTS, letter(cast)).json()["receipt"]
    report = services.report_by_receipt(receipt)
    services.report_reply(actor=cast.users["moral_director"], report=report, text="请课间来心理室找老师。")
    response = post_json(client, LOOKUP, {"receipt": receipt.lower().replace("-", "")})
    assert response.status_code == 200
    assert_private(response)
    body = response.json()
    assert body["status"] == "verifying" and body["status_label"] == "正在核实"
    assert body["explanation"] and body["close_reason"] == ""
    [message] = body["messages"]
    assert (message["from"], message["text"]) == ("school", "请课间来心理室找老师。")
    assert message["at"].endswith("+08:00")


def test_reporter_message_then_lookup(client, cast):
    receipt = post_json(client, REPORTS, letter(cast)).json()["receipt"]
    response = post_json(client, MESSAGES, {"receipt": receipt, "text": "他们今天又来了"})
    assert response.status_code == 201, response.content
    assert_private(response)
    assert response.json()["from"] == "reporter"
    assert Message.objects.get().sender == Sender.REPORTER
    response = client.post(
        MESSAGES, {"receipt": receipt, "text": "照片", "photos": [upload("x.jpg", png_bytes())]}
    )
    assert response.status_code == 201 and response.json()["photos"] == 1
    messages = post_json(client, LOOKUP, {"receipt": receipt}).json()["messages"]
    assert [(m["from"], m["text"], m["photos"]) for m in messages] == [
        ("reporter", "他们今天又来了", 0),
        ("reporter", "照片", 1),
    ]


def test_empty_message_is_422(client, cast):
    receipt = post_json(client, REPORTS, letter(cast)).json()["receipt"]
    assert_error(post_json(client, MESSAGES, {"receipt": receipt, "text": " "}), 422, "text_required")
    assert_error(post_json(client, MESSAGES, {"receipt": receipt, "text": "长" * 2001}), 422, "text_too_long")


def test_closed_report_lookup_gives_the_reason(client, cast):
    receipt = post_json(client, REPORTS, letter(cast)).json()["receipt"]
    report = services.report_by_receipt(receipt)
    services.report_close(
        actor=cast.users["moral_director"], report=report, reason="经核实属于同学间玩闹，已进行教育"
    )
    body = post_json(client, LOOKUP, {"receipt": receipt}).json()
    assert (body["status"], body["close_reason"]) == ("closed", "经核实属于同学间玩闹，已进行教育")


def test_unknown_near_miss_and_malformed_receipts_get_one_answer(client, cast):
    receipt = post_json(client, REPORTS, letter(cast)).json()["receipt"]
    near = receipt[:-1] + ("0" if receipt[-1] != "0" else "1")
    answers = set()
    for value in [near, "0000-0000-0000-0000-0000", "hello", "", 12345, None, ["x"]]:
        body = assert_error(post_json(client, LOOKUP, {"receipt": value}), 404, "receipt_not_found")
        answers.add(json.dumps(body, ensure_ascii=False))
    assert len(answers) == 1
    assert_error(post_json(client, MESSAGES, {"receipt": near, "text": "你好"}), 404, "receipt_not_found")
    assert Message.objects.count() == 0


def test_eleventh_wrong_receipt_is_429_but_another_client_gets_in(client, cast):
    receipt = post_json(client, REPORTS, letter(cast)).json()["receipt"]
    guesser = {"REMOTE_ADDR": "198.51.100.20"}
    for _ in range(10):
        assert_error(post_json(client, LOOKUP, {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"}, **guesser), 404)
    assert_error(
        post_json(client, LOOKUP, {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"}, **guesser),
        429,
        "too_many_attempts",
    )
    assert_error(post_json(client, LOOKUP, {"receipt": receipt}, **guesser), 429)
    assert_error(post_json(client, MESSAGES, {"receipt": receipt, "text": "你好"}, **guesser), 429)
    assert post_json(client, LOOKUP, {"receipt": receipt}, REMOTE_ADDR="198.51.100.21").status_code == 200


def test_the_page_and_the_api_share_one_guessing_limit(client, cast):
    guesser = {"REMOTE_ADDR": "198.51.100.30"}
    for _ in range(5):
        assert (
            client.post("/box/follow/", {"receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"}, **guesser).status_code == 404
        )
        assert post_json(client, MESSAGES, {"receipt": "AAAA", "text": "猜"}, **guesser).status_code == 404
    assert_error(post_json(client, LOOKUP, {"receipt": "AAAA"}, **guesser), 429)
    assert client.post("/box/follow/", {"receipt": "AAAA"}, **guesser).status_code == 429


def test_right_receipts_never_count(client, cast):
    receipt = post_json(client, REPORTS, letter(cast)).json()["receipt"]
    for _ in range(15):
        assert post_json(client, LOOKUP, {"receipt": receipt}).status_code == 200


# --- Anonymity ---------------------------------------------------------------------------------


def test_api_is_csrf_free_cookie_free_and_stores_nothing_identifying(cast, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["principal"])  # a session must not tie the report to an account
    cookies_before = dict(client.cookies.items())
    response = client.post(REPORTS, letter(cast, photos=[upload("me.jpg", jpeg_with_gps())]), **SPY)
    assert response.status_code == 201, response.content
    receipt = response.json()["receipt"]
    responses = [
        post_json(client, LOOKUP, {"receipt": receipt}, **SPY),
        post_json(client, MESSAGES, {"receipt": receipt, "text": "补充一点"}, **SPY),
        post_json(client, LOOKUP, {"receipt": "0000-0000-0000-0000-0000"}, **SPY),
        client.generic("POST", REPORTS, b"x", content_type="text/plain", **SPY),
    ]
    for r in [response, *responses]:
        assert "Set-Cookie" not in r.headers and not r.cookies
    assert [r.status_code for r in responses] == [200, 201, 404, 415]
    assert dict(client.cookies.items()) == cookies_before
    report = Report.objects.get()
    assert report.owner is None and report.recorded_by is None
    assert all(
        e.actor_id is None and e.request_id == ""
        for e in AuditEvent.objects.filter(action__startswith="report.")
    )
    assert_nothing_identifying(ADDRESS, AGENT, PROXY_ID, receipt)
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    for needle in (ADDRESS, AGENT, receipt):
        assert needle not in logged
