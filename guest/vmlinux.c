/* vmlinux: see vmlinux.h. */
#include "guest/vmlinux.h"

#include <bzlib.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <lz4.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/sbuf.h"
#include "base/util.h"

/* Setup header fields (Documentation/arch/x86/boot.rst). */
#define HDR_SETUP_SECTS    0x1f1
#define HDR_SYSSIZE        0x1f4 /* the protected-mode code, in 16-byte paragraphs */
#define HDR_MAGIC          0x202 /* "HdrS" */
#define HDR_VERSION        0x206
#define HDR_KERNEL_VERSION 0x20e /* + 0x200: the version string */
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_END            0x250

/* The LZ4 legacy frame (lz4 -l): the magic, then blocks of at most 8 MiB
 * of output, each prefixed by its compressed size (32-bit LE). */
#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)

static uint32_t le32(const unsigned char *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
        return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static const char *const comp_names[] = {
    [VMLINUX_COMP_UNKNOWN] = "unknown", [VMLINUX_COMP_GZIP] = "gzip",
    [VMLINUX_COMP_BZIP2] = "bzip2",     [VMLINUX_COMP_LZMA] = "lzma",
    [VMLINUX_COMP_XZ] = "xz",           [VMLINUX_COMP_LZO] = "lzo",
    [VMLINUX_COMP_LZ4] = "lz4",         [VMLINUX_COMP_ZSTD] = "zstd",
};

const char *vmlinux_comp_name(enum vmlinux_comp c)
{
        if ((size_t)c < UTIL_ARRAY_SIZE(comp_names))
                return comp_names[c];
        return "unknown";
}

/* The magics the kernel's own lib/decompress.c knows, a little longer. */
static const struct {
        enum vmlinux_comp comp;
        size_t len;
        const char *magic;
} magics[] = {
    {VMLINUX_COMP_GZIP, 2, "\x1f\x8b"},
    {VMLINUX_COMP_BZIP2, 3, "BZh"},
    {VMLINUX_COMP_LZMA, 3, "\x5d\x00\x00"},
    {VMLINUX_COMP_XZ, 6,
     "\xfd"
     "7zXZ\x00"},
    {VMLINUX_COMP_LZO, 4, "\x89LZO"},
    {VMLINUX_COMP_LZ4, 4, "\x02\x21\x4c\x18"},
    {VMLINUX_COMP_ZSTD, 4, "\x28\xb5\x2f\xfd"},
};

enum vmlinux_comp vmlinux_comp_detect(const void *data, size_t len)
{
        for (size_t i = 0; i < UTIL_ARRAY_SIZE(magics); i++)
                if (len >= magics[i].len && memcmp(data, magics[i].magic, magics[i].len) == 0)
                        return magics[i].comp;
        return VMLINUX_COMP_UNKNOWN;
}

int vmlinux_bzimage_parse(const void *img, size_t len, struct vmlinux_bzimage *bz, char *why,
                          size_t whylen)
{
        const unsigned char *p = img;
        size_t sects, off, plen;
        uint64_t want;

        memset(bz, 0, sizeof(*bz));
        if (len < HDR_VERSION + 2 || memcmp(p + HDR_MAGIC, "HdrS", 4) != 0) {
                util_whyf(why, whylen, "no \"HdrS\" setup header signature at 0x%x: not a bzImage",
                          HDR_MAGIC);
                return -ENOEXEC;
        }
        bz->protocol = (uint16_t)(p[HDR_VERSION] | p[HDR_VERSION + 1] << 8);
        if (bz->protocol < 0x208) {
                util_whyf(why, whylen,
                          "boot protocol %u.%02u has no payload fields (2.08 or later needed)",
                          bz->protocol >> 8, bz->protocol & 0xff);
                return -EPROTONOSUPPORT;
        }
        if (len < HDR_END) {
                util_whyf(why, whylen, "the file ends at %zu bytes, inside the setup header", len);
                return -ERANGE;
        }
        sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : 4;
        bz->setup_size = (sects + 1) * 512;
        off = le32(p + HDR_PAYLOAD_OFFSET);
        plen = le32(p + HDR_PAYLOAD_LENGTH);
        bz->payload_off = bz->setup_size + off;
        bz->payload_len = plen;
        if (bz->payload_off > len || plen > len - bz->payload_off) {
                util_whyf(why, whylen,
                          "the payload (offset 0x%zx, %zu bytes) ends past the end of the file "
                          "(%zu bytes): truncated or not a bzImage",
                          bz->payload_off, plen, len);
                return -ERANGE;
        }
        if (plen < 8) {
                util_whyf(why, whylen, "the payload at 0x%zx is only %zu bytes", bz->payload_off,
                          plen);
                return -ERANGE;
        }
        /* The loader copies syssize paragraphs after the setup code: a file
         * cut there (after the payload, in the decompressor's tail) boots
         * into a crash although its payload is whole. */
        want = (uint64_t)bz->setup_size + (uint64_t)le32(p + HDR_SYSSIZE) * 16;
        if (want > len) {
                util_whyf(why, whylen,
                          "truncated bzImage: its setup header says %" PRIu64
                          " bytes (setup and syssize), the file has %zu",
                          want, len);
                return -ERANGE;
        }
        bz->comp = vmlinux_comp_detect(p + bz->payload_off, plen);
        return 0;
}

/* How much output to allocate at first: the size trailer when it is
 * plausible (kernels compress 3-5x), else a guess; the output grows as
 * needed up to VMLINUX_MAX_SIZE. */
static size_t output_hint(const unsigned char *in, size_t len)
{
        uint64_t t = len >= 8 ? le32(in + len - 4) : 0;

        if (t == 0 || t > (uint64_t)len * 64 || t > VMLINUX_MAX_SIZE)
                t = len < ((size_t)16 << 20) ? len * 4 : (size_t)64 << 20;
        return (size_t)t;
}

/* Make room for at least want more bytes of output, within the limit. */
static int room(struct sbuf *out, size_t want, char *why, size_t whylen)
{
        if (out->len >= VMLINUX_MAX_SIZE || want > VMLINUX_MAX_SIZE - out->len) {
                util_whyf(why, whylen, "the kernel decompresses to more than %zu MiB",
                          VMLINUX_MAX_SIZE >> 20);
                return -EFBIG;
        }
        if (out->cap - out->len > want)
                return 0;
        if (sbuf_grow(out, want) < 0) {
                util_whyf(why, whylen, "out of memory after %zu bytes of output", out->len);
                return -ENOMEM;
        }
        return 0;
}

/* Grow by what is there (doubling) but at least 1 MiB, within the limit. */
static size_t next_chunk(const struct sbuf *out)
{
        size_t n = out->len > ((size_t)1 << 20) ? out->len : (size_t)1 << 20;

        if (n > VMLINUX_MAX_SIZE - out->len)
                n = VMLINUX_MAX_SIZE - out->len;
        return n ? n : 1;
}

static int unlz4(const unsigned char *in, size_t len, struct sbuf *out, size_t *used, char *why,
                 size_t whylen)
{
        const int bound = LZ4_compressBound((int)LZ4_LEGACY_BLOCK);
        size_t pos = 4, last_off = 0;
        unsigned block = 0;
        int last_n = (int)LZ4_LEGACY_BLOCK, ret;

        if (len < 4 || le32(in) != LZ4_LEGACY_MAGIC) {
                util_whyf(why, whylen, "no lz4 legacy frame magic");
                return -EBADMSG;
        }
        while (len - pos > 4) {
                uint32_t c = le32(in + pos);
                int n;

                if (c == LZ4_LEGACY_MAGIC) { /* concatenated frames */
                        pos += 4;
                        last_n = (int)LZ4_LEGACY_BLOCK;
                        continue;
                }
                /* Every block but the last holds a whole 8 MiB. */
                if (last_n != (int)LZ4_LEGACY_BLOCK) {
                        util_whyf(
                            why, whylen,
                            "lz4 block %u at payload offset %zu decompressed to %d bytes, not "
                            "%u, and is not the last: corrupt",
                            block - 1, last_off, last_n, LZ4_LEGACY_BLOCK);
                        return -EBADMSG;
                }
                pos += 4;
                if (c == 0 || c > (uint32_t)bound) {
                        util_whyf(why, whylen,
                                  "lz4 block %u at payload offset %zu claims %u bytes (at most %d)",
                                  block, pos - 4, c, bound);
                        return -EBADMSG;
                }
                if (c > len - pos) {
                        util_whyf(
                            why, whylen,
                            "lz4 block %u at payload offset %zu claims %u bytes, %zu are left: "
                            "truncated",
                            block, pos - 4, c, len - pos);
                        return -EBADMSG;
                }
                ret = room(out, LZ4_LEGACY_BLOCK, why, whylen);
                if (ret < 0)
                        return ret;
                n = LZ4_decompress_safe((const char *)in + pos, out->buf + out->len, (int)c,
                                        (int)LZ4_LEGACY_BLOCK);
                if (n < 0) {
                        util_whyf(why, whylen, "lz4 block %u at payload offset %zu is corrupt",
                                  block, pos - 4);
                        return -EBADMSG;
                }
                out->len += (size_t)n;
                last_off = pos - 4;
                last_n = n;
                pos += c;
                block++;
        }
        if (block == 0) {
                util_whyf(why, whylen, "the lz4 frame holds no block");
                return -EBADMSG;
        }
        *used = pos;
        return 0;
}

static int gunzip(const unsigned char *in, size_t len, struct sbuf *out, size_t *used, char *why,
                  size_t whylen)
{
        z_stream z;
        int zr = Z_OK, ret = 0;

        memset(&z, 0, sizeof(z));
        if (len > UINT_MAX) {
                util_whyf(why, whylen, "a gzip payload of %zu bytes is too large", len);
                return -EFBIG;
        }
        if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
                return -ENOMEM;
        z.next_in = (unsigned char *)in;
        z.avail_in = (uInt)len;
        while (zr != Z_STREAM_END) {
                size_t before;

                ret = room(out, next_chunk(out), why, whylen);
                if (ret < 0)
                        break;
                before = out->cap - out->len - 1;
                if (before > UINT_MAX)
                        before = UINT_MAX;
                z.next_out = (unsigned char *)out->buf + out->len;
                z.avail_out = (uInt)before;
                zr = inflate(&z, Z_NO_FLUSH);
                out->len += before - z.avail_out;
                if (zr == Z_BUF_ERROR || (zr == Z_OK && z.avail_in == 0 && z.avail_out)) {
                        util_whyf(why, whylen, "the gzip stream ends early: truncated");
                        ret = -EBADMSG;
                        break;
                }
                if (zr != Z_OK && zr != Z_STREAM_END) {
                        util_whyf(why, whylen, "corrupt gzip data: %s", z.msg ? z.msg : "error");
                        ret = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
                        break;
                }
        }
        *used = len - z.avail_in;
        inflateEnd(&z);
        return ret;
}

/* What liblzma may allocate for one stream: the kernel's payloads use a
 * dictionary of 32 MiB (xz) or 64 MiB at most (lzma -9); a header that
 * claims gigabytes is hostile, not a kernel. */
#define XZ_MEMLIMIT ((uint64_t)256 << 20)

/* xz (one stream, the kernel's --check=crc32) or the legacy .lzma format. */
static int unxz(bool alone, const unsigned char *in, size_t len, struct sbuf *out, size_t *used,
                char *why, size_t whylen)
{
        const char *what = alone ? "lzma" : "xz";
        lzma_stream s = LZMA_STREAM_INIT;
        lzma_ret lr = LZMA_OK;
        int ret = 0;

        lr = alone ? lzma_alone_decoder(&s, XZ_MEMLIMIT) : lzma_stream_decoder(&s, XZ_MEMLIMIT, 0);
        if (lr != LZMA_OK)
                return -ENOMEM;
        s.next_in = in;
        s.avail_in = len;
        while (lr != LZMA_STREAM_END) {
                size_t avail;

                ret = room(out, next_chunk(out), why, whylen);
                if (ret < 0)
                        break;
                avail = out->cap - out->len - 1;
                s.next_out = (uint8_t *)out->buf + out->len;
                s.avail_out = avail;
                lr = lzma_code(&s, LZMA_FINISH);
                out->len += avail - s.avail_out;
                if (lr == LZMA_OK)
                        continue;
                if (lr == LZMA_BUF_ERROR) {
                        util_whyf(why, whylen, "the %s stream ends early: truncated", what);
                        ret = -EBADMSG;
                        break;
                }
                if (lr == LZMA_MEMLIMIT_ERROR) {
                        util_whyf(
                            why, whylen,
                            "the %s stream asks for more than %u MiB of memory (its dictionary "
                            "size): corrupt or not a kernel payload",
                            what, (unsigned)(XZ_MEMLIMIT >> 20));
                        ret = -EBADMSG;
                        break;
                }
                if (lr != LZMA_STREAM_END) {
                        util_whyf(why, whylen, "corrupt %s data (liblzma error %d)", what, (int)lr);
                        ret = lr == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
                        break;
                }
        }
        *used = (size_t)s.total_in;
        lzma_end(&s);
        return ret;
}

static int unzstd(const unsigned char *in, size_t len, struct sbuf *out, size_t *used, char *why,
                  size_t whylen)
{
        ZSTD_DStream *d = ZSTD_createDStream();
        ZSTD_inBuffer ib = {in, len, 0};
        size_t zr = 1;
        int ret = 0;

        if (!d)
                return -ENOMEM;
        /* One frame; the size trailer after it is not a second one. */
        while (zr != 0) {
                ZSTD_outBuffer ob;

                ret = room(out, next_chunk(out), why, whylen);
                if (ret < 0)
                        break;
                ob.dst = out->buf + out->len;
                ob.size = out->cap - out->len - 1;
                ob.pos = 0;
                zr = ZSTD_decompressStream(d, &ob, &ib);
                out->len += ob.pos;
                if (ZSTD_isError(zr)) {
                        util_whyf(why, whylen, "corrupt zstd data: %s", ZSTD_getErrorName(zr));
                        ret = -EBADMSG;
                        break;
                }
                if (zr != 0 && ib.pos == ib.size && ob.pos < ob.size) {
                        util_whyf(why, whylen, "the zstd frame ends early: truncated");
                        ret = -EBADMSG;
                        break;
                }
        }
        *used = ib.pos;
        ZSTD_freeDStream(d);
        return ret;
}

static int unbzip2(const unsigned char *in, size_t len, struct sbuf *out, size_t *used, char *why,
                   size_t whylen)
{
        bz_stream s;
        int br = BZ_OK, ret = 0;

        memset(&s, 0, sizeof(s));
        if (len > UINT_MAX) {
                util_whyf(why, whylen, "a bzip2 payload of %zu bytes is too large", len);
                return -EFBIG;
        }
        if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
                return -ENOMEM;
        s.next_in = (char *)in;
        s.avail_in = (unsigned)len;
        while (br != BZ_STREAM_END) {
                size_t avail;

                ret = room(out, next_chunk(out), why, whylen);
                if (ret < 0)
                        break;
                avail = out->cap - out->len - 1;
                if (avail > UINT_MAX)
                        avail = UINT_MAX;
                s.next_out = out->buf + out->len;
                s.avail_out = (unsigned)avail;
                br = BZ2_bzDecompress(&s);
                out->len += avail - s.avail_out;
                if (br == BZ_OK && s.avail_in == 0 && s.avail_out) {
                        util_whyf(why, whylen, "the bzip2 stream ends early: truncated");
                        ret = -EBADMSG;
                        break;
                }
                if (br != BZ_OK && br != BZ_STREAM_END) {
                        util_whyf(why, whylen, "corrupt bzip2 data (libbz2 error %d)", br);
                        ret = br == BZ_MEM_ERROR ? -ENOMEM : -EBADMSG;
                        break;
                }
        }
        *used = len - s.avail_in;
        BZ2_bzDecompressEnd(&s);
        return ret;
}

int vmlinux_decompress(enum vmlinux_comp comp, const void *in, size_t len, void **out,
                       size_t *out_len, char *why, size_t whylen)
{
        const unsigned char *p = in;
        struct sbuf sb = SBUF_INIT;
        size_t used = 0, rest;
        int ret;

        ret = room(&sb, output_hint(p, len), why, whylen);
        if (ret < 0)
                return ret;
        switch (comp) {
        case VMLINUX_COMP_LZ4:
                ret = unlz4(p, len, &sb, &used, why, whylen);
                break;
        case VMLINUX_COMP_GZIP:
                ret = gunzip(p, len, &sb, &used, why, whylen);
                break;
        case VMLINUX_COMP_XZ:
        case VMLINUX_COMP_LZMA:
                ret = unxz(comp == VMLINUX_COMP_LZMA, p, len, &sb, &used, why, whylen);
                break;
        case VMLINUX_COMP_ZSTD:
                ret = unzstd(p, len, &sb, &used, why, whylen);
                break;
        case VMLINUX_COMP_BZIP2:
                ret = unbzip2(p, len, &sb, &used, why, whylen);
                break;
        case VMLINUX_COMP_LZO:
        case VMLINUX_COMP_UNKNOWN:
        default:
                util_whyf(why, whylen, "cannot decompress %s data",
                          comp == VMLINUX_COMP_LZO ? "lzo" : "unknown");
                ret = -ENOTSUP;
                break;
        }
        if (ret < 0)
                goto out_release;
        /* The kernel build appends the size to every payload but gzip's,
         * whose own trailer says it. Anything else after the stream is
         * not a kernel payload. */
        rest = len - used;
        if (rest >= 4 && le32(p + len - 4) != (uint32_t)sb.len) {
                util_whyf(why, whylen, "decompressed %zu bytes, the payload's size trailer says %u",
                          sb.len, le32(p + len - 4));
                ret = -EBADMSG;
                goto out_release;
        }
        if (rest != 0 && rest != 4) {
                util_whyf(why, whylen, "%zu stray bytes after the %s data", rest,
                          vmlinux_comp_name(comp));
                ret = -EBADMSG;
                goto out_release;
        }
        *out = sbuf_detach(&sb, out_len);
        if (!*out)
                ret = -ENOMEM;
out_release:
        sbuf_release(&sb);
        return ret;
}

void vmlinux_note_walk(Elf_Data *data, void (*fn)(const struct vmlinux_note *n, void *arg),
                       void *arg)
{
        size_t off = 0, next, name_off, desc_off;
        GElf_Nhdr nh;

        if (!data || !data->d_buf)
                return;
        while (off < data->d_size &&
               (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
                struct vmlinux_note n = {
                    .name = (const char *)data->d_buf + name_off,
                    .namesz = nh.n_namesz,
                    .type = nh.n_type,
                    .desc = (const unsigned char *)data->d_buf + desc_off,
                    .descsz = nh.n_descsz,
                };

                fn(&n, arg);
                off = next;
        }
}

bool vmlinux_note_owner(const struct vmlinux_note *n, const char *owner)
{
        size_t len = strlen(owner) + 1;

        return n->namesz == len && memcmp(n->name, owner, len) == 0;
}

struct scan {
        struct vmlinux_elf *e;
        bool pvh_too;
};

static void scan_note(const struct vmlinux_note *n, void *arg)
{
        struct scan *s = arg;

        if (vmlinux_note_owner(n, "Linux"))
                s->e->linux_kernel = true;
        if (!vmlinux_note_owner(n, "Xen"))
                return;
        /* XEN_ELFNOTE_GUEST_OS: "linux" */
        if (n->type == 6 && n->descsz >= 5 && memcmp(n->desc, "linux", 5) == 0)
                s->e->linux_kernel = true;
        if (s->pvh_too && n->type == VMLINUX_XEN_ELFNOTE_PHYS32_ENTRY &&
            (n->descsz == 4 || n->descsz == 8)) {
                s->e->pvh = true;
                s->e->pvh_entry = n->descsz == 4 ? le32(n->desc) : le64(n->desc);
        }
}

/* Look at the notes of one note chunk (a PT_NOTE segment or SHT_NOTE
 * section). */
static void scan_notes(Elf_Data *data, struct vmlinux_elf *e, bool pvh_too)
{
        struct scan s = {e, pvh_too};

        vmlinux_note_walk(data, scan_note, &s);
}

static bool has_symbol(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *want)
{
        Elf_Data *d = elf_getdata(scn, NULL);
        size_t n;

        if (!d || !sh->sh_entsize)
                return false;
        n = d->d_size / sh->sh_entsize;
        for (size_t i = 0; i < n; i++) {
                GElf_Sym sym;
                const char *name;

                if (!gelf_getsym(d, (int)i, &sym))
                        break;
                name = elf_strptr(elf, sh->sh_link, sym.st_name);
                if (name && strcmp(name, want) == 0)
                        return true;
        }
        return false;
}

static void grow_end(size_t *end, uint64_t off, uint64_t size)
{
        if (off <= SIZE_MAX && size <= SIZE_MAX - off && off + size > *end)
                *end = (size_t)(off + size);
}

static int inspect(Elf *elf, struct vmlinux_elf *e)
{
        GElf_Ehdr eh;
        Elf_Scn *scn = NULL;
        size_t nph = 0, nsh = 0;
        int cls;

        memset(e, 0, sizeof(*e));
        if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
                return -ENOEXEC;
        cls = gelf_getclass(elf);
        e->elf_class = cls == ELFCLASS64 ? 64 : 32;
        e->machine = eh.e_machine;
        grow_end(&e->elf_size, 0, eh.e_ehsize);
        if (elf_getphdrnum(elf, &nph) != 0)
                nph = 0;
        if (elf_getshdrnum(elf, &nsh) != 0)
                nsh = 0;
        grow_end(&e->elf_size, eh.e_phoff, (uint64_t)nph * eh.e_phentsize);
        grow_end(&e->elf_size, eh.e_shoff, (uint64_t)nsh * eh.e_shentsize);
        /* QEMU finds the PVH entry in the program headers' notes. */
        for (size_t i = 0; i < nph; i++) {
                GElf_Phdr ph;

                if (!gelf_getphdr(elf, (int)i, &ph))
                        continue;
                grow_end(&e->elf_size, ph.p_offset, ph.p_filesz);
                if (ph.p_type != PT_NOTE || ph.p_filesz == 0)
                        continue;
                scan_notes(elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
                                                ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR),
                           e, true);
        }
        while ((scn = elf_nextscn(elf, scn)) != NULL) {
                GElf_Shdr sh;

                if (!gelf_getshdr(scn, &sh))
                        continue;
                if (sh.sh_type != SHT_NOBITS)
                        grow_end(&e->elf_size, sh.sh_offset, sh.sh_size);
                if (e->linux_kernel)
                        continue;
                if (sh.sh_type == SHT_NOTE)
                        scan_notes(elf_getdata(scn, NULL), e, false);
                else if (sh.sh_type == SHT_SYMTAB && has_symbol(elf, scn, &sh, "linux_banner"))
                        e->linux_kernel = true;
        }
        return 0;
}

int vmlinux_elf_inspect(const void *img, size_t len, struct vmlinux_elf *e)
{
        Elf *elf;
        int ret;

        memset(e, 0, sizeof(*e));
        if (elf_version(EV_CURRENT) == EV_NONE)
                return -ENOEXEC;
        if (len < 4 || memcmp(img, ELFMAG, SELFMAG) != 0)
                return -ENOEXEC;
        elf = elf_memory((char *)img, len);
        if (!elf)
                return -ENOEXEC;
        ret = inspect(elf, e);
        elf_end(elf);
        return ret;
}

int vmlinux_elf_inspect_file(const char *path, struct vmlinux_elf *e)
{
        unsigned char magic[SELFMAG];
        Elf *elf;
        ssize_t n;
        int fd, ret;

        memset(e, 0, sizeof(*e));
        if (elf_version(EV_CURRENT) == EV_NONE)
                return -ENOEXEC;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = util_read_full(fd, magic, sizeof(magic));
        if (n < 0) {
                ret = (int)n;
                goto out_close;
        }
        if ((size_t)n < sizeof(magic) || memcmp(magic, ELFMAG, SELFMAG) != 0) {
                ret = -ENOEXEC;
                goto out_close;
        }
        elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        if (!elf) {
                ret = -ENOEXEC;
                goto out_close;
        }
        ret = inspect(elf, e);
        elf_end(elf);
out_close:
        close(fd);
        return ret;
}

int vmlinux_extract_mem(const void *img, size_t len, void **out, size_t *out_len,
                        struct vmlinux_info *info)
{
        const unsigned char *p = img;
        void *buf = NULL;
        size_t blen = 0;
        int ret;

        memset(info, 0, sizeof(*info));
        info->bzimage_size = len;
        ret = vmlinux_bzimage_parse(img, len, &info->bz, info->why, sizeof(info->why));
        if (ret < 0)
                return ret;
        if (info->bz.comp == VMLINUX_COMP_UNKNOWN) {
                const unsigned char *m = p + info->bz.payload_off;

                snprintf(info->why, sizeof(info->why),
                         "the payload at 0x%zx has an unknown compression (first bytes %02x %02x "
                         "%02x %02x)",
                         info->bz.payload_off, m[0], m[1], m[2], m[3]);
                return -ENOTSUP;
        }
        ret = vmlinux_decompress(info->bz.comp, p + info->bz.payload_off, info->bz.payload_len,
                                 &buf, &blen, info->why, sizeof(info->why));
        if (ret < 0)
                return ret;
        ret = vmlinux_elf_inspect(buf, blen, &info->elf);
        if (ret < 0) {
                snprintf(info->why, sizeof(info->why),
                         "the %s payload decompressed to %zu bytes that are no ELF image",
                         vmlinux_comp_name(info->bz.comp), blen);
                free(buf);
                return ret;
        }
        info->vmlinux_size = blen;
        *out = buf;
        *out_len = blen;
        return 0;
}

int vmlinux_extract(const char *path, const char *out_path, struct vmlinux_info *info)
{
        char *img;
        void *elf;
        size_t len, elf_len;
        int ret;

        memset(info, 0, sizeof(*info));
        ret = util_read_file(path, &img, &len);
        if (ret < 0) {
                snprintf(info->why, sizeof(info->why), "cannot read '%s': %s", path,
                         strerror(-ret));
                return ret;
        }
        ret = vmlinux_extract_mem(img, len, &elf, &elf_len, info);
        free(img);
        if (ret < 0)
                return ret;
        ret = util_write_file_atomic(out_path, elf, elf_len);
        if (ret < 0)
                snprintf(info->why, sizeof(info->why), "cannot write '%s': %s", out_path,
                         strerror(-ret));
        free(elf);
        return ret;
}

#define KVER_WORD_MAX 128

int vmlinux_kernel_version(const void *img, size_t len, char **version, char *why, size_t whylen)
{
        const unsigned char *p = img;
        size_t sects, setup, off, end, word = 0;
        unsigned protocol;

        *version = NULL;
        if (len < HDR_KERNEL_VERSION + 2 || memcmp(p + HDR_MAGIC, "HdrS", 4) != 0) {
                util_whyf(why, whylen, "no \"HdrS\" setup header signature at 0x%x: not a bzImage",
                          HDR_MAGIC);
                return -ENOEXEC;
        }
        protocol = (unsigned)(p[HDR_VERSION] | p[HDR_VERSION + 1] << 8);
        off = (size_t)(p[HDR_KERNEL_VERSION] | p[HDR_KERNEL_VERSION + 1] << 8);
        if (protocol < 0x200 || off == 0) {
                util_whyf(why, whylen, "boot protocol %u.%02u names no kernel version",
                          protocol >> 8, protocol & 0xff);
                return -EPROTONOSUPPORT;
        }
        sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : 4;
        setup = (sects + 1) * 512;
        end = setup < len ? setup : len;
        off += 0x200;
        if (off >= end) {
                util_whyf(why, whylen,
                          "the kernel version at 0x%zx lies outside the setup code (%zu bytes)",
                          off, end);
                return -ERANGE;
        }
        if (!memchr(p + off, '\0', end - off)) {
                util_whyf(why, whylen, "the kernel version at 0x%zx has no end", off);
                return -ERANGE;
        }
        while (p[off + word] && p[off + word] != ' ') {
                if (p[off + word] < 0x21 || p[off + word] > 0x7e || word == KVER_WORD_MAX) {
                        util_whyf(why, whylen,
                                  "the kernel version at 0x%zx is not a printable word", off);
                        return -ERANGE;
                }
                word++;
        }
        if (word == 0) {
                util_whyf(why, whylen, "the kernel version at 0x%zx is empty", off);
                return -ERANGE;
        }
        *version = strndup((const char *)p + off, word);
        return *version ? 0 : -ENOMEM;
}

int vmlinux_kernel_version_file(const char *path, char **version, char *why, size_t whylen)
{
        unsigned char *buf;
        ssize_t n;
        int fd, ret;

        *version = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                ret = -errno;
                util_whyf(why, whylen, "cannot open '%s': %s", path, strerror(-ret));
                return ret;
        }
        buf = malloc(VMLINUX_SETUP_MAX);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        n = util_read_full(fd, buf, VMLINUX_SETUP_MAX);
        if (n < 0) {
                ret = (int)n;
                util_whyf(why, whylen, "cannot read '%s': %s", path, strerror(-ret));
        } else
                ret = vmlinux_kernel_version(buf, (size_t)n, version, why, whylen);
        free(buf);
        close(fd);
        return ret;
}
