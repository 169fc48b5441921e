#!/usr/bin/env bash
# Install claude-guard for the current user, non-interactively. Safe to run again.
#
#   $HOME/.claude-guard/venv          the package and its dependencies
#   $HOME/.claude-guard/policies/     the shipped default policy (replaced on every install)
#   $HOME/.claude-guard/policy.yaml   your own tightening layer (never touched by install)
#   $HOME/.local/bin/claude-guard     the launcher
#   $HOME/.claude/settings.json       hook registrations merged in; everything else kept
#
#   --wheelhouse DIR   install from the wheels in DIR only, with no package index (the fleet
#                      artifact's ./wheelhouse, see packaging/build_artifact.py)
# sudo ./install.sh --managed [--uninstall [--purge]]
#   the org-owned install instead (see `claude-guard managed --help`): code in /opt/claude-guard,
#   org policy and keys in /etc/claude-guard, hooks in Claude Code's managed settings. The CLI
#   does the work; it runs from a throwaway bootstrap venv, so a broken /opt never stops it.
#   PYTHON names the system interpreter the install's venv is made from (default /usr/bin/python3).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# --- wheelhouse (fleet artifact) -------------------------------------------------------------
# Takes `--wheelhouse DIR` out of the arguments and leaves the rest in "$@" for whatever parses
# them next. An unpacked artifact (a wheelhouse/ and no pyproject.toml) uses its own wheelhouse
# without being told, so it never reaches for an index. Then:
#   package_source       what `pip install` gets: the repo, or claude-guard from DIR only
#   pip_env              the environment pip runs with (no pip configuration with a wheelhouse)
#   managed_source_args  where `claude-guard managed install` takes the package from
refuse() { printf 'claude-guard install: error: %s\n' "$*" >&2; exit 1; }
wheelhouse=""
remaining_args=()
while (($#)); do
  case "$1" in
    --wheelhouse)
      (($# >= 2)) || refuse "--wheelhouse needs a directory"
      wheelhouse="$2"; shift 2 ;;
    --wheelhouse=*) wheelhouse="${1#--wheelhouse=}"; shift ;;
    *) remaining_args+=("$1"); shift ;;
  esac
done
set -- ${remaining_args[@]+"${remaining_args[@]}"}
if [[ -z "$wheelhouse" && -d "$repo/wheelhouse" && ! -f "$repo/pyproject.toml" ]]; then
  wheelhouse="$repo/wheelhouse"
fi
package_source=("$repo")
pip_env=()
managed_source_args=(--source "$repo")
if [[ -n "$wheelhouse" ]]; then
  [[ -d "$wheelhouse" ]] || refuse "wheelhouse $wheelhouse is not a directory"
  wheelhouse="$(cd "$wheelhouse" && pwd)"
  # No index, and no pip configuration either (a machine's pip.conf may add find-links, an
  # index or constraints): what gets installed is exactly what the artifact holds.
  package_source=(--isolated --no-index --find-links "$wheelhouse" claude-guard)
  pip_env=(PIP_CONFIG_FILE=/dev/null)
  managed_source_args=(--wheelhouse "$wheelhouse")
fi
# ----------------------------------------------------------------------------------------------

managed=0 uninstall=0 purge=0
for arg in "$@"; do
  case "$arg" in
    --managed) managed=1 ;;
    --uninstall) uninstall=1 ;;
    --purge) purge=1 ;;
    *) printf 'claude-guard install: error: unknown option %s\n' "$arg" >&2; exit 2 ;;
  esac
done
if [ "$managed" = 0 ] && { [ "$uninstall" = 1 ] || [ "$purge" = 1 ]; }; then
  printf 'claude-guard install: error: --uninstall and --purge go with --managed (per user: claude-guard uninstall)\n' >&2
  exit 2
fi

if [ "$managed" = 1 ]; then
  [ "$(id -u)" = 0 ] || { printf 'claude-guard install: error: --managed must run as root (sudo ./install.sh --managed)\n' >&2; exit 1; }
  python="${PYTHON:-/usr/bin/python3}"
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null \
    || { printf 'claude-guard install: error: %s: Python 3.11 or newer is required\n' "$python" >&2; exit 1; }
  bootstrap="$(mktemp -d /tmp/claude-guard-bootstrap.XXXXXX)"
  trap 'rm -rf "$bootstrap"' EXIT
  "$python" -m venv "$bootstrap/venv"
  env ${pip_env[@]+"${pip_env[@]}"} "$bootstrap/venv/bin/python" -m pip install --quiet \
    --disable-pip-version-check --root-user-action=ignore "${package_source[@]}"
  if [ "$uninstall" = 1 ]; then
    args=(managed uninstall)
    [ "$purge" = 1 ] && args+=(--purge)
  else
    args=(managed install --python "$python" "${managed_source_args[@]}")
  fi
  "$bootstrap/venv/bin/claude-guard" "${args[@]}"
  exit 0
fi
# CLAUDE_GUARD_HOME moves everything the package keeps (see policy/loader.py guard_home()).
guard_home="${CLAUDE_GUARD_HOME:-$HOME/.claude-guard}"
venv="$guard_home/venv"
bin_dir="$HOME/.local/bin"
python="${PYTHON:-python3}"

say() { printf 'claude-guard install: %s\n' "$*"; }
die() { printf 'claude-guard install: error: %s\n' "$*" >&2; exit 1; }

command -v "$python" >/dev/null 2>&1 || die "$python not found; install Python 3.11 or newer"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || die "Python 3.11 or newer is required ($("$python" --version 2>&1) found)"

mkdir -p "$guard_home" "$bin_dir"
chmod 700 "$guard_home"

# A venv left broken by an interrupted run is rebuilt rather than trusted.
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  say "creating $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

say "installing the package into $venv"
env ${pip_env[@]+"${pip_env[@]}"} "$venv/bin/python" -m pip install --quiet \
  --disable-pip-version-check --upgrade "${package_source[@]}"

launcher="$bin_dir/claude-guard"
tmp="$(mktemp "$bin_dir/.claude-guard.XXXXXX")"
cat > "$tmp" <<LAUNCHER
#!/bin/sh
exec "$venv/bin/claude-guard" "\$@"
LAUNCHER
chmod 755 "$tmp"
mv -f "$tmp" "$launcher"

"$venv/bin/claude-guard" install --scope user

case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) say "note: $bin_dir is not on your PATH; add it to run claude-guard directly" ;;
esac
say "done: new claude sessions are guarded ($("$launcher" version))"
