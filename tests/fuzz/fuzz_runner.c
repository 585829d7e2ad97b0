/*
 * fuzz_runner: the collector's handling of console bytes, without QEMU:
 * the capture arrives in chunks (sizes taken from the input's own bytes)
 * through runner_scan_console(), as runner_run() reads it, then the dump
 * is parsed and runner_judge() gives the verdict, for each way the boot
 * can end (exited, killed, timed out, never started).
 */
#include <string.h>

#include "base/sbuf.h"
#include "collector/runner.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct runner_result r;
        struct runner_scan sc = {0, 0};
        size_t pos = 0;
        uint64_t now = 1000;

        memset(&r, 0, sizeof(r));
        while (pos < size) {
                /* chunk sizes 1..64 from the bytes themselves */
                size_t n = 1 + (data[pos] & 63);

                if (n > size - pos)
                        n = size - pos;
                if (sbuf_add(&r.console, data + pos, n) < 0 ||
                    runner_scan_console(&r, &sc, now++) < 0)
                        goto out;
                pos += n;
        }
        r.t_exit = now;
        if (runner_scan_console(&r, &sc, now) < 0)
                goto out;
        if (r.t_dump_begin) {
                if (framing_parse(r.console.buf, r.console.len, &r.dump) == 0)
                        r.dump_found = true;
                else
                        framing_dump_free(&r.dump);
        }
        r.exit = (enum runner_exit)(size % 3);
        r.exit_code = (int)(size % 256);
        r.exit_signal = (int)(size % 65);
        r.spawn_error = (int)(size % 134);
        r.timed_out = size % 5 == 0;
        r.kvm_error = size % 7 == 0;
        r.console_truncated = size % 11 == 0;
        runner_judge(&r, 60000000000ull);
        session_verdict_name(r.verdict);
out:
        runner_result_free(&r);
        return 0;
}
