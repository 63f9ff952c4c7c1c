/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-store.c: the store, the main loop and Ctrl+C
 *
 * Each sub-command runs in its own process over the asynchronous store API,
 * iterating the main context until its operation finishes: the same code
 * paths as the window, without blocking calls and without GTK.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <signal.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "tessera-cli-private.h"

void
tessera_cli_on_ready (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The command line is its own process: iterating the default context until
 * the one operation finishes is its whole main loop. */
GAsyncResult *
tessera_cli_wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

volatile sig_atomic_t tessera_cli_signalled;

static void
on_early_signal (int signum)
{
  tessera_cli_signalled = signum;
}

/* From the start of the process: a SIGINT or SIGTERM before a command
 * catches interrupts is remembered, not fatal, so that it too ends the
 * command as interrupted (exit 130) and the store can undo its steps. */
void
tessera_cli_catch_early_signals (void)
{
  struct sigaction action = { 0 };

  action.sa_handler = on_early_signal;
  sigemptyset (&action.sa_mask);
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);
}

static gboolean
on_keyring_deadline (gpointer user_data)
{
  gboolean *passed = user_data;

  *passed = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for an operation on the keyring: a frozen keyring (a stopped
 * daemon, an unlock prompt nobody answers) does not hold the command for
 * ever. After TESSERA_CLI_KEYRING_TIMEOUT_S seconds the operation is
 * cancelled, and given a few seconds more to undo its steps. Returns the
 * result, or NULL if none came; *@timed_out says whether the deadline
 * passed (then the result, if any, is most likely the cancellation). */
GAsyncResult *
tessera_cli_wait_for_keyring (TesseraCli    *cli,
                              GAsyncResult **result,
                              gboolean      *timed_out)
{
  gboolean passed = FALSE;
  guint timer;

  *timed_out = FALSE;
  /* A keyring that did not answer the recovery before the command has
   * used that much of the command's time already. */
  timer = g_timeout_add (TESSERA_CLI_KEYRING_TIMEOUT_S * 1000 - MIN (cli->keyring_spent_ms, 5000),
                         on_keyring_deadline, &passed);
  while (*result == NULL && !passed)
    g_main_context_iteration (NULL, TRUE);
  if (!passed)
    {
      g_source_remove (timer);
      return *result;
    }

  g_debug ("The keyring did not answer within %d s: cancelling", TESSERA_CLI_KEYRING_TIMEOUT_S);
  *timed_out = TRUE;
  g_cancellable_cancel (cli->cancellable);
  passed = FALSE;
  timer = g_timeout_add_seconds (TESSERA_CLI_KEYRING_GRACE_S, on_keyring_deadline, &passed);
  while (*result == NULL && !passed)
    g_main_context_iteration (NULL, TRUE);
  if (!passed)
    g_source_remove (timer);

  return *result;
}

/* The sentence for a keyring that did not answer in time. */
int
tessera_cli_fail_keyring_timeout (void)
{
  return tessera_cli_fail (TESSERA_CLI_EXIT_KEYRING,
                           _("The keyring did not answer within %d seconds: it may be frozen, or waiting for an unlock prompt. Try again when it answers."),
                           TESSERA_CLI_KEYRING_TIMEOUT_S);
}

static gboolean
on_interrupt (gpointer user_data)
{
  TesseraCli *cli = user_data;

  g_debug ("Interrupted, cancelling");
  g_cancellable_cancel (cli->cancellable);
  return G_SOURCE_CONTINUE;
}

/* Ctrl+C cancels the running operation, so that the store can undo its
 * steps instead of dying between them. */
void
tessera_cli_catch_interrupts (TesseraCli *cli)
{
  if (cli->sigint_id == 0)
    cli->sigint_id = g_unix_signal_add (SIGINT, on_interrupt, cli);
  if (cli->sigterm_id == 0)
    cli->sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt, cli);

  /* One came before: act on it now. */
  if (tessera_cli_signalled != 0)
    g_cancellable_cancel (cli->cancellable);
}

void
tessera_cli_release_interrupts (TesseraCli *cli)
{
  g_clear_handle_id (&cli->sigint_id, g_source_remove);
  g_clear_handle_id (&cli->sigterm_id, g_source_remove);
}

TesseraStore *
tessera_cli_get_store (TesseraCli *cli)
{
  if (cli->store == NULL)
    {
      cli->store = cli->reads_only ? tessera_store_new_reading (NULL, NULL) : tessera_store_new (NULL, NULL);
      /* A command reads the credentials once and re-reads what it changes
       * itself: no need to follow each one (at 10 000 credentials that
       * was most of `tessera list`). */
      tessera_store_set_watch_credentials (cli->store, FALSE);
    }

  return cli->store;
}

#define RECOVER_DEADLINE_MS 2000
#define RECOVER_GRACE_MS 500

static void
on_recover_cancelled (GCancellable *cancellable,
                      GCancellable *own)
{
  g_cancellable_cancel (own);
}

/* What an interrupted or killed `tessera` (or window) left behind is
 * finished or undone, and keyring items and settings that no credential
 * owns are removed (tessera-store-journal.c): before add, remove and
 * verify. Best effort and brief: a keyring that does not answer within a
 * few seconds leaves it for the next run, and the command goes on. */
void
tessera_cli_recover (TesseraCli *cli)
{
  g_autoptr(GCancellable) own = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean passed = FALSE;
  gboolean timed_out = FALSE;
  gint64 started;
  gulong handler;
  guint timer;
  guint removed = 0;

  started = g_get_monotonic_time ();
  handler = g_cancellable_connect (cli->cancellable, G_CALLBACK (on_recover_cancelled), own, NULL);
  tessera_store_recover_async (tessera_cli_get_store (cli), own, tessera_cli_on_ready, &result);
  timer = g_timeout_add (RECOVER_DEADLINE_MS, on_keyring_deadline, &passed);
  while (result == NULL && !passed)
    g_main_context_iteration (NULL, TRUE);
  if (passed)
    {
      timed_out = TRUE;
      g_cancellable_cancel (own);
      /* A moment for the cancelled calls to return. */
      passed = FALSE;
      timer = g_timeout_add (RECOVER_GRACE_MS, on_keyring_deadline, &passed);
      while (result == NULL && !passed)
        g_main_context_iteration (NULL, TRUE);
    }
  if (!passed)
    g_source_remove (timer);
  g_cancellable_disconnect (cli->cancellable, handler);

  if (timed_out)
    cli->keyring_spent_ms = (guint) ((g_get_monotonic_time () - started) / 1000);

  if (result == NULL)
    g_debug ("Recovery did not end in time");
  else if (!tessera_store_recover_finish (tessera_cli_get_store (cli), result, &removed, &error))
    g_debug ("Recovery stopped: %s", error->message);
  else if (removed > 0)
    g_debug ("Recovery dealt with %u interrupted operations or orphans", removed);
}

/* The credential that applies here when @name is NULL (--credential,
 * TESSERA_CREDENTIAL, .tessera, the selected one). Prints the error. */
TesseraCredential *
tessera_cli_find_credential (TesseraCli  *cli,
                             const char  *name,
                             int         *exit_code)
{
  TesseraStore *store = tessera_cli_get_store (cli);
  TesseraCredential *credential;

  /* No name: the one that applies here (tessera-cli-folder.c); the store
   * keeps it alive. */
  if (name == NULL)
    {
      g_autoptr(TesseraResolution) resolution = tessera_cli_resolve (cli, NULL, exit_code);

      return resolution != NULL ? tessera_resolution_get_credential (resolution) : NULL;
    }

  credential = tessera_store_find_by_name (store, name);
  if (credential == NULL)
    {
      if (tessera_cli_safe_to_quote (name))
        *exit_code = tessera_cli_fail (TESSERA_CLI_EXIT_INVALID, _("No credential is named “%s”."), name);
      else
        *exit_code = tessera_cli_fail (TESSERA_CLI_EXIT_INVALID, _("No credential has that name."));
    }

  return credential;
}

char *
tessera_cli_lookup_token (TesseraCli         *cli,
                          TesseraCredential  *credential,
                          GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_lookup_token_async (tessera_cli_get_store (cli),
                                    tessera_credential_get_id (credential),
                                    cli->cancellable, tessera_cli_on_ready, &result);
  return tessera_store_lookup_token_finish (tessera_cli_get_store (cli), tessera_cli_wait_for (&result), error);
}
