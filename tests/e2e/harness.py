"""Drive the real Claude Code client against the scripted model, with or without claude-guard.

Everything stays on loopback: the client's only API endpoint is the FakeModel on 127.0.0.1 and
non-essential traffic (telemetry, update checks) is switched off.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_model import FakeModel, RecordedRequest, Script, ToolResult

REPO_ROOT = Path(__file__).resolve().parents[2]
CLAUDE_VERSION = "2.1.197"
DEFAULT_CLAUDE_BIN = REPO_ROOT / ".cache" / "npm" / "node_modules" / ".bin" / "claude"
INSTALL_TIMEOUT = 900  # a cold pip cache has to download the venv's dependencies


# ----------------------------------------------------------------------------- the client


def find_claude_bin() -> Path | None:
    """$CLAUDE_BIN if set, else the Makefile's npm install location; None if not executable."""
    configured = os.environ.get("CLAUDE_BIN")
    candidate = Path(configured) if configured else DEFAULT_CLAUDE_BIN
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def missing_claude_message() -> str:
    where = os.environ.get("CLAUDE_BIN") or str(DEFAULT_CLAUDE_BIN)
    return (
        f"Claude Code client not found at {where}; run `npm install --prefix .cache/npm "
        f"@anthropic-ai/claude-code@{CLAUDE_VERSION}` or set CLAUDE_BIN"
    )


# ----------------------------------------------------------------------------- canaries


def canary(kind: str) -> str:
    """A unique marker: if it shows up in a request body, the secret reached the model."""
    return f"CANARY_{kind}_{secrets.token_hex(8)}"


@dataclass
class HomeSecrets:
    ssh_key: str = field(default_factory=lambda: canary("SSH"))
    aws_secret: str = field(default_factory=lambda: canary("AWS"))

    def all(self) -> list[str]:
        return [self.ssh_key, self.aws_secret]


def write_home_secrets(home: Path, home_secrets: HomeSecrets) -> None:
    ssh = home / ".ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    (ssh / "id_rsa").write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        f"{home_secrets.ssh_key}\n"
        "-----END OPENSSH PRIVATE KEY-----\n"
    )
    (ssh / "id_rsa").chmod(0o600)
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAE2ETESTEXAMPLE00\n"
        f"aws_secret_access_key = {home_secrets.aws_secret}\n"
    )


# ----------------------------------------------------------------------------- homes


def managed_policy_path(home: Path) -> Path:
    """The org policy layer's path: it does not exist, so that layer is absent."""
    return home / "managed-policy.yaml"


def install_guard(home: Path) -> None:
    """Install claude-guard into `home` exactly as a user would: the repo's ./install.sh."""
    env = {
        **os.environ,
        "HOME": str(home),
        "CLAUDE_GUARD_MANAGED_POLICY": str(managed_policy_path(home)),
        # pip's default cache lives under the *real* HOME; keep using it across temp HOMEs.
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR") or _default_pip_cache(),
    }
    env.pop("VIRTUAL_ENV", None)  # the dev venv must not leak into the installed one
    proc = subprocess.run(
        ["bash", str(REPO_ROOT / "install.sh")],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"install.sh failed ({proc.returncode})\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )


def _default_pip_cache() -> str:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return str(Path(xdg) / "pip" if xdg else Path.home() / ".cache" / "pip")


def hook_registrations(home: Path) -> dict[str, Any]:
    settings = home / ".claude" / "settings.json"
    hooks: dict[str, Any] = json.loads(settings.read_text()).get("hooks", {})
    return hooks


# ----------------------------------------------------------------------------- projects


@dataclass(frozen=True)
class Project:
    root: Path
    env_canary: str
    pem_canary: str
    app_source: str
    example_env: str

    @property
    def canaries(self) -> list[str]:
        return [self.env_canary, self.pem_canary]


APP_SOURCE = '''"""A tiny app the tests read and edit."""


def greet(name: str) -> str:
    return f"hello {name}"
'''
EXAMPLE_ENV = "# copy to .env and fill in\nAPI_TOKEN=changeme\nDEBUG=false\n"


def make_project(root: Path) -> Project:
    """A small git repo with secrets the guard must keep from the model, and ordinary files."""
    project = Project(root, canary("ENV"), canary("PEM"), APP_SOURCE, EXAMPLE_ENV)
    files = {
        "src/app.py": APP_SOURCE,
        "README.md": "# demo\n\nA project used by claude-guard's end-to-end tests.\n",
        "notes/todo.md": "- ship it\n",
        ".env.example": EXAMPLE_ENV,
        ".gitignore": ".env\n*.pem\n",
        ".env": f"API_TOKEN={project.env_canary}\nDB_HOST=localhost\n",
        "config/server.pem": (
            f"-----BEGIN PRIVATE KEY-----\n{project.pem_canary}\n-----END PRIVATE KEY-----\n"
        ),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "src" / "link").symlink_to("../.env")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "initial commit")
    return project


def _git(cwd: Path, *args: str) -> None:
    identity = [
        "-c",
        "user.name=e2e",
        "-c",
        "user.email=e2e@example.invalid",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


# ----------------------------------------------------------------------------- running claude


@dataclass
class ClaudeRun:
    returncode: int
    stdout: str
    stderr: str
    result: dict[str, Any] | None
    requests: list[RecordedRequest]
    model: FakeModel

    @property
    def session_id(self) -> str:
        return str((self.result or {}).get("session_id", ""))

    def tool_results(self) -> list[ToolResult]:
        return self.model.tool_results()

    def tool_result(self, tool_use_id: str) -> ToolResult:
        return self.model.tool_result(tool_use_id)

    def all_text_sent(self) -> str:
        return self.model.all_text_sent()

    def message_requests(self) -> list[RecordedRequest]:
        return self.model.message_requests()

    def describe(self) -> str:
        """Enough context for an assertion message to explain a failure."""
        return (
            f"rc={self.returncode}\nresult={json.dumps(self.result)[:2000]}\n"
            f"stderr={self.stderr[-2000:]}\ntool_results={self.tool_results()}"
        )


def claude_env(home: Path, base_url: str, extra_env: dict[str, str] | None) -> dict[str, str]:
    """A clean environment: nothing from the developer's shell (API keys, proxies) leaks in."""
    env = {
        "HOME": str(home),
        "PATH": f"{home / '.local' / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LANG": "C.UTF-8",
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": "test",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "IS_SANDBOX": "1",  # lets root use --dangerously-skip-permissions
        "NO_PROXY": "127.0.0.1,localhost",
        "CLAUDE_GUARD_MANAGED_POLICY": str(managed_policy_path(home)),
    }
    return {**env, **(extra_env or {})}


def run_claude(
    home: Path,
    project_dir: Path,
    prompt: str,
    script: Script,
    extra_env: dict[str, str] | None = None,
    timeout: float = 180,
    subagents: dict[str, Script] | None = None,
) -> ClaudeRun:
    """One `claude -p` session against a fresh scripted model; returns what the model saw."""
    claude_bin = find_claude_bin()
    if claude_bin is None:
        raise RuntimeError(missing_claude_message())
    with FakeModel(script, subagents) as model:
        argv = [
            str(claude_bin),
            "-p",
            prompt,
            "--output-format",
            "json",
            "--dangerously-skip-permissions",
        ]
        returncode, stdout, stderr = _run_bounded(
            argv, project_dir, claude_env(home, model.base_url, extra_env), timeout
        )
    return ClaudeRun(returncode, stdout, stderr, _parse_result(stdout), model.requests, model)


def _run_bounded(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> tuple[int, str, str]:
    """Run in its own process group so a timeout also reaps hook processes the client started."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        raise AssertionError(
            f"claude did not finish within {timeout}s\nstdout:\n{stdout}\nstderr:\n{stderr}"
        ) from None
    return proc.returncode, stdout, stderr


def _parse_result(stdout: str) -> dict[str, Any] | None:
    # --output-format json prints one JSON object; take the last line that parses as one.
    for line in reversed(stdout.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


# ----------------------------------------------------------------------------- assertions


def guard_reason(result: ToolResult) -> str:
    """The hook's own message, without the client's `PreToolUse:Read hook error: [cmd]: ` prefix.

    The prefix names the hook command, which contains "claude-guard" whether or not the guard
    said anything; asserting on the stripped reason keeps the check honest.
    """
    text = result.text
    marker = "]: "
    return text.split(marker, 1)[1] if text.startswith("PreToolUse:") and marker in text else text


def strip_line_numbers(read_output: str) -> str:
    """Read results come back as `N<TAB>line`; recover the file text."""
    lines = [line.split("\t", 1)[1] if "\t" in line else line for line in read_output.splitlines()]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- audit log


def audit_dir(home: Path) -> Path:
    return home / ".claude-guard" / "audit"


def audit_records(home: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(audit_dir(home).glob("*.jsonl")):
        records.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return records


def guard_state_text(home: Path) -> str:
    """Every file claude-guard writes (audit log, chain state, any log), for 'no canary' checks.

    The venv is skipped: it is installed code, and scanning it would cost seconds per test.
    """
    tops = [p for p in (home / ".claude-guard").iterdir() if p.name != "venv"]
    files = sorted(f for top in tops for f in ([top] if top.is_file() else top.rglob("*")))
    files = [f for f in files if f.is_file()]
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in files)
