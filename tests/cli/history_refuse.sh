#!/usr/bin/env bash
# Files bootlens history must not write to (docs/history.md, "The
# database"): a history of a newer schema version (bootlens_meta's
# schema_version set to 99 with sqlite3), a file that is not a database
# (garbage), a SQLite database of another application, and a history
# whose pages past the header were overwritten (corrupt): every
# subcommand refuses each with one line naming the file and what it is,
# exit 2, and the file's sha256 is unchanged (no -wal or -shm left
# beside it either). An empty file counts as absent: add creates the
# history in it.
set -euo pipefail
. "$(dirname "$0")/lib/history.sh"
s5=$BOOTLENS_TEST_DATA/linux-session-5
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 is not installed" >&2; exit "${BOOTLENS_SKIP_RC:-77}"; }

hrun 0 history add --db "$tmp/good.db" "$s5"
[ ! -e "$tmp/good.db-wal" ] || fail "add left good.db-wal behind"

# refused FILE REGEX: every subcommand refuses FILE with REGEX, FILE untouched
refused() {
	local f=$1 re=$2 before
	before=$(sha "$f")
	for args in "add $s5" "list" "show 1" "trend --metric total" "check" "dashboard -o $tmp/d"; do
		# shellcheck disable=SC2086
		hrun 2 history $args --db "$f"
		need_err "$re"
		need_err "$f"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "history $args on $f: more than one line: $(cat "$tmp/err")"
		[ "$(sha "$f")" = "$before" ] || fail "history $args changed $f"
		[ ! -e "$f-wal" ] && [ ! -e "$f-journal" ] || fail "history $args left a journal beside $f"
	done
	[ ! -e "$tmp/d" ] || fail "a refused dashboard wrote its directory"
}

# newer schema
cp "$tmp/good.db" "$tmp/newer.db"
sqlite3 "$tmp/newer.db" "UPDATE bootlens_meta SET value = '99' WHERE key = 'schema_version';"
[ "$(sqlite3 "$tmp/newer.db" "SELECT value FROM bootlens_meta WHERE key = 'schema_version';")" = 99 ] ||
	fail "could not set schema_version 99"
rm -f "$tmp/newer.db-wal" "$tmp/newer.db-shm"
refused "$tmp/newer.db" 'schema version 99.*newer|newer.*99'

# garbage
head -c 65536 < <(yes 'not a database at all') >"$tmp/garbage.db"
refused "$tmp/garbage.db" 'not a (SQLite )?database|not a bootlens history'

# another application's SQLite database
sqlite3 "$tmp/foreign.db" "CREATE TABLE songs(title TEXT); INSERT INTO songs VALUES ('x');"
refused "$tmp/foreign.db" 'not a bootlens history'

# damaged: a history's meta without the other tables (the schema's own
# application_id and bootlens_meta, then nothing)
sqlite3 "$tmp/damaged.db" "PRAGMA application_id = 1112297043;
CREATE TABLE bootlens_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO bootlens_meta VALUES ('kind', 'bootlens-history'), ('schema_version', '1');"
refused "$tmp/damaged.db" 'a damaged bootlens history \(schema version 1, no table entries\)'

# corrupt: a history whose pages after the first are overwritten
cp "$tmp/good.db" "$tmp/corrupt.db"
size=$(stat -c %s "$tmp/corrupt.db")
[ "$size" -gt 8192 ] || fail "good.db is only $size bytes"
head -c $((size - 4096)) < <(yes garbage) | dd of="$tmp/corrupt.db" bs=4096 seek=1 conv=notrunc status=none
refused "$tmp/corrupt.db" 'corrupt|malformed|not a (SQLite )?database|not a bootlens history'

# an empty file is absent: add makes the history there
: >"$tmp/empty.db"
hrun 0 history add --db "$tmp/empty.db" "$s5"
hrun 0 history list --db "$tmp/empty.db" --format json
[ "$(jq '[.. | objects | select(has("session_id"))] | length' "$tmp/out")" -eq 1 ] ||
	fail "the empty file did not become a history of one entry"
echo "history_refuse: ok"
