from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WellbeingConfig(AppConfig):
    """心理筛查: PHQ-A and GAD-7 for secondary pupils, confidential answers, a three-level warning."""

    name = "anxin.wellbeing"
    label = "wellbeing"
    verbose_name = _("心理筛查")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from anxin.access.matrix import install_rules
        from anxin.audit.labels import register

        from . import panels, permissions, tasks  # noqa: F401  (工作台 panel, matrix rows, overdue sweep)
        from .events import LABELS

        install_rules()
        register(LABELS)
