#!/usr/bin/env bash
# The bootlens entry point: help, version, unknown commands and exit codes.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"

fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$BOOTLENS" --version) || fail "--version exited $?"
[[ $out =~ ^bootlens\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version printed '$out'"

out=$("$BOOTLENS" help) || fail "help exited $?"
grep -q '^  analyze ' <<<"$out" || fail "help does not list analyze"
grep -q '^  help ' <<<"$out" || fail "help does not list help"

# every listed command answers --help with a usage line and exit 0
for cmd in $(awk '/^commands:/{on=1;next} on && /^  [a-z]/{print $1} on && /^$/{on=0}' <<<"$out"); do
	u=$("$BOOTLENS" "$cmd" --help) || fail "'$cmd --help' exited $?"
	grep -q "^usage: bootlens $cmd" <<<"$u" || fail "'$cmd --help' printed no usage line: $u"
	u2=$("$BOOTLENS" help "$cmd") || fail "'help $cmd' exited $?"
	[ "$u" = "$u2" ] || fail "'help $cmd' differs from '$cmd --help'"
done

set +e
err=$("$BOOTLENS" frobnicate 2>&1 >/dev/null)
rc=$?
set -e
[ $rc -eq 2 ] || fail "unknown command exited $rc, want 2"
[ "$err" = "bootlens: 'frobnicate' is not a bootlens command; see 'bootlens help'" ] ||
	fail "unknown command said '$err'"

set +e
"$BOOTLENS" >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "no command exited $rc, want 2"
echo "main command: ok"
