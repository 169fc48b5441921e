"""Policy files read and validated: file:line errors, the shipped default, and what the hook
answers when a layer is missing, invalid or not UTF-8."""

from __future__ import annotations

import pytest

from claude_guard.policy.loader import PolicyError, parse_policy_text
from claude_guard.policy.schema import Action, PolicyLayer
from tests.conftest import DEFAULT_POLICY, GuardEnv


def test_shipped_default_policy_is_valid() -> None:
    policy = parse_policy_text(DEFAULT_POLICY.read_text(), str(DEFAULT_POLICY))
    assert len(policy.paths) >= 8
    assert policy.defaults is not None and policy.defaults.unknown_tool is Action.DENY


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("version: 1\npaths:\n  - id: a\n    action: nope\n    patterns: [x]\n", 4, "action"),
        ("paths:\n  - id: a\n    patterns: []\n", 3, "patterns"),
        ("mode: enforce\nmode: monitor\n", 2, "duplicate key 'mode'"),
        ("paths: [\n", 2, ""),
        ("surprise: 1\n", 1, "surprise"),
        ("paths:\n  - id: Bad Id\n    patterns: [x]\n", 2, "id"),
        ("paths:\n  - id: a\n    patterns: ['!only-negation']\n", 3, "negation"),
        ("paths:\n  - id: a\n    patterns: [x]\n  - id: a\n    patterns: [y]\n", 1, "twice"),
        (
            "paths:\n  - id: a\n    scope: project\n    patterns: ['~/.ssh/']\n",
            2,
            "scope: project",
        ),
        ("detection:\n  categories:\n    phi: {min_score: 1.5}\n", 3, "min_score"),
    ],
)
def test_invalid_policy_errors_name_file_and_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy_text(text, "/etc/claude-guard/policy.yaml")
    message = str(caught.value)
    assert f"/etc/claude-guard/policy.yaml:{line}:" in message
    assert fragment in message


def test_empty_policy_file_is_an_error() -> None:
    with pytest.raises(PolicyError, match="empty"):
        parse_policy_text("", "p.yaml")


def test_numeric_version_is_kept_as_text() -> None:
    assert parse_policy_text("version: 3\n", "p").version == "3"


def test_schema_is_a_json_schema_naming_every_section() -> None:
    schema = PolicyLayer.model_json_schema()
    assert {"paths", "tools", "mode", "defaults", "limits", "detection"} <= set(
        schema["properties"]
    )


def test_missing_policy_denies(guard: GuardEnv, run) -> None:
    (guard.guard_home / "policies" / "default.yaml").unlink()
    answer = run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))
    assert answer.exit_code == 2
    assert "no policy file found" in answer.stderr


def test_invalid_project_policy_denies_with_file_and_line(guard: GuardEnv, run) -> None:
    path = guard.write_policy("project", "version: 1\nmode: sometimes\n")
    answer = run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))
    assert answer.exit_code == 2
    assert f"{path}:2: mode" in answer.stderr


def test_a_policy_file_that_is_not_utf8_is_a_clear_deny(guard: GuardEnv, run) -> None:
    path = guard.project / ".claude-guard.yaml"
    path.write_bytes(b"mode: enforce\n# caf\xe9\n")
    answer = run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))
    assert answer.exit_code == 2 and f"{path}: policy file is not UTF-8" in answer.stderr
