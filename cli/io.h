/*
 * io: what every subcommand reads and writes the same way.
 *
 * cli_read_input() reads an input file of guest bytes whole, within the
 * input limit (base/util.h: 256 MiB, BOOTLENS_MAX_INPUT overrides it), and
 * prints the one message each failure gets. cli_check_output() and
 * cli_finish_stdout() make sure what a command printed reached its
 * output: main() calls cli_finish_stdout() after every command, so a full
 * disk or /dev/full is an error, never a silent exit 0.
 */
#ifndef BOOTLENS_CLI_IO_H
#define BOOTLENS_CLI_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Read path into a fresh NUL-terminated buffer (*data, the caller's to
 * free()). On failure prints one of
 *   bootlens: cannot open 'FILE': REASON
 *   bootlens: cannot read 'FILE': REASON          (EIO, EISDIR: opened, not read)
 *   bootlens: 'FILE' is larger than the input limit of 256 MiB (set
 *             BOOTLENS_MAX_INPUT to raise it)
 *   bootlens: BOOTLENS_MAX_INPUT='X' is not a size above 0 (such as 512M or 1G)
 * and returns -1 (the caller exits BL_EXIT_USAGE); returns 0 on success.
 */
int cli_read_input(const char *path, char **data, size_t *len);

/* Print the message of cli_read_input() for err and opened as
 * run_read_input() (analyzer/run.h) left them: for an input read by the
 * layers below (a session run's capture). */
void cli_input_error(const char *path, int err, bool opened);

/* Flush f and check that nothing written to it failed (ferror). On
 * failure prints "bootlens: cannot write to NAME: REASON" and returns -1;
 * else 0. name says what f is ("standard output"). A command may call it
 * on stdout to stop early; cli_finish_stdout() then does not say it
 * again. */
int cli_check_output(FILE *f, const char *name);

/* A command that said itself that writing f failed (naming more than
 * cli_check_output() would) marks it so: cli_finish_stdout() then does
 * not say it again. */
void cli_output_error_said(FILE *f);

/* At the end of a command: cli_check_output(stdout) and fclose(stdout),
 * naming the file stdout goes to when it is one. Returns 0 or -1
 * (printed). */
int cli_finish_stdout(void);

#endif
