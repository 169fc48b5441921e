"""`claude-guard scan`: the DEVELOPERS.md contract, SARIF, exit codes, and no values in output."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from claude_guard.cli.main import main
from tests.conftest import GuardEnv

GITHUB_TOKEN = "ghp_" + "R2x1dGVuLWZyZWUtY2FuYXJ5LXRva2Vu"[:30] + "0xYzAb"  # shape only
FINDING_KEYS = {"category", "type", "line", "start", "end", "score", "detector"}


def _tree(root: Path) -> dict[str, Path]:
    files = {
        "clean": root / "src" / "util.py",
        "secret": root / "src" / "settings.py",
        "phi": root / "exports" / "q3.csv",
        "dotenv": root / ".env",
    }
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    files["clean"].write_text("def add(a, b):\n    return a + b\n")
    files["secret"].write_text(
        'DEBUG = False\nSTRIPE_KEY = "sk_live_51Hx9CANARYq2vJ7aKp0mZtY8rW3nB6cD4eF"\n'
    )
    files["phi"].write_text(
        "patient_name,dob,mrn,ssn\n"
        "Maria Gonzalez,1957-03-14,MRN-0045812,536-22-8726\n"
        "Tom Becker,1962-11-02,MRN-0045813,412-55-9031\n"
    )
    files["dotenv"].write_text("API_TOKEN=x\n")
    return files


def test_scan_json_contract(guard: GuardEnv, monkeypatch) -> None:
    files = _tree(guard.project)
    monkeypatch.chdir(guard.project)
    result = CliRunner().invoke(main, ["scan", "--json", str(guard.project)])
    assert result.exit_code == 1, result.output
    rows = {json.loads(line)["path"]: json.loads(line) for line in result.output.splitlines()}
    assert set(rows[str(files["clean"])]) == {"path", "decision", "findings"}
    assert rows[str(files["clean"])]["decision"] == "allow"
    assert rows[str(files["clean"])]["findings"] == []
    secret = rows[str(files["secret"])]
    assert secret["decision"] == "deny"
    assert {f["category"] for f in secret["findings"]} == {"secret"}
    assert secret["findings"][0]["line"] == 2
    assert all(set(f) == FINDING_KEYS for f in secret["findings"])
    phi = rows[str(files["phi"])]
    assert phi["decision"] == "deny"
    assert {"phi"} <= {f["category"] for f in phi["findings"]}
    assert rows[str(files["dotenv"])]["decision"] == "deny"
    assert "CANARY" not in result.output and "536-22-8726" not in result.output


def test_scan_exit_zero_when_nothing_would_be_denied(guard: GuardEnv, monkeypatch) -> None:
    files = _tree(guard.project)
    monkeypatch.chdir(guard.project)
    result = CliRunner().invoke(main, ["scan", str(files["clean"])])
    assert result.exit_code == 0, result.output


def test_scan_sarif(guard: GuardEnv, monkeypatch) -> None:
    files = _tree(guard.project)
    monkeypatch.chdir(guard.project)
    result = CliRunner().invoke(main, ["scan", "--sarif", str(files["secret"]), str(files["phi"])])
    assert result.exit_code == 1, (result.output, result.exception)
    log = json.loads(result.output)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "claude-guard"
    assert {r["ruleId"].split("/")[0] for r in run["results"]} >= {"secret", "phi"}
    assert all(r["level"] == "error" for r in run["results"])
    assert "CANARY" not in result.output and "536-22-8726" not in result.output
