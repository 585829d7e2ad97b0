/*
 * Synthetic bzImages for the unit tests (test_vmlinux.c, test_kimage.c):
 * a payload compressed as the kernel build does (the size trailer
 * appended, the LZ4 legacy frame), wrapped in a one-sector setup header.
 * Include once per test file, after cmocka.h.
 */
#ifndef BOOTLENS_TEST_BZIMAGE_FIXTURE_H
#define BOOTLENS_TEST_BZIMAGE_FIXTURE_H

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "base/sbuf.h"
#include "guest/vmlinux.h"

static void put_le32(unsigned char *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

/* Compress data as the kernel build does for a bzImage payload. */
static void compress_as(enum vmlinux_comp comp, const unsigned char *in, size_t len,
                        struct sbuf *out)
{
        unsigned char trailer[4];

        sbuf_reset(out);
        switch (comp) {
        case VMLINUX_COMP_GZIP: {
                z_stream z;

                memset(&z, 0, sizeof(z));
                assert_int_equal(
                    deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
                assert_int_equal(sbuf_grow(out, deflateBound(&z, len)), 0);
                z.next_in = (unsigned char *)in;
                z.avail_in = (uInt)len;
                z.next_out = (unsigned char *)out->buf;
                z.avail_out = (uInt)(out->cap - 1);
                assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
                out->len = z.total_out;
                deflateEnd(&z);
                return; /* gzip's own trailer holds the size */
        }
        case VMLINUX_COMP_XZ: {
                size_t pos = 0;

                assert_int_equal(sbuf_grow(out, lzma_stream_buffer_bound(len)), 0);
                assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len,
                                                         (uint8_t *)out->buf, &pos, out->cap - 1),
                                 LZMA_OK);
                out->len = pos;
                break;
        }
        case VMLINUX_COMP_LZMA: {
                lzma_stream s = LZMA_STREAM_INIT;
                lzma_options_lzma opt;

                assert_false(lzma_lzma_preset(&opt, 6));
                assert_int_equal(lzma_alone_encoder(&s, &opt), LZMA_OK);
                assert_int_equal(sbuf_grow(out, len + len / 2 + 4096), 0);
                s.next_in = in;
                s.avail_in = len;
                s.next_out = (uint8_t *)out->buf;
                s.avail_out = out->cap - 1;
                assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
                out->len = s.total_out;
                lzma_end(&s);
                break;
        }
        case VMLINUX_COMP_ZSTD: {
                size_t n;

                assert_int_equal(sbuf_grow(out, ZSTD_compressBound(len)), 0);
                n = ZSTD_compress(out->buf, out->cap - 1, in, len, 19);
                assert_false(ZSTD_isError(n));
                out->len = n;
                break;
        }
        case VMLINUX_COMP_BZIP2: {
                unsigned n;

                assert_int_equal(sbuf_grow(out, len + len / 100 + 1024), 0);
                n = (unsigned)(out->cap - 1);
                assert_int_equal(
                    BZ2_bzBuffToBuffCompress(out->buf, &n, (char *)in, (unsigned)len, 9, 0, 0),
                    BZ_OK);
                out->len = n;
                break;
        }
        case VMLINUX_COMP_LZ4: {
                const size_t block = 8u << 20;
                unsigned char hdr[4];

                put_le32(hdr, 0x184c2102u);
                assert_int_equal(sbuf_add(out, hdr, 4), 0);
                for (size_t pos = 0; pos < len; pos += block) {
                        int n = (int)(len - pos < block ? len - pos : block);
                        int bound = LZ4_compressBound(n), c;

                        assert_int_equal(sbuf_grow(out, (size_t)bound + 4), 0);
                        c = LZ4_compress_default((const char *)in + pos, out->buf + out->len + 4, n,
                                                 bound);
                        assert_true(c > 0);
                        put_le32((unsigned char *)out->buf + out->len, (uint32_t)c);
                        out->len += 4 + (size_t)c;
                }
                break;
        }
        default:
                fail();
        }
        put_le32(trailer, (uint32_t)len);
        assert_int_equal(sbuf_add(out, trailer, 4), 0);
}

/* A bzImage around a payload: one setup sector plus the boot sector
 * (setup_sects 1), then the payload at payload_offset 0x40. */
static unsigned char *make_bzimage(const void *payload, size_t plen, size_t *len)
{
        size_t setup = 1024, off = 0x40, n = setup + off + plen + 512;
        unsigned char *p = calloc(1, n);

        assert_non_null(p);
        p[0x1f1] = 1;
        memcpy(p + 0x202, "HdrS", 4);
        p[0x206] = 0x0f; /* 2.15 */
        p[0x207] = 0x02;
        put_le32(p + 0x248, (uint32_t)off);
        put_le32(p + 0x24c, (uint32_t)plen);
        memcpy(p + setup + off, payload, plen);
        *len = n;
        return p;
}

#endif
