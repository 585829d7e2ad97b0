#include "reports/timeline.h"

#include <errno.h>

/* Not drawn yet: the timeline engineer replaces this. */
int timeline_write(const struct run *r, const char *title, const struct gp_style *st,
                   const char *dat_name, struct sbuf *gp, struct sbuf *dat, struct sbuf *note)
{
        (void)r, (void)title, (void)st, (void)dat_name, (void)gp, (void)dat, (void)note;
        return -ENOSYS;
}
