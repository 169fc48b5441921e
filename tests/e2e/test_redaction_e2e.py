"""PostToolUse redaction against the real client, with a stand-in hook (not the installed one).

The stand-in is a few lines that import claude_guard.answer.redaction and answer with
post_tool_use_answer, registered in a temp HOME. The scripted model records every request, so
the tool_result blocks it received are exactly what the model saw: canaries must arrive as
placeholders, benign output must arrive byte for byte, and the same value must get the same
placeholder across tools within the session.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import string
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import REPO_ROOT, run_claude, strip_line_numbers

pytestmark = pytest.mark.e2e

HOOK_SOURCE = """
import json, sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from claude_guard.home import derive_key
from claude_guard.detect.scanner import ContentScanner
from claude_guard.policy.loader import load_layer_file
from claude_guard.policy.merge import merge_layers
from claude_guard.answer.redaction import post_tool_use_answer, redact_tool_response
from claude_guard.session.store import Session

event = json.loads(sys.stdin.buffer.read())
home = Path({guard_home!r})
policy = merge_layers([load_layer_file("default", Path({policy!r}))])
scanner = ContentScanner.default(derive_key((home / "key").read_bytes(), "fingerprint"))
session = Session(event["session_id"], home)
result = redact_tool_response(
    event["tool_name"], event["tool_response"], scanner, policy.detection, session
)
with open(home / "shapes.jsonl", "a") as log:  # metadata only: shape, counts, types
    log.write(json.dumps({{"tool": event["tool_name"], "shape": result.shape,
                          "replaced": result.replaced, "fallback": result.fallback}}) + "\\n")
answer = post_tool_use_answer(result)
if answer is not None:
    print(json.dumps(answer))
"""


@dataclass(frozen=True)
class Canaries:
    ssn: str
    mrn: str
    aws_key_id: str
    aws_secret: str

    @property
    def all(self) -> list[str]:
        return [self.ssn, self.mrn, self.aws_key_id, self.aws_secret]


@pytest.fixture
def canaries() -> Canaries:
    rng = random.Random(secrets.randbits(64))
    return Canaries(
        ssn=f"{rng.randint(100, 665):03d}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
        mrn=str(rng.randint(10**7, 10**8 - 1)),
        aws_key_id="AKIA"
        + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16)),
        aws_secret="".join(
            rng.choice(string.ascii_letters + string.digits + "/+") for _ in range(40)
        ),
    )


@pytest.fixture
def redacting_home(tmp_path: Path, claude_bin: Path) -> Path:
    home = tmp_path / "home"
    guard = tmp_path / "guard"
    guard.mkdir(mode=0o700)
    (guard / "key").write_bytes(secrets.token_bytes(32))
    hook = tmp_path / "redact_hook.py"
    hook.write_text(
        HOOK_SOURCE.format(
            repo=str(REPO_ROOT),
            guard_home=str(guard),
            policy=str(REPO_ROOT / "claude_guard" / "data" / "policies" / "default.yaml"),
        )
    )
    command = f"{sys.executable} {hook}"
    settings = {
        "hooks": {
            "PostToolUse": [
                {"matcher": "*", "hooks": [{"type": "command", "command": command, "timeout": 60}]}
            ]
        }
    }
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(json.dumps(settings))
    return home


def _shapes(home: Path) -> list[dict[str, object]]:
    log = home.parent / "guard" / "shapes.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_secret_and_phi_output_reaches_the_model_redacted(
    redacting_home: Path, tmp_path: Path, canaries: Canaries
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    patient = (
        f"Patient: Maria Gonzalez   MRN: {canaries.mrn}   DOB: 03/14/1957\n"
        f"SSN on file: {canaries.ssn}\n"
    )
    (project / "discharge.txt").write_text("DISCHARGE SUMMARY\n" + patient)
    (project / "notes.txt").write_text("benign notes\nnothing to see here\n")
    creds = (
        f"AWS_ACCESS_KEY_ID={canaries.aws_key_id}\nAWS_SECRET_ACCESS_KEY={canaries.aws_secret}\n"
    )
    (project / "settings.env.txt").write_text(creds)
    script = [
        [{"name": "Bash", "input": {"command": "cat settings.env.txt"}}],
        [{"name": "Bash", "input": {"command": "cat discharge.txt"}}],
        [{"name": "Read", "input": {"file_path": str(project / "discharge.txt")}}],
        [{"name": "Read", "input": {"file_path": str(project / "settings.env.txt")}}],
        [{"name": "Bash", "input": {"command": "echo hello-benign; ls"}}],
        [{"name": "Read", "input": {"file_path": str(project / "notes.txt")}}],
        "finished",
    ]
    run = run_claude(redacting_home, project, "go", script)
    results = run.tool_results()
    assert run.returncode == 0, run.describe()
    assert len(results) == 6, run.describe()
    texts = [r.text for r in results]
    seen = "\n".join(texts)
    for value in canaries.all:
        assert value not in seen, f"a canary reached the model\n{run.describe()}"
    # The model got placeholders where the values were, the rest of each line intact.
    bash_creds, bash_patient, read_patient, read_creds, benign_bash, benign_read = texts
    assert re.search(r"AWS_ACCESS_KEY_ID=<AWS_ACCESS_KEY_ID_\d+>", bash_creds), bash_creds
    assert re.search(r"AWS_SECRET_ACCESS_KEY=<AWS_SECRET_ACCESS_KEY_\d+>", bash_creds)
    assert re.search(r"SSN on file: <US_SSN_\d+>", bash_patient), bash_patient
    assert "DISCHARGE SUMMARY" in bash_patient
    # Same value, same placeholder, across tools within the session.
    ssn_bash = re.findall(r"<US_SSN_\d+>", bash_patient)
    assert ssn_bash and ssn_bash == re.findall(r"<US_SSN_\d+>", strip_line_numbers(read_patient))
    assert re.findall(r"<AWS_SECRET_ACCESS_KEY_\d+>", bash_creds) == re.findall(
        r"<AWS_SECRET_ACCESS_KEY_\d+>", read_creds
    )
    # Benign output is untouched.
    assert benign_bash.startswith("hello-benign\n") and "notes.txt" in benign_bash
    assert strip_line_numbers(benign_read).startswith("benign notes\nnothing to see here")
    shapes = {(s["tool"], s["shape"], s["fallback"]) for s in _shapes(redacting_home)}
    assert shapes == {("Bash", "Bash", False), ("Read", "Read:text", False)}
    # The hook's own state never holds a value.
    state = "\n".join(p.read_text() for p in (tmp_path / "guard").rglob("*.json*"))
    for value in canaries.all:
        assert value not in state


def test_without_the_hook_the_same_output_leaks(
    tmp_path: Path, claude_bin: Path, canaries: Canaries
) -> None:
    """The control: the harness does see the values when nothing redacts them."""
    home = tmp_path / "plain"
    (home / ".claude").mkdir(parents=True)
    project = tmp_path / "project"
    project.mkdir()
    (project / "discharge.txt").write_text(f"Patient: Maria Gonzalez SSN on file: {canaries.ssn}\n")
    run = run_claude(
        home, project, "go", [[{"name": "Bash", "input": {"command": "cat discharge.txt"}}], "done"]
    )
    assert canaries.ssn in run.tool_results()[0].text, run.describe()
