"""The names the 舆情 register writes to the audit trail, and their Chinese names (registered in apps.py)."""

from typing import Final

from django.utils.translation import gettext_lazy as _

OPINION_CREATED: Final = "opinion.created"
OPINION_STEP_ADDED: Final = "opinion.step_added"
#: The sweep told the county that an event passed its 24 hours without a first response.
OPINION_OVERDUE_NOTIFIED: Final = "opinion.overdue_notified"

LABELS: Final[dict[str, object]] = {
    OPINION_CREATED: _("登记舆情"),
    OPINION_STEP_ADDED: _("记录舆情处置"),
    OPINION_OVERDUE_NOTIFIED: _("舆情超时提醒"),
}
