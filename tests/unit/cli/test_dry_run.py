"""`claude-guard check` is a dry run: the hook's decision, and not one byte of the guard home
changed, whatever the event asks the session to remember or forget."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from claude_guard.cli.main import main
from tests.conftest import GuardEnv

SSN = "536-22-8726"
OTHER_SSN = "412-67-3050"
PATIENT_LINE = f"Patient: Maria Gonzalez  MRN: 00458123  SSN: {SSN}  DOB: 03/14/1957"


def _snapshot(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry under `root`: its mode and, for files, its bytes."""
    found: dict[str, tuple[int, bytes | None]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
            found[str(path.relative_to(root))] = (info.st_mode, data)
    return found


def _events(guard: GuardEnv) -> dict[str, dict[str, Any]]:
    copy = guard.bash_output("", command="cp .env copy.txt")
    return {
        "SessionEnd": guard.event("SessionEnd", reason="other"),
        "redaction": guard.bash_output(f"Patient: Ana Ruiz SSN: {OTHER_SSN}\n"),
        "tainting copy": copy,
        "SessionStart": guard.event("SessionStart", source="startup"),
    }


def _check(event: dict[str, Any]) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["check", "--json"], input=json.dumps(event))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def _with_history(guard: GuardEnv, run) -> None:
    """A session that has seen a patient (placeholders stored) and swept once."""
    run(guard.event("SessionStart", source="startup"))
    run(guard.bash_output(f"{PATIENT_LINE}\n"))
    assert list((guard.guard_home / "sessions").glob("*.json"))


def test_check_changes_nothing_in_the_guard_home(guard: GuardEnv, run, monkeypatch) -> None:
    monkeypatch.chdir(guard.project)
    _with_history(guard, run)
    before = _snapshot(guard.guard_home)
    results = {name: _check(event) for name, event in _events(guard).items()}
    assert _snapshot(guard.guard_home) == before
    redaction = results["redaction"]
    assert redaction["decision"] == "redact"
    shown = redaction["updated_output"]["stdout"]
    # The placeholder the hook would give: the session already numbered one SSN.
    assert OTHER_SSN not in shown and "<US_SSN_2>" in shown
    assert results["SessionEnd"]["decision"] == "allow"


def test_the_same_events_through_the_hook_do_change_it(guard: GuardEnv, run, monkeypatch) -> None:
    """The control: without it, an unchanged home could mean the events did nothing."""
    monkeypatch.chdir(guard.project)
    _with_history(guard, run)
    (guard.project / "copy.txt").write_text("API_TOKEN=CANARY_DOTENV_7f3a\n")
    events = _events(guard)
    before = _snapshot(guard.guard_home)
    run(events["tainting copy"])
    state = json.loads(next((guard.guard_home / "sessions").glob("*.json")).read_text())
    assert str(guard.project / "copy.txt") in state["tainted"]
    run(events["SessionEnd"])
    assert not list((guard.guard_home / "sessions").glob("*.json"))
    assert _snapshot(guard.guard_home) != before
