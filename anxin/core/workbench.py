"""The 工作台: each app contributes panels for the person looking at it.

A panel provider takes the request and returns zero or more :class:`Panel`. Later capabilities
(intake, cases, ledgers) register theirs here so the home page lists each person's tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[[HttpRequest], list[Panel]]
_PROVIDERS: list[PanelProvider] = []


def panel_provider(func: PanelProvider) -> PanelProvider:
    _PROVIDERS.append(func)
    return func


def panels_for(request: HttpRequest) -> list[Panel]:
    panels: list[Panel] = []
    for provider in _PROVIDERS:
        panels.extend(provider(request))
    return sorted(panels, key=lambda p: p.order)


# --- panels on one object's page -----------------------------------------------------------------
# A page about one object (a case file) shows what apps above its own add about it, without its app
# importing them: the wellbeing screening's before/after on a bullying case, for the psychology
# teacher only. A provider returns no panel for a reader who may not see its content.

ObjectPanelProvider = Callable[[HttpRequest, Any], list[Panel]]
_OBJECT_PROVIDERS: dict[str, list[ObjectPanelProvider]] = {}


def object_panel(kind: str) -> Callable[[ObjectPanelProvider], ObjectPanelProvider]:
    def register(func: ObjectPanelProvider) -> ObjectPanelProvider:
        _OBJECT_PROVIDERS.setdefault(kind, []).append(func)
        return func

    return register


def object_panels(kind: str, request: HttpRequest, obj: Any) -> list[Panel]:
    panels: list[Panel] = []
    for provider in _OBJECT_PROVIDERS.get(kind, []):
        panels.extend(provider(request, obj))
    return sorted(panels, key=lambda p: p.order)
