/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-lifecycle.c: `tessera rotate`, `tessera renew` and
 * `tessera remove --revoke`: changing a credential's token on Harness */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tessera-cli-private.h"
#include "tessera-error.h"

#define HOUR_S             (60 * 60)
#define DAY_S              (24 * HOUR_S)
#define DEFAULT_GRACE_S    DAY_S
#define MAX_GRACE_S        (7 * DAY_S)
#define MAX_EXPIRES_IN_S   ((gint64) 10 * 366 * DAY_S)

/* "90d", "24h", "30m", "3600s", "2w", or a number of seconds: the number
 * of seconds, or -1. */
static gint64
parse_duration (const char *text)
{
  const char *end = NULL;
  guint64 number;
  gint64 unit = 1;

  if (text == NULL || !g_ascii_isdigit (text[0]))
    return -1;

  number = g_ascii_strtoull (text, (char **) &end, 10);
  if (end == text || number > G_MAXINT32)
    return -1;

  if (g_str_equal (end, "") || g_str_equal (end, "s"))
    unit = 1;
  else if (g_str_equal (end, "m"))
    unit = 60;
  else if (g_str_equal (end, "h"))
    unit = HOUR_S;
  else if (g_str_equal (end, "d"))
    unit = DAY_S;
  else if (g_str_equal (end, "w"))
    unit = 7 * DAY_S;
  else
    return -1;

  return (gint64) number * unit;
}

static char *
format_date_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (unix_seconds);

  return date != NULL ? g_date_time_format (date, "%Y-%m-%d %H:%M") : g_strdup ("-");
}

/* Harness made a key the keyring could not take: it is printed once, on
 * stdout like `tessera token` prints one, and said so on stderr. */
static int
fail_with_unsaved_key (const GError *error,
                       const char   *unsaved_key)
{
  int code;

  code = tessera_cli_fail_with_error (error);
  if (unsaved_key == NULL)
    return code;

  g_printerr (_("tessera: Harness made a new key, but it could not be saved. It is printed below, once: "
                "copy it now and keep it safe, for example with “tessera add NAME”. "
                "The credential still has its old key.\n"));
  tessera_cli_write_secret_line (unsaved_key);

  return code;
}

int
tessera_cli_cmd_rotate (TesseraCli  *cli,
                        int          argc,
                        char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *until = NULL;
  g_autofree char *expires = NULL;
  g_autofree char *line = NULL;
  char *unsaved_key = NULL;
  const char *grace_text = NULL;
  const TesseraCliOption options[] = { { "--grace", TRUE, &grace_text } };
  TesseraCredential *credential;
  TesseraStore *store;
  gint64 grace = DEFAULT_GRACE_S;
  gint64 expires_ms;
  gboolean rotated;
  int code;

  code = tessera_cli_parse_command_line ("rotate", argc, argv, options, G_N_ELEMENTS (options), positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  if (grace_text != NULL)
    {
      grace = parse_duration (grace_text);
      if (grace < 0 || grace > MAX_GRACE_S)
        return tessera_cli_usage_error ("rotate", _("--grace takes a duration of at most 7 days, such as 24h or 3d"));
    }

  credential = tessera_cli_find_credential (cli, g_ptr_array_index (positional, 0), &code);
  if (credential == NULL)
    return code;

  store = tessera_cli_get_store (cli);
  id = g_strdup (tessera_credential_get_id (credential));
  shown = tessera_cli_dup_printable (tessera_credential_get_name (credential));

  tessera_cli_catch_interrupts (cli);
  tessera_store_rotate_async (store, id, (guint) grace, cli->cancellable, tessera_cli_on_ready, &result);
  rotated = tessera_store_rotate_finish (store, tessera_cli_wait_for (&result), &unsaved_key, &error);
  if (!rotated)
    {
      code = fail_with_unsaved_key (error, unsaved_key);
      tessera_secure_free (unsaved_key);
      return code;
    }

  credential = tessera_store_lookup (store, id);
  until = format_date_time (g_get_real_time () / G_USEC_PER_SEC + grace);
  expires_ms = credential != NULL ? tessera_credential_get_expires (credential) : 0;
  expires = expires_ms > 0 ? tessera_cli_format_date (expires_ms / 1000) : g_strdup ("-");

  line = g_strdup_printf (_("Rotated “%s”: “tessera token” gives its new key now. The old key keeps working until %s.\n"),
                          shown, until);
  tessera_cli_print_out (line);
  g_free (line);
  /* Harness copies validTo to the new token: say so before someone
   * counts on a later expiry. */
  line = g_strdup_printf (_("Rotation keeps the expiry: the new key expires on %s, as the old one would have. "
                            "For a later expiry, use “tessera renew”.\n"), expires);
  tessera_cli_print_out (line);

  return TESSERA_CLI_EXIT_OK;
}

int
tessera_cli_cmd_renew (TesseraCli  *cli,
                       int          argc,
                       char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) revoke_error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *expires = NULL;
  g_autofree char *line = NULL;
  char *unsaved_key = NULL;
  const char *expires_text = NULL;
  const TesseraCliOption options[] = { { "--expires-in", TRUE, &expires_text } };
  TesseraCredential *credential;
  TesseraStore *store;
  gint64 expires_in;
  gint64 valid_to_ms;
  gboolean renewed;
  int code;

  code = tessera_cli_parse_command_line ("renew", argc, argv, options, G_N_ELEMENTS (options), positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  if (expires_text == NULL)
    return tessera_cli_usage_error ("renew", _("Say when the new key expires with --expires-in, such as 90d"));

  expires_in = parse_duration (expires_text);
  if (expires_in <= 0 || expires_in > MAX_EXPIRES_IN_S)
    return tessera_cli_usage_error ("renew", _("--expires-in takes a duration, such as 90d or 12w"));

  credential = tessera_cli_find_credential (cli, g_ptr_array_index (positional, 0), &code);
  if (credential == NULL)
    return code;

  store = tessera_cli_get_store (cli);
  id = g_strdup (tessera_credential_get_id (credential));
  shown = tessera_cli_dup_printable (tessera_credential_get_name (credential));
  valid_to_ms = g_get_real_time () / 1000 + expires_in * 1000;

  tessera_cli_catch_interrupts (cli);
  tessera_store_renew_async (store, id, valid_to_ms, cli->cancellable, tessera_cli_on_ready, &result);
  renewed = tessera_store_renew_finish (store, tessera_cli_wait_for (&result), &unsaved_key, &revoke_error, &error);
  if (!renewed)
    {
      code = fail_with_unsaved_key (error, unsaved_key);
      tessera_secure_free (unsaved_key);
      return code;
    }

  expires = tessera_cli_format_date (valid_to_ms / 1000);
  line = g_strdup_printf (_("Renewed “%s”: “tessera token” gives its new key now, which expires on %s.\n"), shown, expires);
  tessera_cli_print_out (line);

  if (revoke_error != NULL)
    {
      g_printerr (_("tessera: The old token is still on Harness and its key still works: %s Delete it in Harness.\n"),
                  tessera_error_get_message (revoke_error));
      return TESSERA_CLI_EXIT_OK;
    }

  tessera_cli_print_out (_("The old token was deleted on Harness: its key no longer works.\n"));
  return TESSERA_CLI_EXIT_OK;
}

/* `tessera remove NAME --revoke`; plain `remove` is
 * tessera_cli_cmd_remove(). */
static int
cmd_revoke (TesseraCli  *cli,
            int          argc,
            char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *line = NULL;
  gboolean revoke = FALSE;
  const TesseraCliOption options[] = { { "--revoke", FALSE, &revoke } };
  TesseraCredential *credential;
  TesseraStore *store;
  gboolean was_selected;
  int code;

  code = tessera_cli_parse_command_line ("remove", argc, argv, options, G_N_ELEMENTS (options), positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  credential = tessera_cli_find_credential (cli, g_ptr_array_index (positional, 0), &code);
  if (credential == NULL)
    return code;

  store = tessera_cli_get_store (cli);
  id = g_strdup (tessera_credential_get_id (credential));
  shown = tessera_cli_dup_printable (tessera_credential_get_name (credential));
  was_selected = tessera_credential_get_selected (credential);

  tessera_cli_catch_interrupts (cli);
  tessera_store_revoke_async (store, id, cli->cancellable, tessera_cli_on_ready, &result);
  if (!tessera_store_revoke_finish (store, tessera_cli_wait_for (&result), &error))
    {
      if (tessera_store_lookup (store, id) != NULL)
        g_printerr (_("tessera: “%s” was kept: Harness did not revoke its key.\n"), shown);
      return tessera_cli_fail_with_error (error);
    }

  line = g_strdup_printf (_("Revoked the key of “%s” on Harness and removed it.\n"), shown);
  tessera_cli_print_out (line);
  if (was_selected)
    tessera_cli_print_out (_("No credential is selected now: scripts get none until you choose one with “tessera select NAME”.\n"));
  return TESSERA_CLI_EXIT_OK;
}

int
tessera_cli_cmd_remove_or_revoke (TesseraCli  *cli,
                                  int          argc,
                                  char       **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--revoke"))
        return cmd_revoke (cli, argc, argv);
    }

  return tessera_cli_cmd_remove (cli, argc, argv);
}
