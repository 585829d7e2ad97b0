#!/bin/bash
# Run one libFuzzer target of a BOOTLENS_FUZZ build (docs/fuzzing.md).
#
#   tests/fuzz/fuzz.sh BUILD TARGET [SECONDS] [LIBFUZZER-OPTION...]
#
# TARGET is tslog, dmesg, fgraph, framing, runner, session, phases, kimage
# or kallsyms. New
# inputs go to BUILD/fuzz-work/TARGET/corpus, crashes to
# BUILD/fuzz-work/TARGET/crash-*; the seeds are the committed corpus
# (tests/fuzz/corpus/TARGET) and the golden files of tests/data and
# tests/data/samples, read where they lie.
set -euo pipefail

if [ $# -lt 2 ]; then
        echo "usage: $0 BUILD TARGET [SECONDS] [LIBFUZZER-OPTION...]" >&2
        exit 2
fi
build=$(cd "$1" && pwd) target=$2 secs=${3:-180}
shift $(($# < 3 ? $# : 3))
src=$(cd "$(dirname "$0")/../.." && pwd)
data=$src/tests/data samples=$data/samples
bin=$build/tests/fuzz/fuzz_$target
if [ ! -x "$bin" ]; then
        echo "$0: no '$bin': configure BUILD with CC=clang -DBOOTLENS_FUZZ=ON and build it" >&2
        exit 2
fi

case $target in
tslog) seeds="$data/tslog/*.txt $samples/*.txt $data/collect/*.console" ;;
dmesg) seeds="$data/dmesg/*.log $data/guest/*.console $data/ftrace/* $data/linux-session/runs/*.console" ;;
fgraph) seeds="$data/ftrace/*" ;;
framing | runner) seeds="$data/guest/*.console $data/collect/*.console" ;;
session) seeds="$data/linux-session/*.json $data/linux-session/runs/*.json" ;;
phases) seeds="" ;;
kimage) seeds="" ;; # the committed corpus: small fixtures, cut ones, bzImages
kallsyms) seeds="" ;; # the committed corpus: excerpts, modules, cut and bad lines
*)
        echo "$0: unknown target '$target'" >&2
        exit 2
        ;;
esac

work=$build/fuzz-work/$target
mkdir -p "$work/corpus" "$work/seeds"
for f in $seeds; do
        [ -f "$f" ] && ln -sf "$f" "$work/seeds/$(basename "$(dirname "$f")")-$(basename "$f")"
done
cd "$work"
exec "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=5 -print_final_stats=1 \
        -artifact_prefix="$work/" "$@" corpus "$src/tests/fuzz/corpus/$target" seeds
