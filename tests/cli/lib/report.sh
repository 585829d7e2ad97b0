# Sourced by tests/cli/report_*.sh (not a test): the environment they
# need, a scratch directory removed on exit, fail MESSAGE, and
# check ARGS... running the Python that follows on stdin with
# tests/cli/lib on its path (report_check.py).
set -euo pipefail
: "${BOOTLENS:?}" "${BOOTLENS_TEST_DATA:?}" "${BOOTLENS_SRC:?}"
py=/usr/bin/python3
[ -x "$py" ] || {
	echo "SKIP: no $py"
	exit "${BOOTLENS_SKIP_RC:-77}"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
check() {
	PYTHONPATH="$BOOTLENS_SRC/tests/cli/lib" "$py" - "$@"
}
