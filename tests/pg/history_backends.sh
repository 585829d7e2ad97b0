#!/usr/bin/env bash
# The history on PostgreSQL and on SQLite says the same (issue 16): the
# fixture sessions added to a fresh database of the test cluster and to a
# SQLite file, then history list/show/trend/check in every format against
# both, the outputs diffed byte for byte once the --db text is
# normalised. Also: a database with other tables but no bootlens_meta is
# refused, a missing database names itself, a database in ICU en-US
# collation prints what SQLite's byte order prints, a password in --db is masked
# in every message, and six clients setting up one empty database at once
# make one schema. BOOTLENS_PG_KEEP=DIR keeps the two logs compared.
set -euo pipefail
. "$(dirname "$0")/lib/histpg.sh"
ab=$BOOTLENS_TEST_DATA/compare/ab
for i in 1 2 3 4 5 6; do
	copy5 "$tmp/s$i" "s$i" "2026-12-01T10:00:0${i}Z"
done

# run NAME DB ARGS...: bootlens ARGS with --db DB; stdout, stderr and the
# exit code into $tmp/NAME/, DB written as <DB>
run() {
	local side=$1 db=$2 rc
	shift 2
	mkdir -p "$tmp/$side"
	set +e
	"$BOOTLENS" history "$1" --db "$db" "${@:2}" >"$tmp/o" 2>"$tmp/e"
	rc=$?
	set -e
	{
		echo "== $* (exit $rc)"
		cat "$tmp/o"
		echo "-- stderr"
		cat "$tmp/e"
	} | sed "s|$db|<DB>|g" >>"$tmp/$side/log"
}
script() {
	local side=$1 db=$2
	run "$side" "$db" add --label kernel=6.1.0-56 "$tmp/s1"
	run "$side" "$db" add --label kernel=6.1.0-9 "$tmp/s2" "$tmp/s3"
	run "$side" "$db" add --label kernel=6.1.0-10 "$tmp/s4" "$ab"
	run "$side" "$db" add "$tmp/s1"
	run "$side" "$db" add --label kernel=6.1.0-11 "$tmp/s5" "$tmp/s6"
	for f in table json csv; do
		run "$side" "$db" list --format $f
		run "$side" "$db" trend --metric total --format $f
		run "$side" "$db" trend --metric phase:firmware+entry --by kernel --format $f
	done
	run "$side" "$db" list --where kernel=6.1.0-9
	for f in table json; do
		run "$side" "$db" show --format $f 1
		run "$side" "$db" show --format $f s3
		run "$side" "$db" show --format $f 20261201T100000Z-c0ffee16:new
	done
	run "$side" "$db" show 99
	for f in table json md; do
		run "$side" "$db" check --format $f
		run "$side" "$db" check --by kernel --format $f
	done
}
newdb hist_same
script pg "$(url hist_same)"
script lite "$tmp/h.db"
grep -q '^stored s6:default as entry 8 ' "$tmp/pg/log" || fail "pg: no entry 8: $(head -c 3000 "$tmp/pg/log")"
grep -q 'is stored already' "$tmp/pg/log" || fail "pg: the same session twice not refused"
diff -u "$tmp/lite/log" "$tmp/pg/log" >"$tmp/diff" || fail "PostgreSQL and SQLite differ: $(head -c 4000 "$tmp/diff")"
# a database in a locale's collation (ICU en-US: 'Zed' after 'ab', where bytes
# put it first) says the same as SQLite's byte order: bootlens sorts
# what it prints itself
"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS hist_icu" \
	-c "CREATE DATABASE hist_icu TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LC_COLLATE 'C.utf8' LC_CTYPE 'C.utf8' ENCODING 'UTF8'"
[ "$("${psql[@]}" -d hist_icu -Atc "SELECT string_agg(k, ',' ORDER BY k) FROM (VALUES ('Zed'), ('ab'), ('a_c')) v(k)")" = a_c,ab,Zed ] ||
	fail "hist_icu does not collate as ICU en-US"
collate() {
	local side=$1 db=$2
	run "$side" "$db" add --label Zed=1 --label ab=2 --label a_c=3 --label a.d=4 --label kernel=6.1.0-9 "$tmp/s1"
	run "$side" "$db" add --label Zed=5 --label kernel=6.1.0-10 "$tmp/s2"
	for f in table json csv; do
		run "$side" "$db" list --format $f
	done
	run "$side" "$db" show --format table s1
	run "$side" "$db" show --format json s1
	run "$side" "$db" trend --metric total --by Zed --format csv
}
collate icu "$(url hist_icu)"
collate icu-lite "$tmp/icu.db"
grep -q '"Zed"' "$tmp/icu/log" || fail "icu: no labels shown: $(head -c 2000 "$tmp/icu/log")"
diff -u "$tmp/icu-lite/log" "$tmp/icu/log" >"$tmp/diff" ||
	fail "PostgreSQL in ICU collation and SQLite differ: $(head -c 4000 "$tmp/diff")"

# the schema and its marks
[ "$("${psql[@]}" -d hist_same -Atc "SELECT value FROM bootlens_meta WHERE key = 'application_id'")" = 1112297043 ] ||
	fail "application_id not in bootlens_meta"
[ "$("${psql[@]}" -d hist_same -Atc "SELECT value FROM bootlens_meta WHERE key = 'schema_version'")" = 1 ] ||
	fail "schema_version not in bootlens_meta"
[ "$("${psql[@]}" -d hist_same -Atc "SELECT is_identity FROM information_schema.columns WHERE table_name = 'entries' AND column_name = 'id'")" = YES ] ||
	fail "entries.id is not an identity column"

# a database with other tables is not made a history
newdb hist_foreign
"${psql[@]}" -d hist_foreign -c "CREATE TABLE t (x int)"
set +e
"$BOOTLENS" history add --db "$(url hist_foreign)" "$tmp/s1" >"$tmp/o" 2>"$tmp/e"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a foreign database taken"
grep -q 'a PostgreSQL database but not a bootlens history (application_id 0x00000000, no table bootlens_meta)' "$tmp/e" ||
	fail "foreign database: $(cat "$tmp/e")"
[ "$("${psql[@]}" -d hist_foreign -Atc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 1 ] ||
	fail "the foreign database was written to"

# a missing database, and a password masked
set +e
"$BOOTLENS" history list --db "$(url hist_missing)" >"$tmp/o" 2>"$tmp/e"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a missing database listed"
grep -q 'database "hist_missing" does not exist' "$tmp/e" || fail "missing database: $(cat "$tmp/e")"
set +e
"$BOOTLENS" history list --db "host=$PGHOST port=$PGPORT dbname=hist_missing password=sekrit99" >"$tmp/o" 2>"$tmp/e"
"$BOOTLENS" history list --db "postgresql://postgres:sekrit99@/hist_missing?host=$PGHOST&port=$PGPORT" >>"$tmp/o" 2>>"$tmp/e"
set -e
grep -q 'password=\*\*\*' "$tmp/e" || fail "no masked password: $(cat "$tmp/e")"
! grep -q sekrit99 "$tmp/o" "$tmp/e" || fail "the password shown: $(cat "$tmp/e")"

# six clients setting up one empty database at once: one schema (the
# advisory lock), every entry stored, ids 1..6
newdb hist_race
pids=()
for i in 1 2 3 4 5 6; do
	"$BOOTLENS" history add --db "$(url hist_race)" "$tmp/s$i" >"$tmp/o$i" 2>"$tmp/e$i" &
	pids+=($!)
done
for i in 1 2 3 4 5 6; do
	wait "${pids[$((i - 1))]}" || fail "client $i: $(cat "$tmp/e$i")"
done
[ "$("${psql[@]}" -d hist_race -Atc "SELECT count(*) || ' ' || min(id) || ' ' || max(id) FROM entries")" = "6 1 6" ] ||
	fail "race: not six entries 1..6"
[ "$("${psql[@]}" -d hist_race -Atc "SELECT value FROM bootlens_meta WHERE key = 'data_version'")" -ge 6 ] ||
	fail "race: data_version not bumped by each write"
[ -z "${BOOTLENS_PG_KEEP:-}" ] || { cp "$tmp/pg/log" "$BOOTLENS_PG_KEEP/pg.log" && cp "$tmp/lite/log" "$BOOTLENS_PG_KEEP/lite.log"; }
echo "ok: PostgreSQL and SQLite give the same $(grep -c '^==' "$tmp/pg/log") outputs"
