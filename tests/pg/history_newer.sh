#!/usr/bin/env bash
# A history a newer bootlens made (issue 16, "migration safe";
# docs/history-backends.md, "Concurrency"): a database whose bootlens_meta
# says schema_version 2 is refused by every subcommand of this bootlens,
# the readers and the writers (add, list, show, trend, check, dashboard,
# push into it and push from it), each with exit 2 and the one line
# "history schema version 2, this bootlens knows 1 (upgrade bootlens)",
# and nothing is written: the database dumped before and after is the
# same. On PostgreSQL and on a SQLite file. Also two such clients at once
# (an add and a list) against each.
set -euo pipefail
. "$(dirname "$0")/lib/histpg.sh"
copy5 "$tmp/n1" n1
copy5 "$tmp/n2" n2
# a spool this bootlens can push from
"$BOOTLENS" history add --db "$tmp/spool.db" "$tmp/n2" >/dev/null

newdb hist_newer
pg=$(url hist_newer)
lite=$tmp/newer.db
for db in "$pg" "$lite"; do
	"$BOOTLENS" history add --db "$db" --label kernel=6.1.0-1 "$tmp/n1" >/dev/null
done
"${psql[@]}" -d hist_newer -c "UPDATE bootlens_meta SET value = '2' WHERE key = 'schema_version'"
sqlite3 "$lite" "UPDATE bootlens_meta SET value = '2' WHERE key = 'schema_version'"

snapshot() {
	if [ "$1" = "$pg" ]; then
		# pg_dump 15.14 on brackets its output with a random \restrict key
		"$pgbin/pg_dump" -d hist_newer | grep -Ev '^\\(un)?restrict '
	else
		sqlite3 "$lite" .dump
	fi
}

# refused DB ARGS...: bootlens ARGS exits 2 with the one line naming DB
refused() {
	local db=$1 rc shown
	shift
	set +e
	"$BOOTLENS" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "bootlens $* exited $rc, want 2: $(cat "$tmp/err")"
	shown=$db
	[ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		grep -qF "$shown: history schema version 2, this bootlens knows 1 (upgrade bootlens)" "$tmp/err" ||
		fail "bootlens $*: not the one-line refusal: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "bootlens $* printed: $(head -c 2000 "$tmp/out")"
}

for db in "$pg" "$lite"; do
	snapshot "$db" >"$tmp/before"
	refused "$db" history add --db "$db" "$tmp/n2"
	refused "$db" history add --db "$db" --label kernel=6.1.0-2 "$tmp/n2" "$tmp/n1"
	refused "$db" history list --db "$db"
	refused "$db" history list --db "$db" --format json
	refused "$db" history show --db "$db" 1
	refused "$db" history trend --db "$db" --metric total
	refused "$db" history check --db "$db"
	refused "$db" history dashboard --db "$db" -o "$tmp/dash"
	refused "$db" history push --from "$tmp/spool.db" --db "$db"
	refused "$db" history push --from "$db" --db "$tmp/other.db"
	[ ! -e "$tmp/other.db" ] || [ "$(sqlite3 "$tmp/other.db" 'SELECT count(*) FROM entries' 2>/dev/null || echo 0)" = 0 ] ||
		fail "push from a newer history stored entries"
	# two clients at once
	"$BOOTLENS" history add --db "$db" "$tmp/n2" >"$tmp/o1" 2>"$tmp/e1" &
	p1=$!
	"$BOOTLENS" history list --db "$db" >"$tmp/o2" 2>"$tmp/e2" &
	p2=$!
	set +e
	wait "$p1"
	r1=$?
	wait "$p2"
	r2=$?
	set -e
	[ "$r1" -eq 2 ] && [ "$r2" -eq 2 ] || fail "two clients at once exited $r1 and $r2"
	grep -q 'upgrade bootlens' "$tmp/e1" && grep -q 'upgrade bootlens' "$tmp/e2" ||
		fail "two clients at once: $(cat "$tmp/e1" "$tmp/e2")"
	snapshot "$db" >"$tmp/after"
	diff -u "$tmp/before" "$tmp/after" >"$tmp/diff" || fail "$db written to: $(head -c 3000 "$tmp/diff")"
	grep -q "schema_version.*2" "$tmp/after" || fail "$db: the snapshot lacks the meta row: $(head -c 2000 "$tmp/after")"
done
echo "ok: a schema_version 2 history refused by 10 commands and 2 clients at once on each backend, unwritten"
