"""The request id of the work in progress, set by the middleware, so that audit events and logs can name it."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("anxin_request_id", default="")
