/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli.h: the `tessera` command line (list, add, verify, select,
 * remove, token, exec)
 *
 * It runs in its own process against the same store as the window and
 * never initialises GTK, so it works without a display. The window follows
 * GSettings change notifications, so it picks up what the command line did.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The documented exit codes, printed by `tessera --help` and listed in the
 * README. `exec` exits with the command's own status instead once the
 * command has started. */
typedef enum
{
  TESSERA_CLI_EXIT_OK          = 0,
  TESSERA_CLI_EXIT_REJECTED    = 1,   /* Harness said invalid, expired, forbidden or other account */
  TESSERA_CLI_EXIT_UNCHECKED   = 2,   /* could not ask Harness: offline, timeout, TLS, 5xx… */
  TESSERA_CLI_EXIT_USAGE       = 3,   /* unknown command or option, missing or extra argument */
  TESSERA_CLI_EXIT_INVALID     = 4,   /* unknown name, no selection, name taken, malformed key or field */
  TESSERA_CLI_EXIT_KEYRING     = 5,   /* keyring unavailable or locked, token missing, settings not written */
  TESSERA_CLI_EXIT_CANNOT_RUN  = 126, /* exec: the command could not be started */
  TESSERA_CLI_EXIT_NO_COMMAND  = 127, /* exec: the command was not found */
  TESSERA_CLI_EXIT_INTERRUPTED = 130, /* stopped by Ctrl+C or SIGTERM */
} TesseraCliExit;

/* Whether @arg (argv[1]) names a sub-command, "help", "--help", "-h" or
 * "--version". */
gboolean tessera_cli_is_command (const char *arg);

/* Runs a sub-command; @argv[1] is the sub-command. Returns the exit code. */
int      tessera_cli_run        (int         argc,
                                 char      **argv);

G_END_DECLS
