"""The names the survey writes to the audit trail, and their Chinese names (registered in apps.py).

Answers are never audited one by one: an audit row per answer would carry its time and undo the
anonymity the answer row keeps."""

from typing import Final

from django.utils.translation import gettext_lazy as _

CAMPAIGN_OPENED: Final = "survey.campaign_opened"
CODES_ISSUED: Final = "survey.codes_issued"
REMINDED: Final = "survey.reminded"
RESULTS_READ: Final = "survey.results_read"

LABELS: Final[dict[str, object]] = {
    CAMPAIGN_OPENED: _("发起专项调查"),
    CODES_ISSUED: _("生成调查答题码"),
    REMINDED: _("催办调查"),
    RESULTS_READ: _("查看调查结果"),
}
