"""Uploaded photos and attachments are encrypted on disk and reach only those who may see them."""

from __future__ import annotations

import io
import stat
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from anxin.cases.models import Attachment
from anxin.cases.tests.helpers import walk
from anxin.core.crypto import reset_field_keys
from anxin.core.storage import HEADER
from anxin.intake import services as intake_services
from anxin.intake.models import Photo
from anxin.ledgers.gate.models import DangerousItem
from anxin.ledgers.hazards import services as hazard_services
from anxin.ledgers.hazards.models import Hazard

pytestmark = pytest.mark.django_db

JPEG, PNG, PDF = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-"
TEXT = "课间有人在厕所里打我，还抢走了我的饭卡"
OLD, NEW = "old-key-" + "a" * 40, "new-key-" + "b" * 40


@pytest.fixture
def media(settings, tmp_path) -> Path:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _image(fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + uuid.uuid4().hex.encode()


def _on_disk(media: Path, name: str) -> bytes:
    return (media / name).read_bytes()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_sealed(media: Path, name: str) -> None:
    raw = _on_disk(media, name)
    assert raw.startswith(HEADER)
    for magic in (JPEG, PNG, PDF, b"JFIF", b"IHDR", b"Exif"):
        assert magic not in raw
    assert _mode(media / name) == 0o600
    directory = (media / name).parent
    while directory != media.parent:
        assert _mode(directory) == 0o700, directory
        directory = directory.parent


def _is_image(data: bytes) -> bool:
    return Image.open(io.BytesIO(data)).size == (64, 48)


def _body(response) -> bytes:  # noqa: ANN001
    return b"".join(response.streaming_content)


def test_report_photo_is_encrypted_on_disk_and_served_decrypted_in_scope(cast, login, media):
    report = intake_services.report_submit(
        school_code=cast.school.code, text=TEXT, photos=[("a.jpg", io.BytesIO(_image("JPEG")))]
    ).report
    photo = Photo.objects.get(report=report)
    _assert_sealed(media, photo.file.name)
    url = reverse("intake:photo", args=[report.pk, photo.pk])
    response = login(cast.users["moral_director"]).get(url)
    assert response.status_code == 200
    body = _body(response)
    assert body.startswith(JPEG) and body == default_storage.open(photo.file.name).read() and _is_image(body)
    assert login(cast.outsider).get(url).status_code == 404


def test_case_attachment_pdf_comes_back_byte_for_byte_and_404_for_an_outsider(cast, login, media):
    case = walk(cast, "investigating")
    original = _pdf()
    upload = io.BytesIO(original)
    upload.name = "诊断证明.pdf"
    client = login(cast.users["moral_director"])
    response = client.post(
        f"/api/cases/{case.pk}/transitions", {"action": "attach", "name": "诊断证明", "file": upload}
    )
    assert response.status_code == 200, response.content
    att = Attachment.objects.get(case=case)
    _assert_sealed(media, att.file.name)
    url = reverse("cases:attachment", args=[case.pk, att.pk])
    download = client.get(url)
    assert download.status_code == 200 and _body(download) == original
    assert login(cast.outsider).get(url).status_code == 404


def test_hazard_rectification_photo_is_encrypted_and_served_only_in_scope(cast, login, media):
    officer, duty = cast.users["safety_officer"], cast.users["duty_staff"]
    place = hazard_services.place_create(
        actor=officer,
        school=cast.school,
        name="B栋后楼梯",
        kind="stairs",
        location="B栋",
        responsible_id=duty.pk,
        frequency_days=7,
    )
    hazard = hazard_services.hazard_report(
        actor=officer, school=cast.school, client_key=None, description="照明灯损坏", place_id=place.pk
    ).entry
    hazard = hazard_services.hazard_transition(
        actor=officer,
        hazard=hazard,
        action="start",
        owner_id=duty.pk,
        deadline=timezone.localdate() + timedelta(days=3),
    )
    photo = io.BytesIO(_image())
    hazard_services.hazard_transition(
        actor=duty, hazard=hazard, action="rectify", photo=photo, photo_name="a.png"
    )
    hazard = Hazard.objects.get()
    _assert_sealed(media, hazard.photo.name)
    url = reverse("ledgers:hazards_photo", args=[hazard.pk])
    response = login(officer).get(url)
    body = _body(response)
    assert response.status_code == 200
    assert body == default_storage.open(hazard.photo.name).read() and _is_image(body)
    assert login(cast.outsider).get(url).status_code == 404


def test_dangerous_item_photo_is_encrypted_and_served_only_in_scope(cast, login, media):
    photo = io.BytesIO(_image())
    photo.name = "刀.png"
    response = login(cast.users["gate_guard"]).post(
        "/api/ledgers/gate/items",
        {
            "kind": "knife",
            "action": "security",
            "student": cast.student_a1.pk,
            "client_key": str(uuid.uuid4()),
            "photo": photo,
        },
    )
    assert response.status_code == 201, response.content
    item = DangerousItem.objects.get()
    _assert_sealed(media, item.photo.name)
    url = reverse("ledgers:gate_item_photo", args=[item.pk])
    response = login(cast.users["gate_guard"]).get(url)
    body = _body(response)
    assert response.status_code == 200
    assert body == default_storage.open(item.photo.name).read() and _is_image(body)
    assert login(cast.outsider).get(url).status_code == 404


def test_media_url_is_not_served_even_to_a_principal(cast, login, media):
    # A regression guard: the files are reachable only through the permission-checked views.
    report = intake_services.report_submit(
        school_code=cast.school.code, text=TEXT, photos=[("a.png", io.BytesIO(_image()))]
    ).report
    name = Photo.objects.get(report=report).file.name
    assert login(cast.users["principal"]).get(f"/media/{name}").status_code == 404


def test_encrypt_files_seals_old_plaintext_uploads_in_place(cast, login, media):
    report = intake_services.report_submit(
        school_code=cast.school.code, text=TEXT, photos=[("a.png", io.BytesIO(_image()))]
    ).report
    photo = Photo.objects.get(report=report)
    # A file as an older version wrote it: plaintext, world-readable, in a 0755 directory.
    old = _image()
    path = media / photo.file.name
    path.write_bytes(old)
    path.chmod(0o644)
    path.parent.chmod(0o755)
    client = login(cast.users["moral_director"])
    url = reverse("intake:photo", args=[report.pk, photo.pk])
    assert _body(client.get(url)) == old  # still readable before the command runs

    call_command("encrypt_files", stdout=io.StringIO())
    _assert_sealed(media, photo.file.name)
    assert _body(client.get(url)) == old
    again = io.StringIO()
    call_command("encrypt_files", stdout=again)  # nothing left to do, nothing harmed
    assert "新加密 0 个文件" in again.getvalue() and _body(client.get(url)) == old


def test_rotate_keys_reencrypts_files_and_the_old_key_can_go(cast, login, media, settings):
    cast_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    try:
        settings.FIELD_ENCRYPTION_KEYS = [OLD, *cast_keys]
        reset_field_keys()
        report = intake_services.report_submit(
            school_code=cast.school.code, text=TEXT, photos=[("a.png", io.BytesIO(_image()))]
        ).report
        photo = Photo.objects.get(report=report)
        plain = default_storage.open(photo.file.name).read()
        before = _on_disk(media, photo.file.name)

        settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD, *cast_keys]
        reset_field_keys()
        out = io.StringIO()
        call_command("rotate_keys", stdout=out, stderr=io.StringIO())
        assert "重新加密 1 个" in out.getvalue()
        assert _on_disk(media, photo.file.name) != before
        _assert_sealed(media, photo.file.name)

        settings.FIELD_ENCRYPTION_KEYS = [NEW]  # every old key gone: rows and files still open
        reset_field_keys()
        url = reverse("intake:photo", args=[report.pk, photo.pk])
        assert _body(login(cast.users["moral_director"]).get(url)) == plain
    finally:
        reset_field_keys()
