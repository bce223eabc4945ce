"""The names the reports upward write to the audit trail, and their Chinese names (registered in apps.py)."""

from typing import Final

from django.utils.translation import gettext_lazy as _

REPORT_GENERATED: Final = "oversight_report.generated"
REPORT_DOWNLOADED: Final = "oversight_report.downloaded"
#: A bureau member exported the case list or the serious-case list to Excel.
CASES_EXPORTED: Final = "oversight_report.cases_exported"

LABELS: Final[dict[str, object]] = {
    REPORT_GENERATED: _("生成统计报表"),
    REPORT_DOWNLOADED: _("下载统计报表"),
    CASES_EXPORTED: _("导出案件清单"),
}
