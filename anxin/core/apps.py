from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "anxin.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from .access import internal

        # Tokens and notifications are read only by their own user; outbound records and the
        # periodic jobs' bookkeeping by nobody.
        internal("core.ApiToken", "core.Notification", "core.OutboundMessage", "core.PeriodicRun")
        # The working-day calendar is national, not per unit: everyone's deadlines read it; only
        # superusers and city administrators enter it (anxin.core.workdays.can_manage).
        internal("core.CalendarYear", "core.CalendarDay")
        from . import panels, tasks  # noqa: F401  (register the calendar panel and the periodic housekeeping job)
