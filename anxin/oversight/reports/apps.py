from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """上报报表: statistical reports upward (Excel and PDF, archived) and case-list exports."""

    name = "anxin.oversight.reports"
    label = "oversight_reports"
    verbose_name = _("统计报表")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from anxin.access.matrix import install_rules
        from anxin.audit.labels import register

        from . import permissions, tasks  # noqa: F401  (the matrix row and the monthly generation)
        from .events import LABELS

        install_rules()
        register(LABELS)
