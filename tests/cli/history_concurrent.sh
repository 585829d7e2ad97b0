#!/usr/bin/env bash
# Two `bootlens history add` processes writing one database at once
# (docs/history.md, "Two writers"), made to overlap for certain: another
# client takes the write lock and holds it; both adds start while it is
# held, so each must wait for the lock (the busy timeout) instead of
# failing with "database is locked". On SQLite /usr/bin/python3's sqlite3
# takes it (BEGIN IMMEDIATE) for 3 s, and each add is seen with the file
# open before the release; on PostgreSQL psql takes the advisory lock
# bootlens's writers take (pg_advisory_xact_lock(0x424c4e53)) and lets it
# go once pg_locks shows both adds waiting for it. Both exit 0, each took
# at least until the lock was released, and both entries are there with
# all their values, nothing lost. Which add goes first is the lock's
# choice: the outputs that show entry ids are not logged.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
py=/usr/bin/python3
hist_pg || "$py" -c 'import sqlite3' 2>/dev/null || { echo "skipped: $py has no sqlite3 module" >&2; exit "${BOOTLENS_SKIP_RC:-77}"; }
s5=$BOOTLENS_TEST_DATA/linux-session-5
db=$(hist_db h.db)
for i in 1 2 3; do
	copy_session "$s5" "$tmp/s$i" "s$i" "2026-12-01T10:00:0${i}Z"
done
hrun 0 history add --db "$db" "$tmp/s1"

# SQLite's lock holder
cat >"$tmp/hold.py" <<'PY'
import sqlite3, sys, time
db, locked, released = sys.argv[1:]
con = sqlite3.connect(db, isolation_level=None, timeout=10)
con.execute("BEGIN IMMEDIATE")
open(locked, "w").write("%.6f\n" % time.time())
time.sleep(3)
# the time written before the lock goes: an add that opened the database
# before it certainly found the lock held
open(released, "w").write("%.6f\n" % time.time())
con.execute("COMMIT")
con.close()
PY
seen2= seen3=
if hist_pg; then
	# pg: the advisory lock, held by psql until both adds wait for it
	advisory="locktype = 'advisory' AND objid = 1112297043 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
	waiting() { hist_psql "$db" -c "SELECT count(*) FROM pg_locks WHERE $advisory AND NOT granted"; }
	mkfifo "$tmp/holder.in"
	hist_psql "$db" <"$tmp/holder.in" >"$tmp/holder.out" 2>&1 &
	holder=$!
	exec 3>"$tmp/holder.in"
	echo "BEGIN; SELECT pg_advisory_xact_lock(1112297043);" >&3
	for _ in $(seq 600); do
		[ "$(hist_psql "$db" -c "SELECT count(*) FROM pg_locks WHERE $advisory AND granted")" = 1 ] && break
		sleep 0.1
	done
	[ "$(hist_psql "$db" -c "SELECT count(*) FROM pg_locks WHERE $advisory AND granted")" = 1 ] ||
		fail "psql did not take the advisory lock within 60 s: $(cat "$tmp/holder.out")"
	"$BOOTLENS" history add --db "$db" "$tmp/s2" >"$tmp/out.2" 2>"$tmp/err.2" &
	p2=$!
	"$BOOTLENS" history add --db "$db" "$tmp/s3" >"$tmp/out.3" 2>"$tmp/err.3" &
	p3=$!
	# both wait in the lock's queue: from then on each can only store by
	# waiting for the release
	for _ in $(seq 600); do
		[ "$(waiting)" = 2 ] && break
		kill -0 $p2 2>/dev/null && kill -0 $p3 2>/dev/null || break
		sleep 0.1
	done
	[ "$(waiting)" = 2 ] && seen2=$(date +%s.%N) && seen3=$seen2
	date +%s.%N >"$tmp/released"
	echo "COMMIT;" >&3
	exec 3>&-
else
	"$py" "$tmp/hold.py" "$db" "$tmp/locked" "$tmp/released" &
	holder=$!
	for _ in $(seq 100); do
		[ -s "$tmp/locked" ] && break
		sleep 0.05
	done
	[ -s "$tmp/locked" ] || fail "python did not take the lock within 5 s"
	# both adds start now, while the lock is held
	"$BOOTLENS" history add --db "$db" "$tmp/s2" >"$tmp/out.2" 2>"$tmp/err.2" &
	p2=$!
	"$BOOTLENS" history add --db "$db" "$tmp/s3" >"$tmp/out.3" 2>"$tmp/err.3" &
	p3=$!
	# the moment each has the database open (after its session is read): from
	# then on it can only store by waiting for the lock
	opened() {
		local f
		for f in /proc/"$1"/fd/*; do
			[ "$(readlink "$f" 2>/dev/null)" = "$db" ] && return 0
		done
		return 1
	}
	while [ ! -s "$tmp/released" ] && { [ -z "$seen2" ] || [ -z "$seen3" ]; }; do
		[ -z "$seen2" ] && opened $p2 && seen2=$(date +%s.%N)
		[ -z "$seen3" ] && opened $p3 && seen3=$(date +%s.%N)
		sleep 0.01
	done
fi
set +e
wait $p2
rc2=$?
wait $p3
rc3=$?
set -e
wait "$holder" || fail "the lock holder failed: $(cat "$tmp/holder.out" 2>/dev/null)"
[ -s "$tmp/released" ] || fail "the lock holder did not release the lock"
released=$(cat "$tmp/released")
for i in 2 3; do
	rc=rc$i seen=seen$i
	[ "${!rc}" -eq 0 ] || fail "add s$i exited ${!rc}: $(cat "$tmp/err.$i")"
	grep -q "^stored s$i:default as entry [0-9]* (5 runs, 29 metrics)$" "$tmp/out.$i" ||
		fail "add s$i: $(cat "$tmp/out.$i")"
	[ -n "${!seen}" ] || fail "add s$i did not open the database before the lock was released (no overlap)"
	awk -v o="${!seen}" -v r="$released" 'BEGIN { exit !(o < r) }' ||
		fail "add s$i opened the database at ${!seen}, after the release at $released"
	if hist_pg; then
		echo "add s$i was waiting for the advisory lock (pg_locks) when it was released"
	else
		echo "add s$i had the database open $(awk -v o="${!seen}" -v r="$released" 'BEGIN{printf "%.2f", r - o}') s before the lock was released"
	fi
done
# the entry ids of s2 and s3 are the lock's choice: not logged
hrun_nolog 0 history list --db "$db" --format json
ids=$(jq -r '[.. | objects | .session_id? // empty] | sort | join(",")' "$tmp/out")
[ "$ids" = s1,s2,s3 ] || fail "entries after the concurrent adds: $ids"
# nothing lost: every entry has the same summaries as s1 (copies of one session)
for i in 1 2 3; do
	run=hrun
	[ "$i" -eq 1 ] || run=hrun_nolog
	$run 0 history show --db "$db" --format json "s$i"
	jq -S '[.. | objects | select(has("median_ns")) | .median_ns]' "$tmp/out" >"$tmp/m.$i"
done
cmp -s "$tmp/m.1" "$tmp/m.2" && cmp -s "$tmp/m.1" "$tmp/m.3" || fail "the entries' summaries differ"
[ "$(jq length "$tmp/m.1")" -ge 29 ] || fail "fewer than 29 summaries in s1: $(cat "$tmp/m.1")"
echo "history_concurrent: ok"
