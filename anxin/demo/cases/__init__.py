"""The demo city's cases (``anxin demo``): the scenario cases of SCENARIOS.md and a light spread.

At 城关第二中学, the scenarios' junior middle school (:mod:`.scenarios`):

- story 1: 刘小磊's urgent report from the dormitory after lights-out, acknowledged by the leader
  on duty, the case opened from it and left in 紧急处置 with the emergency steps recorded, and the
  school's reply to him next morning (his receipt code derives from the seed and is printed);
- story 3: the mother's hotline report about 初一(5)班, opened on 2026-09-24 under 城关区's
  working-day policy (investigation due 2026-10-15, the sweep's reminder on 2026-10-13), the
  committee (nine members, seven present) finds bullying, verbal and cyber, 较重, measures are set
  and the finding is served so recently that the appeal window is open;
- story 4: a finding one family appealed on day 3, upheld by the county's panel, the case now in
  aftercare with two of its three visits recorded;
- story 5: the 初三 boy whose wrist was broken in the toilet: 严重, the bureau told, the police
  referral recorded.

Elsewhere a few cases per county in every state, some overdue (:mod:`.spread`), so that lists and
the bureau's pages have something to show.

Every case is made by the services (``case_open``, ``case_act``), so its log, deadlines,
notifications and audit events are those the application writes; :mod:`.timeline` moves each
step to its day in the story. The two reports the stories start from are stored as the intake
stores them, without running its triage (see :data:`.scenarios.REPORT_LEI`).

Deterministic for a seed and a city (names, choices, the receipt), apart from the dates that count
back from today.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.cases.models import Case
from anxin.cases.sweep import sweep

from .scenarios import Scenarios
from .spread import Spread

Progress = Callable[[str], None]


@dataclass
class DemoCases:
    cases: int
    #: 刘小磊's receipt code (story 1), "" when the city has no 城关第二中学.
    receipt: str
    elapsed: float
    #: Overdue deadlines the closing sweep reported to their school's principal.
    escalated: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {"cases": self.cases}


def demo_cases_build(*, seed: int, progress: Progress | None = None) -> DemoCases:
    """Make the demo's cases in the demo city just loaded (one transaction)."""
    from faker import Faker

    started = time.monotonic()
    rng = random.Random(f"anxin-demo:{seed}:cases")
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    today = timezone.localdate()
    with transaction.atomic():
        queued = len(connection.run_on_commit)
        before = Case.objects.count()
        receipt = Scenarios(rng, fake, today).tell()
        Spread(rng, fake, today).tell()
        # The running platform sweeps the deadlines every 15 minutes: the demo's overdue cases have
        # been reminded and escalated by now, so the principals and the county see them (SCENARIOS §7).
        swept = sweep()
        # The people are invented and so are their addresses: the e-mails and text messages the
        # services queued for after the commit are dropped, nothing leaves the machine.
        del connection.run_on_commit[queued:]
        made = Case.objects.count() - before
    result = DemoCases(
        cases=made,
        receipt=receipt,
        elapsed=time.monotonic() - started,
        escalated=swept.counts.get("principal", 0),
    )
    if progress:
        message = _("演示案件：%(n)s 件，%(e)s 个逾期期限已上报校长（%(seconds).1f 秒）") % {
            "n": result.cases,
            "e": result.escalated,
            "seconds": result.elapsed,
        }
        if receipt:
            message += _("；刘小磊（城关第二中学）的回执码 %(receipt)s") % {"receipt": receipt}
        progress(message)
    return result


__all__ = ["DemoCases", "demo_cases_build"]
