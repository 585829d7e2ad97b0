#!/usr/bin/env bash
# collect --history FILE and sweep's, with the stand-in QEMU
# (tests/data/collect/fake-qemu), no VM (docs/collect.md, docs/history.md):
#  1. a collection that ends adds its session: the "stored" line after
#     the summary, the session's --label labels in the entry;
#  2. partly ok: a variant without an ok run is left out (said), the other
#     stored, collect's exit status kept (1: a variant has no ok run);
#  3. a database that would be refused (garbage) is said before any boot
#     (exit 2, QEMU never started, the file untouched); a failure to add
#     after the collection (the entry stored already) is exit 2, the
#     error says the session is kept whole, and it is (bootlens show
#     reads every run);
#  4. a collection stopped by Ctrl-C is not added (said); collect
#     --resume --history adds it once complete;
#  5. sweep --history adds every step of the sweep (one entry per knob
#     variant), its "stored" lines on stderr, the table alone on stdout.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
fake=$BOOTLENS_TEST_DATA/collect/fake-qemu
pid=
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true; hist_cleanup' EXIT
# a stand-in bzImage ("HdrS" at 0x202), as collect_variants.sh
head -c 514 /dev/zero >"$tmp/k"
printf 'HdrS' >>"$tmp/k"
head -c 64 /dev/zero >>"$tmp/k"
export FAKE_QEMU_STATE=$tmp/state
mkdir "$tmp/state"
collect() { "$BOOTLENS" collect --kernel "$tmp/k" --qemu "$fake" --accel tcg "$@"; }
db=$(hist_db h.db)

# 1. the session is added when the collection ends
set +e
collect -n 2 --label commit=abc123 --history "$db" -o "$tmp/s1" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "collect --history exited $rc: $(cat "$tmp/err")"
grep -q "^session $tmp/s1: 2 of 2 runs recorded" "$tmp/out" || fail "no summary: $(cat "$tmp/out")"
id1=$(jq -r .session_id "$tmp/s1/session.json")
hist_alias "$id1" ID:s1
hist_log_run $rc collect -n 2 --label commit=abc123 --history "$db" -o "$tmp/s1"
grep -q "^stored $id1:default as entry 1 (2 runs, [0-9]* metrics)$" "$tmp/out" ||
	fail "no stored line: $(cat "$tmp/out")"
# the stand-in QEMU's boots are timed by the host: not the same in two runs
hrun_nolog 0 history show --db "$db" --format json 1
[ "$(jq -r '.. | objects | select(has("labels")) | .labels.commit' "$tmp/out" | head -n 1)" = abc123 ] ||
	fail "collect's --label is not in the entry: $(cat "$tmp/out")"

# 2. partly ok: variant b crashes every run
set +e
mkdir "$tmp/state2"
FAKE_QEMU_STATE=$tmp/state2 FAKE_QEMU_SCRIPT="ok crash" collect -n 2 --variant 'a:' --variant 'b: append+=x=1' --history "$db" \
	-o "$tmp/s2" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a variant without an ok run: collect exited $rc, want 1: $(cat "$tmp/err")"
id2=$(jq -r .session_id "$tmp/s2/session.json")
hist_alias "$id2" ID:s2
hist_log_run $rc collect -n 2 --variant a: --variant b: --history "$db" -o "$tmp/s2"
grep -q "^stored $id2:a as entry 2 " "$tmp/out" || fail "variant a was not stored: $(cat "$tmp/out" "$tmp/err")"
grep -q "variant 'b' of '$tmp/s2' has no ok run: not stored" "$tmp/err" || fail "b's absence is not said: $(cat "$tmp/err")"
hrun 2 history show --db "$db" "$id2:b"

# 3. a database that would be refused is said before any boot: exit 2,
#    nothing collected, the file untouched
if hist_file_only "a garbage file refused before any boot (PostgreSQL: collect_check_history() does not open a URI yet, helper h2's)"; then
	head -c 20000 < <(yes garbage) >"$tmp/garbage.db"
	before=$(sha "$tmp/garbage.db")
	mkdir "$tmp/state3"
	set +e
	FAKE_QEMU_STATE=$tmp/state3 collect -n 2 --history "$tmp/garbage.db" -o "$tmp/s3" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "a refused database: collect exited $rc, want 2"
	grep -q "^bootlens: --history: $tmp/garbage.db: not a SQLite database (nothing collected)$" "$tmp/err" ||
		fail "the error does not name the database: $(cat "$tmp/err")"
	[ ! -e "$tmp/state3/count" ] || fail "QEMU was started for a refused database"
	[ "$(sha "$tmp/garbage.db")" = "$before" ] || fail "the garbage database was written to"
fi
#    adding fails after the collection (s1 is stored already): exit 2, the
#    session kept whole and readable
set +e
"$BOOTLENS" collect --resume --qemu "$fake" --history "$db" -o "$tmp/s1" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "a failed add: collect exited $rc, want 2: $(cat "$tmp/err")"
hist_log_run $rc collect --resume --history "$db" -o "$tmp/s1"
grep -q "is stored already" "$tmp/err" || fail "the error does not say why: $(cat "$tmp/err")"
grep -qxF "bootlens: --history: the session '$tmp/s1' is kept whole; add it with: bootlens history add --db $(shw "$(hist_shown "$db")") $tmp/s1" "$tmp/err" ||
	fail "the error does not say the session is kept: $(cat "$tmp/err")"
hrun_nolog 0 show "$tmp/s1"
[ -f "$tmp/s1/runs/0001.json" ] && [ -f "$tmp/s1/runs/0002.json" ] || fail "s1 lost a run"
# a session collected without --history is added afterwards
collect -n 2 -o "$tmp/s3" >/dev/null 2>&1 || fail "collect of s3 failed"
hist_alias "$(jq -r .session_id "$tmp/s3/session.json")" ID:s3
hrun 0 history add --db "$db" "$tmp/s3"
need_out ':default as entry 3 '

# 4. stopped by Ctrl-C: not added; --resume --history adds it
mkdir "$tmp/state4"
FAKE_QEMU_STATE=$tmp/state4 FAKE_QEMU_SCRIPT="ok slow" FAKE_QEMU_DELAY=3 setsid "$BOOTLENS" collect \
	--kernel "$tmp/k" --qemu "$fake" --accel tcg -n 3 --history "$db" -o "$tmp/s4" \
	>"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 200); do
	[ -f "$tmp/s4/runs/0001.json" ] && break
	sleep 0.05
done
[ -f "$tmp/s4/runs/0001.json" ] || fail "run 1 of s4 was not recorded within 10 s"
kill -INT -- -"$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
[ $rc -eq 1 ] || fail "an interrupted collect exited $rc, want 1: $(cat "$tmp/err")"
hist_no_secret "the interrupted collect" "$tmp/out" "$tmp/err"
grep -qxF "bootlens: --history: '$tmp/s4' is not complete: not added to '$(hist_shown "$db")' (finish it with: bootlens collect --resume -o $tmp/s4 --history $(shw "$(hist_shown "$db")"))" "$tmp/err" ||
	fail "the stop does not say the session was not added: $(cat "$tmp/err")"
if grep -q '^stored ' "$tmp/out"; then fail "a stopped session was stored"; fi
set +e
FAKE_QEMU_STATE=$tmp/state4 FAKE_QEMU_SCRIPT=ok "$BOOTLENS" collect --resume --qemu "$fake" \
	--history "$db" -o "$tmp/s4" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "collect --resume --history exited $rc: $(cat "$tmp/err")"
hist_no_secret "collect --resume" "$tmp/out" "$tmp/err"
# Run 2 may be recorded as failed rather than left unrecorded: SIGINT
# reaches the whole process group, and a slow (ASan) collect can see the
# stand-in QEMU die of it before it handles its own stop. The resumed
# session is stored with the ok runs it has, run 1's and run 3's at least.
ok=$(jq -s '[.[] | select(.verdict == "ok")] | length' "$tmp/s4"/runs/[0-9][0-9][0-9][0-9].json)
[ "$ok" -ge 2 ] || fail "the resumed session has $ok ok runs, want 2 or 3"
grep -q "^stored .*:default as entry 4 ($ok runs, " "$tmp/out" || fail "the resumed session was not stored with its $ok ok runs: $(cat "$tmp/out")"

# 5. sweep --history
set +e
"$BOOTLENS" sweep --kernel "$tmp/k" --qemu "$fake" --accel tcg -n 2 --knob 'quiet: append+=loglevel=0' \
	--history "$db" -o "$tmp/sw" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 0 ] || fail "sweep --history exited $rc: $(cat "$tmp/err")"
hist_no_secret "sweep --history" "$tmp/out" "$tmp/err"
idw=$(jq -r .session_id "$tmp/sw/session.json")
grep -q "^stored $idw:base as entry 5 " "$tmp/err" || fail "sweep: the baseline is not stored: $(cat "$tmp/err")"
grep -q "^stored $idw:quiet as entry 6 " "$tmp/err" || fail "sweep: the knob is not stored: $(cat "$tmp/err")"
if grep -q '^stored ' "$tmp/out"; then fail "sweep printed a stored line on stdout"; fi
# timed by the host, and run 2 of s4 recorded or not (above)
hrun_nolog 0 history list --db "$db" --format json
[ "$(jq '[.. | objects | select(has("session_id"))] | length' "$tmp/out")" -eq 6 ] ||
	fail "want 6 entries: $(cat "$tmp/out")"
echo "history_collect: ok"
