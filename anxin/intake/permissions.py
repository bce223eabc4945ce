"""Reports in the permission matrix. Reports stay in the school; the bureau sees cases, not reports."""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, internal, register
from anxin.org.models import Role

S, OWN = Scope.SCHOOL, Scope.OWN
R = Role

#: Who runs the school's intake queue. The leader on duty is among them: an urgent report at night
#: goes to them first and they must be able to open and acknowledge it (SCENARIOS.md §1).
QUEUE = (R.PRINCIPAL, R.VICE_PRINCIPAL, R.MORAL_DIRECTOR, R.SAFETY_OFFICER, R.DUTY_STAFF)
#: Everyone else in a school: they may take a report (首问负责) and follow the ones they hold.
FRONT_LINE = (R.LEGAL_VP, R.PSYCH_TEACHER, R.CLASS_TEACHER, R.COUNSELLOR, R.GATE_GUARD, R.DORM_STAFF)

register(
    Resource(
        name="report",
        label="举报（爱心信箱及各渠道）",
        models=("intake.Report", "intake.Message", "intake.Photo"),
        path_field="school__path",
        path_of=lambda obj: (obj.school if hasattr(obj, "school_id") else obj.report.school).path,
        owner_field=("owner", "recorded_by"),
        actions={
            "view": {**{r: S for r in QUEUE}, **{r: OWN for r in FRONT_LINE}},
            "record": {r: S for r in QUEUE + FRONT_LINE},
            "handle": {r: S for r in QUEUE},
            "reply": {**{r: S for r in QUEUE}, **{r: OWN for r in FRONT_LINE}},
        },
    )
)

register(
    Resource(
        name="alarm_device",
        label="报警装置",
        models=("intake.Device",),
        path_field="school__path",
        path_of=lambda obj: obj.school.path,
        actions={"manage": {R.PRINCIPAL: S, R.SAFETY_OFFICER: S}},
    )
)

# Bookkeeping read only through their report or device: an escalation's steps, a device's used signatures.
internal("intake.Escalation", "intake.DeviceCall")
