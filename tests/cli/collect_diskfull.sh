#!/usr/bin/env bash
# Fault injection: bootlens collect on a full disk. A small tmpfs is filled
# so that ENOSPC hits each write of a session in turn (session.json, then
# run 1's console, serial and QEMU log captures and its JSON, then run 2's),
# one page more room each time. Each time collect exits non-zero naming the
# file, leaves no temporary or half-written file (a run exists exactly when
# its JSON does, with its captures, and every JSON parses), and once space
# is freed, collect --resume (or a fresh collect, when session.json could
# not be written) completes the session. Needs root for mount(8): exit 77
# (skipped) otherwise. Uses the stand-in QEMU.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?}"
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: mounting a tmpfs needs root"
	exit 77
fi
tmp=$(mktemp -d)
mnt=$tmp/mnt
mkdir "$mnt" "$tmp/state"
cleanup() {
	mountpoint -q "$mnt" && umount "$mnt"
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>"$tmp/err"; then
	echo "SKIP: cannot mount a tmpfs: $(cat "$tmp/err")"
	exit 77
fi
umount "$mnt"
# The stand-in QEMU, saying something on stderr so that the QEMU log is
# a page too.
printf '#!/bin/sh\necho "qemu: a line for the log" >&2\nexec %s "$@"\n' \
	"$BOOTLENS_TEST_DATA/collect/fake-qemu" >"$tmp/qemu"
chmod +x "$tmp/qemu"
export FAKE_QEMU_STATE=$tmp/state
echo kernel >"$tmp/k"
collect() {
	"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$tmp/qemu" --accel tcg -n 2 -o "$mnt/s"
}
# check_whole: no temporary file; every run JSON parses and has its captures.
check_whole() {
	[ -z "$(find "$mnt" -name '*.tmp.*')" ] || fail "$1: temporary files left: $(find "$mnt" -name '*.tmp.*')"
	[ ! -e "$mnt/s/session.json" ] || jq -e . "$mnt/s/session.json" >/dev/null ||
		fail "$1: session.json does not parse"
	for j in "$mnt"/s/runs/*.json; do
		[ -e "$j" ] || continue
		jq -e '.attempts | length > 0' "$j" >/dev/null || fail "$1: $j does not parse or has no attempt"
		for ext in console serial qemu.log; do
			[ -f "${j%.json}.$ext" ] || fail "$1: $j lacks its .$ext"
		done
	done
}

hit=
for room in $(seq 0 20); do
	mount -t tmpfs -o size=256k tmpfs "$mnt"
	# Leave room pages free (a small file takes one page of a tmpfs).
	dd if=/dev/zero of="$mnt/fill" bs=4096 count=$((64 - room)) status=none 2>/dev/null || true
	set +e
	collect >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	if [ $rc -eq 0 ]; then
		check_whole "room $room"
		umount "$mnt"
		break
	fi
	[ $rc -eq 1 ] || [ $rc -eq 2 ] || fail "room $room: collect exited $rc"
	file=$(sed -n "s/^bootlens: cannot \(write run [0-9]*\|create session '[^']*'\): '\([^']*\)': No space left on device$/\2/p" "$tmp/err")
	[ -n "$file" ] || fail "room $room: no message naming the file: $(cat "$tmp/err")"
	hit="$hit ${file#"$mnt"/s/}"
	check_whole "room $room ($file)"
	rm "$mnt/fill"
	if [ -e "$mnt/s/session.json" ]; then
		"$BOOTLENS" collect --resume -o "$mnt/s" --qemu "$tmp/qemu" >"$tmp/out" 2>&1 ||
			fail "room $room: resume failed: $(cat "$tmp/out")"
	else
		collect >"$tmp/out" 2>&1 || fail "room $room: collect after freeing space failed: $(cat "$tmp/out")"
	fi
	grep -q '2 of 2 runs recorded' "$tmp/out" || fail "room $room: after freeing space: $(cat "$tmp/out")"
	check_whole "room $room, completed"
	umount "$mnt"
done
echo "ENOSPC hit:$hit"
for want in session.json runs/0001.console runs/0001.serial runs/0001.qemu.log runs/0001.json \
	runs/0002.console runs/0002.json; do
	grep -qw "$want" <<<"$hit" || fail "no room made ENOSPC hit $want (hit:$hit)"
done
[ $rc -eq 0 ] || fail "20 pages were not enough for a session"
echo ok
