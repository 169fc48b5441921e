"""What a call touches, tool by tool: every tool that takes a path, MCP arguments (and their
bounds), a local file fetched by WebFetch, `@mentions` in a prompt, recursive reads past the
walk limit, the Bash first line; and a tool input of the wrong shape (in-process hook runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import GuardEnv


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


def test_mcp_tool_reading_a_phi_file_is_denied_by_content(guard: GuardEnv, run) -> None:
    export = _touch(
        guard.project / "exports" / "q3.csv",
        "patient_name,dob,mrn\nMaria Gonzalez,1957-03-14,00458123\n",
    )
    answer = run(guard.tool("mcp__fs__read_text_file", path=str(export)))
    assert answer.exit_code == 2
    assert "contains phi" in answer.stderr


def _nested(depth: int, leaf: object) -> object:
    for _ in range(depth):
        leaf = {"inner": leaf}
    return leaf


def test_mcp_arguments_beyond_the_checked_bounds_are_not_silently_allowed(
    guard: GuardEnv, run
) -> None:
    # Within bounds, an ordinary MCP call goes through; past them (a path hidden 25 levels
    # down, item 1,001 of a list) the call is not verifiable and the unanalysable default
    # (deny) decides, naming why.
    ok = run(guard.tool("mcp__db__query", args=_nested(5, "select 1")))
    assert ok.exit_code == 0
    deep = run(guard.tool("mcp__fs__read", args=_nested(25, str(guard.project / ".env"))))
    assert deep.exit_code == 2 and "nested deeper than 20 levels" in deep.stderr
    many = ["x"] * 1000 + [str(guard.project / ".env")]
    wide = run(guard.tool("mcp__fs__read_many", paths=many))
    assert wide.exit_code == 2 and "more than 1000 items" in wide.stderr


def test_webfetch_of_a_local_file_has_its_content_scanned(guard: GuardEnv, run) -> None:
    # No path rule covers notes.txt: only its content (an SSN in a patient note) can stop it.
    notes = guard.project / "notes.txt"
    notes.write_text("Patient: Maria Gonzalez SSN 536-22-8726\n")
    answer = run(guard.tool("WebFetch", url=f"file://{notes}", prompt="summarise"))
    assert answer.exit_code == 2 and "US_SSN" in answer.stderr
    clean = guard.project / "README.md"
    assert run(guard.tool("WebFetch", url=f"file://{clean}", prompt="summarise")).exit_code == 0


def test_an_mcp_path_that_cannot_be_used_is_unresolved_not_a_scan_of_the_one_before(
    guard: GuardEnv, run
) -> None:
    # Two path arguments, the second with a NUL byte: the call is unresolved (denied by the
    # default), and the first file is not queued twice under the second one's name.
    answer = run(
        guard.tool(
            "mcp__fs__copy",
            source=str(guard.project / "README.md"),
            target=str(guard.project / "x\x00y"),
        )
    )
    assert answer.exit_code == 2 and "NUL byte" in answer.stderr
