#!/usr/bin/env bash
# Install what is missing from Debian's archive (as root, idempotent), build
# bootlens into ./build, then optionally run the demo or the test suite.
#
#   bash scripts/setup.sh           install + build
#   bash scripts/setup.sh --demo    ... then profile real boots (bootlens demo)
#   bash scripts/setup.sh --test    ... then run every test label with ctest, and
#                                   the unit label again under ASan+UBSan
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BOOTLENS_BUILD_DIR:-$here/build}
mode=${1:-}
case "$mode" in
"" | --demo | --test) ;;
-h | --help)
	sed -n '2,8s/^# \{0,1\}//p' "$0"
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
	cpio xz-utils zstd jq musl-tools busybox-static clang-format)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
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

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null

case "$mode" in
--demo)
	exec "$build/cli/bootlens" demo
	;;
--test)
	# Every label on the normal build; then the unit label again on an
	# ASan+UBSan build ($build-asan), so that a memory error in a parser
	# of guest bytes fails the suite even where no output shows it.
	(cd "$build" && ctest --output-on-failure --timeout 1200)
	cmake -S "$here" -B "$build-asan" -DBOOTLENS_SANITIZE=ON >/dev/null
	cmake --build "$build-asan" -j "$(nproc)" >/dev/null
	cd "$build-asan"
	exec ctest --output-on-failure --timeout 1200 -L unit
	;;
esac
