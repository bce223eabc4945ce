"""The bureau's 舆情 register and report archive in the demo city: three online-opinion events of the
first county in different states (one past its 24 hours, its county told once, as the running
platform's sweep would have) and last month's statistical report, archived as the task makes it.
Made only when the demo cases are (one event links to one of them)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from anxin.cases.models import Case
from anxin.org.models import Role, Unit, UnitKind, User
from anxin.oversight.opinion import services as opinion
from anxin.oversight.opinion.models import Heat, OpinionEvent, Source, StepKind
from anxin.oversight.reports import services as reports
from anxin.oversight.reports.periods import last_month, period_of


def build(stdout: Any) -> None:
    county = Unit.objects.filter(kind=UnitKind.COUNTY, is_active=True).order_by("path").first()
    # Only beside the demo cases: their audit trail already pins the city, while a city loaded
    # without them (--no-cases) must stay resettable, and these records would pin it too.
    if county is None or OpinionEvent.objects.exists() or not Case.objects.exists():
        return
    admin = User.objects.filter(assignments__role=Role.COUNTY_ADMIN, assignments__unit=county).first()
    schools = list(
        Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True, parent=county).order_by("path")[:3]
    )
    if admin is None or not schools:
        return
    now = timezone.now()
    case = Case.objects.filter(school=schools[0]).order_by("opened_at").first()

    done = opinion.opinion_create(
        actor=admin,
        school=schools[0],
        source=Source.SHORT_VIDEO,
        link="https://www.douyin.com/video/7300000000000000001",
        first_seen=now - timedelta(hours=50),
        summary="短视频称某校学生在校门口被多人推搡，评论区有转发。",
        heat=Heat.ELEVATED,
        case_number=case.number if case else "",
    )
    for kind, hours, note in (
        (StepKind.VERIFY, 47, "已联系学校核实：系放学后校门口冲突，学校已立案调查。"),
        (StepKind.RESPOND, 30, "区教体局官方微信发布情况说明。"),
        (StepKind.CLOSE, 6, "视频已下架，舆情平息。"),
    ):
        opinion.opinion_step_add(
            actor=admin, event=done, kind=kind, note=note, at=now - timedelta(hours=hours)
        )

    opinion.opinion_create(
        actor=admin,
        school=schools[-1],
        source=Source.WEIBO,
        link="https://weibo.com/1234567890/Nabcdefgh",
        first_seen=now - timedelta(hours=31),
        summary="微博网友发帖称孩子在学校被同学起外号、孤立，要求学校给说法。",
        heat=Heat.HIGH,
    )

    fresh = opinion.opinion_create(
        actor=admin,
        school=schools[min(1, len(schools) - 1)],
        source=Source.HOTLINE_12345,
        link="",
        first_seen=now - timedelta(hours=3),
        summary="12345热线转来家长反映：孩子在宿舍被索要零花钱。",
        heat=Heat.NORMAL,
    )
    opinion.opinion_step_add(
        actor=admin,
        event=fresh,
        kind=StepKind.VERIFY,
        note="已转学校核实，学校已受理。",
        at=now - timedelta(hours=1),
    )
    # The 31-hour event is past its 24 hours: the county is told once, as the sweep would have.
    opinion.overdue_sweep(now)

    reports.report_generate(
        actor=None, unit=county, period=period_of("monthly", last_month(timezone.localdate()))
    )
    stdout.write(f"舆情登记：3 条（{county.name}，其中 1 条超时未回应）；已存档上月统计报表。")
