#!/usr/bin/env bash
# bootlens demo without booting: --help, and usage errors exit 2 before
# anything is fetched or created (the boots are in tests/integration/linux_boot.sh).
set -euo pipefail
: "${BOOTLENS:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
mkdir "$tmp/cwd"
cd "$tmp/cwd"
"$BOOTLENS" demo --help >"$tmp/out" || fail "demo --help exited $?"
grep -q "^usage: bootlens demo" "$tmp/out" || fail "demo --help prints no usage"
"$BOOTLENS" help demo | grep -q '^usage: bootlens demo' || fail "help demo prints no usage"
for args in "-n 0" "-n x" "--top -1" "extra" "--no-such-option"; do
	rc=0
	# shellcheck disable=SC2086
	"$BOOTLENS" demo $args >/dev/null 2>"$tmp/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "demo $args: exit $rc, want 2"
	grep -q "^bootlens: demo: " "$tmp/err" || fail "demo $args: $(cat "$tmp/err")"
done
[ -z "$(ls -A)" ] || fail "a usage error left files behind: $(ls -A)"
echo ok
