from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the platform: the working-day calendar, backups, restores and key rotation. Above
    audit, because each of these is recorded in the trail; core stays below everything."""

    name = "anxin.ops"
    label = "ops"
    verbose_name = _("运维")

    def ready(self) -> None:
        from . import panels  # noqa: F401  (registers the calendar panel on the 工作台)
