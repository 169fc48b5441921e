"""Per-call hook latency, whole process, next to the floor measured in the same run.

    python benchmarks/bench_hook.py [--calls N]

The floor is `python -c pass` with the same interpreter; every scenario starts a fresh hook
process exactly as Claude Code does, in a throwaway HOME with the shipped default policy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOOK = REPO / "hooks" / "claude_guard_hook.py"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(argv: list[str], stdin: bytes, env: dict[str, str], calls: int) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        done = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
        samples.append((time.perf_counter() - started) * 1000)
        if done.returncode not in (0, 2):
            raise SystemExit(f"hook failed: {done.stderr.decode()}")
    return samples


def scenarios(project: Path) -> dict[str, dict]:
    source = project / "src" / "module.py"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(("def f(x):\n    return x * 2  # some ordinary code\n" * 250)[:10_240])
    base = {"session_id": "bench", "cwd": str(project), "tool_use_id": "toolu_b"}
    return {
        "PreToolUse Read 10 KB source": {
            **base,
            "hook_event_name": "PreToolUse",
            "tool_name": "Read",
            "tool_input": {"file_path": str(source)},
        },
        "PreToolUse Read .env (deny)": {
            **base,
            "hook_event_name": "PreToolUse",
            "tool_name": "Read",
            "tool_input": {"file_path": str(project / ".env")},
        },
        "PreToolUse Bash typical": {
            **base,
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "git status && pytest -q tests/ | tail -5"},
        },
        "UserPromptSubmit 2 KB": {
            **base,
            "hook_event_name": "UserPromptSubmit",
            "prompt": ("Please refactor the parser in src/module.py and add tests. " * 40)[:2048],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    try:
        home = work / "home"
        (home / ".claude-guard" / "policies").mkdir(parents=True)
        shutil.copyfile(
            REPO / "policies" / "default.yaml", home / ".claude-guard" / "policies" / "default.yaml"
        )
        project = home / "proj"
        (project / ".git").mkdir(parents=True)
        (project / ".env").write_text("TOKEN=x\n")
        env = {
            **os.environ,
            "HOME": str(home),
            "CLAUDE_GUARD_MANAGED_POLICY": str(work / "no-managed.yaml"),
        }
        floor = timed([sys.executable, "-c", "pass"], b"", env, args.calls)
        rows = [("floor: python -c pass", floor)]
        for name, event in scenarios(project).items():
            rows.append(
                (
                    name,
                    timed([sys.executable, str(HOOK)], json.dumps(event).encode(), env, args.calls),
                )
            )
        floor_p50 = statistics.median(floor)
        print(f"{args.calls} calls each, Python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
        print("| call | p50 ms | p95 ms | p99 ms | p50 / floor |")
        print("|---|---|---|---|---|")
        for name, samples in rows:
            p50 = statistics.median(samples)
            print(
                f"| {name} | {p50:.1f} | {percentile(samples, 0.95):.1f} | "
                f"{percentile(samples, 0.99):.1f} | {p50 / floor_p50:.1f}x |"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
