#!/usr/bin/env bash
# The CI gate on real boots (issue 14, "Must show"; docs/history.md, "The
# gate on real boots"): Debian's cloud kernel under TCG, one session of
# four variants interleaved, RUNS (5) runs each, under QEMU's
# -icount shift=0,sleep=off:
#   n1, n2, n3  cryptomgr.notests: the crypto self-tests skipped
#               ("alg: self-tests disabled"), 876 ms of emulated work less
#               in the initcalls phase (docs/knobs-measured.md)
#   reg         the default command line: the self-tests back, a real
#               regression of known cost
# Stored one entry at a time, `history check` after each: after n1 alone
# not judged (exit 0, said); after n1..n3 (a series with no step) exit 0;
# after reg exit 1, its md comment naming the initcalls phase and a crypto
# function among those that moved. The md and the check's table are kept
# in $BOOTLENS_BUILD/test-output/history_gate/.
# Each entry keeps every function (--top 1000; a 6.1 boot has some 580),
# so that the gate compares crypto_algapi_init run for run. Then the same
# with the default top 20: the notests entries do not hold
# crypto_algapi_init (0.6 ms there, far below their 20th function), and
# the md names it among the functions new among the stored ones, with the
# bound the base points give (+737 ms, measured here).
#
# Why -icount: with it the guest's clock counts instructions (1 ns each)
# and skips idle time, so every guest-timed phase is the emulated work
# alone, exact to some 40 µs here (initcalls 260.343..260.385 ms in two
# boots while the host starved QEMU of half its wall time), whatever the
# other engineers' boots do to the host; the 876 ms step is then beyond
# doubt and a series with no step has none. Without it a TCG phase is
# wall time: compare_ab.sh needed 24 interleaved runs a side to see this
# step at all on this host. The total, qemu and power-off stay host-timed
# under -icount (7.4 to 28.1 s a boot here): why the variants are
# interleaved in one session, so that a change of the host's load hits
# every point alike (sessions collected one after another would compare
# minutes apart, and a busier minute would look like a regression).
# Why 5 runs: the newest point's runs against the 15 of the three before
# it, fully separated (as under -icount), give Mann-Whitney's exact
# p = 2/C(20,5) = 1.3e-4, times Holm's 7 (the total and the 6 phases an
# -icount boot has) 9.0e-4 < 0.01 (measured, with the ties and the other
# phases' own tiny p-values ahead of it in Holm's order: 0.0049); 4 runs
# (2/C(16,4) x 7 = 0.0077) would be too narrow. 20 boots: 252 s here.
# BOOTLENS_GATE_RUNS=N sets the runs per variant; the session is kept in
# the output directory (session/), and BOOTLENS_GATE_SESSION=DIR uses one
# collected so before (no boot).
# When BOOTLENS_PG_DIR names a running test cluster (ctest starts the
# pg_cluster fixture for this test), the same adds, checks and trend go
# to databases of that PostgreSQL server as well, from the same session
# (no second boot), kept in pg/ of the output directory, and every output
# must be the SQLite one byte for byte once the --db text is <DB:NAME>
# (issue 16; docs/history-backends.md, "Both backends in the tests").
# labels: vm history
# timeout: 1500
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
n=${BOOTLENS_GATE_RUNS:-5}
# $tmp, fail(), hist_db, hist_pg_up and hist_norm
. "$(dirname "$0")/../cli/lib/history.sh"
. "$(dirname "$0")/lib/guest.sh"
bl_need_tool qemu-system-x86_64
out=${BOOTLENS_BUILD:-$tmp}/test-output/history_gate
# a session to reuse may be the one a run before kept in $out: copy it first
if [ -n "${BOOTLENS_GATE_SESSION:-}" ]; then
	cp -r "$BOOTLENS_GATE_SESSION" "$tmp/s"
fi
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)

if [ -n "${BOOTLENS_GATE_SESSION:-}" ]; then
	[ -f "$tmp/s/session.json" ] || fail "BOOTLENS_GATE_SESSION=$BOOTLENS_GATE_SESSION holds no session"
else
	bl_fetch_kernel
	bl_build_initrd
	# the default Linux line with the TSC at 1 GHz, as -icount makes it
	line="console=ttyS0 quiet initcall_debug log_buf_len=4M panic=-1 reboot=t tsc=reliable tsc_early_khz=1000000"
	set +e
	"$BOOTLENS" collect --kernel "$kernel" --initrd "$tmp/initrd.gz" --accel tcg -n "$n" --timeout 180 \
		--bare-append "$line" --label test=history_gate \
		--variant 'n1: append+=cryptomgr.notests' --variant 'n2: append+=cryptomgr.notests' \
		--variant 'n3: append+=cryptomgr.notests' --variant 'reg:' \
		-o "$tmp/s" -- -icount shift=0,sleep=off >"$tmp/collect.out" 2>"$tmp/collect.err"
	rc=$?
	set -e
	tail -n 2 "$tmp/collect.out" "$tmp/collect.err"
	echo "collected in $(($(date +%s) - start)) s"
	[ $rc -eq 0 ] || fail "collect exited $rc"
fi
cp -r "$tmp/s" "$out/session"

# n1 really skipped the self-tests; reg really ran them
n1_run=$(grep -l '"variant": "n1"' "$tmp"/s/runs/[0-9][0-9][0-9][0-9].json | head -n 1)
reg_run=$(grep -l '"variant": "reg"' "$tmp"/s/runs/[0-9][0-9][0-9][0-9].json | head -n 1)
grep -q 'alg: self-tests disabled' "${n1_run%.json}.console" ||
	fail "n1's log does not say the crypto self-tests are disabled"
if grep -q 'alg: self-tests disabled' "${reg_run%.json}.console"; then
	fail "reg's log says the crypto self-tests are disabled"
fi

# gate_history DB DB20 DIR: the entries stored one at a time into DB (then
# all at once into DB20, with the default top 20), checked after each,
# every output kept in DIR
gate_history() {
	local db=$1 db20=$2 dir=$3
	mkdir -p "$dir"
	hist_alias "$dir" OUT
	check() { # WANT-RC NAME: history check (table and md), kept as NAME.txt and NAME.md
		local want=$1 name=$2 rc
		set +e
		"$BOOTLENS" history check --db "$db" --by step >"$dir/$name.txt" 2>"$dir/$name.err"
		rc=$?
		"$BOOTLENS" history check --db "$db" --by step --format md >"$dir/$name.md" 2>/dev/null
		set -e
		cat "$dir/$name.txt" "$dir/$name.err"
		[ "$rc" -eq "$want" ] || fail "history check after $name exited $rc, want $want"
	}

	"$BOOTLENS" history add --db "$db" --top 1000 --label step=1 "$tmp/s:n1" >"$dir/add.txt"
	check 0 after-n1
	grep -q 'not judged' "$dir/after-n1.err" || fail "after n1 alone: the check does not say it did not judge"
	"$BOOTLENS" history add --db "$db" --top 1000 --label step=2 "$tmp/s:n2" >>"$dir/add.txt"
	"$BOOTLENS" history add --db "$db" --top 1000 --label step=3 "$tmp/s:n3" >>"$dir/add.txt"
	check 0 after-n3
	if grep -q 'not judged' "$dir/after-n3.err"; then fail "after n1..n3 the check did not judge"; fi
	"$BOOTLENS" history add --db "$db" --top 1000 --label step=4 "$tmp/s:reg" >>"$dir/add.txt"
	check 1 after-reg
	grep -q 'initcalls' "$dir/after-reg.md" || fail "the md comment does not name the initcalls phase"
	grep -Eq 'crypto|alg_test|cryptomgr' "$dir/after-reg.md" ||
		fail "the md comment names no crypto function among those that moved"
	echo "md comment: $dir/after-reg.md"
	# the default top 20: crypto_algapi_init is new among the stored functions
	for v in n1 n2 n3 reg; do
		"$BOOTLENS" history add --db "$db20" --label step=$v "$tmp/s:$v" >>"$dir/add20.txt"
	done
	set +e
	"$BOOTLENS" history check --db "$db20" --by step --format md >"$dir/after-reg-top20.md" 2>"$dir/after-reg-top20.err"
	rc=$?
	set -e
	cat "$dir/after-reg-top20.md"
	[ "$rc" -eq 1 ] || fail "history check with the default top 20 exited $rc, want 1"
	grep -q 'New among the stored functions' "$dir/after-reg-top20.md" ||
		fail "with the default top 20 the md lists no function new among the stored ones"
	grep -Eq '`crypto_algapi_init`: [0-9.]+ ms now, at most [0-9.]+ ms in each base point' "$dir/after-reg-top20.md" ||
		fail "with the default top 20 the md does not name crypto_algapi_init with its bound"
	"$BOOTLENS" history trend --db "$db" --metric phase:initcalls --by step --plot "$dir/initcalls.png" |
		tee "$dir/trend-initcalls.txt"
	echo "figure: $dir/initcalls.png"
}
gate_history "$(hist_db h.db sqlite)" "$(hist_db h20.db sqlite)" "$out"
if hist_pg_up; then
	echo "== the same on PostgreSQL ($BOOTLENS_PG_DIR)"
	gate_history "$(hist_db h.db pg)" "$(hist_db h20.db pg)" "$out/pg"
	for f in add.txt add20.txt after-n1.txt after-n1.err after-n1.md after-n3.txt after-n3.err after-n3.md \
		after-reg.txt after-reg.err after-reg.md after-reg-top20.md after-reg-top20.err trend-initcalls.txt; do
		hist_no_secret "$f on PostgreSQL" "$out/pg/$f"
		hist_pw_warning "$f on PostgreSQL" "$out/pg/$f"
		diff -u --label "sqlite $f" --label "pg $f" <(hist_norm "$out/$f") <(hist_norm "$out/pg/$f") >&2 ||
			fail "$f: SQLite and PostgreSQL differ (the diff above)"
	done
	echo "SQLite and PostgreSQL: the same 14 outputs"
else
	echo "history_gate: no running test cluster in BOOTLENS_PG_DIR: the history on SQLite alone" >&2
fi
echo "history_gate: ok in $(($(date +%s) - start)) s"
