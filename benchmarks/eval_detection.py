"""Detection quality and speed, claude-guard next to vanilla Presidio and detect-secrets.

    python benchmarks/eval_detection.py [--real-sample N] [--baseline-sample N] [--no-baselines]

1. The synthetic evaluation corpus (tests/data/eval/corpus, labels.json): file-level recall per
   category (a PHI file counts as found when the default policy would deny a Read of it because
   of a `phi` finding; likewise secrets) and false flags on the hard negatives.
2. Real code nobody here wrote: the running interpreter's standard library (test folders
   skipped) and the installed site-packages. Every denied file there is a false flag.
3. Throughput in MB/s on that source code: files are read first, only scanning is timed.

The baselines run on the same files in the same run: vanilla Presidio (default recognizers, a
blank spaCy pipeline because no model can be downloaded, tldextract offline) and detect-secrets
(default plugins).
"""

from __future__ import annotations

import argparse
import json
import random
import secrets as pysecrets
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from claude_guard.decide.engine import DecisionEngine  # noqa: E402
from claude_guard.detect.scanner import ContentScanner, is_binary  # noqa: E402
from claude_guard.event.models import parse_event  # noqa: E402
from claude_guard.policy.loader import load_layer_file  # noqa: E402
from claude_guard.policy.merge import merge_layers  # noqa: E402

CORPUS = REPO / "tests" / "data" / "eval" / "corpus"
TEST_DIRS = {"test", "tests", "idle_test", "testing", "unittests"}
TEXT_SUFFIXES = {
    ".py",
    ".pyi",
    ".txt",
    ".md",
    ".rst",
    ".json",
    ".toml",
    ".cfg",
    ".ini",
    ".yaml",
    ".yml",
    ".html",
    ".js",
    ".css",
    ".xml",
    ".csv",
    ".sh",
}


@dataclass
class Verdict:
    denied: bool
    categories: set[str]
    types: Counter[str]


class ClaudeGuard:
    name = "claude-guard"

    def __init__(self) -> None:
        policy = merge_layers([load_layer_file("default", REPO / "policies" / "default.yaml")])
        self.scanner = ContentScanner.default(pysecrets.token_bytes(32))
        self.engine = DecisionEngine(
            policy,
            "/nonexistent-project",
            str(Path.home()),
            Path("/nonexistent-guard-home"),
            lambda: self.scanner,
        )

    def judge(self, path: Path) -> Verdict:
        event = parse_event(
            {
                "hook_event_name": "PreToolUse",
                "session_id": "eval",
                "cwd": "/nonexistent-project",
                "tool_name": "Read",
                "tool_input": {"file_path": str(path)},
            }
        )
        decision = self.engine.decide(event)
        denied = decision.action.value == "deny"
        counted = [f.finding for f in decision.findings]
        deciding = {
            c
            for r in decision.rule_ids
            if r.startswith("detection:")
            for c in r.split(":", 1)[1].split("+")
        }
        if denied and not deciding:
            deciding = {"path-rule"}
        return Verdict(denied, deciding, Counter(f.type for f in counted))


class VanillaPresidio:
    name = "presidio (vanilla)"

    def __init__(self) -> None:
        from baselines import vanilla_presidio

        self.engine = vanilla_presidio()

    def judge_text(self, text: str) -> Verdict:
        results = [r for r in self.engine.analyze(text=text, language="en") if r.score >= 0.5]
        return Verdict(
            bool(results), {"phi"} if results else set(), Counter(r.entity_type for r in results)
        )


class DetectSecrets:
    name = "detect-secrets"

    def judge(self, path: Path) -> Verdict:
        from detect_secrets import SecretsCollection
        from detect_secrets.settings import default_settings

        with default_settings():
            found = SecretsCollection()
            found.scan_file(str(path))
            kinds = Counter(s.type for f in found.files for s in found[f])
        return Verdict(bool(kinds), {"secret"} if kinds else set(), kinds)


# ----------------------------------------------------------------------------- corpus


def corpus_report(tools: list[tuple[str, Callable[[Path], Verdict]]]) -> None:
    labels = json.loads((CORPUS / "labels.json").read_text())
    files = labels["files"] if isinstance(labels, dict) and "files" in labels else labels
    print(f"\n## Synthetic corpus ({len(files)} files)\n")
    print("| tool | PHI files found | secret files found | hard negatives flagged |")
    print("|---|---|---|---|")
    for name, judge in tools:
        found = Counter()
        total = Counter(f["label"] for f in files)
        flagged_negatives, missed = [], []
        for item in files:
            verdict = judge(CORPUS / item["path"])
            label = item["label"]
            if label == "negative":
                if verdict.denied:
                    flagged_negatives.append((item["path"], dict(verdict.types)))
            elif verdict.denied:
                # File-level recall: the file is kept from the model (a path rule counts too).
                found[label] += 1
            else:
                missed.append(item["path"])
        print(
            f"| {name} | {_rate(found['phi'], total['phi'])} | "
            f"{_rate(found['secret'], total['secret'])} | "
            f"{len(flagged_negatives)} of {total['negative']} |"
        )
        if name == "claude-guard":
            _details(missed, flagged_negatives)


def _details(missed: list[str], flagged: list[tuple[str, dict[str, int]]]) -> None:
    for path in missed:
        print(f"|   missed: {path} | | | |")
    for path, kinds in flagged:
        print(f"|   false flag: {path} {kinds} | | | |")


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _rate(hit: int, total: int) -> str:
    return f"{hit}/{total} ({100 * hit / total:.1f} %)" if total else "n/a"


# ----------------------------------------------------------------------------- real code


def real_source_files() -> dict[str, list[Path]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    site = Path(sysconfig.get_paths()["purelib"])

    def keep(path: Path) -> bool:
        return (
            path.suffix in TEXT_SUFFIXES
            and path.is_file()
            and not path.is_symlink()
            and not (TEST_DIRS & set(path.parts))
        )

    return {
        "stdlib": sorted(
            p for p in stdlib.rglob("*.py") if keep(p) and "site-packages" not in p.parts
        ),
        "site-packages": sorted(p for p in site.rglob("*") if keep(p)),
    }


def real_code_report(guard: ClaudeGuard, sample: int, seed: int) -> None:
    print("\n## Real code (false flags: every denial is one)\n")
    print("| tree | files | flagged | rate | top types |")
    print("|---|---|---|---|---|")
    for tree, files in real_source_files().items():
        chosen = (
            files
            if sample <= 0 or sample >= len(files)
            else random.Random(seed).sample(files, sample)
        )
        flagged: Counter[str] = Counter()
        count = 0
        for path in chosen:
            verdict = guard.judge(path)
            if verdict.denied:
                count += 1
                flagged.update(verdict.types)
        top = ", ".join(f"{t} {n}" for t, n in flagged.most_common(4))
        print(row(tree, len(chosen), count, f"{100 * count / max(1, len(chosen)):.2f} %", top))


def throughput_report(guard: ClaudeGuard, baselines: bool, baseline_sample: int, seed: int) -> None:
    files = real_source_files()["stdlib"]
    texts = []
    for path in files:
        data = path.read_bytes()
        if not is_binary(data):
            texts.append(data.decode("utf-8", "replace"))
    total_mb = sum(len(t.encode()) for t in texts) / 1e6
    started = time.perf_counter()
    for text in texts:
        guard.scanner.scan_text(text)
    elapsed = time.perf_counter() - started
    print(f"\n## Throughput on source code (stdlib, {len(texts)} files, {total_mb:.1f} MB)\n")
    print("| scanner | MB scanned | seconds | MB/s |")
    print("|---|---|---|---|")
    print(
        row(
            "claude-guard default detectors",
            f"{total_mb:.1f}",
            f"{elapsed:.2f}",
            f"{total_mb / elapsed:.1f}",
        )
    )
    if not baselines:
        return
    sample = random.Random(seed).sample(texts, min(baseline_sample, len(texts)))
    sample_mb = sum(len(t.encode()) for t in sample) / 1e6
    presidio = VanillaPresidio()
    started = time.perf_counter()
    for text in sample:
        presidio.judge_text(text)
    p_elapsed = time.perf_counter() - started
    print(
        row(
            "vanilla Presidio (sample)",
            f"{sample_mb:.2f}",
            f"{p_elapsed:.2f}",
            f"{sample_mb / p_elapsed:.2f}",
        )
    )
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import default_settings

    started = time.perf_counter()
    with default_settings():
        for text in sample:
            for line in text.splitlines():
                list(scan_line(line))
    d_elapsed = time.perf_counter() - started
    print(
        row(
            "detect-secrets (sample)",
            f"{sample_mb:.2f}",
            f"{d_elapsed:.2f}",
            f"{sample_mb / d_elapsed:.2f}",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--real-sample", type=int, default=0, help="files per tree (0 = all)")
    parser.add_argument("--baseline-sample", type=int, default=120)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    guard = ClaudeGuard()
    tools: list[tuple[str, Callable[[Path], Verdict]]] = [(guard.name, guard.judge)]
    if not args.no_baselines:
        presidio = VanillaPresidio()
        tools.append((presidio.name, lambda p: presidio.judge_text(p.read_text(errors="replace"))))
        tools.append((DetectSecrets.name, DetectSecrets().judge))
    corpus_report(tools)
    real_code_report(guard, args.real_sample, args.seed)
    throughput_report(guard, not args.no_baselines, args.baseline_sample, args.seed)


if __name__ == "__main__":
    main()
