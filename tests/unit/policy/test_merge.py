"""The tighten-only merge of policy layers (managed, user, project), by hand, through the hook
and as a property; and the merged detection settings' one counting rule."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_guard.decide.engine import DecisionEngine
from claude_guard.decide.output_scan import must_redact
from claude_guard.detect import scanner as scanner_module
from claude_guard.detect.findings import Finding
from claude_guard.event.models import parse_event
from claude_guard.policy.loader import LoadedLayer, load_layer_file, parse_policy_text
from claude_guard.policy.merge import EffectiveDetection, merge_layers
from claude_guard.policy.schema import Action, Mode, PolicyLayer
from tests.conftest import GuardEnv


def _layer(name: str, text: str) -> LoadedLayer:
    return LoadedLayer(name, Path(f"/{name}.yaml"), "0" * 64, parse_policy_text(text, name))


ORG = """
version: org-1
mode: enforce
defaults: {unknown_tool: deny}
tools: {WebFetch: ask, "mcp__corp__*": allow}
paths:
  - id: secrets
    patterns: [".env", "*.pem"]
limits: {max_event_bytes: 100000}
detection:
  categories:
    phi: {action: deny, min_score: 0.6}
    pii: {action: allow, min_score: 0.7}
"""


def test_lower_layers_cannot_loosen_anything() -> None:
    project = """
version: p-1
mode: monitor
defaults: {unknown_tool: allow}
tools: {WebFetch: allow, Teleport: allow}
paths:
  - id: secrets
    action: allow
    patterns: ["!.env", ".env.local"]
limits: {max_event_bytes: 99999999}
detection:
  categories:
    phi: {action: allow, min_score: 0.9}
    pii: {action: deny, min_score: 0.2}
"""
    merged = merge_layers([_layer("managed", ORG), _layer("project", project)])
    assert merged.mode is Mode.ENFORCE
    assert merged.tool_verdict("WebFetch", known=True).action is Action.ASK
    assert merged.tool_verdict("Teleport", known=False).action is Action.DENY
    assert merged.tool_verdict("mcp__corp__query", known=True).action is Action.ALLOW
    assert merged.limits.max_event_bytes == 100000
    assert merged.detection.categories["phi"].action is Action.DENY
    assert (
        merged.detection.categories["phi"].min_score == 0.6
    )  # raising it would flag less: refused
    assert merged.detection.categories["pii"].action is Action.DENY  # tightening is taken
    assert merged.detection.categories["pii"].min_score == 0.2
    assert merged.version == "managed@org-1+project@p-1"


def test_monitor_mode_only_when_every_layer_that_speaks_says_so() -> None:
    assert merge_layers([_layer("managed", "mode: monitor\n")]).mode is Mode.MONITOR
    both = [_layer("managed", "mode: monitor\n"), _layer("user", "version: 2\n")]
    assert merge_layers(both).mode is Mode.MONITOR
    mixed = [_layer("managed", "mode: monitor\n"), _layer("project", "mode: enforce\n")]
    assert merge_layers(mixed).mode is Mode.ENFORCE


def test_policy_hash_changes_with_any_layer() -> None:
    a = merge_layers([_layer("managed", ORG)])
    b = merge_layers(
        [
            LoadedLayer("managed", Path("/m"), "1" * 64, a.layers[0].policy),
        ]
    )
    assert a.content_hash != b.content_hash and len(a.content_hash) == 64


def test_project_cannot_undeny_org_path(guard: GuardEnv, run) -> None:
    # Built on the default: an org policy that leaves the hook settings writable is refused.
    guard.write_policy("managed", "extends: default\n" + ORG)
    guard.write_policy(
        "project",
        "paths:\n  - id: loosen\n    action: allow\n    patterns: ['.env', '!.env']\n",
    )
    answer = run(guard.tool("Read", file_path=str(guard.project / ".env")))
    assert answer.exit_code == 2
    assert "managed:secrets" in answer.stderr


def test_project_can_tighten(guard: GuardEnv, run) -> None:
    guard.write_policy(
        "project",
        "paths:\n  - id: exports\n    scope: project\n    patterns: ['exports/']\n",
    )
    export = guard.project / "exports" / "q3.csv"
    export.parent.mkdir()
    export.write_text("a,b\n")
    answer = run(guard.tool("Read", file_path=str(export)))
    assert answer.exit_code == 2
    assert "project:exports" in answer.stderr


# What an org policy that replaces the default must keep (policy/effective.py).
HOOK_SETTINGS_RULE = (
    "  - id: hooks\n    access: [write]\n"
    "    patterns: ['~/.claude/settings*.json', '**/.claude/settings*.json']\n"
)


def test_managed_policy_replaces_the_shipped_default(guard: GuardEnv, run) -> None:
    guard.write_policy(
        "managed",
        "version: org\npaths:\n  - id: only\n    patterns: ['*.secret']\n" + HOOK_SETTINGS_RULE,
    )
    # The default denies *.pem; this org does not, and the org's word replaces the default.
    pem = guard.project / "test.pem"
    pem.write_text("x")
    assert run(guard.tool("Read", file_path=str(pem))).exit_code == 0
    secret = guard.project / "a.secret"
    secret.write_text("x")
    assert run(guard.tool("Read", file_path=str(secret))).exit_code == 2


PATTERNS = [".env", "*.pem", "secrets/", "!.env.example", "~/.ssh/", "src/*.py", "**/k8s/*.yaml"]

PATHS = [
    "{p}/.env",
    "{p}/.env.example",
    "{p}/a.pem",
    "{p}/secrets/x.txt",
    "{p}/src/app.py",
    "{h}/.ssh/id_rsa",
    "{p}/deploy/k8s/app.yaml",
    "/tmp/other.pem",
]

rules = st.builds(
    lambda i, action, access, scope, patterns: {
        "id": f"r{i}",
        "action": action,
        "access": access,
        "scope": scope,
        "patterns": patterns,
    },
    st.integers(0, 10**6),
    st.sampled_from(["allow", "ask", "deny"]),
    st.sampled_from([["read"], ["write"], ["read", "write"]]),
    st.sampled_from(["anywhere", "outside_project"]),
    st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3).filter(
        lambda ps: not all(p.startswith("!") for p in ps)
    ),
)

layers = st.builds(
    lambda rs, mode, unknown: {
        "paths": list({r["id"]: r for r in rs}.values()),
        **({"mode": mode} if mode else {}),
        **({"defaults": {"unknown_tool": unknown}} if unknown else {}),
    },
    st.lists(rules, max_size=4),
    st.sampled_from([None, "monitor", "enforce"]),
    st.sampled_from([None, "allow", "ask", "deny"]),
)


def _strictness(layer_dicts: list[dict], home: str, project: str) -> list[int]:
    loaded = [
        LoadedLayer(name, Path(f"/{name}"), "0" * 64, PolicyLayer.model_validate(d))
        for name, d in zip(("managed", "user", "project"), layer_dicts, strict=False)
    ]
    engine = DecisionEngine(merge_layers(loaded), project, home, Path(home) / ".claude-guard")
    ranks = []
    for template in PATHS:
        path = template.format(p=project, h=home)
        for tool, tool_input in (
            ("Read", {"file_path": path}),
            ("Write", {"file_path": path, "content": ""}),
        ):
            event = parse_event(
                {
                    "hook_event_name": "PreToolUse",
                    "session_id": "s",
                    "cwd": project,
                    "tool_name": tool,
                    "tool_input": tool_input,
                }
            )
            ranks.append(engine.decide(event).enforced.rank)
        unknown = parse_event(
            {
                "hook_event_name": "PreToolUse",
                "session_id": "s",
                "cwd": project,
                "tool_name": "Unheard",
                "tool_input": {},
            }
        )
        ranks.append(engine.decide(unknown).enforced.rank)
    return ranks


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(top=layers, lower=st.lists(layers, min_size=1, max_size=2))
def test_adding_lower_layers_never_loosens_a_decision(
    top: dict, lower: list[dict], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.getbasetemp()
    home, project = str(base / "h"), str(base / "h" / "proj")
    before = _strictness([top], home, project)
    after = _strictness([top, *lower], home, project)
    assert all(a >= b for a, b in zip(after, before, strict=True)), (before, after)


REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def detection() -> EffectiveDetection:
    layer = load_layer_file("default", REPO / "claude_guard" / "data" / "policies" / "default.yaml")
    return merge_layers([layer]).detection


def _finding(category: str, type_: str, score: float) -> Finding:
    return Finding(category, type_, 0, 4, 1, score, "test")


def test_action_for_is_the_one_counting_rule(detection: EffectiveDetection) -> None:
    secret = _finding("secret", "AWS_ACCESS_KEY_ID", 0.99)
    assert detection.action_for(secret) is detection.policy_for("secret", secret.type).action
    min_score = detection.policy_for("secret", secret.type).min_score
    weak = dataclasses.replace(secret, score=min_score - 0.01)
    assert detection.action_for(weak) is None
    fingerprinted = scanner_module.FingerprintedFinding(secret, "fp")
    assert must_redact(fingerprinted, detection) is (detection.action_for(secret) is Action.DENY)
    assert not must_redact(scanner_module.FingerprintedFinding(weak, "fp"), detection)
