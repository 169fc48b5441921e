"""`claude-guard scan`: the hook's judgement of a Read, applied to files on disk, for audits and
CI. Output carries finding types and positions, never the matched values."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_guard import __version__
from claude_guard.context import CallContext
from claude_guard.decide.engine import DecisionEngine
from claude_guard.detect.scanner import ContentScanner, FingerprintedFinding, ScanLimits
from claude_guard.event.models import parse_event
from claude_guard.home import derive_key
from claude_guard.policy.merge import EffectivePolicy

FINDING_FIELDS = ("category", "type", "line", "start", "end", "score", "detector")


@dataclass(frozen=True)
class FileScan:
    path: str
    decision: str
    reason: str
    rule_ids: tuple[str, ...]
    findings: list[FingerprintedFinding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "decision": self.decision,
            "findings": [
                {k: v for k, v in f.to_record().items() if k in FINDING_FIELDS}
                for f in self.findings
            ],
        }


def scan_files(
    files: Iterable[Path], policy: EffectivePolicy, ctx: CallContext, key: bytes
) -> Iterator[FileScan]:
    """A dry run of a Read of each file: the engine's decision, applied and recorded nowhere."""
    scanner = ContentScanner.for_policy(derive_key(key, "fingerprint"), policy.detection)
    root = ctx.project_root
    engine = DecisionEngine(policy, root, ctx.user_home, ctx.guard_home.root, lambda: scanner)
    limits = ScanLimits.for_policy(policy.detection)
    for path in files:
        event = parse_event(
            {
                "hook_event_name": "PreToolUse",
                "session_id": "claude-guard-scan",
                "cwd": root,
                "tool_name": "Read",
                "tool_input": {"file_path": str(path)},
            }
        )
        decision = engine.decide(event)
        findings = list(decision.findings)
        if (
            decision.rule_ids
            and not findings
            and any(not r.startswith("detection:") for r in decision.rule_ids)
        ):
            # Denied by a path rule before its content was looked at: report the content too.
            findings = scanner.scan_file(str(path), limits).findings
        yield FileScan(
            str(path), decision.enforced.value, decision.reason, decision.rule_ids, findings
        )


def to_sarif(results: list[FileScan]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    sarif_results = []
    for result in results:
        for found in result.findings:
            f = found.finding
            rule_id = f"{f.category}/{f.type}"
            rules.setdefault(
                rule_id,
                {
                    "id": rule_id,
                    "name": f.type,
                    "shortDescription": {"text": f"{f.category}: {f.type}"},
                },
            )
            sarif_results.append(
                {
                    "ruleId": rule_id,
                    "level": "error" if result.decision == "deny" else "note",
                    "message": {
                        "text": f"{f.category} {f.type} (score {f.score:.2f}, {f.detector})"
                    },
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": Path(result.path).as_uri()},
                                "region": {"startLine": f.line},
                            }
                        }
                    ],
                    "partialFingerprints": {"claudeGuard/v1": found.fingerprint},
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "claude-guard",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "endTimeUtc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    }
                ],
                "results": sarif_results,
            }
        ],
    }
