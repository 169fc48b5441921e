"""The PHI detector on hostile text: digits that are not ASCII, and inputs that once took
quadratic time."""

from __future__ import annotations

import json
import random
import time

import pytest

from claude_guard.detect.phi.detector import PhiDetector
from claude_guard.detect.scanner import (
    ContentScanner,
    ScanStatus,
)

KEY = b"k" * 32


@pytest.fixture(scope="module")
def scanner() -> ContentScanner:
    return ContentScanner.default(KEY)


@pytest.mark.parametrize(
    "text",
    [
        "PID|1||||||||||||||||||12\u00b2456789|",
        "PID|1||||||||||||||||||12\u00b2456789|\nage: 9\u00b2",
        "Patient DOB: 1\u00b2/0\u00b9/1950, MRN 00\u00b248291, SSN 53\u00b2-22-8726",
    ],
)
def test_superscript_digits_in_records_do_not_crash_the_scan(
    scanner: ContentScanner, text: str
) -> None:
    PhiDetector.default().scan(text)
    assert scanner.scan_text(text).status is ScanStatus.COMPLETE


def test_a_minified_json_of_users_is_linear() -> None:
    rng = random.Random(3)
    users = [
        {
            "id": i,
            "name": f"{rng.choice(['Maria', 'Tomas', 'Priya', 'Jonas'])} "
            f"{rng.choice(['Gonzalez', 'Abernathy', 'Quintero', 'Okafor'])}",
            "email": f"user{rng.randint(10, 99_999)}@mailbox.org",
        }
        for i in range(2500)
    ]
    text = json.dumps(users, separators=(",", ":"))
    assert len(text) > 150_000
    started = time.perf_counter()
    findings = PhiDetector.default().scan(text)
    assert time.perf_counter() - started < 3.0  # was ~10 s
    assert findings


def test_repeated_fhir_identifier_arrays_are_linear() -> None:
    text = '{"resourceType":"Patient",' + '"identifier":[' * 13_000
    started = time.perf_counter()
    PhiDetector.default().scan(text)
    assert time.perf_counter() - started < 3.0  # was ~16 s


def test_fhir_identifiers_are_still_found() -> None:
    text = json.dumps(
        {
            "resourceType": "Patient",
            "identifier": [
                {"type": {"coding": [{"code": "MR"}]}, "value": "00482913"},
                {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "536-22-8726"},
            ],
            "name": [{"text": "Tomas Abernathy"}],
        }
    )
    types = {f.type for f in PhiDetector.default().scan(text)}
    assert {"MEDICAL_RECORD_NUMBER", "US_SSN", "PERSON"} <= types
