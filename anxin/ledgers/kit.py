"""What every ledger's pages and API decide the same way: which school a write goes to.

The project's rule (anxin.core.access): what is out of the caller's reach answers 404 as if it did
not exist; what the caller can see but may not write answers 403. Every ledger write path, page or
API, asks :func:`school_for_write` or :func:`schools_for_write` so the answer and its code are the
same everywhere.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from anxin.core.access import REGISTRY
from anxin.core.errors import Forbidden, Invalid, NotFound
from anxin.core.params import parse_id
from anxin.org.models import Unit
from anxin.org.selectors import schools_where

#: The one code for "you hold this role at more than one school: say which".
SCHOOL_REQUIRED = "school_required"


class WriteForbidden(Forbidden, PermissionDenied):
    """403 alike on a page (Django's PermissionDenied) and in the API (a ServiceError)."""


def _refuse(user: Any, resource: str, school_id: int | None = None) -> Exception:
    """404 when the school (or any school) is out of view reach, 403 when it is only out of write reach."""
    if "view" in REGISTRY[resource].actions:
        visible = schools_where(user, resource, "view")
        if school_id is not None:
            visible = visible.filter(pk=school_id)
        if visible.exists():
            return WriteForbidden()
    return NotFound()


def schools_for_write(user: Any, resource: str, action: str = "record") -> QuerySet[Unit]:
    """The schools where the caller may take ``action`` on ``resource`` (a form's choices).

    None at all: 403 if the caller can see the ledger somewhere, 404 otherwise.
    """
    schools = schools_where(user, resource, action)
    if not schools.exists():
        raise _refuse(user, resource)
    return schools


def school_for_write(
    user: Any, resource: str, school_id: Any = None, *, action: str = "record", field: str = "school"
) -> Unit:
    """The school a write goes to: the one named, or the caller's only one.

    A named school the caller cannot see is 404, one they see but may not write at is 403; no
    school named while they write at several is 422 ``school_required`` on ``field``.
    """
    schools = schools_where(user, resource, action)
    if school_id is not None:
        pk = parse_id(school_id)
        if pk is None:
            raise NotFound()
        school = schools.filter(pk=pk).first()
        if school is None:
            raise _refuse(user, resource, pk)
        return school
    candidates = list(schools[:2])
    if not candidates:
        raise _refuse(user, resource)
    if len(candidates) > 1:
        raise Invalid(_("请选择学校。"), code=SCHOOL_REQUIRED, detail={field: [_("必填")]})
    return candidates[0]
