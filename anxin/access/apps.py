from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    """Who may do what where: the roles and the permission matrix every app registers into."""

    name = "anxin.access"
    label = "access"
    verbose_name = _("权限")

    def ready(self) -> None:
        from .matrix import internal

        # core's own tables. Tokens and notifications are read only by their own user; outbound
        # records and the periodic jobs' bookkeeping by nobody. The working-day calendar is
        # national, not per unit: everyone's deadlines read it; only superusers and city
        # administrators enter it (anxin.ops.calendar.can_manage).
        internal("core.ApiToken", "core.Notification", "core.OutboundMessage", "core.PeriodicRun")
        internal("core.ChannelSettings", "core.Delivery")
        internal("core.CalendarYear", "core.CalendarDay")
