"""Schemathesis over the whole OpenAPI document: no input, anonymous or a principal's, gets a 500.

Every operation of /api/openapi.json is called with generated inputs (valid and invalid) through
the WSGI application, once without credentials and once with a principal's bearer token, and the
only check is ``not_a_server_error``. The examples are derandomized and bounded, so a run is
repeatable and takes a minute or two.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from anxin.core.services import token_issue
from anxin.testing import PASSWORD, build_cast
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
    principal = cast.users["principal"]
    issued = token_issue(request=RequestFactory().post("/api/auth/token"), username=principal.username,
                         password=PASSWORD)  # fmt: skip
    return {"Authorization": f"Bearer {issued.token}"}


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
