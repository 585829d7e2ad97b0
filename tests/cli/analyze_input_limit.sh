#!/usr/bin/env bash
# Issue 10 bug 7 (analyze): every input analyze reads (a FILE, a phase map,
# a session run's capture) goes through one bounded reader: /dev/zero ends
# at once with exit 2 and a message naming the limit and how to raise it
# (BOOTLENS_MAX_INPUT); a directory is a read error, not "cannot open".
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# expect STATUS MESSAGE ARGS...: the exit status and the whole of stderr
expect() {
	local want=$1 msg=$2 rc=0
	shift 2
	# a bounded address space: an unbounded reader fails here instead of
	# taking the machine's memory (not under ASan, whose shadow memory
	# needs terabytes of it)
	(ulimit -v "$vmax" && timeout 30 "$BOOTLENS" analyze "$@") >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "analyze $*: exit $rc, want $want ($(cat "$tmp/err"))"
	[ "$(cat "$tmp/err")" = "$msg" ] || fail "analyze $*: said '$(cat "$tmp/err")', want '$msg'"
}
vmax=2000000
# (ldd's whole output read first: under pipefail, "ldd | grep -q" fails
# when grep exits at the match while ldd still writes, SIGPIPE, and the
# ASan build then ran under the bound: seen once in setup.sh --test)
libs=$(ldd "$BOOTLENS" 2>/dev/null || true)
case $libs in *libasan*) vmax=unlimited ;; esac
limit="(set BOOTLENS_MAX_INPUT to raise it)"
expect 2 "bootlens: '/dev/zero' is larger than the input limit of 256 MiB $limit" /dev/zero
expect 2 "bootlens: cannot read '$tmp': Is a directory" "$tmp"
expect 2 "bootlens: cannot open '$tmp/nope': No such file or directory" "$tmp/nope"
printf '0x1 1000 ENTER a\n0x1 2000 EXIT a\n' >"$tmp/ok.txt"
expect 2 "bootlens: '/dev/zero' is larger than the input limit of 256 MiB $limit" \
	--phase-map /dev/zero "$tmp/ok.txt"
expect 2 "bootlens: cannot read '$tmp': Is a directory" --phase-map "$tmp" "$tmp/ok.txt"
# the limit is the environment's when set: bytes
export BOOTLENS_MAX_INPUT=20
expect 2 "bootlens: '$tmp/ok.txt' is larger than the input limit of 20 bytes $limit" "$tmp/ok.txt"
s=$BOOTLENS_TEST_DATA/linux-session
expect 2 "bootlens: '$s/runs/0001.console' is larger than the input limit of 20 bytes $limit" "$s"
export BOOTLENS_MAX_INPUT=$((1 << 20))
"$BOOTLENS" analyze "$tmp/ok.txt" >/dev/null 2>&1 || fail "a small file under a 1 MiB limit: exit $?"
echo "input limit: ok"
