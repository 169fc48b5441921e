"""The optional Presidio stage: NER person names (and Presidio's checks) on candidate windows.

Never imported on the hook path: `PhiDetector` covers structured identifiers and labels on its
own. This module is imported only when the configuration asks for it, and then:

- builds an `AnalyzerEngine` explicitly for an offline machine:
  * tldextract uses its bundled Public Suffix List snapshot (no suffix-list URLs, no disk
    cache), so the e-mail recognizer never reaches for the network;
  * the NLP pipeline is either a blank `spacy.blank("en")` plus a tiny component that sets each
    token's lemma to its lower-case text (so context words work without a model; no NER), or
    a named / on-disk spaCy pipeline (`nlp_pipeline: en_core_web_sm` or a path) that is loaded
    only if installed - never downloaded. `PresidioDetector.pipeline` says which is in use;
  * its own registry: claude-guard recognizers wrapped as Presidio recognizers where Presidio's
    context enhancement is the point (MRN, DEA, age over 89), plus only stock recognizers that
    are quiet on source code (e-mail, credit card, IBAN, SSN, MBI, NPI), plus spaCy NER for
    PERSON when the pipeline has NER;
  * context matching on whole words;
- runs it only on windows of the text: around the fast stage's candidates and on lines with
  clinical vocabulary (where a name in prose is likely), in chunks of at most `chunk_chars`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_guard.detect.findings import (
    CATEGORY_PHI,
    CATEGORY_PII,
    Finding,
    dedupe_overlapping,
)
from claude_guard.detect.phi import validators as v
from claude_guard.detect.phi.base import Candidate, ConfigError, Identifier
from claude_guard.detect.phi.detector import PhiDetector
from claude_guard.detect.phi.text import ScanDoc, merge_windows

log = logging.getLogger(__name__)

LEMMA_COMPONENT = "claude_guard_lowercase_lemma"
BLANK_PIPELINE = "blank:en"

# Presidio entity -> claude-guard finding type, and how much the value says on its own.
ENTITY_MAP: dict[str, tuple[str, Identifier]] = {
    "PERSON": ("PERSON", Identifier.WEAK),
    "EMAIL_ADDRESS": ("EMAIL_ADDRESS", Identifier.WEAK),
    "CREDIT_CARD": ("CREDIT_CARD", Identifier.STRONG),
    "IBAN_CODE": ("IBAN", Identifier.STRONG),
    "US_SSN": ("US_SSN", Identifier.STRONG),
    "US_MBI": ("MEDICARE_MBI", Identifier.HEALTH),
    "US_NPI": ("NPI", Identifier.HEALTH),
    "MEDICAL_RECORD_NUMBER": ("MEDICAL_RECORD_NUMBER", Identifier.HEALTH),
    "DEA_NUMBER": ("DEA_NUMBER", Identifier.HEALTH),
    "AGE_OVER_89": ("AGE_OVER_89", Identifier.STRONG),
}


@dataclass(frozen=True)
class PresidioConfig:
    """How the Presidio stage is built. `nlp_pipeline` None means the blank pipeline (no NER);
    otherwise an installed spaCy package name or a directory holding a saved pipeline."""

    nlp_pipeline: str | None = None
    window: int = 300  # characters around each fast-stage candidate
    chunk_chars: int = 4000  # Presidio is super-linear on long dense texts: analyze in chunks
    score_threshold: float = 0.4
    entities: tuple[str, ...] = tuple(ENTITY_MAP)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> PresidioConfig:
        raw = raw or {}
        unknown = set(raw) - {"nlp_pipeline", "window", "chunk_chars", "score_threshold"}
        if unknown:
            raise ConfigError(f"presidio: unknown settings {sorted(unknown)}")
        pipeline = raw.get("nlp_pipeline")
        return cls(
            nlp_pipeline=str(pipeline)
            if pipeline not in (None, "", "blank", BLANK_PIPELINE)
            else None,
            window=int(raw.get("window", cls.window)),
            chunk_chars=int(raw.get("chunk_chars", cls.chunk_chars)),
            score_threshold=float(raw.get("score_threshold", cls.score_threshold)),
        )


@dataclass(frozen=True)
class PipelineInfo:
    """Which spaCy pipeline the engine uses, said plainly (logged and shown by `describe`)."""

    name: str  # "blank:en" or the package name / path
    version: str
    has_ner: bool

    def describe(self) -> str:
        if not self.has_ner:
            return f"{self.name} (blank, no NER: names only from labels and record structure)"
        return f"{self.name} {self.version} (spaCy NER for PERSON)"


def configure_tldextract_offline() -> None:
    """Point tldextract's module-level extractor (the one Presidio's e-mail recognizer calls)
    at its bundled suffix-list snapshot: no suffix-list URLs, no disk cache."""
    import tldextract
    import tldextract.tldextract as tld_module

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    tld_module.TLD_EXTRACTOR = offline


def _lowercase_lemma_factory() -> Callable[[Any], Any]:
    import spacy
    from spacy.language import Language

    def lowercase_lemma(doc: Any) -> Any:
        for token in doc:
            token.lemma_ = token.lower_
        return doc

    if not Language.has_factory(LEMMA_COMPONENT):
        Language.component(LEMMA_COMPONENT, func=lowercase_lemma)
    _ = spacy  # imported for its registration side effects
    return lowercase_lemma


def build_nlp(pipeline: str | None) -> tuple[Any, PipelineInfo]:
    """The spaCy pipeline: blank + lower-case lemmas, or an installed one (never downloaded)."""
    import spacy

    _lowercase_lemma_factory()
    if pipeline is None:
        nlp = spacy.blank("en")
        nlp.add_pipe(LEMMA_COMPONENT)
        version = str(getattr(spacy, "__version__", "?"))
        return nlp, PipelineInfo(BLANK_PIPELINE, f"spaCy {version}", has_ner=False)
    if not (spacy.util.is_package(pipeline) or Path(pipeline).is_dir()):
        raise ConfigError(
            f"presidio: spaCy pipeline {pipeline!r} is not installed and will not be downloaded;"
            " install its package or give the path of a saved pipeline"
        )
    nlp = spacy.load(pipeline)
    if "lemmatizer" not in nlp.pipe_names and LEMMA_COMPONENT not in nlp.pipe_names:
        nlp.add_pipe(LEMMA_COMPONENT, last=True)
    meta = nlp.meta
    name = f"{meta['lang']}_{meta['name']}" if "lang" in meta and "name" in meta else pipeline
    info = PipelineInfo(name, str(meta.get("version", "?")), has_ner="ner" in nlp.pipe_names)
    return nlp, info


def _wrapped_recognizers(detector: PhiDetector) -> list[Any]:
    """claude-guard recognizers as Presidio PatternRecognizers: our regexes, validators and
    whole-word context words, scored by Presidio's context enhancement."""
    from presidio_analyzer import Pattern, PatternRecognizer

    class ValidatedPatternRecognizer(PatternRecognizer):
        def __init__(self, validator: Callable[[str], v.Verdict], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._validator = validator

        def validate_result(self, pattern_text: str) -> bool | None:
            return None if self._validator(pattern_text) is not v.Verdict.INVALID else False

    mrn_words = ["mrn", "mr", "medical", "record", "chart", "patient", "hospital", "unit"]
    return [
        ValidatedPatternRecognizer(
            v.record_id,
            supported_entity="MEDICAL_RECORD_NUMBER",
            name="claude_guard_mrn",
            patterns=[Pattern("mrn_like", r"(?<![\w-])[A-Z]{0,3}-?\d{6,10}(?![\w-])", 0.1)],
            context=mrn_words,
        ),
        ValidatedPatternRecognizer(
            v.dea,
            supported_entity="DEA_NUMBER",
            name="claude_guard_dea",
            patterns=[Pattern("dea", r"(?<![\w])[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}(?![\w])", 0.3)],
            context=["dea", "prescriber", "registration"],
        ),
        ValidatedPatternRecognizer(
            v.age_over_89,
            supported_entity="AGE_OVER_89",
            name="claude_guard_age_over_89",
            patterns=[Pattern("age", r"(?<![\w.])(?:9\d|1[01]\d|12[0-5])(?![\w.])", 0.05)],
            context=["age", "aged", "yo", "old", "years"],
        ),
    ]


def build_analyzer(config: PresidioConfig, detector: PhiDetector) -> tuple[Any, PipelineInfo]:
    """An AnalyzerEngine that needs no network and no model download."""
    configure_tldextract_offline()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        SpacyRecognizer,
        UsMbiRecognizer,
        UsNpiRecognizer,
        UsSsnRecognizer,
    )

    nlp, info = build_nlp(config.nlp_pipeline)
    ner_config = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
        labels_to_ignore=[
            "ORG",
            "GPE",
            "LOC",
            "NORP",
            "FAC",
            "PRODUCT",
            "DATE",
            "TIME",
            "CARDINAL",
            "ORDINAL",
            "QUANTITY",
            "MONEY",
            "PERCENT",
            "EVENT",
            "WORK_OF_ART",
            "LAW",
            "LANGUAGE",
        ],
        default_score=0.85,
    )
    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": info.name}], ner_model_configuration=ner_config
    )
    # built here: SpacyNlpEngine.load() would try to download a missing model
    setattr(nlp_engine, "nlp", {"en": nlp})  # noqa: B010

    recognizers: list[Any] = [
        EmailRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        UsSsnRecognizer(),
        UsMbiRecognizer(),
        UsNpiRecognizer(),
        *_wrapped_recognizers(detector),
    ]
    if info.has_ner:
        recognizers.append(SpacyRecognizer(supported_entities=["PERSON"]))
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    enhancer = LemmaContextAwareEnhancer(context_matching_mode="whole_word")
    analyzer = AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=["en"],
        context_aware_enhancer=enhancer,
        default_score_threshold=config.score_threshold,
    )
    log.info("presidio stage ready: %s", info.describe())
    return analyzer, info


@dataclass
class PresidioDetector:
    """The same `Detector` protocol as PhiDetector, backed by Presidio on candidate windows."""

    config: PresidioConfig = field(default_factory=PresidioConfig)
    phi: PhiDetector = field(default_factory=PhiDetector.default)
    name: str = "presidio"
    max_match_chars: int = 24 * 1024  # the PHI stage's reach: it runs on that stage's windows

    def __post_init__(self) -> None:
        self.analyzer, self.pipeline = build_analyzer(self.config, self.phi)

    def scan(self, text: str) -> list[Finding]:
        if not text:
            return []
        doc = ScanDoc(text, self.phi.registry.prefilters, self.phi.health.vocabulary)
        candidates: list[Candidate] = []
        sources: list[str] = []
        for start, end in self.windows(doc):
            for r in self.analyzer.analyze(
                text=text[start:end], language="en", entities=list(self.config.entities)
            ):
                mapped = ENTITY_MAP.get(r.entity_type)
                if mapped is None:
                    continue
                entity, ident = mapped
                candidates.append(
                    Candidate(entity, start + r.start, start + r.end, float(r.score), "", ident)
                )
                sources.append(str(r.recognition_metadata.get("recognizer_name", r.entity_type)))
        if not candidates:
            return []
        health = self.phi.health.evaluate(doc, candidates)
        records = self.phi.records.evaluate(doc, candidates)
        lines = doc.line_numbers(c.start for c in candidates)
        findings = []
        for c, source, in_health, in_record in zip(
            candidates, sources, health, records, strict=True
        ):
            phi = c.identifier is Identifier.HEALTH or in_health or in_record
            findings.append(
                Finding(
                    category=CATEGORY_PHI if phi else CATEGORY_PII,
                    type=c.entity,
                    start=c.start,
                    end=c.end,
                    line=lines[c.start],
                    score=round(min(1.0, c.score), 3),
                    detector=f"presidio:{source}",
                )
            )
        return dedupe_overlapping(findings)

    def windows(self, doc: ScanDoc) -> list[tuple[int, int]]:
        """Where Presidio looks: around the fast stage's candidates, and on lines with clinical
        vocabulary (a name in clinical prose), in chunks of at most `chunk_chars`."""
        text = doc.text
        n = len(text)
        w = self.config.window
        spans = [(max(0, c.start - w), min(n, c.end + w)) for c in self.phi.candidates(doc)]
        spans.extend(self._clinical_lines(doc))
        out: list[tuple[int, int]] = []
        for start, end in merge_windows(spans):
            out.extend(_chunks(text, start, end, self.config.chunk_chars))
        return out

    def _clinical_lines(self, doc: ScanDoc) -> Iterable[tuple[int, int]]:
        present = self.phi.health.vocabulary & doc.words  # clinical words of 4+ letters
        low = doc.low
        for word in present:
            token = word.decode()
            i = low.find(token)
            while i != -1:
                yield doc.line_start(i), doc.line_end(i)
                i = low.find(token, doc.line_end(i))


def _chunks(text: str, start: int, end: int, size: int) -> Sequence[tuple[int, int]]:
    """Split [start, end) into pieces of at most `size`, cutting at line ends when possible."""
    out = []
    while end - start > size:
        cut = text.rfind("\n", start + size // 2, start + size)
        if cut == -1:
            cut = text.rfind(" ", start + size // 2, start + size)
        if cut == -1:
            cut = start + size
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out
