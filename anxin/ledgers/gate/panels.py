"""The gate's panel on the 工作台: the three things a gate guard does all day, as big buttons."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed
from anxin.core.workbench import Panel, panel_provider

from .permissions import EXIT, VISITOR


@panel_provider
def gate_shortcuts(request: HttpRequest) -> list[Panel]:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return []
    buttons = []
    if allowed(user, VISITOR.name, "record"):
        buttons.append((_("来访登记"), reverse("ledgers:gate_visitor_new"), "person-vcard", "visitor"))
    if allowed(user, EXIT.name, "record"):
        buttons.append((_("学生出校"), reverse("ledgers:gate_exit_new"), "door-open", "exit"))
    if not buttons:
        return []
    if allowed(user, "report", "record"):
        buttons.append((_("快速报告"), reverse("intake:quick"), "megaphone", "quick"))
    return [
        Panel(
            title=_("门岗常用"),
            template="ledgers/panels/shortcuts.html",
            context={"buttons": buttons},
            order=1,
        )
    ]
