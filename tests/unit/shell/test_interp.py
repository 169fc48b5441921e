"""The interpreter (`interp`): its time budget, and everyday command lines that stay clean."""

from __future__ import annotations

import time

import pytest

import claude_guard.shell.interp as interp
from tests.unit.shell.roads import run


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
