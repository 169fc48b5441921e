"""The tools claude-guard is compared with, built the way they work offline."""

from __future__ import annotations

from typing import Any


def vanilla_presidio() -> Any:
    """Presidio as documented, minus what cannot work offline: a blank spaCy pipeline (the
    default wants en_core_web_lg from the network) and tldextract's bundled suffix list."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from claude_guard.detect.phi.presidio_engine import configure_tldextract_offline

    configure_tldextract_offline()
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    setattr(engine, "nlp", {"en": spacy.blank("en")})  # noqa: B010
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
