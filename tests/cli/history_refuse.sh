#!/usr/bin/env bash
# Databases bootlens history must not write to (docs/history.md, "The
# database"): a history of a newer schema version (bootlens_meta's
# schema_version set to 99), a database of another application (a table
# of its own), a history's meta without the other tables (damaged), and,
# for a SQLite file alone, a file that is not a database (garbage) and a
# history whose pages past the header were overwritten (corrupt): every
# subcommand refuses each with one line naming the database and what it
# is, exit 2, and the database is unchanged (hist_snap: the file's sha256,
# no -wal or -journal left beside it; on PostgreSQL every table's rows).
# An empty file (PostgreSQL: an empty database) counts as absent: add
# creates the history in it.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
s5=$BOOTLENS_TEST_DATA/linux-session-5
hist_pg || command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 is not installed" >&2; exit "${BOOTLENS_SKIP_RC:-77}"; }
# sql DB SQL: SQL run on DB by sqlite3 or psql, its rows printed
sql() {
	if hist_pg; then
		hist_psql "$1" -c "$2"
	else
		sqlite3 "$1" "$2"
	fi
}

good=$(hist_db good.db)
hrun 0 history add --db "$good" "$s5"
if hist_file_only "no -wal left beside the file after add"; then
	[ ! -e "$good-wal" ] || fail "add left good.db-wal behind"
fi

# refused DB REGEX [nolog]: every subcommand refuses DB with REGEX, DB
# unchanged (nolog: the messages name the backend, "a SQLite database")
refused() {
	local f=$1 re=$2 run=hrun before
	[ "${3:-}" != nolog ] || run=hrun_nolog
	before=$(hist_snap "$f")
	for args in "add $s5" "list" "show 1" "trend --metric total" "check" "dashboard -o $tmp/d"; do
		# shellcheck disable=SC2086
		$run 2 history $args --db "$f"
		need_err "$re"
		need_err "$(re "$(hist_shown "$f")")"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "history $args on $f: more than one line: $(cat "$tmp/err")"
		[ "$(hist_snap "$f")" = "$before" ] || fail "history $args changed $f"
		if ! hist_pg; then
			[ ! -e "$f-wal" ] && [ ! -e "$f-journal" ] || fail "history $args left a journal beside $f"
		fi
	done
	[ ! -e "$tmp/d" ] || fail "a refused dashboard wrote its directory"
}
hist_file_only "the -wal and -journal checks of each refusal" || true

# newer schema
newer=$(hist_db newer.db)
hrun 0 history add --db "$newer" "$s5"
sql "$newer" "UPDATE bootlens_meta SET value = '99' WHERE key = 'schema_version';"
[ "$(sql "$newer" "SELECT value FROM bootlens_meta WHERE key = 'schema_version';")" = 99 ] ||
	fail "could not set schema_version 99"
hist_pg || rm -f "$newer-wal" "$newer-shm"
refused "$newer" 'history schema version 99, this bootlens knows 1 \(upgrade bootlens\)$'

# garbage
if hist_file_only "a file that is not a database (garbage)"; then
	head -c 65536 < <(yes 'not a database at all') >"$tmp/garbage.db"
	refused "$tmp/garbage.db" 'not a (SQLite )?database|not a bootlens history' nolog
fi

# another application's database
foreign=$(hist_db foreign.db)
sql "$foreign" "CREATE TABLE songs(title TEXT); INSERT INTO songs VALUES ('x');"
refused "$foreign" 'not a bootlens history' nolog

# damaged: a history's meta without the other tables (the schema's own
# application_id and bootlens_meta, then nothing)
damaged=$(hist_db damaged.db)
if hist_pg; then
	appid="INSERT INTO bootlens_meta VALUES ('application_id', '1112297043');"
else
	appid="PRAGMA application_id = 1112297043;"
fi
sql "$damaged" "CREATE TABLE bootlens_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL); $appid
INSERT INTO bootlens_meta VALUES ('kind', 'bootlens-history'), ('schema_version', '1');"
refused "$damaged" 'a damaged bootlens history \(schema version 1, no table entries\)'

# corrupt: a history whose pages after the first are overwritten
if hist_file_only "a history whose pages past the header are overwritten (corrupt)"; then
	cp "$good" "$tmp/corrupt.db"
	size=$(stat -c %s "$tmp/corrupt.db")
	[ "$size" -gt 8192 ] || fail "good.db is only $size bytes"
	head -c $((size - 4096)) < <(yes garbage) | dd of="$tmp/corrupt.db" bs=4096 seek=1 conv=notrunc status=none
	refused "$tmp/corrupt.db" 'corrupt|malformed|not a (SQLite )?database|not a bootlens history' nolog
fi

# an empty file (an empty database) is absent: add makes the history there
empty=$(hist_db empty.db)
hist_pg || : >"$empty"
hrun 0 history add --db "$empty" "$s5"
hrun 0 history list --db "$empty" --format json
[ "$(jq '[.. | objects | select(has("session_id"))] | length' "$tmp/out")" -eq 1 ] ||
	fail "the empty file did not become a history of one entry"
echo "history_refuse: ok"
