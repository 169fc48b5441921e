"""CLAUDE.md imports reach the model with no tool call: the prompt hook checks them."""

from __future__ import annotations

from claude_guard.touches.claude_md import imports_of, memory_files
from tests.conftest import GuardEnv


def test_claude_md_importing_a_denied_file_blocks_the_prompt(guard: GuardEnv, run) -> None:
    (guard.project / "CLAUDE.md").write_text("# Project notes\nSee @docs/setup.md\n")
    (guard.project / "docs").mkdir()
    (guard.project / "docs" / "setup.md").write_text("Config lives in @../.env\n")
    answer = run(guard.event("UserPromptSubmit", prompt="hello"))
    assert answer.exit_code == 2
    assert str(guard.project / ".env") in answer.stderr
    assert "CANARY_DOTENV" not in answer.stderr


def test_user_memory_import_is_checked(guard: GuardEnv, run) -> None:
    (guard.home / ".ssh").mkdir()
    (guard.home / ".ssh" / "id_ed25519").write_text("key")
    (guard.home / ".claude").mkdir()
    (guard.home / ".claude" / "CLAUDE.md").write_text("My keys: @~/.ssh/id_ed25519\n")
    assert run(guard.event("UserPromptSubmit", prompt="hello")).exit_code == 2


def test_harmless_memory_passes(guard: GuardEnv, run) -> None:
    (guard.project / "CLAUDE.md").write_text(
        "Run tests with `pytest`. Mail me@example.com.\n```\n@.env in a fence is not an import\n"
        "```\nInline `@.env` in a code span is not one either. See @README.md\n"
    )
    assert run(guard.event("UserPromptSubmit", prompt="hello")).exit_code == 0


def test_import_parsing(guard: GuardEnv) -> None:
    path = guard.project / "CLAUDE.md"
    path.write_text("a @x.md, b @~/y.md\n`@no.md`\n```\n@fenced.md\n```\nc@d.com @/abs/z.md\n")
    assert imports_of(str(path)) == ["x.md", "~/y.md", "/abs/z.md"]


def test_import_cycles_terminate(guard: GuardEnv) -> None:
    (guard.project / "CLAUDE.md").write_text("@a.md\n")
    (guard.project / "a.md").write_text("@CLAUDE.md @a.md\n")
    found = [p.lexical for p, _via in memory_files(str(guard.project), str(guard.home))]
    assert found.count(str(guard.project / "a.md")) == 1
