#!/usr/bin/env bash
# cmake --install: the command, the static guest dumper, the bootlens-mark
# link and the BSD rc snippet land under the prefix, and the installed
# command runs.
set -euo pipefail
: "${BOOTLENS_BUILD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BOOTLENS_BUILD" --prefix "$tmp/p" >"$tmp/log" 2>&1 || fail "install failed: $(cat "$tmp/log")"
grep -qi error "$tmp/log" && fail "install reported an error: $(cat "$tmp/log")"
p=$tmp/p
[ -x "$p/bin/bootlens" ] || fail "no bin/bootlens"
[ -x "$p/share/bootlens/bootlens-dumper" ] || fail "no share/bootlens/bootlens-dumper"
[ "$(readlink "$p/share/bootlens/bootlens-mark")" = bootlens-dumper ] ||
	fail "share/bootlens/bootlens-mark is not a link to bootlens-dumper"
[ -f "$p/share/bootlens/bootlens-rc.sh" ] || fail "no share/bootlens/bootlens-rc.sh"
file_out=$(head -c 4 "$p/share/bootlens/bootlens-dumper" | od -An -c | tr -d ' ')
[ "$file_out" = '177ELF' ] || fail "the dumper is not an ELF file"
"$p/bin/bootlens" --version | grep -q '^bootlens ' || fail "the installed bootlens does not run"

# DESTDIR staging keeps the configured prefix below DESTDIR
DESTDIR=$tmp/stage cmake --install "$BOOTLENS_BUILD" >/dev/null 2>&1 || fail "DESTDIR install failed"
[ -n "$(find "$tmp/stage" -name bootlens-mark -type l)" ] || fail "no bootlens-mark link under DESTDIR"
echo "install: ok"
