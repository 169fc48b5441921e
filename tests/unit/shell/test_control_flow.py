"""Compound commands (`control_flow`, `state`): a directory, variable or function changed on
some paths only, and a loop that never settles."""

from __future__ import annotations

import pytest

from tests.unit.shell.roads import env, key, reached, run


@pytest.mark.parametrize(
    "command",
    [
        "cd HOME/.ssh; false && cd /tmp; cat id_rsa",
        'if [ -n "$X" ]; then cd HOME/.ssh; else cd /tmp; fi; cat id_rsa',
        "for d in /tmp HOME/.ssh; do cd $d; cat id_rsa; done",
        "cd HOME/.ssh || cd /tmp && cat id_rsa",
        "cd HOME/.ssh; while false; do cd /tmp; done; cat id_rsa",
        "cd HOME/.ssh; for x in a b; do cd /tmp; done; cat id_rsa",
        "cd HOME/.ssh; for ((i=0; i<2; i++)); do cd /tmp; done; cat id_rsa",
        "cd HOME/.ssh; case $X in a) cd /tmp;; esac; cat id_rsa",
        "cd /tmp; for x in 1; do cd HOME/.ssh; break; cd /tmp; done; cat id_rsa",
        "f() { cd HOME/.ssh; return; cd /tmp; }; cd /tmp; f; cat id_rsa",
        "cd HOME/.ssh; cd /tmp & cat id_rsa",
        "cd /tmp; if false; then :; elif true; then cd HOME/.ssh; fi; cat id_rsa",
    ],
)
def test_directory_changed_on_some_paths(sandbox: tuple[str, str], command: str) -> None:
    analysis = run(sandbox, command)
    assert reached(analysis, key(sandbox)), analysis


def test_variable_assigned_on_some_paths_keeps_every_value(sandbox: tuple[str, str]) -> None:
    analysis = run(sandbox, "F=.env; false && F=x; cat $F")
    assert env(sandbox) in {a.path for a in analysis.accesses}, analysis


@pytest.mark.parametrize(
    "command",
    [
        "F=x; for i in 1 2; do cat $F; F=.env; done",
        "F=x; while read l; do cat $F; F=.env; done < README.md",
        "F=x; case a in a) F=.env;& b) cat $F;; esac",
        "F=x; if true; then F=.env; fi; cat $F",
    ],
)
def test_variable_from_another_iteration_or_branch(sandbox: tuple[str, str], command: str) -> None:
    analysis = run(sandbox, command)
    assert reached(analysis, env(sandbox)), analysis
    assert env(sandbox) in {a.path for a in analysis.accesses} or analysis.unanalysable


def test_function_defined_on_some_paths(sandbox: tuple[str, str]) -> None:
    analysis = run(sandbox, "false && cat() { :; }; cat .env")
    assert reached(analysis, env(sandbox)), analysis


def test_loop_that_never_settles_is_unanalysable(sandbox: tuple[str, str]) -> None:
    analysis = run(sandbox, "F=.; while true; do F=$F/..; done; cat $F/x")
    assert analysis.unanalysable, analysis
