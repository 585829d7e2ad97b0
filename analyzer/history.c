/*
 * history: the SQLite store of stored sessions (analyzer/history.h).
 * Stub: the contract only, filled in by the history store's change.
 */
#include <errno.h>
#include <stdlib.h>

#include "analyzer/history.h"

int history_open(const char *path, bool create, struct history **h, char *err, size_t errsize)
{
        (void)path, (void)create, (void)err, (void)errsize;
        *h = NULL;
        return -ENOSYS;
}

void history_close(struct history *h)
{
        (void)h;
}
