"""The sandbox the shell analysis tests run commands in: a project with a `.env` and a home
with an SSH key."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[str, str]:
    project, home = tmp_path / "project", tmp_path / "home"
    (project / "src").mkdir(parents=True)
    (project / "build").mkdir()
    (project / ".env").write_text("SECRET=1\n")
    (project / "README.md").write_text("hello\n")
    (project / "src" / "a.py").write_text("")
    (project / "src" / "b.py").write_text("")
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("key\n")
    return str(project), str(home)
