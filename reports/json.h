/*
 * json: the machine-readable report of one analysis (docs/json-schema.md).
 *
 * One JSON object per analysis, with "schema_version" (JSON_SCHEMA_VERSION).
 * Every time is given as raw ticks of the trace's clock ("..._cycles" for
 * a cycle trace) and, when it can be converted, as "..._ns" (an integer,
 * rounded to the nearest ns). Strings from the guest that are not valid UTF-8 have their
 * bad bytes replaced by U+FFFD. Trees are flat: per thread, "nodes" in
 * pre-order with "id" and "parent", so no depth of nesting in the input
 * can make the output deep.
 */
#ifndef BOOTLENS_JSON_H
#define BOOTLENS_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "analyzer/analysis.h"

#define JSON_SCHEMA_VERSION 1

/* Build the report as a new jansson object (the caller json_decref()s it).
 * Returns NULL on -ENOMEM. */
json_t *json_report(const struct analysis *a);

/* A JSON string of s, a string from the guest: bytes that are not valid
 * UTF-8 become U+FFFD (jansson refuses them); null for NULL. NULL on
 * -ENOMEM. */
json_t *json_report_string(const char *s);

/* Write the report to out, indented, with a final newline. Returns 0,
 * -ENOMEM or -EIO. */
int json_write(FILE *out, const struct analysis *a);

#endif
