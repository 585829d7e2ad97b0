# Sourced by tests/cli/history_*.sh (not a test of its own): a scratch
# directory, fail(), hrun() and copies of the fixture sessions under
# other session ids, so that one fixture makes many points. Needs
# $BOOTLENS and $BOOTLENS_TEST_DATA; sets $tmp (removed at exit).
#
# hrun WANT-RC ARGS...: bootlens ARGS, stdout in $tmp/out, stderr in
#   $tmp/err; fails unless it exits WANT-RC.
# copy_session SRC DEST ID [CREATED]: a copy of the session SRC whose
#   session.json says session_id ID (and created CREATED).
# sha FILE: its sha256.
# need_err REGEX / need_out REGEX: the last hrun's stderr / stdout has a
#   line matching the extended REGEX.
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
: "${BOOTLENS_TEST_DATA:?BOOTLENS_TEST_DATA must name tests/data}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# what a CI system would set must not leak into the labels checked here
unset BOOTLENS_HISTORY GITHUB_SHA CI_COMMIT_SHA GITHUB_REF_NAME CI_COMMIT_REF_NAME GITHUB_JOB CI_JOB_ID
export NO_COLOR=1
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
hrun() {
	local want=$1 rc
	shift
	set +e
	"$BOOTLENS" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || fail "bootlens $* exited $rc, want $want; stdout: $(head -c 2000 "$tmp/out"); stderr: $(cat "$tmp/err")"
}
need_err() { grep -Eq -- "$1" "$tmp/err" || fail "stderr lacks /$1/: $(cat "$tmp/err")"; }
need_out() { grep -Eq -- "$1" "$tmp/out" || fail "stdout lacks /$1/: $(head -c 3000 "$tmp/out")"; }
copy_session() {
	cp -r "$1" "$2"
	jq --arg id "$3" --arg c "${4:-}" '.session_id = $id | if $c != "" then .created = $c else . end' \
		"$1/session.json" >"$2/session.json"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
