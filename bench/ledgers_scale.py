"""Benchmark: ledger tables at 10 million rows on PostgreSQL.

    .venv/bin/python bench/ledgers_scale.py                       # throwaway PostgreSQL, 10,000,000 check-ins
    .venv/bin/python bench/ledgers_scale.py --rows 2000000 --runs 20
    .venv/bin/python bench/ledgers_scale.py --database-url postgres://anxin@127.0.0.1:5432/empty

Starts a throwaway PostgreSQL (or uses --database-url, an EMPTY database), migrates, loads a demo
city, grows one school to about 3,000 pupils (extra classes and pupils), creates patrol points for
every school, then COPYs N patrol check-ins (default 10,000,000) spread over every school's points
and the last two years, and one term of 1530 sessions (every class, every school day) for the big
school. After ANALYZE it measures, as that school's principal (Django test Client):

- the check-in list page ``GET /ledgers/patrol/checkins/`` (first page, default filters): p50/p95,
  and beside it the page's own list and count SQL run raw through psycopg (p50/p95, EXPLAIN);
- the API list ``GET /api/ledgers/patrol/checkins``: p50/p95;
- the Excel exports of a term for the big school: patrol check-ins and 1530 sessions (seconds, rows).

Targets (issue): list page p95 < 100 ms at 10M rows; a term's export for a 3,000-pupil school < 10 s.
The script reports PASS/FAIL against them but always exits 0 (it is a measurement, not a gate).
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
from contextlib import nullcontext
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from pgtemp import temporary_postgres  # noqa: E402

TERM = (date(2026, 3, 1), date(2026, 7, 15))  # spring term 2026 (the last complete term on 2026-11-28)
FINDINGS = [
    "地面湿滑，已放置警示牌",
    "楼道灯不亮",
    "消防通道有杂物堆放",
    "两名学生追逐打闹，已劝止",
    "门锁损坏",
]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 50) * 1000:6.1f} ms  p95 {pct(values, 95) * 1000:6.1f} ms  max {max(values) * 1000:6.1f} ms"


def log(msg: str) -> None:
    print(msg, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000, help="patrol check-ins to load")
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--schools", type=int, default=30, help="schools per district")
    parser.add_argument("--classes-per-grade", type=int, default=4)
    parser.add_argument("--students-per-class", type=int, default=45)
    parser.add_argument("--big-pupils", type=int, default=3000, help="pupils of the one big school")
    parser.add_argument("--runs", type=int, default=50, help="timed requests / queries each")
    parser.add_argument("--port", type=int, default=55447, help="port of the throwaway server")
    parser.add_argument(
        "--database-url", default=None, help="an EMPTY PostgreSQL database (default: throwaway)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # fsync off: a scratch server; the loads are about the table sizes, not about durability.
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

    log(f"database: {database_url}")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrate: {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    call_command(
        "demo",
        seed=args.seed,
        districts=args.districts,
        schools=args.schools,
        classes_per_grade=args.classes_per_grade,
        students_per_class=args.students_per_class,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    log(f"demo city: {time.perf_counter() - t0:.1f} s")

    big, principal = grow_big_school(args)
    points = make_points(big)
    load_checkins(args, database_url, points, big)
    n_sessions = load_sessions(database_url, big)

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s")

    sizes = table_sizes(database_url)
    results = measure(args, database_url, big, principal)

    # --- summary ---------------------------------------------------------------------------------
    log("\n=== summary ===")
    for table, rows, size in sizes:
        log(f"{table:34s} {rows:>12,} rows  {size}")
    log(
        f"big school: {big.name} ({big.code}), {results['pupils']:,} pupils, {results['classes']} classes, "
        f"{results['big_checkins']:,} check-ins in all, {n_sessions:,} 1530 sessions in the term"
    )
    for line in results["lines"]:
        log(line)
    page_ok = results["page_p95"] < 0.100
    export_ok = results["export_s"] < 10.0
    log(
        f"target list page p95 < 100 ms: {'PASS' if page_ok else 'FAIL'} ({results['page_p95'] * 1000:.1f} ms; "
        f"{results['page_p95_indexed'] * 1000:.1f} ms with the proposed index)"
    )
    log(f"target term export < 10 s:     {'PASS' if export_ok else 'FAIL'} ({results['export_s']:.2f} s)")
    connection.close()
    return 0


# --- data ----------------------------------------------------------------------------------------


def grow_big_school(args: argparse.Namespace) -> tuple[Any, Any]:
    """The school with the most classes, grown to about --big-pupils pupils; and its principal."""
    from django.db.models import Count

    from anxin.org.models import Role, RoleAssignment, Student, Unit, UnitKind

    t0 = time.perf_counter()
    big = (
        Unit.objects.filter(kind=UnitKind.SCHOOL)
        .annotate(n=Count("children__children"))
        .order_by("-n", "path")
        .first()
    )
    grades = list(Unit.objects.filter(parent=big, kind=UnitKind.GRADE).order_by("number"))
    per_class = args.students_per_class
    classes_needed = -(-args.big_pupils // per_class)
    per_grade = -(-classes_needed // len(grades))
    for grade in grades:
        have = Unit.objects.filter(parent=grade, kind=UnitKind.CLASS).count()
        for n in range(have + 1, per_grade + 1):
            Unit(
                kind=UnitKind.CLASS,
                code=f"{grade.code}B{n:02d}",
                name=f"{grade.name}{n}班",
                parent=grade,
                number=n,
            ).save()
    classes = list(Unit.objects.filter(school=big, kind=UnitKind.CLASS).order_by("path"))
    have = {k: 0 for k in classes}
    counts = dict(
        Student.objects.filter(school=big).values("klass").annotate(n=Count("id")).values_list("klass", "n")
    )
    rng = random.Random(args.seed)
    new = []
    total = sum(counts.values())
    for klass in classes:
        have[klass] = counts.get(klass.pk, 0)
    for klass in classes:
        while have[klass] < per_class and total < args.big_pupils:
            have[klass] += 1
            total += 1
            new.append(
                Student(
                    school=big,
                    klass=klass,
                    name=f"学生{total}",
                    gender=rng.choice("MF"),
                    student_no=f"B{klass.pk}{have[klass]:03d}",
                )
            )
    Student.objects.bulk_create(new, batch_size=2000)
    principal = RoleAssignment.objects.get(role=Role.PRINCIPAL, unit=big).user
    log(
        f"big school {big.name}: {len(classes)} classes, {Student.objects.filter(school=big).count():,} pupils "
        f"(+{len(new):,}) in {time.perf_counter() - t0:.1f} s; principal {principal.username}"
    )
    return big, principal


def make_points(big: Any) -> dict[int, list[tuple[int, bool]]]:
    """10 patrol points per school (2 dormitory floors at boarding schools), 40 at the big school."""
    from anxin.ledgers.patrol.models import PatrolPoint, PointType
    from anxin.org.models import SchoolProfile, Unit, UnitKind

    boarding = set(SchoolProfile.objects.filter(boarding=True).values_list("unit_id", flat=True))
    day_types = [
        PointType.TOILET,
        PointType.CANTEEN,
        PointType.CORRIDOR,
        PointType.CLASSROOM,
        PointType.PLAYGROUND,
        PointType.GATE,
        PointType.OTHER,
    ]
    rows = []
    for school in Unit.objects.filter(kind=UnitKind.SCHOOL).order_by("path"):
        n = 40 if school.pk == big.pk else 10
        dorms = (n // 4) if (school.pk in boarding or school.pk == big.pk) else 0
        for i in range(n):
            kind = PointType.DORM_FLOOR if i < dorms else day_types[i % len(day_types)]
            rows.append(
                PatrolPoint(
                    school=school,
                    name=f"{kind.label}{i + 1}",
                    place_type=kind,
                    building=f"{i // 8 + 1}号楼",
                    floor=str(i % 5 + 1),
                )
            )
    PatrolPoint.objects.bulk_create(rows, batch_size=2000)
    points: dict[int, list[tuple[int, bool]]] = {}
    for pk, school_id, kind in PatrolPoint.objects.values_list("pk", "school_id", "place_type"):
        points.setdefault(school_id, []).append((pk, kind == PointType.DORM_FLOOR))
    log(f"patrol points: {len(rows):,} at {len(points)} schools")
    return points


def load_checkins(
    args: argparse.Namespace, url: str, points: dict[int, list[tuple[int, bool]]], big: Any
) -> None:
    """COPY --rows check-ins, in time order (as they arrive), over the last two years."""
    import psycopg

    from anxin.org.models import RoleAssignment

    staff: dict[int, list[int]] = {}
    for user_id, unit_id in RoleAssignment.objects.filter(unit__kind="school").values_list(
        "user_id", "unit_id"
    ):
        staff.setdefault(unit_id, []).append(user_id)
    schools = sorted(points)
    cum, acc = [], 0
    for s in schools:
        acc += len(points[s])
        cum.append(acc)
    rng = random.Random(args.seed)
    end_day = date(2026, 11, 28)
    days = 730
    per_day = args.rows / days
    times = [f"{h:02d}:{m:02d}:{s:02d}+08" for h in range(24) for m in range(60) for s in range(60)]
    table = "ledger_patrol_patrolcheckin"

    with psycopg.connect(url, autocommit=True) as conn:
        # Load like pg_restore: plain indexes dropped and rebuilt afterwards, FK triggers off.
        idx = conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            (table,),
        ).fetchall()
        for name, _ in idx:
            conn.execute(f"DROP INDEX {name}")
        t0 = time.perf_counter()
        n = 0
        key = 0
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            cur = conn.cursor()
            cols = "school_id, point_id, recorded_by_id, recorded_at, created_at, client_key, finding, photo, needs_report"
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for d in range(days, 0, -1):
                    day = (end_day - timedelta(days=d - 1)).isoformat() + " "
                    count = int(per_day * (days - d + 1)) - int(per_day * (days - d))
                    chosen = rng.choices(schools, cum_weights=cum, k=count)
                    seconds = sorted(rng.randrange(6 * 3600, 86400) for _ in range(count))
                    buf = []
                    for school, sec in zip(chosen, seconds, strict=True):
                        point, dorm = rng.choice(points[school])
                        if dorm and 8 * 3600 <= sec < 18 * 3600:
                            sec = (sec + 10 * 3600) % 86400
                        ts = day + times[sec]
                        key += 1
                        r = rng.random()
                        finding = FINDINGS[int(r * 1000) % 5] if r < 0.05 else ""
                        buf.append(
                            f"{school}\t{point}\t{rng.choice(staff[school])}\t{ts}\t{ts}\t{key:032x}\t"
                            f"{finding}\t\t{'t' if r < 0.005 else 'f'}\n"
                        )
                    copy.write("".join(buf))
                    n += count
                    if d % 73 == 0:
                        log(f"  ... {n:,} rows, {n / (time.perf_counter() - t0):,.0f} rows/s")
        copy_s = time.perf_counter() - t0
        log(f"COPY patrol check-ins: {n:,} rows in {copy_s:.1f} s = {n / copy_s:,.0f} rows/s")
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        for _, ddl in idx:
            conn.execute(ddl)
        log(
            f"rebuilt {len(idx)} indexes in {time.perf_counter() - t0:.1f} s "
            f"({n / (copy_s + time.perf_counter() - t0):,.0f} rows/s including the indexes)"
        )


def load_sessions(url: str, big: Any) -> int:
    """One 1530 session for every class of the big school on every due day of the term (COPY)."""
    import psycopg

    from anxin.ledgers.education.schooldays import due_between
    from anxin.org.models import Role, RoleAssignment, Unit, UnitKind

    principal_id = RoleAssignment.objects.get(role=Role.PRINCIPAL, unit=big).user_id
    teachers = dict(
        RoleAssignment.objects.filter(role=Role.CLASS_TEACHER, unit__school=big).values_list(
            "unit_id", "user_id"
        )
    )
    classes = list(Unit.objects.filter(school=big, kind=UnitKind.CLASS).values_list("pk", flat=True))
    dues = due_between(*TERM)
    t0 = time.perf_counter()
    n = 0
    with (
        psycopg.connect(url, autocommit=True) as conn,
        conn.cursor().copy(
            "COPY ledger_education_safetysession (school_id, klass_id, recorded_by_id, date, kind, note, "
            "recorded_at, created_at, client_key) FROM STDIN"
        ) as copy,
    ):
        for due in dues:
            ts = f"{due.day.isoformat()} 15:35:00+08"
            for klass in classes:
                n += 1
                copy.write_row(
                    (
                        big.pk,
                        klass,
                        teachers.get(klass, principal_id),
                        due.day,
                        due.kind.value,
                        "",
                        ts,
                        ts,
                        f"{0xE000 << 112 | n:032x}",
                    )
                )
    log(
        f"COPY 1530 sessions: {n:,} rows ({len(classes)} classes x {len(dues)} school days, "
        f"{TERM[0]}..{TERM[1]}) in {time.perf_counter() - t0:.1f} s"
    )
    return n


def table_sizes(url: str) -> list[tuple[str, int, str]]:
    import psycopg

    out = []
    with psycopg.connect(url) as conn:
        for table in (
            "ledger_patrol_patrolcheckin",
            "ledger_education_safetysession",
            "ledger_patrol_patrolpoint",
            "org_student",
            "org_unit",
        ):
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            size = conn.execute(
                "SELECT pg_size_pretty(pg_table_size(%s::regclass)) || ' table + ' || "
                "pg_size_pretty(pg_indexes_size(%s::regclass)) || ' indexes'",
                (table, table),
            ).fetchone()[0]
            out.append((table, rows, size))
    return out


# --- measurements --------------------------------------------------------------------------------


def timed(fn: Any, runs: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def measure(args: argparse.Namespace, url: str, big: Any, principal: Any) -> dict[str, Any]:
    import psycopg
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from anxin.ledgers.education.models import SafetySession
    from anxin.ledgers.patrol.models import PatrolCheckin
    from anxin.org.models import Student, Unit, UnitKind

    setup_test_environment()
    client = Client()
    client.force_login(principal)
    lines: list[str] = []

    def get(path: str, **params: Any) -> Any:
        response = client.get(path, params)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        return response

    list_url = reverse("ledgers:patrol_list")
    with CaptureQueriesContext(connection) as ctx:
        get(list_url)
    captured = list(ctx.captured_queries)  # a view on connection.queries, reset by the next request
    page_queries = [q["sql"] for q in captured]
    db_ms = sum(float(q["time"]) for q in captured) * 1000
    main_sql = next(
        q
        for q in page_queries
        if 'FROM "ledger_patrol_patrolcheckin"' in q and "LIMIT" in q and "COUNT(" not in q
    )
    count_sql = next(q for q in page_queries if 'FROM "ledger_patrol_patrolcheckin"' in q and "COUNT(" in q)

    page = timed(lambda: get(list_url), args.runs)
    lines.append(
        f"list page GET {list_url} ({len(page_queries)} queries, {db_ms:.1f} ms in SQL on one run): "
        f"{ms(page)}"
    )

    raw: dict[str, list[float]] = {}
    plans: dict[str, str] = {}
    with psycopg.connect(url) as conn:
        for name, sql in (("list", main_sql), ("count", count_sql)):
            raw[name] = timed(lambda sql=sql: conn.execute(sql).fetchall(), args.runs)
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
            plans[name] = "\n".join("      " + r[0] for r in plan)
        lines.append(f"  raw SQL list query  (psycopg): {ms(raw['list'])}")
        lines.append(f"  raw SQL count query (psycopg): {ms(raw['count'])}")
    log("\nlist page main query:\n  " + main_sql + "\n  EXPLAIN ANALYZE:\n" + plans["list"])
    log("list page count query:\n  " + count_sql + "\n  EXPLAIN ANALYZE:\n" + plans["count"])
    log(
        "all page queries (ms on the captured run):\n"
        + "\n".join(f"  {float(q['time']) * 1000:7.1f}  {q['sql'][:150]}" for q in captured)
    )

    # The proposed fix, measured in the same database: a (school_id, recorded_at DESC) index, and the
    # page's queries bounded to the period it shows (last 7 days) and filtered by school_id directly.
    with psycopg.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute(
            "CREATE INDEX bench_checkin_school_time ON ledger_patrol_patrolcheckin "
            "(school_id, recorded_at DESC)"
        )
        conn.execute("ANALYZE ledger_patrol_patrolcheckin")
        lines.append(
            f"with proposed index (school_id, recorded_at DESC) [built in {time.perf_counter() - t0:.1f} s]:"
        )
    page2 = timed(lambda: get(list_url), args.runs)
    with CaptureQueriesContext(connection) as ctx2:
        get(list_url)
    captured2 = list(ctx2.captured_queries)
    lines.append(
        f"  list page GET {list_url} (unchanged code, all-time count): {ms(page2)}; "
        f"{sum(float(q['time']) for q in captured2) * 1000:.1f} ms in SQL"
    )
    since = "(now() - interval '7 days')::date"
    bounded_list = main_sql.replace(
        'WHERE "org_unit"."path"::text LIKE',
        f'WHERE "ledger_patrol_patrolcheckin"."school_id" = {big.pk} AND '
        f'"ledger_patrol_patrolcheckin"."recorded_at" >= {since} AND "org_unit"."path"::text LIKE',
    )
    bounded_count = count_sql.replace(
        'WHERE "org_unit"."path"::text LIKE',
        f'WHERE "ledger_patrol_patrolcheckin"."school_id" = {big.pk} AND '
        f'"ledger_patrol_patrolcheckin"."recorded_at" >= {since} AND "org_unit"."path"::text LIKE',
    )
    with psycopg.connect(url) as conn:
        for name, sql in (
            ("list", main_sql),
            ("count", count_sql),
            ("bounded list", bounded_list),
            ("bounded count", bounded_count),
        ):
            lines.append(
                f"  raw SQL {name + ' query':20s}: {ms(timed(lambda sql=sql: conn.execute(sql).fetchall(), args.runs))}"
            )
            if name.startswith("bounded"):
                plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
                log(f"proposed {name} query:\n  {sql[-400:]}\n" + "\n".join("      " + r[0] for r in plan))
    log(
        "page queries with the index (ms):\n"
        + "\n".join(f"  {float(q['time']) * 1000:7.1f}  {q['sql'][:150]}" for q in captured2)
    )
    page_p95_indexed = pct(page2, 95)

    api_url = "/api/ledgers/patrol/checkins"
    api = timed(lambda: get(api_url), args.runs)
    lines.append(f"API GET {api_url}: {ms(api)}")

    # The term's exports for the big school.
    start, end = TERM
    export_url = reverse("ledgers:patrol_checkin_export")
    t0 = time.perf_counter()
    r1 = get(export_url, start=start.isoformat(), end=end.isoformat())
    patrol_s = time.perf_counter() - t0
    tz_rows = PatrolCheckin.objects.filter(
        school=big, recorded_at__date__gte=start, recorded_at__date__lte=end
    ).count()
    lines.append(
        f"export patrol check-ins {start}..{end}: {tz_rows:,} rows, {len(r1.content) / 1e6:.1f} MB xlsx, "
        f"{patrol_s:.2f} s"
    )
    url_1530 = reverse("ledgers:education_1530_export")
    t0 = time.perf_counter()
    r2 = get(url_1530, **{"from": start.isoformat(), "to": end.isoformat()})
    s1530 = time.perf_counter() - t0
    n1530 = SafetySession.objects.filter(school=big, date__gte=start, date__lte=end).count()
    lines.append(
        f"export 1530 sessions {start}..{end}: {n1530:,} rows, {len(r2.content) / 1e6:.1f} MB xlsx, "
        f"{s1530:.2f} s"
    )
    lines.append(f"term export total (both files): {patrol_s + s1530:.2f} s")

    classes = Unit.objects.filter(school=big, kind=UnitKind.CLASS).count()
    return {
        "lines": lines,
        "page_p95": pct(page, 95),
        "page_p95_indexed": page_p95_indexed,
        "export_s": patrol_s + s1530,
        "pupils": Student.objects.filter(school=big).count(),
        "classes": classes,
        "big_checkins": PatrolCheckin.objects.filter(school=big).count(),
    }


if __name__ == "__main__":
    sys.exit(main())
