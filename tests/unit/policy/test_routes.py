"""The model route as a policy input: "PHI may reach the model only on these routes;
elsewhere deny". Every decision records the route."""

from __future__ import annotations

import json

import pytest

from tests.conftest import GuardEnv
from tests.unit.entry.service_helpers import hook, records, socket_path, start_service

PATIENT = "Patient: Maria Gonzalez  MRN: 00458123  SSN: 536-22-8726  DOB: 03/14/1957\n"
ORG = """\
version: org-routes
extends: default
detection:
  categories:
    phi: {action: allow}
routes:
  phi: [bedrock, vertex, "gateway@*.corp.example"]
"""
ROUTE_ENV = (
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
)


@pytest.fixture
def org(guard: GuardEnv, monkeypatch: pytest.MonkeyPatch) -> GuardEnv:
    for name in ROUTE_ENV:
        monkeypatch.delenv(name, raising=False)
    guard.write_policy("managed", ORG)
    (guard.project / "visit.txt").write_text(PATIENT)
    return guard


def _read_visit(guard: GuardEnv, run) -> tuple[int, dict]:
    answer = run(guard.tool("Read", file_path=str(guard.project / "visit.txt")))
    return answer.exit_code, guard.audit_lines()[-1]


def test_phi_reaches_the_model_on_an_allowed_route(org: GuardEnv, run, monkeypatch) -> None:
    monkeypatch.setenv("CLAUDE_CODE_USE_BEDROCK", "1")
    code, record = _read_visit(org, run)
    assert (code, record["route"], record["decision"]) == (0, "bedrock", "allow")


def test_phi_is_denied_on_any_other_route(org: GuardEnv, run) -> None:
    answer = run(org.tool("Read", file_path=str(org.project / "visit.txt")))
    record = org.audit_lines()[-1]
    assert answer.exit_code == 2 and record["route"] == "anthropic-login"
    assert record["rule_ids"] == ["routes:phi"]
    assert "denied on model route anthropic-login" in answer.stderr


def test_a_gateway_is_matched_by_its_host(org: GuardEnv, run, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://llm.corp.example/v1")
    assert _read_visit(org, run)[0] == 0
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://llm.corp.example.attacker.net/v1")
    assert _read_visit(org, run)[0] == 2


def test_output_is_redacted_on_a_route_phi_may_not_take(org: GuardEnv, run, monkeypatch) -> None:
    answer = run(org.bash_output(PATIENT))
    updated = json.loads(answer.stdout)["hookSpecificOutput"]["updatedToolOutput"]
    assert "536-22-8726" not in updated["stdout"]
    monkeypatch.setenv("CLAUDE_CODE_USE_VERTEX", "1")
    assert run(org.bash_output(PATIENT)).stdout == ""  # on vertex it may reach the model


def test_a_lower_layer_narrows_the_routes(org: GuardEnv, run, monkeypatch) -> None:
    monkeypatch.setenv("CLAUDE_CODE_USE_BEDROCK", "1")
    org.write_policy("project", "routes:\n  phi: [vertex]\n")
    assert _read_visit(org, run)[0] == 2
    monkeypatch.delenv("CLAUDE_CODE_USE_BEDROCK")
    monkeypatch.setenv("CLAUDE_CODE_USE_VERTEX", "1")
    assert _read_visit(org, run)[0] == 0


def test_without_routes_the_route_is_only_recorded(guard: GuardEnv, run, monkeypatch) -> None:
    monkeypatch.setenv("CLAUDE_CODE_USE_VERTEX", "1")
    answer = run(guard.tool("Read", file_path=str(guard.project / ".env")))
    assert answer.exit_code == 2 and guard.audit_lines()[-1]["route"] == "vertex"


def test_the_service_learns_the_route_but_never_a_credential(org: GuardEnv) -> None:
    canary = "sk-ant-CANARY-route-5d8e1f"
    env = {"ANTHROPIC_API_KEY": canary}
    proc = start_service(org)
    try:
        assert hook(org.tool("Read", file_path=str(org.project / "visit.txt")), env).returncode
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    record = records(org)[-1]
    assert (record["decided_by"], record["route"]) == ("service", "anthropic-api")


def test_the_request_carries_a_credential_s_presence_only(
    org: GuardEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bytes the hook would send the service (built by the hook script's own Call): a
    credential as "1", a base URL cut to its scheme and authority. (A listener standing in for
    the service would not get them: the hook checks its peer is the service first.)"""
    import importlib.util

    from tests.conftest import REPO

    canary = "sk-ant-CANARY-route-5d8e1f"
    base_url = "https://gw.corp.example:8443/v1/CANARY-PATH?key=CANARY-QUERY"
    monkeypatch.setenv("ANTHROPIC_API_KEY", canary)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", base_url)
    spec = importlib.util.spec_from_file_location(
        "cg_hook", REPO / "hooks" / "claude_guard_hook.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    event = json.dumps(org.tool("Read", file_path=str(org.project / "README.md"))).encode()
    sent = script.Call(str(socket_path(org).parent), "service.sock", event, "0" * 32).request
    assert b"ANTHROPIC_API_KEY\x001" in sent and canary.encode() not in sent
    assert b"ANTHROPIC_BASE_URL\x00https://gw.corp.example:8443\x00" in sent
    assert b"CANARY-PATH" not in sent and b"CANARY-QUERY" not in sent


def test_hook_and_service_send_and_take_the_same_variables() -> None:
    import importlib.util

    from claude_guard.context import CONTEXT_VARIABLES
    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location(
        "hook_vars", REPO / "hooks" / "claude_guard_hook.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sent = set(module.REQUEST_ENV) | set(module.ORIGIN_ENV) | set(module.PRESENCE_ENV)
    assert sent == set(CONTEXT_VARIABLES)
