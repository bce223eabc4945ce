"""Benchmark: the case list and the deadline sweep with 50,000 cases on PostgreSQL.

    .venv/bin/python bench/cases_scale.py                      # throwaway PostgreSQL 15, 50,000 cases
    .venv/bin/python bench/cases_scale.py --cases 20000 --runs 50
    .venv/bin/python bench/cases_scale.py --database-url postgres://anxin@127.0.0.1:5432/empty

Starts a throwaway PostgreSQL (fsync off; or uses --database-url, an EMPTY database), migrates,
loads the demo city at 300 schools (``anxin demo --districts 10 --schools 30``, with its own demo
cases), then inserts --cases cases of history (default 50,000) with ``bulk_create``: spread evenly
over the schools and over the last two years, each with its parties (a target and one or two
bullies), its deadlines (computed with the case's own policy, as the services do) and its log.
About 85% are closed; the rest are open in every state with their pending deadlines, some of them
overdue or due soon. After ``VACUUM ANALYZE`` it measures, with Django's test Client (force_login):

- (a) a principal's ``GET /cases/`` (first page, default filters) — the school with the most cases;
- (b) a county bureau administrator's ``GET /cases/`` — the county with the most cases;
- (b') the city administrator's, the largest scope of all;

each p50/p95 over --runs requests after 3 warm-ups, beside the page's own main query (the page of
ids) and count query, captured from the request and run raw through psycopg (p50/p95 and
``EXPLAIN (ANALYZE, BUFFERS)``), and beside the selector alone
(``selectors.case_list(user)[:25]`` evaluated plus ``next_deadline_map``);

- (c) the deadline sweep over all open cases, ``anxin.cases.sweep.sweep()``: a first run (the
  reminders and escalations of every deadline that is due by date) and a second run (nothing new).

Targets (issue): list p95 < 150 ms; sweep < 10 s. It prints PASS/FAIL but always exits 0 (a
measurement, not a gate). Mail goes to Django's in-memory backend: the sweep's time is the
database's and the application's, not an SMTP server's.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ledgers_scale import log, ms, pct, timed  # noqa: E402
from pgtemp import temporary_postgres  # noqa: E402

#: Open cases by state (weights), for the ~15% of the history that is still open.
OPEN_STATES = {
    "accepted": 6,
    "emergency": 2,
    "investigating": 30,
    "pending": 10,
    "determined": 8,
    "not_bullying": 4,
    "measures": 20,
    "aftercare": 15,
    "reexamination": 3,
    "referred": 2,
}
TITLES = [
    ("课间在楼道被同学推搡踢打", "physical", "corridor"),
    ("被同学起侮辱性绰号", "verbal", "classroom"),
    ("被高年级学生索要零花钱", "property", "gate"),
    ("被同学故意孤立", "relational", "canteen"),
    ("照片被恶意修改后发到群里", "cyber", "online"),
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=50_000, help="cases of history to insert")
    parser.add_argument("--closed", type=float, default=0.85, help="share of them that is closed")
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--schools", type=int, default=30, help="schools per district")
    parser.add_argument("--classes-per-grade", type=int, default=4)
    parser.add_argument("--students-per-class", type=int, default=45)
    parser.add_argument("--runs", type=int, default=50, help="timed requests / queries each")
    parser.add_argument("--port", type=int, default=54341, help="port of the throwaway server")
    parser.add_argument(
        "--database-url", default=None, help="an EMPTY PostgreSQL database (default: throwaway)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    server = (
        nullcontext(args.database_url) if args.database_url else temporary_postgres(args.port, fsync=False)
    )
    tmp = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
    try:
        with server as database_url:
            return run(args, database_url, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, database_url: str, tmp: Path) -> int:
    os.environ["ANXIN_VAR_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test Client, and mail to the in-memory outbox
    log(f"database: {database_url}")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrate: {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    err = io.StringIO()
    call_command(
        "demo",
        seed=args.seed,
        districts=args.districts,
        schools=args.schools,
        classes_per_grade=args.classes_per_grade,
        students_per_class=args.students_per_class,
        stdout=io.StringIO(),
        stderr=err,
    )
    demo_s = time.perf_counter() - t0
    cases_line = next((line for line in err.getvalue().splitlines() if line.startswith("演示案件")), "")
    log(f"demo city: {demo_s:.1f} s ({cases_line})")

    history = load_history(args)

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s")

    sizes = table_sizes(database_url)
    results = measure(args, database_url)
    sweep_lines, sweep_first = measure_sweep()
    sizes_after = table_sizes(database_url, ("cases_deadlinealert", "cases_caseevent", "core_notification"))

    log("\n=== summary ===")
    log(f"history: {history}")
    for table, rows, size in sizes:
        log(f"{table:24s} {rows:>10,} rows  {size}")
    for line in results["lines"] + sweep_lines:
        log(line)
    log("after the sweep: " + "; ".join(f"{t} {rows:,} rows" for t, rows, _s in sizes_after))
    list_p95 = max(results["p95"].values())
    log(
        f"target list p95 < 150 ms: {'PASS' if list_p95 < 0.150 else 'FAIL'} "
        f"({', '.join(f'{k} {v * 1000:.1f} ms' for k, v in results['p95'].items())})"
    )
    log(f"target sweep < 10 s:      {'PASS' if sweep_first < 10 else 'FAIL'} (first run {sweep_first:.2f} s)")
    connection.close()
    return 0


# --- the history ---------------------------------------------------------------------------------


class _Clock:
    """Deadline dates as the services compute them, memoised (the same dates recur thousands of times)."""

    def __init__(self) -> None:
        from anxin.cases import deadlines

        self.compute = deadlines.compute
        self.memo: dict[tuple[date, int, str, int], tuple[date | None, date | None, int | None]] = {}
        self.reminders: dict[tuple[date, int], date | None] = {}

    def __call__(
        self, start: date, days: int, unit: str, remind: int
    ) -> tuple[date | None, date | None, int | None]:
        key = (start, days, unit, remind)
        if key not in self.memo:
            self.memo[key] = self.compute(start, days, unit, remind)
        return self.memo[key]

    def before(self, due: date, days: int) -> date | None:
        """A fixed deadline's reminder, as ``deadlines.schedule_fixed`` computes it."""
        from anxin.core import workdays

        if (due, days) not in self.reminders:
            try:
                self.reminders[(due, days)] = workdays.subtract_working_days(due, days)
            except workdays.CalendarUnknown:
                self.reminders[(due, days)] = None
        return self.reminders[(due, days)]


def load_history(args: argparse.Namespace) -> str:
    """--cases cases over every school and the last two years, with parties, deadlines and log."""
    from django.utils import timezone

    from anxin.cases.models import Case, CaseEvent, Deadline, Party
    from anxin.cases.policy import policy_for
    from anxin.org.models import Role, RoleAssignment, Student, Unit, UnitKind

    t0 = time.perf_counter()
    rng = random.Random(f"bench-cases:{args.seed}")
    today = timezone.localdate()
    clock = _Clock()
    schools = list(Unit.objects.filter(kind=UnitKind.SCHOOL).order_by("code"))
    owners: dict[int, int] = {}
    for role in (Role.PRINCIPAL, Role.MORAL_DIRECTOR):  # the moral director where there is one
        owners.update(
            RoleAssignment.objects.filter(role=role, unit__in=schools).values_list("unit_id", "user_id")
        )
    pupils: dict[int, list[tuple[int, int]]] = {}
    for school_id, pk, klass_id in Student.objects.values_list("school_id", "pk", "klass_id").iterator(
        chunk_size=20000
    ):
        pupils.setdefault(school_id, []).append((pk, klass_id))
    policies = {s.pk: policy_for(s) for s in schools}
    seq: Counter[tuple[int, int]] = Counter()
    states = list(OPEN_STATES)
    weights = list(OPEN_STATES.values())

    def at(day: date, hour: int = 10) -> datetime:
        return timezone.make_aware(datetime(day.year, day.month, day.day, hour, rng.randrange(60)))

    n_cases = n_parties = n_deadlines = n_events = 0
    by_state: Counter[str] = Counter()
    batch = 2000
    for start in range(0, args.cases, batch):
        plans = []
        for _i in range(start, min(start + batch, args.cases)):
            school = rng.choice(schools)
            policy = policies[school.pk]
            closed = rng.random() < args.closed
            state = "closed" if closed else rng.choices(states, weights)[0]
            plans.append(_plan(rng, today, school, policy, state, clock, at, seq))
        cases = []
        for p in plans:
            owner = owners[p["school"].pk]
            title, kind, place = rng.choice(TITLES)
            cases.append(
                Case(
                    school=p["school"],
                    number=p["number"],
                    status=p["state"],
                    urgent=p["serious"],
                    title=title,
                    narrative="",
                    kinds=[kind],
                    places=[place],
                    time_bands=["break"],
                    occurred_on=p["opened"],
                    owner_id=owner,
                    opened_by_id=owner,
                    opened_at=at(p["opened"], 9),
                    opened_on=p["opened"],
                    policy=p["policy"],
                    is_bullying=p["bullying"],
                    gravity=p["gravity"],
                    result_notified_on=p["notified"],
                    serious=p["serious"],
                    bureau_notified_at=at(p["determined"]) if p["serious"] else None,
                    police_referred_on=p["determined"] if p["state"] == "referred" else None,
                    closed_at=at(p["closed"], 16) if p["closed"] else None,
                    closing_summary="" if p["closed"] else None,
                    **_next_due(p["deadlines"]),
                )
            )
        Case.objects.bulk_create(cases, batch_size=batch)
        parties, deadlines, events = [], [], []
        for case, p in zip(cases, plans, strict=True):
            by_state[p["state"]] += 1
            owner = case.owner_id
            chosen = rng.sample(
                pupils[p["school"].pk], min(len(pupils[p["school"].pk]), 1 + rng.choice((1, 1, 2)))
            )
            for j, (student_id, klass_id) in enumerate(chosen):
                parties.append(
                    Party(
                        case=case,
                        role="target" if j == 0 else "bully",
                        student_id=student_id,
                        klass_id=klass_id,
                        name="学生",
                        added_by_id=owner,
                    )
                )
            for d in p["deadlines"]:
                deadlines.append(Deadline(case=case, **d))
            events.append(
                CaseEvent(case=case, kind="opened", at=case.opened_at, actor_id=owner, title="立案")
            )
            for day, title in p["log"]:
                events.append(
                    CaseEvent(case=case, kind="transition", at=at(day, 15), actor_id=owner, title=title)
                )
        Party.objects.bulk_create(parties, batch_size=5000)
        Deadline.objects.bulk_create(deadlines, batch_size=5000)
        CaseEvent.objects.bulk_create(events, batch_size=5000)
        n_cases += len(cases)
        n_parties += len(parties)
        n_deadlines += len(deadlines)
        n_events += len(events)
        if (start // batch) % 5 == 4:
            log(f"  ... {n_cases:,} cases ({n_cases / (time.perf_counter() - t0):,.0f}/s)")
    elapsed = time.perf_counter() - t0
    pending = Deadline.objects.filter(met_at__isnull=True, cancelled=False)
    overdue = pending.filter(due_on__lt=today).exclude(kind="appeal").count()
    soon = pending.filter(remind_on__lte=today, due_on__gte=today).exclude(kind="appeal").count()
    summary = (
        f"{n_cases:,} cases, {n_parties:,} parties, {n_deadlines:,} deadlines, {n_events:,} log events "
        f"inserted in {elapsed:.1f} s; open {sum(v for k, v in by_state.items() if k != 'closed'):,} "
        f"({', '.join(f'{k} {v:,}' for k, v in by_state.most_common() if k != 'closed')}); "
        f"pending deadlines {pending.count():,}, of them overdue {overdue:,} and in their reminder days {soon:,}"
    )
    log(summary)
    return summary


def _next_due(deadlines: list[dict[str, Any]]) -> dict[str, Any]:
    """``Case.next_due`` and ``due_unknown`` as ``deadlines.refresh_next_due`` keeps them."""
    pending = [
        d for d in deadlines if d["met_at"] is None and not d.get("cancelled") and d["kind"] != "appeal"
    ]
    dues = [d["due_on"] for d in pending if d["due_on"] is not None]
    return {"next_due": min(dues) if dues else None, "due_unknown": any(d["due_on"] is None for d in pending)}


def _plan(
    rng: random.Random,
    today: date,
    school: Any,
    policy: Any,
    state: str,
    clock: _Clock,
    at: Any,
    seq: Counter[tuple[int, int]],
) -> dict[str, Any]:
    """One case's dates, finding and deadlines, consistent with the state it is in."""
    rules = policy.rules
    remind = rules.get("remind_working_days", 2)

    def rule(kind: str, starts: date, met: date | None = None, cancelled: bool = False) -> dict[str, Any]:
        days, unit = rules[kind]["days"], rules[kind]["unit"]
        due, remind_on, gap = clock(starts, days, unit, remind)
        return {
            "kind": kind,
            "starts_on": starts,
            "days": days,
            "unit": unit,
            "due_on": due,
            "remind_on": remind_on,
            "calendar_gap": gap,
            "met_at": at(met, 11) if met else None,
            "cancelled": cancelled,
        }

    def fixed(starts: date, due: date, met: date | None = None) -> dict[str, Any]:
        return {
            "kind": "measure",
            "starts_on": starts,
            "days": (due - starts).days,
            "unit": "fixed",
            "due_on": due,
            "remind_on": clock.before(due, remind),
            "met_at": at(met, 11) if met else None,
        }

    def ago(low: int, high: int) -> date:
        return today - timedelta(days=rng.randint(low, high))

    # How long ago it was opened, by state (a few of the early states long ago: overdue).
    late = rng.random() < 0.15
    bullying = state != "not_bullying" and (state != "closed" or rng.random() < 0.6)
    opened = {
        "closed": ago(130, 730) if bullying else ago(30, 730),
        "accepted": ago(15, 30) if late else ago(0, 3),
        "emergency": ago(0, 2),
        "investigating": ago(15, 40) if late else ago(1, 13),
        "pending": ago(8, 20),
        "determined": ago(10, 25),
        "not_bullying": ago(10, 25),
        "measures": ago(20, 60),
        "aftercare": ago(40, 150),
        "reexamination": ago(20, 40),
        "referred": ago(5, 30),
    }[state]
    r = rng.random()
    gravity = "general" if r < 0.6 else "heavier" if r < 0.9 else "serious"
    investigated = min(opened + timedelta(days=rng.randint(3, 9)), today - timedelta(days=3))
    determined = min(investigated + timedelta(days=rng.randint(1, 4)), today - timedelta(days=2))
    notified = determined + timedelta(days=1)
    plan: dict[str, Any] = {
        "school": school,
        "policy": policy,
        "state": state,
        "opened": opened,
        "bullying": None,
        "gravity": "",
        "serious": False,
        "notified": None,
        "determined": determined,
        "closed": None,
        "deadlines": [],
        "log": [(opened, "已受理 → 调查中")],
    }
    seq[(school.pk, opened.year)] += 1
    plan["number"] = f"{school.code}-{opened.year}-{5000 + seq[(school.pk, opened.year)]:04d}"
    dls: list[dict[str, Any]] = plan["deadlines"]
    early = state in ("accepted", "emergency", "investigating")
    dls.append(rule("investigation", opened, met=None if early else investigated))
    if early or state == "pending":
        return plan
    plan["bullying"] = bullying
    plan["gravity"] = gravity if bullying else ""
    plan["serious"] = bullying and gravity == "serious"
    plan["log"] += [(investigated, "调查中 → 待认定"), (determined, "待认定 → 已认定")]
    if state == "referred":
        return plan
    if state in ("determined", "not_bullying"):
        # Served in the last few days: the parties' appeal window is open.
        plan["notified"] = max(ago(0, 4), notified)
        dls.append(rule("appeal", plan["notified"]))
        return plan
    plan["notified"] = notified
    if state == "reexamination":
        applied = max(ago(0, 14), notified + timedelta(days=2))
        plan["notified"] = applied - timedelta(days=2)
        dls.append(rule("appeal", plan["notified"], met=applied))
        dls.append(rule("reexamination", applied))
        return plan
    if state == "closed" and not bullying:
        dls.append(rule("appeal", notified, cancelled=True))
        plan["closed"] = notified + timedelta(days=rng.randint(6, 20))
        plan["log"].append((plan["closed"], "不构成欺凌 → 已结案"))
        return plan
    dls.append(rule("appeal", notified, cancelled=True))
    if state == "measures":
        for _m in range(rng.randint(1, 3)):
            due = today + timedelta(days=rng.randint(-10, 30))
            dls.append(fixed(notified, max(due, notified + timedelta(days=1))))
        plan["log"].append((notified, "已认定 → 处置中"))
        return plan
    measures_done = notified + timedelta(days=rng.randint(7, 25))
    dls.append(fixed(notified, measures_done, met=measures_done))
    aftercare = measures_done + timedelta(days=1)
    plan["log"] += [(notified, "已认定 → 处置中"), (aftercare, "处置中 → 跟踪回访")]
    for kind in ("visit_1w", "visit_1m", "visit_3m"):
        d = rule(kind, aftercare)
        if state == "closed" or (
            d["due_on"] is not None and d["due_on"] < today - timedelta(days=rng.randint(0, 3))
        ):
            d["met_at"] = at(d["due_on"] or aftercare, 15)
        dls.append(d)
    if state == "closed":
        last = max(d["due_on"] or aftercare for d in dls)
        plan["closed"] = min(last + timedelta(days=1), today - timedelta(days=1))
        plan["log"].append((plan["closed"], "跟踪回访 → 已结案"))
        if plan["closed"] < last:  # opened too recently for three visits: closed on its last visit
            for d in dls:
                d["met_at"] = d["met_at"] or at(plan["closed"], 11)
    return plan


def table_sizes(url: str, tables: tuple[str, ...] | None = None) -> list[tuple[str, int, str]]:
    import psycopg

    tables = tables or (
        "cases_case",
        "cases_party",
        "cases_deadline",
        "cases_caseevent",
        "cases_deadlinealert",
        "core_notification",
        "org_student",
        "org_unit",
    )
    out = []
    with psycopg.connect(url) as conn:
        for table in tables:
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            size = conn.execute(
                "SELECT pg_size_pretty(pg_table_size(%s::regclass)) || ' table + ' || "
                "pg_size_pretty(pg_indexes_size(%s::regclass)) || ' indexes'",
                (table, table),
            ).fetchone()[0]
            out.append((table, rows, size))
    return out


# --- measurements --------------------------------------------------------------------------------


def _people() -> list[tuple[str, Any, str]]:
    """(label, user, scope) of the three lists measured."""
    from django.db.models import Count

    from anxin.org.models import Role, RoleAssignment, Unit, UnitKind, User

    school = (
        Unit.objects.filter(kind=UnitKind.SCHOOL).annotate(n=Count("cases")).order_by("-n", "code").first()
    )
    county = max(
        Unit.objects.filter(kind=UnitKind.COUNTY),
        key=lambda c: (
            Unit.objects.filter(kind=UnitKind.SCHOOL, path__startswith=c.path).aggregate(n=Count("cases"))[
                "n"
            ],
            c.code,
        ),
    )
    principal = RoleAssignment.objects.get(role=Role.PRINCIPAL, unit=school).user
    admin = RoleAssignment.objects.filter(role=Role.COUNTY_ADMIN, unit=county).first().user
    city = User.objects.get(username="city_admin")
    return [
        ("(a) principal", principal, f"{school.name} ({school.code}), {school.n:,} cases"),
        ("(b) county admin", admin, f"{county.name} ({county.code})"),
        ("(b') city admin", city, "the whole city"),
    ]


def measure(args: argparse.Namespace, url: str) -> dict[str, Any]:
    import psycopg
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from anxin.cases import selectors
    from anxin.cases.models import Case
    from anxin.org.selectors import schools_where

    lines: list[str] = []
    p95: dict[str, float] = {}
    list_url = reverse("cases:list")
    for label, user, scope in _people():
        client = Client()
        client.force_login(user)

        def get(client: Client = client) -> Any:
            response = client.get(list_url)
            assert response.status_code == 200, (list_url, response.status_code, response.content[:300])
            return response

        with CaptureQueriesContext(connection) as ctx:
            get()
        captured = list(ctx.captured_queries)
        case_queries = [q["sql"] for q in captured if 'FROM "cases_case"' in q["sql"]]
        count_sql = next(q for q in case_queries if "COUNT(" in q)
        ids_sql = next(q for q in case_queries if "LIMIT" in q and "COUNT(" not in q)
        open_cases = selectors.case_list(user).count()
        page = timed(get, args.runs)
        p95[label] = pct(page, 95)
        lines.append(
            f"{label} GET {list_url} [{scope}; {open_cases:,} open cases in view] "
            f"({len(captured)} queries, {sum(float(q['time']) for q in captured) * 1000:.1f} ms SQL on one run): "
            f"{ms(page)}"
        )

        def selector(user: Any = user) -> None:
            cases = list(selectors.case_list(user)[:25])
            selectors.next_deadline_map([c.pk for c in cases])

        lines.append(
            f"    selector case_list(user)[:25] + next_deadline_map: {ms(timed(selector, args.runs))}"
        )
        with psycopg.connect(url) as conn:
            # The proposed selector change: the same query with the schools of the caller's reach as
            # ids (the path condition stays), so the (school, status, next_due) index can be used.
            school_ids = ", ".join(
                str(pk) for pk in schools_where(user, "case", "view").values_list("pk", flat=True)
            )
            by_school = ids_sql.replace(
                "WHERE (", f'WHERE ("cases_case"."school_id" IN ({school_ids}) AND ', 1
            )
            for name, sql in (
                ("page of ids", ids_sql),
                ("count", count_sql),
                ("ids + school_id IN", by_school),
            ):
                raw = timed(lambda sql=sql: conn.execute(sql).fetchall(), args.runs)
                lines.append(f"    raw SQL, the page's {name + ' query':18s}: {ms(raw)}")
                plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
                log(
                    f"\n{label}: the page's {name} query:\n  {sql}\n  EXPLAIN ANALYZE:\n"
                    + "\n".join("      " + r[0] for r in plan)
                )
        log(
            f"{label}: all page queries (ms on the captured run):\n"
            + "\n".join(f"  {float(q['time']) * 1000:7.1f}  {q['sql'][:160]}" for q in captured)
        )
    lines.insert(0, f"cases in the database: {Case.objects.count():,}")
    return {"lines": lines, "p95": p95}


def measure_sweep() -> tuple[list[str], float]:
    from django.core import mail

    from anxin.cases.models import Deadline
    from anxin.cases.sweep import sweep

    lines = []
    pending = Deadline.objects.filter(met_at__isnull=True, cancelled=False).exclude(kind="appeal").count()
    mail.outbox = []
    t0 = time.perf_counter()
    first = sweep()
    first_s = time.perf_counter() - t0
    lines.append(
        f"(c) sweep, first run over {pending:,} pending deadlines: {first_s:.2f} s — {first.as_dict()}, "
        f"{len(mail.outbox):,} e-mails"
    )
    mail.outbox = []
    t0 = time.perf_counter()
    second = sweep()
    second_s = time.perf_counter() - t0
    lines.append(
        f"(c) sweep, second run: {second_s:.2f} s — {second.as_dict()}, {len(mail.outbox):,} e-mails"
    )
    return lines, first_s


if __name__ == "__main__":
    sys.exit(main())
