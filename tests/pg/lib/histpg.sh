# Sourced by tests/pg/history_*.sh that drive both backends themselves
# (not a test of its own), after nothing else: lib/pg.sh (the
# cluster's environment, $tmp, fail(), $pgbin), then what a history test
# against PostgreSQL needs. Needs $BOOTLENS and $BOOTLENS_TEST_DATA.
#
# psql: the array of a psql command that stops at the first error.
# newdb NAME: a fresh database NAME (dropped first if there), ordering
#   text bytes as SQLite does (LC_COLLATE 'C'), with no table.
# url NAME: the postgresql:// URI of database NAME on the cluster.
# copy5 DEST ID [CREATED]: a copy of tests/data/linux-session-5 in DEST
#   whose session.json says session_id ID (and created CREATED).
. "$(dirname "${BASH_SOURCE[0]}")/pg.sh"
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
unset BOOTLENS_HISTORY BOOTLENS_HISTORY_BUSY_MS GITHUB_SHA CI_COMMIT_SHA GITHUB_REF_NAME \
	CI_COMMIT_REF_NAME GITHUB_JOB CI_JOB_ID
export NO_COLOR=1 SOURCE_DATE_EPOCH=1796000000
export PGOPTIONS="-c client_min_messages=warning"
psql=("$pgbin/psql" -X -q -v ON_ERROR_STOP=1)
newdb() {
	"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $1" \
		-c "CREATE DATABASE $1 TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C' ENCODING 'UTF8'"
}
url() { echo "postgresql:///$1?host=$PGHOST&port=$PGPORT"; }
copy5() {
	local s5=$BOOTLENS_TEST_DATA/linux-session-5
	cp -r "$s5" "$1"
	jq --arg id "$2" --arg c "${3:-}" '.session_id = $id | if $c != "" then .created = $c else . end' \
		"$s5/session.json" >"$1/session.json"
}
