#!/usr/bin/python3
"""Check a Chrome trace (JSON Object Format) against the Trace Event Format
rules that bootlens' --format chrome promises (docs/exports.md).

usage: chrome_validate.py TRACE.json [--processes N] [--max-end-us LO HI]

Checks:
 - the document: an object with a "traceEvents" array and "displayTimeUnit"
   "ms" or "ns";
 - every event: an object with "name" (string), "ph" one of X, i, M, and
   integer "pid" and "tid" (0 <= id < 2^53);
 - X: "cat" string, "ts" and "dur" numbers, dur >= 0, ts >= 0, "args" an
   object; i: "ts" number >= 0, "s" one of t, p, g, no "dur"; M: name one of
   process_name, thread_name, process_sort_index, thread_sort_index,
   process_labels, with args.name (string), args.sort_index (integer) or
   args.labels (string) as the name requires;
 - units: ts and dur are microseconds given as exact multiples of 2^-10 us,
   read exactly (no float): every ts + dur below is exact;
 - metadata: every pid with events has a process_name, every (pid, tid) with
   events a thread_name;
 - order and nesting per (pid, tid): events in file order by ts, and every
   two X events either disjoint or one inside the other (no partial overlap);
 - with --processes N: N processes; with --max-end-us LO HI: the latest end
   of any event lies in [LO, HI] us (a check of the unit on a known boot).
Prints "ok: E events, P processes, T tracks" or one line per problem (at most
20) and exits 1.
"""
import json
import sys
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

META = {
    "process_name": ("name", str),
    "thread_name": ("name", str),
    "process_sort_index": ("sort_index", int),
    "thread_sort_index": ("sort_index", int),
    "process_labels": ("labels", str),
}


def main(argv):
    path = argv[1]
    want_procs = None
    end_range = None
    k = 2
    while k < len(argv):
        if argv[k] == "--processes":
            want_procs = int(argv[k + 1])
            k += 2
        elif argv[k] == "--max-end-us":
            end_range = (Fraction(argv[k + 1]), Fraction(argv[k + 2]))
            k += 3
        else:
            print(f"usage: {argv[0]} TRACE.json [--processes N] [--max-end-us LO HI]")
            return 2
    problems = []

    def bad(msg):
        problems.append(msg)

    with open(path, encoding="utf-8") as f:
        doc = json.load(f, parse_float=Decimal)
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        print("not a JSON object with a traceEvents array")
        return 1
    if doc.get("displayTimeUnit") not in ("ms", "ns"):
        bad(f"displayTimeUnit is {doc.get('displayTimeUnit')!r}, not \"ms\" or \"ns\"")

    def number(e, key, where):
        v = e.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            bad(f"{where}: {key} is not a number: {v!r}")
            return None
        q = Fraction(v) * 1024
        if q.denominator != 1:
            bad(f"{where}: {key} {v} us is not a multiple of 2^-10 us")
        if v < 0:
            bad(f"{where}: {key} {v} is negative")
        return Fraction(v)

    procs, threads = set(), set()
    named_procs, named_threads = set(), set()
    tracks = defaultdict(list)  # (pid, tid) -> [(ts, end, is_span, index)]
    max_end = None
    for i, e in enumerate(doc["traceEvents"]):
        where = f"event {i}"
        if not isinstance(e, dict):
            bad(f"{where}: not an object")
            continue
        ph = e.get("ph")
        if not isinstance(e.get("name"), str):
            bad(f"{where}: name is not a string")
        where = f"event {i} ({e.get('name')!r}, ph {ph!r})"
        ids = []
        for key in ("pid", "tid"):
            v = e.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**53:
                bad(f"{where}: {key} is not an integer id: {v!r}")
            ids.append(v)
        pid, tid = ids
        if ph == "M":
            spec = META.get(e.get("name"))
            args = e.get("args")
            if not spec:
                bad(f"{where}: unknown metadata event")
            elif not isinstance(args, dict) or not isinstance(args.get(spec[0]), spec[1]) \
                    or isinstance(args.get(spec[0]), bool):
                bad(f"{where}: args.{spec[0]} is not a {spec[1].__name__}")
            elif e["name"] == "process_name":
                named_procs.add(pid)
            elif e["name"] == "thread_name":
                named_threads.add((pid, tid))
            continue
        if ph not in ("X", "i"):
            bad(f"{where}: phase type is not X, i or M")
            continue
        procs.add(pid)
        threads.add((pid, tid))
        if not isinstance(e.get("args", {}), dict):
            bad(f"{where}: args is not an object")
        ts = number(e, "ts", where)
        if ts is None:
            continue
        if ph == "X":
            if not isinstance(e.get("cat"), str):
                bad(f"{where}: cat is not a string")
            dur = number(e, "dur", where)
            if dur is None:
                continue
            end = ts + dur
        else:
            if "dur" in e:
                bad(f"{where}: an instant event has a dur")
            if e.get("s") not in ("t", "p", "g"):
                bad(f"{where}: s is {e.get('s')!r}, not t, p or g")
            end = ts
        max_end = end if max_end is None or end > max_end else max_end
        tracks[(pid, tid)].append((ts, end, ph == "X", i))
    for pid in sorted(procs - named_procs):
        bad(f"pid {pid} has no process_name")
    for pid, tid in sorted(threads - named_threads):
        bad(f"pid {pid} tid {tid} has no thread_name")
    for (pid, tid), evs in sorted(tracks.items()):
        for a, b in zip(evs, evs[1:]):
            if b[0] < a[0]:
                bad(f"pid {pid} tid {tid}: event {b[3]} (ts {b[0]}) is written after "
                    f"event {a[3]} (ts {a[0]})")
                break
        stack = []
        for ts, end, span, i in sorted((x for x in evs if x[2]), key=lambda x: (x[0], -x[1])):
            while stack and stack[-1][0] <= ts:
                stack.pop()
            if stack and end > stack[-1][0]:
                bad(f"pid {pid} tid {tid}: event {i} [{ts}, {end}] crosses the end of "
                    f"event {stack[-1][1]}, which ends at {stack[-1][0]}")
            stack.append((end, i))
    if want_procs is not None and len(procs) != want_procs:
        bad(f"{len(procs)} processes, want {want_procs}")
    if end_range and (max_end is None or not end_range[0] <= max_end <= end_range[1]):
        bad(f"the latest end is {max_end} us, not in [{end_range[0]}, {end_range[1]}]")
    if problems:
        for p in problems[:20]:
            print(p)
        if len(problems) > 20:
            print(f"... {len(problems) - 20} more")
        return 1
    print(f"ok: {len(doc['traceEvents'])} events, {len(procs)} processes, {len(threads)} tracks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
