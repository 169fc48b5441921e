"""The decision log: signed chain, tamper evidence, concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from pathlib import Path

import pytest

from claude_guard.home import load_or_create_key
from claude_guard.record.audit_log import AuditLog, verify_chain


def _log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit", load_or_create_key(tmp_path / "keys" / "k"))


def _write_many(directory: str, key_path: str, worker: int, count: int) -> None:
    log = AuditLog(Path(directory), Path(key_path).read_bytes())
    for i in range(count):
        log.record(
            event="PreToolUse", session_id=f"w{worker}", tool_use_id=f"t{i}", decision="allow"
        )


def test_records_chain_and_verify(tmp_path: Path) -> None:
    log = _log(tmp_path)
    for i in range(5):
        log.record(event="PreToolUse", session_id="s", tool_use_id=f"t{i}", decision="allow")
    result = verify_chain(log.directory, log.key)
    assert (result.records, result.problems) == (5, [])


def test_unknown_fields_and_empty_values_are_dropped(tmp_path: Path) -> None:
    log = _log(tmp_path)
    log.record(event="PreToolUse", decision="deny", content="SECRET_CONTENT", paths=[], notes=None)
    record = json.loads(next(log.directory.glob("*.jsonl")).read_text())
    assert "content" not in record and "paths" not in record and "notes" not in record
    assert "SECRET_CONTENT" not in json.dumps(record)


def _altered(lines: list[str]) -> list[str]:
    return [lines[0], lines[1].replace('"deny"', '"allow"'), lines[2]]


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_altered, ":2: MAC mismatch"),
        (lambda lines: [lines[0], lines[2]], "chain broken"),
        # The newest records removed: every remaining link is intact, only the signed chain
        # state tells.
        (lambda lines: lines[:1], "the newest records were removed"),
        (lambda lines: [*lines, "[1, 2]"], ":4: not a signed record"),
        (lambda lines: [*lines, '{"mac": 5, "seq": "x"}'], ":4: not a signed record"),
    ],
    ids=["altered", "removed", "tail-removed", "json-list", "wrong-types"],
)
def test_tampering_is_detected_and_never_crashes_verify(
    tmp_path: Path, tamper: Callable[[list[str]], list[str]], expected: str
) -> None:
    log = _log(tmp_path)
    for i in range(3):
        log.record(event="PreToolUse", tool_use_id=f"t{i}", decision="deny")
    path = next(log.directory.glob("*.jsonl"))
    path.write_text("\n".join(tamper(path.read_text().splitlines())) + "\n")
    problems = verify_chain(log.directory, log.key).problems
    assert any(expected in p for p in problems), problems


def test_a_forged_chain_state_is_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    for i in range(3):
        log.record(event="PreToolUse", tool_use_id=f"t{i}", decision="deny")
    path = next(log.directory.glob("*.jsonl"))
    first = json.loads(path.read_text().splitlines()[0])
    path.write_text(path.read_text().splitlines()[0] + "\n")
    state = {"seq": 1, "mac": first["mac"], "sig": "0" * 64}  # no key: cannot sign it
    (log.directory / ".chain").write_text(json.dumps(state))
    problems = verify_chain(log.directory, log.key).problems
    assert any("chain state altered" in p for p in problems)


def test_a_different_key_cannot_forge_records(tmp_path: Path) -> None:
    log = _log(tmp_path)
    log.record(event="PreToolUse", decision="deny")
    forged = AuditLog(log.directory, b"k" * 32)
    forged.record(event="PreToolUse", decision="allow")
    problems = verify_chain(log.directory, log.key).problems
    assert any(":2: MAC mismatch" in p for p in problems)


def test_key_file_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "k"
    first = load_or_create_key(path)
    assert load_or_create_key(path) == first and len(first) == 32
    assert path.stat().st_mode & 0o777 == 0o600


def test_concurrent_writers_lose_nothing_and_keep_one_chain(tmp_path: Path) -> None:
    log = _log(tmp_path)
    workers, each = 8, 40
    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(
            target=_write_many, args=(str(log.directory), str(tmp_path / "keys" / "k"), w, each)
        )
        for w in range(workers)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    records = [
        json.loads(line)
        for path in sorted(log.directory.glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    assert len(records) == workers * each
    seen = {(r["session_id"], r["tool_use_id"]) for r in records}
    assert len(seen) == workers * each  # none lost, none duplicated
    assert sorted(r["seq"] for r in records) == list(range(1, workers * each + 1))
    assert verify_chain(log.directory, log.key).problems == []
