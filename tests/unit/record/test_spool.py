"""The spool: last-resort records the hook script leaves, brought into the chained trail in
order, each once, marked spooled; a torn or foreign file is never imported as a record."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

from claude_guard.home import GuardHome, load_or_create_key
from claude_guard.record.audit_log import AuditLog, verify_chain
from claude_guard.record.record import write_record
from claude_guard.record.spool import import_spool
from tests.conftest import REPO


def _hook_script() -> ModuleType:
    """The stdlib hook script, whose spool_record is the writer this module reads."""
    spec = importlib.util.spec_from_file_location(
        "hook_script_under_test", REPO / "hooks" / "claude_guard_hook.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spooled(decision_id: str, **fields: object) -> dict[str, object]:
    return {
        "event": "PostToolUse",
        "tool": "Bash",
        "session_id": "sess-1",
        "decided_by": "hook",
        "decision_id": decision_id,
        "decision": "redact",
        "reason": "no decision within 10s; denied",
        "error": "no decision within 10s; denied",
        "decided_at": "2026-12-03T17:00:00.000000+00:00",
        "spooled": True,
        **fields,
    }


def _log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit", load_or_create_key(tmp_path / "keys" / "k"))


def _trail(log: AuditLog) -> list[dict[str, object]]:
    lines: list[dict[str, object]] = []
    for path in sorted(log.directory.glob("*.jsonl")):
        lines += [json.loads(line) for line in path.read_text().splitlines()]
    return lines


def test_spooled_records_join_the_trail_in_order_once_and_marked(tmp_path: Path) -> None:
    hook = _hook_script()
    spool = tmp_path / "spool"
    ids = [f"{i:032x}" for i in (3, 1, 2)]  # written in this order; ids sort differently
    for decision_id in ids:
        hook.spool_record(str(spool), _spooled(decision_id))
    assert (spool.stat().st_mode & 0o777) == 0o700
    log = _log(tmp_path)

    first = import_spool(spool, log)
    second = import_spool(spool, log)

    assert (first.imported, first.bad, second.imported) == (3, 0, 0)
    trail = _trail(log)
    assert [r["decision_id"] for r in trail] == ids  # the order they were spooled in
    assert all(r["spooled"] is True and r["decided_by"] == "hook" for r in trail)
    assert trail[0]["decided_at"] == "2026-12-03T17:00:00.000000+00:00"
    assert verify_chain(log.directory, log.key).problems == []
    assert not list(spool.glob("*.json"))


def test_a_torn_or_foreign_spool_file_is_never_imported(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    good = f"{1:020d}-{'a' * 32}.json"
    (spool / good).write_text(json.dumps(_spooled("a" * 32)))
    # A crash mid-write leaves the .part name: not a record yet.
    (spool / f"{2:020d}-{'b' * 32}.part").write_text('{"decision_id": "bbbb", "spo')
    torn = f"{3:020d}-{'c' * 32}.json"
    (spool / torn).write_text('{"decision_id": "' + "c" * 32 + '", "spooled": tr')
    smuggled = f"{4:020d}-{'d' * 32}.json"  # a field a spool record cannot carry
    (spool / smuggled).write_text(json.dumps(_spooled("d" * 32, content="SECRET_VALUE")))
    allow = f"{5:020d}-{'e' * 32}.json"  # a last resort never allows
    (spool / allow).write_text(json.dumps(_spooled("e" * 32, decision="allow")))
    renamed = f"{6:020d}-{'f' * 32}.json"  # the id inside must be the id in the name
    (spool / renamed).write_text(json.dumps(_spooled("0" * 32)))
    log = _log(tmp_path)

    result = import_spool(spool, log)

    assert (result.imported, result.bad) == (1, 4)
    assert [r["decision_id"] for r in _trail(log)] == ["a" * 32]
    assert "SECRET_VALUE" not in "".join(p.read_text() for p in log.directory.glob("*"))
    assert sorted(p.suffix for p in spool.iterdir() if not p.name.startswith(".")) == [
        ".bad",
        ".bad",
        ".bad",
        ".bad",
        ".part",
    ]


def test_the_next_record_written_imports_the_spool_first(tmp_path: Path) -> None:
    home = GuardHome(tmp_path / "guard")
    _hook_script().spool_record(str(home.spool_dir), _spooled("1" * 32))
    write_record(home, {"event": "PreToolUse", "decision": "allow", "decision_id": "2" * 32}, 0.0)
    trail = _trail(AuditLog(home.audit_dir, home.load_key()))
    assert [(r["decision_id"], r.get("spooled")) for r in trail] == [
        ("1" * 32, True),
        ("2" * 32, None),
    ]
    assert not os.listdir(home.spool_dir) or all(
        n.startswith(".") for n in os.listdir(home.spool_dir)
    )
