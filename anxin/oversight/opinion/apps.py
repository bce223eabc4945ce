from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionConfig(AppConfig):
    """舆情登记: online opinion about bullying that a bureau watches, with its 24-hour first response."""

    name = "anxin.oversight.opinion"
    label = "oversight_opinion"
    verbose_name = _("舆情登记")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from anxin.access.matrix import install_rules
        from anxin.audit.labels import register

        from . import panels, permissions, tasks  # noqa: F401  (工作台 panel, matrix row, overdue sweep)
        from .events import LABELS

        install_rules()
        # Registered rather than written into anxin.audit.labels: the names live beside the events.
        register(LABELS)
