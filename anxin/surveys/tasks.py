"""Background work of the survey: three days before a campaign closes, the leaders of every school
still under the reminder threshold are told once (the bureau may also remind by hand at any time)."""

from __future__ import annotations

from django_tasks import task

from anxin.core.periodic import periodic

from . import services


@periodic("surveys.remind_low_rates", every=24 * 3600)
@task
def remind_low_rates() -> int:
    return services.remind_due()


@periodic("surveys.forget_drafts", every=3600)
@task
def forget_drafts() -> int:
    return services.drafts_forget()
