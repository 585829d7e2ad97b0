# Sourced by tests/pg/*.sh (not a test of its own): the environment of the
# pg_cluster fixture's server (pg_env of lib/pgenv.sh), a scratch
# directory and fail().
#
# Sets PGHOST, PGPORT, PGUSER and PGDATABASE (the superuser's connection,
# trusted), $tmp (removed at exit; kept when already set, as by
# tests/cli/lib/history.sh sourced first) and $pgbin (the server's bindir,
# psql included) and $cluster (tests/pg/cluster.sh). Exits 77 (skipped)
# when PostgreSQL is not installed, 1 when it is but the fixture's cluster
# is not there (its start failed).
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
. "$(dirname "${BASH_SOURCE[0]}")/pgenv.sh"
pg_env
cluster=$BOOTLENS_SRC/tests/pg/cluster.sh
tmp=${tmp:-$(mktemp -d)}
trap 'rm -rf "$tmp"' EXIT
