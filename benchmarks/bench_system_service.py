"""What the managed system service costs per call, next to the per-user service, in one run.

    sudo python benchmarks/bench_system_service.py [--calls 200]

The system service forks twice per call (a connection process, then a decider that drops to the
user), so it cannot be as fast as the per-user service, which decides in a thread of a process
that already runs as the user. Both are measured here with the same events from the same kind of
client (a loop in one process, one connection per call), so the difference is the design's cost:

  per-user   claude-guard's per-user service, started for a throwaway guard home (root's)
  system     the system service on a throwaway managed layout, asked by a throwaway user

Needs root (the system service drops privileges; a user is created and removed).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import site
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"

CLIENT = r"""
import json, socket, sys, time
path, project, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
extra = [part.encode() for pair in json.loads(sys.argv[4]).items() for part in pair]
events = [
    {"hook_event_name": "PreToolUse", "tool_name": "Read",
     "tool_input": {"file_path": project + "/README.md"}},
    {"hook_event_name": "PreToolUse", "tool_name": "Bash",
     "tool_input": {"command": "git status && ls -la src | head"}},
    {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"},
     "tool_response": {"stdout": "a.py\nb.py\n", "stderr": "", "interrupted": False}},
]
times = []
for n in range(calls):
    event = {"session_id": "bench", "cwd": project, "tool_use_id": f"t{n}", **events[n % 3]}
    raw = json.dumps(event).encode()
    rid = ("%032x" % (n + 1)).encode()
    meta = b"\0".join((b"request_id", rid, b"CLAUDE_PROJECT_DIR", project.encode(), *extra))
    request = b"CGRQ1\n" + len(meta).to_bytes(4, "big") + meta + len(raw).to_bytes(8, "big") + raw
    t = time.perf_counter()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(path)
    sock.sendall(request)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    times.append((time.perf_counter() - t) * 1000)
    assert data[:7] == b"CGRS1\nA", data[:20]
times.sort()
print(json.dumps({"p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95)],
                  "mean": sum(times) / len(times)}))
"""


def python_env() -> dict[str, str]:
    paths = [str(REPO), *site.getsitepackages()]
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(paths), "HOME": "/root"}


def wait_for(path: Path, process: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + 120
    while not path.exists():
        if process.poll() is not None or time.monotonic() > end:
            raise SystemExit(f"service did not start: {process.communicate()[1]!r}")
        time.sleep(0.1)


def make_project(base: Path, owner: pwd.struct_passwd) -> Path:
    project = base / "project"
    (project / ".git").mkdir(parents=True)
    (project / "README.md").write_text("# bench\n")
    for path in (base, project, *project.rglob("*")):
        os.chown(path, owner.pw_uid, owner.pw_gid)
    return project


def measure(
    client_prefix: list[str],
    socket_path: Path,
    project: Path,
    calls: int,
    identity: dict[str, str] | None = None,
) -> dict[str, float]:
    """`identity`: what the per-user service insists a request carries (its own home)."""
    arguments = [str(socket_path), str(project), str(calls), json.dumps(identity or {})]
    done = subprocess.run(
        [*client_prefix, SYSTEM_PYTHON, "-I", "-c", CLIENT, *arguments],
        capture_output=True,
        check=True,
        timeout=600,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def per_user(calls: int) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="cg-bench-home-"))
    env = {**python_env(), "CLAUDE_GUARD_HOME": str(home / "guard"), "HOME": str(home)}
    guard = home / "guard"
    (guard / "policies").mkdir(parents=True)
    shutil.copy(REPO / "policies" / "default.yaml", guard / "policies" / "default.yaml")
    process = subprocess.Popen(
        [SYSTEM_PYTHON, "-m", "claude_guard.entry.service", "--idle", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        socket_path = guard / "run" / "service.sock"
        wait_for(socket_path, process)
        project = make_project(home / "work", pwd.getpwuid(0))
        identity = {"HOME": env["HOME"], "CLAUDE_GUARD_HOME": env["CLAUDE_GUARD_HOME"]}
        return measure([], socket_path, project, calls, identity)
    finally:
        process.kill()
        shutil.rmtree(home, ignore_errors=True)


def system(calls: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="cg-bench-managed-", dir="/tmp"))
    root.chmod(0o755)
    (root / "etc" / "claude-guard").mkdir(parents=True)
    (root / "etc" / "claude-guard" / "policy.yaml").write_text('version: "1"\nextends: default\n')
    (root / "var" / "lib" / "claude-guard").mkdir(parents=True)
    name = f"cgbench{os.getpid() % 10000}"
    user_home = root / "home" / name
    user_home.parent.mkdir()
    subprocess.run(["useradd", "-m", "-d", str(user_home), name], check=True)
    code = "from claude_guard.entry.system_service import main; raise SystemExit(main())"
    process = subprocess.Popen(
        [SYSTEM_PYTHON, "-c", code, "--root", str(root)],
        env=python_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        socket_path = root / "run" / "claude-guard" / "system.sock"
        wait_for(socket_path, process)
        user = pwd.getpwnam(name)
        project = make_project(user_home / "work", user)
        return measure(["runuser", "-u", name, "--"], socket_path, project, calls)
    finally:
        process.terminate()
        process.wait(10)
        subprocess.run(["userdel", "-r", name], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root", file=sys.stderr)
        return 1
    rows = {"per-user service": per_user(args.calls), "system service": system(args.calls)}
    print(f"{'':18} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}   ({args.calls} calls each)")
    for name, row in rows.items():
        print(f"{name:18} {row['p50']:8.2f} {row['p95']:8.2f} {row['mean']:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
