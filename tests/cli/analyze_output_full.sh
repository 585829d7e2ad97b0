#!/usr/bin/env bash
# Issue 10 bug 6 (analyze): a report that cannot be written (>/dev/full)
# ends with exit 2 and a message naming standard output, in every format,
# for a FILE (large and small: the renderer's own check and the final
# flush) and a session; never "cannot analyse" for a write error.
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
printf '0x1 1000 ENTER a\n0x1 2000 EXIT a\n' >"$tmp/small.txt"
for fmt in table json folded; do
	for in in "$BOOTLENS_TEST_DATA/linux-session" "$BOOTLENS_TEST_DATA/linux-session/runs/0001.console" \
		"$tmp/small.txt"; do
		rc=0
		"$BOOTLENS" analyze --tsc-freq 1000000000 --format "$fmt" "$in" >/dev/full 2>"$tmp/err" || rc=$?
		[ "$rc" = 2 ] || fail "$fmt $in >/dev/full: exit $rc, want 2"
		grep -q 'standard output' "$tmp/err" || fail "$fmt $in: no message naming the output: $(cat "$tmp/err")"
		grep -q 'cannot analyse' "$tmp/err" && fail "$fmt $in: a write error said as an analysis error: $(cat "$tmp/err")"
		head -1 "$tmp/err" | grep -q 'cannot write.*standard output' ||
			fail "$fmt $in: the first message does not say the write failed: $(cat "$tmp/err")"
	done
done
echo "output full: ok"
