"""Switching the optional Presidio stage on from the policy, and living without it."""

from __future__ import annotations

import os

import pytest

from tests.conftest import GuardEnv

NOTE_PATIENT = "Patient: Maria Gonzalez, MRN 00458123, seen today for follow-up.\n"


def _with_presidio(guard: GuardEnv, pipeline: str | None, layer: str = "user") -> None:
    setting = f"\n    nlp_pipeline: {pipeline}" if pipeline else ""
    guard.write_policy(layer, f"detection:\n  presidio:\n    enabled: true{setting}\n")


def test_blank_pipeline_stage_is_used_and_said(guard: GuardEnv, run) -> None:
    if not os.environ.get("CI"):  # CI installs the dev extra and must run this
        pytest.importorskip("presidio_analyzer")
    _with_presidio(guard, None)
    note = guard.project / "note.txt"
    note.write_text(NOTE_PATIENT)
    answer = run(guard.tool("Read", file_path=str(note)))
    assert answer.exit_code == 2
    record = guard.audit_lines()[-1]
    assert any("presidio stage: blank" in n for n in record["notes"]), record


def test_missing_pipeline_falls_back_to_the_fast_stage(guard: GuardEnv, run) -> None:
    _with_presidio(guard, "en_core_web_not_installed")
    note = guard.project / "note.txt"
    note.write_text(NOTE_PATIENT)
    answer = run(guard.tool("Read", file_path=str(note)))
    assert answer.exit_code == 2  # still caught, by the fast stage
    record = guard.audit_lines()[-1]
    assert any("presidio stage" in n for n in record["notes"]), record
    clean = guard.project / "src" / "app.py"
    assert run(guard.tool("Read", file_path=str(clean))).exit_code == 0


def test_a_project_cannot_choose_the_pipeline(guard: GuardEnv, run) -> None:
    # Loading a spaCy pipeline runs code; the project layer comes with the repository. It may
    # switch the stage on, but its pipeline choice is ignored (the blank one is used).
    if not os.environ.get("CI"):
        pytest.importorskip("presidio_analyzer")
    _with_presidio(guard, "./models/evil_pipeline", layer="project")
    note = guard.project / "note.txt"
    note.write_text(NOTE_PATIENT)
    run(guard.tool("Read", file_path=str(note)))
    notes = guard.audit_lines()[-1]["notes"]
    assert any("presidio stage: blank" in n for n in notes), notes
