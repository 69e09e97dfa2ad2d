"""A bounded API fuzz run (schemathesis) against the service's own OpenAPI document, on every backend the run
has: every operation gets a fixed, small budget of schema-valid and schema-breaking requests, sent as a
caller the policy lets through (so the endpoint itself is exercised, not just the gate). Target: 0 server
errors, 0 answers that contradict their documented status codes or schemas."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from bastion.api.policy import POLICY
from bastion.api.service import create_app
from bastion.core.roles import Role
from bastion.review.auth import Principal
from bastion.review.service import Review
from review.support import report
from support.system import around

#: Examples per operation and generation mode: fixed and small, so the run stays well under a minute.
EXAMPLES = 6
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
#: Who fuzzes an operation: the first of these roles its policy allows.
PREFERENCE = ("platform", "lead", "admin", "auditor", "reviewer")


@pytest.fixture(autouse=True)
def development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ENV", "development")
    monkeypatch.delenv("BASTION_WEBHOOK_URL", raising=False)


def credentials(review: Review) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {
        "platform": {"headers": {"Authorization": f"Bearer {review.auth.create_token('pinegrove')}"}},
        "auditor": {"headers": {"Authorization": f"Bearer {review.auth.create_token('watch', 'auditor')}"}},
    }
    for role in ("lead", "admin", "reviewer"):
        user_id = review.auth.add_user(f"fuzz-{role}", role, "correct-horse-battery-1")
        sid, csrf = review.auth.open_session(
            Principal(f"fuzz-{role}", Role(role), "session", user_id=user_id)
        )
        out[role] = {"headers": {"X-CSRF-Token": csrf}, "cookies": {"bastion_session": sid}}
    return out


def fuzzer(operation: Any, mode: schemathesis.GenerationMode, auth: dict[str, Any], sent: list[int]) -> Any:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(**auth)
        sent.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=auth["headers"])

    return fuzz


def test_fuzz_finds_no_server_error_and_no_schema_violation(review: Review) -> None:
    app = create_app(around(review), start_workers=False)
    who = credentials(review)
    token = who["platform"]["headers"]
    with TestClient(app, base_url="http://127.0.0.1") as c:  # something to find: a stored report and case
        assert c.post("/v1/reports", json=report("r1", "acct-a"), headers=token).status_code == 201
    review.triage()
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    failures: list[str] = []
    sent: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        rule = POLICY[(operation.method.upper(), operation.path)]
        role = next(r for r in PREFERENCE if r in rule.roles)
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            fuzz = fuzzer(operation, mode, who[role], sent)
            try:
                fuzz()
            except Unsatisfiable:  # nothing to break: the operation reads no parameter and no body
                assert mode == schemathesis.GenerationMode.NEGATIVE
            except (Exception, BaseExceptionGroup) as exc:  # every operation's first failure, all reported
                failures.append(f"{operation.label} [{mode}, as {role}]: {str(exc)[:600]}")
    print(f"fuzz: {len(sent)} requests over {len(list(schema.get_all_operations()))} operations")
    assert len(sent) >= 100 and not any(code >= 500 for code in sent)
    assert failures == [], "\n\n".join(failures)
