#!/usr/bin/env bash
# Many runners adding at once (issue 16; docs/history-backends.md,
# "Concurrency"): 16 `bootlens history add` processes of distinct sessions
# and 4 of one same session, released together by a barrier (each waits
# for a shared flock on a gate file the test holds exclusively; the test
# releases it only once /proc/locks shows all 20 blocked on it), against
# a fresh PostgreSQL database none has set up yet (so the set-up races
# too) and against a SQLite file that does not exist yet (rows counted
# with psql and sqlite3). Each: every
# process exits 0 but exactly 3 of the 4 duplicates, which exit 2 with the
# one-line "stored already" refusal, and no other text on any stderr;
# every session stored once, with all its labels and run values; then
# `history list --format json` of both backends equal once the entry ids
# and the order (which depend on who won) are normalised.
set -euo pipefail
. "$(dirname "$0")/lib/histpg.sh"
q() { "${psql[@]}" -d hist_writers -Atc "$1"; }
ndistinct=16 ndup=4
for i in $(seq "$ndistinct"); do
	copy5 "$tmp/w$i" "w$i" "$(printf '2026-12-01T10:%02d:00Z' "$i")"
done
copy5 "$tmp/dup" dup 2026-12-01T11:00:00Z

# race SIDE DB: the 20 adds released at once; their exit codes, stdout
# and stderr in $tmp/SIDE/
race() {
	local side=$1 db=$2 gate=$tmp/$1/gate ino n pids=() i
	mkdir -p "$tmp/$side"
	: >"$gate"
	ino=$(stat -c %i "$gate")
	exec 9<"$gate"
	flock -x 9
	for i in $(seq $((ndistinct + ndup))); do
		if [ "$i" -le "$ndistinct" ]; then
			set -- "$tmp/w$i" --label "job=w$i"
		else
			set -- "$tmp/dup" --label job=dup
		fi
		flock -s "$gate" "$BOOTLENS" history add --db "$db" "$@" \
			>"$tmp/$side/out.$i" 2>"$tmp/$side/err.$i" 9<&- &
		pids+=($!)
	done
	# the barrier: every flock blocked on the gate before it opens
	for _ in $(seq 600); do
		n=$(grep -c -- "-> FLOCK .*:$ino " /proc/locks || true)
		[ "$n" -eq $((ndistinct + ndup)) ] && break
		sleep 0.05
	done
	[ "$n" -eq $((ndistinct + ndup)) ] || fail "$side: only $n of $((ndistinct + ndup)) adds reached the gate in 30 s"
	flock -u 9
	exec 9<&-
	for i in $(seq $((ndistinct + ndup))); do
		set +e
		wait "${pids[$((i - 1))]}"
		echo $? >"$tmp/$side/rc.$i"
		set -e
	done
}

check() {
	local side=$1 i rc refused=0 stored=0
	for i in $(seq $((ndistinct + ndup))); do
		rc=$(cat "$tmp/$side/rc.$i")
		if [ "$i" -gt "$ndistinct" ] && [ "$rc" -eq 2 ]; then
			refused=$((refused + 1))
			[ "$(wc -l <"$tmp/$side/err.$i")" -eq 1 ] &&
				grep -Eq '^bootlens: history: .*: session dup variant default is stored already$' "$tmp/$side/err.$i" ||
				fail "$side: add $i: not the one-line refusal: $(cat "$tmp/$side/err.$i")"
			[ ! -s "$tmp/$side/out.$i" ] || fail "$side: refused add $i printed: $(cat "$tmp/$side/out.$i")"
			continue
		fi
		[ "$rc" -eq 0 ] || fail "$side: add $i exited $rc: $(cat "$tmp/$side/err.$i")"
		[ ! -s "$tmp/$side/err.$i" ] || fail "$side: add $i said on stderr: $(cat "$tmp/$side/err.$i")"
		grep -Eq '^stored (w[0-9]+|dup):default as entry [0-9]+ \(5 runs, 29 metrics\)$' "$tmp/$side/out.$i" ||
			fail "$side: add $i: $(cat "$tmp/$side/out.$i")"
		stored=$((stored + 1))
	done
	[ "$refused" -eq $((ndup - 1)) ] || fail "$side: $refused duplicates refused, want $((ndup - 1))"
	[ "$stored" -eq $((ndistinct + 1)) ] || fail "$side: $stored adds stored, want $((ndistinct + 1))"
}

# a list of the entries without the ids and the order who won decides
normal() {
	jq -S 'del(.db) | .entries |= (map(del(.id)) | sort_by(.session_id))' "$1"
}

newdb hist_writers
pg=$(url hist_writers)
[ "$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 0 ] ||
	fail "hist_writers is not empty before the race"
race pg "$pg"
check pg
race lite "$tmp/h.db"
check lite

# counted in psql: one schema, every session once, all its rows
[ "$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 6 ] ||
	fail "pg: not the six tables of one schema"
[ "$(q "SELECT value FROM bootlens_meta WHERE key = 'schema_version'")" = 1 ] || fail "pg: schema_version"
[ "$(q "SELECT count(*) || ' ' || count(DISTINCT session_id) || ' ' || min(id) || ' ' || max(id) FROM entries")" = "17 17 1 17" ] ||
	fail "pg: entries: $(q "SELECT count(*), count(DISTINCT session_id), min(id), max(id) FROM entries")"
[ "$(q "SELECT count(*) FROM entries WHERE session_id = 'dup'")" = 1 ] || fail "pg: dup stored more than once"
# labels: date and job per entry, the job its own
[ "$(q "SELECT count(*) FROM labels")" = 34 ] || fail "pg: $(q "SELECT count(*) FROM labels") labels, want 34"
[ "$(q "SELECT count(*) FROM labels l JOIN entries e ON e.id = l.entry WHERE l.key = 'job' AND l.value = e.session_id")" = 17 ] ||
	fail "pg: a job label on the wrong entry"
# run values: runs x metrics (5 x 29) for every entry
[ "$(q "SELECT count(*) FROM (SELECT entry FROM run_values GROUP BY entry HAVING count(*) = 145) x")" = 17 ] ||
	fail "pg: run values per entry: $(q "SELECT entry, count(*) FROM run_values GROUP BY entry")"
[ "$(q "SELECT count(*) FROM run_values")" = $((17 * 145)) ] || fail "pg: run values not 17 x 145"
[ "$(q "SELECT count(*) FROM summaries")" = $((17 * 29)) ] || fail "pg: summaries not 17 x 29"
[ "$(q "SELECT count(*) FROM metrics")" = 29 ] || fail "pg: metrics made twice: $(q "SELECT count(*) FROM metrics")"
# data_version: bumped by the set-up's transaction and by each of the 17 adds
[ "$(q "SELECT value FROM bootlens_meta WHERE key = 'data_version'")" -ge 17 ] || fail "pg: data_version not bumped by each add"

# and in sqlite3: the same rows in the file
lq() { sqlite3 "$tmp/h.db" "$1"; }
[ "$(lq "SELECT count(*) || ' ' || count(DISTINCT session_id) || ' ' || min(id) || ' ' || max(id) FROM entries")" = "17 17 1 17" ] ||
	fail "lite: entries: $(lq "SELECT count(*), min(id), max(id) FROM entries")"
[ "$(lq "SELECT count(*) FROM labels") $(lq "SELECT count(*) FROM run_values") $(lq "SELECT count(*) FROM summaries")" = "34 $((17 * 145)) $((17 * 29))" ] ||
	fail "lite: labels, run values, summaries: $(lq "SELECT (SELECT count(*) FROM labels), (SELECT count(*) FROM run_values), (SELECT count(*) FROM summaries)")"

# both backends hold the same
"$BOOTLENS" history list --db "$pg" --format json >"$tmp/pg.json"
"$BOOTLENS" history list --db "$tmp/h.db" --format json >"$tmp/lite.json"
[ "$(jq '.entries | length' "$tmp/pg.json")" = 17 ] || fail "pg: list has not 17 entries"
normal "$tmp/pg.json" >"$tmp/pg.norm"
normal "$tmp/lite.json" >"$tmp/lite.norm"
diff -u "$tmp/lite.norm" "$tmp/pg.norm" >"$tmp/diff" || fail "the lists differ: $(head -c 3000 "$tmp/diff")"
echo "ok: 20 adds at once on each backend: 17 stored, 3 duplicates refused, the lists equal"
