"""Catch rate and false-block rate of the Bash analysis on tests/data/shell_corpus.yaml,
side by side with the baseline word scanner (`benchmarks/word_scanner_baseline.py`), plus the
time each takes per command. Both run in the same process against the same sandbox tree.

A command counts as blocked when the default policy would deny it: it reaches a protected
path (the default policy's deny list; recursive reads are walked), sends data off the machine,
dumps the environment, or cannot be analysed (`defaults.unanalysable_command: deny`). The word
scanner knows nothing of egress or environment dumps: it blocks on protected words and on
commands it cannot split.

    .venv/bin/python benchmarks/shell_corpus_report.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from word_scanner_baseline import _shell_words

from claude_guard.shell import analyse
from claude_guard.shell.evaluation import DenyList, build_sandbox, verdict
from claude_guard.touches.touchset import TouchSet

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "shell_corpus.yaml"


def analysis_blocks(command: str, cwd: str, home: str, deny: DenyList) -> bool:
    return verdict(analyse(command, cwd, home), deny).blocked


def baseline_blocks(command: str, cwd: str, home: str, deny: DenyList) -> bool:
    found = TouchSet(home)
    for raw, accesses in _shell_words(command, cwd, found):
        found.add(raw, cwd, accesses, "command")
    hit = any(
        deny.matches(spelling, touch.access.value)
        for touch in found.touches
        for spelling in touch.path.spellings()
    )
    return hit or bool(found.unresolved)


def measure(
    scanner: Callable[[str, str, str, DenyList], bool],
    corpus: list[dict[str, object]],
    cwd: str,
    home: str,
    deny: DenyList,
    repeat: int,
) -> dict[str, float]:
    attacks = [e for e in corpus if e["label"] == "attack"]
    benign = [e for e in corpus if e["label"] == "benign"]
    caught = sum(scanner(str(e["cmd"]), cwd, home, deny) for e in attacks)
    false_blocks = sum(scanner(str(e["cmd"]), cwd, home, deny) for e in benign)
    timings = []
    for _ in range(repeat):
        for entry in corpus:
            start = time.perf_counter()
            scanner(str(entry["cmd"]), cwd, home, deny)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "attacks": len(attacks),
        "caught": caught,
        "benign": len(benign),
        "false_blocks": false_blocks,
        "mean_ms": statistics.fmean(timings),
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timing passes over the corpus")
    args = parser.parse_args()
    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as root:
        cwd, home = build_sandbox(root)
        os.environ["HOME"] = home  # the word scanner expands `~` from $HOME
        deny = DenyList(home)
        analyse("true", cwd, home)  # parser load, outside the timings
        rows = {
            "shell analysis (claude_guard.shell)": measure(
                analysis_blocks, corpus, cwd, home, deny, args.repeat
            ),
            "baseline word scanner (word_scanner_baseline)": measure(
                baseline_blocks, corpus, cwd, home, deny, args.repeat
            ),
        }
    print(
        f"corpus: {CORPUS.name}, {len(corpus)} commands; timings over {args.repeat} passes "
        "(scanner + deny-list check per command)\n"
    )
    print(
        f"{'scanner':46} {'catch rate':>16} {'false-block rate':>18} {'mean ms':>8} {'p99 ms':>8}"
    )
    for name, row in rows.items():
        catch = f"{row['caught']:.0f}/{row['attacks']:.0f} {row['caught'] / row['attacks']:6.1%}"
        false = (
            f"{row['false_blocks']:.0f}/{row['benign']:.0f} "
            f"{row['false_blocks'] / row['benign']:6.1%}"
        )
        print(f"{name:46} {catch:>16} {false:>18} {row['mean_ms']:8.3f} {row['p99_ms']:8.3f}")


if __name__ == "__main__":
    main()
