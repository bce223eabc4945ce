"""The menu: the site's chrome names every app's pages, so it sits at the top beside urls.py."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.core.models import Notification
from anxin.ledgers.views import ledger_entries
from anxin.ops.calendar import can_manage
from anxin.oversight.supervision.permissions import NOTICE, ORDER, SCORECARD, allowed_any


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu entries this person may use; nothing they could not open is shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(_("工作台"), reverse("home"), "speedometer2")]
    if allowed(user, "report", "view"):
        items.append((_("举报受理"), reverse("intake:queue"), "inbox"))
    if allowed(user, "case", "view") or allowed(user, "case", "handle"):
        items.append((_("案件处置"), reverse("cases:list"), "folder2-open"))
    if allowed(user, "case", "bureau"):
        items.append((_("严重案件与复查"), reverse("cases:bureau"), "bank"))
    if allowed(user, "oversight_stats", "view"):
        items.append((_("监管看板"), reverse("oversight:dashboard"), "bar-chart-line"))
    elif allowed(user, "oversight_stats", "screen"):
        items.append((_("数据大屏"), reverse("oversight:screen"), "display"))
    # One entry for supervision: its pages (考评, 整改, 检查, 通报, 约谈, 督学) are tabs of one another.
    if allowed_any(user, SCORECARD, "view") or allowed_any(user, ORDER, "view"):
        items.append((_("督导整改"), reverse("supervision:index"), "clipboard-check"))
    elif allowed(user, NOTICE, "view"):
        items.append((_("通报"), reverse("supervision:notices"), "megaphone"))
    if allowed(user, "opinion", "view"):
        items.append((_("舆情登记"), reverse("oversight_opinion:list"), "broadcast"))
    if allowed(user, "oversight_report", "view") or allowed(user, "case", "bureau"):
        items.append((_("统计报表"), reverse("oversight_reports:index"), "file-earmark-spreadsheet"))
    if allowed(user, "survey_campaign", "view"):
        items.append((_("专项调查"), reverse("surveys:index"), "ui-checks"))
    if allowed(user, "wellbeing_round", "view"):
        items.append((_("心理筛查"), reverse("wellbeing:rounds"), "heart-pulse"))
    if ledger_entries(user, figures=False):
        items.append((_("台账"), reverse("ledgers:index"), "journal-check"))
    if allowed(user, "student", "view"):
        items.append((_("学生"), reverse("org:students"), "people"))
    if allowed(user, "staff", "view"):
        items.append((_("教职工"), reverse("org:staff"), "person-badge"))
    if allowed(user, "unit", "view"):
        items.append((_("组织机构"), reverse("org:units"), "diagram-3"))
    if allowed(user, "committee", "view"):
        items.append((_("治理委员会"), reverse("org:committee"), "people-fill"))
    if allowed(user, "unit", "view"):
        items.append((_("爱心信箱海报"), reverse("intake:posters"), "printer"))
    if can_manage(user):
        items.append((_("节假日安排"), reverse("ops:calendar"), "calendar3"))
    if allowed(user, "audit", "view"):
        items.append((_("审计日志"), reverse("audit:events"), "journal-check"))
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    return {
        "nav_items": items,
        "unread_count": unread.count(),
        "unread_urgent": unread.filter(urgent=True).exists(),
    }
