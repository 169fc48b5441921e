"""The service's throughput, memory, cold start and behaviour under concurrent hook calls.

    python benchmarks/bench_service.py [--concurrency 8] [--calls 2000]

Everything runs against claude-guard installed by install.sh into a throwaway HOME.

  throughput   MB/s of the content scanner (no cache) on Python source and on PHI-dense
               records, next to a one-regex floor over the same text
  memory       the service's RSS after warm-up and after mixed calls, without and with the
               Presidio stage (spaCy pipeline) switched on by a project policy
  cold start   the first hook call with no service running: whole process, until the answer
  concurrency  N hook processes at once for M calls in all: errors, audit records lost or
               duplicated, chain verification, latency
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

from installed import Installed, installed, percentile, stop_service

SCAN_PROBE = r"""
import json, sys, time, re, secrets
from pathlib import Path
from claude_guard.detect.scanner import ContentScanner
scanner = ContentScanner.default(secrets.token_bytes(32))
out = {}
for name in sys.argv[1:]:
    text = Path(name).read_text()
    best = best_floor = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        found = scanner.scan_text(text)
        best = min(best, time.perf_counter() - t)
        t = time.perf_counter()
        re.findall(r"\d{3}-\d{2}-\d{4}", text)
        best_floor = min(best_floor, time.perf_counter() - t)
    mb = len(text.encode()) / 1e6
    out[name] = {"mb": mb, "mb_s": mb / best, "floor_mb_s": mb / best_floor,
                 "findings": len(found.findings)}
print(json.dumps(out))
"""


def phi_dense_text(rows: int) -> str:
    rng = random.Random(7)
    first = ["Maria", "James", "Ana", "Tomas", "Ada", "Wei", "Fatima", "John", "Priya", "Lena"]
    last = ["Gonzalez", "Smith", "Okafor", "Becker", "Nguyen", "Khan", "Rossi", "Cohen"]
    lines = ["patient_name,dob,ssn,mrn,phone,diagnosis,note"]
    for _ in range(rows):
        ssn = f"{rng.randint(100, 665):03d}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
        name = f"{rng.choice(first)} {rng.choice(last)}"
        dob = f"19{rng.randint(30, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        mrn = f"MRN{rng.randint(10**7, 10**8 - 1)}"
        phone = f"(555) 01{rng.randint(0, 9)}-{rng.randint(1000, 9999)}"
        note = f"seen in clinic; follow up in {rng.randint(2, 12)} weeks"
        lines.append(f"{name},{dob},{ssn},{mrn},{phone},E11.{rng.randint(0, 9)},{note}")
    return "\n".join(lines) + "\n"


def source_text(limit: int) -> str:
    parts, size = [], 0
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        if "test" in path.parts:
            continue
        text = path.read_text(errors="replace")
        parts.append(text)
        size += len(text)
        if size >= limit:
            break
    return "".join(parts)


def throughput(inst: Installed, work: Path) -> dict[str, Any]:
    source = work / "source.py"
    source.write_text(source_text(8 * 1024 * 1024))
    phi = work / "phi.csv"
    phi.write_text(phi_dense_text(8_000))
    done = subprocess.run(
        [inst.python, "-c", SCAN_PROBE, str(source), str(phi)],
        capture_output=True,
        text=True,
        env=inst.env,
        check=True,
    )
    result = json.loads(done.stdout)
    return {"source": result[str(source)], "phi-dense": result[str(phi)]}


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def status(inst: Installed) -> dict[str, Any] | None:
    done = inst.cli("service", "status")
    return json.loads(done.stdout) if done.returncode == 0 else None


def hook(inst: Installed, event: dict[str, Any]) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run(
        inst.hook_argv,
        input=json.dumps(event).encode(),
        capture_output=True,
        env=inst.env,
        check=False,
    )
    return done.returncode, (time.perf_counter() - started) * 1000


def mixed_events(project: Path, n: int) -> list[dict[str, Any]]:
    base = {"session_id": "bench-rss", "cwd": str(project), "tool_use_id": "toolu_r"}
    files = sorted((project / "src").glob("*.py"))
    out = []
    for i in range(n):
        if i % 3 == 0:
            out.append(
                {
                    **base,
                    "hook_event_name": "PreToolUse",
                    "tool_name": "Read",
                    "tool_input": {"file_path": str(files[i % len(files)])},
                }
            )
        elif i % 3 == 1:
            out.append(
                {
                    **base,
                    "hook_event_name": "PreToolUse",
                    "tool_name": "Bash",
                    "tool_input": {"command": f"grep -n def src/m{i % 20}.py | head"},
                }
            )
        else:
            out.append(
                {
                    **base,
                    "hook_event_name": "UserPromptSubmit",
                    "prompt": f"explain function {i} in src/m{i % 20}.py",
                }
            )
    return out


def presidio_notes(inst: Installed) -> list[str]:
    """What the audit records say about the Presidio stage (on, or why not)."""
    notes: set[str] = set()
    for path in (inst.guard_home / "audit").glob("*.jsonl"):
        for line in path.read_text().splitlines():
            notes |= {n for n in json.loads(line).get("notes", []) if "presidio" in n}
    return sorted(notes)


def memory(inst: Installed, project: Path) -> dict[str, Any]:
    # install.sh installs the core only; the Presidio stage is the `ner` extra.
    pip_env = {**inst.env, "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip")}
    pip = [inst.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "presidio-analyzer>=2.2.360,<3"], check=True, env=pip_env)
    result: dict[str, Any] = {}
    for label, policy in [
        ("no pipeline", None),
        ("Presidio stage, blank spaCy pipeline", "detection:\n  presidio:\n    enabled: true\n"),
    ]:
        stop_service(inst)
        policy_file = project / ".claude-guard.yaml"
        if policy:
            policy_file.write_text(policy)
        elif policy_file.exists():
            policy_file.unlink()
        events = mixed_events(project, 150)
        hook(inst, events[2])  # starts the service
        st = status(inst)
        assert st is not None
        after_start = rss_kb(st["pid"])
        for event in events:
            hook(inst, event)
        if policy:  # a finding, so that the record carries the stage's note
            prompt = {**events[2], "prompt": "Patient: Maria Gonzalez SSN 536-22-8726"}
            hook(inst, prompt)
        st = status(inst)
        assert st is not None
        result[label] = {
            "after_first_call_mb": after_start / 1024,
            "after_150_calls_mb": rss_kb(st["pid"]) / 1024,
            "notes": presidio_notes(inst) if policy else [],
        }
    (project / ".claude-guard.yaml").unlink(missing_ok=True)
    stop_service(inst)
    return result


def cold_start(inst: Installed, project: Path, runs: int) -> dict[str, float]:
    event = {
        "session_id": "bench-cold",
        "cwd": str(project),
        "hook_event_name": "PreToolUse",
        "tool_name": "Read",
        "tool_use_id": "toolu_c",
        "tool_input": {"file_path": str(project / "src" / "m1.py")},
    }
    samples = []
    for _ in range(runs):
        stop_service(inst)
        time.sleep(0.2)
        code, ms = hook(inst, event)
        assert code == 0
        samples.append(ms)
    warm = [hook(inst, event)[1] for _ in range(20)]
    return {
        "cold_median_ms": statistics.median(samples),
        "cold_max_ms": max(samples),
        "warm_median_ms": statistics.median(warm),
    }


WORKER = r"""
import json, os, subprocess, sys, time
argv, n, worker, project = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
floor = sys.argv[5] == "floor"
out = []
for i in range(n):
    path = ".env" if i % 4 == 0 else f"src/m{i % 20}.py"
    event = {"session_id": "bench-conc", "cwd": project, "hook_event_name": "PreToolUse",
             "tool_name": "Read", "tool_use_id": f"toolu_{worker}_{i}",
             "tool_input": {"file_path": os.path.join(project, path)}}
    t = time.perf_counter()
    done = subprocess.run(argv, input=json.dumps(event).encode(), capture_output=True)
    want = 0 if floor or i % 4 else 2
    out.append([done.returncode, (time.perf_counter() - t) * 1000, want])
print(json.dumps(out))
"""


def run_workers(
    inst: Installed, argv: list[str], project: Path, procs: int, per: int, kind: str
) -> tuple[list[list[Any]], float]:
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(argv), str(per), str(w), str(project), kind],
            stdout=subprocess.PIPE,
            env=inst.env,
        )
        for w in range(procs)
    ]
    results = [json.loads(w.communicate()[0]) for w in workers]
    return [r for rs in results for r in rs], time.perf_counter() - started


def concurrency(inst: Installed, project: Path, procs: int, calls: int) -> dict[str, Any]:
    audit_dir = inst.guard_home / "audit"
    before = sum(len(p.read_text().splitlines()) for p in audit_dir.glob("*.jsonl"))
    per = calls // procs
    floor, _ = run_workers(inst, [inst.python, "-c", "pass"], project, procs, per, "floor")
    floor_ms = [ms for _, ms, _ in floor]
    flat, wall = run_workers(inst, inst.hook_argv, project, procs, per, "hook")
    wrong = sum(1 for code, _, want in flat if code != want)
    records = [
        json.loads(line)
        for p in sorted(audit_dir.glob("*.jsonl"))
        for line in p.read_text().splitlines()
    ][before:]
    ids = [r.get("tool_use_id") for r in records if r.get("session_id") == "bench-conc"]
    verify = inst.cli("audit", "verify")
    latencies = [ms for _, ms, _ in flat]
    return {
        "calls": len(flat),
        "processes": procs,
        "wrong_answers": wrong,
        "audit_records": len(ids),
        "duplicate_records": len(ids) - len(set(ids)),
        "missing_records": len(flat) - len(set(ids)),
        "decided_by_service": sum(1 for r in records if r.get("decided_by") == "service"),
        "chain_verifies": verify.returncode == 0,
        "wall_s": wall,
        "floor_p50_ms": statistics.median(floor_ms),
        "floor_p99_ms": percentile(floor_ms, 0.99),
        "calls_per_s": len(flat) / wall,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--cold-runs", type=int, default=10)
    args = parser.parse_args()
    with installed("cg-bench-svc-") as inst:
        project = inst.home / "proj"
        (project / "src").mkdir(parents=True)
        (project / ".git").mkdir()
        (project / ".env").write_text("TOKEN=x\n")
        for i in range(20):
            (project / "src" / f"m{i}.py").write_text(f"def f{i}(x):\n    return x + {i}\n" * 200)
        print("throughput (content scanner, no cache, best of 3):")
        for name, r in throughput(inst, inst.work).items():
            print(
                f"  {name}: {r['mb']:.1f} MB at {r['mb_s']:.1f} MB/s "
                f"(one-regex floor {r['floor_mb_s']:.0f} MB/s; {r['findings']} findings)"
            )
        print("service memory (VmRSS):")
        for label, r in memory(inst, project).items():
            print(
                f"  {label}: {r['after_first_call_mb']:.1f} MB after the first call, "
                f"{r['after_150_calls_mb']:.1f} MB after 150 mixed calls "
                + (f"({'; '.join(r['notes'])})" if r["notes"] else "")
            )
        cs = cold_start(inst, project, args.cold_runs)
        print(
            f"cold start (first call, no service running, {args.cold_runs} runs): median "
            f"{cs['cold_median_ms']:.0f} ms, max {cs['cold_max_ms']:.0f} ms; the same call warm: "
            f"{cs['warm_median_ms']:.1f} ms"
        )
        c = concurrency(inst, project, args.concurrency, args.calls)
        print(
            f"concurrency: {c['processes']} processes, {c['calls']} calls in {c['wall_s']:.1f} s "
            f"({c['calls_per_s']:.0f} calls/s): wrong answers {c['wrong_answers']}, audit records "
            f"{c['audit_records']} (missing {c['missing_records']}, duplicated "
            f"{c['duplicate_records']}), decided by the service {c['decided_by_service']}, "
            f"chain verifies: {c['chain_verifies']}; latency p50 {c['p50_ms']:.1f} / p95 "
            f"{c['p95_ms']:.1f} / p99 {c['p99_ms']:.1f} / max {c['max_ms']:.1f} ms; the floor "
            f"(`python -c pass`) under the same concurrency: p50 {c['floor_p50_ms']:.1f} / p99 "
            f"{c['floor_p99_ms']:.1f} ms"
        )
        if (
            c["wrong_answers"]
            or c["missing_records"]
            or c["duplicate_records"]
            or not c["chain_verifies"]
        ):
            raise SystemExit("concurrency run lost, duplicated or mis-decided calls")


if __name__ == "__main__":
    main()
