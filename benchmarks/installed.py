"""A throwaway HOME with claude-guard installed by the repo's install.sh, as a user has it.

Benchmarks measure the installed hook, not the dev checkout: the dev venv's editable install
adds an import finder to every interpreter start, which would inflate the floor.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import harness  # noqa: E402, F401 (re-exported for bench_e2e)
from harness import install_guard, managed_policy_path  # noqa: E402


@dataclass(frozen=True)
class Installed:
    home: Path
    hook_argv: list[str]  # exactly the command Claude Code runs
    env: dict[str, str]

    @property
    def python(self) -> str:
        return self.hook_argv[0]

    @property
    def guard_home(self) -> Path:
        return self.home / ".claude-guard"

    @property
    def work(self) -> Path:
        """The throwaway directory around the HOME, for projects and data."""
        return self.home.parent

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        launcher = self.home / ".local" / "bin" / "claude-guard"
        return subprocess.run(
            [str(launcher), *args], env=self.env, capture_output=True, text=True, check=False
        )


@contextlib.contextmanager
def installed(prefix: str) -> Iterator[Installed]:
    """claude-guard installed in a throwaway HOME; its service stopped and all removed after."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    inst: Installed | None = None
    try:
        inst = install(work)
        yield inst
    finally:
        if inst is not None:
            stop_service(inst)
        shutil.rmtree(work, ignore_errors=True)


def install(work: Path) -> Installed:
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    install_guard(home)
    settings = json.loads((home / ".claude" / "settings.json").read_text())
    command = settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "CLAUDE_GUARD_MANAGED_POLICY": str(managed_policy_path(home)),
    }
    return Installed(home, shlex.split(command), env)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def stop_service(inst: Installed) -> None:
    inst.cli("service", "stop")
