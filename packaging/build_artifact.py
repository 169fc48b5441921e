#!/usr/bin/env python3
"""Build the fleet artifact: one tarball an MDM or config-management tool copies to machines
that then install claude-guard with no package index.

    python3 packaging/build_artifact.py [--python /usr/bin/python3] [--extra ner] [--out dist]

writes `dist/claude-guard-<version>-<python tag>-<platform>.tar.gz` (and a `.sha256` beside it)
holding one top directory of the same name with

    install.sh  README.md  hooks/  policies/
    wheelhouse/        the claude-guard wheel and a wheel of every dependency, for --python
    build-info.json    version, python and platform tags, source commit, wheel names
    SHA256SUMS         every other file, `sha256sum -c SHA256SUMS` from the top directory

Building needs a package index (PyPI, or whatever pip is configured with); installing does not:
`./install.sh --wheelhouse ./wheelhouse` (per user) or `sudo ./install.sh --managed` (the
unpacked artifact uses its own wheelhouse). The dependency wheels are compiled ones
(pydantic-core, tree-sitter), so an artifact serves one Python minor version and one platform,
and its name says which. Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TARGET_PYTHON = Path("/usr/bin/python3")
# What the artifact carries from the repository besides the wheelhouse.
SHIPPED_FILES = ("install.sh", "README.md")
SHIPPED_DIRS = ("hooks", "policies")
# What the claude-guard wheel is built from (a copy, so no stale build/ tree leaks into it).
WHEEL_SOURCES = ("pyproject.toml", "README.md", "claude_guard")
EXECUTABLE_NAMES = frozenset({"install.sh"})
SUMS_NAME = "SHA256SUMS"
BUILD_INFO_NAME = "build-info.json"


@dataclass(frozen=True, slots=True)
class Target:
    """The interpreter the artifact is for, as its own `sys` and `sysconfig` describe it."""

    python: Path
    python_tag: str  # cp311
    platform: str  # linux_x86_64
    version: str  # 3.11.2

    @property
    def tag(self) -> str:
        return f"{self.python_tag}-{self.platform}"


def describe_target(python: Path) -> Target:
    probe = (
        "import json, sys, sysconfig;"
        "impl = {'cpython': 'cp'}.get(sys.implementation.name, sys.implementation.name);"
        "print(json.dumps({'tag': f'{impl}{sys.version_info[0]}{sys.version_info[1]}',"
        " 'platform': sysconfig.get_platform(), 'version': sys.version.split()[0],"
        " 'ok': sys.version_info >= (3, 11)}))"
    )
    out = subprocess.run([str(python), "-I", "-c", probe], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"build_artifact: cannot run {python}: {out.stderr.strip()}")
    facts = json.loads(out.stdout)
    if not facts["ok"]:
        raise SystemExit(f"build_artifact: {python} is Python {facts['version']}; 3.11+ needed")
    platform = facts["platform"].replace("-", "_").replace(".", "_")
    return Target(python, facts["tag"], platform, facts["version"])


def run(command: list[str], **kwargs: object) -> None:
    """Run a build step; its output goes to stderr, so stdout carries only the tarball's path."""
    print("build_artifact: " + " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, stdout=sys.stderr, **kwargs)  # type: ignore[call-overload]


def copy_wheel_sources(destination: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in WHEEL_SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy2(source, destination / name)


def build_wheelhouse(target: Target, extras: list[str], wheelhouse: Path, scratch: Path) -> None:
    """Wheels for claude-guard and all it depends on, resolved by the target interpreter itself
    (in a throwaway venv of it), then proved complete by resolving again with no index."""
    venv = scratch / "venv"
    run([str(target.python), "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    source = scratch / "source"
    source.mkdir()
    copy_wheel_sources(source)
    requirement = f"{source}[{','.join(extras)}]" if extras else str(source)
    run([*pip, "wheel", "--quiet", "--wheel-dir", str(wheelhouse), requirement])
    wanted = f"claude-guard[{','.join(extras)}]" if extras else "claude-guard"
    offline = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    run(
        [*pip, "--isolated", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--no-index", "--find-links", str(wheelhouse), wanted],
        env=offline,
    )


def package_version(wheelhouse: Path) -> str:
    wheels = sorted(wheelhouse.glob("claude_guard-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"build_artifact: expected one claude-guard wheel, found {len(wheels)}")
    return wheels[0].name.split("-")[1]


def source_commit() -> str | None:
    out = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if out.returncode != 0:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True,
    ).stdout.strip()
    return out.stdout.strip() + ("+dirty" if dirty else "")


def lay_out(top: Path, target: Target, extras: list[str], scratch: Path) -> str:
    """Fill `top` with everything the tarball holds; return the package version."""
    wheelhouse = top / "wheelhouse"
    wheelhouse.mkdir(parents=True)
    build_wheelhouse(target, extras, wheelhouse, scratch)
    for name in SHIPPED_FILES:
        shutil.copy2(REPO / name, top / name)
    for name in SHIPPED_DIRS:
        shutil.copytree(REPO / name, top / name, ignore=shutil.ignore_patterns("__pycache__"))
    version = package_version(wheelhouse)
    info = {
        "name": "claude-guard",
        "version": version,
        "python_tag": target.python_tag,
        "platform": target.platform,
        "built_with_python": target.version,
        "extras": extras,
        "source_commit": source_commit(),
        "wheels": sorted(p.name for p in wheelhouse.glob("*.whl")),
    }
    (top / BUILD_INFO_NAME).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    write_sums(top)
    return version


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sums(top: Path) -> None:
    """`sha256sum -c` format: two spaces, paths relative to the top directory."""
    files = sorted(p for p in top.rglob("*") if p.is_file() and p.name != SUMS_NAME)
    lines = [f"{sha256_of(p)}  {p.relative_to(top).as_posix()}\n" for p in files]
    (top / SUMS_NAME).write_text("".join(lines), encoding="utf-8")


def source_date_epoch() -> int:
    """Every entry's mtime: SOURCE_DATE_EPOCH, else the commit's time, so two builds of one
    commit differ only where pip's wheels do."""
    if value := os.environ.get("SOURCE_DATE_EPOCH"):
        return int(value)
    out = subprocess.run(
        ["git", "-C", str(REPO), "log", "-1", "--format=%ct"], capture_output=True, text=True
    )
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else 0


def write_tarball(top: Path, tarball: Path) -> None:
    """Sorted entries, root-owned, fixed modes and mtimes, gzip without a timestamp."""
    mtime = source_date_epoch()
    entries = [top, *sorted(top.rglob("*"))]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in entries:
            info = tar.gettarinfo(str(path), arcname=path.relative_to(top.parent).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = mtime
            executable = path.is_dir() or path.name in EXECUTABLE_NAMES
            info.mode = 0o755 if executable else 0o644
            if path.is_file():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    partial = tarball.with_name(tarball.name + ".partial")
    with partial.open("wb") as raw, gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, mtime=0
    ) as gz:
        gz.write(buffer.getvalue())
    partial.replace(tarball)
    sums = tarball.with_name(tarball.name + ".sha256")
    sums.write_text(f"{sha256_of(tarball)}  {tarball.name}\n", encoding="utf-8")


def build(target: Target, extras: list[str], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="claude-guard-artifact-") as tmp:
        scratch = Path(tmp)
        staging = scratch / "staging"
        building = staging / "claude-guard"
        version = lay_out(building, target, extras, scratch)
        name = f"claude-guard-{version}-{target.tag}"
        top = building.rename(staging / name)
        tarball = out_dir / f"{name}.tar.gz"
        write_tarball(top, tarball)
    return tarball


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python", type=Path, default=DEFAULT_TARGET_PYTHON,
        help="the interpreter the machines install with (default: %(default)s, the managed one)",
    )
    parser.add_argument(
        "--extra", action="append", default=[], choices=["ner"],
        help="also carry an optional extra's wheels (ner: presidio-analyzer and spaCy; the "
        "spaCy pipeline itself is never included)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="default: %(default)s")
    args = parser.parse_args(argv)
    tarball = build(describe_target(args.python), sorted(set(args.extra)), args.out.resolve())
    print(tarball)
    return 0


if __name__ == "__main__":
    sys.exit(main())
