"""PHI/PII recognizers: small classes with one interface, configured from recognizers.yaml.

Kinds (the `kind:` of a recognizer in the data) and where they live:

- `pattern`          (here) regexes + validator + whole-word context words, run only in windows
                     around its anchors (words, literals, shared pre-filters, computed words);
- `labelled`         (labels.py) a label or record key ("MRN:", "first_name=", "<LastName>",
                     "DOB") followed by a value of a declared kind, validated;
- `delimited_table`  (records.py) CSV/TSV/pipe/Markdown tables whose header cells are labels;
- `inferred_table`   (records.py) rows without a header, column kinds inferred from values;
- `sql_insert`       (records.py) INSERT ... VALUES, CREATE TABLE columns, 'v' AS column;
- `hl7_v2`           (records.py) HL7 v2 segments (PID, NK1, GT1, IN1, PV1, MRG...) by field;
- `fhir`             (records.py) FHIR resources (JSON and XML).

Every recognizer implements `find(doc) -> Iterable[Candidate]`; the detector decides category
and final score from the candidate's identifier class, the health context and identity records
(see the header of recognizers.yaml). `RecognizerRegistry` builds all of them from the data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from claude_guard.detect.phi import validators as v
from claude_guard.detect.phi.base import (
    Candidate,
    ConfigError,
    Example,
    Identifier,
    Recognizer,
    Settings,
    ValueKind,
    compile_pattern,
    context_tokens,
    examples_of,
    normalise_label,
)
from claude_guard.detect.phi.labels import KeyHit, LabelIndex, LabelledRecognizer
from claude_guard.detect.phi.records import (
    INFERRED_ENTITY,
    DelimitedTableRecognizer,
    FhirRecognizer,
    Hl7Recognizer,
    InferredTableRecognizer,
    SqlInsertRecognizer,
)
from claude_guard.detect.phi.text import Prefilter, ScanDoc

__all__ = [
    "AnyRecognizer",
    "Candidate",
    "ConfigError",
    "Example",
    "Identifier",
    "KeyHit",
    "LabelIndex",
    "LabelledRecognizer",
    "PatternRecognizer",
    "Recognizer",
    "RecognizerRegistry",
    "ValueKind",
    "normalise_label",
]

DATA_PACKAGE = "claude_guard.data.phi"
DATA_FILE = "recognizers.yaml"


# ---------------------------------------------------------------------------------------------
# Pattern recognizer
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PatternSpec:
    name: str
    regex: re.Pattern[str]
    score: float


@dataclass(slots=True)
class PatternRecognizer:
    id: str
    entities: tuple[str, ...]
    identifier: Identifier
    anchors: tuple[str, ...]
    patterns: tuple[PatternSpec, ...]
    context: frozenset[str]
    context_score: float
    validator: Callable[[str], v.Verdict]
    settings: Settings
    examples: tuple[tuple[Example, ...], tuple[Example, ...]] = ((), ())
    window: tuple[int, int] | None = None  # (before, after) around an anchor; default: settings
    requires: tuple[frozenset[bytes], ...] = ()  # each group: one of its words must occur
    _word_anchors: frozenset[bytes] = field(init=False, repr=False)
    _other_anchors: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        words = {a for a in self.anchors if a.isascii() and a.isalnum() and a.islower()}
        self._word_anchors = frozenset(a.encode() for a in words)
        self._other_anchors = len(words) < len(self.anchors)

    def may_apply_always(self) -> bool:
        """It has anchors other than words (pre-filters, literals): no cheap pre-check."""
        return self._other_anchors

    def anchor_words(self) -> frozenset[bytes]:
        return self._word_anchors

    def find(self, doc: ScanDoc) -> Iterator[Candidate]:
        if not self._other_anchors and self._word_anchors.isdisjoint(doc.words):
            return  # none of its anchor words occurs: one set intersection, no scan
        if self.requires and not all(doc.requirement_met(g) for g in self.requires):
            return
        before, after = self.window or (self.settings.anchor_before, self.settings.anchor_after)
        windows = doc.windows(self.anchors, before, after)
        if not windows:
            return
        text = doc.text
        seen: set[tuple[int, int]] = set()
        for ws, we in windows:
            for pat in self.patterns:
                for m in pat.regex.finditer(text, ws, we):
                    s, e = m.span("value") if "value" in pat.regex.groupindex else m.span()
                    if (s, e) in seen:
                        continue
                    verdict = self.validator(text[s:e])
                    if verdict is v.Verdict.INVALID:
                        continue
                    seen.add((s, e))
                    score = pat.score
                    if self.context and self.context & context_tokens(doc, s, e, self.settings):
                        score = min(1.0, score + self.context_score)
                    yield Candidate(
                        self.entities[0], s, e, score, self.id, self.identifier, verdict
                    )


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------

AnyRecognizer = (
    PatternRecognizer
    | LabelledRecognizer
    | DelimitedTableRecognizer
    | SqlInsertRecognizer
    | InferredTableRecognizer
    | Hl7Recognizer
    | FhirRecognizer
)


@dataclass(slots=True)
class RecognizerRegistry:
    """The recognizers, value kinds, settings and health-context rules, built from data."""

    settings: Settings
    prefilters: dict[str, Prefilter]
    value_kinds: dict[str, ValueKind]
    recognizers: list[AnyRecognizer]
    label_index: LabelIndex
    health: Mapping[str, Any]
    records: Mapping[str, Any]
    macros: dict[str, str]

    @classmethod
    def default(cls) -> RecognizerRegistry:
        raw = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
        return cls.from_mapping(_load_yaml(raw))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RecognizerRegistry:
        if not isinstance(data, Mapping) or data.get("version") != 1:
            raise ConfigError("recognizer data: expected a mapping with version: 1")
        s = data["settings"]
        settings = Settings(
            min_score=float(s["min_score"]),
            weak_pii_max_score=float(s["weak_pii_max_score"]),
            health_boost=float(s["health_boost"]),
            context_before=int(s["context_window"]["before"]),
            context_after=int(s["context_window"]["after"]),
            anchor_before=int(s["anchor_window"]["before"]),
            anchor_after=int(s["anchor_window"]["after"]),
        )
        macros = {str(k): str(val) for k, val in (data.get("macros") or {}).items()}
        prefilters = {
            str(k): Prefilter(
                compile_pattern(str(p["regex"]), macros, f"prefilter {k}"),
                tuple(str(g).encode() for g in p.get("gate", ())),
            )
            for k, p in data["prefilters"].items()
        }
        stopwords = frozenset(str(data["names"]["stopwords"]).lower().split())
        name_rules = v.NameRules(stopwords)
        value_kinds: dict[str, ValueKind] = {}
        for name, spec in data["value_kinds"].items():
            value_kinds[name] = ValueKind(
                name=name,
                regex=compile_pattern(spec["regex"], macros, f"value kind {name}"),
                validator=_validator(spec["validator"], name_rules, int(spec.get("min_tokens", 1))),
                trim=bool(spec.get("trim", False)),
                stopwords=stopwords,
                entity=str(spec["entity"]) if "entity" in spec else None,
            )
        recognizers: list[AnyRecognizer] = []
        labelled: list[LabelledRecognizer] = []
        seen_ids: set[str] = set()
        for spec in data["recognizers"]:
            rid = str(spec["id"])
            if rid in seen_ids:
                raise ConfigError(f"duplicate recognizer id {rid}")
            seen_ids.add(rid)
            rec = _build(spec, settings, macros, value_kinds, name_rules)
            recognizers.append(rec)
            if isinstance(rec, LabelledRecognizer):
                labelled.append(rec)
        index = LabelIndex(
            labelled,
            avoid=str(data.get("label_anchor_avoid", "")).split(),
            health_words=[str(w) for w in data.get("health_label_words", ())],
            loose_last_words=[str(w) for w in data.get("loose_label_last_words", ())],
            no_prefix=[str(w) for w in data.get("no_prefix_labels", ())],
        )
        entity_values: dict[str, LabelledRecognizer] = {}
        for rec in labelled:
            entity_values.setdefault(rec.entities[0], rec)
        for rec in recognizers:
            if isinstance(rec, (LabelledRecognizer, DelimitedTableRecognizer, SqlInsertRecognizer)):
                rec.index = index
            if isinstance(rec, FhirRecognizer):
                _fhir_value_checks(rec, labelled)
            if isinstance(rec, Hl7Recognizer):
                rec.entity_values = {
                    "PERSON": next(r for r in labelled if r.id == "label_person_name_part")
                }
        return cls(
            settings,
            prefilters,
            value_kinds,
            recognizers,
            index,
            data["health_context"],
            data["records"],
            macros,
        )

    def get(self, rid: str) -> AnyRecognizer:
        for rec in self.recognizers:
            if rec.id == rid:
                return rec
        raise KeyError(rid)


def _load_yaml(raw: str) -> Any:
    """libyaml's C loader when PyYAML has it (10x faster: this runs in every hook process)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(raw, Loader=loader)  # noqa: S506 - a safe loader


def _fhir_value_checks(rec: FhirRecognizer, labelled: Sequence[LabelledRecognizer]) -> None:
    """FHIR `given`/`family` hold single name parts; other keys use their label's value kind."""
    by_id = {r.id: r for r in labelled}
    prefer = {
        "PERSON": "label_person_name_part",
        "DATE_OF_BIRTH": "label_date_of_birth",
        "DATE": "label_patient_date",
        "STREET_ADDRESS": "label_street_address",
        "CITY": "label_city",
        "ZIP_CODE": "label_zip_code",
    }
    for entity, rid in prefer.items():
        if rid in by_id:
            rec.entity_values[entity] = by_id[rid]


def _validator(name: str, rules: v.NameRules, min_tokens: int) -> Callable[[str], v.Verdict]:
    if name == "person_name":
        return lambda value: v.person_name(value, rules, min_tokens)
    try:
        return v.VALIDATORS[name]
    except KeyError:
        raise ConfigError(f"unknown validator {name!r}") from None


def _build(
    spec: Mapping[str, Any],
    settings: Settings,
    macros: Mapping[str, str],
    value_kinds: Mapping[str, ValueKind],
    rules: v.NameRules,
) -> AnyRecognizer:
    rid = str(spec["id"])
    kind = spec.get("kind")
    examples = examples_of(spec.get("examples"))
    if kind == "pattern":
        patterns = tuple(
            PatternSpec(
                str(p["name"]),
                compile_pattern(str(p["regex"]), macros, f"{rid}/{p['name']}"),
                float(p["score"]),
            )
            for p in spec["patterns"]
        )
        return PatternRecognizer(
            id=rid,
            entities=(str(spec["entity"]),),
            identifier=Identifier(spec["identifier"]),
            anchors=tuple(str(a) for a in spec["anchors"]),
            patterns=patterns,
            context=frozenset(str(w).lower() for w in spec.get("context", ())),
            context_score=float(spec.get("context_score", 0.0)),
            validator=_validator(
                str(spec.get("validator", "any")), rules, int(spec.get("min_tokens", 1))
            ),
            settings=settings,
            examples=examples,
            window=(int(spec["window"]["before"]), int(spec["window"]["after"]))
            if "window" in spec
            else None,
            requires=tuple(
                frozenset(str(w).lower().encode() for w in group)
                for group in spec.get("requires", ())
            ),
        )
    if kind == "labelled":
        kinds = spec["value"] if isinstance(spec["value"], list) else [spec["value"]]
        try:
            vks = tuple(value_kinds[str(k)] for k in kinds)
        except KeyError as exc:
            raise ConfigError(f"{rid}: unknown value kind {exc}") from None
        return LabelledRecognizer(
            id=rid,
            entities=(str(spec["entity"]),),
            identifier=Identifier(spec["identifier"]),
            labels=tuple(str(x) for x in spec["labels"]),
            value_kinds=vks,
            score=float(spec["score"]),
            bare_separator=bool(spec.get("bare_separator", False)),
            examples=examples,
        )
    if kind == "delimited_table":
        return DelimitedTableRecognizer(
            id=rid,
            entities=("*",),
            delimiters=tuple(str(d) for d in spec["delimiters"]),
            min_mapped=int(spec["min_mapped_columns"]),
            max_columns=int(spec["max_columns"]),
            max_rows=int(spec["max_rows"]),
            examples=examples,
        )
    if kind == "sql_insert":
        return SqlInsertRecognizer(id=rid, entities=("*",), examples=examples)
    if kind == "inferred_table":
        try:
            columns = {str(k): value_kinds[str(vk)] for k, vk in spec["column_kinds"].items()}
        except KeyError as exc:
            raise ConfigError(f"{rid}: unknown value kind {exc}") from None
        unknown = set(columns) - set(INFERRED_ENTITY)
        if unknown:
            raise ConfigError(f"{rid}: unknown column kinds {sorted(unknown)}")
        return InferredTableRecognizer(
            id=rid,
            entities=tuple(sorted(set(INFERRED_ENTITY.values()) | {"DATE_OF_BIRTH"})),
            anchors=tuple(str(a) for a in spec["anchors"]),
            min_rows=int(spec["min_rows"]),
            column_share=float(spec["column_share"]),
            kinds=columns,
            score=float(spec["score"]),
            examples=examples,
        )
    if kind == "hl7_v2":
        return Hl7Recognizer(
            id=rid,
            entities=tuple(sorted({e for seg in spec["segments"].values() for e in seg.values()})),
            identifier=Identifier(spec["identifier"]),
            score=float(spec["score"]),
            segments={
                str(k): {int(n): str(e) for n, e in f.items()} for k, f in spec["segments"].items()
            },
            id_types={str(k).upper(): str(e) for k, e in spec["identifier_types"].items()},
            examples=examples,
        )
    if kind == "fhir":
        return FhirRecognizer(
            id=rid,
            entities=tuple(
                sorted(set(spec["keys"].values()) | set(spec["identifier_types"].values()))
            ),
            identifier=Identifier(spec["identifier"]),
            score=float(spec["score"]),
            resource_types=tuple(str(t) for t in spec["resource_types"]),
            keys={str(k): str(e) for k, e in spec["keys"].items()},
            telecom_systems={str(k): str(e) for k, e in spec["telecom_systems"].items()},
            id_types={str(k).upper(): str(e) for k, e in spec["identifier_types"].items()},
            id_systems={str(k).lower(): str(e) for k, e in spec["identifier_systems"].items()},
            default_identifier=str(spec["default_identifier"]),
            entity_values={},
            examples=examples,
        )
    raise ConfigError(f"{rid}: unknown recognizer kind {kind!r}")
