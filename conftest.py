from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime

import pytest
from django.test import Client

from anxin.testing import PASSWORD, Cast, allow_audit_flush, build_cast, frozen_time


@pytest.fixture
def cast(db) -> Cast:  # noqa: ANN001
    return build_cast()


@pytest.fixture
def cast_tx(transactional_db):  # noqa: ANN001, ANN201
    """The cast, committed: for tests where other threads must see the data."""
    cast = build_cast()
    yield cast
    allow_audit_flush()


@pytest.fixture
def login(client: Client):  # noqa: ANN201
    """Log the test client in as a user; returns the client."""

    def _login(user) -> Client:  # noqa: ANN001
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """force_login skips the password; let it skip the second factor too (tests of 2FA log in for real)."""
    from anxin.testing import verify_client_session

    original = Client.force_login

    def force_login(self: Client, user, backend=None) -> None:  # noqa: ANN001
        original(self, user, backend)
        verify_client_session(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def clock() -> Iterator[Callable[[datetime | date], None]]:
    """Stop the clock for the rest of the test: ``clock(moment)`` (see ``frozen_time``); a later call moves it."""
    stopped = []

    def _stop_at(moment: datetime | date) -> None:
        traveller = frozen_time(moment)
        traveller.start()
        stopped.append(traveller)

    yield _stop_at
    for traveller in reversed(stopped):
        traveller.stop()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:  # noqa: ANN001
    """Each test gets its own in-memory cache, so rate-limit counters never leak between tests."""
    import uuid

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings) -> None:  # noqa: ANN001
    """Tasks run when enqueued, whatever TASKS_BACKEND a developer's .env sets."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_workday_calendar():  # noqa: ANN202
    """An administrator-entered calendar year lives in process memory: never let it leak between tests."""
    from anxin.core.workdays import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True)
def _private_audit_checkpoints(settings, tmp_path_factory) -> None:  # noqa: ANN001
    """The daily audit checkpoint (run by `anxin worker` tests too) never appends to var/."""
    import uuid

    settings.AUDIT_CHECKPOINT_FILE = (
        tmp_path_factory.getbasetemp() / f"audit-checkpoints-{uuid.uuid4().hex}.log"
    )
