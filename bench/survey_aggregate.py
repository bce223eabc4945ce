"""Benchmark: 1,000,000 survey answers aggregated into a county's results on PostgreSQL (issue 13).

    .venv/bin/python bench/survey_aggregate.py                   # throwaway PostgreSQL 15 on port 54341
    .venv/bin/python bench/survey_aggregate.py --answers 200000 --runs 3
    .venv/bin/python bench/survey_aggregate.py --database-url postgres://anxin@127.0.0.1:5432/empty

Starts a throwaway PostgreSQL (fsync off; or uses --database-url, an EMPTY database), migrates, and
makes one county of --schools schools (grades 3–9, --classes classes a grade) with its administrator,
a closed campaign of last term and this term's campaign. It then inserts --answers answers into this
term's campaign server-side (``INSERT … SELECT`` over ``generate_series``: the answers' frequencies
skewed towards 没有, follow-up items only for pupils who said they were bullied, as the service
stores them), and a tenth as many into last term's, then ``VACUUM ANALYZE``.

It measures, each p50/p95 over --runs runs after one warm-up:

- the county's results, ``anxin.surveys.selectors.results(county_admin, campaign)``: every
  breakdown (schools, grades, gender, forms, places, time bands, hotspots, the term-on-term trend)
  with the small-cell protection, i.e. everything the results page shows;
- the results page itself, ``GET /surveys/<id>/results/`` as the county administrator;
- beside them, the raw ``GROUP BY school_id`` (answers and prevalence per school) through psycopg.

It prints the data size (rows, table and index size). Target: the county's results < 10 s.
Prints PASS/FAIL, always exits 0 (a measurement, not a gate).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ledgers_scale import log, ms, pct, timed  # noqa: E402
from pgtemp import temporary_postgres  # noqa: E402

GRADES = (3, 4, 5, 6, 7, 8, 9)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--classes", type=int, default=6, help="classes per grade")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=54341)
    parser.add_argument("--database-url", default="")
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


def build(args: argparse.Namespace) -> tuple[Any, Any, Any, int]:
    from django.utils import timezone

    from anxin.org import services as org
    from anxin.org.models import Role, Stage, Unit, UnitKind, User
    from anxin.surveys.models import Campaign

    t0 = time.perf_counter()
    city = org.unit_create(actor=None, parent=None, kind=UnitKind.CITY, code="3799", name="基准市")
    county = org.unit_create(actor=None, parent=city, kind=UnitKind.COUNTY, code="379901", name="基准区")
    classes: list[Unit] = []
    for s in range(args.schools):
        school = org.school_create(
            actor=None, county=county, code=f"379901{s:04d}", name=f"基准第{s + 1}学校", stage=Stage.NINE_YEAR
        )
        for g in GRADES:
            grade = org.unit_create(
                actor=None,
                parent=school,
                kind=UnitKind.GRADE,
                code=f"{school.code}-G{g}",
                name=f"{g}年级",
                number=g,
            )
            for c in range(1, args.classes + 1):
                classes.append(
                    org.unit_create(
                        actor=None,
                        parent=grade,
                        kind=UnitKind.CLASS,
                        code=f"{grade.code}-C{c}",
                        name=f"{g}年级({c})班",
                        number=c,
                    )
                )
    admin = User.objects.create(username="bench_county", full_name="区管理员")
    org.role_assign(actor=None, user=admin, role=Role.COUNTY_ADMIN, unit=county)
    today = timezone.localdate()
    last = Campaign.objects.create(
        bureau=county,
        unit_path=county.path,
        title="上学期专项调查",
        starts_on=today - timedelta(days=160),
        ends_on=today - timedelta(days=146),
        created_by=admin,
    )
    now = Campaign.objects.create(
        bureau=county,
        unit_path=county.path,
        title="本学期专项调查",
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=7),
        created_by=admin,
    )
    log(f"county: {args.schools} schools, {len(classes)} classes ({time.perf_counter() - t0:.1f} s)")
    return admin, last, now, len(classes)


INSERT = """
INSERT INTO surveys_response
  (id, campaign_id, school_id, klass_id, unit_path, grade, version, day, gender, victim, perpetrator,
   f_hit, f_names, f_left_out, f_rumours, f_property, f_threats, f_sexual, f_online,
   place, time_band, answers, safe, comment)
SELECT gen_random_uuid(), %(campaign)s, k.school_id, k.id, k.path, g.number, 'v1', %(day)s,
       (ARRAY['M','F','N',''])[1 + floor(random() * 4)::int],
       v.victim, floor(power(random(), 4) * 5)::int,
       CASE WHEN v.victim > 0 THEN floor(power(random(), 2) * 5)::int ELSE 0 END,
       CASE WHEN v.victim > 0 THEN floor(power(random(), 1.5) * 5)::int ELSE 0 END,
       CASE WHEN v.victim > 0 THEN floor(power(random(), 2) * 5)::int ELSE 0 END,
       CASE WHEN v.victim > 0 THEN floor(power(random(), 2) * 5)::int ELSE 0 END,
       CASE WHEN v.victim > 0 THEN floor(power(random(), 3) * 5)::int ELSE 0 END,
       CASE WHEN v.victim > 0 THEN floor(power(random(), 4) * 5)::int ELSE 0 END,
       CASE WHEN v.victim > 0 THEN floor(power(random(), 5) * 5)::int ELSE 0 END,
       CASE WHEN v.victim > 0 THEN floor(power(random(), 3) * 5)::int ELSE 0 END,
       CASE WHEN v.victim > 0 THEN (ARRAY['toilet','dormitory','canteen','corridor','classroom','playground','gate','commute','online','other'])[1 + floor(random() * 10)::int] ELSE '' END,
       CASE WHEN v.victim > 0 THEN (ARRAY['break','noon','evening_study','after_lights_out','commute','holiday','other'])[1 + floor(random() * 7)::int] ELSE '' END,
       '{}'::jsonb, floor(power(random(), 2) * 4)::int, ''
FROM org_unit k
JOIN org_unit g ON g.id = k.parent_id
CROSS JOIN generate_series(1, %(per_class)s) AS n
CROSS JOIN LATERAL (SELECT floor(power(random(), 3) * 5)::int + 0 * n AS victim) AS v
WHERE k.kind = 'class' AND k.path LIKE %(path)s
"""


def load(last: Any, now: Any, classes: int, answers: int) -> None:
    from django.db import connection, transaction

    per_class = max(1, answers // classes)
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            INSERT,
            {"campaign": now.pk, "day": now.starts_on, "per_class": per_class, "path": now.unit_path + "%"},
        )
        cur.execute(
            INSERT,
            {
                "campaign": last.pk,
                "day": last.starts_on,
                "per_class": max(1, per_class // 10),
                "path": now.unit_path + "%",
            },
        )
    log(
        f"answers: {per_class * classes:,} this term + {max(1, per_class // 10) * classes:,} last term inserted ({time.perf_counter() - t0:.1f} s)"
    )


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
    from django.test import Client
    from django.test.utils import setup_test_environment

    from anxin.surveys import selectors
    from anxin.testing import verify_client_session

    setup_test_environment()
    log(f"database: {database_url}")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrate: {time.perf_counter() - t0:.1f} s")
    admin, last, now, classes = build(args)
    load(last, now, classes, args.answers)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE surveys_response")
        cur.execute(
            "SELECT count(*), pg_size_pretty(pg_relation_size('surveys_response')), "
            "pg_size_pretty(pg_indexes_size('surveys_response')) FROM surveys_response"
        )
        rows, table_size, index_size = cur.fetchone()
    log(f"VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s")

    res = selectors.results(admin, now)
    assert res.total.n >= args.answers * 0.9 and len(res.by_school) == args.schools, (
        res.total.n,
        len(res.by_school),
    )
    county_times = timed(lambda: selectors.results(admin, now), args.runs, warm=1)

    client = Client()
    client.force_login(admin)
    verify_client_session(client, admin)
    url = f"/surveys/{now.pk}/results/"
    assert client.get(url).status_code == 200
    page_times = timed(lambda: client.get(url), args.runs, warm=1)

    raw_sql = (
        "SELECT school_id, count(*), count(*) FILTER (WHERE victim >= 2) FROM surveys_response "
        "WHERE campaign_id = %s AND unit_path LIKE %s GROUP BY school_id"
    )

    def raw() -> None:
        with connection.cursor() as cur:
            cur.execute(raw_sql, [now.pk, now.unit_path + "%"])
            cur.fetchall()

    raw_times = timed(raw, args.runs, warm=1)

    log("\n=== summary ===")
    log(f"data: {rows:,} answers in surveys_response, table {table_size}, indexes {index_size}")
    log(
        f"county results: {res.total.n:,} answers, {len(res.by_school)} schools, prevalence "
        f"{res.total.pct} ({res.total.ci}), {sum(c.hidden for c in res.by_school)} school cells hidden"
    )
    log(f"county results (selectors.results, every breakdown): {ms(county_times)}")
    log(f"county results page GET {url}:                 {ms(page_times)}")
    log(f"raw GROUP BY school_id (one query):                {ms(raw_times)}")
    p95 = pct(county_times, 95)
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    log(
        f"target county results < 10 s: {'PASS' if p95 < 10 else 'FAIL'} (p95 {p95:.2f} s; "
        f"load average {load_avg:.1f} on {os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
