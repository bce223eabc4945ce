"""Benchmark: run the early-warning rules over a whole demo city (300 schools).

    .venv/bin/python bench/warnings_eval.py            # SQLite in a temporary directory

Loads ``anxin demo --districts 10 --schools 30 --classes-per-grade 4 --students-per-class 10`` into a
fresh database, adds synthetic ledger rows to every school (talks naming classmates, an overdue
care plan, a key place with repeated hazards one of them overdue, an urgent report nobody
acknowledged), then times ``evaluate_all`` twice: the first run raises the warnings, the second
only finds them again (the cron case). Exits 1 when the first run exceeds the budget (60 s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--schools", type=int, default=30, help="schools per district")
    parser.add_argument("--classes-per-grade", type=int, default=4)
    parser.add_argument("--students-per-class", type=int, default=10)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def add_ledger_rows() -> dict[str, int]:
    """A little trouble at every school, written in bulk."""
    from django.utils import timezone

    from anxin.intake.models import Channel, Report
    from anxin.ledgers.care.models import CarePlan, Talk
    from anxin.ledgers.hazards.models import Hazard, HazardStatus, KeyPlace, PlaceKind
    from anxin.org.models import RoleAssignment, Student, Unit, UnitKind

    today = timezone.localdate()
    staff = dict(RoleAssignment.objects.filter(unit__kind=UnitKind.SCHOOL).values_list("unit_id", "user_id"))
    talks, plans, places, reports = [], [], [], []
    named: list[tuple[int, int]] = []  # (talk index, named student id)
    for school in Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True):
        user = staff.get(school.pk)
        if user is None:
            continue
        pupils = list(Student.objects.filter(school=school).order_by("pk").values_list("pk", flat=True)[:6])
        if len(pupils) < 6:
            continue
        for i, about in enumerate(pupils[2:6]):
            talks.append(
                Talk(
                    school=school,
                    recorded_by_id=user,
                    student_id=about,
                    talked_on=today - timedelta(days=i + 1),
                    topic="peers",
                    content="她们不让她跟我们玩",
                    mood="low",
                    peers="tense",
                )
            )
            named.append((len(talks) - 1, pupils[i % 2]))
        plans.append(
            CarePlan(
                school=school,
                recorded_by_id=user,
                student_id=pupils[0],
                owner_id=user,
                goals="g",
                measures="m",
                next_review_on=today - timedelta(days=3),
            )
        )
        places.append(
            KeyPlace(school=school, name="宿舍楼后楼梯（基准）", kind=PlaceKind.STAIRS, responsible_id=user)
        )
        reports.append(
            Report(
                school=school,
                channel=Channel.BOX,
                text="有人带刀",
                urgent=True,
                place="dormitory",
                time_band="after_lights_out",
                names_involved=None,
                fingerprint=f"bench-{school.pk}",
            )
        )
    Talk.objects.bulk_create(talks, batch_size=2000)
    Talk.named_students.through.objects.bulk_create(
        [Talk.named_students.through(talk_id=talks[i].pk, student_id=s) for i, s in named], batch_size=2000
    )
    CarePlan.objects.bulk_create(plans, batch_size=2000)
    KeyPlace.objects.bulk_create(places, batch_size=2000)
    hazards = []
    for place in places:
        user = place.responsible_id
        hazards.append(
            Hazard(school_id=place.school_id, recorded_by_id=user, place=place, description="灯坏")
        )
        hazards.append(
            Hazard(
                school_id=place.school_id,
                recorded_by_id=user,
                place=place,
                description="门锁坏",
                status=HazardStatus.RECTIFYING,
                owner_id=user,
                deadline=today - timedelta(days=2),
            )
        )
    Hazard.objects.bulk_create(hazards, batch_size=2000)
    Report.objects.bulk_create(reports, batch_size=2000)
    Report.objects.filter(fingerprint__startswith="bench-").update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    return {
        "talks": len(talks),
        "named": len(named),
        "care_plans": len(plans),
        "key_places": len(places),
        "hazards": len(hazards),
        "urgent_reports": len(reports),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="anxin-bench-warn-"))
    os.environ["ANXIN_VAR_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    import io

    from django.core.management import call_command
    from django.db import connection

    from anxin.org.models import Student, Unit, UnitKind
    from anxin.warnings.models import Warning
    from anxin.warnings.services import evaluate_all

    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command(
            "demo",
            districts=args.districts,
            schools=args.schools,
            classes_per_grade=args.classes_per_grade,
            students_per_class=args.students_per_class,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        extra = add_ledger_rows()
        load_s = time.perf_counter() - t0
        schools = Unit.objects.filter(kind=UnitKind.SCHOOL).count()
        classes = Unit.objects.filter(kind=UnitKind.CLASS).count()
        print(
            f"database: {connection.vendor}; {schools} schools, {classes:,} classes, "
            f"{Student.objects.count():,} pupils; loaded in {load_s:.1f} s"
        )
        print("synthetic rows: " + ", ".join(f"{k} {v:,}" for k, v in extra.items()))
        t0 = time.perf_counter()
        first = evaluate_all()
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = evaluate_all()
        second_s = time.perf_counter() - t0
        print(
            f"first evaluation: {first_s:.1f} s ({first_s / max(first.schools, 1) * 1000:.0f} ms/school), "
            f"{first.candidates:,} candidates, {first.created:,} warnings raised, {len(first.failed)} rule failures"
        )
        print(
            f"second evaluation: {second_s:.1f} s, created {second.created}, merged {second.merged}, "
            f"unchanged {second.unchanged:,}; warnings stored: {Warning.objects.count():,}"
        )
        if first_s > args.budget:
            print(f"FAIL: over the {args.budget:.0f} s budget", file=sys.stderr)
            return 1
        print(f"OK: within the {args.budget:.0f} s budget")
        return 0
    finally:
        connection.close()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
