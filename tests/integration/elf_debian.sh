#!/usr/bin/env bash
# bootlens elf on Debian's real cloud kernels (no boot): the 6.1 bzImage
# (LZ4 payload) is reported with "pvh": true and its "pvh_entry", the same
# entry that 'bootlens guest vmlinux' finds; the unwrapped vmlinux (the
# ELF path) has the same loaded size, build id and PVH entry as its
# bzImage; two kernel packages of different versions (6.1 against 6.12,
# a zstd payload, when the archive or the cache has it; else two 6.1
# releases) compared, the class deltas adding up exactly to the loaded
# delta in the JSON, the table and the Markdown; the bzImage cut to 64 KiB
# and with its payload corrupted is refused in one line. Versions:
# BOOTLENS_ELF_OLD (6.1.0-57), BOOTLENS_ELF_NEW (6.12.117+deb12, then
# 6.1.0-47).
# labels: vm
# timeout: 600
set -euo pipefail
: "${BOOTLENS:?BOOTLENS must name the built bootlens binary}"
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
. "$(dirname "$0")/lib/guest.sh"
bl_need_tool python3

fetch() { # VERSION: the bzImage's path on stdout, or nothing
	"$BOOTLENS" guest fetch-kernel --version "$1" 2>/dev/null | sed -n 's/^kernel //p' || true
}
old=$(fetch "${BOOTLENS_ELF_OLD:-6.1.0-57}")
[ -n "$old" ] || bl_skip "Debian's kernel ${BOOTLENS_ELF_OLD:-6.1.0-57} cannot be fetched"
new=
for v in ${BOOTLENS_ELF_NEW:-6.12.117+deb12 6.1.0-47}; do
	new=$(fetch "$v")
	[ -z "$new" ] || break
	echo "note: kernel $v cannot be had, trying the next"
done
[ -n "$new" ] || bl_skip "no second Debian kernel can be fetched"
echo "old: $old"
echo "new: $new"

# The 6.1 bzImage: LZ4, a PVH note, classes adding up to the loaded size.
"$BOOTLENS" elf --format json "$old" >"$tmp/old.json" || fail "elf --format json $old"
python3 - "$tmp/old.json" <<'PY' || fail "the 6.1 bzImage's JSON: see above"
import json, sys
j = json.load(open(sys.argv[1]))
def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
check(j["kind"] == "bootlens-elf" and j["schema_version"] == 1, "kind, schema_version")
check(j["format"] == "bzimage" and j["entry"] == "bzimage", "a bzImage entered as one")
check(j["pvh"] is True, '"pvh": true')
check(isinstance(j["pvh_entry"], str) and j["pvh_entry"].startswith("0x"), "pvh_entry 0x...")
check(j["bzimage"]["comp"] == "lz4", "comp lz4, not %s" % j["bzimage"]["comp"])
check(0 < j["bzimage"]["comp_size"] < j["file_size"], "comp_size")
check(sum(j["classes"].values()) == j["loaded_size"], "classes add up to loaded_size")
check(j["symtab"] is None and j["symbols"] is None, "no symbol table")
check(j["elf"]["os"] == "linux" and j["elf"]["machine"] == 62, "linux x86-64")
check(len(j["elf"]["build_id"]) == 40, "a build id")
print("6.1: loaded %d bytes, pvh_entry %s, %s %d bytes" % (j["loaded_size"], j["pvh_entry"],
      j["bzimage"]["comp"], j["bzimage"]["comp_size"]))
PY
pvh=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pvh_entry"])' "$tmp/old.json")

# guest vmlinux finds the same entry; elf on the unwrapped ELF agrees.
"$BOOTLENS" guest vmlinux "$old" -o "$tmp/vmlinux" >"$tmp/vmlinux.out" || fail "guest vmlinux"
grep -q "^pvh yes entry $pvh\$" "$tmp/vmlinux.out" ||
	fail "guest vmlinux says '$(grep ^pvh "$tmp/vmlinux.out")', elf says $pvh"
"$BOOTLENS" elf --format json "$tmp/vmlinux" >"$tmp/vmlinux.json" || fail "elf on the vmlinux"
python3 - "$tmp/old.json" "$tmp/vmlinux.json" <<'PY' || fail "bzImage and vmlinux disagree"
import json, sys
bz, elf = (json.load(open(p)) for p in sys.argv[1:3])
for key in ("loaded_size", "pvh_entry", "classes", "unloaded_size", "sections_loaded"):
    if bz[key] != elf[key]:
        sys.exit("FAIL: %s: bzImage %r, vmlinux %r" % (key, bz[key], elf[key]))
if elf["format"] != "elf" or elf["entry"] != "pvh" or elf["bzimage"] is not None:
    sys.exit("FAIL: the vmlinux is not an ELF entered at its PVH note")
if elf["elf"]["build_id"] != bz["elf"]["build_id"]:
    sys.exit("FAIL: build ids differ")
print("vmlinux: the same loaded size (%d), PVH entry and build id" % elf["loaded_size"])
PY

# Two versions compared: JSON arithmetic, then the table's and md's line.
"$BOOTLENS" elf --format json "$new" >"$tmp/new.json" || fail "elf $new"
"$BOOTLENS" elf --format json "$old" --compare "$new" >"$tmp/cmp.json" || fail "elf --compare"
python3 - "$tmp/old.json" "$tmp/new.json" "$tmp/cmp.json" <<'PY' || fail "compare's arithmetic"
import json, sys
a, b, d = (json.load(open(p)) for p in sys.argv[1:4])
def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
check(d["kind"] == "bootlens-elf-compare", "kind")
check(sum(d["class_delta"].values()) == d["loaded_delta"], "class deltas add up to loaded_delta")
check(d["loaded_delta"] == b["loaded_size"] - a["loaded_size"], "loaded_delta is b - a")
check(d["file_delta"] == b["file_size"] - a["file_size"], "file_delta is b - a")
for c in a["classes"]:
    check(d["class_delta"][c] == b["classes"][c] - a["classes"][c], "class %s" % c)
check(d["a"]["build_id"] != d["b"]["build_id"], "two different kernels")
check(d["symbols"] is None, "no symbol lists without symbol tables")
check(all(s["delta"] != 0 for s in d["sections"]), "unchanged sections left out")
print("compare: %s -> %s (%s payload): loaded %+d bytes = %s" % (
    a["bzimage"]["kernel_version"], b["bzimage"]["kernel_version"], b["bzimage"]["comp"],
    d["loaded_delta"], " ".join("%+d %s" % (v, k) for k, v in d["class_delta"].items())))
if "6.12" in b["bzimage"]["kernel_version"]:
    check(b["bzimage"]["comp"] == "zstd", "6.12's payload is zstd")
PY
delta=$(python3 -c 'import json,sys; print("%+d" % json.load(open(sys.argv[1]))["loaded_delta"])' "$tmp/cmp.json")
"$BOOTLENS" elf "$old" --compare "$new" --top 5 >"$tmp/cmp.table" || fail "elf --compare (table)"
line=$(grep '^loaded change:' "$tmp/cmp.table") || fail "no 'loaded change:' line in the table"
python3 - "$line" "$delta" <<'PY' || fail "the table's arithmetic: $line"
import sys
terms, total = sys.argv[1].split(":", 1)[1].split("=")
nums = [int(t) for t in terms.split()[0::2]]
if sum(nums) != int(total.split()[0]) or total.split()[0] != sys.argv[2]:
    sys.exit("FAIL: %s does not add up to %s" % (terms, sys.argv[2]))
PY
[ "$(grep -c '^  [a-z]' "$tmp/cmp.table")" -ge 5 ] || fail "the table lists no sections"
"$BOOTLENS" elf "$old" --compare "$new" --format md >"$tmp/cmp.md" || fail "elf --compare (md)"
grep -q "^Loaded change: .* = $delta loaded\.\$" "$tmp/cmp.md" || fail "md: no loaded change $delta"
grep -q '^| section ' "$tmp/cmp.md" || fail "md: no section table"
"$BOOTLENS" elf "$new" >"$tmp/new.table" || fail "elf $new (table)"
grep -q '^no symbol table$' "$tmp/new.table" || fail "table: no 'no symbol table'"
"$BOOTLENS" elf --format md "$new" >/dev/null || fail "elf $new (md)"

# A Debian kernel has no symbol table: --addr says so and what to use instead.
status=0
"$BOOTLENS" elf --addr 0xffffffff81000000 "$old" 2>"$tmp/err" || status=$?
[ "$status" -eq 2 ] && grep -q 'no symbol table (.*kallsyms' "$tmp/err" ||
	fail "--addr against the bzImage: $status $(cat "$tmp/err")"

# The real bzImage broken: its first 64 KiB, and its payload corrupted:
# one line naming the file, exit 2 (moved from tests/cli/elf_errors.sh,
# where a missing cache skipped them silently).
expect_error() { # FILE PATTERN CMD...: exit 2, one line naming FILE, matching PATTERN
	local file=$1 pat=$2 status=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || status=$?
	[ "$status" -eq 2 ] || fail "'$*' exited $status, expected 2: $(cat "$tmp/err")"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "'$*': not one line: $(cat "$tmp/err")"
	grep -qF -- "bootlens: elf: $file: " "$tmp/err" || fail "'$*': does not name $file: $(cat "$tmp/err")"
	grep -q -- "$pat" "$tmp/err" || fail "'$*': '$(cat "$tmp/err")' does not say '$pat'"
}
head -c 65536 "$old" >"$tmp/bz-64k"
expect_error "$tmp/bz-64k" 'payload.*truncated' "$BOOTLENS" elf "$tmp/bz-64k"
cp "$old" "$tmp/bz-corrupt"
dd if=/dev/zero of="$tmp/bz-corrupt" bs=4096 seek=500 count=16 conv=notrunc status=none
expect_error "$tmp/bz-corrupt" 'corrupt' "$BOOTLENS" elf "$tmp/bz-corrupt"
expect_error "$tmp/bz-corrupt" 'corrupt' "$BOOTLENS" elf --addr 0xffffffff81000000 "$tmp/bz-corrupt"
echo "ok: elf on Debian's kernels"
