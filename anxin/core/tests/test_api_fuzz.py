"""Schemathesis over the whole OpenAPI document: no input, anonymous or a principal's, gets a 500.

Every operation of /api/openapi.json is called with generated inputs (valid and invalid) through
the WSGI application, once without credentials and once with a principal's bearer token, and the
only check is ``not_a_server_error``. The examples are derandomized and bounded, so a run is
repeatable and takes a minute or two.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from anxin.core.models import ApiToken, hash_token
from anxin.testing import build_cast
from anxin.wsgi import application

# More for a deeper run by hand: ANXIN_FUZZ_EXAMPLES=200 pytest anxin/core/tests/test_api_fuzz.py
EXAMPLES = int(os.environ.get("ANXIN_FUZZ_EXAMPLES", "20"))


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():  # noqa: ANN202
    """The test's transaction must survive each request, as Django's own test Client ensures."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["anonymous", "principal"])
def headers(request, db) -> dict[str, str]:  # noqa: ANN001
    cast = build_cast()
    if request.param == "anonymous":
        return {}
    # A token as POST /api/auth/token issues it (the endpoint itself is fuzzed like the rest).
    raw = ApiToken.generate()
    ApiToken.objects.create(
        user=cast.users["principal"],
        key_hash=hash_token(raw),
        prefix=raw[3:9],
        expires_at=timezone.now() + timedelta(hours=2),
    )
    return {"Authorization": f"Bearer {raw}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gets_a_server_error(case, headers) -> None:  # noqa: ANN001
    case.call_and_validate(headers=headers, checks=[not_a_server_error])


@pytest.mark.parametrize("headers", ["principal"], indirect=True)
def test_the_fuzzed_principal_is_signed_in(client, headers) -> None:  # noqa: ANN001
    # Otherwise every "principal" example above would only exercise the 401 path.
    response = client.get("/api/org/units", HTTP_AUTHORIZATION=headers["Authorization"])
    assert response.status_code == 200
    assert "实验中学" in [unit["name"] for unit in response.json()["items"]]
