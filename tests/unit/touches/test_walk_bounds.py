"""A recursive read is bounded by the files it could open (the policy's max_walk_entries); the
directories and links on the way do not count against that bound."""

from __future__ import annotations

from tests.conftest import GuardEnv


def _sparse_tree(guard: GuardEnv) -> None:
    sparse = guard.project / "sparse"
    sparse.mkdir()
    for i in range(3):
        (sparse / f"f{i}.txt").write_text("hello\n")
    for i in range(30):
        (sparse / f"empty{i}").mkdir()
        (sparse / f"link{i}").symlink_to(sparse / "f0.txt")
    guard.write_policy("project", "version: 1\nlimits:\n  max_walk_entries: 5\n")


def test_directories_and_links_do_not_count_as_files(guard: GuardEnv, run) -> None:
    _sparse_tree(guard)
    answer = run(guard.tool("Grep", pattern="x", path=str(guard.project / "sparse")))
    assert (answer.exit_code, answer.stdout) == (0, "")


def test_more_files_than_the_bound_cannot_be_verified(guard: GuardEnv, run) -> None:
    _sparse_tree(guard)
    for i in range(3, 6):
        (guard.project / "sparse" / f"f{i}.txt").write_text("hello\n")
    answer = run(guard.tool("Grep", pattern="x", path=str(guard.project / "sparse")))
    assert answer.exit_code == 2 and "more than 5 entries under" in answer.stderr
