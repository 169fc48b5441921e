"""Merging claude-guard into settings.json without disturbing anything else."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from claude_guard.cli.claude_settings import (
    HOOK_EVENTS,
    SettingsError,
    hook_command,
    install_hooks,
    is_ours,
    uninstall_hooks,
    with_hooks,
    without_hooks,
)

CMD = "/h/.claude-guard/venv/bin/python -I /h/.claude-guard/hooks/claude_guard_hook.py"
EXISTING = {
    "model": "opus",
    "permissions": {"deny": ["Read(./.env)"]},
    "env": {"FOO": "bar"},
    "hooks": {
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/bin/lint-cmd"}]}
        ],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    },
}


def _ours(settings: dict) -> dict[str, int]:
    return {
        event: sum(is_ours(h) for g in groups for h in g.get("hooks", []))
        for event, groups in settings.get("hooks", {}).items()
    }


def test_install_adds_every_event_and_keeps_the_rest() -> None:
    merged = with_hooks(EXISTING, CMD)
    assert _ours(merged) == {**{e: 1 for e in HOOK_EVENTS}, "Stop": 0}
    assert merged["model"] == "opus" and merged["env"] == {"FOO": "bar"}
    assert merged["permissions"] == EXISTING["permissions"]
    assert merged["hooks"]["PreToolUse"][0] == EXISTING["hooks"]["PreToolUse"][0]
    assert merged["hooks"]["Stop"] == EXISTING["hooks"]["Stop"]
    pre = merged["hooks"]["PreToolUse"][1]
    assert pre["matcher"] == "*" and pre["hooks"][0]["timeout"] > 10


def test_install_is_idempotent_and_replaces_an_old_command() -> None:
    once = with_hooks(EXISTING, CMD)
    assert with_hooks(once, CMD) == once
    moved = with_hooks(once, CMD.replace("/h/", "/new/"))
    assert _ours(moved)["PreToolUse"] == 1
    assert "/new/" in json.dumps(moved) and "/h/.claude-guard" not in json.dumps(moved)


def test_uninstall_restores_the_original() -> None:
    assert without_hooks(with_hooks(EXISTING, CMD)) == EXISTING
    assert without_hooks(with_hooks({}, CMD)) == {}


def test_files_on_disk(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(EXISTING))
    path.chmod(0o640)
    install_hooks(path, CMD)
    assert _ours(json.loads(path.read_text()))["SessionEnd"] == 1
    assert path.stat().st_mode & 0o777 == 0o640
    assert uninstall_hooks(path) is True
    assert json.loads(path.read_text()) == EXISTING
    assert uninstall_hooks(path) is False


def test_invalid_settings_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"model": "opus",\n  oops}')
    with pytest.raises(SettingsError, match=r"settings.json:2: not valid JSON"):
        install_hooks(path, CMD)
    assert path.read_text() == '{"model": "opus",\n  oops}'


def test_a_symlinked_settings_file_stays_a_link_and_keeps_its_text(tmp_path: Path) -> None:
    # A dotfiles checkout links ~/.claude/settings.json to a tracked file: install must change
    # the tracked file, not replace the link, and must not escape its non-ASCII text.
    dotfiles = tmp_path / "dotfiles" / "settings.json"
    dotfiles.parent.mkdir()
    dotfiles.write_text(json.dumps({"statusLine": "Grüße ✓"}, ensure_ascii=False))
    link = tmp_path / ".claude" / "settings.json"
    link.parent.mkdir()
    link.symlink_to(dotfiles)
    install_hooks(link, CMD)
    assert link.is_symlink()
    assert _ours(json.loads(dotfiles.read_text()))["SessionEnd"] == 1
    assert "Grüße ✓" in dotfiles.read_text(encoding="utf-8")


def test_each_event_registration_names_its_event_and_replaces_an_old_one() -> None:
    """The hook learns from its argument that a tool already ran, even when it cannot parse the
    event; a registration made before (no argument) is recognised and replaced."""
    script = Path("/h/.claude-guard/hooks/claude_guard_hook.py")
    old = with_hooks(EXISTING, hook_command("/usr/bin/python3", script))
    merged = with_hooks(old, lambda event: hook_command("/usr/bin/python3", script, event))
    assert _ours(merged) == {**{e: 1 for e in HOOK_EVENTS}, "Stop": 0}
    for event in HOOK_EVENTS:
        ours = [h["command"] for g in merged["hooks"][event] for h in g["hooks"] if is_ours(h)]
        command = ours[0]
        assert shlex.split(command) == ["/usr/bin/python3", "-I", "-S", str(script), event]
