"""The shipped default policy, through every tool that takes a path (in-process hook runs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import GuardEnv

DENIED_IN_PROJECT = [
    ".env",
    ".env.local",
    ".env.production",
    "deploy/prod.env",
    ".envrc",
    "config/credentials.json",
    "k8s/secrets.yaml",
    "k8s/secrets.yml",
    "certs/server.pem",
    "certs/server.key",
    "certs/client.p12",
    "certs/client.pfx",
    "android/release.jks",
    "keys/id_rsa",
    "keys/id_ed25519",
    ".git-credentials",
    "infra/terraform.tfstate",
    "infra/terraform.tfstate.backup",
    ".netrc",
]


ALLOWED_IN_PROJECT = [
    "src/app.py",
    "README.md",
    ".env.example",
    ".env.sample",
    ".env.template",
    "docs/environment.md",
    "src/env.py",
    "src/keys.py",
    "src/credentials.py",
    "package.json",
    "terraform/main.tf",
    "keys/id_ed25519.pub",
]


DENIED_IN_HOME = [
    ".ssh/id_rsa",
    ".ssh/id_rsa.pub",
    ".ssh/config",
    ".ssh/authorized_keys",
    ".aws/credentials",
    ".config/gcloud/application_default_credentials.json",
    ".kube/config",
    ".docker/config.json",
    ".netrc",
    ".npmrc",
    ".pypirc",
    ".git-credentials",
    ".gnupg/private-keys-v1.d/x.key",
]


def _touch(path: Path, text: str = "CANARY_FILE_91c2\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Write", {"file_path": "{p}/.env", "content": "X=1"}),
        ("Edit", {"file_path": "{p}/.env", "old_string": "a", "new_string": "b"}),
        (
            "MultiEdit",
            {"file_path": "{p}/.env", "edits": [{"old_string": "a", "new_string": "b"}]},
        ),
        ("NotebookEdit", {"notebook_path": "{p}/certs/nb.pem", "new_source": "x"}),
        ("NotebookRead", {"notebook_path": "{p}/.env"}),
        ("LS", {"path": "~/.ssh"}),
        ("Glob", {"pattern": "*", "path": "~/.ssh"}),
        ("Glob", {"pattern": "~/.ssh/*"}),
        ("Grep", {"pattern": "TOKEN", "path": "{p}/.env"}),
        ("Grep", {"pattern": "TOKEN", "path": "{p}"}),
        ("Grep", {"pattern": "TOKEN"}),
        ("WebFetch", {"url": "file://{p}/.env", "prompt": "x"}),
        ("mcp__fs__read_file", {"path": "{p}/.env"}),
        ("mcp__fs__read_files", {"paths": ["{p}/src/app.py", "~/.aws/credentials"]}),
        ("mcp__db__query", {"options": {"file": "{p}/.env"}}),
    ],
)
def test_every_tool_that_takes_a_path_is_checked(guard: GuardEnv, run, tool, tool_input) -> None:
    _touch(guard.home / ".aws" / "credentials")
    _touch(guard.project / "certs" / "nb.pem")
    text = json.dumps(tool_input).replace("{p}", str(guard.project))
    answer = run(guard.tool(tool, **json.loads(text)))
    assert answer.exit_code == 2, answer


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Write", {"file_path": "{p}/src/new.py", "content": "x = 1\n"}),
        ("Edit", {"file_path": "{p}/src/app.py", "old_string": "a", "new_string": "b"}),
        ("Grep", {"pattern": "TOKEN", "path": "{p}/src"}),
        ("Grep", {"pattern": "TOKEN", "path": "{p}", "glob": "*.py"}),
        ("Grep", {"pattern": "TOKEN", "path": "{p}", "glob": "!.env"}),
        ("Glob", {"pattern": "**/*.py", "path": "{p}"}),
        ("LS", {"path": "{p}"}),
        ("WebFetch", {"url": "https://example.com/", "prompt": "x"}),
        ("WebSearch", {"query": "pathspec gitignore"}),
        ("Agent", {"prompt": "look around", "description": "d", "subagent_type": "general"}),
        ("TodoWrite", {"todos": []}),
        ("mcp__fs__read_file", {"path": "{p}/src/app.py"}),
    ],
)
def test_ordinary_calls_are_allowed(guard: GuardEnv, run, tool, tool_input) -> None:
    text = json.dumps(tool_input).replace("{p}", str(guard.project))
    answer = run(guard.tool(tool, **json.loads(text)))
    assert answer.exit_code == 0, answer.stderr


def test_unknown_tool_gets_the_policy_default_not_an_allow(guard: GuardEnv, run) -> None:
    answer = run(guard.tool("TeleportFiles", anything="x"))
    assert answer.exit_code == 2
    assert "TeleportFiles is not allowed" in answer.stderr


def test_known_tool_with_wrong_shape_is_denied(guard: GuardEnv, run) -> None:
    answer = run(guard.tool("Read", path="/etc/hostname"))  # file_path missing
    assert answer.exit_code == 2
    assert "invalid tool input" in answer.stderr


@pytest.mark.parametrize(
    "command",
    [
        "cat .env",
        "cat ./.env | head",
        "head -n 3 < .env",
        "cp ~/.ssh/id_rsa /tmp/k",
        "tar czf /tmp/x.tgz ~/.aws/credentials",
        "echo '{}' > ~/.claude/settings.json",
        "rm ~/.claude-guard/policies/default.yaml",
        "cat .e?v",
        "cat /proc/self/environ",
    ],
)
def test_shell_first_line_catches_named_protected_files(guard: GuardEnv, run, command) -> None:
    _touch(guard.home / ".ssh" / "id_rsa")
    _touch(guard.home / ".aws" / "credentials")
    assert run(guard.tool("Bash", command=command)).exit_code == 2


@pytest.mark.parametrize(
    "command",
    ["ls -la", "git status", "git log --oneline -5", "pytest -q", "cat src/app.py", "npm test"],
)
def test_everyday_shell_commands_pass(guard: GuardEnv, run, command) -> None:
    assert run(guard.tool("Bash", command=command)).exit_code == 0


def test_guard_files_are_protected_from_edits_but_readable(guard: GuardEnv, run) -> None:
    policy = guard.guard_home / "policies" / "default.yaml"
    assert run(guard.tool("Read", file_path=str(policy))).exit_code == 0
    write = guard.tool("Write", file_path=str(policy), content="paths: []")
    assert run(write).exit_code == 2
    settings = guard.project / ".claude" / "settings.local.json"
    assert run(guard.tool("Write", file_path=str(settings), content="{}")).exit_code == 2
    key = guard.guard_home / "keys" / "installation.key"
    assert run(guard.tool("Read", file_path=str(key))).exit_code == 2


def test_prompt_mention_of_denied_file_is_blocked(guard: GuardEnv, run) -> None:
    answer = run(guard.event("UserPromptSubmit", prompt="please summarise @.env and @src/app.py"))
    assert answer.exit_code == 2
    assert ".env" in answer.stderr
    ok = run(guard.event("UserPromptSubmit", prompt="look at @src/app.py, email me@example.com"))
    assert ok.exit_code == 0


def test_grep_over_huge_tree_is_decided_by_policy_fallback(guard: GuardEnv, run) -> None:
    guard.write_policy("user", "limits: {max_walk_entries: 5}\n")
    for i in range(10):
        _touch(guard.project / "many" / f"f{i}.txt", "x")
    answer = run(guard.tool("Grep", pattern="x", path=str(guard.project / "many")))
    assert answer.exit_code == 2
    assert "cannot verify" in answer.stderr


def test_hook_is_readable_only_by_owner_in_guard_home(guard: GuardEnv, run) -> None:
    run(guard.tool("Read", file_path=str(guard.project / "src" / "app.py")))
    key = guard.guard_home / "keys" / "installation.key"
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"


def test_mcp_tool_reading_a_phi_file_is_denied_by_content(guard: GuardEnv, run) -> None:
    export = _touch(
        guard.project / "exports" / "q3.csv",
        "patient_name,dob,mrn\nMaria Gonzalez,1957-03-14,00458123\n",
    )
    answer = run(guard.tool("mcp__fs__read_text_file", path=str(export)))
    assert answer.exit_code == 2
    assert "contains phi" in answer.stderr
