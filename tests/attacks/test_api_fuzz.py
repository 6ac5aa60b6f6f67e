"""schemathesis over the ``/v1/openapi.json`` the running server serves: every operation of
the document, with inputs that fit its schemas and inputs that break them, signed in as the
GP with a real session (a session of its own per operation, since logout ends one).

Whatever schemathesis sends, the server answers without a server error; and where the
document describes the answer — its status codes, its media type, the shape of its body —
the answer matches it.

Reproducible: derandomized in CI, another seed on request (fuzz_budget.py); a failure
names the shrunk case and the ``curl`` line that sends it again.
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from fuzz_budget import fuzzed
from hypothesis import given
from hypothesis.errors import Unsatisfiable
from live_server import LiveServer
from reliability_figures import record
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from siege_world import Siege

EXAMPLES = 12  # per operation and mode: 2 modes × ~27 operations × 12 ≈ 650 requests
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]


def _run(operation: Any, mode: GenerationMode, url: str, auth: dict[str, str]) -> list[str]:
    """Fuzz one operation in one mode; what failed (the shrunk case), if anything."""
    found: list[str] = []
    cases = server_errors = 0

    @fuzzed(EXAMPLES)
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        nonlocal cases, server_errors
        cases += 1
        response = case.call(base_url=url, headers=auth, timeout=30)
        server_errors += response.status_code >= 500
        checks = [not_a_server_error]
        if mode is GenerationMode.POSITIVE:
            checks += CONFORMANCE
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as exc:
            found.append(f"{operation.label} ({mode}): {exc.message}")
            raise AssertionError(exc.message) from None

    try:
        fuzz()
    except AssertionError:
        pass  # in ``found``, the shrunk case last
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, operation.label  # nothing of it can be broken
    record("schemathesis", cases=cases, server_errors=server_errors)
    return found[-1:]


def test_schemathesis_finds_no_server_error_and_answers_as_the_document_says(
    siege: Siege, siege_server: LiveServer, siege_http: httpx.Client
) -> None:
    schema = schemathesis.openapi.from_url(f"{siege_server.url}/v1/openapi.json")
    failures = []
    labels = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.add(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            session = siege.home.fresh_session(siege.home.founder)
            failures += _run(operation, mode, siege_server.url, session.auth)
    paths = siege_http.get("/v1/openapi.json").json()["paths"]
    documented = {
        f"{method.upper()} {path}" for path, methods in paths.items() for method in methods
    }
    # schemathesis leaves out the document it was loaded from; every other operation ran.
    assert labels == documented - {"GET /v1/openapi.json"}
    assert failures == [], "\n\n".join(failures)
