#!/usr/bin/env bash
# labels: vm
# timeout: 300
# No orphan QEMU: a collector killed by SIGKILL mid-boot takes its QEMU
# (its direct child, PR_SET_PDEATHSIG) along, at -j 1 and at -j 2 (each
# slot's thread spawned its own QEMU). The real guest under TCG; its QEMU
# is found by this test's unique directory in /proc/*/cmdline (the initrd
# and, through TMPDIR, the console file live there). The guest is made
# never to power off (no init: the kernel panics and, with panic=0, waits
# for ever), so that a QEMU left behind is seen whatever the host's speed
# (a whole boot is over in 2-5 s). Whatever is left is killed at the end,
# so a failure leaves nothing running.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_SRC:?}"
tmp=$(mktemp -d /tmp/bootlens-sigkill.XXXXXX)
pid=
# qemus: pids of the processes whose command line names $tmp's initrd,
# one a line (one grep over /proc: quick on a busy host; its pattern does
# not match its own command line)
qemus() {
	grep -lsa -- "$tmp/initrd[.]gz" /proc/[0-9]*/cmdline 2>/dev/null |
		sed -n 's|^/proc/\([0-9]*\)/cmdline$|\1|p' | grep -vx "$$" || true
}
cleanup() {
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
	for q in $(qemus); do kill -KILL "$q" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
. "$BOOTLENS_SRC/tests/integration/lib/guest.sh"
bl_need_tool qemu-system-x86_64
bl_fetch_kernel
bl_build_initrd

# kill_mid_boot NAME JOBS: start a collection, wait for JOBS QEMUs to be
# booting for a second, SIGKILL the collector, and want no QEMU left 2 s on.
kill_mid_boot() {
	local n=0 left deadline
	TMPDIR=$tmp "$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg \
		--append 'panic=0 rdinit=/bootlens-none init=/bootlens-none' -n 4 -j "$2" -o "$tmp/$1" >"$tmp/$1.out" 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		n=$(qemus | wc -l)
		[ "$n" -ge "$2" ] && break
		kill -0 "$pid" 2>/dev/null || fail "$1: collect ended early: $(cat "$tmp/$1.out")"
		sleep 0.05
	done
	[ "$n" -ge "$2" ] || fail "$1: $2 QEMU not running within 10 s (found $n)"
	sleep 1
	[ "$(qemus | wc -l)" -ge 1 ] || fail "$1: QEMU finished within a second: nothing to test"
	kill -KILL "$pid"
	deadline=$(($(date +%s%N) + 2000000000))
	wait "$pid" 2>/dev/null || true
	pid=
	while :; do
		left=$(qemus)
		[ -z "$left" ] && break
		[ "$(date +%s%N)" -lt "$deadline" ] || break
		sleep 0.05
	done
	[ -z "$left" ] || fail "$1: QEMU outlived the SIGKILLed collector by 2 s: pid(s) $left"
	echo "$1: no QEMU left after SIGKILL"
}

kill_mid_boot j1 1
if [ "$(nproc)" -ge 2 ]; then
	kill_mid_boot j2 2
fi
echo ok
