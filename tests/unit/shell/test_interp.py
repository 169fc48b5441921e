"""The interpreter (`interp`): its time budget, and everyday command lines that stay clean."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import claude_guard.shell.interp as interp
from claude_guard.shell import ShellAnalysis, analyse


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[str, str]:
    project, home = tmp_path / "project", tmp_path / "home"
    (project / "src").mkdir(parents=True)
    (project / "build").mkdir()
    (project / ".env").write_text("SECRET=1\n")
    (project / "README.md").write_text("hello\n")
    (project / "src" / "a.py").write_text("")
    (project / "src" / "b.py").write_text("")
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("key\n")
    return str(project), str(home)


def run(sandbox: tuple[str, str], command: str) -> ShellAnalysis:
    cwd, home = sandbox
    return analyse(command.replace("HOME/", home + "/"), cwd, home)


def reached(analysis: ShellAnalysis, path: str) -> bool:
    """The path is reported read, or something is sent out, or the command is not followed."""
    read = any(os.path.normpath(a.path) == path for a in analysis.accesses)
    return read or bool(analysis.egress) or bool(analysis.unanalysable)


def env(sandbox: tuple[str, str]) -> str:
    return sandbox[0] + "/.env"


def key(sandbox: tuple[str, str]) -> str:
    return sandbox[1] + "/.ssh/id_rsa"


def test_glob_stops_at_the_time_budget(
    sandbox: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interp, "MAX_SECONDS", -1.0)
    analysis = run(sandbox, "ls */*.py")
    assert any("glob" in reason for reason in analysis.unanalysable), analysis


def test_wide_glob_over_the_whole_disk_is_bounded(sandbox: tuple[str, str]) -> None:
    start = time.monotonic()
    run(sandbox, "ls /*/*/*/*/zzz")
    assert time.monotonic() - start < 2.0


@pytest.mark.parametrize(
    "command",
    [
        "cd src && ls",
        "cd build && make || true",
        'for f in src/*.py; do wc -l "$f"; done',
        "if [ -f README.md ]; then cat README.md; else echo none; fi",
        "while read l; do echo $l; done < README.md",
        "cd src; ls; cd ..; cat README.md",
        "for d in src build; do cd $d; ls; cd ..; done; cat README.md",
        "for f in src/*.py; do cd src; cat $(basename $f); cd ..; done; cat README.md",
        "f() { echo hi; }; f",
        "CDPATH= cd src; ls",
        'x=; for f in src/*.py; do x="$x $f"; done; echo $x',
        "count=0; while [ $count -lt 3 ]; do count=$((count+1)); done; echo $count",
        "for ((i=0; i<3; i++)); do echo $i; done",
        "cd src 2>/dev/null || exit 1; ls a.py",
        "ls ~/ && cat ~/.bashrc",
        "x=a.py; cat src/${x%.py}.py",
        "printf '%s\\n' '$(not run)'",
        "git commit -m 'fix: a[$(x)]'",
    ],
)
def test_everyday_commands_stay_clean(sandbox: tuple[str, str], command: str) -> None:
    analysis = run(sandbox, command)
    assert analysis.clean, analysis
