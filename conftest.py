from __future__ import annotations

import pytest
from django.test import Client

from anxin.testing import PASSWORD, Cast, build_cast


@pytest.fixture
def cast(db) -> Cast:  # noqa: ANN001
    return build_cast()


@pytest.fixture
def login(client: Client):  # noqa: ANN201
    """Log the test client in as a user; returns the client."""

    def _login(user) -> Client:  # noqa: ANN001
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def password() -> str:
    return PASSWORD
