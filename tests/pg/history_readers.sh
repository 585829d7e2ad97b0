#!/usr/bin/env bash
# Readers are never blocked by a writer on PostgreSQL (issue 16;
# docs/history-backends.md, "Concurrency"). A real `history add` is
# paused in the middle of its transaction: a trigger on entries waits for
# an advisory lock (key 42) that a psql session of the test holds, so the
# add holds the writer lock (pg_advisory_xact_lock(0x424c4e53)) with its
# entry row written and not committed; pg_locks says when it is there.
# Meanwhile history list, show, trend, check and dashboard each finish
# within 20 s and print exactly what they printed before the add began
# (the last committed state); a second add waits for the writer lock
# (pg_locks shows it waiting) and stores its entry once the first
# commits; a third with BOOTLENS_HISTORY_BUSY_MS=300 fails with the
# one-line "stayed locked" error and stores nothing.
set -euo pipefail
. "$(dirname "$0")/lib/histpg.sh"
q() { "${psql[@]}" -d hist_readers -Atc "$1"; }
lockid=1112297043 # HISTORY_APPLICATION_ID
for i in 1 2 3 4 5 6; do
	copy5 "$tmp/r$i" "r$i" "2026-12-01T10:00:0${i}Z"
done
newdb hist_readers
db=$(url hist_readers)
for i in 1 2 3; do
	"$BOOTLENS" history add --db "$db" --label "kernel=6.1.0-$i" "$tmp/r$i" >/dev/null
done

# the five readers; each output (stdout, stderr, exit code) into DIR
readers() {
	local dir=$1 rc name
	mkdir -p "$dir"
	while read -r name args; do
		set +e
		# shellcheck disable=SC2086 # args are words of this script
		timeout 20 "$BOOTLENS" history $args --db "$db" >"$dir/$name.out" 2>"$dir/$name.err"
		rc=$?
		set -e
		[ "$rc" -ne 124 ] || fail "history $args did not finish within 20 s while a writer held the lock"
		echo "$rc" >"$dir/$name.rc"
	done <<EOF
list list --format json
show show --format json r3
trend trend --metric total --by kernel
check check
dashboard dashboard -o $dir/dash
EOF
}
readers "$tmp/before"

# hold key 42 in a psql session that stays open (a coprocess)
coproc HOLD { "$pgbin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d hist_readers 2>&1; }
# hold SQL WORD: SQL in that session, then its lines up to WORD
hold() {
	local line
	echo "$1; \\echo $2" >&"${HOLD[1]}"
	while read -r -t 20 line <&"${HOLD[0]}"; do
		[ "$line" != "$2" ] || return 0
		[ -z "$line" ] || [ "$line" = t ] || fail "psql holding key 42: $line"
	done
	fail "the psql holding key 42 did not answer within 20 s"
}
hold "SELECT pg_advisory_lock(42)" held
q "CREATE FUNCTION wait42() RETURNS trigger LANGUAGE plpgsql AS
   \$\$ BEGIN PERFORM pg_advisory_xact_lock_shared(42); RETURN NEW; END \$\$;
   CREATE TRIGGER wait42 AFTER INSERT ON entries FOR EACH ROW EXECUTE FUNCTION wait42()"

# waiting SQL: until it prints t, within 20 s
await() {
	for _ in $(seq 400); do
		[ "$(q "$1")" = t ] && return 0
		sleep 0.05
	done
	fail "$2"
}
# pg_locks is the cluster's: the other pg tests' adds hold this key too,
# in their databases
thisdb="database = (SELECT oid FROM pg_database WHERE datname = current_database())"
waiting_on() { echo "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted AND $thisdb"; }

"$BOOTLENS" history add --db "$db" --label kernel=6.1.0-4 "$tmp/r4" >"$tmp/out.4" 2>"$tmp/err.4" &
a4=$!
await "$(waiting_on 42)" "add r4 did not reach the trigger"
[ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $lockid AND granted AND $thisdb")" = 1 ] ||
	fail "add r4 does not hold the writer lock while paused"

readers "$tmp/during"
for f in "$tmp"/before/*.out "$tmp"/before/*.err "$tmp"/before/*.rc; do
	g=$tmp/during/${f##*/}
	sed "s|$tmp/before|DIR|g" "$f" >"$tmp/a"
	sed "s|$tmp/during|DIR|g" "$g" >"$tmp/b"
	diff -u "$tmp/a" "$tmp/b" >"$tmp/diff" || fail "${f##*/} differs while the writer holds the lock: $(head -c 2000 "$tmp/diff")"
done
[ "$(cat "$tmp/during/list.rc")" = 0 ] || fail "list failed: $(cat "$tmp/during/list.err")"
[ "$(jq '.entries | length' "$tmp/during/list.out")" = 3 ] || fail "list saw the uncommitted entry"
diff -r "$tmp/before/dash" "$tmp/during/dash" >"$tmp/diff" || fail "the dashboards differ: $(head -c 2000 "$tmp/diff")"

# a second writer waits for the lock; a third with a short busy timeout gives up
"$BOOTLENS" history add --db "$db" --label kernel=6.1.0-5 "$tmp/r5" >"$tmp/out.5" 2>"$tmp/err.5" &
a5=$!
await "$(waiting_on $lockid)" "add r5 is not waiting for the writer lock"
set +e
BOOTLENS_HISTORY_BUSY_MS=300 timeout 20 "$BOOTLENS" history add --db "$db" "$tmp/r6" >"$tmp/out.6" 2>"$tmp/err.6"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "the add with a 300 ms busy timeout exited $rc: $(cat "$tmp/err.6")"
[ "$(wc -l <"$tmp/err.6")" -eq 1 ] && grep -q 'hist_readers.*: cannot begin: the database stayed locked' "$tmp/err.6" ||
	fail "busy: not the one-line error: $(cat "$tmp/err.6")"
[ ! -s "$tmp/out.6" ] || fail "busy add printed: $(cat "$tmp/out.6")"
kill -0 "$a4" 2>/dev/null && kill -0 "$a5" 2>/dev/null || fail "an add ended while the lock was held"

# release: both stored, in turn; r6 not
hold "SELECT pg_advisory_unlock(42)" released
hold_pid=$HOLD_PID
exec {HOLD[1]}>&-
wait "$hold_pid" || fail "the psql holding key 42 failed"
wait "$a4" || fail "add r4 failed: $(cat "$tmp/err.4")"
wait "$a5" || fail "add r5 failed after waiting: $(cat "$tmp/err.5")"
grep -q '^stored r4:default as entry 4 ' "$tmp/out.4" || fail "r4: $(cat "$tmp/out.4")"
grep -q '^stored r5:default as entry 5 ' "$tmp/out.5" || fail "r5: $(cat "$tmp/out.5")"
[ ! -s "$tmp/err.4" ] && [ ! -s "$tmp/err.5" ] || fail "stderr of the adds: $(cat "$tmp/err.4" "$tmp/err.5")"
[ "$(q "SELECT string_agg(session_id, ',' ORDER BY id) FROM entries")" = r1,r2,r3,r4,r5 ] ||
	fail "entries: $(q "SELECT string_agg(session_id, ',' ORDER BY id) FROM entries")"
[ "$(q "SELECT count(*) FROM run_values v JOIN entries e ON e.id = v.entry WHERE e.session_id = 'r6'")" = 0 ] ||
	fail "the busy add left values"
"$BOOTLENS" history list --db "$db" --format json >"$tmp/after.json"
[ "$(jq -r '[.entries[].session_id] | join(",")' "$tmp/after.json")" = r1,r2,r3,r4,r5 ] ||
	fail "list after the writers: $(cat "$tmp/after.json")"
echo "readers' exit codes while the lock was held: $(cd "$tmp/during" && for f in *.rc; do printf '%s=%s ' "${f%.rc}" "$(cat "$f")"; done)"
echo "the busy add said: $(cat "$tmp/err.6")"
echo "ok: list, show, trend, check, dashboard unblocked under a held writer lock; a waiting add stored; a busy one refused"
