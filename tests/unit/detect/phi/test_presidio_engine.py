"""The optional Presidio stage, built for an offline machine.

Proves: the engine builds with a blank spaCy pipeline (no model, no download) and says so;
context words raise scores without NER, on whole words only; no network connection is ever
attempted (tldextract uses its bundled snapshot); Presidio runs only on candidate windows;
results map to claude-guard Findings. Skipped only where presidio-analyzer is not installed
and CI is not set (in CI a missing dependency fails the run).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

if importlib.util.find_spec("presidio_analyzer") is None:
    if os.environ.get("CI"):
        pytest.fail("presidio-analyzer is required in CI", pytrace=False)
    pytest.skip("presidio-analyzer is not installed (optional outside CI)", allow_module_level=True)

from claude_guard.detect.findings import Detector
from claude_guard.detect.phi.base import ConfigError
from claude_guard.detect.phi.presidio_engine import (
    BLANK_PIPELINE,
    PresidioConfig,
    PresidioDetector,
    build_nlp,
)


@pytest.fixture(scope="module")
def presidio() -> PresidioDetector:
    return PresidioDetector(PresidioConfig())


def _scores(d: PresidioDetector, text: str) -> dict[str, float]:
    return {r.entity_type: r.score for r in d.analyzer.analyze(text=text, language="en")}


def test_blank_pipeline_is_used_and_said(presidio: PresidioDetector) -> None:
    assert presidio.pipeline.name == BLANK_PIPELINE
    assert not presidio.pipeline.has_ner
    assert "no NER" in presidio.pipeline.describe()
    assert isinstance(presidio, Detector)
    assert presidio.name == "presidio"


def test_context_words_raise_the_score_without_ner(presidio: PresidioDetector) -> None:
    # The stock SSN pattern scores 0.5; "SSN" before it adds 0.35 only because the blank
    # pipeline's lemmas are filled in (a blank pipeline leaves them empty).
    assert _scores(presidio, "SSN 536-22-8726")["US_SSN"] == pytest.approx(0.85)
    assert _scores(presidio, "id 536-22-8726")["US_SSN"] == pytest.approx(0.5)


def test_context_matching_is_whole_word(presidio: PresidioDetector) -> None:
    # claude-guard's MRN pattern scores 0.1 alone (below the 0.4 threshold); "chart" lifts it.
    assert _scores(presidio, "chart 00482913")["MEDICAL_RECORD_NUMBER"] == pytest.approx(0.45)
    assert "MEDICAL_RECORD_NUMBER" not in _scores(presidio, "flowchart 00482913")


def test_results_map_to_findings(presidio: PresidioDetector) -> None:
    text = "Visit note\nPt seen for diabetes.\nchart 00482913, email maria.alvarez@proton.me\n"
    findings = presidio.scan(text)
    by_type = {f.type: f for f in findings}
    assert {"MEDICAL_RECORD_NUMBER", "EMAIL_ADDRESS"} <= set(by_type)
    for f in findings:
        assert f.detector.startswith("presidio:")
        assert f.line == text.count("\n", 0, f.start) + 1
        assert f.category in ("phi", "pii")
    mrn = by_type["MEDICAL_RECORD_NUMBER"]
    assert text[mrn.start : mrn.end] == "00482913"
    assert mrn.category == "phi"
    email = by_type["EMAIL_ADDRESS"]
    assert text[email.start : email.end] == "maria.alvarez@proton.me"
    assert email.category == "phi"  # clinical prose around it
    assert presidio.scan("") == []


def test_presidio_runs_only_on_candidate_windows(
    presidio: PresidioDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = presidio.analyzer.analyze

    def spy(text: str, **kwargs: object) -> object:
        seen.append(text)
        return real(text=text, **kwargs)

    monkeypatch.setattr(presidio.analyzer, "analyze", spy)
    code = "def f(x):\n    return [i * 2 for i in range(x)]\n" * 200
    assert presidio.scan(code) == []
    assert seen == []  # nothing to look at: Presidio is never called
    long_text = code + "Pt seen for diabetes; chart 00482913\n" + code
    presidio.scan(long_text)
    assert seen and sum(map(len, seen)) < len(long_text) // 10
    assert all(len(s) <= presidio.config.chunk_chars for s in seen)


def test_no_network_is_attempted() -> None:
    """Fresh interpreter, every socket entry point replaced by a recorder that refuses:
    building the engine and analysing an e-mail (the recognizer that calls tldextract) must
    work and never try to connect."""
    code = textwrap.dedent(
        """
        import logging, socket, sys
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(args[:2])
            raise OSError("network is off in this test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        logging.basicConfig(level=logging.WARNING)
        records = []
        class Keep(logging.Handler):
            def emit(self, record):
                records.append(record)
        logging.getLogger().addHandler(Keep())

        from claude_guard.detect.phi.presidio_engine import PresidioConfig, PresidioDetector
        d = PresidioDetector(PresidioConfig())
        found = d.scan("Pt with diabetes, contact maria.alvarez@proton.me")
        assert [f.type for f in found] == ["EMAIL_ADDRESS"], found
        assert attempts == [], attempts
        noisy = [r.getMessage() for r in records if r.name.startswith("tldextract")]
        assert noisy == [], noisy
        print("ok")
        """
    )
    env = {k: val for k, val in os.environ.items() if not k.startswith("TLDEXTRACT")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
    assert "Traceback" not in result.stderr


def test_a_saved_pipeline_loads_from_its_path_and_a_missing_one_is_refused(tmp_path: Path) -> None:
    import spacy

    spacy.blank("en").to_disk(tmp_path / "pipeline")
    nlp, info = build_nlp(str(tmp_path / "pipeline"))
    assert not info.has_ner
    doc = nlp("Chart REVIEWED")
    assert [t.lemma_ for t in doc] == ["chart", "reviewed"]  # lower-case lemmas were added
    with pytest.raises(ConfigError, match="not installed and will not be downloaded"):
        build_nlp("en_core_web_trf_not_installed")


def test_config_from_mapping() -> None:
    cfg = PresidioConfig.from_mapping({"nlp_pipeline": "en_core_web_sm", "window": 200})
    assert cfg.nlp_pipeline == "en_core_web_sm"
    assert cfg.window == 200
    assert PresidioConfig.from_mapping({"nlp_pipeline": "blank"}).nlp_pipeline is None
    assert PresidioConfig.from_mapping(None) == PresidioConfig()
    with pytest.raises(ConfigError, match="unknown settings"):
        PresidioConfig.from_mapping({"model": "x"})
