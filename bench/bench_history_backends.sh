#!/usr/bin/env bash
# bench_history_backends: the history on PostgreSQL beside SQLite (issue
# 16), numbers printed, not a test (not in CI; docs/history-backends.md,
# "Speed").
#
# 1. Writers: WRITERS (16) processes, each running PER_WRITER (25)
#    `bootlens history add` of 10-run sessions one after the other, all
#    released at once by a flock barrier, into a fresh database (so the
#    set-up is in the race too): the throughput in sessions/s from the
#    release to the last exit, on each backend. The session is
#    tests/data/linux-session-5 made 10 runs (runs 1-5 twice: 10 ok runs,
#    29 metrics), under WRITERS x PER_WRITER session ids (session.json
#    rewritten, the run files hard links).
# 2. Reading ENTRIES (100,000) entries x 10 runs x 40 metrics: the SQLite
#    database is built by bench_history (history_insert(), one transaction
#    per entry: its generator, seeded), then the same rows are loaded into
#    a PostgreSQL database that `bootlens history add` set up (tables
#    emptied, identity sequences restarted): sqlite3 exports each table
#    as tab-separated text (doubles as %!.17g, so they round-trip) and
#    psql \copy loads it (session_replication_role replica: the foreign
#    keys' triggers off, the rows being SQLite's, which checked them),
#    then VACUUM ANALYZE. Building through
#    history_insert() on PostgreSQL measured 31.5 ms per entry here at
#    56cf352 (one round trip per run value: 52 min for 100,000), hence the
#    bulk load; 15.5 ms (median of three, load 3 to 6) since the batched
#    INSERTs of 85a8d2b.
#    Before timing, `history trend` and `history check` must print the
#    same on both. Then the median of REPS (5) timed runs of the real CLI
#    (wall clock of the process, output to /dev/null) of `history trend
#    --metric total`, `trend --metric phase:p3 --by kernel` and `history
#    check`; the sizes (SQLite after a WAL checkpoint; PostgreSQL
#    pg_database_size()).
#
# The PostgreSQL server is a throw-away cluster of tests/pg/cluster.sh
# (started and removed here): a Unix socket, fsync off (as the test
# cluster has it), shared_buffers as initdb sets it (128 MB). The load
# average is printed before and after: the machine may be shared.
#
# Measured on the shared 2-core VM (24 GB), a RelWithDebInfo build of
# 56cf352, three runs at load averages 1.7 to 4.7 (docs/history-backends.md,
# "Speed", has each run): 16 writers 26 to 87 sessions/s on SQLite, 15 to
# 36 on PostgreSQL (with the batches of 85a8d2b, BENCH_PARTS=writers, three runs
# at load 3.2 to 6.6: 45 to 83 / 22 to 35, against 31 to 52 / 17 to 21
# for 08038a7 run in turns with it); over 100,000 entries trend 1.1 to
# 2.4 s / 1.4 to 2.7 s, check 0.7 to 1.4 s / 1.5 to 2.6 s (SQLite /
# PostgreSQL); 1096 MB / 4822 MB; the bulk load 141 to 185 s, the SQLite
# build 605 s.
#
#   bash bench/bench_history_backends.sh [BUILD_DIR]      (default: build)
#   env: ENTRIES WRITERS PER_WRITER REPS; BENCH_SQLITE=FILE reuses a
#   database bench_history --build-only --entries ENTRIES made (kept);
#   BENCH_PARTS=writers runs the writers alone (a minute, not the 15 of
#   building and loading ENTRIES entries), BENCH_PARTS=read the reading
#   alone (default: both).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
bootlens=$build/cli/bootlens
bench=$build/bench/bench_history
entries=${ENTRIES:-100000} writers=${WRITERS:-16} per=${PER_WRITER:-25} reps=${REPS:-5}
parts=${BENCH_PARTS:-writers,read}
case ",$parts," in
*,writers,* | *,read,*) ;;
*)
	echo "bench_history_backends: BENCH_PARTS is writers, read or both (writers,read)" >&2
	exit 2
	;;
esac
part() { case ",$parts," in *,"$1",*) return 0 ;; esac; return 1; }
[ -x "$bootlens" ] && [ -x "$bench" ] || {
	echo "bench_history_backends: build $bootlens and $bench first" >&2
	exit 2
}
unset BOOTLENS_HISTORY BOOTLENS_HISTORY_BUSY_MS GITHUB_SHA CI_COMMIT_SHA GITHUB_REF_NAME \
	CI_COMMIT_REF_NAME GITHUB_JOB CI_JOB_ID PGPASSWORD PGSERVICE PGOPTIONS
export NO_COLOR=1
work=$(mktemp -d /tmp/bench-hist.XXXXXX)
chmod 755 "$work" # the postgres user enters it (tests/pg/cluster.sh)
cluster=$src/tests/pg/cluster.sh
cleanup() {
	bash "$cluster" stop "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf '%-38s %s\n' "$1" "$2"; }
now() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

say "machine:" "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(uname -r)"
say "load average at start:" "$(cut -d' ' -f1-3 /proc/loadavg)"
bash "$cluster" start "$work/pg" >/dev/null
eval "$(bash "$cluster" env "$work/pg")"
pgbin=$(bash "$cluster" bindir)
psql=("$pgbin/psql" -X -q -v ON_ERROR_STOP=1)
say "PostgreSQL:" "$("${psql[@]}" -Atc 'SHOW server_version'), fsync $("${psql[@]}" -Atc 'SHOW fsync'), synchronous_commit $("${psql[@]}" -Atc 'SHOW synchronous_commit'), shared_buffers $("${psql[@]}" -Atc 'SHOW shared_buffers')"
newdb() {
	"${psql[@]}" -d postgres -c "CREATE DATABASE $1 TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C' ENCODING 'UTF8'"
	echo "postgresql:///$1?host=$PGHOST&port=$PGPORT"
}

# ---- 1. writers ----
. "$src/tests/pg/lib/runs.sh"
cycle_runs "$src/tests/data/linux-session-5" "$work/s10" 10
for w in $(seq "$writers"); do
	for j in $(seq "$per"); do
		d=$work/w/$w-$j
		mkdir -p "$d"
		cp -al "$work/s10/runs" "$d/runs"
		jq --arg id "w$w-$j" '.session_id = $id' "$work/s10/session.json" >"$d/session.json"
	done
done

# writers DB: the throughput of the race into DB, in sessions/s
writers() {
	local db=$1 gate=$work/gate t0 t1 w j pids=() sessions n
	: >"$gate"
	exec 8<"$gate"
	flock -x 8
	for w in $(seq "$writers"); do
		sessions=()
		for j in $(seq "$per"); do
			sessions+=("$work/w/$w-$j")
		done
		# shellcheck disable=SC2016 # the inner script's own $1, $2, $d
		flock -s "$gate" bash -c 'db=$1 b=$2; shift 2; for d; do "$b" history add --db "$db" "$d" >/dev/null || exit 1; done' \
			_ "$db" "$bootlens" "${sessions[@]}" 8<&- &
		pids+=($!)
	done
	for _ in $(seq 600); do
		n=$(grep -c -- "-> FLOCK .*:$(stat -c %i "$gate") " /proc/locks || true)
		[ "$n" -eq "$writers" ] && break
		sleep 0.05
	done
	t0=$(now)
	flock -u 8
	exec 8<&-
	for w in "${pids[@]}"; do
		wait "$w" || {
			echo "bench_history_backends: a writer failed" >&2
			exit 1
		}
	done
	t1=$(now)
	n=$("$bootlens" history list --db "$db" --format json | jq .entries_n)
	[ "$n" -eq $((writers * per)) ] || {
		echo "bench_history_backends: $n entries in $db, want $((writers * per))" >&2
		exit 1
	}
	awk -v n="$n" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f sessions/s (%d in %.2f s)", n / ((t1 - t0) / 1e9), n, (t1 - t0) / 1e9 }'
}
if part writers; then
	r=$(writers "$work/w.db")
	say "writers, SQLite:" "$r [$writers writers x $per adds]"
	pgw=$(newdb writers)
	r=$(writers "$pgw")
	say "writers, PostgreSQL:" "$r [$writers writers x $per adds]"
fi
if ! part read; then
	say "load average at end:" "$(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
fi

# ---- 2. reading ENTRIES entries ----
lite=${BENCH_SQLITE:-$work/big.db}
if [ -z "${BENCH_SQLITE:-}" ]; then
	"$bench" --entries "$entries" --build-only --db "$lite" | sed -n 's/^build: */SQLite build (bench_history):        /p'
fi
sqlite3 "$lite" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
[ "$(sqlite3 "$lite" 'SELECT count(*) FROM entries')" -eq "$entries" ] || {
	echo "bench_history_backends: $lite does not hold $entries entries" >&2
	exit 1
}
big=$(newdb big)
"$bootlens" history add --db "$big" "$work/s10" >/dev/null # the schema, by bootlens
t0=$(now)
"${psql[@]}" -d big -c "TRUNCATE entries, labels, metrics, run_values, summaries RESTART IDENTITY"
for t in entries labels metrics run_values summaries; do
	cols=$(sqlite3 "$lite" "SELECT group_concat(CASE WHEN type LIKE 'DOUBLE%' THEN printf('printf(''%%!.17g'', %s)', name) ELSE name END, ', ') FROM pragma_table_info('$t')")
	sqlite3 -batch -noheader -separator $'\t' -nullvalue '\N' "$lite" "SELECT $cols FROM $t" |
		PGOPTIONS="-c session_replication_role=replica" "${psql[@]}" -d big -c "\\copy $t FROM STDIN"
done
"${psql[@]}" -d big -c "SELECT setval(pg_get_serial_sequence('entries', 'id'), max(id)) FROM entries" \
	-c "SELECT setval(pg_get_serial_sequence('metrics', 'id'), max(id)) FROM metrics" \
	-c "VACUUM ANALYZE" >/dev/null
t1=$(now)
say "PostgreSQL bulk load:" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f s", (b - a) / 1e9 }') (sqlite3 export, psql \\copy, VACUUM ANALYZE)"

# the same answers first
for args in "trend --metric total" "trend --metric phase:p3 --by kernel" "check"; do
	set +e
	# shellcheck disable=SC2086 # words of this script
	"$bootlens" history $args --db "$lite" 2>&1 | sed "s|$lite|<DB>|g" >"$work/a"
	# shellcheck disable=SC2086
	"$bootlens" history $args --db "$big" 2>&1 | sed "s|$big|<DB>|g" >"$work/b"
	set -e
	cmp -s "$work/a" "$work/b" || {
		echo "bench_history_backends: history $args differs between the backends:" >&2
		diff "$work/a" "$work/b" | head -20 >&2
		exit 1
	}
done
say "answers:" "trend (2 metrics) and check equal on both ($(wc -l <"$work/a") lines of check)"

# time DB ARGS...: the median wall time of REPS runs, in ms
timeit() {
	local db=$1 r t0 t1
	shift
	for r in $(seq "$reps"); do
		t0=$(now)
		"$bootlens" history "$@" --db "$db" >/dev/null 2>&1 || [ $? -eq 1 ]
		t1=$(now)
		echo $(((t1 - t0) / 1000))
	done | median | awk '{ printf "%.0f ms", $1 / 1000 }'
}
for args in "trend --metric total" "trend --metric phase:p3 --by kernel" "check"; do
	# shellcheck disable=SC2086
	say "$args:" "SQLite $(timeit "$lite" $args), PostgreSQL $(timeit "$big" $args) (median of $reps, $entries entries)"
done
say "database size:" "SQLite $(stat -c %s "$lite" | awk '{ printf "%.0f MB", $1 / 1e6 }'), PostgreSQL $("${psql[@]}" -Atc "SELECT round(pg_database_size('big') / 1e6) || ' MB'")"
say "load average at end:" "$(cut -d' ' -f1-3 /proc/loadavg)"
