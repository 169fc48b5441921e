"""Policy files: validation with file:line errors, and the tighten-only merge of layers."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from claude_guard.decide.engine import DecisionEngine
from claude_guard.event.models import parse_event
from claude_guard.policy.loader import LoadedLayer, parse_policy_text
from claude_guard.policy.merge import merge_layers
from claude_guard.policy.schema import PolicyLayer
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


def test_ask_rule_answers_with_permission_json(guard: GuardEnv, run) -> None:
    guard.write_policy("user", "paths:\n  - id: review\n    action: ask\n    patterns: ['*.sql']\n")
    seed = guard.project / "seed.sql"
    seed.write_text("select 1;")
    answer = run(guard.tool("Read", file_path=str(seed)))
    assert answer.exit_code == 0
    assert '"permissionDecision": "ask"' in answer.stdout


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
