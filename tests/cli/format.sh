#!/usr/bin/env bash
# Every C source and header of the project is formatted by the repository's
# .clang-format (CONTRIBUTING.md: clang-format before each commit).
set -euo pipefail
: "${BOOTLENS_SRC:?}"
command -v clang-format >/dev/null || { echo "skipped: clang-format is not installed (scripts/setup.sh installs it)" >&2; exit "${BOOTLENS_SKIP_RC:-77}"; }
cd "$BOOTLENS_SRC"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files '*.c' '*.h')
else
	mapfile -t files < <(find analyzer cli collector guest reports tests bench -name '*.[ch]')
fi
[ ${#files[@]} -gt 50 ] || { echo "FAIL: only ${#files[@]} C files found" >&2; exit 1; }
if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
	echo "FAIL: not clang-formatted (run clang-format -i on these):" >&2
	grep -o '^[^:]*:[0-9]*' <<<"$out" | sort -u >&2
	exit 1
fi
echo "format: ${#files[@]} files clang-formatted"
