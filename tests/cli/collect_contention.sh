#!/usr/bin/env bash
# bootlens collect records, per attempt, how long QEMU's threads waited
# for a host CPU (docs/contention.md): "sched" with the run delay and the
# on-CPU time from /proc/PID/task/TID/schedstat (null on a kernel without
# them), the host's load at spawn and its online CPUs; show prints the run
# delay as a column. A stand-in QEMU (tests/data/collect/fake-qemu) that
# sleeps a second, then one that exits at once (read as a zombie only).
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?}"
data=$BOOTLENS_TEST_DATA/collect
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
echo kernel >"$tmp/k"
export FAKE_QEMU_STATE=$tmp/state FAKE_QEMU_SCRIPT="slow ok" FAKE_QEMU_DELAY=1
mkdir "$tmp/state"
"$BOOTLENS" collect --kernel "$tmp/k" --qemu "$data/fake-qemu" --accel tcg -n 2 \
	-o "$tmp/s" >"$tmp/out" 2>"$tmp/err" || fail "collect failed: $(cat "$tmp/err")"

cpus=$(getconf _NPROCESSORS_ONLN)
for r in 1 2; do
	j=$tmp/s/runs/000$r.json
	flat=$(tr -d ' \n' <"$j")
	grep -q "\"cpus_online\":$cpus[,}]" <<<"$flat" || fail "run $r: cpus_online is not $cpus"
	grep -Eq '"loadavg_1m":[0-9]+(\.[0-9]+)?[,}]' <<<"$flat" || fail "run $r: no loadavg_1m"
	if [ ! -e /proc/self/schedstat ]; then
		grep -q '"sched":null' <<<"$flat" || fail "run $r: no schedstat here, sched is not null"
		continue
	fi
	sched=$(grep -o '"sched":{[^}]*}' <<<"$flat") || fail "run $r: no sched object"
	for k in run_delay_ns on_cpu_ns threads samples; do
		grep -Eq "\"$k\":[0-9]+" <<<"$sched" || fail "run $r: sched lacks $k: $sched"
	done
	grep -Eq '"threads":[1-9]' <<<"$sched" || fail "run $r: no thread seen: $sched"
	grep -Eq '"samples":[1-9]' <<<"$sched" || fail "run $r: never sampled: $sched"
	grep -Eq '"on_cpu_ns":[1-9]' <<<"$sched" || fail "run $r: a QEMU that never ran: $sched"
done
# The slow one lived a second: sampled every 50 ms, not only at the end.
samples=$(tr -d ' \n' <"$tmp/s/runs/0001.json" | grep -o '"samples":[0-9]*' | cut -d: -f2)
[ ! -e /proc/self/schedstat ] || [ "$samples" -ge 5 ] ||
	fail "run 1 lived a second but was sampled $samples times"

"$BOOTLENS" show "$tmp/s" >"$tmp/show"
grep -Eq '^ +run +variant +verdict +attempts +to_dump_ms +delay_ms +note$' "$tmp/show" ||
	fail "show has no delay_ms column: $(cat "$tmp/show")"
grep -Eq '^ +1  default +ok +1 +[0-9.]+ +[0-9]+\.[0-9]  ' "$tmp/show" ||
	grep -Eq '^ +1  default +ok +1 +[0-9.]+ +[0-9]+\.[0-9]$' "$tmp/show" ||
	fail "show prints no run delay for run 1: $(cat "$tmp/show")"
"$BOOTLENS" show "$tmp/s" --run 1 | grep -Eq '^    host: run delay [0-9.]+ ms.*, on CPU [0-9.]+ ms \([0-9]+ threads, [0-9]+ samples\); load [0-9]+\.[0-9]{2} on [0-9]+ CPUs$' ||
	fail "show --run 1 does not describe the host: $("$BOOTLENS" show "$tmp/s" --run 1)"
echo ok
