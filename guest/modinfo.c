/* modinfo: see modinfo.h. */
#include "guest/modinfo.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "base/sbuf.h"
#include "base/util.h"

static bool has_suffix(const char *s, size_t len, const char *suffix, size_t *stem_len)
{
        size_t n = strlen(suffix);

        if (len <= n || memcmp(s + len - n, suffix, n) != 0)
                return false;
        *stem_len = len - n;
        return true;
}

bool modinfo_is_module_file(const char *filename, size_t *stem_len)
{
        size_t len = strlen(filename);

        return has_suffix(filename, len, ".ko", stem_len) ||
               has_suffix(filename, len, ".ko.xz", stem_len);
}

void modinfo_normalize_name(char *name)
{
        for (char *p = name; *p; p++)
                if (*p == '-')
                        *p = '_';
}

/* Decompress a whole .xz stream into a fresh buffer. */
static int unxz(const void *in, size_t in_len, void **out, size_t *out_len)
{
        lzma_stream strm = LZMA_STREAM_INIT;
        struct sbuf sb = SBUF_INIT;
        lzma_ret lr;
        int ret = 0;

        if (lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
                return -ENOMEM;
        strm.next_in = in;
        strm.avail_in = in_len;
        do {
                ret = sbuf_grow(&sb, in_len * 2 + 65536);
                if (ret < 0)
                        goto out_end;
                strm.next_out = (uint8_t *)sb.buf + sb.len;
                strm.avail_out = sb.cap - sb.len - 1;
                lr = lzma_code(&strm, LZMA_FINISH);
                sb.len = (size_t)((char *)strm.next_out - sb.buf);
        } while (lr == LZMA_OK);
        if (lr != LZMA_STREAM_END) {
                ret = lr == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
                goto out_end;
        }
        *out = sbuf_detach(&sb, out_len);
out_end:
        lzma_end(&strm);
        sbuf_release(&sb);
        return ret;
}

int modinfo_load(const char *path, void **data, size_t *len)
{
        size_t stem, raw_len;
        char *raw;
        int ret;

        if (!modinfo_is_module_file(path, &stem))
                return -ENOTSUP;
        ret = util_read_file(path, &raw, &raw_len);
        if (ret < 0)
                return ret;
        if (strcmp(path + stem, ".ko.xz") == 0) {
                ret = unxz(raw, raw_len, data, len);
                free(raw);
                return ret;
        }
        *data = raw;
        *len = raw_len;
        return 0;
}

static int take(char **dst, const char *val, size_t len)
{
        free(*dst);
        *dst = strndup(val, len);
        return *dst ? 0 : -ENOMEM;
}

/* Walk the NUL-separated "key=value" strings of a .modinfo section. */
static int parse_strings(const char *p, size_t len, struct modinfo *mi)
{
        const char *end = p + len;
        int ret = 0;

        while (p < end && !ret) {
                const char *nul = memchr(p, '\0', (size_t)(end - p));
                size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);

                if (n > 5 && memcmp(p, "name=", 5) == 0)
                        ret = take(&mi->name, p + 5, n - 5);
                else if (n >= 8 && memcmp(p, "depends=", 8) == 0)
                        ret = take(&mi->depends, p + 8, n - 8);
                else if (n > 9 && memcmp(p, "vermagic=", 9) == 0)
                        ret = take(&mi->vermagic, p + 9, n - 9);
                p += n + 1;
        }
        return ret;
}

int modinfo_parse(const void *data, size_t len, struct modinfo *mi)
{
        Elf *elf;
        Elf_Scn *scn = NULL;
        size_t shstrndx;
        int ret = -EINVAL;

        memset(mi, 0, sizeof(*mi));
        if (elf_version(EV_CURRENT) == EV_NONE)
                return -EINVAL;
        elf = elf_memory((char *)data, len);
        if (!elf)
                return -EINVAL;
        if (elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx) != 0)
                goto out_elf;
        while ((scn = elf_nextscn(elf, scn)) != NULL) {
                GElf_Shdr shdr;
                const char *name;
                Elf_Data *d;

                if (!gelf_getshdr(scn, &shdr))
                        continue;
                name = elf_strptr(elf, shstrndx, shdr.sh_name);
                if (!name || strcmp(name, ".modinfo") != 0)
                        continue;
                d = elf_getdata(scn, NULL);
                if (!d || !d->d_buf)
                        break;
                ret = parse_strings(d->d_buf, d->d_size, mi);
                if (!ret && !mi->depends)
                        ret = take(&mi->depends, "", 0);
                break;
        }
        if (ret < 0)
                modinfo_free(mi);
out_elf:
        elf_end(elf);
        return ret;
}

int modinfo_read_file(const char *path, struct modinfo *mi)
{
        void *data;
        size_t len;
        int ret;

        memset(mi, 0, sizeof(*mi));
        ret = modinfo_load(path, &data, &len);
        if (ret < 0)
                return ret;
        ret = modinfo_parse(data, len, mi);
        free(data);
        return ret;
}

void modinfo_free(struct modinfo *mi)
{
        if (!mi)
                return;
        free(mi->name);
        free(mi->depends);
        free(mi->vermagic);
        memset(mi, 0, sizeof(*mi));
}
