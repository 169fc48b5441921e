"""Per-call hook latency, whole process, next to the floor measured in the same run.

    python benchmarks/bench_hook.py [--calls 200] [--in-process-calls 50]

claude-guard is installed into a throwaway HOME by install.sh, and every call starts the
installed hook exactly as Claude Code does (the command from settings.json, event on stdin).
Per scenario and per iteration, interleaved so that machine drift hits all columns alike:

  floor        `python -c pass` with the installed interpreter (the issue's floor)
  bare floor   `python -I -S -c pass`, the interpreter with nothing imported at all
  service      the hook, answered by the warm service
  in-process   the hook with the service switched off: a fresh engine decides in the process

Scenarios that would otherwise be answered from the scan cache change the content between
calls (outside the timed region) and say so.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installed import Installed, installed, percentile


@dataclass
class Scenario:
    name: str
    event: Callable[[int], dict[str, Any]]  # the event for call i (may rewrite a file first)
    expect: int = 0
    samples: dict[str, list[float]] = field(default_factory=dict)


def timed(argv: list[str], stdin: bytes, env: dict[str, str], expect: int | None) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if expect is not None and done.returncode != expect:
        raise SystemExit(f"{argv}: exit {done.returncode}, wanted {expect}: {done.stderr[:300]!r}")
    return elapsed


def scenarios(project: Path) -> list[Scenario]:
    src = project / "src"
    src.mkdir(parents=True, exist_ok=True)
    line = "def f(x):\n    return x * 2  # some ordinary code\n"
    small, big = src / "module.py", src / "generated.py"
    small.write_text((line * 400)[:10_240])
    big_text = (line * 30_000)[: 1024 * 1024]
    big.write_text(big_text)
    changing = src / "changing.py"
    base = {"session_id": "bench", "cwd": str(project), "tool_use_id": "toolu_b"}

    def read(path: Path) -> dict[str, Any]:
        return {
            **base,
            "hook_event_name": "PreToolUse",
            "tool_name": "Read",
            "tool_input": {"file_path": str(path)},
        }

    def read_changed(size: int) -> Callable[[int], dict[str, Any]]:
        def event(i: int) -> dict[str, Any]:
            changing.write_text(f"# revision {i}\n" + (line * (size // len(line) + 1))[:size])
            return read(changing)

        return event

    log_line = "[build] compiling module {i:05d} ... ok (0.{i:03d}s)\n"

    def post_output(i: int) -> dict[str, Any]:
        stdout = "".join(log_line.format(i=(i * 1000 + n) % 100_000) for n in range(1200))
        return {
            **base,
            "hook_event_name": "PostToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "make build"},
            "tool_response": {
                "stdout": stdout[: 50 * 1024],
                "stderr": "",
                "interrupted": False,
                "isImage": False,
            },
        }

    prompt = ("Please refactor the parser in src/module.py and add tests for it. " * 40)[:2048]
    return [
        Scenario("PreToolUse Read 10 KB source", lambda i: read(small)),
        Scenario("PreToolUse Read 10 KB, changed every call", read_changed(10 * 1024)),
        Scenario("PreToolUse Read 1 MB source", lambda i: read(big)),
        Scenario("PreToolUse Read 1 MB, changed every call", read_changed(1024 * 1024)),
        Scenario("PreToolUse Read .env (path deny)", lambda i: read(project / ".env"), expect=2),
        Scenario(
            "PreToolUse Bash typical",
            lambda i: {
                **base,
                "hook_event_name": "PreToolUse",
                "tool_name": "Bash",
                "tool_input": {"command": "git status && pytest -q tests/ | tail -5"},
            },
        ),
        Scenario("PostToolUse Bash, 50 KB output (new each call)", post_output),
        Scenario(
            "UserPromptSubmit 2 KB prompt",
            lambda i: {**base, "hook_event_name": "UserPromptSubmit", "prompt": prompt},
        ),
    ]


def run(inst: Installed, project: Path, calls: int, in_process_calls: int) -> list[Scenario]:
    floor = [inst.python, "-c", "pass"]
    bare = [inst.python, "-I", "-S", "-c", "pass"]
    off = {**inst.env, "CLAUDE_GUARD_SERVICE": "off"}
    all_scenarios = scenarios(project)
    # Start the service and let every scenario pass once before measuring.
    for scenario in all_scenarios:
        timed(inst.hook_argv, json.dumps(scenario.event(0)).encode(), inst.env, scenario.expect)
    for scenario in all_scenarios:
        s = scenario.samples = {"floor": [], "bare floor": [], "service": [], "in-process": []}
        for i in range(calls):
            raw = json.dumps(scenario.event(i + 1)).encode()
            s["floor"].append(timed(floor, b"", inst.env, 0))
            s["bare floor"].append(timed(bare, b"", inst.env, 0))
            s["service"].append(timed(inst.hook_argv, raw, inst.env, scenario.expect))
            if i < in_process_calls:
                s["in-process"].append(timed(inst.hook_argv, raw, off, scenario.expect))
        print(f"  measured: {scenario.name}", file=sys.stderr)
    return all_scenarios


def report(found: list[Scenario], calls: int, in_process_calls: int) -> None:
    print(
        f"\n{calls} calls per scenario ({in_process_calls} in-process), "
        f"Python {sys.version.split()[0]}, whole process, ms\n"
    )
    print(
        "| call | floor p50/p95/p99 | service p50/p95/p99 | service p50 ÷ floor p50 "
        "| service p99 ÷ floor p99 | in-process p50/p95/p99 |"
    )
    print("|---|---|---|---|---|---|")

    def triple(xs: list[float]) -> str:
        return (
            f"{statistics.median(xs):.1f} / {percentile(xs, 0.95):.1f} / {percentile(xs, 0.99):.1f}"
        )

    for sc in found:
        s = sc.samples
        p50 = statistics.median(s["service"]) / statistics.median(s["floor"])
        p99 = percentile(s["service"], 0.99) / percentile(s["floor"], 0.99)
        print(
            f"| {sc.name} | {triple(s['floor'])} | {triple(s['service'])} | {p50:.2f}x "
            f"| {p99:.2f}x | {triple(s['in-process'])} |"
        )
    bare = [x for sc in found for x in sc.samples["bare floor"]]
    print(f"\nbare floor (`python -I -S -c pass`, all scenarios): {triple(bare)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--in-process-calls", type=int, default=50)
    args = parser.parse_args()
    with installed("cg-bench-") as inst:
        project = inst.home / "proj"
        (project / ".git").mkdir(parents=True)
        (project / ".env").write_text("TOKEN=x\n")
        found = run(inst, project, args.calls, args.in_process_calls)
        report(found, args.calls, args.in_process_calls)


if __name__ == "__main__":
    main()
