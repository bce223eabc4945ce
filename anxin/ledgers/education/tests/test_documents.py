from __future__ import annotations

import pytest
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.ledgers.education import services
from anxin.ledgers.education.models import DocumentVersion

pytestmark = pytest.mark.django_db

API = "/api/ledgers/education"


def test_editing_creates_versions_and_history_with_diff(cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["principal"])
    url = reverse("ledgers:education_document", args=["plan"]) + f"?school={cast.school.pk}"
    assert client.post(url, {"text": "一、预警\n二、处置", "note": "初稿"}).status_code == 302
    assert client.post(url, {"text": "一、预警\n二、处置与报告\n三、调查", "note": "补充"}).status_code == 302
    versions = list(DocumentVersion.objects.order_by("number"))
    assert [(v.number, v.note) for v in versions] == [(1, "初稿"), (2, "补充")]
    assert versions[0].text == "一、预警\n二、处置"
    assert AuditEvent.objects.filter(action="ledger.education.document_version_added").count() == 2
    page = client.get(url + "&a=1&b=2")
    assert page.status_code == 200
    lines = page.context["compare"]["lines"]
    assert ("-", "二、处置") in lines and ("+", "三、调查") in lines
    unchanged = client.post(url, {"text": "一、预警\n二、处置与报告\n三、调查"})
    assert unchanged.status_code == 422
    assert DocumentVersion.objects.count() == 2


def test_staff_read_only_leaders_edit(cast, login) -> None:  # noqa: ANN001
    services.document_version_add(
        actor=cast.users["moral_director"],
        school=cast.school,
        kind="contacts",
        text="负责人：赵主任；举报电话：0531-12345678",
    )
    teacher = login(cast.users["class_teacher"])
    docs = teacher.get(f"{API}/documents").json()
    contacts = next(d for d in docs if d["kind"] == "contacts")
    assert contacts["current"]["number"] == 1
    response = teacher.post(
        f"{API}/documents/contacts/versions", {"text": "改"}, content_type="application/json"
    )
    assert response.status_code == 403
    url = reverse("ledgers:education_document", args=["contacts"]) + f"?school={cast.school.pk}"
    assert teacher.get(url).status_code == 200
    assert teacher.post(url, {"text": "改"}).status_code == 403
    county = login(cast.users["county_admin"])
    assert county.get(f"{API}/documents?school={cast.school.pk}").status_code == 200
    assert DocumentVersion.objects.count() == 1


def test_api_versions_and_outsider_404(cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["vice_principal"])
    response = client.post(
        f"{API}/documents/committee/versions",
        {"text": "委员会由校长任主任……", "note": "v1"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["number"] == 1
    assert (
        client.post(
            f"{API}/documents/nope/versions", {"text": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    outsider = login(cast.outsider)
    assert outsider.get(f"{API}/documents?school={cast.school.pk}").status_code == 404
    response = outsider.post(
        f"{API}/documents/committee/versions",
        {"text": "x", "school": cast.school.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    url = reverse("ledgers:education_document", args=["committee"]) + f"?school={cast.school.pk}"
    assert outsider.get(url).status_code == 404
    assert DocumentVersion.objects.count() == 1
