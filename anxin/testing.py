"""The shared cast for tests: a small city with one person in every role, plus outsiders.

city 3701 (市教育局)
├── county 370102 (城关区) ── school A 3701020001 实验中学 (初中, boarding) ── 初一 ── (1)班, (2)班
│                          └─ school B 3701020002 城关小学 (小学) ── 三年级 ── (1)班
└── county 370103 (东城区) ── school C 3701030001 东城中学 (初中) ── 初一 ── (1)班
city 3702 (another city) ── county 370201 ── school X 3702010001 ── 初一 ── (1)班

Everyone in the cast has the password ``PASSWORD``. Those who must use a second factor (city and
county administrators, principals) have an authenticator enrolled: :func:`totp_code` gives the
current code. ``cast.users[role]`` holds the person with
that role in school A (class teacher on class A1, bureau roles on county 370102, city admin on
the city); ``cast.outsider`` is a class teacher in school B, ``cast.far_outsider`` a principal in
county 370103.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts.services import second_factor_required
from anxin.org import services
from anxin.org.models import Role, Stage, Student, Unit, UnitKind, User

if TYPE_CHECKING:
    import time_machine

PASSWORD = "Anxin-test-2026"

#: The ``login`` fixture: signs the test client in as a user and returns it.
Login = Callable[[User], Client]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Cast:
    city: Unit
    county: Unit
    county2: Unit
    school: Unit
    school_b: Unit
    school_c: Unit
    grade: Unit
    class_a1: Unit
    class_a2: Unit
    class_b1: Unit
    class_c1: Unit
    class_x1: Unit
    users: dict[str, User]
    outsider: User
    far_outsider: User
    student_a1: Student
    student_a2: Student
    student_b1: Student
    student_c1: Student
    student_x1: Student


_HASH_CACHE: dict[str, str] = {}


def _user(username: str, full_name: str) -> User:
    if PASSWORD not in _HASH_CACHE:
        _HASH_CACHE[PASSWORD] = make_password(PASSWORD)
    return User.objects.create(username=username, full_name=full_name, password=_HASH_CACHE[PASSWORD])


def build_cast() -> Cast:
    city = services.unit_create(actor=None, parent=None, kind=UnitKind.CITY, code="3701", name="测试市")
    county = services.unit_create(actor=None, parent=city, kind=UnitKind.COUNTY, code="370102", name="城关区")
    county2 = services.unit_create(
        actor=None, parent=city, kind=UnitKind.COUNTY, code="370103", name="东城区"
    )
    school = services.school_create(
        actor=None,
        county=county,
        code="3701020001",
        name="实验中学",
        stage=Stage.JUNIOR,
        boarding=True,
        contact_person="赵主任",
        hotline="0531-12345678",
    )
    school_b = services.school_create(
        actor=None, county=county, code="3701020002", name="城关小学", stage=Stage.PRIMARY
    )
    school_c = services.school_create(
        actor=None, county=county2, code="3701030001", name="东城中学", stage=Stage.JUNIOR
    )

    def grade(s: Unit, n: int, name: str) -> Unit:
        return services.unit_create(
            actor=None, parent=s, kind=UnitKind.GRADE, code=f"{s.code}-G{n}", name=name, number=n
        )

    def klass(g: Unit, n: int) -> Unit:
        return services.unit_create(
            actor=None,
            parent=g,
            kind=UnitKind.CLASS,
            code=f"{g.code}-C{n}",
            name=f"{g.name}({n})班",
            number=n,
        )

    city_x = services.unit_create(actor=None, parent=None, kind=UnitKind.CITY, code="3702", name="邻市")
    county_x = services.unit_create(
        actor=None, parent=city_x, kind=UnitKind.COUNTY, code="370201", name="邻区"
    )
    school_x = services.school_create(
        actor=None, county=county_x, code="3702010001", name="邻市中学", stage=Stage.JUNIOR
    )
    g_a = grade(school, 7, "初一")
    class_a1, class_a2 = klass(g_a, 1), klass(g_a, 2)
    class_b1 = klass(grade(school_b, 3, "三年级"), 1)
    class_c1 = klass(grade(school_c, 7, "初一"), 1)
    class_x1 = klass(grade(school_x, 7, "初一"), 1)
    users: dict[str, User] = {}
    for role in Role:
        user = _user(f"t_{role.value}", f"{role.label}甲")
        unit = {
            Role.CITY_ADMIN: city,
            Role.COUNTY_ADMIN: county,
            Role.INSPECTOR: county,
            Role.CLASS_TEACHER: class_a1,
        }.get(role, school)
        services.role_assign(actor=None, user=user, role=role, unit=unit)
        users[role.value] = user
    outsider = _user("t_outsider", "外校老师")
    services.role_assign(actor=None, user=outsider, role=Role.CLASS_TEACHER, unit=class_b1)
    far_outsider = _user("t_far", "东城校长")
    services.role_assign(actor=None, user=far_outsider, role=Role.PRINCIPAL, unit=school_c)

    def student(klass: Unit, name: str, gender: str, student_no: str) -> Student:
        return services.student_create(
            actor=None, klass=klass, name=name, gender=gender, student_no=student_no
        )

    cast = Cast(
        city=city,
        county=county,
        county2=county2,
        school=school,
        school_b=school_b,
        school_c=school_c,
        grade=g_a,
        class_a1=class_a1,
        class_a2=class_a2,
        class_b1=class_b1,
        class_c1=class_c1,
        class_x1=class_x1,
        users=users,
        outsider=outsider,
        far_outsider=far_outsider,
        student_a1=student(class_a1, "李小雨", "F", "A1001"),
        student_a2=student(class_a2, "王小磊", "M", "A2001"),
        student_b1=student(class_b1, "陈小明", "M", "B1001"),
        student_c1=student(class_c1, "周小红", "F", "C1001"),
        student_x1=student(class_x1, "吴小军", "M", "X1001"),
    )
    for user in [*cast.users.values(), cast.outsider, cast.far_outsider]:
        if second_factor_required(user):
            enrol_totp(user)
    services.student_key_group_set(
        actor=None, student=cast.student_a1, group="left_behind", reason="父母在外务工，随祖母生活"
    )
    services.guardian_add(
        actor=None, student=cast.student_a1, name="李奶奶", relation="祖母", phone="13800000001"
    )
    return cast


def enrol_totp(user: User) -> TOTPDevice:
    """The user's confirmed authenticator, created if they have none (as after enrolment)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(user: User) -> str:
    """The code the user's authenticator app shows now.

    A code is accepted once per 30-second step; tests that sign the same person in twice within a
    step forget the last accepted step first, as a second phone tapping the code a moment later would.
    """
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def token_request(user: User, password: str = PASSWORD) -> dict[str, str]:
    """The body of POST /api/auth/token for this user, with the current code if they use 2FA."""
    body = {"username": user.username, "password": password}
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        body["otp"] = totp_code(user)
    return body


def verify_client_session(client: Any, user: User) -> None:
    """Mark a test client's session as having passed the second factor, as force_login skips the password."""
    from anxin.accounts.services import second_factor_enrolled

    if not (second_factor_required(user) or second_factor_enrolled(user)):
        return
    device = enrol_totp(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def allow_audit_flush() -> None:
    """Let transactional_db's flush empty the append-only audit table on SQLite.

    Django flushes SQLite with DELETE, which the audit triggers refuse; PostgreSQL flushes with
    TRUNCATE, which row triggers do not see. On SQLite the triggers are dropped, the rows deleted
    and the triggers created again from the migration's own statements.
    """
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("anxin.audit.migrations.0003_append_only")
    with connection.cursor() as cursor:
        for sql in migration.SQLITE_REVERSE:
            cursor.execute(sql)
        cursor.execute("DELETE FROM audit_auditevent")
        for sql in migration.SQLITE:
            cursor.execute(sql)


#: The places of the permission-matrix walk: class A1 and A2 of school A, school B of the same county,
#: school C of the other county, school X of another city.
PLACES = ("a1", "a2", "b", "c", "x")


def place_class(cast: Cast, place: str) -> Unit:
    return {
        "a1": cast.class_a1,
        "a2": cast.class_a2,
        "b": cast.class_b1,
        "c": cast.class_c1,
        "x": cast.class_x1,
    }[place]


def place_student(cast: Cast, place: str) -> Student:
    student = {
        "a1": cast.student_a1,
        "a2": cast.student_a2,
        "b": cast.student_b1,
        "c": cast.student_c1,
        "x": cast.student_x1,
    }[place]
    assert student is not None
    return student


def page_routes(*, exclude: tuple[str, ...] = ("/logout", "/i18n")) -> list[str]:
    """Every page address without a parameter (what a role reaches from its menu), API left out."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: Any, prefix: str = "") -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    routes = {"/" + r for r in walk(get_resolver().url_patterns) if "<" not in r and not r.startswith("api/")}
    return sorted(r for r in routes if not r.startswith(exclude))


def frozen_time(moment: datetime | date, *, tick: bool = False) -> time_machine.travel:
    """The clock stopped at ``moment``, for a ``with`` block, a decorated test or a fixture.

    Everything reads it: ``timezone.now()`` and ``localdate()``, ``time.time()``, the date a form
    calls today. A date means 10:00 that day and a naive time is Asia/Shanghai, the time the
    deadlines are reckoned in. ``tick=True`` lets the clock run on from ``moment``.
    """
    import time_machine  # a test dependency: this module is imported by tests only

    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(10), tzinfo=SHANGHAI)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=tick)
