"""The demo city behind ``anxin demo``: an invented city's schools, staff and pupils.

Everything derives from the seed, so the same seed gives the same names, usernames and codes on
any fresh database. The loader does not go through the per-row services, which would write one
audit event per row, since a city of 300 schools and 300,000 pupils has to load in well under three
minutes on SQLite: units, staff and committees go in with ``bulk_create`` (``Unit.path`` computed
here), pupils, guardians and key-group flags with ``executemany`` or ``COPY``. One summary audit
event records the load.
"""

from __future__ import annotations

import json
import os
import random
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import audit_record
from anxin.core.crypto import ENCRYPTED_FIELD_TYPES
from anxin.core.errors import Conflict, Invalid
from anxin.org.models import (
    GRADE_NAMES,
    STAGE_GRADES,
    CommitteeMember,
    CommitteeRole,
    DemoLoad,
    Guardian,
    KeyGroup,
    KeyGroupFlag,
    Role,
    RoleAssignment,
    SchoolProfile,
    Stage,
    Student,
    Unit,
    UnitKind,
    User,
)
from anxin.oversight.stats.models import DailyCount, MonthlyCount

from . import events
from .errors import DemoError

DEMO_PASSWORD = "Anxin-demo-2026"
DEFAULT_SEED = 2026
CITY_CODE = "3701"
BATCH = 5000
LOGINS_FILE = "demo_logins.json"
#: The school year the demo lives in (the scenarios happen in autumn 2026).
SCHOOL_YEAR = 2026

Progress = Callable[[str], None]


class DemoRefused(Conflict):
    code = DemoError.DEMO_REFUSED


# --- The plan: which districts and schools, decided before touching the database ----------------

DISTRICT_NAMES = [
    "城关区",
    "东城区",
    "西城区",
    "南湖区",
    "北山区",
    "高新区",
    "河东区",
    "河西区",
    "青山县",
    "平安县",
    "长宁县",
    "新华区",
    "开元区",
    "清河县",
    "柳林县",
    "石门县",
    "云溪区",
    "白马县",
    "金水区",
    "龙湖区",
]
PLACES = [
    "柳林",
    "王庄",
    "红旗",
    "向阳",
    "东关",
    "西关",
    "南关",
    "北关",
    "光明",
    "和平",
    "胜利",
    "人民路",
    "文化路",
    "建设路",
    "新华路",
    "金桥",
    "石桥",
    "李家庄",
    "张庄",
    "马庄",
    "杨柳",
    "桃园",
    "杏园",
    "青龙",
    "白沙",
    "龙泉",
    "凤鸣",
    "泉水",
    "花园",
    "朝阳",
    "黄河路",
    "长江路",
    "育英路",
    "东湖",
    "西湖",
    "南苑",
    "北苑",
    "明珠",
    "兴隆",
    "永安",
    "太平",
    "大王",
    "小王",
    "孙庄",
    "赵庄",
    "高庄",
]
STREETS = ["人民路", "解放路", "文化路", "建设路", "新华路", "胜利街", "和平路", "育才路", "学府路", "朝阳街"]

STAGE_WEIGHTS = {
    Stage.PRIMARY: 50,
    Stage.JUNIOR: 24,
    Stage.SENIOR: 9,
    Stage.NINE_YEAR: 9,
    Stage.COMPLETE: 4,
    Stage.VOCATIONAL: 4,
}
BOARDING_RATE = {
    Stage.PRIMARY: 0.1,
    Stage.JUNIOR: 0.4,
    Stage.SENIOR: 0.8,
    Stage.NINE_YEAR: 0.4,
    Stage.COMPLETE: 0.7,
    Stage.VOCATIONAL: 0.8,
}
#: Share of pupils who board, in a boarding school.
BOARDER_SHARE = {Stage.PRIMARY: 0.4, Stage.NINE_YEAR: 0.55}
SECONDARY_STAGES = {Stage.JUNIOR, Stage.SENIOR, Stage.COMPLETE, Stage.VOCATIONAL, Stage.NINE_YEAR}

#: The showcase schools of the scenarios (SCENARIOS.md), first in the first district.
SHOWCASE_PRIMARY = "实验小学"
SHOWCASE_JUNIOR = "城关第二中学"
#: Classes the scenarios name, so these schools get at least that many classes per grade.
SHOWCASE_MIN_CLASSES = {SHOWCASE_PRIMARY: 2, SHOWCASE_JUNIOR: 5}

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (school names count this way)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


@dataclass
class SchoolPlan:
    code: str
    name: str
    stage: str
    boarding: bool
    classes_per_grade: int
    address: str
    hotline: str
    email: str
    showcase: bool = False

    @property
    def grades(self) -> list[int]:
        return STAGE_GRADES[self.stage]

    @property
    def class_count(self) -> int:
        return len(self.grades) * self.classes_per_grade


@dataclass
class DistrictPlan:
    code: str
    name: str
    schools: list[SchoolPlan] = field(default_factory=list)


@dataclass
class CityPlan:
    code: str
    name: str
    districts: list[DistrictPlan]

    @property
    def schools(self) -> list[SchoolPlan]:
        return [s for d in self.districts for s in d.schools]

    @property
    def class_count(self) -> int:
        return sum(s.class_count for s in self.schools)


class _SchoolNamer:
    """Plausible, citywide unique school names: 城关第二中学, 东城区第一小学, 柳林小学, 育才中学…"""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.next_number: dict[tuple[str, str], int] = {}

    def reserve(self, name: str) -> str:
        self.used.add(name)
        return name

    def _numbered(self, prefix: str, suffix: str) -> str:
        n = self.next_number.get((prefix, suffix), 1)
        while f"{prefix}第{cn_number(n)}{suffix}" in self.used:
            n += 1
        self.next_number[(prefix, suffix)] = n + 1
        return self.reserve(f"{prefix}第{cn_number(n)}{suffix}")

    def name(self, stage: str, prefix: str) -> str:
        r, place = self.rng.random(), self.rng.choice(PLACES)
        special = self.rng.choice(["实验", "育才", "育英", "明德", "外国语"])
        candidates = {
            Stage.PRIMARY: [
                (0.5, None),
                (0.85, f"{place}小学"),
                (1.0, f"{prefix}{special}小学"),
            ],
            Stage.JUNIOR: [
                (0.5, None),
                (0.8, f"{place}初级中学"),
                (1.0, f"{prefix}{special}中学"),
            ],
            Stage.SENIOR: [(0.6, None), (1.0, f"{prefix}{special}高级中学")],
            Stage.NINE_YEAR: [
                (0.5, f"{place}学校"),
                (0.8, f"{prefix}{special}学校"),
                (1.0, f"{place}九年一贯制学校"),
            ],
            Stage.COMPLETE: [(0.7, None), (1.0, f"{prefix}{special}中学")],
            Stage.VOCATIONAL: [
                (0.4, f"{prefix}职业中等专业学校"),
                (0.7, f"{prefix}职业教育中心"),
                (1.0, None),
            ],
        }[stage]
        chosen = next(name for limit, name in candidates if r < limit)
        if chosen is not None and chosen not in self.used:
            return self.reserve(chosen)
        suffix = {Stage.PRIMARY: "小学", Stage.NINE_YEAR: "学校", Stage.VOCATIONAL: "职业中学"}.get(
            stage, "中学"
        )
        return self._numbered(prefix, suffix)


def _district_name(index: int) -> str:
    if index < len(DISTRICT_NAMES):
        return DISTRICT_NAMES[index]
    return f"{PLACES[index % len(PLACES)]}{cn_number(index // len(PLACES) + 1)}区"


def plan_city(*, seed: int, districts: int, schools: int, classes_per_grade: int) -> CityPlan:
    """Districts and schools of the demo city; no database access, the same for the same arguments."""
    rng = random.Random(f"anxin-demo:{seed}:plan")
    namer = _SchoolNamer(rng)
    stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    city = CityPlan(code=CITY_CODE, name="安平市", districts=[])
    # The city opens with one school of every stage, the scenarios' two first (in the first district).
    forced: list[tuple[str, str | None, bool | None]] = [
        (Stage.PRIMARY, namer.reserve(SHOWCASE_PRIMARY), False),
        (Stage.JUNIOR, namer.reserve(SHOWCASE_JUNIOR), True),
        (Stage.SENIOR, None, True),
        (Stage.NINE_YEAR, None, None),
        (Stage.COMPLETE, None, None),
        (Stage.VOCATIONAL, None, None),
    ]
    for d in range(districts):
        code = f"{CITY_CODE}{d + 2:02d}"
        name = _district_name(d)
        prefix = "城关" if name == "城关区" else name
        district = DistrictPlan(code=code, name=name)
        for s in range(schools):
            if forced:
                stage, school_name, boarding = forced.pop(0)
            else:
                stage, school_name, boarding = rng.choices(stages, weights)[0], None, None
            if boarding is None:
                boarding = rng.random() < BOARDING_RATE[stage]
            school_name = school_name or namer.name(stage, prefix)
            school_code = f"{code}{s + 1:04d}"
            district.schools.append(
                SchoolPlan(
                    code=school_code,
                    name=school_name,
                    stage=stage,
                    boarding=boarding,
                    classes_per_grade=max(classes_per_grade, SHOWCASE_MIN_CLASSES.get(school_name, 0)),
                    address=f"{name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                    hotline=f"0531-5555{rng.randrange(10000):04d}",
                    email=f"xinxiang{school_code}@example.edu.cn",
                )
            )
        city.districts.append(district)
    # One showcase school per stage: the first of that stage in the city.
    seen: set[str] = set()
    for school in city.schools:
        if school.stage not in seen:
            seen.add(school.stage)
            school.showcase = True
    return city


# --- Names ----------------------------------------------------------------------------------------

#: Given names common among children born 2008–2020, beside Faker's (which lean older).
CHILD_GIVEN_M = [
    "浩然",
    "子轩",
    "宇轩",
    "梓豪",
    "俊杰",
    "一鸣",
    "博文",
    "思远",
    "天佑",
    "皓轩",
    "明轩",
    "泽宇",
    "嘉豪",
    "子墨",
    "宇航",
    "晨阳",
    "奕辰",
    "锦程",
    "家乐",
    "昊天",
    "小龙",
    "小军",
    "小明",
    "小宇",
]
CHILD_GIVEN_F = [
    "欣怡",
    "梓涵",
    "子涵",
    "雨桐",
    "诗涵",
    "梓萱",
    "一诺",
    "可馨",
    "思彤",
    "佳怡",
    "语嫣",
    "若汐",
    "紫萱",
    "雨欣",
    "心怡",
    "晓彤",
    "婉清",
    "梦瑶",
    "小红",
    "小花",
    "佳琪",
    "雅静",
    "思琪",
    "艺涵",
]


class NamePools:
    """Pools drawn once from a seeded Faker ``zh_CN``; names are then combined with a seeded RNG.

    Calling Faker per person would dominate the load time of a large city.
    """

    def __init__(self, seed: int) -> None:
        from faker import Faker

        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        # Drawn with Faker's weights, so common surnames stay common.
        self.surnames = [fake.last_name() for _ in range(3000)]
        self.adult_m = sorted({fake.first_name_male() for _ in range(400)})
        self.adult_f = sorted({fake.first_name_female() for _ in range(400)})
        self.child_m = sorted(set(self.adult_m) | set(CHILD_GIVEN_M))
        self.child_f = sorted(set(self.adult_f) | set(CHILD_GIVEN_F))

    def adult(self, rng: random.Random, gender: str, surname: str | None = None) -> str:
        pool = self.adult_m if gender == "M" else self.adult_f
        return (surname or rng.choice(self.surnames)) + rng.choice(pool)

    def child(self, rng: random.Random, gender: str, surname: str) -> str:
        pool = self.child_m if gender == "M" else self.child_f
        return surname + rng.choice(pool)


def fake_mobile(rng: random.Random) -> str:
    """A 1380000xxxx number: reserved-looking, never a real pupil's or parent's."""
    return f"1380000{rng.randrange(10000):04d}"


# --- Pupils' family situations --------------------------------------------------------------------

KEY_GROUP_SHARE = 0.05
KEY_GROUP_WEIGHTS = {
    KeyGroup.LEFT_BEHIND: 35,
    KeyGroup.MIGRANT: 20,
    KeyGroup.SINGLE_PARENT: 20,
    KeyGroup.HARDSHIP: 15,
    KeyGroup.DISABILITY: 5,
    KeyGroup.BEHAVIOUR: 5,
}
KEY_GROUP_REASONS = {
    KeyGroup.LEFT_BEHIND: [
        "父母在外务工，与祖母同住",
        "父母均在外地务工，由祖父母照顾",
        "父亲在外务工，母亲长期不在身边",
    ],
    KeyGroup.MIGRANT: ["随父母从外省迁入，本学期转入", "随务工父母来本市就读，住在出租屋"],
    KeyGroup.SINGLE_PARENT: ["父母离异，随母亲生活", "父母离异，随父亲生活", "父亲去世，随母亲生活"],
    KeyGroup.HARDSHIP: ["低保家庭", "家中有重病患者，经济困难", "建档立卡脱贫户"],
    KeyGroup.DISABILITY: ["听力残疾（轻度），随班就读", "肢体残疾，行动不便"],
    KeyGroup.BEHAVIOUR: ["近期情绪低落、常独处，班主任提请关注", "多次与同学发生冲突，需持续关注"],
}
KEY_GROUP_SINCE = [date(2024, 9, 1), date(2025, 3, 1), date(2025, 9, 1), date(2026, 3, 1), date(2026, 9, 1)]


# --- Result and logins ----------------------------------------------------------------------------


@dataclass
class Login:
    role: str
    username: str
    password: str
    unit_code: str
    #: The authenticator key (base32) of an account that must use two-factor login; else empty.
    totp_secret: str = ""

    def as_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class DemoResult:
    seed: int
    params: dict[str, int]
    counts: dict[str, int]
    logins: list[Login]
    password: str
    elapsed: float
    reset: bool = False

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def logins_path() -> Path:
    return Path(settings.VAR_DIR) / LOGINS_FILE


def write_logins(logins: list[Login], path: Path | None = None) -> Path:
    path = path or logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps([login.as_json() for login in logins], ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, path)
    return path


def read_logins(path: Path | None = None) -> list[Login] | None:
    """The logins of the loaded demo: from the file, else from the DemoLoad row (and the file is rewritten)."""
    path = path or logins_path()
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [
            Login(
                **{k: str(row[k]) for k in ("role", "username", "password", "unit_code")},
                totp_secret=str(row.get("totp_secret") or ""),
            )
            for row in rows
        ]
    except (OSError, ValueError, TypeError, KeyError):
        pass
    demo = DemoLoad.objects.order_by("-pk").first()
    if demo is None or not isinstance(demo.params.get("logins"), list):
        return None
    logins = [Login(**row) for row in demo.params["logins"]]
    write_logins(logins, path)
    return logins


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_logins(logins: list[Login]) -> str:
    """A table people can read in a terminal: role, username, password, unit."""
    units = {
        u.code: u
        for u in Unit.objects.filter(code__in={login.unit_code for login in logins}).select_related(
            "parent", "school"
        )
    }

    def unit_label(code: str) -> str:
        unit = units.get(code)
        if unit is None:
            return code
        if unit.kind == UnitKind.CLASS and unit.school is not None:
            return f"{unit.school.name} {unit.name}"
        return unit.name

    header = [_("角色"), _("用户名"), _("密码"), _("两步验证密钥"), _("单位")]
    rows = [
        [str(Role(login.role).label) if login.role in Role.values else login.role]
        + [login.username, login.password, login.totp_secret or "-", unit_label(login.unit_code)]
        for login in logins
    ]
    padded = len(header) - 1
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(padded)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:padded])) + "  " + row[-1])
        if row is header:
            lines.append("-" * (sum(widths) + 2 * padded + max(_width(r[-1]) for r in [header, *rows])))
    return "\n".join(lines)


# --- The database state ---------------------------------------------------------------------------


def demo_state() -> str:
    """``"demo"`` if the database holds a demo city, ``"other"`` if it holds real data, else ``"empty"``."""
    if DemoLoad.objects.exists():
        return "demo"
    if Unit.objects.exists() or User.objects.exists():
        return "other"
    return "empty"


_HASHES: dict[str, str] = {}


def demo_totp_code(username: str) -> str:
    """The current two-factor code of a demo account; never for a database with real accounts."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if demo_state() != "demo":
        raise DemoRefused(_("只能为演示数据库中的账号显示验证码。"), code=DemoError.DEMO_ONLY)
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        raise DemoRefused(
            _("账号 %(name)s 没有绑定两步验证。") % {"name": username}, code=DemoError.NO_DEVICE
        )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _password_hash(password: str) -> str:
    # One hash for every demo account: hashing thousands of passwords would take minutes.
    if password not in _HASHES:
        _HASHES[password] = make_password(password)
    return _HASHES[password]


def _raw_delete_all(model: type[models.Model]) -> None:
    """DELETE without loading rows; the database's foreign keys still guard what refers to them."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _delete_demo() -> dict[str, int]:
    """Remove the previous demo's organisation data (superusers stay). Caller holds the transaction."""
    counts = {"units": Unit.objects.count(), "users": User.objects.filter(is_superuser=False).count()}
    counts["students"] = Student.objects.count()
    Guardian.objects.all().delete()
    KeyGroupFlag.objects.all().delete()
    CommitteeMember.objects.all().delete()
    RoleAssignment.objects.all().delete()
    _raw_delete_all(Student)
    SchoolProfile.objects.all().delete()
    # The dashboards' counts are derived from the demo's records: recounted after the new load.
    _raw_delete_all(DailyCount)
    _raw_delete_all(MonthlyCount)
    _raw_delete_all(Unit)
    User.objects.filter(is_superuser=False).delete()
    DemoLoad.objects.all().delete()
    # Foreign keys are deferred: surface now, not at COMMIT, anything that still points at the old demo.
    connection.check_constraints()
    return counts


# --- The loader -----------------------------------------------------------------------------------


def _bulk(model: type[models.Model], objs: list[Any]) -> list[Any]:
    return model.objects.bulk_create(objs, batch_size=BATCH) if objs else objs


SCHOOL_ROLES = [
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.LEGAL_VP,
    Role.MORAL_DIRECTOR,
    Role.SAFETY_OFFICER,
    Role.PSYCH_TEACHER,
    Role.COUNSELLOR,
    Role.DUTY_STAFF,
    Role.GATE_GUARD,
    Role.DORM_STAFF,
]
#: Fixed people of the scenarios: (school name, role) → full name.
SCENARIO_STAFF = {
    (SHOWCASE_JUNIOR, Role.GATE_GUARD): "李建国",  # 门卫老李
    (SHOWCASE_JUNIOR, Role.DORM_STAFF): "张桂兰",  # 宿管员张阿姨
}
#: (school, grade, class) → (username, full name) of the class teacher.
SCENARIO_TEACHERS = {(SHOWCASE_PRIMARY, 3, 2): ("wanglaoshi", "王丽")}
#: (school, grade, class) → pupil: name, gender, boarder, key group, reason, guardian (name, relation).
SCENARIO_PUPILS: dict[tuple[str, int, int], dict[str, Any]] = {
    (SHOWCASE_JUNIOR, 8, 3): {"name": "刘小磊", "gender": "M", "boarder": True},
    (SHOWCASE_PRIMARY, 3, 2): {
        "name": "张小雨",
        "gender": "F",
        "boarder": False,
        "group": KeyGroup.LEFT_BEHIND,
        "reason": "父母在外务工，与祖母同住",
        "guardians": [("李秀兰", "祖母")],
    },
}
#: The class whose teacher is shown among the logins.
SHOWCASE_CLASS = {SHOWCASE_PRIMARY: (3, 2), SHOWCASE_JUNIOR: (8, 3)}


class _FastInsert:
    """INSERT by ``executemany`` for the big tables.

    ``bulk_create`` spends most of its time compiling SQL for each batch; pupils and guardians are
    hundreds of thousands of rows. Fields not given get their model default (or "now" for
    ``auto_now`` fields), so a field added to the model later is still filled in.
    """

    def __init__(self, model: type[models.Model], field_names: list[str]) -> None:
        opts = model._meta
        given = [opts.get_field(name) for name in field_names]
        rest = [f for f in opts.concrete_fields if not f.primary_key and f not in given]
        now = timezone.now()
        constants = []
        for f in rest:
            auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            value = now if auto else f.get_default()
            constants.append(f.get_db_prep_save(value, connection))
        self.constants = tuple(constants)
        # Encrypted columns (guardians' names and phones, key-group reasons) are encrypted here,
        # as the ORM would: the raw INSERT bypasses the field.
        self.encrypted = [(i, f) for i, f in enumerate(given) if isinstance(f, ENCRYPTED_FIELD_TYPES)]
        table = connection.ops.quote_name(opts.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in given + rest)
        placeholders = ", ".join(["%s"] * (len(given) + len(rest)))
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        constants = self.constants
        if self.encrypted:
            rows = [self._encrypt(row) for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY saves a round trip per row (psycopg 3's cursor underneath Django's wrapper).
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row + constants)
                return
            for start in range(0, len(rows), BATCH):
                cursor.executemany(self.sql, [row + constants for row in rows[start : start + BATCH]])

    def _encrypt(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i, f in self.encrypted:
            values[i] = f.get_db_prep_save(values[i], connection)
        return tuple(values)


def _entry_year(grade: int) -> int:
    first = 1 if grade <= 6 else 7 if grade <= 9 else 10 if grade <= 12 else 13
    return SCHOOL_YEAR - (grade - first)


class _Loader:
    def __init__(
        self,
        plan: CityPlan,
        seed: int,
        students_per_class: int,
        password_hash: str,
        progress: Progress | None,
    ) -> None:
        self.plan = plan
        self.seed = seed
        self.rng = random.Random(f"anxin-demo:{seed}:people")
        self.names = NamePools(seed)
        self.students_per_class = students_per_class
        self.password_hash = password_hash
        self.progress = progress or (lambda message: None)
        self.counts: dict[str, int] = dict.fromkeys(
            ["units", "school_profiles", "users", "role_assignments", "committee_members"]
            + ["students", "guardians", "key_group_flags"],
            0,
        )
        self.logins: list[Login] = []
        self.started = time.monotonic()

    # Units ---------------------------------------------------------------------------------------

    def _units(self, objs: list[Unit]) -> list[Unit]:
        self.counts["units"] += len(objs)
        return _bulk(Unit, objs)

    def load_units(self) -> None:
        plan = self.plan
        self.city = self._units(
            [Unit(kind=UnitKind.CITY, code=plan.code, name=plan.name, path=f"/{plan.code}/")]
        )[0]
        counties = [
            Unit(
                kind=UnitKind.COUNTY,
                code=d.code,
                name=d.name,
                parent=self.city,
                path=f"{self.city.path}{d.code}/",
            )
            for d in plan.districts
        ]
        self.counties = dict(zip([d.code for d in plan.districts], self._units(counties), strict=True))
        schools = [
            Unit(
                kind=UnitKind.SCHOOL, code=s.code, name=s.name, parent=county, path=f"{county.path}{s.code}/"
            )
            for d in plan.districts
            for county in [self.counties[d.code]]
            for s in d.schools
        ]
        self._units(schools)
        # A school points at itself; bulk_create cannot know its own id in advance.
        Unit.objects.filter(kind=UnitKind.SCHOOL, school__isnull=True).update(school=F("id"))
        for school in schools:
            school.school_id = school.pk
        self.schools = {s.code: s for s in schools}
        self.school_plans = {s.code: s for s in plan.schools}
        grades = [
            Unit(
                kind=UnitKind.GRADE,
                code=f"{school.code}-G{n}",
                name=GRADE_NAMES[n],
                number=n,
                parent=school,
                school_id=school.pk,
                path=f"{school.path}{school.code}-G{n}/",
            )
            for school in schools
            for n in self.school_plans[school.code].grades
        ]
        self._units(grades)
        classes = [
            Unit(
                kind=UnitKind.CLASS,
                code=f"{grade.code}-C{c}",
                name=f"{grade.name}({c})班",
                number=c,
                parent=grade,
                school_id=grade.school_id,
                path=f"{grade.path}{grade.code}-C{c}/",
            )
            for grade in grades
            for c in range(1, self.school_plans[grade.parent.code].classes_per_grade + 1)
        ]
        self._units(classes)
        self.classes: dict[str, list[Unit]] = {}
        for klass in classes:
            self.classes.setdefault(klass.parent.parent.code, []).append(klass)

    # Staff ---------------------------------------------------------------------------------------

    def load_staff(self) -> None:
        rng, names = self.rng, self.names
        people: list[tuple[User, str, Unit]] = []

        def person(username: str, role: str, unit: Unit, full_name: str | None = None) -> User:
            gender = "F" if rng.random() < 0.6 else "M"
            user = User(
                username=username,
                full_name=full_name or names.adult(rng, gender),
                phone=fake_mobile(rng),
                email=f"{username}@example.edu.cn",
                password=self.password_hash,
            )
            people.append((user, role, unit))
            return user

        showcase_users: list[tuple[User, str, Unit]] = []
        showcase_users.append((person("city_admin", Role.CITY_ADMIN, self.city), Role.CITY_ADMIN, self.city))
        for county in self.counties.values():
            for role, prefix in ((Role.COUNTY_ADMIN, "county"), (Role.INSPECTOR, "inspector")):
                showcase_users.append((person(f"{prefix}_{county.code}", role, county), role, county))
        self.staff: dict[str, dict[str, User]] = {}
        self.class_teachers: dict[str, User] = {}
        for code, school in self.schools.items():
            splan = self.school_plans[code]
            staff: dict[str, User] = {}
            for role in SCHOOL_ROLES:
                if role == Role.DORM_STAFF and not (splan.boarding or splan.showcase):
                    continue
                fixed = SCENARIO_STAFF.get((school.name, role))
                staff[role] = person(f"{role.value}_{code}", role, school, fixed)
            self.staff[code] = staff
            classes = self.classes[code]
            wanted = SHOWCASE_CLASS.get(school.name)
            showcase_class = next((k for k in classes if (k.parent.number, k.number) == wanted), classes[0])
            for klass in classes:
                grade_no = klass.parent.number
                fixed_teacher = SCENARIO_TEACHERS.get((school.name, grade_no, klass.number))
                if fixed_teacher:
                    teacher = person(fixed_teacher[0], Role.CLASS_TEACHER, klass, fixed_teacher[1])
                else:
                    teacher = person(f"ct_{code}_{grade_no}_{klass.number}", Role.CLASS_TEACHER, klass)
                self.class_teachers[klass.code] = teacher
            if splan.showcase:
                showcase_users += [(staff[r], r, school) for r in SCHOOL_ROLES if r in staff]
                teacher = self.class_teachers[showcase_class.code]
                showcase_users.append((teacher, Role.CLASS_TEACHER, showcase_class))
        users = _bulk(User, [p[0] for p in people])
        self.counts["users"] += len(users)
        assignments = [RoleAssignment(user_id=user.pk, role=role, unit=unit) for user, role, unit in people]
        self.counts["role_assignments"] += len(_bulk(RoleAssignment, assignments))
        self.logins = [
            Login(role=str(role), username=user.username, password=DEMO_PASSWORD, unit_code=unit.code)
            for user, role, unit in showcase_users
        ]

    def load_committees(self) -> None:
        rng, names = self.rng, self.names
        members: list[CommitteeMember] = []

        def add(school: Unit, role: str, user: User | None = None, external: bool = False) -> None:
            members.append(
                CommitteeMember(
                    school=school,
                    user=user,
                    name=user.full_name if user else names.adult(rng, rng.choice("MF")),
                    committee_role=role,
                    is_external=external,
                    phone=user.phone if user else fake_mobile(rng),
                )
            )

        for code, school in self.schools.items():
            staff, classes = self.staff[code], self.classes[code]
            add(school, CommitteeRole.CHAIR, staff[Role.PRINCIPAL])
            add(school, CommitteeRole.SAFETY_VP, staff[Role.VICE_PRINCIPAL])
            add(school, CommitteeRole.LEGAL_VP, staff[Role.LEGAL_VP], external=True)
            add(school, CommitteeRole.MORAL_DIRECTOR, staff[Role.MORAL_DIRECTOR])
            add(school, CommitteeRole.TEACHER, self.class_teachers[classes[0].code])
            add(school, CommitteeRole.PARENT, external=True)
            add(school, CommitteeRole.EXPERT, external=True)
            size = 7
            if self.school_plans[code].stage in SECONDARY_STAGES:
                members.append(
                    CommitteeMember(
                        school=school,
                        name=names.child(rng, rng.choice("MF"), rng.choice(names.surnames)),
                        committee_role=CommitteeRole.STUDENT,
                    )
                )
                size = 8
            # 7–9 members; the scenario committee of 城关第二中学 has nine.
            extra = 9 - size if school.name == SHOWCASE_JUNIOR else rng.randint(0, 9 - size)
            if extra >= 1:
                add(school, CommitteeRole.TEACHER, self.class_teachers[classes[-1].code])
            if extra >= 2:
                add(school, CommitteeRole.PARENT, external=True)
        self.counts["committee_members"] += len(_bulk(CommitteeMember, members))

    def load_second_factors(self) -> None:
        """Enrol an authenticator for every account that must use one, so the demo city stays usable.

        The keys come from the seed like every other demo value; `anxin demo` prints the showcase
        accounts' keys beside their passwords (and writes them to demo_logins.json).
        """
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from anxin.accounts.services import SECOND_FACTOR_ROLES, TOTP_NAME, totp_secret

        rng = random.Random(f"anxin-demo:{self.seed}:totp")
        needing = (
            User.objects.filter(
                models.Q(assignments__role__in=SECOND_FACTOR_ROLES) | models.Q(committees__active=True)
            )
            .distinct()
            .order_by("pk")
        )
        devices = [
            TOTPDevice(user=user, name=TOTP_NAME, confirmed=True, key=rng.randbytes(20).hex())
            for user in needing
        ]
        _bulk(TOTPDevice, devices)
        secrets_by_user = {device.user.username: totp_secret(device) for device in devices}
        for login in self.logins:
            login.totp_secret = secrets_by_user.get(login.username, "")

    def load_profiles(self) -> None:
        profiles = []
        for code, school in self.schools.items():
            splan = self.school_plans[code]
            profiles.append(
                SchoolProfile(
                    unit=school,
                    stage=splan.stage,
                    boarding=splan.boarding,
                    address=splan.address,
                    contact_person=self.staff[code][Role.MORAL_DIRECTOR].full_name,
                    hotline=splan.hotline,
                    email=splan.email,
                )
            )
        self.counts["school_profiles"] += len(_bulk(SchoolProfile, profiles))

    # Pupils --------------------------------------------------------------------------------------

    def _pupils(self, school: Unit, splan: SchoolPlan) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
        """Rows of one school's pupils, with what their guardians and key-group flag will be."""
        rng, names = self.rng, self.names
        boarder_share = BOARDER_SHARE.get(splan.stage, 0.75) if splan.boarding else 0.0
        groups, group_weights = list(KEY_GROUP_WEIGHTS), list(KEY_GROUP_WEIGHTS.values())
        for klass in self.classes[school.code]:
            grade_no = klass.parent.number
            prefix = f"{_entry_year(grade_no)}{grade_no:02d}{klass.number:02d}"
            scenario = SCENARIO_PUPILS.get((school.name, grade_no, klass.number))
            for i in range(1, self.students_per_class + 1):
                gender = "M" if rng.random() < 0.52 else "F"
                surname = rng.choice(names.surnames)
                name = names.child(rng, gender, surname)
                boarder = rng.random() < boarder_share
                extra: dict[str, Any] = {"surname": surname}
                if rng.random() < KEY_GROUP_SHARE:
                    group = rng.choices(groups, group_weights)[0]
                    extra["group"], extra["reason"] = group, rng.choice(KEY_GROUP_REASONS[group])
                if scenario and i == 1:
                    name, gender, boarder = scenario["name"], scenario["gender"], scenario["boarder"]
                    extra = {
                        "surname": name[0],
                        **{k: scenario[k] for k in ("group", "reason", "guardians") if k in scenario},
                    }
                yield (school.pk, klass.pk, name, gender, f"{prefix}{i:03d}", boarder), extra

    def _family(self, extra: dict[str, Any]) -> list[tuple[str, str]]:
        rng, names = self.rng, self.names
        group, surname = extra.get("group"), extra["surname"]
        if "guardians" in extra:
            return list(extra["guardians"])
        if group == KeyGroup.LEFT_BEHIND:
            family = [(names.adult(rng, "F"), "祖母")]
            if rng.random() < 0.5:
                family.append((names.adult(rng, "M", surname), "祖父"))
            return family
        if group == KeyGroup.SINGLE_PARENT:
            if rng.random() < 0.6:
                return [(names.adult(rng, "F"), "母亲")]
            return [(names.adult(rng, "M", surname), "父亲")]
        family = [(names.adult(rng, "M", surname), "父亲"), (names.adult(rng, "F"), "母亲")]
        if rng.random() < 0.4:
            family.pop(rng.randrange(2))
        return family

    def _flush_pupils(self, pending: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> None:
        if not pending:
            return
        rng = self.rng
        self.student_insert.insert([row for row, _extra in pending])
        # Read the new ids back by (school, student number): portable, and the pupils of a school
        # are always flushed together.
        school_ids = {row[0] for row, _extra in pending}
        ids = {
            (school_id, no): pk
            for school_id, no, pk in Student.objects.filter(school_id__in=school_ids).values_list(
                "school_id", "student_no", "pk"
            )
        }
        guardians: list[tuple[Any, ...]] = []
        flags: list[tuple[Any, ...]] = []
        for row, extra in pending:
            student_id = ids[(row[0], row[4])]
            if extra.get("group"):
                flags.append((student_id, extra["group"], extra["reason"], rng.choice(self.since_values)))
            guardians += [(student_id, n, rel, fake_mobile(rng)) for n, rel in self._family(extra)]
        self.guardian_insert.insert(guardians)
        self.flag_insert.insert(flags)
        self.counts["students"] += len(pending)
        self.counts["guardians"] += len(guardians)
        self.counts["key_group_flags"] += len(flags)
        pending.clear()

    def load_pupils(self) -> None:
        self.student_insert = _FastInsert(
            Student, ["school", "klass", "name", "gender", "student_no", "boarder"]
        )
        self.guardian_insert = _FastInsert(Guardian, ["student", "name", "relation", "phone"])
        self.flag_insert = _FastInsert(KeyGroupFlag, ["student", "group", "reason", "since"])
        self.since_values = [connection.ops.adapt_datefield_value(d) for d in KEY_GROUP_SINCE]
        pending: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        total = len(self.plan.districts)
        for n, district in enumerate(self.plan.districts, start=1):
            for splan in district.schools:
                pending.extend(self._pupils(self.schools[splan.code], splan))
                if len(pending) >= BATCH:
                    self._flush_pupils(pending)
            self._flush_pupils(pending)
            self.progress(
                _(
                    "[%(n)s/%(total)s] %(district)s：%(schools)s 所学校，累计 %(students)s 名学生（%(seconds).1f 秒）"
                )
                % {
                    "n": n,
                    "total": total,
                    "district": district.name,
                    "schools": len(district.schools),
                    "students": f"{self.counts['students']:,}",
                    "seconds": time.monotonic() - self.started,
                }
            )


def _validate(*, districts: int, schools: int, classes_per_grade: int, students_per_class: int) -> None:
    limits = [
        (districts, 1, 98, "--districts"),
        (schools, 1, 9999, "--schools"),
        (classes_per_grade, 1, 99, "--classes-per-grade"),
        (students_per_class, 1, 999, "--students-per-class"),
    ]
    for value, low, high, option in limits:
        if not low <= value <= high:
            raise Invalid(
                _("%(option)s 必须在 %(low)s 到 %(high)s 之间，收到 %(value)s。")
                % {"option": option, "low": low, "high": high, "value": value},
                code=DemoError.DEMO_BAD_OPTION,
            )


def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    districts: int = 3,
    schools: int = 4,
    classes_per_grade: int = 3,
    students_per_class: int = 40,
    reset: bool = False,
    progress: Progress | None = None,
    cases: bool = True,
    ledgers: bool = True,
) -> DemoResult:
    """Load the demo city in one transaction, marked by a DemoLoad row and one audit event.

    Refuses a database with organisation data that did not come from the demo. With ``reset`` the
    previous demo is deleted first, in the same transaction. ``cases`` adds the demo cases
    (:mod:`anxin.demo.cases`); their audit trail then refers to the demo, which can no longer be
    reset in place. ``ledgers`` adds one term of 台账 (:mod:`anxin.demo.ledgers`).
    """
    _validate(
        districts=districts,
        schools=schools,
        classes_per_grade=classes_per_grade,
        students_per_class=students_per_class,
    )
    started = time.monotonic()
    params = {
        "districts": districts,
        "schools": schools,
        "classes_per_grade": classes_per_grade,
        "students_per_class": students_per_class,
    }
    plan = plan_city(seed=seed, districts=districts, schools=schools, classes_per_grade=classes_per_grade)
    password_hash = _password_hash(DEMO_PASSWORD)
    with transaction.atomic():
        state = demo_state()
        if state == "other":
            raise DemoRefused(
                _(
                    "数据库中已有非演示数据（单位或用户），拒绝载入演示城市，以免与真实数据混在一起。"
                    "请换用一个空数据库（例如设置 DATABASE_URL 或 ANXIN_VAR_DIR）。"
                ),
                code=DemoError.DEMO_NOT_EMPTY,
            )
        deleted: dict[str, int] = {}
        if state == "demo":
            if not reset:
                raise DemoRefused(
                    _(
                        "数据库中已有演示城市。如需删除并重新生成，请加 --reset；只查看登录信息请加 --if-empty。"
                    ),
                    code=DemoError.DEMO_EXISTS,
                )
            try:
                with transaction.atomic():
                    deleted = _delete_demo()
            except (IntegrityError, models.ProtectedError, models.RestrictedError) as exc:
                if connection.vendor == "sqlite":
                    how = _("请删除数据库文件 %(path)s 后重新运行 make run。") % {
                        "path": settings.DATABASES["default"]["NAME"]
                    }
                else:
                    how = _("请换用一个新的空数据库后再载入。")
                raise DemoRefused(
                    _("演示数据已被审计日志或其他业务记录引用，无法原地重置（审计日志只能追加，不能删除）。")
                    + how,
                    code=DemoError.DEMO_REFERENCED,
                ) from exc
            if progress:
                progress(
                    _("已删除旧的演示城市：%(units)s 个单位，%(users)s 个账号，%(students)s 名学生。")
                    % {key: f"{value:,}" for key, value in deleted.items()}
                )
        loader = _Loader(plan, seed, students_per_class, password_hash, progress)
        loader.load_units()
        loader.load_staff()
        loader.load_committees()
        loader.load_second_factors()
        loader.load_profiles()
        loader.load_pupils()
        from anxin.demo.ledgers import demo_ledgers_build, term_start

        # The classes have existed since the term began, not since today (the warnings count from then).
        Unit.objects.update(created_at=timezone.make_aware(datetime.combine(term_start(), dt_time(7))))
        if cases:
            from anxin.demo.cases import demo_cases_build  # builds on the city just loaded

            loader.counts.update(demo_cases_build(seed=seed, progress=progress).counts)
        if ledgers:
            loader.counts.update(demo_ledgers_build(seed=seed, progress=progress).counts)
        demo = DemoLoad.objects.create(
            seed=seed, params={**params, "logins": [login.as_json() for login in loader.logins]}
        )
        audit_record(
            actor=None,
            action=events.DEMO_LOADED,
            subject=demo,
            after={
                "seed": seed,
                "params": params,
                "counts": loader.counts,
                "reset": bool(deleted),
                "deleted": deleted,
            },
        )
    return DemoResult(
        seed=seed,
        params=params,
        counts=loader.counts,
        logins=loader.logins,
        password=DEMO_PASSWORD,
        elapsed=time.monotonic() - started,
        reset=bool(deleted),
    )
