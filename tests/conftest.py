"""Shared fixtures: a throwaway HOME with the shipped default policy, and a project in it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_POLICY = REPO / "policies" / "default.yaml"
# Hook calls in tests start services in throwaway homes: each fixture stops its own, and this
# makes any that escape exit soon after their last call.
os.environ.setdefault("CLAUDE_GUARD_SERVICE_IDLE_SECONDS", "20")


def stop_service(guard_home: Path) -> None:
    from claude_guard.entry.service import control

    control(guard_home, "stop", timeout=2.0)


@dataclass
class GuardEnv:
    home: Path
    guard_home: Path
    project: Path

    def event(self, name: str = "PreToolUse", **fields: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "session_id": "sess-1",
            "transcript_path": str(self.home / "t.jsonl"),
            "cwd": str(self.project),
            "hook_event_name": name,
        }
        if name in ("PreToolUse", "PostToolUse"):
            base["tool_use_id"] = "toolu_1"
        base.update(fields)
        return base

    def tool(self, tool_name: str, **tool_input: Any) -> dict[str, Any]:
        return self.event("PreToolUse", tool_name=tool_name, tool_input=tool_input)

    def bash_output(self, stdout: str, command: str = "cat notes.txt") -> dict[str, Any]:
        """A PostToolUse event for a Bash call, in the response shape the client sends."""
        return self.event(
            "PostToolUse",
            tool_name="Bash",
            tool_input={"command": command},
            tool_response={
                "stdout": stdout,
                "stderr": "",
                "interrupted": False,
                "isImage": False,
                "noOutputExpected": not stdout,
            },
        )

    def audit_lines(self) -> list[dict[str, Any]]:
        records = []
        for path in sorted((self.guard_home / "audit").glob("*.jsonl")):
            records += [json.loads(line) for line in path.read_text().splitlines()]
        return records

    def audit_text(self) -> str:
        return "".join(p.read_text() for p in (self.guard_home / "audit").glob("*"))

    def write_policy(self, layer: str, text: str) -> Path:
        path = {
            "user": self.guard_home / "policy.yaml",
            "project": self.project / ".claude-guard.yaml",
            "managed": self.home / "managed-policy.yaml",
        }[layer]
        path.write_text(text)
        return path


@pytest.fixture
def guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GuardEnv]:
    home = tmp_path / "home"
    guard_home = home / ".claude-guard"
    (guard_home / "policies").mkdir(parents=True)
    shutil.copyfile(DEFAULT_POLICY, guard_home / "policies" / "default.yaml")
    project = home / "work" / "proj"
    (project / "src").mkdir(parents=True)
    (project / "src" / "app.py").write_text("print('hello')\n")
    (project / "README.md").write_text("# proj\n")
    (project / ".env").write_text("API_TOKEN=CANARY_DOTENV_7f3a\n")
    (project / ".env.example").write_text("API_TOKEN=\n")
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CLAUDE_GUARD_HOME", raising=False)
    monkeypatch.delenv("CLAUDE_PROJECT_DIR", raising=False)
    monkeypatch.setenv("CLAUDE_GUARD_MANAGED_POLICY", str(home / "managed-policy.yaml"))
    yield GuardEnv(home, guard_home, project)
    stop_service(guard_home)


@pytest.fixture
def run(guard: GuardEnv) -> Callable[[dict[str, Any] | bytes], Any]:
    """Evaluate one event in-process, as the hook would."""
    from claude_guard.entry.hook import run_hook

    def _run(event: dict[str, Any] | bytes) -> Any:
        raw = event if isinstance(event, bytes) else json.dumps(event).encode()
        return run_hook(raw)

    return _run
