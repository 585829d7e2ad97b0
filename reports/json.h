/*
 * json: the machine-readable report of one run (docs/json-schema.md).
 *
 * One JSON object per run, with "schema_version" (JSON_SCHEMA_VERSION):
 * the same fields whatever the guest OS and whatever the source (a FILE,
 * or a session run, where the session document of sessreport.h lists one
 * such object per run). Every time is given as raw ticks of the trace's
 * clock ("..._cycles" for a cycle trace) and, when it can be converted, as
 * "..._ns" (an integer, rounded to the nearest ns). Strings from the guest
 * that are not valid UTF-8 have their bad bytes replaced by U+FFFD. Trees
 * are flat: per thread, "nodes" in pre-order with "id" and "parent", so no
 * depth of nesting in the input can make the output deep.
 *
 * The report is streamed (jsonw.h): nothing is built in memory.
 */
#ifndef BOOTLENS_JSON_H
#define BOOTLENS_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "analyzer/run.h"
#include "reports/jsonw.h"

#define JSON_SCHEMA_VERSION 2

/* Write the report of r to out, indented, with a final newline; top is
 * the number of slowest initcalls listed (Linux). Returns 0, -EIO or
 * -EINVAL (a bug: the document was ill-formed). */
int json_write(FILE *out, const struct run *r, size_t top);

/* Write the members of r's report (everything but schema_version, kind
 * and tool) into the object w is in. */
void json_run_members(struct jsonw *w, const struct run *r, size_t top);

#endif
