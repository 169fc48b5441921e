"""Property tests for the shell analysis: it never raises, always answers with a
ShellAnalysis, and a command it cannot parse is reported unanalysable, never silently clean."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_guard.shell import ShellAnalysis, analyse
from claude_guard.shell.evaluation import DenyList, build_sandbox, verdict
from claude_guard.shell.syntax import has_real_error, parse

CORPUS = yaml.safe_load(
    (Path(__file__).parents[2] / "data" / "shell_corpus.yaml").read_text(encoding="utf-8")
)
ATTACKS = [str(e["cmd"]) for e in CORPUS if e["label"] == "attack"]
SHELL_ALPHABET = st.sampled_from(
    [
        *"abcdefgnv.~/$'\"\\`(){}[]<>|&;*?!#=-_ \n\t@%:+,0123456789",
        "$(",
        "${",
        "<<",
        "<<<",
        ">>",
        "&&",
        "||",
        "$'",
        "\\x2e",
        ".env",
        "cat ",
        "bash -c ",
        "eval ",
        "EOF",
        "<(",
        "$((",
        "xargs ",
        "find . -exec ",
        " {} \\;",
        "~/.ssh/id_rsa",
    ]
)
SLOW = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return build_sandbox(str(tmp_path_factory.mktemp("fuzz")))


def _well_formed(analysis: object) -> None:
    assert isinstance(analysis, ShellAnalysis)
    assert isinstance(analysis.accesses, tuple) and isinstance(analysis.egress, tuple)
    assert isinstance(analysis.unanalysable, tuple) and isinstance(analysis.env_dump, bool)
    for access in analysis.accesses:
        assert access.mode in ("read", "write") and access.path.startswith("/")


@SLOW
@given(st.text(max_size=300))
def test_any_text_is_answered(sandbox: tuple[str, str], command: str) -> None:
    _well_formed(analyse(command, *sandbox))


@SLOW
@given(st.lists(SHELL_ALPHABET, max_size=60).map("".join))
def test_shell_like_text_is_answered(sandbox: tuple[str, str], command: str) -> None:
    analysis = analyse(command, *sandbox)
    _well_formed(analysis)
    if has_real_error(parse(command).root_node):
        assert analysis.unanalysable


@st.composite
def mutated_attack(draw: st.DrawFn) -> str:
    command = draw(st.sampled_from(ATTACKS))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(command)))
        action = draw(st.sampled_from(["insert", "delete", "truncate", "duplicate"]))
        if action == "insert":
            piece = draw(st.sampled_from([*"'\"`(){}[]$\\|&;<>", "$(", "<<", "${"]))
            command = command[:position] + piece + command[position:]
        elif action == "delete" and command:
            command = command[:position] + command[position + 1 :]
        elif action == "truncate":
            command = command[: max(position, 1)]
        else:
            command = command[:position] + command[position : position + 5] + command[position:]
    return command


@SLOW
@given(mutated_attack())
def test_mutated_attack_that_does_not_parse_is_unanalysable(
    sandbox: tuple[str, str], command: str
) -> None:
    analysis = analyse(command, *sandbox)
    _well_formed(analysis)
    if has_real_error(parse(command).root_node):
        assert analysis.unanalysable, command


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(ATTACKS),
    st.sampled_from(
        [
            "bash -c {q}",
            "sh -c {q}",
            "eval {q}",
            "( {c} )",
            "{{ {c}; }}",
            "true && {c}",
            "env bash -c {q}",
            "sudo -- sh -c {q}",
            "timeout 9 bash -c {q}",
            "echo {q} | bash",
            "bash <<'ZZ'\n{c}\nZZ",
            "nohup sh -c {q}",
            "x() {{ {c}; }}; x",
            "if true; then {c}; fi",
        ]
    ),
)
def test_wrapping_an_attack_keeps_it_caught(
    sandbox: tuple[str, str], attack: str, template: str
) -> None:
    """Metamorphic: an attack run through a wrapper is still blocked."""
    if "\n" in attack and "<<" in template:
        return  # a here-doc inside a here-doc body ends the outer one early
    deny = DenyList(sandbox[1])
    wrapped = template.format(c=attack, q=shlex.quote(attack))
    assert verdict(analyse(wrapped, *sandbox), deny).blocked, wrapped


@pytest.mark.parametrize(
    "command",
    [
        "\udcff",
        "cat \x00 .env",
        "$" * 5000,
        "(" * 5000,
        "{" * 5000,
        "`" * 301,
        "<<" * 999,
        "a=" * 2000,
        "cat " + "{a,b}" * 30,
        "echo $((" * 100,
        "f(){ f; }; f",
        "\\" * 3000,
        "x='" + "a" * 50_000 + "'",
        "cat " + "*/" * 50 + "x",
    ],
)
def test_pathological_inputs(sandbox: tuple[str, str], command: str) -> None:
    _well_formed(analyse(command, *sandbox))


@pytest.mark.parametrize("codepoint", [0xE0100, 0xF677A, 0x10FFFF])
def test_text_that_crashes_the_grammar_is_refused_not_parsed(
    sandbox: tuple[str, str], codepoint: int
) -> None:
    # tree-sitter-bash's scanner segfaults on "{" + these code points; the hook must survive.
    analysis = analyse("{" + chr(codepoint) + " cat .env", *sandbox)
    assert analysis.unanalysable
