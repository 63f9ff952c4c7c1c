/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli.c: the `tessera` command line: the table of sub-commands,
 * dispatch and help
 *
 * Each sub-command runs in its own process over the asynchronous store API,
 * iterating the main context until its operation finishes: the same code
 * paths as the window, without blocking calls and without GTK. Output meant
 * for scripts (JSON, `token`) goes to stdout as raw UTF-8; errors are one
 * sentence on stderr and an exit code from TesseraCliExit. The other files
 * are listed in tessera-cli-private.h.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>

#include <glib/gi18n.h>

#include "tessera-cli-private.h"
#include "tessera-install.h"
#include "tessera-net-module.h"
#include "tessera-words.h"

typedef int (*TesseraCliCommandFunc) (TesseraCli  *cli,
                                      int          argc,
                                      char       **argv);

typedef struct
{
  const char            *name;
  const char            *synopsis;   /* N_() */
  const char            *summary;    /* N_() */
  const char            *details;    /* N_(), or NULL */
  TesseraCliCommandFunc  func;
} TesseraCliCommand;

static const TesseraCliCommand commands[] = {
  { "list", N_("list [--json]"),
    N_("List the saved credentials: name, account ID, kind, status and expiry; “*” marks the selected one."),
    N_("--json prints an array of objects with every metadata field (never the key)."),
    tessera_cli_cmd_list },
  { "add", N_("add NAME [--description TEXT] [--account-id ID] [--base-url URL] [--no-verify]"),
    N_("Save the API key read from standard input, once Harness has accepted it."),
    N_("The key is read from standard input, never from the command line; on a terminal the input is hidden. "
       "A key Harness turns down is not saved (exit 1), nor is one that could not be checked (exit 2). "
       "--no-verify saves it without asking Harness, as not verified. "
       "The base URL defaults to https://app.harness.io; the account ID is taken from the key when it carries one."),
    tessera_cli_cmd_add },
  { "verify", N_("verify [NAME | --credential NAME | --all] [--json]"),
    N_("Ask Harness whether the selected, the named or every saved key is still valid."),
    N_("Exits with 0 when every key checked is valid, 1 when any was turned down and 2 when any could not be checked "
       "(including a key missing from the keyring). --json prints the credentials as “list --json” does, with an “error” member."),
    tessera_cli_cmd_verify },
  { "select", N_("select NAME"),
    N_("Make NAME the credential that “token”, “verify” and “exec” use by default."),
    NULL,
    tessera_cli_cmd_select },
  { "remove", N_("remove NAME [--revoke]"),
    N_("Delete NAME: its settings and its key in the keyring."),
    N_("--revoke first deletes the token on Harness, so that its key stops working everywhere; "
       "if Harness refuses, NAME is kept and the reason is shown."),
    tessera_cli_cmd_remove_or_revoke },
  { "token", N_("token [NAME | --credential NAME]"),
    N_("Print the selected or the named key and a newline, nothing else."),
    N_("For example: curl -H \"x-api-key: $(tessera token)\" https://app.harness.io/ng/api/…"),
    tessera_cli_cmd_token },
  { "exec", N_("exec [--credential NAME] -- COMMAND [ARGUMENT…]"),
    N_("Run COMMAND with the selected or the named key in its environment, and exit with its status."),
    N_("Only COMMAND sees HARNESS_PLATFORM_API_KEY, HARNESS_ACCOUNT_ID and HARNESS_ENDPOINT (the base URL with “/gateway”, "
       "as the Terraform provider expects) and HARNESS_API_KEY, HARNESS_ACCOUNT and HARNESS_API_URL (as the Harness CLI expects)."),
    tessera_cli_cmd_exec },
  { "rotate", N_("rotate NAME [--grace DURATION]"),
    N_("Ask Harness for a new key in place of NAME’s, and save it; the old key keeps working for DURATION (default 24h, at most 7d)."),
    N_("Rotation keeps the expiry: Harness gives the new key the old one’s. For a later expiry use “tessera renew”. "
       "Durations are a number with s, m, h, d or w, such as 30m, 24h or 3d. "
       "If the new key cannot be saved, it is printed once on standard output so that it is not lost."),
    tessera_cli_cmd_rotate },
  { "renew", N_("renew NAME --expires-in DURATION"),
    N_("Make a new token on the same Harness API key that expires DURATION from now, save its key, then delete the old token."),
    N_("The key must still be valid. Durations are a number with s, m, h, d or w, such as 90d or 12w. "
       "Harness limits how many tokens an API key may have: at the limit, delete an unused token in Harness first."),
    tessera_cli_cmd_renew },
  { "status", N_("status [--credential NAME] [--json]"),
    N_("Say which credential applies in this folder, and which rule chose it."),
    N_("In order: --credential NAME, the TESSERA_CREDENTIAL environment variable, the nearest “.tessera” file "
       "in this folder or above it (up to the home folder), and last the selected credential. "
       "A “.tessera” file holds a [Tessera] group with “credential=NAME” and, optionally, “org=” and “project=”. "
       "“token”, “exec”, “verify”, “env” and “git-credential” follow the same order."),
    tessera_cli_cmd_status },
  { "env", N_("env [--credential NAME] [--shell sh|fish|json]"),
    N_("Print the variables “exec” sets, for the credential that applies here, as shell commands."),
    N_("Also HARNESS_ORG, HARNESS_PROJECT, ORG_IDENTIFIER and PROJECT_IDENTIFIER when a “.tessera” file gives an org "
       "and a project. For example: eval \"$(tessera env)\" in a shell or in direnv’s .envrc; "
       "tessera env --shell fish | source in fish."),
    tessera_cli_cmd_env },
  { "git-credential", N_("git-credential [--credential NAME] get|store|erase"),
    N_("Git’s credential helper for Harness Code: answers with the key of the credential that applies."),
    N_("“get” answers for git.harness.io and the hosts of saved base URLs, with the credential for the account "
       "in the repository’s path when git sends it (credential.useHttpPath), else the one that applies here; "
       "nothing for other hosts. “store” and “erase” change nothing. Set it up with “tessera setup-git”."),
    tessera_cli_cmd_git_credential },
  { "setup-git", N_("setup-git [--dry-run]"),
    N_("Show, then write into your git settings (git config --global), the lines that make git ask Tessera for Harness Code."),
    N_("--dry-run only shows them. In a Flatpak they are only shown, with “flatpak run” as the helper: "
       "run them outside the sandbox, for example piped to “sh”."),
    tessera_cli_cmd_setup_git },
  { "import", N_("import [--scrub] [--no-verify] [--json]"),
    N_("Save the API keys that Harness’s own command-line tools keep in plaintext files, one credential per profile."),
    N_("Reads ~/.harness/auth.json (hc, saved as “hc”), ~/.harness/config.yaml and ~/.harness/credentials "
       "(the harness CLI, or $HARNESS_CLI_HOME; one credential per profile, by its name) and ~/.secrets.json "
       "(the old harness-cli, saved as “harness-legacy”), with their account, base URL, org and project. "
       "Each key is checked with Harness first, as “add” does, unless --no-verify. A key saved already, or a profile "
       "whose name another credential has, is skipped. A file that can’t be read as expected stops the import before "
       "anything is saved. --scrub then removes the lines holding the keys now saved from those files, keeping every "
       "other line; no copy of them is kept. --json prints what happened to each key as an array of objects."),
    tessera_cli_cmd_import },
};

/* The commands that only read settings: their store reads a snapshot of
 * GSettings' keyfile where there is one (tessera_store_new_reading()). */
static gboolean
command_reads_only (const TesseraCliCommand *command)
{
  static const TesseraCliCommandFunc readers[] = {
    tessera_cli_cmd_list, tessera_cli_cmd_token, tessera_cli_cmd_exec,
    tessera_cli_cmd_status, tessera_cli_cmd_env, tessera_cli_cmd_git_credential,
  };

  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    if (command->func == readers[i])
      return TRUE;

  return FALSE;
}

/* Help */

static const TesseraCliCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];

  return NULL;
}

static void
print_exit_codes (GString *out)
{
  static const struct { const char *code; const char *meaning; } codes[] = {
    { "0", N_("Success.") },
    { "1", N_("Harness turned the key down: invalid, expired, forbidden or for another account.") },
    { "2", N_("The key could not be checked: offline, timeout, TLS or server error.") },
    { "3", N_("Usage error: unknown command or option, missing or extra argument.") },
    { "4", N_("Invalid input: no credential by that name, none selected, name taken, malformed key, account ID or base URL.") },
    { "5", N_("Keyring or settings problem: keyring unavailable or locked, key missing from the keyring.") },
    { "126", N_("exec: the command could not be started.") },
    { "127", N_("exec: the command was not found.") },
    { "130", N_("Interrupted by Ctrl+C or SIGTERM.") },
  };

  g_string_append_printf (out, "%s\n", _("Exit status:"));
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    g_string_append_printf (out, "  %-5s%s\n", codes[i].code, _(codes[i].meaning));
  g_string_append_printf (out, "  %s\n", _("Once its command has started, exec exits with that command’s status (128 + N when signal N ended it)."));
}

static void
print_help (void)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_append_printf (out, "%s\n", _("Usage:"));
  tessera_cli_append_padded (out, "  tessera", 31);
  g_string_append_printf (out, "%s\n", _("Open the Tessera window"));
  g_string_append (out, "  tessera ");
  tessera_cli_append_padded (out, _("COMMAND [OPTION…]"), 21);
  g_string_append_printf (out, "%s\n", _("Use the saved Harness API keys without a window"));
  g_string_append_c (out, '\n');

  g_string_append_printf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (out, "  tessera %s\n      %s\n", _(commands[i].synopsis), _(commands[i].summary));
  g_string_append_printf (out, "  tessera help [COMMAND]\n      %s\n", _("Show this help, or the help of one command."));
  g_string_append_printf (out, "  tessera --version\n      %s\n", _("Show the version."));
  g_string_append_c (out, '\n');

  g_string_append_printf (out, "%s\n\n", _("Names are matched ignoring case. Keys are kept in the desktop keyring and are never written anywhere else."));

  print_exit_codes (out);
  g_string_append_c (out, '\n');

  g_string_append_printf (out, "%s\n", _("Examples:"));
  g_string_append (out, "  tessera add Production < key.txt\n");
  g_string_append (out, "  tessera select production\n");
  g_string_append (out, "  curl -H \"x-api-key: $(tessera token)\" https://app.harness.io/ng/api/user/currentUser\n");
  g_string_append (out, "  tessera exec --credential Staging -- terraform plan\n");

  tessera_cli_print_out (out->str);
}

static void
print_command_help (const TesseraCliCommand *command)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_append_printf (out, "%s\n  tessera %s\n\n%s\n", _("Usage:"), _(command->synopsis), _(command->summary));
  if (command->details != NULL)
    g_string_append_printf (out, "%s\n", _(command->details));

  tessera_cli_print_out (out->str);
}

/* Public API */

/**
 * tessera_cli_is_command:
 * @arg: (nullable): the first argument
 *
 * Returns: %TRUE when @arg asks for the command line rather than the window
 */
gboolean
tessera_cli_is_command (const char *arg)
{
  if (arg == NULL)
    return FALSE;

  return find_command (arg) != NULL ||
         g_str_equal (arg, "help") ||
         g_str_equal (arg, "--help") ||
         g_str_equal (arg, "-h") ||
         g_str_equal (arg, "--version");
}

/**
 * tessera_cli_run:
 * @argc: the number of arguments
 * @argv: (array length=argc): the program's arguments; @argv[1] is the
 *   sub-command
 *
 * Returns: the exit code, one of #TesseraCliExit or the status of the
 *   command that `exec` ran
 */
int
tessera_cli_run (int    argc,
                 char **argv)
{
  const TesseraCliCommand *command;
  TesseraCli cli = { 0 };
  int code;

  /* stdout carries data (`tessera token`, --json): debug and info
   * messages, which GLib prints on stdout by default, go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  /* The key passes through this process's memory: no core dump of it,
   * and no other process of the same user reads it through /proc or
   * ptrace. (The window stays debuggable.) A program that `exec` runs is
   * dumpable again. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    g_debug ("Could not turn core dumps off: %s", g_strerror (errno));

  tessera_cli_catch_early_signals ();

  /* The core's sentences point at standard input and options, not at the
   * window's fields. */
  tessera_words_set_audience (TESSERA_AUDIENCE_TERMINAL);

  if (argc < 2)
    {
      print_help ();
      return TESSERA_CLI_EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      if (argc > 2 && g_str_equal (argv[1], "help"))
        {
          command = find_command (argv[2]);
          if (command == NULL)
            return tessera_cli_usage_error ("help", _("There is no such command"));
          print_command_help (command);
        }
      else
        {
          print_help ();
        }
      return TESSERA_CLI_EXIT_OK;
    }

  if (g_str_equal (argv[1], "--version"))
    {
      tessera_cli_print_out (PACKAGE_NAME " " PACKAGE_VERSION "\n");
      return TESSERA_CLI_EXIT_OK;
    }

  command = find_command (argv[1]);
  if (command == NULL)
    {
      if (tessera_cli_safe_to_quote (argv[1]))
        return tessera_cli_fail (TESSERA_CLI_EXIT_USAGE, _("“%s” is not a tessera command (see “tessera --help”)."), argv[1]);
      return tessera_cli_fail (TESSERA_CLI_EXIT_USAGE, _("That is not a tessera command (see “tessera --help”)."));
    }

  if (tessera_cli_wants_help (argc - 1, argv + 1))
    {
      print_command_help (command);
      return TESSERA_CLI_EXIT_OK;
    }

  /* The store would abort without its schema: say so in a sentence. */
  if (!tessera_install_has_schema ())
    {
      g_autofree char *message = tessera_install_missing_schema_message ();

      return tessera_cli_fail (TESSERA_CLI_EXIT_KEYRING, "%s", message);
    }

  /* Listing and selecting only read and write settings. The rest needs
   * the keyring module, and what may ask Harness the network module too
   * (tessera-net-module.h); a module that cannot be opened would abort the
   * program: say so in a sentence instead. What only reads (token, exec,
   * git-credential) never opens the network module. */
  cli.reads_only = command_reads_only (command);
  if (command->func != tessera_cli_cmd_list && command->func != tessera_cli_cmd_select)
    {
      g_autoptr(GError) error = NULL;

      if (tessera_keyring_load (&error) == NULL ||
          (!cli.reads_only && tessera_net_load (&error) == NULL))
        return tessera_cli_fail (TESSERA_CLI_EXIT_KEYRING, "%s", error->message);
    }

  cli.cancellable = g_cancellable_new ();
  code = command->func (&cli, argc - 1, argv + 1);
  tessera_cli_release_interrupts (&cli);

  /* A key the store is deleting again after an interrupted add: cut
   * short, a write of libsecret's file backend leaves the keyring file
   * unreadable. A few seconds at most; the journal covers the rest. */
  if (cli.store != NULL && tessera_store_get_background_work (cli.store))
    {
      gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

      while (tessera_store_get_background_work (cli.store) && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
    }

  /* Settings writes may still be queued (dconf): flush them before the
   * process goes away, so the window sees every change. */
  if (cli.store != NULL)
    tessera_store_sync (cli.store);

  g_clear_object (&cli.store);
  g_clear_object (&cli.cancellable);
  fflush (stdout);

  return code;
}
