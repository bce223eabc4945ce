"""Excel downloads of the education ledgers (only rows in the caller's reach)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _

from anxin.ledgers.base import Completeness, xlsx_response
from anxin.org.models import Unit

from . import selectors
from .models import EduActivity
from .schooldays import UNKNOWN_LABEL


def sessions_xlsx(user: Any, klass: Unit | None, start: date, end: date) -> HttpResponse:
    classes = [klass] if klass else list(selectors.classes_for(user))
    records = selectors.sessions_visible(user, klass=klass, start=start, end=end).select_related("school")
    rows = selectors.due_rows(classes, start, end)
    gaps = [r for r in rows if not r.done]
    done = sum(1 for r in rows if r.done)
    summary = Completeness(due=len(rows), done=done)
    return xlsx_response(
        _("1530安全教育_%(start)s_%(end)s.xlsx") % {"start": start, "end": end},
        [
            (
                _("记录"),
                [_("学校"), _("班级"), _("日期"), _("类型"), _("备注"), _("记录人"), _("记录时间")],
                (
                    [
                        s.school.name,
                        s.klass.display_name,
                        s.date,
                        s.get_kind_display(),
                        s.note,
                        str(s.recorded_by),
                        s.recorded_at,
                    ]
                    for s in records
                ),
            ),
            (
                _("未记录"),
                [_("班级"), _("日期"), _("应开展"), _("已记录"), _("说明")],
                (
                    [
                        g.klass.display_name,
                        g.due.day,
                        g.due.kind_label,
                        g.session.get_kind_display() if g.session else "",
                        "" if g.due.known else str(UNKNOWN_LABEL),
                    ]
                    for g in gaps
                ),
            ),
            (
                _("完成率"),
                [_("开始"), _("结束"), _("应开展"), _("已完成"), _("完成率")],
                [[start, end, summary.due, done, f"{summary.percent}%" if summary.due else "—"]],
            ),
        ],
    )


def activities_xlsx(rows: QuerySet[EduActivity]) -> HttpResponse:
    return xlsx_response(
        _("教育活动.xlsx"),
        [
            (
                _("教育活动"),
                [
                    _("学校"),
                    _("类型"),
                    _("日期"),
                    _("主题"),
                    _("内容摘要"),
                    _("应到人数"),
                    _("实到人数"),
                    _("记录人"),
                    _("记录时间"),
                ],
                (
                    [
                        a.school.name,
                        a.get_type_display(),
                        a.date,
                        a.title,
                        a.summary,
                        a.expected,
                        a.present,
                        str(a.recorded_by),
                        a.recorded_at,
                    ]
                    for a in rows
                ),
            )
        ],
    )
