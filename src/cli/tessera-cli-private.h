/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-private.h: what the files of the command line share
 *
 * tessera-cli.c           the table of sub-commands, dispatch and help
 * tessera-cli-args.c      the options and positional arguments of one command
 * tessera-cli-input.c     reading the API key from standard input
 * tessera-cli-output.c    stdout (tables, JSON, the key), stderr and exit codes
 * tessera-cli-store.c     the store, the main loop and Ctrl+C
 * tessera-cli-credential.c  list, add, select, remove
 * tessera-cli-verify.c    verify
 * tessera-cli-exec.c      token, exec
 * tessera-cli-lifecycle.c rotate, renew, remove --revoke
 * tessera-cli-folder.c    which credential applies here; status, env,
 *                         git-credential, setup-git
 * tessera-cli-import.c    import
 */
#pragma once

#include <signal.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tessera-cli.h"
#include "tessera-error.h"
#include "tessera-resolution.h"
#include "tessera-store.h"

G_BEGIN_DECLS

typedef struct _TesseraCli TesseraCli;

struct _TesseraCli
{
  TesseraStore *store;
  GCancellable *cancellable;
  gboolean      reads_only;   /* the command only reads settings */
  guint         sigint_id;
  guint         sigterm_id;
  guint         keyring_spent_ms;  /* of the keyring deadline, by recovery */
};

typedef struct
{
  const char *name;         /* "--json" */
  gboolean    takes_value;
  gpointer    target;       /* gboolean * or const char ** */
} TesseraCliOption;

/* Sub-commands: @argv[0] is the sub-command's name. Each returns an exit
 * code from TesseraCliExit. */
int  tessera_cli_cmd_list   (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_add    (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_select (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_remove (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_verify (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_token  (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_exec   (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_rotate (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_renew  (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_remove_or_revoke (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_status (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_env    (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_git_credential (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_setup_git      (TesseraCli *cli, int argc, char **argv);
int  tessera_cli_cmd_import         (TesseraCli *cli, int argc, char **argv);

/* tessera-cli-args.c */
gboolean tessera_cli_parse_arguments    (const char              *command,
                                         int                      argc,
                                         char                   **argv,
                                         const TesseraCliOption  *options,
                                         guint                    n_options,
                                         gboolean                 stop_at_positional,
                                         GPtrArray               *positional,
                                         int                     *rest,
                                         GError                 **error);
int      tessera_cli_parse_command_line (const char              *command,
                                         int                      argc,
                                         char                   **argv,
                                         const TesseraCliOption  *options,
                                         guint                    n_options,
                                         GPtrArray               *positional,
                                         guint                    min_positional,
                                         guint                    max_positional);
gboolean tessera_cli_wants_help         (int                      argc,
                                         char                   **argv);

/* tessera-cli-input.c */
char    *tessera_cli_read_key_input     (GError            **error);

/* tessera-cli-output.c */
void     tessera_cli_print_out          (const char              *text);
int      tessera_cli_fail               (int                      code,
                                         const char              *format,
                                         ...) G_GNUC_PRINTF (2, 3);
int      tessera_cli_fail_with_error    (const GError            *error);
int      tessera_cli_exit_code_for_error (const GError           *error);
int      tessera_cli_usage_error        (const char              *command,
                                         const char              *message);
gboolean tessera_cli_safe_to_quote      (const char              *arg);
char    *tessera_cli_dup_printable      (const char              *text);
void     tessera_cli_append_padded      (GString                 *line,
                                         const char              *text,
                                         guint                    width);
const char *tessera_cli_enum_nick       (GType                    type,
                                         int                      value);
char    *tessera_cli_format_date        (gint64                   unix_seconds);
void     tessera_cli_add_string_member  (JsonBuilder             *builder,
                                         const char              *member,
                                         const char              *value);
void     tessera_cli_add_credential_object (JsonBuilder          *builder,
                                            TesseraCredential    *credential);
void     tessera_cli_print_json         (JsonBuilder             *builder);
gboolean tessera_cli_write_secret_line  (const char              *secret);

/* tessera-cli-store.c */
void          tessera_cli_on_ready            (GObject            *source,
                                               GAsyncResult       *result,
                                               gpointer            user_data);
GAsyncResult *tessera_cli_wait_for            (GAsyncResult      **result);
/* How long a keyring operation may take, then how long its undoing. */
#define TESSERA_CLI_KEYRING_TIMEOUT_S 25
#define TESSERA_CLI_KEYRING_GRACE_S 3

GAsyncResult *tessera_cli_wait_for_keyring    (TesseraCli         *cli,
                                               GAsyncResult      **result,
                                               gboolean           *timed_out);
int           tessera_cli_fail_keyring_timeout (void);
extern volatile sig_atomic_t tessera_cli_signalled;
void          tessera_cli_catch_early_signals (void);
void          tessera_cli_catch_interrupts    (TesseraCli         *cli);
void          tessera_cli_release_interrupts  (TesseraCli         *cli);
TesseraStore *tessera_cli_get_store           (TesseraCli         *cli);
void          tessera_cli_recover             (TesseraCli         *cli);
TesseraCredential *tessera_cli_find_credential (TesseraCli        *cli,
                                                const char        *name,
                                                int               *exit_code);
char         *tessera_cli_lookup_token        (TesseraCli         *cli,
                                               TesseraCredential  *credential,
                                               GError            **error);

/* tessera-cli-folder.c */
/* The credential that applies here: @name (--credential), else the
 * order of tessera-resolution.h. Prints the error. */
TesseraResolution *tessera_cli_resolve        (TesseraCli         *cli,
                                               const char         *name,
                                               int                *exit_code);

G_END_DECLS
