"""The supervision pages' tabs: only those the reader may open."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed

from ..permissions import INSPECTORS, INTERVIEW, NOTICE, ORDER, SCORECARD, VISIT, allowed_any

register = template.Library()


@register.inclusion_tag("oversight/supervision/_nav.html", takes_context=True)
def supervision_nav(context: dict[str, Any], tab: str) -> dict[str, Any]:
    user = context["request"].user
    tabs = [
        ("scorecard", _("考评"), "supervision:scorecard", SCORECARD),
        ("orders", _("整改督办"), "supervision:orders", ORDER),
        ("visits", _("督导检查"), "supervision:visits", VISIT),
        ("notices", _("通报"), "supervision:notices", NOTICE),
        ("interviews", _("约谈"), "supervision:interviews", INTERVIEW),
    ]
    shown = [(key, label, reverse(url)) for key, label, url, res in tabs if allowed_any(user, res, "view")]
    if allowed(user, INSPECTORS, "manage"):
        shown.append(("inspectors", _("责任督学分配"), reverse("supervision:inspectors")))
    return {"tab": tab, "tabs": shown}
