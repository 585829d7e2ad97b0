#!/usr/bin/env bash
# bootlens collect -j N with the stand-in QEMU (no VM): the plan's rounds
# (one run of each variant, warm-ups rounds of their own) go to the slots
# whole, each slot's QEMU is pinned to a CPU of its own and the run files
# say which ("slot", "cpu"; absent at -j 1); Ctrl-C still keeps whole runs
# and --resume -j completes them; -j beyond the CPUs is capped with a note.
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
py=/usr/bin/python3
echo kernel >"$tmp/k"
cpus=$($py -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))')
read -r -a cpu <<<"$cpus"
[ "${#cpu[@]}" -ge 2 ] || {
	echo "skip: bootlens may run on one CPU only"
	exit "${BOOTLENS_SKIP_RC:-77}"
}

# collect NAME ARGS...: a session of the stand-in QEMU.
collect() {
	local name=$1
	shift
	mkdir -p "$tmp/state.$name"
	FAKE_QEMU_STATE=$tmp/state.$name "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" \
		--accel tcg -o "$tmp/$name" "$@" >"$tmp/$name.out" 2>&1 ||
		fail "collect $name $*: $(cat "$tmp/$name.out")"
}
# runs SESSION: one line per run file: run variant warmup slot cpu
runs() {
	$py - "$1" <<'EOF'
import json, os, sys
d = os.path.join(sys.argv[1], "runs")
for f in sorted(os.listdir(d)):
    if f.endswith(".json"):
        r = json.load(open(os.path.join(d, f)))
        print(r["run"], r["variant"], int(r["warmup"]), r.get("slot", "-"), r.get("cpu", "-"))
EOF
}

# -j 2, two variants, a warm-up each and three runs each: 8 runs in 4
# rounds of 2 (the warm-ups' round first), each round in one slot, the
# slot's CPU the slot-th of bootlens's mask; both slots used.
collect j2 -n 3 --warmup 1 --variant 'a: append+=x' --variant 'b: append+=y' -j 2
grep -q '8 of 8 runs recorded (8 now); a: 3 ok; b: 3 ok' "$tmp/j2.out" || fail "j2: $(cat "$tmp/j2.out")"
runs "$tmp/j2" >"$tmp/j2.runs"
[ "$(wc -l <"$tmp/j2.runs")" -eq 8 ] || fail "j2: $(cat "$tmp/j2.runs")"
while read -r run var warm slot c; do
	[ "$slot" = 0 ] || [ "$slot" = 1 ] || fail "run $run: slot '$slot'"
	[ "$c" = "${cpu[$slot]}" ] || fail "run $run: slot $slot on cpu '$c', want ${cpu[$slot]}"
	want_var=$([ $((run % 2)) -eq 1 ] && echo a || echo b)
	[ "$var" = "$want_var" ] || fail "run $run is of variant $var"
	[ "$warm" = $([ "$run" -le 2 ] && echo 1 || echo 0) ] || fail "run $run: warmup $warm"
done <"$tmp/j2.runs"
for r in 1 3 5 7; do
	a=$(awk -v r=$r '$1 == r {print $4}' "$tmp/j2.runs")
	b=$(awk -v r=$((r + 1)) '$1 == r {print $4}' "$tmp/j2.runs")
	[ "$a" = "$b" ] || fail "round of runs $r and $((r + 1)) split over slots $a and $b"
done
[ "$(awk '{print $4}' "$tmp/j2.runs" | sort -u | wc -l)" -eq 2 ] || fail "j2: one slot did everything"
# Each QEMU was pinned: it may run on exactly one of the slots' CPUs.
for f in "$tmp"/state.j2/cpus.*; do
	c=$(cat "$f")
	[ "$c" = "${cpu[0]}" ] || [ "$c" = "${cpu[1]}" ] || fail "a QEMU ran on CPUs '$c'"
done

# show --run N says where a run of -j N was booted.
slot3=$(awk '$1 == 3 {print $4, $5}' "$tmp/j2.runs")
"$BOOTLENS" show "$tmp/j2" --run 3 | grep -qx "slot ${slot3% *}, QEMU pinned to CPU ${slot3#* }" ||
	fail "show --run 3: $("$BOOTLENS" show "$tmp/j2" --run 3)"

# Without interleaving a round is one run: still every run recorded.
collect noint -n 2 --variant 'a: append+=x' --variant 'b: append+=y' --no-interleave -j 2
runs "$tmp/noint" | awk '{print $2}' | tr '\n' ' ' | grep -qx 'a a b b ' || fail "noint: $(runs "$tmp/noint")"

# -j 1 (the default): no slot or cpu in the run files, nothing pinned.
collect j1 -n 2
! grep -q '"slot"\|"cpu"' "$tmp/j1"/runs/*.json || fail "-j 1 wrote a slot or cpu"
! "$BOOTLENS" show "$tmp/j1" --run 1 | grep -q '^slot' || fail "show printed a slot for -j 1"
[ "$(cat "$tmp/state.j1/cpus.1")" != "${cpu[0]}" ] || [ "${#cpu[@]}" -eq 1 ] ||
	fail "-j 1 pinned QEMU"

# -j beyond the CPUs bootlens may run on: capped, with a note.
mkdir -p "$tmp/state.cap"
FAKE_QEMU_STATE=$tmp/state.cap taskset -c "${cpu[0]}" "$BOOTLENS" collect --kernel "$tmp/k" \
	--qemu "$fake" --accel tcg -n 2 -j 4 -o "$tmp/cap" >"$tmp/cap.out" 2>&1 || fail "cap: $(cat "$tmp/cap.out")"
grep -q -- '-j 4: bootlens may run on 1 CPU; using -j 1' "$tmp/cap.out" || fail "cap: $(cat "$tmp/cap.out")"

# Usage errors.
for bad in 0 65 x; do
	set +e
	"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -j "$bad" -o "$tmp/bad" 2>"$tmp/bad.err"
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "-j $bad exited $rc"
	grep -q "^bootlens: -j: '$bad' is not a number from 1 to 64" "$tmp/bad.err" || fail "-j $bad: $(cat "$tmp/bad.err")"
done

# --resume -j 2 boots what is missing, in its slots: drop two run files.
rm "$tmp/j2/runs/0005.json" "$tmp/j2/runs/0008.json"
mkdir -p "$tmp/state.r"
FAKE_QEMU_STATE=$tmp/state.r "$BOOTLENS" collect --resume -o "$tmp/j2" --qemu "$fake" -j 2 \
	>"$tmp/r.out" 2>&1 || fail "resume: $(cat "$tmp/r.out")"
grep -q '8 of 8 runs recorded (2 now)' "$tmp/r.out" || fail "resume: $(cat "$tmp/r.out")"
[ "$(cat "$tmp/state.r/count")" -eq 2 ] || fail "resume booted $(cat "$tmp/state.r/count") times"
runs "$tmp/j2" | awk '$1 == 5 || $1 == 8 {print $4}' | grep -qv -- - || fail "resumed runs lack a slot"

# One Ctrl-C during -j 2 (runs after the first 2 take 1 s each): both
# slots finish their boot, everything kept is whole, resume completes.
mkdir -p "$tmp/state.int"
FAKE_QEMU_SCRIPT="ok ok slow" FAKE_QEMU_DELAY=1 FAKE_QEMU_STATE=$tmp/state.int setsid "$BOOTLENS" \
	collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 8 -j 2 -o "$tmp/int" \
	>"$tmp/int.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
	[ "$(cat "$tmp/state.int/count" 2>/dev/null || echo 0)" -ge 4 ] && break
	sleep 0.05
done
kill -INT -- "-$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
[ $rc -eq 1 ] || fail "an interrupted -j 2 collection exited $rc: $(cat "$tmp/int.out")"
grep -q 'stopped after [0-9] of 8 runs' "$tmp/int.out" || fail "int: $(cat "$tmp/int.out")"
[ -z "$(find "$tmp/int" -name '*.tmp.*')" ] || fail "temporary files left"
n=$(ls "$tmp/int/runs" | grep -c '\.json$')
[ "$n" -ge 4 ] && [ "$n" -lt 8 ] || fail "after Ctrl-C $n runs are recorded"
for f in "$tmp"/int/runs/*.json; do
	grep -q '"verdict": "ok"' "$f" || fail "$f is not ok"
	[ -f "${f%.json}.console" ] || fail "$f lacks its console"
done
mkdir -p "$tmp/state.ri"
FAKE_QEMU_STATE=$tmp/state.ri "$BOOTLENS" collect --resume -o "$tmp/int" --qemu "$fake" -j 2 \
	>"$tmp/ri.out" 2>&1 || fail "resume int: $(cat "$tmp/ri.out")"
grep -q '8 of 8 runs recorded' "$tmp/ri.out" || fail "resume int: $(cat "$tmp/ri.out")"

# Two Ctrl-C at -j 2 while both slots' QEMUs hang: both are killed at
# once, their runs thrown away, the finished ones kept.
mkdir -p "$tmp/state.int2"
FAKE_QEMU_SCRIPT="ok ok hang" FAKE_QEMU_STATE=$tmp/state.int2 setsid "$BOOTLENS" collect \
	--kernel "$tmp/k" --qemu "$fake" --accel tcg -n 4 -j 2 -o "$tmp/int2" >"$tmp/int2.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
	[ -f "$tmp/state.int2/pid.4" ] && break
	sleep 0.05
done
sleep 0.3
kill -INT -- "-$pid"
sleep 0.2
kill -INT -- "-$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
[ $rc -eq 1 ] || fail "two Ctrl-C at -j 2 exited $rc: $(cat "$tmp/int2.out")"
[ "$(ls "$tmp/int2/runs" | grep -c '\.json$')" -eq 2 ] || fail "int2 kept: $(ls "$tmp/int2/runs")"
for n in 3 4; do
	q=$(cat "$tmp/state.int2/pid.$n")
	! kill -0 "$q" 2>/dev/null || fail "the hanging QEMU $q outlived two Ctrl-C"
done

# A host error in one slot stops the others: runs/ made immutable while
# both slots boot (1 s each), so that the next run file cannot be written.
# collect names the file, exits 1, starts no new boot, leaves only whole
# runs; --resume completes the session once runs/ is writable again.
mkdir -p "$tmp/state.he"
FAKE_QEMU_SCRIPT="ok ok slow" FAKE_QEMU_DELAY=1 FAKE_QEMU_STATE=$tmp/state.he "$BOOTLENS" \
	collect --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 10 -j 2 -o "$tmp/he" \
	>"$tmp/he.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
	[ "$(cat "$tmp/state.he/count" 2>/dev/null || echo 0)" -ge 4 ] && break
	sleep 0.05
done
if chattr +i "$tmp/he/runs" 2>/dev/null; then
	set +e
	wait "$pid"
	rc=$?
	set -e
	pid=
	chattr -i "$tmp/he/runs"
	[ $rc -eq 1 ] || fail "a host error at -j 2 exited $rc: $(cat "$tmp/he.out")"
	grep -q "^bootlens: cannot write run [0-9]*: '$tmp/he/runs/00[0-9][0-9]\.[a-z.]*': Operation not permitted" \
		"$tmp/he.out" || fail "he: $(cat "$tmp/he.out")"
	started=$(cat "$tmp/state.he/count")
	[ "$started" -le 6 ] || fail "after the host error $started boots were started, want at most 6"
	[ -z "$(find "$tmp/he" -name '*.tmp.*')" ] || fail "temporary files left"
	mkdir -p "$tmp/state.rhe"
	FAKE_QEMU_STATE=$tmp/state.rhe "$BOOTLENS" collect --resume -o "$tmp/he" --qemu "$fake" -j 2 \
		>"$tmp/rhe.out" 2>&1 || fail "resume he: $(cat "$tmp/rhe.out")"
	grep -q '10 of 10 runs recorded' "$tmp/rhe.out" || fail "resume he: $(cat "$tmp/rhe.out")"
else
	wait "$pid" || true
	pid=
	echo "note: chattr +i is not possible here: the host-error case is not checked"
fi
echo ok
