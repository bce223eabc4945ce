"""One school term of 台账 for the demo city (``anxin demo``), written through the ledgers' services.

The two schools of SCENARIOS.md get the whole term, from :func:`term_start` to today (their daily
patrol check-ins, rota and most classes' 1530 the last weeks, :data:`DAILY_DAYS`); every other
school gets the last two weeks only (:data:`RECENT_DAYS`). For the default city that is about 3,900
rows and some 20 s of CPU (each row is a service call with its checks and audit event). What is
written:

- 值班巡逻: patrol points (each with its QR token) and their check-ins, about one round in twelve
  missed; the last school of the city has no points at all, so its page says 未设置巡查点;
- 熄灯后巡查 at boarding schools (城关第二中学: 张阿姨's 23:00 round, bed 312-4 empty one night);
- the duty rota (a leader each day, a night duty), shift handovers signed by the receiver;
- the gate: visitors in and out, leave passes and the exits they cover, and at 城关第二中学 one
  pupil stopped at 14:00 without leave (老李, scenario 6);
- hazards: key places, weekly screenings, tasks in every state (发现, 整改中, 待复查, 已销号 with a
  closing photo), among them the broken light in building B's back stairwell; cameras and
  footage reviews;
- 谈心谈话 (scenario 2: 王老师's talk with 小雨, and two talks this month in which other
  children name her), care plans for key-group pupils with their reviews;
- 1530 sessions with a few gaps (every fifth of the other schools silent for two weeks), class
  meetings, trainings and the school's documents with versions;

then the early warnings are evaluated, so 工作台 shows them (小雨's for 王老师).

Every row is made by a service, so permissions, validation and the audit trail are those of the
application. The services date an entry "now" unless told otherwise: dates and times are passed
where a service takes them (``talked_on``, ``day``, ``patrolled_at``, ``time_in``, ``at``…) and
``recorded_at`` comes from :data:`anxin.ledgers.base.written_at_var`, the moment a phone kept an
entry offline; the few service-stamped moments of a hazard's loop are moved afterwards, as
:mod:`anxin.demo.cases.timeline` moves a case's steps. Deterministic for a seed and a day.
"""

from __future__ import annotations

import io
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.ledgers.base import written_at_var
from anxin.org.models import KeyGroupFlag, Role, RoleAssignment, SchoolProfile, Student, Unit, UnitKind, User

Progress = Callable[[str], None]

#: The term the demo lives in: the scenarios happen in the autumn of 2026.
TERM_START = date(2026, 9, 1)
#: How far back the schools outside the scenarios keep their ledgers.
RECENT_DAYS = 14
#: The daily ledgers with many rows (patrol check-ins, 1530) go back this many days at the scenario
#: schools (the scenario classes: the whole term) and :data:`RECENT_DAYS` / 7 days elsewhere, which
#: keeps ``anxin demo`` for the default city under a minute.
DAILY_DAYS = 28
SHOWCASE = ("实验小学", "城关第二中学")
SCENARIO_CLASS = ("实验小学", 3, 2)
#: The classes of the scenarios, whose 1530 ledger covers the whole term.
SCENARIO_CLASSES = {SCENARIO_CLASS, ("城关第二中学", 8, 3), ("城关第二中学", 7, 5)}


def term_start(today: date | None = None) -> date:
    """The first day of the demo's term: 2026-09-01, or 14 weeks back when that is not this term."""
    today = today or timezone.localdate()
    if TERM_START <= today - timedelta(days=7) and today - TERM_START <= timedelta(days=150):
        return TERM_START
    return today - timedelta(weeks=14)


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())


@contextmanager
def written_at(moment: datetime) -> Iterator[None]:
    """Entries recorded inside are dated ``moment`` (as if kept offline on a phone and sent later)."""
    token = written_at_var.set(moment)
    try:
        yield
    finally:
        written_at_var.reset(token)


def closing_photo() -> bytes:
    """A small JPEG: a lamp that works again (the photo a rectification is closed with)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (46, 52, 64))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 190, 320, 240), fill=(120, 110, 100))
    draw.line((160, 0, 160, 60), fill=(200, 200, 200), width=3)
    draw.ellipse((130, 60, 190, 120), fill=(255, 236, 150))
    draw.polygon([(100, 240), (160, 110), (220, 240)], fill=(95, 90, 70))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


@dataclass
class DemoLedgers:
    counts: dict[str, int]
    elapsed: float


class _School:
    def __init__(self, unit: Unit, index: int) -> None:
        self.unit = unit
        self.index = index
        self.showcase = unit.name in SHOWCASE
        self.staff: dict[str, User] = {}
        for a in (
            RoleAssignment.objects.filter(unit=unit, user__is_active=True)
            .select_related("user")
            .order_by("pk")
        ):
            self.staff.setdefault(a.role, a.user)
        profile = SchoolProfile.objects.filter(unit=unit).first()
        self.boarding = bool(profile and profile.boarding)
        self.classes = list(
            Unit.objects.filter(kind=UnitKind.CLASS, school=unit, is_active=True).order_by("path")
        )
        teachers = RoleAssignment.objects.filter(
            unit__in=self.classes, role=Role.CLASS_TEACHER, user__is_active=True
        )
        self.teacher: dict[int, User] = {}
        for a in teachers.select_related("user").order_by("pk"):
            self.teacher.setdefault(a.unit_id, a.user)

    def person(self, *roles: str) -> User:
        for role in roles:
            if role in self.staff:
                return self.staff[role]
        return next(iter(self.staff.values()))


class _Builder:
    def __init__(self, seed: int, today: date, progress: Progress) -> None:
        self.rng = random.Random(f"anxin-demo:{seed}:ledgers")
        self.today = today
        self.start = term_start(today)
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.photo = closing_photo()
        units = list(Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True).order_by("path"))
        self.schools = [_School(u, i) for i, u in enumerate(units)]
        others = [s for s in self.schools if not s.showcase]
        #: A school that never set up patrol points (its pages say 未设置巡查点).
        self.no_points = others[-1] if len(others) > 1 else None
        #: Schools whose classes stopped their 1530 sessions two weeks ago (the bureau's dashboard).
        self.silent = {s.unit.pk for s in others[3::5]}
        #: In each county, one school whose 爱心信箱 poster was never printed (SCENARIOS §7); the
        #: others printed theirs at term start.
        self.no_poster: set[int] = set()
        counties: set[int | None] = set()
        for s in others:
            if s.unit.parent_id not in counties and s.unit.pk not in self.silent and s is not self.no_points:
                self.no_poster.add(s.unit.pk)
                counties.add(s.unit.parent_id)
        self._key = 0

    # --- helpers ------------------------------------------------------------------------------

    def key(self) -> str:
        """The idempotency key a phone would send: from the seed, so reruns give the same rows."""
        self._key += 1
        return f"{self.rng.getrandbits(32):08x}-0000-4000-8000-{self._key:012x}"

    def since(self, school: _School) -> date:
        return (
            self.start if school.showcase else max(self.start, self.today - timedelta(days=RECENT_DAYS - 1))
        )

    def days(self, since: date) -> list[date]:
        return [since + timedelta(days=n) for n in range((self.today - since).days + 1)]

    def school_days(self, since: date) -> list[date]:
        from anxin.ledgers.education.schooldays import is_school_day

        return [d for d in self.days(since) if is_school_day(d)]

    def pupils(self, school: _School, klass: Unit | None = None) -> list[Student]:
        qs = Student.objects.filter(school=school.unit, is_active=True)
        if klass is not None:
            qs = qs.filter(klass=klass)
        return list(qs.select_related("klass", "school").order_by("student_no"))

    def step(self, label: str, fn: Callable[[_School], None]) -> None:
        started, before = time.monotonic(), sum(self.counts.values())
        for school in self.schools:
            fn(school)
        self.progress(
            _("演示台账：%(what)s %(n)s 条（%(seconds).1f 秒）")
            % {"what": label, "n": sum(self.counts.values()) - before, "seconds": time.monotonic() - started}
        )

    # --- 值班巡逻 --------------------------------------------------------------------------------

    def patrol(self, school: _School) -> None:
        from anxin.ledgers.patrol.models import PointType
        from anxin.ledgers.patrol.services import patrol_checkin_record, patrol_point_create

        if school is self.no_points:
            return
        manager = school.person(Role.SAFETY_OFFICER, Role.PRINCIPAL)
        specs = [
            (_("南校门"), PointType.GATE, "", ""),
            (_("教学楼一楼厕所"), PointType.TOILET, _("教学楼"), "1"),
            (_("操场东北角"), PointType.PLAYGROUND, "", ""),
            (_("B栋后楼梯"), PointType.CORRIDOR, _("B栋"), ""),
        ]
        if not school.showcase:
            specs = specs[:2]
        if school.boarding:
            floors = ["2", "3"] if not school.showcase else ["2", "3", "4"]
            specs += [
                (_("宿舍楼%(floor)s层") % {"floor": f}, PointType.DORM_FLOOR, _("宿舍楼"), f) for f in floors
            ]
        points = [
            patrol_point_create(actor=manager, school=school.unit, name=n, place_type=t, building=b, floor=f)
            for n, t, b, f in specs
        ]
        self.counts["patrol_points"] += len(points)
        walker = school.person(Role.DUTY_STAFF, Role.SAFETY_OFFICER)
        night = school.person(Role.DORM_STAFF, Role.DUTY_STAFF)
        rng = self.rng
        since = self.today - timedelta(days=(DAILY_DAYS if school.showcase else 7) - 1)
        for day in self.days(max(self.start, since)):
            weekend = day.weekday() >= 5
            for point in points:
                if point.is_dorm:
                    rounds = [(night, at_local(day, 22, rng.randint(30, 59)))]
                else:
                    rounds = [
                        (walker, at_local(day, rng.choice((7, 9, 10)), rng.randint(0, 59))),
                        (walker, at_local(day, rng.choice((13, 15, 16)), rng.randint(0, 59))),
                    ]
                for actor, moment in rounds:
                    # Rounds are missed now and then, more often at the weekend.
                    if rng.random() < (0.2 if weekend else 0.06) or moment > timezone.now():
                        continue
                    finding = ""
                    if rng.random() < 0.03:
                        finding = rng.choice([_("地面湿滑，已放警示牌"), _("灯不亮"), _("门锁松动")])
                    with written_at(moment):
                        patrol_checkin_record(
                            actor=actor, token=point.token, client_key=self.key(), finding=finding
                        )
                    self.counts["patrol_checkins"] += 1

    # --- 熄灯后巡查 -----------------------------------------------------------------------------

    def dorm(self, school: _School) -> None:
        from anxin.ledgers.patrol.services import dorm_round_record

        if not school.boarding:
            return
        actor = school.person(Role.DORM_STAFF, Role.DUTY_STAFF)
        floors = ["2", "3"]
        boarders = Student.objects.filter(school=school.unit, boarder=True, is_active=True).count()
        per_floor = max(8, min(80, boarders // max(1, len(floors))))
        rng = self.rng
        days = self.days(self.since(school))
        story = days[-8] if len(days) >= 8 and school.unit.name == SHOWCASE[1] else None
        for day in days:
            if day.weekday() in (4, 5):  # Friday and Saturday nights the boarders are at home
                continue
            for floor in floors:
                absent = ""
                present = per_floor
                if at_local(day, 23, 30) > timezone.now():
                    continue
                if day == story and floor == "3":
                    absent, present = "312-4", per_floor - 1
                elif rng.random() < 0.05:
                    room = f"{floor}{rng.randint(1, 20):02d}-{rng.randint(1, 6)}"
                    absent, present = room, per_floor - 1
                moment = at_local(day, 23, rng.randint(0, 25))
                with written_at(moment + timedelta(minutes=5)):
                    dorm_round_record(
                        actor=actor,
                        school=school.unit,
                        client_key=self.key(),
                        building=_("宿舍楼"),
                        floor=floor,
                        patrolled_at=moment,
                        expected=per_floor,
                        present=present,
                        absent_beds=absent,
                        anomalies=_("床位无人，已联系班主任核实") if absent else "",
                    )
                self.counts["dorm_rounds"] += 1

    # --- 值班安排与交接班 ------------------------------------------------------------------------

    def rota(self, school: _School) -> None:
        from anxin.ledgers.patrol.models import ShiftHandover
        from anxin.ledgers.patrol.services import duty_shift_add, handover_confirm, handover_record

        manager = school.person(Role.PRINCIPAL, Role.VICE_PRINCIPAL)
        leaders = [
            school.staff[r]
            for r in (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.MORAL_DIRECTOR, Role.SAFETY_OFFICER)
            if r in school.staff
        ]
        duty = school.person(Role.DUTY_STAFF, Role.SAFETY_OFFICER)
        since = (
            max(self.start, self.today - timedelta(days=DAILY_DAYS - 1)) if school.showcase else self.today
        )
        # The rota is planned a week ahead: a leader by day, the duty staff (and at a boarding school
        # the leader on duty) by night.
        for n, day in enumerate(self.days(since) + [self.today + timedelta(days=k) for k in range(1, 7)]):
            duty_shift_add(
                actor=manager,
                school=school.unit,
                day=day,
                shift="day",
                person=leaders[n % len(leaders)],
                is_leader=True,
            )
            self.counts["duty_shifts"] += 1
            if school.showcase or school.boarding:
                duty_shift_add(
                    actor=manager,
                    school=school.unit,
                    day=day,
                    shift="night",
                    person=duty,
                    is_leader=not school.boarding,
                )
                self.counts["duty_shifts"] += 1
        if not school.showcase:
            return
        night = school.person(Role.DORM_STAFF, Role.GATE_GUARD)
        if night.pk == duty.pk:
            return
        for day in self.days(max(self.start, self.today - timedelta(days=27))):
            moment = at_local(day, 18, self.rng.randint(0, 20))
            if moment > timezone.now():
                continue
            with written_at(moment):
                handover = handover_record(
                    actor=duty,
                    school=school.unit,
                    client_key=self.key(),
                    receiver=night,
                    handed_at=moment,
                    keys=True,
                    radio=True,
                    pending=self.rng.random() < 0.2,
                    hazards=self.rng.random() < 0.1,
                    notes=_("校园巡查正常，门窗已检查。"),
                ).entry
            self.counts["handovers"] += 1
            if day < self.today:  # tonight's has not been signed yet
                handover_confirm(actor=night, handover=handover)
                ShiftHandover.objects.filter(pk=handover.pk).update(received_at=moment + timedelta(minutes=7))

    # --- 门卫 -----------------------------------------------------------------------------------

    def gate(self, school: _School) -> None:
        from anxin.ledgers.gate.models import StopAction
        from anxin.ledgers.gate.services import exit_record, leave_approve, visitor_check_out, visitor_record

        guard = school.person(Role.GATE_GUARD, Role.DUTY_STAFF)
        rng, fake_names = (
            self.rng,
            ["王建军", "刘桂芳", "陈志强", "赵秀英", "孙国庆", "周丽华", "吴德明", "郑春梅"],
        )
        hosts = [
            u
            for r, u in school.staff.items()
            if r in (Role.PRINCIPAL, Role.MORAL_DIRECTOR, Role.PSYCH_TEACHER)
        ]
        days = self.school_days(self.since(school))
        if school.unit.name != SHOWCASE[1]:
            days = days[-(15 if school.showcase else 3) :]
        pupils = self.pupils(school)
        for day in days:
            for _n in range(rng.randint(1, 3)):
                t_in = at_local(day, rng.choice((9, 10, 11, 14, 15)), rng.randint(0, 59))
                if t_in > timezone.now():
                    continue
                lunch = rng.random() < 0.3 and pupils
                with written_at(t_in):
                    visitor = visitor_record(
                        actor=guard,
                        school=school.unit,
                        client_key=self.key(),
                        name=rng.choice(fake_names),
                        id_last4=f"{rng.randint(0, 9999):04d}",
                        reason=_("给孙子送午饭") if lunch else _("联系工作"),
                        host_id=None if lunch else rng.choice(hosts).pk,
                        host_text=f"{rng.choice(pupils).klass.display_name}" if lunch else "",
                        time_in=t_in,
                    ).entry
                self.counts["visitors"] += 1
                t_out = t_in + timedelta(minutes=rng.randint(10, 90))
                if t_out < timezone.now():
                    visitor_check_out(actor=guard, visitor_id=visitor.pk, at=t_out)
            # Leave: a pupil goes to the doctor with a pass from the class teacher.
            if pupils and rng.random() < 0.5:
                pupil = rng.choice(pupils)
                teacher = school.teacher.get(pupil.klass_id)
                leaves_at = at_local(day, 10, 0)
                if teacher is not None and leaves_at + timedelta(minutes=30) < timezone.now():
                    with written_at(at_local(day, 8, rng.randint(0, 40))):
                        leave_approve(
                            actor=teacher,
                            student_id=pupil.pk,
                            starts_at=leaves_at,
                            ends_at=at_local(day, 12, 0),
                            reason=_("看病（家长来接）"),
                            client_key=self.key(),
                        )
                    self.counts["leave_passes"] += 1
                    exit_record(
                        actor=guard,
                        student_id=pupil.pk,
                        client_key=self.key(),
                        at=leaves_at + timedelta(minutes=15),
                    )
                    self.counts["exits"] += 1
        # Scenario 6: 老李 stops a pupil leaving at 14:00 without approved leave.
        if school.unit.name == SHOWCASE[1] and pupils and len(days) > 3:
            day = days[-3]
            exit_record(
                actor=guard,
                student_id=rng.choice(pupils).pk,
                client_key=self.key(),
                at=at_local(day, 14, 0),
                action=StopAction.CONTACT_TEACHER,
                note=_("无请假条，已联系班主任，学生返回教室。"),
            )
            self.counts["exits"] += 1

    # --- 隐患排查整治、视频监控 --------------------------------------------------------------------

    def hazards(self, school: _School) -> None:
        from anxin.ledgers.hazards.models import Hazard, HazardStep, PlaceKind, ScreeningResult
        from anxin.ledgers.hazards.services import (
            camera_create,
            hazard_transition,
            place_create,
            review_record,
            screening_record,
        )

        officer = school.person(Role.SAFETY_OFFICER, Role.VICE_PRINCIPAL)
        head = school.person(Role.PRINCIPAL, Role.VICE_PRINCIPAL)
        manager = school.person(Role.PRINCIPAL, Role.SAFETY_OFFICER)
        specs = [
            (_("B栋后楼梯"), PlaceKind.STAIRS, _("B栋")),
            (_("教学楼厕所"), PlaceKind.TOILET, _("教学楼")),
            (_("食堂"), PlaceKind.CANTEEN, ""),
            (_("教学楼楼顶"), PlaceKind.ROOFTOP, _("教学楼")),
        ]
        if school.boarding:
            specs.append((_("宿舍楼"), PlaceKind.DORMITORY, _("宿舍楼")))
        if not school.showcase:
            specs = specs[:2]
        places = [
            place_create(
                actor=manager, school=school.unit, name=n, kind=k, responsible_id=officer.pk, location=loc
            )
            for n, k, loc in specs
        ]
        cameras = [
            camera_create(
                actor=manager, school=school.unit, place_id=p.pk, name=_("%(n)s号摄像头") % {"n": i + 1}
            )
            for i, p in enumerate(places)
        ]
        self.counts["key_places"] += len(places)
        self.counts["cameras"] += len(cameras)
        since = self.since(school) if school.showcase else self.today - timedelta(days=27)
        since = max(since, self.start)
        found: list[tuple[Any, date]] = []
        findings = [_("灯不亮，楼梯昏暗"), _("扶手松动"), _("地面破损易绊倒"), _("消防通道堆放杂物")]
        for week, monday in enumerate(range(0, (self.today - since).days + 1, 7)):
            for n, place in enumerate(places):
                day = since + timedelta(days=monday + n % 3)
                if day > self.today:
                    continue
                is_found = rng_found = self.rng.random() < 0.12
                story = school.unit.name == SHOWCASE[1] and n == 0 and week == 2
                if story:
                    is_found = True
                notes = (
                    _("B栋后楼梯照明灯损坏") if story else (self.rng.choice(findings) if rng_found else "")
                )
                moment = at_local(day, 16, self.rng.randint(0, 50))
                with written_at(moment):
                    screening_record(
                        actor=officer,
                        school=school.unit,
                        client_key=self.key(),
                        place_id=place.pk,
                        result=ScreeningResult.FOUND if is_found else ScreeningResult.NORMAL,
                        screened_on=day,
                        notes=notes,
                    )
                self.counts["screenings"] += 1
                if is_found:
                    # The task the screening opened is stamped by the service; it was found then.
                    hazard = Hazard.objects.filter(school=school.unit).latest("pk")
                    Hazard.objects.filter(pk=hazard.pk).update(recorded_at=moment)
                    HazardStep.objects.filter(hazard=hazard).update(at=moment)
                    found.append((hazard, day))
        # The loop: older hazards are closed, the newest wait at each stage (发现, 整改中, 待复查).
        found.sort(key=lambda pair: pair[1])
        open_states = ["found", "rectifying", "rectified"]
        for n, (hazard, day) in enumerate(found):
            target = open_states[len(found) - 1 - n] if len(found) - 1 - n < len(open_states) else "closed"
            if target == "found":
                continue
            deadline = day + timedelta(days=(4 - day.weekday()) % 7 or 7)  # due Friday
            hazard = hazard_transition(
                actor=head, hazard=hazard, action="start", owner_id=officer.pk, deadline=self.today
            )
            # When each step happened: assigned next morning, rectified by the deadline, checked the day after.
            now = timezone.now() - timedelta(minutes=5)
            started = min(at_local(day + timedelta(days=1), 8, 30), now)
            rectified = min(max(started + timedelta(hours=3), at_local(deadline, 15)), now)
            checked = min(rectified + timedelta(hours=19), now)
            moves = {"start": started}
            Hazard.objects.filter(pk=hazard.pk).update(deadline=deadline)
            if target != "rectifying":
                hazard = hazard_transition(
                    actor=officer,
                    hazard=hazard,
                    action="rectify",
                    photo=io.BytesIO(self.photo),
                    photo_name="rectified.jpg",
                    note=_("已更换灯具并检查线路"),
                )
                moves["rectify"] = rectified
                Hazard.objects.filter(pk=hazard.pk).update(rectified_at=rectified)
                if target == "closed":
                    hazard_transition(
                        actor=head, hazard=hazard, action="accept", note=_("复查合格，予以销号")
                    )
                    moves["accept"] = checked
                    Hazard.objects.filter(pk=hazard.pk).update(closed_at=checked)
            for action, when in moves.items():
                HazardStep.objects.filter(hazard=hazard, action=action).update(at=when)
            self.counts["hazard_tasks"] += 1
        # Footage reviews: weekly at the scenario schools, once elsewhere.
        start_day = since if school.showcase else self.today - timedelta(days=6)
        for monday in range(0, (self.today - start_day).days, 7):
            day = start_day + timedelta(days=monday)
            period_from = at_local(day, 12, 0)
            with written_at(at_local(day, 17, 0)):
                review_record(
                    actor=officer,
                    school=school.unit,
                    client_key=self.key(),
                    camera_ids=[c.pk for c in cameras],
                    period_from=period_from,
                    period_to=period_from + timedelta(hours=2),
                    findings=_("午休时段回看，未见异常。"),
                )
            self.counts["footage_reviews"] += 1

    # --- 谈心谈话、关爱帮扶 -----------------------------------------------------------------------

    def talks(self, school: _School) -> None:
        from anxin.ledgers.care.services import talk_record

        rng = self.rng
        days = self.school_days(self.since(school))
        if not days:
            return
        for klass in school.classes:
            teacher = school.teacher.get(klass.pk)
            if teacher is None:
                continue
            pupils = self.pupils(school, klass)
            if not pupils:
                continue
            scenario = (school.unit.name, klass.parent.number, klass.number) == SCENARIO_CLASS
            if scenario:
                self._scenario_talks(teacher, pupils, days)
                continue
            # About one talk every two weeks, and always one in the last ten school days.
            talk_days = sorted(set(days[:-6:15] + [days[-rng.randint(1, min(6, len(days)))]]))
            for day in talk_days:
                with written_at(at_local(day, 12, rng.randint(10, 50))):
                    talk_record(
                        actor=teacher,
                        student=rng.choice(pupils),
                        talked_on=day,
                        topic=rng.choice(["study", "peers", "family", "emotion"]),
                        content=rng.choice(
                            [
                                _("近期学习状态一般，鼓励按时完成作业。"),
                                _("与同桌有小矛盾，已沟通化解。"),
                                _("情绪平稳，愿意参加集体活动。"),
                            ]
                        ),
                        mood=rng.choice(["calm", "calm", "low", "anxious"]),
                        peers=rng.choice(["good", "fair"]),
                        client_key=self.key(),
                    )
                self.counts["talks"] += 1

    def _scenario_talks(self, teacher: User, pupils: list[Student], days: list[date]) -> None:
        """Scenario 2: 王老师's talks in 三年级(2)班; 小雨 is named by other children twice this month."""
        from anxin.ledgers.care.services import talk_record

        xiaoyu = next((p for p in pupils if p.name == "张小雨"), pupils[0])
        others = [p for p in pupils if p.pk != xiaoyu.pk]
        girls = [p for p in others if p.gender == "F"][:3] or others[:3]
        rng = self.rng
        for day in days[:-10:7]:
            with written_at(at_local(day, 12, 20)):
                talk_record(
                    actor=teacher,
                    student=rng.choice(others),
                    talked_on=day,
                    topic="study",
                    content=_("学习和生活情况交流，状态良好。"),
                    mood="calm",
                    peers="good",
                    client_key=self.key(),
                )
            self.counts["talks"] += 1
        monday = days[-min(len(days), 8)]
        with written_at(at_local(monday, 12, 30)):
            talk_record(
                actor=teacher,
                student=xiaoyu,
                talked_on=monday,
                topic="emotion",
                content=_(
                    "小雨近来很少说话，课间一个人待着。她和奶奶住，爸爸妈妈在外地打工。约定两周后再谈。"
                ),
                mood="low",
                peers="isolated",
                follow_up=True,
                follow_up_on=monday + timedelta(days=14),
                client_key=self.key(),
            )
        # Two girls of her class name her in their own talks (the early warning's evidence).
        for n, day in enumerate(days[-min(len(days), 5) :][:2]):
            with written_at(at_local(day, 16, 10 + n)):
                talk_record(
                    actor=teacher,
                    student=girls[n % len(girls)],
                    talked_on=day,
                    topic="peers",
                    content=_("说起课间游戏：“她们不让小雨跟我们玩。”"),
                    mood="calm",
                    peers="fair",
                    named_students=[xiaoyu],
                    client_key=self.key(),
                )
        self.counts["talks"] += 3

    def care(self, school: _School) -> None:
        from anxin.ledgers.care.models import CarePlan
        from anxin.ledgers.care.services import care_plan_record, care_review_record

        limit = 8 if school.showcase else 2
        flags = (
            KeyGroupFlag.objects.filter(student__school=school.unit, student__is_active=True)
            .select_related("student__klass", "student__school")
            .order_by("student__student_no")
        )
        seen: set[int] = set()
        since = self.since(school)
        for flag in flags:
            student = flag.student
            if student.pk in seen or len(seen) >= limit:
                continue
            teacher = school.teacher.get(student.klass_id)
            if teacher is None:
                continue
            seen.add(student.pk)
            started = since + timedelta(days=self.rng.randint(3, 10))
            if started >= self.today:
                started = self.today
            review_days = 14
            with written_at(at_local(started, 17, 0)):
                plan = care_plan_record(
                    actor=teacher,
                    student=student,
                    owner=teacher,
                    goals=_("每周至少一次谈心，帮助融入集体，关注情绪变化。"),
                    measures=_("安排同伴互助，每两周与监护人电话沟通一次，心理老师定期关注。"),
                    review_days=review_days,
                    next_review_on=started + timedelta(days=review_days),
                    client_key=self.key(),
                ).entry
            self.counts["care_plans"] += 1
            # Reviews kept up, except the last plan of a school, whose review is overdue.
            last = len(seen) == limit
            due = plan.next_review_on
            while due <= self.today - (timedelta(days=3) if not last else timedelta(days=0)):
                if last and due + timedelta(days=review_days) > self.today:
                    break
                with written_at(at_local(due, 17, 30)):
                    care_review_record(
                        actor=teacher,
                        plan=plan,
                        reviewed_on=due,
                        notes=_("本期情况稳定，与监护人沟通良好。"),
                        next_review_on=due + timedelta(days=review_days),
                        client_key=self.key(),
                    )
                self.counts["care_reviews"] += 1
                plan = CarePlan.objects.get(pk=plan.pk)
                due = plan.next_review_on

    # --- 1530、班会、活动、文件 ------------------------------------------------------------------

    def education(self, school: _School) -> None:
        from anxin.ledgers.education.schooldays import due_on
        from anxin.ledgers.education.services import meeting_record, session_record

        rng = self.rng
        term = self.school_days(self.since(school))
        silent = school.unit.pk in self.silent
        recent = term[-12:] if silent else []
        for n, klass in enumerate(school.classes):
            teacher = school.teacher.get(klass.pk)
            if teacher is None:
                continue
            days = term
            if (school.unit.name, klass.parent.number, klass.number) not in SCENARIO_CLASSES:
                days = term[-(12 if school.showcase else 5 + len(recent)) :]
            for i, day in enumerate(days):
                # A few gaps whatever the day the demo runs: every 17th school day, and now and then.
                if day in recent or i % 17 == 16 or rng.random() < 0.03:
                    continue
                # Sessions are tapped after class, at 15:30.
                moment = at_local(day, 15, 30 + rng.randint(0, 20))
                if moment > timezone.now():
                    continue
                due = due_on(day)
                with written_at(moment):
                    session_record(
                        actor=teacher,
                        klass=klass,
                        day=day,
                        kind=due.kind if due else "1min",
                        client_key=self.key(),
                    )
                self.counts["sessions_1530"] += 1
            topics = [_("远离校园欺凌，做友善少年"), _("网络文明与网络安全"), _("学会拒绝，勇敢求助")]
            meetings = 2 + (n % 2) if school.showcase else n % 2
            for k in range(meetings):
                if not term:
                    break
                day = term[min(len(term) - 1, (k + 1) * len(term) // (meetings + 1))]
                with written_at(at_local(day, 16, 30)):
                    meeting_record(
                        actor=teacher,
                        klass=klass,
                        day=day,
                        topic=topics[k % len(topics)],
                        summary=_("观看案例视频，分组讨论，每人写下一条友善约定。"),
                        client_key=self.key(),
                    )
                self.counts["class_meetings"] += 1

    def school_life(self, school: _School) -> None:
        from anxin.ledgers.education.services import activity_record, document_version_add

        head = school.person(Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.MORAL_DIRECTOR)
        moral = school.person(Role.MORAL_DIRECTOR, Role.PRINCIPAL)
        since = self.since(school)
        events = [
            ("staff_training", _("全体教职工学生欺凌防治专题培训"), 0),
            ("parent_school", _("家长学校：如何发现孩子被欺凌的信号"), 20),
            ("lecture", _("法治副校长法治教育讲座"), 35),
            ("teacher_meeting", _("班主任会议：谈心谈话与台账填写"), 50),
            ("flag_talk", _("国旗下讲话：友善待人"), 63),
        ]
        if not school.showcase:
            events = events[:1]
        for kind, title, offset in events:
            day = min(self.today, since + timedelta(days=offset))
            with written_at(at_local(day, 17, 0)):
                activity_record(
                    actor=moral,
                    school=school.unit,
                    type=kind,
                    day=day,
                    title=title,
                    summary=_("签到、讲解、交流，形成会议纪要。"),
                    expected=60,
                    present=55 + self.rng.randint(0, 5),
                    client_key=self.key(),
                )
            self.counts["activities"] += 1
        name = school.unit.name
        documents = [
            (
                "plan",
                _("《%(school)s学生欺凌防治工作预案》\n一、组织机构\n二、预防措施\n三、处置流程")
                % {"school": name},
            ),
            ("contacts", _("负责人：政教处\n举报电话：学校值班电话\n爱心信箱：教学楼一楼")),
            ("committee", _("学生欺凌治理委员会由校长任主任，成员包括教师、家长、法治副校长代表。")),
        ]
        for kind, text in documents:
            document_version_add(actor=head, school=school.unit, kind=kind, text=text, note=_("初稿"))
            self.counts["document_versions"] += 1
        if school.showcase:
            document_version_add(
                actor=head,
                school=school.unit,
                kind="plan",
                note=_("按县局意见修订"),
                text=documents[0][1] + _("\n四、夜间寄宿生突发情况处置\n五、与公安、家长的联动"),
            )
            self.counts["document_versions"] += 1

    # --- 预警 ---------------------------------------------------------------------------------

    def warnings(self) -> None:
        from anxin.warnings.services import evaluate_all

        started = time.monotonic()
        result = evaluate_all(self.today, schools=[s.unit for s in self.schools])
        self.counts["warnings"] += result.created
        self.progress(
            _("演示台账：预警 %(n)s 条（%(seconds).1f 秒）")
            % {"n": result.created, "seconds": time.monotonic() - started}
        )

    def build(self) -> None:
        self.step(_("巡查点与打卡"), self.patrol)
        self.step(_("熄灯后巡查"), self.dorm)
        self.step(_("值班安排与交接班"), self.rota)
        self.step(_("来访、请假与出校"), self.gate)
        self.step(_("隐患排查、整改与监控回看"), self.hazards)
        self.step(_("谈心谈话"), self.talks)
        self.step(_("关爱帮扶计划"), self.care)
        self.step(_("1530与班会"), self.education)
        self.step(_("教育活动与制度文件"), self.school_life)
        self.step(_("爱心信箱海报"), self.poster)
        self.warnings()

    def poster(self, school: _School) -> None:
        """The school's 爱心信箱 poster printed, as its principal would (one audit event)."""
        if school.unit.pk in self.no_poster:
            return
        from anxin.intake.services import posters_printed

        posters_printed(
            actor=school.person(Role.PRINCIPAL, Role.VICE_PRINCIPAL), schools=[school.unit], fmt="pdf"
        )
        self.counts["poster"] += 1


def demo_ledgers_build(*, seed: int, progress: Progress | None = None) -> DemoLedgers:
    """Write one term of ledgers for the demo city just loaded (one transaction)."""
    started = time.monotonic()
    builder = _Builder(seed, timezone.localdate(), progress or (lambda message: None))
    with transaction.atomic():
        queued = len(connection.run_on_commit)
        builder.build()
        # The notifications' e-mails and texts queued for after the commit go to invented people.
        del connection.run_on_commit[queued:]
    counts = dict(builder.counts)
    result = DemoLedgers(counts={"ledger_rows": sum(counts.values())}, elapsed=time.monotonic() - started)
    if progress:
        progress(
            _("演示台账：共 %(n)s 条，%(start)s 起（%(seconds).1f 秒）")
            % {
                "n": result.counts["ledger_rows"],
                "start": builder.start.isoformat(),
                "seconds": result.elapsed,
            }
        )
    return result


__all__ = ["DemoLedgers", "TERM_START", "demo_ledgers_build", "term_start"]
