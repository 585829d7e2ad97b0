/* idmap: see idmap.h. */
#include "analyzer/idmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_of(const struct idmap *m, uint64_t id)
{
        size_t mask = m->nslots - 1, i;

        for (i = (size_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & mask; m->slots[i];
             i = (i + 1) & mask)
                if (m->keys[m->slots[i] - 1] == id)
                        break;
        return i;
}

/* Room for one more id: keys grown, the hash at most half full after it. */
static int reserve(struct idmap *m)
{
        if (m->n >= UINT32_MAX - 1)
                return -ENOMEM;
        if (m->n == m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 16;
                uint64_t *keys = realloc(m->keys, cap * sizeof(*keys));

                if (!keys)
                        return -ENOMEM;
                m->keys = keys;
                m->cap = cap;
        }
        if ((m->n + 1) * 2 > m->nslots) {
                size_t n = m->nslots ? m->nslots * 2 : 64;
                uint32_t *slots = calloc(n, sizeof(*slots));

                if (!slots)
                        return -ENOMEM;
                free(m->slots);
                m->slots = slots;
                m->nslots = n;
                for (size_t k = 0; k < m->n; k++)
                        m->slots[slot_of(m, m->keys[k])] = (uint32_t)k + 1;
        }
        return 0;
}

int64_t idmap_get(struct idmap *m, uint64_t id, bool *added)
{
        size_t i;

        *added = false;
        if (m->nslots) {
                i = slot_of(m, id);
                if (m->slots[i])
                        return m->slots[i] - 1;
        }
        if (reserve(m) < 0)
                return -ENOMEM;
        i = slot_of(m, id);
        m->keys[m->n] = id;
        m->slots[i] = (uint32_t)m->n + 1;
        *added = true;
        return (int64_t)m->n++;
}

void idmap_clear(struct idmap *m)
{
        if (m->slots && m->n * 4 < m->nslots) {
                /* few ids in a large table (a parser that clears often: a log
                 * of many reboots): free their slots only, so that a clear
                 * costs the ids, not the table. In reverse order of insertion
                 * (a rehash inserts in index order too), each id's probe run
                 * holds only older, still present ids. */
                for (size_t k = m->n; k-- > 0;)
                        m->slots[slot_of(m, m->keys[k])] = 0;
        } else if (m->slots) {
                memset(m->slots, 0, m->nslots * sizeof(*m->slots));
        }
        m->n = 0;
}

void idmap_free(struct idmap *m)
{
        if (!m)
                return;
        free(m->keys);
        free(m->slots);
        memset(m, 0, sizeof(*m));
}
