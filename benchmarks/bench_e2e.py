"""End-to-end overhead with the real Claude Code client: the same benign scripted session with
and without claude-guard installed, wall time compared.

    CLAUDE_BIN=.cache/npm/node_modules/.bin/claude python benchmarks/bench_e2e.py [--runs 5]

The model is the tests' scripted fake (tests/e2e/fake_model.py), so the session's wall time is
the client plus its hooks, not network or model time: the worst case for the ratio. Runs
alternate between the two homes so drift hits both alike. The guarded home's service is
started by the first run (a cold start) and reported separately from the warm runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from installed import harness, installed


def session(project: Path) -> list[Any]:
    """Eight tool calls of ordinary work, then an answer."""
    app, notes = project / "src" / "app.py", project / "notes" / "plan.md"
    return [
        [{"name": "Read", "input": {"file_path": str(app)}}],
        [{"name": "Bash", "input": {"command": "git status --short && ls -la src"}}],
        [{"name": "Read", "input": {"file_path": str(project / "README.md")}}],
        [{"name": "Write", "input": {"file_path": str(notes), "content": "# plan\n- tests\n"}}],
        [
            {
                "name": "Edit",
                "input": {"file_path": str(notes), "old_string": "- tests", "new_string": "- more"},
            }
        ],
        [{"name": "Bash", "input": {"command": "python3 -c 'print(6 * 7)'"}}],
        [{"name": "Bash", "input": {"command": "git diff --stat | tail -1"}}],
        [{"name": "Read", "input": {"file_path": str(notes)}}],
        "All done.",
    ]


def one_run(home: Path, work: Path, label: str, i: int) -> float:
    root = work / f"{label}-{i}"
    harness.make_project(root)
    started = time.perf_counter()
    run = harness.run_claude(home, root, "tidy up the notes", session(root))
    elapsed = time.perf_counter() - started
    results = run.tool_results()
    errors = [r for r in results if r.is_error]
    if run.returncode != 0 or errors or len(results) != 8:
        raise SystemExit(f"{label} run {i} did not complete cleanly:\n{run.describe()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if harness.find_claude_bin() is None:
        raise SystemExit(harness.missing_claude_message())
    with installed("cg-bench-e2e-") as inst:
        work, guarded = inst.work, inst.home
        plain = work / "plain" / "home"
        plain.mkdir(parents=True)
        cold = one_run(guarded, work, "guarded-cold", 0)
        one_run(plain, work, "plain-warmup", 0)
        times: dict[str, list[float]] = {"plain": [], "guarded": []}
        for i in range(args.runs):
            times["plain"].append(one_run(plain, work, "plain", i))
            times["guarded"].append(one_run(guarded, work, "guarded", i))
        p, g = statistics.median(times["plain"]), statistics.median(times["guarded"])
        # Every guarded session must really have been guarded: a PreToolUse and a PostToolUse
        # record per tool call, and one for the prompt.
        records = harness.audit_records(guarded)
        if len(records) < (args.runs + 1) * 17:
            raise SystemExit(f"only {len(records)} audit records: the hooks did not all run")
        print(
            f"real client {harness.find_claude_bin()}, {args.runs} runs each, 8 tool calls + 1 "
            "prompt per session (each call runs PreToolUse and PostToolUse hooks)"
        )
        print(
            f"  without claude-guard: median {p:.2f} s  (runs: "
            f"{', '.join(f'{t:.2f}' for t in times['plain'])})"
        )
        print(
            f"  with claude-guard:    median {g:.2f} s  (runs: "
            f"{', '.join(f'{t:.2f}' for t in times['guarded'])})"
        )
        print(
            f"  ratio: {g / p:.3f}x  (first guarded session, service cold: {cold:.2f} s; "
            f"{len(records)} audit records, decided by the service: "
            f"{sum(1 for r in records if r.get('decided_by') == 'service')})"
        )


if __name__ == "__main__":
    main()
