"""The demo city's supervision: each county's 责任督学 assigned to a few schools, one rectification
order in each state of its loop (one of them extended, one withdrawn; plus one overdue and reported by the sweep), one visit whose findings
became an order, one 约谈, and one 通报 that some principals have read.

The orders go to the two showcase schools only. SCENARIOS §7 has the county administrator find the
school without 1530 and the school whose poster was never printed and issue that order herself, live:
none is made against them here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.demo.ledgers import SHOWCASE
from anxin.org.models import Role, RoleAssignment, Unit, UnitKind, User
from anxin.oversight.supervision import services
from anxin.oversight.supervision.models import InspectorAssignment, Order, OrderLevel

#: Schools each county's inspector supervises.
ASSIGNED_PER_COUNTY = 3


def _holder(role: str, unit: Unit) -> User | None:
    row = (
        RoleAssignment.objects.filter(role=role, unit=unit, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return row.user if row else None


def _county_of(school: Unit) -> Unit:
    node = school.parent
    while node is not None and node.kind != UnitKind.COUNTY:
        node = node.parent
    assert node is not None
    return node


def build(stdout: Any) -> dict[str, int]:
    """Idempotent: a database that already has supervision records is left as it is."""
    if Order.objects.exists() or InspectorAssignment.objects.exists():
        return {}
    schools = list(Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True).order_by("path"))
    if not schools:
        return {}
    showcase = [s for s in schools if s.name in SHOWCASE] or _led_schools(schools)
    if not showcase:
        return {}
    county = _county_of(showcase[0])
    admin = _holder(Role.COUNTY_ADMIN, county)
    inspector = _holder(Role.INSPECTOR, county)
    if admin is None:
        return {}
    counts = {"assignments": 0, "orders": 0, "visits": 0, "notices": 0, "interviews": 0}
    today = timezone.localdate()
    with transaction.atomic():
        # Inspectors: the showcase schools first, then the county's next schools.
        for c in Unit.objects.filter(kind=UnitKind.COUNTY, is_active=True).order_by("path"):
            person = _holder(Role.INSPECTOR, c)
            if person is None:
                continue
            own = [s for s in schools if s.path.startswith(c.path)]
            chosen = [s for s in own if s in showcase] + [s for s in own if s not in showcase]
            for school in chosen[:ASSIGNED_PER_COUNTY]:
                services.inspector_assign(
                    actor=admin if c == county else None, inspector_id=person.pk, school=school
                )
                counts["assignments"] += 1
        first, second = showcase[0], showcase[-1]
        p1 = _holder(Role.PRINCIPAL, first)
        p2 = _holder(Role.PRINCIPAL, second)

        def issue(school: Unit, title: str, items: list[str], days: int, **kw: Any) -> Order:
            counts["orders"] += 1
            return services.order_issue(
                actor=kw.pop("actor", admin),
                school=school,
                title=title,
                items=items,
                deadline=today + timedelta(days=days),
                **kw,
            )

        closed = issue(first, "宿舍楼三层监控故障", ["更换三层走廊摄像头", "补录近两周录像回看记录"], 3)
        if p1 is not None:
            services.order_transition(
                actor=p1, order=closed, action="respond", response="已更换摄像头，录像回看已补录。"
            )
            services.order_transition(actor=admin, order=closed, action="close", note="复查合格。")
        responded = issue(second, "主题班会未开满", ["各班本学期再开一次防欺凌主题班会"], 10)
        if p2 is not None:
            services.order_transition(
                actor=p2,
                order=responded,
                action="respond",
                response="各班已于本周开完第二次主题班会，见班会台账。",
            )
        returned = issue(first, "家长培训未开展", ["本学期内举办一次家长学校防欺凌专题"], 14)
        if p1 is not None:
            services.order_transition(actor=p1, order=returned, action="respond", response="已通知家长。")
            services.order_transition(
                actor=admin,
                order=returned,
                action="send_back",
                reason="仅发了通知，未见培训记录，请举办后再反馈。",
            )
        # One extended (the school asked for time to buy equipment) and one withdrawn (sent to the
        # wrong school): what a bureau does when an order no longer fits.
        extended = issue(second, "宿舍楼监控未全覆盖", ["宿舍楼各层走廊加装摄像头"], 7)
        services.order_extend(
            actor=admin,
            order=extended,
            deadline=today + timedelta(days=30),
            reason="设备需政府采购，学校申请延期。",
        )
        withdrawn = issue(second, "1530安全教育记录缺失", ["各班补齐1530记录"], 7)
        services.order_transition(
            actor=admin, order=withdrawn, action="cancel", reason="核实为统计口径问题，记录齐全，撤销。"
        )
        if inspector is not None:
            visit = services.visit_record(
                actor=_fresh(inspector),
                school=second,
                visited_on=today,
                results={
                    "committee": {"result": "meets", "note": ""},
                    "cameras": {"result": "fails", "note": "食堂后门无摄像头覆盖"},
                    "patrols": {"result": "partly", "note": "午间巡查记录有缺漏"},
                },
                summary="制度健全，技防有短板。",
            )
            counts["visits"] += 1
            issue(
                second,
                "督导检查发现的问题",
                ["食堂后门加装摄像头", "补齐午间巡查"],
                20,
                actor=_fresh(inspector),
                level=OrderLevel.LISTED,
                visit=visit,
            )
        overdue = issue(first, "隐患整改超期未销号", ["B栋后楼梯照明灯两周未修复，限期销号"], 1)
        Order.objects.filter(pk=overdue.pk).update(deadline=today - timedelta(days=2))
        services.interview_record(
            actor=admin,
            school=first,
            person="校长" if p1 is None else str(p1),
            position="校长",
            held_on=today - timedelta(days=1),
            reason="调查逾期、隐患整改超期。",
            outcome="学校作出说明，承诺一周内整改到位。",
            order=overdue,
        )
        counts["interviews"] += 1
        notice = services.notice_issue(
            actor=admin,
            unit=county,
            title="关于开展学生欺凌防治专项排查的通报",
            body="各校于本月底前完成一次全面排查，重点是厕所、宿舍、楼道等隐蔽场所，排查结果报区教体局。",
        )
        counts["notices"] += 1
        for receipt in notice.receipts.filter(school__in=showcase):
            principal = _holder(Role.PRINCIPAL, receipt.school)
            if principal is not None:
                services.notice_confirm(actor=principal, receipt=receipt)
    # The running platform's sweep has already reported the overdue order.
    services.escalate_overdue(today)
    stdout.write(
        _(
            "督导：督学分配 %(assignments)s，整改通知 %(orders)s，督导检查 %(visits)s，约谈 %(interviews)s，通报 %(notices)s"
        )
        % counts
    )
    return counts


def _led_schools(schools: list[Unit]) -> list[Unit]:
    """Outside the demo city (tests): up to two schools of one county that have a principal."""
    led = [s for s in schools if _holder(Role.PRINCIPAL, s) is not None]
    if not led:
        return []
    county = _county_of(led[0])
    return [s for s in led if s.path.startswith(county.path)][:2]


def _fresh(user: User) -> User:
    """The same person without request-cached reach (assignments made above)."""
    return User.objects.get(pk=user.pk)
