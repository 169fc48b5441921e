"""PHI detection speed and false flags, side by side with vanilla Presidio in the same run.

    .venv/bin/python benchmarks/bench_phi.py [--sample-kb 400] [--json out.json] [--ner PIPELINE]

Measures, on the running interpreter's standard library (test folders skipped) and on
deterministic PHI-dense synthetic text:

- MB/s of `PhiDetector.default().scan` (whole text, every file);
- MB/s of vanilla Presidio (AnalyzerEngine, blank spaCy pipeline, default recognizers,
  tldextract offline) on a sample of the same texts, and how many sampled files it flags;
- how many stdlib files get any `phi` finding (should be ~0) and any `pii` finding, and the top
  false-flag types;
- optionally (--ner en_core_web_sm or a path), what spaCy NER adds on clinical prose: name
  mentions found by the fast stage alone versus fast stage + PresidioDetector with NER.

Nothing here asserts a speed: the numbers are reported (README), not tested.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baselines import vanilla_presidio

from claude_guard.detect.phi import PhiDetector

SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "__pycache__"}

FIRST = [
    "Adaeze",
    "Tomas",
    "Priya",
    "Keiko",
    "Omar",
    "Ingrid",
    "Malik",
    "Rosa",
    "Hiroshi",
    "Beatrice",
    "Diego",
    "Fatima",
    "Gideon",
    "Yolanda",
    "Kwame",
    "Lucia",
    "Viktor",
    "Mei",
]
LAST = [
    "Okafor",
    "Abernathy",
    "Lindqvist",
    "Marchetti",
    "Pemberton",
    "Thistlewood",
    "Haddad",
    "Kowalczyk",
    "Ravensworth",
    "Achterberg",
    "Castellanos",
    "Delacroix",
    "Vossberg",
]
STREETS = ["Maple Grove Ave", "Juniper Ct", "Willow Ln", "Sycamore Rd", "Chestnut St"]
CITIES = [("Springfield", "IL", "627"), ("Albany", "NY", "122"), ("Fresno", "CA", "937")]
DX = ["E11.9", "I10", "J45.909", "F32.1", "C50.911", "N18.3"]


def stdlib_files() -> list[tuple[str, str]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    out = []
    for path in sorted(root.rglob("*.py")):
        if SKIP_DIRS & set(path.relative_to(root).parts):
            continue
        try:
            out.append((str(path.relative_to(root)), path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, OSError):
            continue
    return out


def _ssn(rng: random.Random) -> str:
    return f"{rng.randint(100, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"


def synthetic_phi(rng: random.Random, records: int) -> list[str]:
    """Clinical notes, CSV rows, HL7 and key=value logs with synthetic identifiers."""
    docs = []
    for i in range(records):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        dob = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1930, 2015)}"
        mrn = f"{rng.randint(10**7, 10**8 - 1)}"
        city, state, zip3 = rng.choice(CITIES)
        phone = f"({rng.randint(201, 989)}) 555-01{rng.randint(0, 99):02d}"
        street = f"{rng.randint(10, 9999)} {rng.choice(STREETS)}"
        addr = f"{street}, {city}, {state} {zip3}{rng.randint(10, 99)}"
        kind = i % 4
        if kind == 0:
            docs.append(
                f"Patient: {first} {last}   DOB: {dob}   MRN: {mrn}\n"
                f"Address: {addr}   Phone: {phone}\n"
                f"Chief complaint: chest pain x2d. Dx {rng.choice(DX)}. Pt denies SOB.\n"
                f"Plan: metformin 500 mg PO BID, follow-up in 2 weeks. SSN on file {_ssn(rng)}.\n"
            )
        elif kind == 1:
            docs.append(
                "mrn,first_name,last_name,dob,phone,diagnosis\n"
                + "".join(
                    f"{rng.randint(10**7, 10**8 - 1)},{rng.choice(FIRST)},{rng.choice(LAST)},"
                    f"{rng.randint(1930, 2015)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                    f"{phone},{rng.choice(DX)}\n"
                    for _ in range(10)
                )
            )
        elif kind == 2:
            docs.append(
                f"MSH|^~\\&|EPIC|VH|LAB|VH|202406111200||ADT^A01|MSG{i}|P|2.5\r"
                f"PID|1||{mrn}^^^VH^MR||{last.upper()}^{first.upper()}||"
                f"{rng.randint(1930, 2015)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}|F|||"
                f"{addr.split(',')[0].upper()}^^{city.upper()}^{state}^{zip3}01||{phone}\r\n"
            )
        else:
            docs.append(
                f'{{"ts":"2024-06-11T14:0{i % 10}:00Z","route":"/v1/patients","request_body":'
                f'{{"firstName":"{first}","lastName":"{last}","birthDate":"{dob}",'
                f'"ssn":"{_ssn(rng)}"}}}}\n'
            )
    return docs


def clinical_prose(rng: random.Random, n: int) -> list[tuple[str, list[str]]]:
    """Sentences naming a patient without labels (what only NER or wording finds)."""
    templates = [
        "{f} {l} was seen in clinic today for diabetes follow-up; A1c improved.",
        "Spoke with {f} {l}'s daughter about the discharge plan after pneumonia.",
        "Mrs. {l} reports less dyspnea since starting furosemide.",
        "Discussed insulin titration with {f} at the bedside; hypoglycemia reviewed.",
        "{f} {l}, a 67-year-old with COPD, presented with fever and cough.",
        "Called {f} {l} to reschedule the colonoscopy; left a voicemail.",
        "Medication reconciliation completed with {f} and her caregiver.",
        "Dr. Haddad consulted regarding {f} {l}'s worsening renal function.",
    ]
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        sentence = templates[i % len(templates)].format(f=first, l=last)
        names = [x for x in (f"{first} {last}", first, last) if x in sentence]
        out.append((sentence, names[:1] if f"{first} {last}" in sentence else names))
    return out


def mb_per_s(fn: Callable[[str], object], texts: Sequence[str], repeat: int = 2) -> float:
    size = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - start)
    return size / 1e6 / best if best > 0 else float("inf")


def sample(files: list[tuple[str, str]], budget: int, rng: random.Random) -> list[tuple[str, str]]:
    shuffled = files[:]
    rng.shuffle(shuffled)
    out, size = [], 0
    for name, text in shuffled:
        if size >= budget:
            break
        if len(text) <= 60_000:
            out.append((name, text))
            size += len(text)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample-kb", type=int, default=400, help="text for vanilla Presidio")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--ner", help="spaCy pipeline (package or path) to measure NER's gain")
    args = ap.parse_args(argv)
    rng = random.Random(20240611)
    results: dict[str, Any] = {"python": sys.version.split()[0]}

    t0 = time.perf_counter()
    detector = PhiDetector.default()
    results["phi_build_s"] = round(time.perf_counter() - t0, 3)

    files = stdlib_files()
    texts = [t for _, t in files]
    phi_docs = synthetic_phi(rng, 400)
    results["stdlib_files"] = len(files)
    results["stdlib_mb"] = round(sum(map(len, texts)) / 1e6, 2)
    results["phi_text_mb"] = round(sum(map(len, phi_docs)) / 1e6, 2)
    results["phi_detector_stdlib_mb_s"] = round(mb_per_s(detector.scan, texts), 2)
    results["phi_detector_phi_text_mb_s"] = round(mb_per_s(detector.scan, phi_docs), 2)

    phi_files, pii_files = [], []
    phi_types: Counter[str] = Counter()
    pii_types: Counter[str] = Counter()
    for name, text in files:
        findings = detector.scan(text)
        cats = {f.category for f in findings}
        if "phi" in cats:
            phi_files.append(name)
            phi_types.update(f"{f.type} ({f.detector})" for f in findings if f.category == "phi")
        if "pii" in cats:
            pii_files.append(name)
            pii_types.update(f"{f.type} ({f.detector})" for f in findings if f.category == "pii")
    results["stdlib_files_with_phi"] = len(phi_files)
    results["stdlib_files_with_phi_list"] = phi_files[:20]
    results["stdlib_files_with_pii"] = len(pii_files)
    results["stdlib_phi_top_types"] = phi_types.most_common(5)
    results["stdlib_pii_top_types"] = pii_types.most_common(8)
    results["phi_text_docs_with_phi"] = sum(
        1 for d in phi_docs if any(f.category == "phi" for f in detector.scan(d))
    )
    results["phi_text_docs"] = len(phi_docs)

    try:
        t0 = time.perf_counter()
        vanilla = vanilla_presidio()
        results["vanilla_build_s"] = round(time.perf_counter() - t0, 2)
    except ImportError as exc:  # presidio-analyzer is optional
        results["vanilla"] = f"not run: {exc}"
        vanilla = None
    if vanilla is not None:
        code_sample = sample(files, args.sample_kb * 1000, rng)
        phi_sample = phi_docs[: max(1, len(phi_docs) // 8)]

        def analyze(text: str) -> list[Any]:
            return list(vanilla.analyze(text=text, language="en"))

        results["vanilla_sample_files"] = len(code_sample)
        results["vanilla_sample_kb"] = round(sum(len(t) for _, t in code_sample) / 1000, 1)
        results["vanilla_stdlib_mb_s"] = round(
            mb_per_s(analyze, [t for _, t in code_sample], repeat=1), 3
        )
        results["vanilla_phi_text_mb_s"] = round(mb_per_s(analyze, phi_sample, repeat=1), 3)
        flagged = [n for n, t in code_sample if analyze(t)]
        results["vanilla_sample_files_flagged"] = len(flagged)
        ours = [n for n, t in code_sample if detector.scan(t)]
        results["phi_detector_sample_files_flagged_any"] = len(ours)
        results["phi_detector_sample_files_flagged_phi"] = sum(
            1 for _, t in code_sample if any(f.category == "phi" for f in detector.scan(t))
        )
        vtypes: Counter[str] = Counter()
        for _, t in code_sample:
            vtypes.update({r.entity_type for r in analyze(t)})
        results["vanilla_top_types"] = vtypes.most_common(8)

    if args.ner:
        results["ner"] = measure_ner(detector, args.ner, rng, texts)

    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def measure_ner(
    detector: PhiDetector, pipeline: str, rng: random.Random, code: Sequence[str]
) -> dict[str, Any]:
    from claude_guard.detect.phi.presidio_engine import PresidioConfig, PresidioDetector

    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    ner = PresidioDetector(PresidioConfig(nlp_pipeline=pipeline), detector)
    out["pipeline"] = ner.pipeline.describe()
    out["build_s"] = round(time.perf_counter() - t0, 2)
    prose = clinical_prose(rng, 400)
    fast_hits = ner_hits = 0
    total = 0
    for sentence, names in prose:
        fast = [f for f in detector.scan(sentence) if f.type == "PERSON"]
        extra = [f for f in ner.scan(sentence) if f.type == "PERSON"]
        for name in names:
            total += 1
            start = sentence.index(name)
            end = start + len(name)
            in_fast = any(f.start < end and start < f.end for f in fast)
            in_ner = in_fast or any(f.start < end and start < f.end for f in extra)
            fast_hits += in_fast
            ner_hits += in_ner
    out["prose_name_mentions"] = total
    out["found_by_fast_stage"] = fast_hits
    out["found_with_ner"] = ner_hits
    texts = [s for s, _ in prose]
    out["ner_prose_mb_s"] = round(mb_per_s(ner.scan, texts, repeat=1), 3)
    out["ner_stdlib_mb_s"] = round(mb_per_s(ner.scan, list(code)[:150], repeat=1), 2)
    flagged = sum(1 for t in list(code)[:150] if any(f.type == "PERSON" for f in ner.scan(t)))
    out["ner_stdlib_files_with_person_of_150"] = flagged
    return out


if __name__ == "__main__":
    raise SystemExit(main())
