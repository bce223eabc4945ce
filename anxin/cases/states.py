"""The states of a case (DOMAIN.md §3). The transitions between them are in :mod:`.workflow`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    ACCEPTED = "accepted", _("已受理")
    EMERGENCY = "emergency", _("紧急处置")
    INVESTIGATING = "investigating", _("调查中")
    PENDING = "pending", _("待认定")
    DETERMINED = "determined", _("已认定")
    MEASURES = "measures", _("处置中")
    AFTERCARE = "aftercare", _("跟踪回访")
    CLOSED = "closed", _("已结案")
    NOT_BULLYING = "not_bullying", _("不构成欺凌")
    REFERRED = "referred", _("移送公安机关")
    REEXAMINATION = "reexamination", _("复查中")


#: States in which nothing more is expected of the school.
FINAL_STATES = (State.CLOSED,)


#: What a reporter reads on the receipt page for each state: plain words, nobody's details.
PUBLIC_WORDS: dict[str, str] = {
    State.ACCEPTED: _("学校已受理你反映的情况，正在安排处理。"),
    State.EMERGENCY: _("学校已采取保护措施，正在处理。"),
    State.INVESTIGATING: _("学校正在调查核实。"),
    State.PENDING: _("调查已完成，等待学校欺凌治理委员会认定。"),
    State.DETERMINED: _("学校欺凌治理委员会已作出认定。"),
    State.MEASURES: _("学校正在落实处理和帮扶措施。"),
    State.AFTERCARE: _("处理措施已落实，学校会继续回访关心。"),
    State.CLOSED: _("此事已处理完毕并结案。"),
    State.NOT_BULLYING: _("经学校认定不属于欺凌，学校已作教育处理。"),
    State.REFERRED: _("此事已移交公安机关依法处理，学校会继续关心帮助。"),
    State.REEXAMINATION: _("教育局正在复查。"),
}


class DeadlineKind(models.TextChoices):
    INVESTIGATION = "investigation", _("调查期限")
    APPEAL = "appeal", _("复查申请期限")
    REEXAMINATION = "reexamination", _("复查决定期限")
    VISIT_1W = "visit_1w", _("一周回访")
    VISIT_1M = "visit_1m", _("一月回访")
    VISIT_3M = "visit_3m", _("三月回访")
    MEASURE = "measure", _("措施完成期限")
