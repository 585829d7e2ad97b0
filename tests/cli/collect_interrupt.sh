#!/usr/bin/env bash
# Stopping bootlens collect and going on: one Ctrl-C (SIGINT) stops after
# the current run with everything kept; a second stops at once, still
# losing no finished run; a collector killed outright leaves only whole
# runs; --resume completes each session. Uses the stand-in QEMU.
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?}"
fake=$BOOTLENS_TEST_DATA/collect/fake-qemu
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
echo kernel >"$tmp/k"
# Run 1 is quick, every later one takes FAKE_QEMU_DELAY seconds.
export FAKE_QEMU_SCRIPT="ok slow"

# start SESSION DELAY: collect 4 slow runs in the background; returns once
# run 1 is recorded.
start() {
	mkdir -p "$tmp/state.$1"
	# Its own session and process group, like a shell job: a Ctrl-C on a
	# terminal goes to the whole group (kill -INT -- -PID below).
	FAKE_QEMU_STATE=$tmp/state.$1 FAKE_QEMU_DELAY=$2 setsid "$BOOTLENS" collect --kernel "$tmp/k" \
		--qemu "$fake" --accel tcg -n 4 -o "$tmp/$1" >"$tmp/$1.out" 2>"$tmp/$1.err" &
	pid=$!
	for _ in $(seq 200); do
		[ -f "$tmp/$1/runs/0001.json" ] && return 0
		sleep 0.05
	done
	fail "run 1 of $1 was not recorded within 10 s"
}
finish() { # finish: wait for the collector, set rc
	set +e
	wait "$pid"
	rc=$?
	set -e
	pid=
}
# check_whole SESSION: recorded runs are 1..k, each with its captures, and
# no temporary file is left. Prints k.
check_whole() {
	local k=0
	while [ -f "$1/runs/$(printf %04d $((k + 1))).json" ]; do
		k=$((k + 1))
		for ext in console serial qemu.log; do
			[ -f "$1/runs/$(printf %04d $k).$ext" ] || fail "run $k of $1 lacks .$ext"
		done
	done
	[ -z "$(find "$1" -name '*.tmp.*')" ] || fail "$1 holds temporary files: $(find "$1" -name '*.tmp.*')"
	ls "$1/runs" | grep -q "^$(printf %04d $((k + 2)))\." && fail "$1 has a run after a gap"
	echo "$k"
}
resume() {
	mkdir -p "$tmp/state.r$1"
	FAKE_QEMU_STATE=$tmp/state.r$1 FAKE_QEMU_DELAY=0 "$BOOTLENS" collect --resume -o "$tmp/$1" \
		--qemu "$fake" >"$tmp/$1.rout" 2>&1 || fail "resume of $1 failed: $(cat "$tmp/$1.rout")"
	[ "$(check_whole "$tmp/$1")" -eq 4 ] || fail "resume did not complete $1"
	grep -q '4 of 4 runs recorded' "$tmp/$1.rout" || fail "resume of $1 said: $(cat "$tmp/$1.rout")"
}

# Ctrl-C once, during run 2 (2 s each): run 2 still completes (QEMU is in
# its own process group, so the terminal's SIGINT does not reach it).
start once 2
sleep 0.3
kill -INT -- "-$pid"
finish
[ $rc -eq 1 ] || fail "an interrupted collection exited $rc, want 1"
grep -q 'stopped after [12] of 4 runs; continue with: bootlens collect --resume' "$tmp/once.out" ||
	fail "no stop message: $(cat "$tmp/once.out")"
k=$(check_whole "$tmp/once")
[ "$k" -ge 1 ] && [ "$k" -le 2 ] || fail "after one Ctrl-C $k runs are recorded, want 1 or 2"
grep -q '"verdict": "ok"' "$tmp/once/runs/000$k.json" || fail "the last kept run is not ok"
resume once

# Ctrl-C twice during a boot that would last 10 minutes: stops at once
# (a collector that waited for the boot would outlast CTest's timeout: no
# wall-clock assertion needed), run 2 thrown away whole.
start twice 600
sleep 0.3
kill -INT -- "-$pid"
sleep 0.2
kill -INT -- "-$pid"
finish
[ $rc -eq 1 ] || fail "a twice-interrupted collection exited $rc, want 1"
[ "$(check_whole "$tmp/twice")" -eq 1 ] || fail "two Ctrl-C kept other than run 1"
for p in "$tmp"/state.twice/pid.*; do
	! kill -0 "$(cat "$p")" 2>/dev/null || fail "QEMU (pid $(cat "$p")) outlived the collector"
done
resume twice

# The collector killed outright mid-run: only whole runs remain.
start killed 30
kill -KILL "$pid"
finish
pkill_list=$(cat "$tmp"/state.killed/pid.* 2>/dev/null || true)
for p in $pkill_list; do kill -KILL "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
[ "$(check_whole "$tmp/killed")" -eq 1 ] || fail "a killed collector left other than run 1"
resume killed
echo ok
