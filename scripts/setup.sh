#!/usr/bin/env bash
# Install what is missing from Debian's archive (as root, idempotent), build
# bootlens into ./build, then optionally run the demo or the test suite.
#
#   bash scripts/setup.sh           install + build
#   bash scripts/setup.sh --demo    ... then profile real boots (bootlens demo)
#   bash scripts/setup.sh --test    ... then test the committed HEAD: clone it into
#                                   an empty temporary directory (nothing beside
#                                   it), build there, run every test label with
#                                   ctest, the unit label again under ASan+UBSan,
#                                   and print how many tests were skipped
#
# --test tests what is committed: uncommitted changes are not in the clone
# (it says so when there are any). It exits non-zero when a test fails.
# BOOTLENS_KEEP_TEST_DIR=1 keeps the clone and its builds for a look.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BOOTLENS_BUILD_DIR:-$here/build}
mode=${1:-}
case "$mode" in
"" | --demo | --test) ;;
-h | --help)
	sed -n '2,16s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	echo "setup.sh: unknown option '$mode' (try --demo or --test)" >&2
	exit 2
	;;
esac

packages=(build-essential cmake pkg-config git ca-certificates
	qemu-system-x86 gnuplot-nox libelf-dev libcmocka-dev libsqlite3-dev sqlite3
	libarchive-dev libjansson-dev libssl-dev zlib1g-dev liblz4-dev liblzma-dev libzstd-dev libbz2-dev
	cpio xz-utils zstd jq musl-tools busybox-static clang-format
	python3-scipy python3-numpy
	chromium fonts-dejavu-core fonts-liberation fonts-noto-color-emoji nodejs
	postgresql libpq-dev)
# The pg label (docs/history-backends.md): tests/pg/cluster.sh runs
# Debian's initdb, pg_ctl and postgres (postgresql) as the postgres user
# on a throw-away cluster of its own; libpq-dev for test_pq_link and the
# history store's PostgreSQL backend (issue 16). The package's own
# cluster (15/main, on port 5432) is not used by any test.
# The browser label (CONTRIBUTING.md, "Browser tests"): Debian's chromium
# headless; with --no-install-recommends it comes without fonts, and a page
# then renders with whatever fontconfig finds: DejaVu for the figures and
# the report, Liberation for Arial/Helvetica/Times/Courier (a Recommends of
# chromium-common), Noto Color Emoji for speedscope's toolbar. node and npm
# install puppeteer-core and speedscope into the build tree; Debian's npm
# package conflicts with a nodejs that brings its own npm (NodeSource's),
# so npm is wanted only when no npm command is there.

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup.sh: missing packages (run as root to install): ${missing[*]}" >&2
		exit 2
	fi
	echo "setup.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# apt-get download (the demo's kernel) needs package lists.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
	apt-get update -qq
fi

if [ "$mode" != --test ]; then
	cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j "$(nproc)" >/dev/null
fi

# The skipped tests of a ctest --output-junit FILE: their count on the
# first line, then "  NAME: the reason it printed" for each.
skipped_tests() {
	[ -f "$1" ] || { echo "? (no $1)"; return 0; }
	awk '
		/^\tskipped="/ { n = $0; gsub(/[^0-9]/, "", n) }
		/<testcase / && /status="notrun"/ { name = $0; sub(/.*name="/, "", name); sub(/".*/, "", name); want = 1; why = "" }
		want && /skipped: / && why == "" { why = $0; sub(/.*skipped: /, "", why) }
		want && /<\/testcase>/ { list = list "  " name ": " (why == "" ? "(no reason printed)" : why) "\n"; want = 0 }
		END { print n + 0; printf "%s", list }
	' "$1"
}

case "$mode" in
--demo)
	exec "$build/cli/bootlens" demo
	;;
--test)
	# The committed HEAD, cloned into an empty directory: the suite must
	# stand alone (no ../shared, no build output, nothing untracked).
	command -v git >/dev/null || { echo "setup.sh: --test needs git" >&2; exit 2; }
	commit=$(git -C "$here" rev-parse HEAD) || {
		echo "setup.sh: --test clones the repository, and $here is not one" >&2
		exit 2
	}
	if [ -n "$(git -C "$here" status --porcelain --untracked-files=normal)" ]; then
		echo "setup.sh: uncommitted changes in $here are not tested: the clone holds HEAD ($commit)" >&2
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/bootlens-test.XXXXXX")
	if [ -z "${BOOTLENS_KEEP_TEST_DIR:-}" ]; then
		trap 'rm -rf "$work"' EXIT
	fi
	src=$work/bootlens
	git clone -q --no-checkout "$here" "$src"
	git -C "$src" checkout -q --detach "$commit"
	echo "setup.sh: testing $commit in $src" >&2
	cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$work/build" -j "$(nproc)" >/dev/null

	# Every label on the normal build; then the unit label again on an
	# ASan+UBSan build, so that a memory error or a leak in a parser of
	# guest bytes (test_nomem fails every allocation in turn) fails the
	# suite even where no output shows it.
	rc=0
	(cd "$work/build" && ctest --output-on-failure --timeout 1200 \
		--test-output-size-passed 65536 \
		--output-junit "$work/all.xml") || rc=1
	cmake -S "$src" -B "$work/build-asan" -DBOOTLENS_SANITIZE=ON >/dev/null
	cmake --build "$work/build-asan" -j "$(nproc)" >/dev/null
	(cd "$work/build-asan" && ctest --output-on-failure --timeout 1200 -L unit \
		--test-output-size-passed 65536 \
		--output-junit "$work/asan.xml") || rc=1

	# test_nomem's summary, one line a parser, from the ASan run.
	if [ -f "$work/asan.xml" ] && grep -q '^nomem: ' "$work/asan.xml"; then
		echo "setup.sh: failing-malloc injector under ASan+UBSan (test_nomem):"
		sed -n "s/^nomem: /  /p" "$work/asan.xml" |
			sed "s/&apos;/'/g; s/&quot;/\"/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g"
	fi
	all=$(skipped_tests "$work/all.xml")
	asan=$(skipped_tests "$work/asan.xml")
	echo "setup.sh: skipped tests: $(head -n1 <<<"$all") of every label, $(head -n1 <<<"$asan") of unit under ASan+UBSan"
	tail -n +2 <<<"$all" | sed '/^$/d'
	tail -n +2 <<<"$asan" | sed '/^$/d; s/$/ (ASan)/'
	if [ "$rc" -ne 0 ]; then
		echo "setup.sh: tests failed (ctest's output above)" >&2
		[ -n "${BOOTLENS_KEEP_TEST_DIR:-}" ] && echo "setup.sh: builds kept in $work" >&2
	fi
	exit "$rc"
	;;
esac
