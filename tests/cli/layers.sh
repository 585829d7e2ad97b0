#!/usr/bin/env bash
# The layer rule (CONTRIBUTING.md, "Layers"): base -> guest -> collector ->
# analyzer -> reports -> cli. A file includes headers of its own layer and
# the layers below only; a layer's library links only the layers below; the
# base includes libc headers alone; no jansson type in a header of base/,
# guest/, collector/ or analyzer/; the in-guest dumper is built from base/
# and guest/ sources alone.
#
# layers.sh [TREE]   check TREE (default: the source tree); exit 1 on a breach
# Run as a test, it also shows that it fails: it plants an upward include
# in a scratch copy of the tree and expects the check to refuse it.
set -euo pipefail

src=${BOOTLENS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
layers=(base guest collector analyzer reports cli)

rank() {
	local i
	for i in "${!layers[@]}"; do
		if [ "${layers[$i]}" = "$1" ]; then
			echo "$i"
			return
		fi
	done
	echo -1
}

# Is <h> a header of the C library or the kernel's user API (the only
# headers the base may include)?
libc_header() {
	local f
	case $1 in # the compiler's own freestanding headers
	stdarg.h | stddef.h | stdbool.h | stdint.h | limits.h | float.h | stdalign.h | stdnoreturn.h | iso646.h)
		return 0
		;;
	esac
	for f in /usr/include/"$1" /usr/include/x86_64-linux-gnu/"$1"; do
		if [ -e "$f" ]; then
			dpkg -S "$f" 2>/dev/null | grep -qE '^(libc6-dev|linux-libc-dev)' && return 0
		fi
	done
	return 1
}

check() {
	local tree=$1 bad=0 f layer own inc to h
	for layer in "${layers[@]}"; do
		own=$(rank "$layer")
		[ -d "$tree/$layer" ] || continue
		for f in "$tree/$layer"/*.[ch]; do
			[ -e "$f" ] || continue
			while IFS= read -r inc; do
				to=${inc%%/*}
				[ "$to" = "$inc" ] && continue # bootlens_config.h and the like
				if [ "$(rank "$to")" -gt "$own" ]; then
					echo "layers: ${f#"$tree"/} includes \"$inc\": $layer may not include $to (a layer above it)"
					bad=1
				fi
			done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
			if [ "$layer" = base ]; then
				while IFS= read -r h; do
					if ! libc_header "$h"; then
						echo "layers: ${f#"$tree"/} includes <$h>: the base depends on libc alone"
						bad=1
					fi
				done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$f")
			fi
		done
		# No JSON library type in the contracts below reports/.
		case $layer in
		base | guest | collector | analyzer)
			for f in "$tree/$layer"/*.h; do
				[ -e "$f" ] || continue
				if grep -nE 'jansson\.h|\bjson_t\b' "$f" >/dev/null; then
					echo "layers: ${f#"$tree"/} names jansson ($(grep -nE 'jansson\.h|\bjson_t\b' "$f" | head -1 | cut -d: -f1)): JSON is built in reports/ and read inside session.c"
					bad=1
				fi
			done
			;;
		esac
		# A layer's library links only the layers below it.
		if [ -f "$tree/$layer/CMakeLists.txt" ]; then
			while IFS= read -r to; do
				if [ "$(rank "$to")" -ge "$own" ]; then
					echo "layers: $layer/CMakeLists.txt links bootlens_$to: $layer may link only layers below it"
					bad=1
				fi
			done < <(tr '\n' ' ' <"$tree/$layer/CMakeLists.txt" |
				grep -oE 'target_link_libraries\([^)]*\)' | grep -oE 'bootlens_[a-z]+' |
				sed 's/^bootlens_//' | grep -vx "$layer" || true)
		fi
	done
	# The in-guest dumper: base and guest sources only.
	if [ -f "$tree/guest/CMakeLists.txt" ]; then
		while IFS= read -r f; do
			case $f in
			*/base/* | *CMAKE_CURRENT_SOURCE_DIR*) ;;
			*)
				echo "layers: bootlens-dumper is built from $f: the dumper links base and guest code only"
				bad=1
				;;
			esac
		done < <(tr '\n' ' ' <"$tree/guest/CMakeLists.txt" | grep -oE 'set\(dumper_sources[^)]*\)' |
			grep -oE '\$\{[A-Z_]+\}/[^ )]+\.c')
	fi
	return $bad
}

if [ $# -gt 0 ]; then
	check "$1"
	exit
fi

# 1. The tree obeys the rule.
if ! check "$src"; then
	echo "layers: FAIL: the source tree breaks the layer rule"
	exit 1
fi
echo "layers: the source tree keeps the layer rule"

# 2. The check can fail: an upward include planted in a scratch copy.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for layer in "${layers[@]}"; do
	mkdir -p "$scratch/$layer"
	cp "$src/$layer"/*.[ch] "$scratch/$layer/" 2>/dev/null || true
	cp "$src/$layer/CMakeLists.txt" "$scratch/$layer/" 2>/dev/null || true
done
sed -i '0,/^#include "/s//#include "reports\/json.h"\n#include "/' "$scratch/analyzer/tslog.c"
if out=$(check "$scratch"); then
	echo "layers: FAIL: an upward include (analyzer/tslog.c -> reports/json.h) was not caught"
	exit 1
fi
echo "$out" | grep -q 'analyzer/tslog.c includes "reports/json.h"' || {
	echo "layers: FAIL: the planted include was not named: $out"
	exit 1
}
echo "layers: a planted upward include is refused: $out"

# 3. ... and so is an upward link.
cp "$src/analyzer/tslog.c" "$scratch/analyzer/tslog.c"
sed -i 's/target_link_libraries(bootlens_collector PUBLIC/target_link_libraries(bootlens_collector PUBLIC bootlens_reports/' \
	"$scratch/collector/CMakeLists.txt"
if out=$(check "$scratch"); then
	echo "layers: FAIL: an upward link (collector -> reports) was not caught"
	exit 1
fi
echo "layers: a planted upward link is refused: $out"
echo "layers: ok"
