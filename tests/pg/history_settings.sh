#!/usr/bin/env bash
# What a server's or a database's own settings, and other roles' tables,
# must not change (issue 16; the review's findings): a database whose
# default_transaction_isolation is repeatable read and whose
# statement_timeout is 1 s still lets two adds queued behind the writer
# lock both store (the writers BEGIN READ COMMITTED, the session sets
# statement_timeout 0); BOOTLENS_HISTORY_BUSY_MS=0 fails at once when the
# lock is held, on PostgreSQL as on SQLite (lock_timeout 0 would be "no
# limit"); the entry ids after a refused add of two sessions are the same
# on both backends (max + 1, not PostgreSQL's sequence); a table of
# another owner the role cannot read still makes the database "not a
# bootlens history" (pg_class, not information_schema).
set -euo pipefail
. "$(dirname "$0")/lib/histpg.sh"
role=bl_set_$$
cleanup() {
	[ -z "${HOLD_PID:-}" ] || kill "$HOLD_PID" 2>/dev/null || true
	for d in hist_set_rr hist_set_busy hist_set_ids hist_set_foreign; do
		"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
	done
	"${psql[@]}" -d postgres -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
for i in 1 2 3 4; do
	copy5 "$tmp/s$i" "set$i" "2026-12-01T10:00:0${i}Z"
done
b() { "$BOOTLENS" history "$@"; }

# hold_lock DB: a psql session holds the writer lock of DB until
# release_lock (a coprocess: the lock lives as long as the session)
hold_lock() {
	coproc HOLD { "$pgbin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" 2>&1; }
	echo "SELECT pg_advisory_lock(1112297043); \\echo held" >&"${HOLD[1]}"
	local line
	while read -r -t 20 line <&"${HOLD[0]}"; do
		[ "$line" != held ] || return 0
	done
	fail "the psql holding the writer lock did not answer"
}
release_lock() {
	echo "SELECT pg_advisory_unlock(1112297043); \\echo released" >&"${HOLD[1]}"
	local line
	while read -r -t 20 line <&"${HOLD[0]}"; do
		[ "$line" != released ] || break
	done
	echo '\q' >&"${HOLD[1]}"
	wait "$HOLD_PID" 2>/dev/null || true
}
# waiting N DB: N sessions of DB wait for an advisory lock (within 20 s)
waiting() {
	local i
	for i in $(seq 200); do
		[ "$("${psql[@]}" -d "$2" -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" -lt "$1" ] || return 0
		sleep 0.1
	done
	fail "$1 adds did not wait for the writer lock of $2"
}

# 1. repeatable read by default and a 1 s statement_timeout
newdb hist_set_rr
"${psql[@]}" -d postgres -c "ALTER DATABASE hist_set_rr SET default_transaction_isolation = 'repeatable read'" \
	-c "ALTER DATABASE hist_set_rr SET statement_timeout = '1s'"
db=$(url hist_set_rr)
b add --db "$db" "$tmp/s1" >/dev/null
hold_lock hist_set_rr
HOLD_PID=$HOLD_PID
b add --db "$db" "$tmp/s2" >"$tmp/a2.out" 2>"$tmp/a2.err" &
p2=$!
b add --db "$db" "$tmp/s3" >"$tmp/a3.out" 2>"$tmp/a3.err" &
p3=$!
waiting 2 hist_set_rr
sleep 1.5 # past the database's statement_timeout: the adds must still wait
release_lock
HOLD_PID=
wait "$p2" || fail "the add of s2 behind the lock failed: $(cat "$tmp/a2.err")"
wait "$p3" || fail "the add of s3 behind the lock failed: $(cat "$tmp/a3.err")"
[ ! -s "$tmp/a2.err" ] && [ ! -s "$tmp/a3.err" ] || fail "the queued adds said: $(cat "$tmp/a2.err" "$tmp/a3.err")"
[ "$("${psql[@]}" -d hist_set_rr -Atc "SELECT string_agg(session_id, ',' ORDER BY session_id) FROM entries")" = set1,set2,set3 ] &&
	[ "$("${psql[@]}" -d hist_set_rr -Atc "SELECT string_agg(id::text, ',' ORDER BY id) FROM entries")" = 1,2,3 ] ||
	fail "after the queued adds: $("${psql[@]}" -d hist_set_rr -Atc "SELECT id, session_id FROM entries")"

# 2. a busy timeout of 0: at once, on both backends
newdb hist_set_busy
db=$(url hist_set_busy)
b add --db "$db" "$tmp/s1" >/dev/null
hold_lock hist_set_busy
HOLD_PID=$HOLD_PID
set +e
BOOTLENS_HISTORY_BUSY_MS=0 timeout 20 "$BOOTLENS" history add --db "$db" "$tmp/s2" >"$tmp/o" 2>"$tmp/e"
rc=$?
set -e
release_lock
HOLD_PID=
[ "$rc" -eq 2 ] || fail "BUSY_MS=0 with the lock held: exit $rc (124: it waited): $(cat "$tmp/e")"
grep -q "the database stayed locked" "$tmp/e" && [ "$(wc -l <"$tmp/e")" -eq 1 ] ||
	fail "BUSY_MS=0: $(cat "$tmp/e")"
[ "$("${psql[@]}" -d hist_set_busy -Atc "SELECT count(*) FROM entries")" = 1 ] || fail "BUSY_MS=0 stored something"

# 3. the ids after a refused add of two sessions, on both backends
newdb hist_set_ids
for db in "$(url hist_set_ids)" "$tmp/ids.db"; do
	b add --db "$db" "$tmp/s1" >/dev/null
	if b add --db "$db" "$tmp/s2" "$tmp/s1" >/dev/null 2>"$tmp/e"; then
		fail "$db: a session twice was stored"
	fi
	b add --db "$db" "$tmp/s2" >"$tmp/o"
	[ "$(cat "$tmp/o")" = "stored set2:default as entry 2 (5 runs, 29 metrics)" ] ||
		fail "$db: after a refused add: $(cat "$tmp/o")"
	b show --db "$db" --format json 2 | jq -r '[.. | objects | select(has("session_id")) | .session_id][0]' >"$tmp/o"
	[ "$(cat "$tmp/o")" = set2 ] || fail "$db: show 2 is $(cat "$tmp/o")"
done

# 4. a table of another owner, hidden from the role, is still a table
newdb hist_set_foreign
"${psql[@]}" -d postgres -c "CREATE ROLE $role LOGIN"
"${psql[@]}" -d hist_set_foreign -c "CREATE TABLE songs (x int)" -c "REVOKE ALL ON songs FROM PUBLIC" \
	-c "GRANT CREATE ON SCHEMA public TO $role"
set +e
"$BOOTLENS" history add --db "postgresql://$role@/hist_set_foreign?host=$PGHOST&port=$PGPORT" "$tmp/s1" >"$tmp/o" 2>"$tmp/e"
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "a PostgreSQL database but not a bootlens history" "$tmp/e" ||
	fail "a hidden foreign table: exit $rc: $(cat "$tmp/e")"
[ "$("${psql[@]}" -d hist_set_foreign -Atc "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")" = 1 ] ||
	fail "a hidden foreign table: tables were made beside it"
echo "history_settings: ok"
