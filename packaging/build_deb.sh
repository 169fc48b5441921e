#!/usr/bin/env bash
# Wrap a fleet artifact in a .deb whose postinst runs the managed install from the bundled
# wheelhouse and whose prerm runs the managed uninstall (evidence kept).
#
#   packaging/build_deb.sh [--artifact dist/claude-guard-….tar.gz] [--python /usr/bin/python3]
#                          [--out dist]
#
# Without --artifact it builds one first (packaging/build_artifact.py, which needs an index).
# Writes OUT/claude-guard_<version>_<arch>.deb and prints its path. The package holds
#   /usr/lib/claude-guard/bundle/            the unpacked artifact (install.sh, wheelhouse/, …)
#   /usr/lib/claude-guard/managed-bootstrap  what the maintainer scripts call (see that file)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
artifact=""
python="/usr/bin/python3"
out="$repo/dist"

die() { printf 'build_deb: error: %s\n' "$*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --artifact) artifact="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
command -v dpkg-deb >/dev/null || die "dpkg-deb not found"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [[ -z "$artifact" ]]; then
  artifact="$(python3 "$here/build_artifact.py" --python "$python" --out "$out" | tail -n 1)"
fi
[[ -f "$artifact" ]] || die "no artifact at $artifact"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$artifact" -C "$work"
tops=("$work"/claude-guard-*/)
((${#tops[@]} == 1)) || die "$artifact does not hold one claude-guard-* directory"
top="${tops[0]%/}"
(cd "$top" && sha256sum --check --quiet --strict SHA256SUMS) || die "$artifact fails its SHA256SUMS"

info() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
  "$top/build-info.json" "$1"; }
version="$(info version)"
python_tag="$(info python_tag)"
platform="$(info platform)"
case "$platform" in
  linux_x86_64) arch=amd64 ;;
  linux_aarch64) arch=arm64 ;;
  *) die "no Debian architecture for platform $platform" ;;
esac
# The wheelhouse holds compiled wheels for one Python minor version (cp311 → 3.11 only).
minor="${python_tag#cp3}"
[[ "$python_tag" == cp3* && "$minor" =~ ^[0-9]+$ ]] || die "unexpected python tag $python_tag"
python_depends="python3 (>= 3.$minor), python3 (<< 3.$((minor + 1))), python3-venv"
# PEP 440 pre-releases sort before the release in Debian only with a tilde (0.2.0rc1 → 0.2.0~rc1).
deb_version="$(sed -E 's/([0-9])(a|b|rc|\.dev)([0-9]+)$/\1~\2\3/' <<<"$version")"

root="$work/root"
lib="$root/usr/lib/claude-guard"
mkdir -p "$lib" "$root/DEBIAN"
mv "$top" "$lib/bundle"
install -m 0755 "$here/deb/managed-bootstrap" "$lib/managed-bootstrap"
install -m 0755 "$here/deb/postinst" "$here/deb/prerm" "$root/DEBIAN/"
installed_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat > "$root/DEBIAN/control" <<CONTROL
Package: claude-guard
Version: $deb_version
Architecture: $arch
Maintainer: claude-guard maintainers <claude-guard@localhost>
Depends: $python_depends
Section: admin
Priority: optional
Installed-Size: $installed_kb
Description: organisation-owned guard for Claude Code (managed install)
 Policy enforcement, PHI/secret detection and a tamper-evident audit trail for
 Claude Code hooks. Installing this package runs claude-guard's managed install
 from the bundled wheels (no package index); removing it runs the managed
 uninstall and keeps the audit trail, keys and org policy.
CONTROL
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
find "$root" -type d -exec chmod 0755 {} +
find "$root/usr" -type f ! -perm -u+x -exec chmod 0644 {} +
chmod 0755 "$lib/bundle/install.sh"

deb="$out/claude-guard_${deb_version}_${arch}.deb"
# Entries dated like the artifact (its files carry the source commit's time).
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(stat -c %Y "$lib/bundle/build-info.json")}" \
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
printf '%s\n' "$deb"
