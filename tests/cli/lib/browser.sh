# shellcheck shell=bash disable=SC2034 # the variables are for the tests that source this
# Sourced by the browser-label tests (tests/cli/browser_*.sh,
# export_speedscope.sh); not a test itself. What they share: the npm
# packages they use, pinned and installed into the build tree (never
# committed), the headless chromium harness (tests/cli/lib/browser.mjs) and
# the directory a test leaves its screenshots in.
#
#   browser_skip REASON...        print "SKIP: REASON" and exit 77
#   browser_npm_install PKG VER DIR
#                                 install PKG@VER into DIR/node_modules
#                                 unless it is there (concurrent tests wait
#                                 for each other); skip when npm cannot
#                                 install it (no registry)
#   browser_setup                 node, npm and /usr/bin/chromium or skip;
#                                 puppeteer-core installed into
#                                 $BOOTLENS_BUILD/puppeteer; sets
#                                 BOOTLENS_BROWSER_MODULES (exported),
#                                 BROWSER_JS (the harness) and BROWSER_CHECK
#                                 (lib/browser_check.mjs: what the tests
#                                 require of what the harness read)
#   browser_speedscope            speedscope installed into
#                                 $BOOTLENS_BUILD/speedscope; sets
#                                 SPEEDSCOPE_PKG (its package directory)
#   browser_outdir NAME           make $BOOTLENS_BUILD/test-output/NAME
#                                 afresh and print its path
#   browser_run ARGS...           node BROWSER_JS ARGS..., under timeout(1)
#                                 as a second guard (the harness has its
#                                 own: --timeout, default 60 s)
: "${BOOTLENS_BUILD:?BOOTLENS_BUILD must name the build tree}"
: "${BOOTLENS_SRC:?BOOTLENS_SRC must name the source tree}"

SPEEDSCOPE_VERSION=1.25.0
# puppeteer-core 25 needs node 22; Debian 12 has node 18 (nodesource: 20)
PUPPETEER_VERSION=24.43.1

browser_skip() {
	echo "SKIP: $*"
	exit "${BOOTLENS_SKIP_RC:-77}"
}

browser_npm_install() {
	local pkg=$1 version=$2 dir=$3 have fd
	command -v flock >/dev/null || browser_skip "no flock (util-linux)"
	mkdir -p "$dir"
	exec {fd}>"$dir/.lock"
	flock -w 300 "$fd" || browser_skip "cannot lock $dir/.lock"
	have=$(node -p "require('$dir/node_modules/$pkg/package.json').version" 2>/dev/null || true)
	if [ "$have" != "$version" ]; then
		if ! (cd "$dir" && npm install --no-audit --no-fund --no-save --no-package-lock \
			"$pkg@$version") >"$dir/npm.log" 2>&1; then
			cat "$dir/npm.log" >&2
			exec {fd}>&-
			browser_skip "npm cannot install $pkg@$version (no registry?): $dir/npm.log"
		fi
	fi
	exec {fd}>&-
}

browser_setup() {
	command -v node >/dev/null || browser_skip "no node (bash scripts/setup.sh installs nodejs)"
	command -v npm >/dev/null || browser_skip "no npm (bash scripts/setup.sh installs npm)"
	[ -x /usr/bin/chromium ] || browser_skip "no /usr/bin/chromium (bash scripts/setup.sh installs chromium)"
	browser_npm_install puppeteer-core "$PUPPETEER_VERSION" "$BOOTLENS_BUILD/puppeteer"
	export BOOTLENS_BROWSER_MODULES="$BOOTLENS_BUILD/puppeteer"
	BROWSER_JS="$BOOTLENS_SRC/tests/cli/lib/browser.mjs"
	BROWSER_CHECK="$BOOTLENS_SRC/tests/cli/lib/browser_check.mjs"
}

browser_speedscope() {
	command -v node >/dev/null || browser_skip "no node (bash scripts/setup.sh installs nodejs)"
	command -v npm >/dev/null || browser_skip "no npm (bash scripts/setup.sh installs npm)"
	browser_npm_install speedscope "$SPEEDSCOPE_VERSION" "$BOOTLENS_BUILD/speedscope"
	SPEEDSCOPE_PKG="$BOOTLENS_BUILD/speedscope/node_modules/speedscope"
}

browser_outdir() {
	local d="$BOOTLENS_BUILD/test-output/$1"
	rm -rf "$d"
	mkdir -p "$d"
	echo "$d"
}

browser_run() {
	timeout -k 5 120 node "$BROWSER_JS" "$@"
}
