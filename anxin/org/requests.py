"""The request type of views that run only for a signed-in user.

``@login_required`` pages and the API's endpoints (authenticated by token or session unless they say
``auth=None``) always have a ``User`` as ``request.user``; annotating them with this type says so to
the type checker instead of narrowing ``User | AnonymousUser`` in every view.
"""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    user: User
