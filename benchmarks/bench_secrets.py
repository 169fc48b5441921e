"""Secrets detector throughput and false flags on real source code, next to a one-regex floor.

    .venv/bin/python benchmarks/bench_secrets.py [--repeat 3] [--corpus tests/data/eval/corpus]

Reads the running interpreter's standard library (*.py, test folders skipped) into memory first,
then times only scanning, file by file as the hook does:

* ``SecretDetector.default().scan`` - the whole secrets detector;
* baseline in the same run: one trivial ``re.finditer(r"AKIA[0-9A-Z]{16}", text)`` pass per file,
  the floor for a single regex pass over the same text.

The standard library holds no real secrets, so every file with a finding is a false flag; the
script prints how many, and which rules raised them. With ``--corpus`` it also scores the labelled
evaluation corpus (recall on secret files, false flags on the rest).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claude_guard.detect.secrets import SecretDetector  # noqa: E402

SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "__pycache__"}
FLOOR = re.compile(r"AKIA[0-9A-Z]{16}")


def stdlib_sources() -> list[tuple[str, str]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files: list[tuple[str, str]] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith("test") for part in relative.parts[:-1]):
            continue
        try:
            files.append((str(relative), path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, OSError):
            continue
    return files


def best_of(repeat: int, run: object) -> float:
    assert callable(run)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def score_corpus(detector: SecretDetector, corpus: Path) -> dict[str, object]:
    manifest = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    found = missed = flagged = clean = 0
    misses: list[str] = []
    false_flags: list[str] = []
    for entry in manifest["files"]:
        text = (corpus / entry["path"]).read_bytes().decode("utf-8", "replace")
        hit = bool(detector.scan(text))
        if entry["label"] == "secret":
            found += hit
            missed += not hit
            if not hit:
                misses.append(entry["path"])
        else:
            flagged += hit
            clean += not hit
            if hit:
                false_flags.append(entry["path"])
    return {
        "secret_files": found + missed,
        "secret_files_found": found,
        "other_files": flagged + clean,
        "other_files_flagged": flagged,
        "missed": misses,
        "false_flags": false_flags,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/data/eval/corpus")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    files = stdlib_sources()
    texts = [text for _, text in files]
    megabytes = sum(len(text) for text in texts) / 1e6

    started = time.perf_counter()
    detector = SecretDetector.default()
    build_ms = (time.perf_counter() - started) * 1000

    def scan_all() -> None:
        for text in texts:
            detector.scan(text)

    def floor_all() -> None:
        for text in texts:
            for _ in FLOOR.finditer(text):
                pass

    scan_s = best_of(args.repeat, scan_all)
    floor_s = best_of(args.repeat, floor_all)

    flagged_by_rule: Counter[str] = Counter()
    flagged_files: list[str] = []
    for name, text in files:
        findings = detector.scan(text)
        if findings:
            flagged_files.append(name)
            flagged_by_rule.update({f.detector.split(":", 1)[1] for f in findings})

    result: dict[str, object] = {
        "python": sys.version.split()[0],
        "files": len(files),
        "megabytes": round(megabytes, 2),
        "rules": len(detector.rules),
        "build_ms": round(build_ms, 1),
        "secrets_mb_per_s": round(megabytes / scan_s, 1),
        "floor_one_regex_mb_per_s": round(megabytes / floor_s, 1),
        "slowdown_vs_floor": round(scan_s / floor_s, 1),
        "false_flag_files": len(flagged_files),
        "false_flag_rate_pct": round(100 * len(flagged_files) / max(1, len(files)), 2),
        "false_flags_by_rule": dict(flagged_by_rule.most_common(10)),
        "false_flag_paths": flagged_files[:20],
    }
    if (args.corpus / "labels.json").is_file():
        result["corpus"] = score_corpus(detector, args.corpus)

    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Python {result['python']} standard library: {len(files)} files, {megabytes:.1f} MB")
    print(
        f"  detector build (load + validate + compile {len(detector.rules)} rules): "
        f"{build_ms:.0f} ms"
    )
    print(f"  SecretDetector.default().scan : {result['secrets_mb_per_s']:>8} MB/s")
    print(
        f"  floor, one AKIA regex pass    : {result['floor_one_regex_mb_per_s']:>8} MB/s "
        f"({result['slowdown_vs_floor']}x faster than the detector)"
    )
    print(
        f"  files with any finding (false flags): {len(flagged_files)} "
        f"({result['false_flag_rate_pct']}%)"
    )
    for rule_id, count in flagged_by_rule.most_common(10):
        print(f"    {count:4d}  {rule_id}")
    for path in flagged_files[:20]:
        print(f"    flagged: {path}")
    corpus = result.get("corpus")
    if isinstance(corpus, dict):
        print(f"Evaluation corpus {args.corpus}:")
        print(f"  secret files found : {corpus['secret_files_found']}/{corpus['secret_files']}")
        print(f"  other files flagged: {corpus['other_files_flagged']}/{corpus['other_files']}")
        for path in corpus["missed"]:
            print(f"    missed: {path}")
        for path in corpus["false_flags"]:
            print(f"    false flag: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
