# Sourced by tests/cli/history_*.sh and tests/integration/history_*.sh
# (not a test of its own): a scratch
# directory, fail(), hrun() and copies of the fixture sessions under
# other session ids, so that one fixture makes many points. Needs
# $BOOTLENS and $BOOTLENS_TEST_DATA; sets $tmp (removed at exit).
#
# The backend (docs/history-backends.md, "Both backends in the tests"):
# BOOTLENS_HISTORY_BACKEND=sqlite (the default) or pg. With pg the
# environment of the pg_cluster fixture's server comes from pg_env of
# tests/pg/lib/pgenv.sh (BOOTLENS_PG_DIR and BOOTLENS_SRC needed; exit 77
# without PostgreSQL), and every history the script asks for is a new
# database of that cluster, dropped at exit.
#
# hist_db NAME [BACKEND]: the --db text of a fresh, empty history on
#   BACKEND (the script's by default): $tmp/NAME (not made) on SQLite; on
#   pg a new database (bytes ordered as SQLite does: LC_COLLATE 'C', UTF8)
#   named for the script, the process and the call, as
#   postgresql://$PGUSER:SECRET@/DBNAME?host=$PGHOST&port=$PGPORT: a
#   password the trusting server ignores, which no hrun output may show.
# hist_shown DB: DB as bootlens shows it (pg: the password masked,
#   user='..' password=*** dbname='..' host='..' port='..').
# hist_no_secret WHAT FILE...: fails (naming WHAT) if a FILE shows the
#   password of a hist_db; hrun, hist_log_run and hlog call it.
# hist_pg_up: true when BOOTLENS_PG_DIR names a running test cluster, so
#   that a script on SQLite can also ask hist_db for a pg database (the
#   integration tests that boot once and store on both).
# hist_alias TEXT NAME: TEXT written <NAME> by hist_norm too (a session id
#   that collect made in this run, an output directory per backend).
# hist_pg: true when the backend is pg.
# hist_file_only WHAT: true on SQLite; on pg says on stderr that the pg
#   run leaves WHAT out (a check that only makes sense for a file) and is
#   false. Use as: if hist_file_only "..."; then ...; fi
# hist_absent DB: DB holds no history and nothing else (SQLite: no file;
#   pg: no table in the database).
# hist_snap DB: a digest of DB's content (SQLite: the file's sha256; pg:
#   the name and columns of every table and every row, in key order).
# hist_psql DB ARGS...: psql -At on DB's database (pg only).
# hrun WANT-RC ARGS...: bootlens ARGS, stdout in $tmp/out, stderr in
#   $tmp/err; fails unless it exits WANT-RC. With BOOTLENS_HISTORY_LOG=FILE
#   the command, its exit code, stdout and stderr are appended to FILE
#   through hist_norm, so that tests/pg/history_both.sh can compare the
#   backends' logs.
# hist_norm FILE...: FILE's text with each hist_db text (as given, as
#   bootlens shows it, and both as an HTML page has them) written <DB:NAME>,
#   each hist_alias TEXT <NAME> (the longest first) and $tmp <TMP>; nothing
#   else is changed.
# hlog FILE...: each FILE (an output bootlens wrote) appended to the log
#   as hrun's outputs are (nothing without BOOTLENS_HISTORY_LOG), after
#   the same check for a password.
#   Either fails if $tmp/out or $tmp/err shows the password of a hist_db.
# hist_log_run RC ARGS...: $tmp/out and $tmp/err checked and logged as hrun
#   does, for a command run otherwise (collect, under setsid or not).
# hrun_nolog WANT-RC ARGS...: hrun, not logged: for the few outputs that
#   name the backend ("a SQLite database") or a file-only check.
# shw TEXT: TEXT as one shell word, as bootlens writes the commands its
#   messages suggest (util_shell_word(): as it is, or in '...').
# copy_session SRC DEST ID [CREATED]: a copy of the session SRC whose
#   session.json says session_id ID (and created CREATED).
# sha FILE: its sha256.
# re TEXT: TEXT as an extended regex that matches it literally (a --db
#   URI has ? and . in it).
# need_err REGEX / need_out REGEX: the last hrun's stderr / stdout has a
#   line matching the extended REGEX.
# hist_cleanup: the EXIT trap (drops the pg databases, removes $tmp): a
#   script that sets its own trap calls it there.
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
hist_backend=${BOOTLENS_HISTORY_BACKEND:-sqlite}
hist_pg_ready=
hist_pg_env() {
	[ -z "$hist_pg_ready" ] || return 0
	. "$(dirname "${BASH_SOURCE[0]}")/../../pg/lib/pgenv.sh"
	pg_env
	hist_pg_ready=1
}
hist_pg_up() {
	[ -n "${BOOTLENS_PG_DIR:-}" ] && [ -f "$BOOTLENS_PG_DIR/port" ] && [ -n "${BOOTLENS_SRC:-}" ] || return 1
	hist_pg_env
	"$pgbin/pg_isready" -q -d postgres
}
case "$hist_backend" in
sqlite) ;;
pg) hist_pg_env ;; # sets PG* and $pgbin, or exits (77 without PostgreSQL)
*)
	echo "FAIL: BOOTLENS_HISTORY_BACKEND='$hist_backend': want sqlite or pg" >&2
	exit 1
	;;
esac
tmp=$(mktemp -d)
mkdir "$tmp/.hist"
: >"$tmp/.hist/dbs"
: >"$tmp/.hist/names"
: >"$tmp/.hist/shown"
hist_secret=hist-secret-$$
hist_cleanup() {
	local name
	if [ -s "$tmp/.hist/names" ]; then
		while IFS=$'\t' read -r _ name; do
			PGOPTIONS="-c client_min_messages=warning" "$pgbin/psql" -X -q -d postgres \
				-c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null ||
				echo "history.sh: could not drop the database $name" >&2
		done <"$tmp/.hist/names"
	fi
	rm -rf "$tmp"
}
trap hist_cleanup EXIT
# what a CI system would set must not leak into the labels checked here
unset BOOTLENS_HISTORY GITHUB_SHA CI_COMMIT_SHA GITHUB_REF_NAME CI_COMMIT_REF_NAME GITHUB_JOB CI_JOB_ID
export NO_COLOR=1
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
hist_pg() { [ "$hist_backend" = pg ]; }
hist_db() {
	local name=$1 backend=${2:-$hist_backend} n script dbname text shown
	if [ "$backend" = sqlite ]; then
		text=$tmp/$name
	else
		[ -n "$hist_pg_ready" ] || fail "hist_db $name pg: no PostgreSQL environment (hist_pg_up first)"
		n=$(($(wc -l <"$tmp/.hist/dbs") + 1))
		script=$(basename "$0" .sh)
		script=${script#history_}
		dbname=$(printf 'bl_%s_%s_%s' "${script:0:24}" "$$" "$n" | tr -c 'a-zA-Z0-9_' _ | tr A-Z a-z)
		PGOPTIONS="-c client_min_messages=warning" "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
			-c "CREATE DATABASE $dbname TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C' ENCODING 'UTF8'" >&2 ||
			fail "cannot create the database $dbname"
		printf '%s\t%s\n' "$name" "$dbname" >>"$tmp/.hist/names"
		# a password the server does not ask for (trust): bootlens must
		# never show it (hrun fails if it does), and shows this instead
		text="postgresql://$PGUSER:$hist_secret@/$dbname?host=$PGHOST&port=$PGPORT"
		shown="user='$PGUSER' password=*** dbname='$dbname' host='$PGHOST' port='$PGPORT'"
		printf '%s\t%s\n' "$text" "$shown" >>"$tmp/.hist/shown"
		hist_alias "$shown" "DB:$name"
		hist_alias "$(shw "$shown")" "DB:$name"
		hist_alias "$(hist_html "$shown")" "DB:$name"
	fi
	hist_alias "$text" "DB:$name"
	hist_alias "$(hist_html "$text")" "DB:$name"
	echo "$text"
}
hist_shown() {
	local shown
	shown=$(awk -F'\t' -v t="$1" '$1 == t { print $2 }' "$tmp/.hist/shown")
	echo "${shown:-$1}"
}
# hist_html TEXT: TEXT as an HTML page writes it (the dashboard's title)
hist_html() { printf '%s' "$1" | sed "s/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/\"/\&quot;/g; s/'/\&#39;/g"; }
hist_alias() { printf '%s\t%s\n' "$1" "$2" >>"$tmp/.hist/dbs"; }
hist_file_only() {
	hist_pg || return 0
	echo "history.sh: the pg run leaves out (only for a SQLite file): $*" >&2
	return 1
}
hist_psql() {
	local db=$1
	shift
	hist_pg || fail "hist_psql $db: not on PostgreSQL"
	PGOPTIONS="-c client_min_messages=warning" "$pgbin/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"
}
hist_absent() {
	if hist_pg; then
		[ "$(hist_psql "$1" -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 0 ]
	else
		[ ! -e "$1" ]
	fi
}
hist_snap() {
	local t
	if ! hist_pg; then
		sha "$1"
		return
	fi
	{
		hist_psql "$1" -c "SELECT table_name || ': ' || string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position)
			FROM information_schema.columns WHERE table_schema = 'public' GROUP BY table_name ORDER BY table_name"
		for t in $(hist_psql "$1" -c "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"); do
			echo "== $t"
			# ordered by the whole row, column by column: key order
			hist_psql "$1" -c "SELECT row_to_json(t)::text FROM \"$t\" t ORDER BY t"
		done
	} | sha256sum | cut -d' ' -f1
}
hist_norm() {
	HIST_DBS=$tmp/.hist/dbs HIST_TMP=$tmp perl -pe '
		BEGIN {
			open(my $f, "<", $ENV{HIST_DBS}) or die "$ENV{HIST_DBS}: $!";
			while (<$f>) { chomp; my ($t, $n) = split /\t/; push @m, [$t, $n]; }
			@m = sort { length($b->[0]) <=> length($a->[0]) } @m;
		}
		for my $p (@m) { s/\Q$p->[0]\E/<$p->[1]>/g; }
		s/\Q$ENV{HIST_TMP}\E/<TMP>/g;' "$@"
}
# The pg runs' URIs carry a password: bootlens warns once per process
# (cmd_history.c), a line the SQLite run does not have. It is taken out of
# $tmp/err after checking it came at most once, so that the
# scripts' stderr checks are the same on both backends.
# hist_pw_warning WHAT [FILE]: the same for FILE (default $tmp/err), also
# when the script stores on both backends itself (its pg outputs).
hist_pw_warning() {
	local w="bootlens: warning: the password in the database's connection string is shown as ***"
	local f=${2:-$tmp/err}
	[ -n "${2:-}" ] || hist_pg || return 0
	case $(grep -cF -- "$w" "$f") in
	0) return 0 ;;
	1) ;;
	*) fail "$1: the password warning more than once: $(cat "$f")" ;;
	esac
	grep -vF -- "$w" "$f" >"$f.w" || true
	mv "$f.w" "$f"
}
shw() {
	if [[ -n $1 && $1 =~ ^[A-Za-z0-9_./:@%+=,-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "${1//\'/\'\\\'\'}"
	fi
}
hrun() {
	local want=$1 rc
	shift
	set +e
	"$BOOTLENS" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	hist_no_secret "bootlens $*" "$tmp/out" "$tmp/err"
	hist_pw_warning "bootlens $*"
	[ -n "${hist_nolog:-}" ] || hist_log_run "$rc" "$@"
	[ "$rc" -eq "$want" ] || fail "bootlens $* exited $rc, want $want; stdout: $(head -c 2000 "$tmp/out"); stderr: $(cat "$tmp/err")"
}
hist_no_secret() {
	local what=$1
	shift
	! grep -qF -- "$hist_secret" "$@" ||
		fail "$what shows the password of --db: $(grep -hF -- "$hist_secret" "$@" | head -n 3)"
}
hist_log_run() {
	local rc=$1
	shift
	hist_no_secret "$*" "$tmp/out" "$tmp/err"
	hist_pw_warning "$*"
	[ -n "${BOOTLENS_HISTORY_LOG:-}" ] || return 0
	{
		printf '== %s (exit %s)\n' "$*" "$rc"
		cat "$tmp/out"
		echo "-- stderr"
		cat "$tmp/err"
	} >"$tmp/.hist/run"
	hist_norm "$tmp/.hist/run" >>"$BOOTLENS_HISTORY_LOG"
}
hrun_nolog() { hist_nolog=1 hrun "$@"; }
hlog() {
	local f
	hist_no_secret "the file" "$@"
	[ -n "${BOOTLENS_HISTORY_LOG:-}" ] || return 0
	for f in "$@"; do
		{
			echo "== file $f"
			cat "$f"
		} >"$tmp/.hist/run"
		hist_norm "$tmp/.hist/run" >>"$BOOTLENS_HISTORY_LOG"
	done
}
need_err() { grep -Eq -- "$1" "$tmp/err" || fail "stderr lacks /$1/: $(cat "$tmp/err")"; }
need_out() { grep -Eq -- "$1" "$tmp/out" || fail "stdout lacks /$1/: $(head -c 3000 "$tmp/out")"; }
copy_session() {
	cp -r "$1" "$2"
	jq --arg id "$3" --arg c "${4:-}" '.session_id = $id | if $c != "" then .created = $c else . end' \
		"$1/session.json" >"$2/session.json"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
re() { printf '%s' "$1" | sed 's/[][\\.*^$?+(){}|]/\\&/g'; }
