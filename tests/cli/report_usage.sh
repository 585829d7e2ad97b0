#!/usr/bin/env bash
# bootlens report: --help, usage errors (exit 2, one line naming what is
# wrong and "try 'bootlens report --help'"), a directory that is not a
# session, -o an existing file, a bad --phase-map (file and line), an input that is neither a session nor a readable file (exit 2,
# named), a capture with nothing to analyse (exit 2), and a session with
# no ok run (the report is written, exit 1).
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
"$BOOTLENS" report --help | grep -q '^usage: bootlens report' || fail "no usage on --help"
"$BOOTLENS" help report | grep -q '^usage: bootlens report' || fail "help report"
"$BOOTLENS" --help | grep -q '^  report ' || fail "report is not in the command list"
expect() { # WANT_RC GREP ARGS...
	local want=$1 pat=$2 rc=0
	shift 2
	"$BOOTLENS" report "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "report $*: exit $rc, want $want: $(cat "$tmp/err")"
	grep -q -- "$pat" "$tmp/err" || fail "report $*: stderr lacks '$pat': $(cat "$tmp/err")"
}
expect 2 "want -o DIR" "$BOOTLENS_TEST_DATA/linux-session-5"
expect 2 "want 1 to 16 inputs" -o "$tmp/x"
expect 2 "unknown format 'pdf'" --format pdf -o "$tmp/x" "$BOOTLENS_TEST_DATA/linux-session-5"
expect 2 "top wants a number" --top 0 -o "$tmp/x" "$BOOTLENS_TEST_DATA/linux-session-5"
expect 2 "unknown or needs a value" --bogus -o "$tmp/x" "$BOOTLENS_TEST_DATA/linux-session-5"
# a usage error: its line and one line pointing at --help, not the usage
"$BOOTLENS" report --bogus -o "$tmp/x" "$BOOTLENS_TEST_DATA/linux-session-5" 2>"$tmp/err" && fail "--bogus exited 0"
[ "$(wc -l <"$tmp/err")" -eq 2 ] && [ "$(tail -n 1 "$tmp/err")" = "try 'bootlens report --help'" ] ||
	fail "a usage error is not its line and 'try --help': $(cat "$tmp/err")"
expect 2 "try 'bootlens report --help'" -o "$tmp/x"
expect 2 "tsc-freq wants a positive number of Hz, not '0'" --tsc-freq 0 -o "$tmp/x" "$BOOTLENS_TEST_DATA/linux-session-5"
# a directory that is not a session, -o an existing file, a bad phase map
mkdir "$tmp/notasession"
expect 2 "'$tmp/notasession' is a directory without session.json: not a session" -o "$tmp/x" "$tmp/notasession"
: >"$tmp/afile"
expect 2 "'$tmp/afile' exists and is not a directory" -o "$tmp/afile" "$BOOTLENS_TEST_DATA/linux-session-5"
printf 'bad map\n' >"$tmp/bad.map"
expect 2 "bad.map:1: " --phase-map "$tmp/bad.map" -o "$tmp/x" "$BOOTLENS_TEST_DATA/linux-session-5"
expect 2 "cannot open '$tmp/nomap'" --phase-map "$tmp/nomap" -o "$tmp/x" "$BOOTLENS_TEST_DATA/linux-session-5"
expect 2 "'$tmp/nope' is neither a session nor a readable file: No such file or directory" -o "$tmp/x" "$tmp/nope"
expect 2 "has no variant 'nope'" -o "$tmp/x" "$BOOTLENS_TEST_DATA/linux-session-5:nope"
printf 'nothing to see\n' >"$tmp/empty.txt"
expect 2 "empty.txt': no tslog record and no kernel log line" -o "$tmp/x" "$tmp/empty.txt"
# a session whose only runs failed: the report is written, exit 1
mkdir -p "$tmp/nook/runs"
cp "$BOOTLENS_TEST_DATA/linux-session-5/session.json" "$tmp/nook/"
cp "$BOOTLENS_TEST_DATA/linux-session-5/runs/0006.json" "$tmp/nook/runs/"
expect 1 "no input has an ok run" -o "$tmp/nook-report" "$tmp/nook"
[ -f "$tmp/nook-report/index.html" ] || fail "no report for a session without an ok run"
echo ok
