"""The case procedure as one table of transitions (DOMAIN.md §3), run by django-fsm-2.

Each :class:`Step` names the action, the states it may be taken from, the state it leads to
(``None``: the case stays where it is — a record such as a guardian contact or a visit), the
permission-matrix action it needs (``handle`` / ``determine`` / ``bureau``), and whether it only
applies to some cases. :class:`CaseWorkflow` turns the table into django-fsm transition methods
on :class:`~anxin.cases.models.Case`; services call them under a row lock, so an illegal move
raises ``TransitionNotAllowed`` (answered 409) and two people moving the same case at once
cannot both win.

Inputs and their validation live in :mod:`.forms` (one form per action); what each transition
does beyond moving the state lives in :mod:`.services`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, transition

from .states import DeadlineKind
from .states import State as S

OPEN_STATES = tuple(s for s in S if s != S.CLOSED)
#: Before the committee has decided: the matter may still go to the police straight away.
BEFORE_FINDING = (S.ACCEPTED, S.EMERGENCY, S.INVESTIGATING, S.PENDING)
#: A finding is in force and may be appealed (DOMAIN.md §3.8): whatever the school has done since,
#: measures, aftercare or a police referral, the parties' right to re-examination lasts as long as
#: the 复查申请期限 (see :func:`appeal_open`).
APPEALABLE = (S.DETERMINED, S.NOT_BULLYING, S.MEASURES, S.AFTERCARE, S.REFERRED)


def appeal_open(case: Any) -> bool:
    """A finding exists and its appeal window has not closed: either the result has not been
    served yet (the window has not started) or the 复查申请期限 is still pending."""
    if case.is_bullying is None:
        return False  # e.g. referred to the police before any finding
    appeals = case.deadlines.filter(kind=DeadlineKind.APPEAL, cancelled=False)
    if not appeals.exists():
        return True
    return appeals.filter(met_at__isnull=True).exists()


@dataclass(frozen=True)
class Step:
    name: str
    label: Any
    sources: tuple[str, ...]
    #: A state, ``None`` to stay, or a tuple of the states the service may choose between.
    target: str | tuple[str, ...] | None
    #: The permission-matrix action of resource ``case`` it needs.
    permission: str
    #: True when it moves the case to another state (shown as the case's main buttons).
    moves: bool = True
    #: Only offered when this holds for the case (e.g. the bureau's acknowledgement of a serious case).
    applies: Callable[[Any], bool] | None = None
    help: Any = ""


TABLE: tuple[Step, ...] = (
    Step(
        "emergency",
        _("紧急处置"),
        (S.ACCEPTED,),
        S.EMERGENCY,
        "handle",
        help=_("隔离学生、救治、通知家长、心理疏导：逐项记录。"),
    ),
    Step("investigate", _("开始调查"), (S.ACCEPTED, S.EMERGENCY), S.INVESTIGATING, "handle"),
    Step(
        "submit",
        _("提请委员会认定"),
        (S.INVESTIGATING,),
        S.PENDING,
        "handle",
        help=_("写明调查结论，提交学生欺凌治理委员会。"),
    ),
    Step(
        "determine",
        _("委员会认定"),
        (S.PENDING,),
        (S.DETERMINED, S.NOT_BULLYING),
        "determine",
        help=_("记录会议、出席委员、各项要件及证据、认定结论和家长参与情况。"),
    ),
    Step(
        "notify_result",
        _("送达认定结果"),
        (S.DETERMINED, S.NOT_BULLYING),
        None,
        "handle",
        moves=False,
        help=_("书面告知当事学生及家长；复查申请期限自送达之日起算。"),
    ),
    Step(
        "apply_reexam",
        _("登记复查申请"),
        APPEALABLE,
        S.REEXAMINATION,
        "handle",
        applies=appeal_open,
        help=_(
            "当事人对认定结果不服，在期限内向县（区）教体局申请复查；期限内无论案件进行到哪一步都可申请。"
        ),
    ),
    Step(
        "assign_panel",
        _("组成复查小组"),
        (S.REEXAMINATION,),
        None,
        "bureau",
        moves=False,
        help=_("复查小组由学校代表、家长代表和校外专家组成。"),
    ),
    Step(
        "decide_reexam",
        _("作出复查决定"),
        (S.REEXAMINATION,),
        (S.DETERMINED, S.NOT_BULLYING, S.MEASURES, S.AFTERCARE, S.REFERRED, S.INVESTIGATING),
        "bureau",
    ),
    Step(
        "refer_police",
        _("移送公安机关"),
        (*BEFORE_FINDING, S.DETERMINED, S.MEASURES),
        S.REFERRED,
        "determine",
        help=_("涉嫌违法犯罪的，移送公安机关，并立即报告教育局。"),
    ),
    Step("start_measures", _("落实处理措施"), (S.DETERMINED, S.REFERRED), S.MEASURES, "handle"),
    Step(
        "start_aftercare",
        _("进入跟踪回访"),
        (S.MEASURES,),
        S.AFTERCARE,
        "handle",
        help=_("按规则安排一周、一月、三月回访。"),
    ),
    Step("close", _("结案"), (S.AFTERCARE, S.NOT_BULLYING, S.REFERRED), S.CLOSED, "determine"),
    # Records: the case stays where it is.
    Step("add_party", _("添加当事人"), OPEN_STATES, None, "handle", moves=False),
    Step("contact_guardian", _("记录家长联系"), OPEN_STATES, None, "handle", moves=False),
    Step("add_note", _("记录调查/处置情况"), OPEN_STATES, None, "handle", moves=False),
    Step("attach", _("上传附件"), OPEN_STATES, None, "handle", moves=False),
    Step(
        "add_measure",
        _("添加处理措施"),
        (S.DETERMINED, S.NOT_BULLYING, S.REFERRED, S.MEASURES, S.AFTERCARE),
        None,
        "handle",
        moves=False,
    ),
    Step(
        "complete_measure",
        _("措施完成"),
        (S.DETERMINED, S.NOT_BULLYING, S.REFERRED, S.MEASURES, S.AFTERCARE),
        None,
        "handle",
        moves=False,
    ),
    Step("record_visit", _("记录回访"), (S.AFTERCARE,), None, "handle", moves=False),
    Step("reassign", _("变更经办人"), OPEN_STATES, None, "handle", moves=False),
    Step(
        "bureau_acknowledge",
        _("教育局已知悉"),
        tuple(S),
        None,
        "bureau",
        moves=False,
        applies=lambda case: case.serious and case.bureau_acknowledged_at is None,
    ),
)

STEPS: dict[str, Step] = {step.name: step for step in TABLE}


def _method(step: Step) -> Callable[..., Any]:
    if isinstance(step.target, tuple):
        # The service says which of the allowed states the finding leads to.
        def move(self: Any, target: str) -> str:
            return target

        target: Any = RETURN_VALUE(*step.target)
    else:

        def move(self: Any) -> None:
            return None

        target = step.target
    move.__name__ = move.__qualname__ = f"do_{step.name}"
    return transition(field="status", source=list(step.sources), target=target)(move)


class CaseWorkflow:
    """Mixin giving Case one django-fsm transition method ``do_<action>`` per row of :data:`TABLE`."""

    for _step in TABLE:
        locals()[f"do_{_step.name}"] = _method(_step)
    del _step
