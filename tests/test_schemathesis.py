"""Every service's and the gateway's OpenAPI, fuzzed with schemathesis: no input may cause a 5xx.

Runs against the real processes of a stack of its own, as an admin (so protected operations are
reached, not just refused). The counts per process are printed for the note.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Err, Ok

from kernel.auth import Role, issue_token
from streetcare.testing import SERVICE_HEADERS, TEST_TOKEN_SECRET, Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow, pytest.mark.xdist_group("fuzz")]

EXAMPLES_PER_OPERATION = 20


def admin_headers() -> dict[str, str]:
    token, _ = issue_token(TEST_TOKEN_SECRET, "staff:1", Role.ADMIN, 3600)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("process", ["scheduling", "reports", "volunteers", "gateway"])
def test_no_input_causes_a_server_error(fuzz_stack: Stack, process: str) -> None:
    stack = fuzz_stack
    url = stack.gateway_url if process == "gateway" else stack.url(process)
    direct = {} if process == "gateway" else SERVICE_HEADERS
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=direct)
    schema.config.update(base_url=url)
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    headers = {**admin_headers(), **direct}
    operations = [readable(result) for result in schema.get_all_operations()]
    assert operations, f"{process} publishes no operations"
    for operation in operations:
        fuzz(operation, headers, statuses, failures)
    print(
        f"\nschemathesis {process}: {len(operations)} operations, {sum(statuses.values())} requests, {dict(statuses)}"
    )
    assert not failures, "\n".join(failures[:10])


Operation = schemathesis.APIOperation[Any, Any, Any, Any]


def readable(result: Ok[Operation] | Err[InvalidSchema]) -> Operation:
    """The operation; one the schema does not describe readably fails the test with schemathesis' reason."""
    if isinstance(result, Err):
        raise result.err()
    return result.ok()


def fuzz(operation: Operation, headers: dict[str, str], statuses: Counter[str], failures: list[str]) -> None:
    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        derandomize=True,
        database=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def check(case: schemathesis.Case[Any]) -> None:
        response = case.call(headers=headers, timeout=30)
        statuses[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except Exception as exc:
            failures.append(f"{operation.label}: {response.status_code} {str(exc)[:300]}")

    check()
