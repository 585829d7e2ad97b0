/* kimage: what a kernel image is, read from its bytes (kimage.h). */
#include "guest/kimage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *kimage_format_name(enum kimage_format f)
{
        return f == KIMAGE_BZIMAGE ? "bzimage" : "elf";
}

const char *kimage_entry_name(enum kimage_entry e)
{
        switch (e) {
        case KIMAGE_ENTRY_PVH:
                return "pvh";
        case KIMAGE_ENTRY_BZIMAGE:
                return "bzimage";
        case KIMAGE_ENTRY_NONE:
                break;
        }
        return "none";
}

const char *kimage_os_name(enum kimage_os os)
{
        static const char *const names[] = {"unknown", "linux", "netbsd", "freebsd"};

        return (unsigned)os < sizeof(names) / sizeof(names[0]) ? names[os] : "unknown";
}

const char *kimage_class_name(enum kimage_class c)
{
        static const char *const names[] = {"text", "rodata", "data", "bss", "init", "other"};

        return (unsigned)c < KIMAGE_NCLASSES ? names[c] : "other";
}

int kimage_parse(const void *buf, size_t len, struct kimage **out, char *why, size_t whylen)
{
        *out = NULL;
        return -ENOSYS; /* TODO(issue 15) */
}

int kimage_load(const char *path, struct kimage **out, char *why, size_t whylen)
{
        *out = NULL;
        return -ENOSYS; /* TODO(issue 15) */
}

void kimage_free(struct kimage *k)
{
        free(k);
}

bool kimage_sniff(const void *buf, size_t len)
{
        const unsigned char *p = buf;

        if (len >= 4 && memcmp(p, "\177ELF", 4) == 0)
                return true;
        return len >= 0x206 && memcmp(p + 0x202, "HdrS", 4) == 0;
}
