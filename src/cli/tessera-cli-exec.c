/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-exec.c: `tessera token` and `tessera exec`
 *
 * A token only ever travels keyring → memory → stdout (`token`) or the
 * child's environment (`exec`), and every copy is wiped after use.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "tessera-base-url.h"
#include "tessera-cli-private.h"

int
tessera_cli_cmd_token (TesseraCli  *cli,
                       int          argc,
                       char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) token = NULL;
  const char *credential_name = NULL;
  const TesseraCliOption options[] = { { "--credential", TRUE, &credential_name } };
  TesseraCredential *credential;
  int code;

  code = tessera_cli_parse_command_line ("token", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;
  if (credential_name != NULL && positional->len > 0)
    return tessera_cli_usage_error ("token", _("Give either a NAME or “--credential NAME”, not both"));
  if (positional->len > 0)
    credential_name = g_ptr_array_index (positional, 0);

  credential = tessera_cli_find_credential (cli, credential_name, &code);
  if (credential == NULL)
    return code;

  tessera_cli_catch_interrupts (cli);
  token = tessera_cli_lookup_token (cli, credential, &error);
  if (token == NULL)
    return tessera_cli_fail_with_error (error);

  if (!tessera_cli_write_secret_line (token))
    return tessera_cli_fail (TESSERA_CLI_EXIT_KEYRING, _("Could not write the key to standard output."));

  return TESSERA_CLI_EXIT_OK;
}

typedef struct
{
  GPid     pid;
  int      wait_status;
  gboolean exited;
} ChildState;

static void
on_child_exited (GPid     pid,
                 int      wait_status,
                 gpointer user_data)
{
  ChildState *child = user_data;

  child->wait_status = wait_status;
  child->exited = TRUE;
  g_spawn_close_pid (pid);
}

/* The terminal sends Ctrl+C to the child as well: the parent just stays
 * to report its status. Signals sent to the parent alone are passed on. */
static gboolean
on_parent_signal_ignore (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
on_parent_signal_forward_term (gpointer user_data)
{
  ChildState *child = user_data;

  if (!child->exited)
    kill (child->pid, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_parent_signal_forward_hup (gpointer user_data)
{
  ChildState *child = user_data;

  if (!child->exited)
    kill (child->pid, SIGHUP);
  return G_SOURCE_CONTINUE;
}

static void
wipe_environment (char **envp)
{
  static const char *secret_variables[] = { "HARNESS_PLATFORM_API_KEY=", "HARNESS_API_KEY=" };

  for (guint i = 0; envp != NULL && envp[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (secret_variables); j++)
      if (g_str_has_prefix (envp[i], secret_variables[j]))
        memset (envp[i], 0, strlen (envp[i]));
}

int
tessera_cli_cmd_exec (TesseraCli  *cli,
                      int          argc,
                      char       **argv)
{
  g_autoptr(GPtrArray) no_positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) token = NULL;
  g_auto(GStrv) envp = NULL;
  g_autofree char *checked_base_url = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *account = NULL;
  const char *credential_name = NULL;
  const TesseraCliOption options[] = { { "--credential", TRUE, &credential_name } };
  TesseraCredential *credential;
  const char *base_url;
  ChildState child = { 0 };
  guint sources[3];
  gboolean spawned;
  int rest = argc;
  int code = TESSERA_CLI_EXIT_OK;

  if (!tessera_cli_parse_arguments ("exec", argc, argv, options, G_N_ELEMENTS (options), TRUE, no_positional, &rest, &error))
    return tessera_cli_usage_error ("exec", error->message);
  if (rest >= argc)
    return tessera_cli_usage_error ("exec", _("A COMMAND to run is missing"));

  credential = tessera_cli_find_credential (cli, credential_name, &code);
  if (credential == NULL)
    return code;

  /* The settings are a file any program may edit: check the address as
   * `verify` does before it goes out next to the key, and before the key
   * is even read. */
  base_url = tessera_credential_get_base_url (credential);
  if (base_url == NULL || base_url[0] == '\0')
    base_url = TESSERA_DEFAULT_BASE_URL;
  checked_base_url = tessera_base_url_normalize (base_url, &error);
  if (checked_base_url == NULL)
    return tessera_cli_fail (TESSERA_CLI_EXIT_INVALID, "%s", error->message);
  base_url = checked_base_url;

  tessera_cli_catch_interrupts (cli);
  token = tessera_cli_lookup_token (cli, credential, &error);
  tessera_cli_release_interrupts (cli);
  if (token == NULL)
    return tessera_cli_fail_with_error (error);

  /* Normalized, without a trailing "/". Terraform wants the gateway; the
   * Harness CLI wants the host. */
  if (g_str_has_suffix (base_url, "/gateway"))
    {
      endpoint = g_strdup (base_url);
      api_url = g_strndup (base_url, strlen (base_url) - strlen ("/gateway"));
    }
  else
    {
      endpoint = g_strconcat (base_url, "/gateway", NULL);
      api_url = g_strdup (base_url);
    }

  account = g_strdup (tessera_credential_get_account_id (credential));
  if (account == NULL || account[0] == '\0')
    {
      g_autoptr(TesseraToken) parsed = tessera_token_parse (token, NULL);

      g_free (account);
      account = parsed != NULL ? g_strdup (tessera_token_get_account_id (parsed)) : NULL;
    }

  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "HARNESS_PLATFORM_API_KEY", token, TRUE);
  envp = g_environ_setenv (envp, "HARNESS_API_KEY", token, TRUE);
  envp = g_environ_setenv (envp, "HARNESS_ENDPOINT", endpoint, TRUE);
  envp = g_environ_setenv (envp, "HARNESS_API_URL", api_url, TRUE);
  if (account != NULL && account[0] != '\0')
    {
      envp = g_environ_setenv (envp, "HARNESS_ACCOUNT_ID", account, TRUE);
      envp = g_environ_setenv (envp, "HARNESS_ACCOUNT", account, TRUE);
    }
  tessera_secure_clear (&token);

  fflush (stdout);
  spawned = g_spawn_async (NULL, argv + rest, envp,
                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                           NULL, NULL, &child.pid, &error);
  wipe_environment (envp);

  if (!spawned)
    {
      if (g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
        return tessera_cli_fail (TESSERA_CLI_EXIT_NO_COMMAND, _("Could not find the command “%s”."), argv[rest]);
      return tessera_cli_fail (TESSERA_CLI_EXIT_CANNOT_RUN, "%s", error->message);
    }

  sources[0] = g_unix_signal_add (SIGINT, on_parent_signal_ignore, &child);
  sources[1] = g_unix_signal_add (SIGTERM, on_parent_signal_forward_term, &child);
  sources[2] = g_unix_signal_add (SIGHUP, on_parent_signal_forward_hup, &child);
  g_child_watch_add (child.pid, on_child_exited, &child);

  while (!child.exited)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    g_source_remove (sources[i]);

  if (WIFEXITED (child.wait_status))
    return WEXITSTATUS (child.wait_status);
  if (WIFSIGNALED (child.wait_status))
    return 128 + WTERMSIG (child.wait_status);
  return TESSERA_CLI_EXIT_CANNOT_RUN;
}
