# Sourced by tests/pg/*.sh (not a test of its own): the environment of the
# pg_cluster fixture's server (tests/pg/cluster.sh, started once for the
# whole pg label), a scratch directory and fail().
#
# Sets PGHOST, PGPORT, PGUSER and PGDATABASE (the superuser's connection,
# trusted), $tmp (removed at exit; kept when already set, as by
# tests/cli/lib/history.sh sourced first) and $pgbin (the server's bindir,
# psql included). Exits 77 (skipped) when PostgreSQL is not installed, 1 when
# it is but the fixture's cluster is not there (its start failed).
: "${BOOTLENS_PG_DIR:?BOOTLENS_PG_DIR must name the directory of the pg_cluster fixture}"
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
cluster=$BOOTLENS_SRC/tests/pg/cluster.sh
pgbin=$(bash "$cluster" bindir) || exit $?
[ -f "$BOOTLENS_PG_DIR/port" ] ||
	fail "no test cluster in $BOOTLENS_PG_DIR: did the pg_cluster_start fixture fail? (ctest -R pg_cluster_start -V)"
unset PGPASSWORD PGPASSFILE PGSERVICE PGSERVICEFILE PGHOSTADDR PGOPTIONS PGSSLMODE
eval "$(bash "$cluster" env "$BOOTLENS_PG_DIR")"
tmp=${tmp:-$(mktemp -d)}
trap 'rm -rf "$tmp"' EXIT
