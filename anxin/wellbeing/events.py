"""The names 心理筛查 writes to the audit trail, and their Chinese names (registered in apps.py).

Reads of answers are events too: every time a psychology teacher opens a pupil's answers or the
change between screenings, the trail says who, when and which pupil.
"""

from typing import Final

from django.utils.translation import gettext_lazy as _

ROUND_OPENED: Final = "wellbeing.round_opened"
NOTICE_RECORDED: Final = "wellbeing.notice_recorded"
CODES_ISSUED: Final = "wellbeing.codes_issued"
ANSWERED: Final = "wellbeing.answered"
WARNING_RAISED: Final = "wellbeing.warning_raised"
ANSWERS_READ: Final = "wellbeing.answers_read"
#: Scores shown in a list (a round's page, the API's list, a warning with its scores).
SCORES_LISTED: Final = "wellbeing.scores_listed"
CHANGE_READ: Final = "wellbeing.change_read"
#: The sweep told of a concern warning whose talk is past its 3 school days.
WARNING_OVERDUE: Final = "wellbeing.warning_overdue"
WARNING_ACKNOWLEDGED: Final = "wellbeing.warning_acknowledge"
WARNING_ACTED: Final = "wellbeing.warning_act"
WARNING_DISMISSED: Final = "wellbeing.warning_dismiss"

ACTION_EVENTS: Final = {
    "acknowledge": WARNING_ACKNOWLEDGED,
    "act": WARNING_ACTED,
    "dismiss": WARNING_DISMISSED,
}

LABELS: Final[dict[str, object]] = {
    ROUND_OPENED: _("开启心理筛查"),
    NOTICE_RECORDED: _("记录家长告知书发放"),
    CODES_ISSUED: _("打印心理筛查答题码"),
    ANSWERED: _("学生完成心理筛查"),
    WARNING_RAISED: _("心理筛查预警"),
    ANSWERS_READ: _("查看心理筛查作答"),
    SCORES_LISTED: _("查看心理筛查分数"),
    CHANGE_READ: _("查看心理筛查前后变化"),
    WARNING_OVERDUE: _("心理筛查约谈逾期提醒"),
    WARNING_ACKNOWLEDGED: _("知悉心理筛查预警"),
    WARNING_ACTED: _("处置心理筛查预警"),
    WARNING_DISMISSED: _("排除心理筛查预警"),
}
