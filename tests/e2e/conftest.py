"""Fixtures for the end-to-end tests that drive the real Claude Code client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import (
    HomeSecrets,
    Project,
    find_claude_bin,
    install_guard,
    make_project,
    missing_claude_message,
    write_home_secrets,
)

from tests.conftest import stop_service


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    """The pinned client. Missing in CI is a failure: a skipped e2e suite proves nothing."""
    path = find_claude_bin()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(missing_claude_message(), pytrace=False)
        pytest.skip(missing_claude_message())
    return path


@pytest.fixture(scope="session")
def home_secrets() -> HomeSecrets:
    return HomeSecrets()


@pytest.fixture(scope="session")
def canary_registry(home_secrets: HomeSecrets) -> set[str]:
    """Every canary any test planted, so the audit check can look for all of them."""
    return set(home_secrets.all())


@pytest.fixture(scope="session")
def guarded_home(
    claude_bin: Path, tmp_path_factory: pytest.TempPathFactory, home_secrets: HomeSecrets
) -> Iterator[Path]:
    """A HOME where claude-guard was installed the way a user installs it."""
    home = tmp_path_factory.mktemp("guarded-home")
    write_home_secrets(home, home_secrets)
    install_guard(home)
    yield home
    stop_service(home / ".claude-guard")


@pytest.fixture(scope="session")
def plain_home(
    claude_bin: Path, tmp_path_factory: pytest.TempPathFactory, home_secrets: HomeSecrets
) -> Path:
    """The same secrets, no claude-guard: the control that proves the harness can see a leak."""
    home = tmp_path_factory.mktemp("plain-home")
    write_home_secrets(home, home_secrets)
    return home


@pytest.fixture
def project(tmp_path: Path, canary_registry: set[str]) -> Iterator[Project]:
    made = make_project(tmp_path / "demo-project")
    canary_registry.update(made.canaries)
    yield made


@pytest.fixture
def project_dir(project: Project) -> Path:
    return project.root
