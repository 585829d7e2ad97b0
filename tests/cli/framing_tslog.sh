#!/usr/bin/env bash
# A tslog dump inside @@bootlens framing is checked like a Linux one: for
# every tests/data/framing/NAME.console, `bootlens analyze` (table and
# JSON) must list exactly the warnings of NAME.warnings ("line N: TEXT", one
# a line; none for a whole dump), exit 0 (1 under --strict when there is a
# warning), and `bootlens guest verify` must print NAME.verify. A Linux dump
# with a bad CRC gets the same words. With UPDATE=1 the expected files are
# rewritten instead.
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
data=$BOOTLENS_TEST_DATA/framing
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
check() { # expected actual what
	if [ "${UPDATE:-}" = 1 ]; then
		cp "$2" "$1"
	elif ! diff -u "$1" "$2"; then
		fail "$3 differs from $1"
	fi
}
status() { # CMD...: run, keep stdout in $tmp/out, print the exit status
	local rc=0
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	echo "$rc"
}

cd "$data"
for input in *.console; do
	name=${input%.console}
	want_verify=1
	[ "$name" = good ] && want_verify=0
	rc=$(status "$BOOTLENS" guest verify "$input")
	[ "$rc" = "$want_verify" ] || fail "guest verify $input exited $rc, want $want_verify"
	check "$name.verify" "$tmp/out" "guest verify $input"

	rc=$(status "$BOOTLENS" analyze "$input")
	[ "$rc" = 0 ] || fail "analyze $input exited $rc: $(cat "$tmp/err")"
	grep -q '^input    tslog, os freebsd' "$tmp/out" || fail "analyze $input: not read as FreeBSD tslog"
	sed -n '/^warnings (/,$p' "$tmp/out" | sed '1d; s/^  //' >"$tmp/table.warnings"
	check "$name.warnings" "$tmp/table.warnings" "the table's warnings of $input"

	rc=$(status "$BOOTLENS" analyze --format json "$input")
	[ "$rc" = 0 ] || fail "analyze --format json $input exited $rc"
	jq -r '.warnings[] | "line \(.line): \(.message)"' "$tmp/out" >"$tmp/json.warnings"
	check "$name.warnings" "$tmp/json.warnings" "the JSON warnings of $input"

	want_strict=1
	[ -s "$name.warnings" ] || want_strict=0
	rc=$(status "$BOOTLENS" analyze --strict "$input")
	[ "$rc" = "$want_strict" ] || fail "analyze --strict $input exited $rc, want $want_strict"
done
[ -s good.warnings ] && fail "a whole framed tslog dump has warnings: $(cat good.warnings)"
grep -qx 'line 3: the dump is damaged: crc32 mismatch (the end line says [0-9a-f]\{8\}, [0-9a-f]\{8\} computed)' \
	bad-crc.warnings || fail "bad-crc: no crc32 warning"
grep -qx 'line 3: the dump is damaged: byte count mismatch (the end line says 827 bytes, 790 found)' \
	bad-bytes.warnings || fail "bad-bytes: no byte count warning"
grep -qx 'line 3: the dump is damaged: no end line (truncated dump)' truncated.warnings ||
	fail "truncated: no missing-end warning"

# the same check, the same words, for a Linux dump
"$BOOTLENS" analyze --format json "$BOOTLENS_TEST_DATA/guest/bad-crc.console" 2>/dev/null |
	jq -r '.warnings[] | "line \(.line): \(.message)"' >"$tmp/linux.warnings"
grep -qx 'line 2: the dump is damaged: crc32 mismatch (the end line says c57227c4, babbbc57 computed)' \
	"$tmp/linux.warnings" || fail "a Linux dump with a bad crc32: $(cat "$tmp/linux.warnings")"

[ "$failures" = 0 ] || exit 1
echo ok
