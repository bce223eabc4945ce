from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
import segno
from django.urls import reverse
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.intake import poster

pytestmark = pytest.mark.django_db

A4_PT = (595.276, 841.89)
HOTLINE = "0531-12345678"


def _poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    exe = shutil.which(tool)
    assert exe, f"{tool} is missing: apt-get install -y poppler-utils"
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [exe, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def _pages(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    info = _poppler("pdfinfo", pdf, tmp_path, "-f", "1", "-l", "9999")
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def _text(pdf: bytes, tmp_path: Path) -> str:
    return _poppler("pdftotext", pdf, tmp_path, "-layout")


def _printed(school, user) -> int:  # noqa: ANN001
    return AuditEvent.objects.filter(
        action="poster.printed", subject_type="org.unit", subject_id=str(school.pk), actor=user
    ).count()


def test_school_poster_is_one_a4_page_with_embedded_chinese_font(cast, login, tmp_path):
    response = login(cast.users["principal"]).get(reverse("intake:poster_pdf", args=[cast.school.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    pages = _pages(pdf, tmp_path)
    assert len(pages) == 1
    assert pages[0] == pytest.approx(A4_PT, abs=1)
    fonts = _poppler("pdffonts", pdf, tmp_path)
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk, fonts
    # Columns: name, type, encoding, emb, sub, uni, object, generation.
    assert all(line.split()[-5] == "yes" for line in cjk), fonts


def test_school_poster_shows_school_contacts_and_words_for_children(cast, login, tmp_path):
    response = login(cast.users["principal"]).get(reverse("intake:poster_pdf", args=[cast.school.pk]))
    text = _text(response.content, tmp_path)
    for expected in (
        "实验中学",
        HOTLINE,
        "赵主任",
        "遇到欺凌",
        "说出来",
        "你不需要留下名字",
        "学校会认真对待每一份报告",
        "110",
        "12355",
        "学校盖章",
        "http://testserver/box/3701020001/",
    ):
        assert expected in text, expected


def test_qr_code_encodes_the_absolute_box_url(cast):
    url = poster.box_url(cast.school, base_url="https://anxin.example.cn/")
    assert url == "https://anxin.example.cn" + reverse("box:box", args=[cast.school.code])
    assert url == "https://anxin.example.cn/box/3701020001/"
    data = poster.poster_data(cast.school, base_url="https://anxin.example.cn/")
    assert data.url == url
    assert data.qr == poster.qr_data_uri(url)
    expected = segno.make_qr(url, error="q", boost_error=False)
    assert poster.qr_code(url).matrix == expected.matrix
    html = poster.poster_html([cast.school], base_url="https://anxin.example.cn/")
    assert poster.qr_data_uri(url) in html


def test_public_base_url_setting_wins_over_the_request_host(cast, login, settings, tmp_path):
    settings.ANXIN_PUBLIC_BASE_URL = "https://xinxiang.example.edu.cn"
    response = login(cast.users["principal"]).get(reverse("intake:poster_pdf", args=[cast.school.pk]))
    assert "https://xinxiang.example.edu.cn/box/3701020001/" in _text(response.content, tmp_path)


def test_download_name_is_chinese_with_ascii_fallback(cast, login):
    response = login(cast.users["principal"]).get(reverse("intake:poster_pdf", args=[cast.school.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="poster-3701020001.pdf"' in disposition
    assert "filename*=UTF-8''" + quote("实验中学-爱心信箱海报.pdf") in disposition


def test_png_is_a4_shaped_and_not_blank(cast, login):
    response = login(cast.users["principal"]).get(reverse("intake:poster_png", args=[cast.school.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "filename*=UTF-8''" + quote("实验中学-爱心信箱海报.png") in response["Content-Disposition"]
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert image.format == "PNG"
    width, height = image.size
    assert width >= 1000
    assert height / width == pytest.approx(297 / 210, rel=0.01)
    grey = image.convert("L")
    histogram = grey.histogram()
    dark = sum(histogram[:96]) / (width * height)
    light = sum(histogram[200:]) / (width * height)
    # The header band, QR modules and text are dark; the page is mostly light.
    assert 0.05 < dark < 0.6
    assert light > 0.3


def test_class_teacher_may_print_own_school_poster(cast, login):
    teacher = cast.users["class_teacher"]
    client = login(teacher)
    assert client.get(reverse("intake:poster_pdf", args=[cast.school.pk])).status_code == 200
    assert client.get(reverse("intake:poster_png", args=[cast.school.pk])).status_code == 200


def test_teacher_of_other_school_gets_404(cast, login):
    client = login(cast.outsider)
    for name in ("intake:poster_pdf", "intake:poster_png"):
        assert client.get(reverse(name, args=[cast.school.pk])).status_code == 404
    assert _printed(cast.school, cast.outsider) == 0


def test_bureau_of_other_county_gets_404(cast, login):
    response = login(cast.far_outsider).get(reverse("intake:poster_pdf", args=[cast.school.pk]))
    assert response.status_code == 404


def test_non_school_unit_on_single_poster_route_is_404(cast, login):
    client = login(cast.users["county_admin"])
    for unit in (cast.county, cast.grade, cast.class_a1):
        assert client.get(reverse("intake:poster_pdf", args=[unit.pk])).status_code == 404
        assert client.get(reverse("intake:poster_png", args=[unit.pk])).status_code == 404
    assert client.get(reverse("intake:poster_pdf", args=[999999])).status_code == 404


def test_anonymous_visitor_is_sent_to_login(cast, client):
    response = client.get(reverse("intake:poster_pdf", args=[cast.school.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_printing_is_audited_per_school(cast, login):
    user = cast.users["class_teacher"]
    client = login(user)
    client.get(reverse("intake:poster_pdf", args=[cast.school.pk]))
    client.get(reverse("intake:poster_png", args=[cast.school.pk]))
    events = AuditEvent.objects.filter(action="poster.printed", actor=user).order_by("seq")
    assert [(e.unit_id, e.subject_id, e.after) for e in events] == [
        (cast.school.pk, str(cast.school.pk), {"format": "pdf"}),
        (cast.school.pk, str(cast.school.pk), {"format": "png"}),
    ]


def test_county_batch_has_one_page_per_school_in_code_order(cast, login, tmp_path):
    admin = cast.users["county_admin"]
    response = login(admin).get(reverse("intake:posters_pdf", args=[cast.county.pk]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" + quote("城关区-全部学校爱心信箱海报.pdf") in response["Content-Disposition"]
    pages = _pages(response.content, tmp_path)
    assert len(pages) == 2
    assert all(p == pytest.approx(A4_PT, abs=1) for p in pages)
    text = _text(response.content, tmp_path)
    first, second = text.split("\f")[:2]
    assert "实验中学" in first and HOTLINE in first
    assert "城关小学" in second and "实验中学" not in second
    assert "东城中学" not in text
    assert _printed(cast.school, admin) == 1
    assert _printed(cast.school_b, admin) == 1
    event = AuditEvent.objects.get(action="poster.printed", subject_id=str(cast.school_b.pk))
    assert event.after == {"format": "pdf", "batch": cast.county.code}


def test_city_batch_covers_every_county(cast, login, tmp_path):
    response = login(cast.users["city_admin"]).get(reverse("intake:posters_pdf", args=[cast.city.pk]))
    assert response.status_code == 200
    assert len(_pages(response.content, tmp_path)) == 3


def test_batch_is_404_for_school_staff_and_for_school_units(cast, login):
    client = login(cast.users["principal"])
    assert client.get(reverse("intake:posters_pdf", args=[cast.county.pk])).status_code == 404
    assert client.get(reverse("intake:posters_pdf", args=[cast.school.pk])).status_code == 404
    client = login(cast.users["county_admin"])
    assert client.get(reverse("intake:posters_pdf", args=[cast.school.pk])).status_code == 404
    assert client.get(reverse("intake:posters_pdf", args=[cast.county2.pk])).status_code == 404


def test_missing_chinese_font_gives_503_with_install_command(cast, login, monkeypatch):
    monkeypatch.setattr(poster, "cjk_font_file", lambda: None)
    client = login(cast.users["county_admin"])
    for url in (
        reverse("intake:poster_pdf", args=[cast.school.pk]),
        reverse("intake:poster_png", args=[cast.school.pk]),
        reverse("intake:posters_pdf", args=[cast.county.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 503
        body = response.content.decode()
        assert "中文字体" in body
        assert "apt-get install -y fonts-wqy-microhei" in body
    assert AuditEvent.objects.filter(action="poster.printed").count() == 0
    index = client.get(reverse("intake:posters"))
    assert 'data-testid="font-missing"' in index.content.decode()


def test_missing_pdftoppm_gives_503_for_png_only(cast, login, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(poster.shutil, "which", lambda name: None if name == "pdftoppm" else real_which(name))
    client = login(cast.users["principal"])
    response = client.get(reverse("intake:poster_png", args=[cast.school.pk]))
    assert response.status_code == 503
    assert "apt-get install -y poppler-utils" in response.content.decode()
    assert client.get(reverse("intake:poster_pdf", args=[cast.school.pk])).status_code == 200


def test_school_without_contacts_still_prints_with_blanks(cast, login, tmp_path):
    response = login(cast.users["county_admin"]).get(reverse("intake:poster_pdf", args=[cast.school_b.pk]))
    assert response.status_code == 200
    assert "城关小学" in _text(response.content, tmp_path)


def test_index_lists_own_school_without_batch_button(cast, login):
    response = login(cast.users["class_teacher"]).get(reverse("intake:posters"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="school-3701020001"' in body
    assert reverse("intake:poster_pdf", args=[cast.school.pk]) in body
    assert reverse("intake:poster_png", args=[cast.school.pk]) in body
    assert "城关小学" not in body
    assert reverse("intake:posters_pdf", args=[cast.county.pk]) not in body


def test_index_gives_bureau_the_all_schools_button(cast, login):
    response = login(cast.users["county_admin"]).get(reverse("intake:posters"))
    body = response.content.decode()
    assert reverse("intake:posters_pdf", args=[cast.county.pk]) in body
    assert "城关区全部学校（2 所）" in body
    assert 'data-testid="school-3701020002"' in body
    assert "信息不完整" in body  # 城关小学 has no contact person or hotline
    assert "东城中学" not in body


def test_index_search_filters_schools(cast, login):
    response = login(cast.users["county_admin"]).get(reverse("intake:posters"), {"q": "城关小"})
    body = response.content.decode()
    assert 'data-testid="school-3701020002"' in body
    assert 'data-testid="school-3701020001"' not in body


def test_batch_too_big_for_one_request_offers_county_batches(cast, login, monkeypatch):
    monkeypatch.setattr(poster, "BATCH_MAX_SCHOOLS", 2)
    response = login(cast.users["city_admin"]).get(reverse("intake:posters_pdf", args=[cast.city.pk]))
    assert response.status_code == 422
    body = response.content.decode()
    assert "共有 3 所学校" in body
    assert reverse("intake:posters_pdf", args=[cast.county.pk]) in body
    assert reverse("intake:posters_pdf", args=[cast.county2.pk]) in body
    assert AuditEvent.objects.filter(action="poster.printed").count() == 0


def test_index_sends_city_to_county_batches_when_the_city_is_too_big(cast, login, monkeypatch):
    monkeypatch.setattr(poster, "BATCH_MAX_SCHOOLS", 2)
    body = login(cast.users["city_admin"]).get(reverse("intake:posters")).content.decode()
    assert reverse("intake:posters_pdf", args=[cast.city.pk]) not in body
    assert "测试市共 3 所学校，请按县/区下载" in body
    assert reverse("intake:posters_pdf", args=[cast.county.pk]) in body


def _qr_modules_in(image: Image.Image, size: int) -> list[list[bool]]:
    """Read the QR code's modules off the rendered poster by sampling each module's centre.

    In the QR card (left half, between the header band and the words for children) the modules
    are the only pixels of the QR colour, and the symbol is drawn without a quiet zone, so the
    bounding box of those pixels is the symbol itself.
    """
    rgb = image.convert("RGB")
    width, height = rgb.size
    target = (0x12, 0x3C, 0x33)
    pixels = rgb.load()
    xs, ys = [], []
    for y in range(int(height * 70 / 297), int(height * 180 / 297)):
        for x in range(width // 2):
            r, g, b = pixels[x, y]
            if abs(r - target[0]) + abs(g - target[1]) + abs(b - target[2]) < 40:
                xs.append(x)
                ys.append(y)
    x0, x1, y0, y1 = min(xs), max(xs) + 1, min(ys), max(ys) + 1
    step_x, step_y = (x1 - x0) / size, (y1 - y0) / size
    grid = []
    for row in range(size):
        cy = int(y0 + (row + 0.5) * step_y)
        grid.append([sum(pixels[int(x0 + (col + 0.5) * step_x), cy]) < 300 for col in range(size)])
    return grid


def test_png_qr_code_is_the_box_url(cast, login):
    response = login(cast.users["principal"]).get(reverse("intake:poster_png", args=[cast.school.pk]))
    image = Image.open(io.BytesIO(response.content))
    expected = poster.qr_code("http://testserver/box/3701020001/")
    matrix = [[bool(m) for m in row] for row in expected.matrix]
    assert _qr_modules_in(image, len(matrix)) == matrix


def test_renderer_reads_only_its_own_assets():
    fetcher = poster._local_fetcher()
    asset = (poster.ASSETS_DIR / "speech-heart.svg").as_uri()
    assert fetcher.fetch(asset).url == asset
    for url in (
        "http://example.com/tracker.png",
        "file:///etc/passwd",
        poster.ASSETS_DIR.as_uri() + "/../../../../settings.py",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
