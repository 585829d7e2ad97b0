/*
 * mdreport: "bootlens report --format md" (docs/report.md): the report
 * htmlreport_build() gathered (reports/htmlreport.h), as one Markdown
 * page (DIR/README.md) for a pull request or a wiki: the inputs, the
 * aggregate tables (md_write_aggregate, as "analyze --format md"), the
 * comparison (compreport_md, as "compare --format md") with its overall
 * verdict, the figures as PNG images (figures/KIND.png), each session's
 * environment, the warnings and damage, the failed runs and the links to
 * the raw captures and the JSON. Guest text goes through md_escape()
 * (reports/md.h); link targets are percent-encoded (htmlreport_href).
 * Returns 0, -ENOMEM or -EIO; never prints anything else.
 */
#ifndef BOOTLENS_MDREPORT_H
#define BOOTLENS_MDREPORT_H

#include <stdio.h>

#include "reports/htmlreport.h"

int mdreport_write(FILE *out, const struct htmlreport *r);

#endif
