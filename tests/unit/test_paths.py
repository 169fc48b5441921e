"""Path normalisation: unit cases and properties."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_guard.paths import (
    PathError,
    find_project_root,
    is_within,
    lexical_absolute,
    normalise,
    relative_to,
)

HOME = "/home/dev"


@pytest.mark.parametrize(
    ("raw", "cwd", "expected"),
    [
        ("a/b", "/work", "/work/a/b"),
        ("./a/./b/", "/work", "/work/a/b"),
        ("../x", "/work/proj", "/work/x"),
        ("/../../etc/passwd", "/work", "/etc/passwd"),
        ("//etc//passwd", "/work", "/etc/passwd"),
        ("~", "/work", HOME),
        ("~/.ssh/id_rsa", "/work", f"{HOME}/.ssh/id_rsa"),
        ("$HOME/.aws/credentials", "/work", f"{HOME}/.aws/credentials"),
        ("${HOME}/.netrc", "/work", f"{HOME}/.netrc"),
        ("$HOMEWORK/x", "/work", "/work/$HOMEWORK/x"),
        ("file:///etc/shadow", "/work", "/etc/shadow"),
        ("a~/b", "/work", "/work/a~/b"),
    ],
)
def test_lexical_absolute(raw: str, cwd: str, expected: str) -> None:
    assert lexical_absolute(raw, cwd, HOME) == expected


def test_nul_byte_is_refused() -> None:
    with pytest.raises(PathError):
        lexical_absolute("a\x00b", "/work", HOME)


def test_real_spelling_follows_symlinks(tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "key").write_text("k")
    (tmp_path / "alias").symlink_to(tmp_path / "secret")
    path = normalise("alias/key", str(tmp_path), HOME)
    assert path.lexical == str(tmp_path / "alias" / "key")
    assert path.real == str((tmp_path / "secret" / "key").resolve())
    assert path.spellings() == (path.lexical, path.real)


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    path = normalise("a/x", str(tmp_path), HOME)
    assert path.exists is False


def test_project_root(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "src" / "pkg").mkdir(parents=True)
    real = str((tmp_path / "repo").resolve())
    assert find_project_root(str(tmp_path / "repo" / "src" / "pkg"), None) == real
    assert find_project_root("/", real) == real
    loose = tmp_path / "loose"
    loose.mkdir()
    assert find_project_root(str(loose), None) == str(loose.resolve())


def test_within_and_relative() -> None:
    assert is_within("/a/b", "/a") and is_within("/a", "/a") and not is_within("/ab", "/a")
    assert relative_to("/a/b/c", "/a") == "b/c" and relative_to("/x", "/a") is None


segments = st.lists(
    st.sampled_from(["a", "b", ".", "..", "", ".env", "x y", "~", "$HOME"]), max_size=8
)


@given(parts=segments, absolute=st.booleans())
def test_lexical_result_is_absolute_and_canonical(parts: list[str], absolute: bool) -> None:
    raw = ("/" if absolute else "") + "/".join(parts)
    result = lexical_absolute(raw, "/work/proj", HOME)
    assert result.startswith("/") and "//" not in result
    assert all(seg not in (".", "..") for seg in result.split("/"))
    assert lexical_absolute(result, "/elsewhere", HOME) == result  # idempotent


@given(parts=st.lists(st.sampled_from(["a", "b", ".", "..", "c"]), max_size=10))
def test_lexical_matches_a_stack_reference(parts: list[str]) -> None:
    stack = ["work", "proj"]
    for part in parts:
        if part == "..":
            if stack:
                stack.pop()
        elif part not in (".", ""):
            stack.append(part)
    expected = "/" + "/".join(stack)
    assert lexical_absolute("/".join(parts) or ".", "/work/proj", HOME) == expected


@given(parts=st.lists(st.sampled_from(["d1", "d2", "link", "..", "."]), min_size=1, max_size=6))
def test_real_spelling_agrees_with_the_os(tmp_path_factory, parts: list[str]) -> None:
    root = tmp_path_factory.getbasetemp() / "tree"
    if not root.exists():
        (root / "d1" / "d2").mkdir(parents=True)
        (root / "d1" / "link").symlink_to(root / "d1" / "d2")
        (root / "d1" / "d2" / "link").symlink_to(root / "d1")
    raw = "/".join(parts)
    path = normalise(raw, str(root / "d1"), HOME)
    assert path.real == os.path.realpath(posixpath.join(str(root / "d1"), raw))
