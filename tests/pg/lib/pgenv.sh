# Sourced by tests/pg/lib/pg.sh and tests/cli/lib/history.sh (not a test
# of its own): pg_env, which sets the environment of the pg_cluster
# fixture's server (tests/pg/cluster.sh, started once for the whole pg
# label): PGHOST, PGPORT, PGUSER and PGDATABASE (the superuser's
# connection, trusted) and $pgbin (the server's bindir, psql included).
# Exits 77 (skipped) when PostgreSQL is not installed, 1 when it is but
# the fixture's cluster is not there (its start failed). Needs
# BOOTLENS_PG_DIR and BOOTLENS_SRC.
pg_env() {
	local cluster
	: "${BOOTLENS_PG_DIR:?BOOTLENS_PG_DIR must name the directory of the pg_cluster fixture}"
	: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"
	cluster=$BOOTLENS_SRC/tests/pg/cluster.sh
	pgbin=$(bash "$cluster" bindir) || exit $?
	if [ ! -f "$BOOTLENS_PG_DIR/port" ]; then
		echo "FAIL: no test cluster in $BOOTLENS_PG_DIR: did the pg_cluster_start fixture fail? (ctest -R pg_cluster_start -V)" >&2
		exit 1
	fi
	unset PGPASSWORD PGPASSFILE PGSERVICE PGSERVICEFILE PGHOSTADDR PGOPTIONS PGSSLMODE
	eval "$(bash "$cluster" env "$BOOTLENS_PG_DIR")"
}
