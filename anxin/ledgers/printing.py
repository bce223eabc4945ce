"""Printable record forms that inspectors still ask for on paper (来访登记簿, 巡查记录表, 谈话记录表,
委员会会议记录): an A4 PDF filled from the ledger for a date range, or blank with ruled rows.

Each form reads through the same scoped selectors as its ledger page, so a PDF shows nothing its
reader could not see on screen; a talk's words are printed only for those who may read them (the
author, the class teacher and the psychology teacher), and that read is audited like on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.access.matrix import scoped
from anxin.audit.services import audit_record
from anxin.core.errors import NotFound
from anxin.core.pdf import render_pdf
from anxin.ledgers.kit import read_window
from anxin.org.models import CommitteeMember, Unit, mask_name
from anxin.org.selectors import schools_where

from . import events
from .care import selectors as care
from .gate import selectors as gate
from .patrol import selectors as patrol

#: A filled form covers at most this many days (a term), and prints at most this many rows.
MAX_DAYS = 200
MAX_ROWS = 2000
#: Ruled empty rows on a blank form page.
BLANK_ROWS = 18


@dataclass(frozen=True)
class PrintForm:
    slug: str
    title: Any
    resource: str
    #: (heading, relative width); the widths add up to 100. Empty for the committee's form.
    columns: tuple[tuple[Any, int], ...]
    #: (user, school, start, end) -> rows of cell texts; None for forms that are blank only.
    rows: Callable[[Any, Unit, date, date], list[tuple[str, ...]]] | None = None
    note: Any = ""


def _local(moment: Any, fmt: str = "%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def _visitor_rows(user: Any, school: Unit, start: date, end: date) -> list[tuple[str, ...]]:
    qs = gate.visitors_visible(user, date_from=start, date_to=end).filter(school=school).order_by("time_in")
    return [
        (
            _local(v.time_in),
            v.name,
            v.id_last4,
            v.host_text or (str(v.host) if v.host_id else ""),
            v.reason,
            v.items,
            _local(v.time_out, "%H:%M"),
            str(v.recorded_by) if getattr(v, "recorded_by_id", None) else "",
        )
        for v in qs[:MAX_ROWS]
    ]


def _patrol_rows(user: Any, school: Unit, start: date, end: date) -> list[tuple[str, ...]]:
    qs = patrol.checkins_visible(user, start=start, end=end, school=school).order_by("recorded_at")
    return [
        (
            _local(c.recorded_at),
            c.point.name,
            c.finding or _("正常"),
            _("是") if c.needs_report else "",
            str(c.recorded_by) if c.recorded_by_id else "",
        )
        for c in qs[:MAX_ROWS]
    ]


def _talk_rows(user: Any, school: Unit, start: date, end: date) -> list[tuple[str, ...]]:
    talks = list(
        care.talks_visible(user)
        .filter(school=school, talked_on__gte=start, talked_on__lte=end)
        .order_by("talked_on", "pk")[:MAX_ROWS]
    )
    readable = care.talks_read(user, talks, school) if talks else set()
    rows = []
    for t in talks:
        mine = t.pk in readable
        rows.append(
            (
                t.talked_on.strftime("%m-%d"),
                t.student.name if mine else mask_name(t.student.name),
                t.student.klass.display_name if t.student.klass_id else "",
                str(t.get_topic_display()),
                t.content if mine else _("（仅谈话人、班主任和心理教师可阅）"),
                str(t.recorded_by) if t.recorded_by_id else "",
            )
        )
    return rows


FORMS: dict[str, PrintForm] = {
    f.slug: f
    for f in (
        PrintForm(
            slug="visitors",
            title=gettext_lazy("来访登记簿"),
            resource=gate.VISITOR,
            columns=(
                (gettext_lazy("进校时间"), 12),
                (gettext_lazy("来访人"), 11),
                (gettext_lazy("身份证后4位"), 9),
                (gettext_lazy("被访人/班级"), 16),
                (gettext_lazy("事由"), 20),
                (gettext_lazy("携带物品"), 14),
                (gettext_lazy("离校"), 7),
                (gettext_lazy("登记人"), 11),
            ),
            rows=_visitor_rows,
            note=gettext_lazy("只登记身份证后 4 位，不得抄录完整证件号。"),
        ),
        PrintForm(
            slug="patrol",
            title=gettext_lazy("巡查记录表"),
            resource="ledger_patrol_checkin",
            columns=(
                (gettext_lazy("时间"), 14),
                (gettext_lazy("巡查点"), 20),
                (gettext_lazy("发现的问题"), 44),
                (gettext_lazy("需上报"), 8),
                (gettext_lazy("巡查人"), 14),
            ),
            rows=_patrol_rows,
            note=gettext_lazy(
                "重点部位：厕所、宿舍、食堂、楼道楼梯间、楼顶及储物间；重点时段：课间、午休、晚自习、熄灯后。"
            ),
        ),
        PrintForm(
            slug="talks",
            title=gettext_lazy("谈心谈话记录表"),
            resource="ledger_talk",
            columns=(
                (gettext_lazy("日期"), 8),
                (gettext_lazy("学生"), 10),
                (gettext_lazy("班级"), 14),
                (gettext_lazy("主题"), 10),
                (gettext_lazy("谈话内容"), 46),
                (gettext_lazy("谈话人"), 12),
            ),
            rows=_talk_rows,
            note=gettext_lazy("谈话内容仅谈话人、班主任和心理教师可阅，请妥善保管。"),
        ),
        PrintForm(
            slug="committee",
            title=gettext_lazy("欺凌治理委员会会议记录"),
            resource="committee",
            columns=(),
        ),
    )
}


def parse_range(raw_from: str, raw_to: str, *, today: date) -> tuple[date, date]:
    """The date range of a filled form: the kit's period, at most MAX_DAYS days (a printable length)."""
    return read_window({"from": raw_from, "to": raw_to}, max_days=MAX_DAYS, today=today)


def printable_forms(user: Any) -> list[PrintForm]:
    """The forms this person may print (they may view the ledger at some school)."""
    return [f for f in FORMS.values() if schools_where(user, f.resource, "view").exists()]


def form_school(user: Any, form: PrintForm, school_id: int | None) -> Unit:
    """The school the form is for: one the reader may view the ledger of; 404 otherwise."""
    schools = schools_where(user, form.resource, "view")
    if school_id is not None:
        school = schools.filter(pk=school_id).first()
    else:
        school = schools.first() if schools.count() == 1 else None
    if school is None:
        raise NotFound()
    return school


def render_form(
    user: Any, form: PrintForm, school: Unit, *, blank: bool, start: date | None, end: date | None
) -> bytes:
    rows: list[tuple[str, ...]] = []
    members: list[CommitteeMember] = []
    if form.slug == "committee":
        members = list(
            scoped(user, "committee", "view", CommitteeMember.objects.filter(school=school, active=True))
            .select_related("user")
            .order_by("committee_role", "pk")
        )
    elif not blank and form.rows is not None and start is not None and end is not None:
        rows = form.rows(user, school, start, end)
    audit_record(
        actor=user,
        action=events.FORM_PRINTED,
        unit=school,
        subject_type="ledger.print",
        subject_id=form.slug,
        subject_label=str(form.title),
        after={"form": form.slug, "blank": blank, "from": start, "to": end, "rows": len(rows)},
    )
    return render_pdf(
        "ledgers/print/form.html",
        {
            "form": form,
            "school": school,
            "blank": blank,
            "start": start,
            "end": end,
            "rows": rows,
            "blank_rows": range(BLANK_ROWS if blank or not rows else 3),
            "members": members,
            "columns": form.columns,
            "printed_at": timezone.localtime(),
        },
    )
