"""Session memory: placeholders that agree across concurrent hook processes, private files,
cleanup at SessionEnd and by age, and a corrupt file that never crashes a hook."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time
from pathlib import Path

import pytest

from claude_guard.session import store as session_mod
from claude_guard.session.effects import Sighting
from claude_guard.session.store import (
    Session,
    end_session,
    maybe_sweep,
    safe_session_name,
    sessions_dir,
    summary,
    sweep,
)

SID = "0f3c2a9e-1b2c-4d5e-8f90-123456789abc"


def ssn(fp: str) -> Sighting:
    return Sighting(fp, "phi", "US_SSN")


def test_same_fingerprint_same_placeholder_and_counters_per_type(tmp_path: Path) -> None:
    s = Session(SID, tmp_path)
    first = s.placeholders_for([ssn("fp-a"), ssn("fp-b"), Sighting("fp-k", "secret", "AWS_KEY")])
    assert first == {"fp-a": "<US_SSN_1>", "fp-b": "<US_SSN_2>", "fp-k": "<AWS_KEY_1>"}
    # A fresh handle (another hook process) reads the same table back.
    again = Session(SID, tmp_path).placeholders_for([ssn("fp-b"), ssn("fp-c")])
    assert again == {"fp-b": "<US_SSN_2>", "fp-c": "<US_SSN_3>"}
    state = Session(SID, tmp_path).load()
    assert state.phi_seen and state.secret_seen
    assert state.counts == {"US_SSN": 4, "AWS_KEY": 1}


def test_sessions_do_not_share_placeholders(tmp_path: Path) -> None:
    Session("one", tmp_path).placeholders_for([ssn("fp-x")])
    other = Session("two", tmp_path)
    assert other.placeholders_for([ssn("fp-y"), ssn("fp-x")]) == {
        "fp-y": "<US_SSN_1>",
        "fp-x": "<US_SSN_2>",
    }


def test_files_and_taint_are_recorded_as_paths(tmp_path: Path) -> None:
    s = Session(SID, tmp_path)
    s.record_file("/p/.env", ["secret"])
    s.record_file("/p/.env", ["phi"])
    s.record_file("/p/src/app.py", [])
    s.taint("/p/x", "/p/.env")
    state = s.load()
    assert state.files == {"/p/.env": ["phi", "secret"], "/p/src/app.py": []}
    assert s.taint_source("/p/x") == "/p/.env"
    assert s.taint_source("/p/src/app.py") is None
    assert summary(state) == {
        "phi_seen": True,
        "secret_seen": True,
        "counts": {},
        "files": 2,
        "tainted": 1,
    }


def test_state_file_and_directory_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        Session(SID, tmp_path).placeholders_for([ssn("fp")])
    finally:
        os.umask(old)
    directory = sessions_dir(tmp_path)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_existing_loose_directory_is_tightened(tmp_path: Path) -> None:
    directory = sessions_dir(tmp_path)
    directory.mkdir(mode=0o755, parents=True)
    os.chmod(directory, 0o755)
    Session(SID, tmp_path).record_file("/p/a", [])
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


@pytest.mark.parametrize("hostile", ["../../etc/passwd", "a/b", "", ".last-sweep", "x" * 500])
def test_hostile_session_ids_stay_inside_the_directory(tmp_path: Path, hostile: str) -> None:
    s = Session(hostile, tmp_path)
    s.record_file("/p/a", [])
    assert s.path.parent == sessions_dir(tmp_path)
    assert s.path.name != session_mod.SWEEP_STAMP
    assert "/" not in safe_session_name(hostile)


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b"[]",
        b'{"version": 1, "counts": {"US_SSN": "many"}}',
        b'{"version": 1, "placeholders": ["x"]}',
        b'{"version": 1, "counts": {"US_SSN": true}}',
        b'{"version": 99}',
        b"\xff\xfe garbage",
        b"[" * 100000,
    ],
)
def test_corrupt_state_file_recovers_fresh(tmp_path: Path, content: bytes) -> None:
    s = Session(SID, tmp_path)
    sessions_dir(tmp_path).mkdir(parents=True)
    s.path.write_bytes(content)
    assert s.placeholders_for([ssn("fp")]) == {"fp": "<US_SSN_1>"}
    assert s.recovered
    # ...and the file is whole again afterwards.
    assert json.loads(s.path.read_text())["placeholders"] == {"fp": "<US_SSN_1>"}


def test_oversized_state_file_recovers_fresh(tmp_path: Path) -> None:
    s = Session(SID, tmp_path)
    sessions_dir(tmp_path).mkdir(parents=True)
    s.path.write_text(" " * (session_mod.MAX_STATE_BYTES + 10) + "{}")
    assert s.load().placeholders == {}
    assert s.recovered


def test_unwritable_storage_still_assigns_placeholders(tmp_path: Path) -> None:
    blocker = tmp_path / "guard"
    blocker.write_text("a file where the guard home should be")
    s = Session(SID, blocker)
    assert s.placeholders_for([ssn("fp-a")]) == {"fp-a": "<US_SSN_1>"}
    assert s.placeholders_for([ssn("fp-b"), ssn("fp-a")]) == {
        "fp-a": "<US_SSN_1>",
        "fp-b": "<US_SSN_2>",
    }
    assert s.storage_error is not None and s.storage_error.startswith("NotADirectoryError")


def test_tables_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_mod, "MAX_PLACEHOLDERS", 5)
    s = Session(SID, tmp_path)
    s.placeholders_for([ssn(f"fp-{i}") for i in range(8)])
    state = s.load()
    assert list(state.placeholders) == [f"fp-{i}" for i in range(3, 8)]
    # An evicted value comes back with a new number, never one that names another value.
    assert s.placeholders_for([ssn("fp-0")]) == {"fp-0": "<US_SSN_9>"}


def _worker(home: str, worker: int, rounds: int) -> None:
    s = Session(SID, Path(home))
    for i in range(rounds):
        # Every worker asks for shared values and for its own, in a different order.
        shared = [ssn(f"shared-{(i + worker) % 7}")]
        s.placeholders_for([*shared, ssn(f"own-{worker}-{i}")])
        s.record_file(f"/p/{worker}/{i}", ["phi"])


def test_concurrent_processes_agree_and_lose_nothing(tmp_path: Path) -> None:
    workers, rounds = 6, 15
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(str(tmp_path), w, rounds)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    state = Session(SID, tmp_path).load()
    # Every value got exactly one placeholder, and no two values share one.
    assert len(state.placeholders) == 7 + workers * rounds
    assert len(set(state.placeholders.values())) == len(state.placeholders)
    assert state.counters == {"US_SSN": 7 + workers * rounds}
    assert state.counts["US_SSN"] == 2 * workers * rounds  # no update was lost
    assert len(state.files) == workers * rounds
    assert not [p for p in sessions_dir(tmp_path).iterdir() if p.name.startswith(".tmp-")]


def test_end_session_removes_its_files_only(tmp_path: Path) -> None:
    Session(SID, tmp_path).record_file("/p/a", [])
    Session("other", tmp_path).record_file("/p/b", [])
    end_session(SID, tmp_path)
    names = sorted(p.name for p in sessions_dir(tmp_path).iterdir())
    assert names == ["other.json", "other.lock"]
    end_session(SID, tmp_path)  # a second SessionEnd (or none ever written) is fine
    end_session("never-seen", tmp_path / "nowhere")


def test_sweep_removes_only_stale_sessions(tmp_path: Path) -> None:
    Session("old", tmp_path).record_file("/p/a", [])
    Session("new", tmp_path).record_file("/p/b", [])
    now = time.time()
    for name in ("old.json", "old.lock"):
        os.utime(sessions_dir(tmp_path) / name, (now - 10_000, now - 10_000))
    assert sweep(3600, tmp_path, now) == 2
    assert sorted(p.name for p in sessions_dir(tmp_path).iterdir()) == ["new.json", "new.lock"]
    assert sweep(3600, tmp_path / "missing") == 0


def test_maybe_sweep_runs_at_most_once_per_interval(tmp_path: Path) -> None:
    Session("old", tmp_path).record_file("/p/a", [])
    now = time.time()
    stale = sessions_dir(tmp_path) / "old.json"
    assert maybe_sweep(3600, tmp_path, interval_seconds=600, now=now) == 0  # nothing stale yet
    os.utime(stale, (now - 10_000, now - 10_000))
    assert maybe_sweep(3600, tmp_path, interval_seconds=600, now=now + 60) == 0  # too soon
    assert stale.exists()
    assert maybe_sweep(3600, tmp_path, interval_seconds=600, now=now + 700) >= 1
    assert not stale.exists()


def test_sweep_leaves_a_lock_that_a_hook_holds(tmp_path: Path) -> None:
    # Removing a held lock file would let the next process lock a new file while the holder
    # still works on the old one: two writers, lost updates (phi_seen among them).
    from claude_guard.fsutil import locked

    Session("busy", tmp_path).record_file("/p/a", [])
    lock = sessions_dir(tmp_path) / "busy.lock"
    now = time.time()
    os.utime(lock, (now - 10_000, now - 10_000))
    with locked(lock):
        assert sweep(3600, tmp_path, now) == 0
        assert lock.exists()
    assert sweep(3600, tmp_path, now) == 1
    assert not lock.exists()


def test_a_session_that_fills_its_tables_still_remembers_phi(tmp_path: Path) -> None:
    # 2,000 taints of 1,100-character paths would exceed the file cap; the state must be
    # trimmed to fit rather than written oversized and thrown away (with phi_seen) on reading.
    s = Session(SID, tmp_path)
    long = "/p/" + "d" * 1100

    def fill(state: session_mod.SessionState) -> None:
        state.phi_seen = True
        state.tainted.update({f"{long}/{i}": f"{long}/src" for i in range(2000)})

    s.update(fill)
    state = Session(SID, tmp_path).load()
    assert state.phi_seen and state.tainted
    assert not Session(SID, tmp_path).recovered
    assert s.path.stat().st_size <= session_mod.MAX_STATE_BYTES
