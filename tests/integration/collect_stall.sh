#!/usr/bin/env bash
# A collector that is slow to read must not lose console bytes. QEMU's
# virtconsole drops what its chardev cannot take at once, so with a socket
# a collector stopped for a few seconds during a boot lost the end of the
# dump (bad-dump). bootlens hands QEMU a file instead: the run stays ok,
# the dump whole, and no scratch file is left behind.
# labels: vm
# timeout: 300
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
tmp=$(mktemp -d)
export TMPDIR=$tmp/scratch
mkdir -p "$TMPDIR"
pid=
cleanup() {
	[ -z "$pid" ] || kill -CONT "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -d "$tmp/s" ] && "$BOOTLENS" show "$tmp/s" >&2 || true
	exit 1
}

. "$(dirname "$0")/lib/guest.sh"
bl_need_tool qemu-system-x86_64
bl_fetch_kernel
bl_build_initrd

"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg -n 1 --retries 1 \
	--timeout 90 -o "$tmp/s" >"$tmp/out" 2>&1 &
pid=$!
# Stop the collector from before the dump until well after QEMU wrote it
# (a TCG boot dumps after about 2-3 s): the guest keeps running.
sleep 0.5
kill -STOP "$pid"
sleep 6
kill -CONT "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
[ $rc -eq 0 ] || fail "collect exited $rc: $(cat "$tmp/out")"
grep -q '"verdict": "ok"' "$tmp/s/runs/0001.json" || fail "run 1 is not ok: $(cat "$tmp/out")"
"$BOOTLENS" guest verify "$tmp/s/runs/0001.console" >/dev/null ||
	fail "the stored capture is not a whole dump"
[ -z "$(ls -A "$TMPDIR")" ] || fail "scratch files left in TMPDIR: $(ls -A "$TMPDIR")"
echo "collect_stall: ok (collector stopped 6 s mid-boot, dump whole)"
