/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-credential.c: `tessera list`, `add`, `select` and `remove` */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "tessera-cli-private.h"
#include "tessera-enums.h"

int
tessera_cli_cmd_list (TesseraCli  *cli,
                      int          argc,
                      char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  gboolean json = FALSE;
  const TesseraCliOption options[] = { { "--json", FALSE, &json } };
  GListModel *model;
  guint n_items;
  int code;

  code = tessera_cli_parse_command_line ("list", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 0);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  model = G_LIST_MODEL (tessera_cli_get_store (cli));
  n_items = g_list_model_get_n_items (model);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(TesseraCredential) credential = g_list_model_get_item (model, i);

          tessera_cli_add_credential_object (builder, credential);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      tessera_cli_print_json (builder);
      return TESSERA_CLI_EXIT_OK;
    }

  if (n_items == 0)
    {
      g_printerr (_("No credentials are saved yet. Add one with “tessera add NAME”.\n"));
      return TESSERA_CLI_EXIT_OK;
    }

  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
    /* The header only for people: scripts get the rows alone, or --json. */
    gboolean header = isatty (STDOUT_FILENO);
    guint widths[5] = { 0 };
    g_autoptr(GString) out = g_string_new (NULL);

    if (header)
      {
        char **row = g_new0 (char *, 7);

        row[0] = g_strdup (" ");
        row[1] = g_strdup (_("NAME"));
        row[2] = g_strdup (_("ACCOUNT ID"));
        row[3] = g_strdup (_("KIND"));
        row[4] = g_strdup (_("STATUS"));
        row[5] = g_strdup (_("EXPIRES"));
        g_ptr_array_add (rows, row);
      }

    for (guint i = 0; i < n_items; i++)
      {
        g_autoptr(TesseraCredential) credential = g_list_model_get_item (model, i);
        gint64 expires = tessera_credential_get_expires (credential);
        const char *account = tessera_credential_get_account_id (credential);
        char **row = g_new0 (char *, 7);

        row[0] = g_strdup (tessera_credential_get_selected (credential) ? "*" : " ");
        row[1] = tessera_cli_dup_printable (tessera_credential_get_name (credential));
        row[2] = tessera_cli_dup_printable (account != NULL && account[0] != '\0' ? account : "-");
        row[3] = g_strdup (tessera_cli_enum_nick (TESSERA_TYPE_CREDENTIAL_KIND, tessera_credential_get_kind (credential)));
        row[4] = g_strdup (tessera_credential_status_to_string (tessera_credential_get_status (credential)));
        row[5] = expires > 0 ? tessera_cli_format_date (expires / 1000) : g_strdup ("-");
        g_ptr_array_add (rows, row);
      }

    for (guint i = 0; i < rows->len; i++)
      {
        char **row = g_ptr_array_index (rows, i);

        for (guint c = 0; c < G_N_ELEMENTS (widths); c++)
          widths[c] = MAX (widths[c], (guint) g_utf8_strlen (row[c], -1));
      }

    for (guint i = 0; i < rows->len; i++)
      {
        char **row = g_ptr_array_index (rows, i);

        for (guint c = 0; c < G_N_ELEMENTS (widths); c++)
          {
            tessera_cli_append_padded (out, row[c], widths[c]);
            g_string_append (out, c == 0 ? " " : "  ");
          }
        g_string_append (out, row[5]);
        g_string_append_c (out, '\n');
      }

    tessera_cli_print_out (out->str);
  }

  return TESSERA_CLI_EXIT_OK;
}

int
tessera_cli_cmd_add (TesseraCli  *cli,
                     int          argc,
                     char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GAsyncResult) add_result = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *base_url_notice = NULL;
  g_auto(TesseraSecret) input = NULL;
  const char *description = NULL;
  const char *account_id = NULL;
  const char *base_url_arg = NULL;
  const char *name;
  gboolean no_verify = FALSE;
  gboolean keyring_timed_out = FALSE;
  const TesseraCliOption options[] = {
    { "--description", TRUE, &description },
    { "--account-id", TRUE, &account_id },
    { "--base-url", TRUE, &base_url_arg },
    { "--no-verify", FALSE, &no_verify },
  };
  TesseraStore *store;
  int code;

  code = tessera_cli_parse_command_line ("add", argc, argv, options, G_N_ELEMENTS (options), positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  name = g_ptr_array_index (positional, 0);
  store = tessera_cli_get_store (cli);
  tessera_cli_recover (cli);

  /* Everything that can be checked without the key first, so that a typo
   * is reported before the user pastes anything. Without --base-url, the
   * one the dialog offers too. */
  if (!tessera_store_validate_name (store, NULL, name, &error) ||
      !tessera_store_validate_description (description != NULL ? description : "", &error))
    return tessera_cli_fail_with_error (error);

  base_url = tessera_store_resolve_base_url (store, base_url_arg, &base_url_notice, &error);
  if (base_url == NULL)
    return tessera_cli_fail_with_error (error);
  /* An address copied from an API call: say what is used instead. */
  if (base_url_notice != NULL)
    g_printerr ("tessera: %s\n", base_url_notice);

  input = tessera_cli_read_key_input (&error);
  if (input == NULL)
    return tessera_cli_fail (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                             ? TESSERA_CLI_EXIT_INTERRUPTED : TESSERA_CLI_EXIT_INVALID,
                             "%s", error->message);
  token = tessera_token_parse (input, &error);
  tessera_secure_clear (&input);
  if (token == NULL)
    return tessera_cli_fail_with_error (error);

  tessera_cli_catch_interrupts (cli);

  tessera_store_add_checked_async (store, name, description != NULL ? description : "",
                                   account_id, base_url, token,
                                   no_verify ? TESSERA_STORE_SAVE_NONE : TESSERA_STORE_SAVE_VERIFY,
                                   cli->cancellable, tessera_cli_on_ready, &add_result);
  /* The check with Harness has its own deadline (15 s); the keyring, none. */
  tessera_cli_wait_for_keyring (cli, &add_result, &keyring_timed_out);
  if (add_result == NULL)
    return tessera_cli_fail_keyring_timeout ();
  credential = tessera_store_add_checked_finish (store, add_result, &error);
  if (credential == NULL && keyring_timed_out)
    return tessera_cli_fail_keyring_timeout ();
  if (credential == NULL)
    return tessera_cli_fail_with_error (error);

  {
    g_autofree char *shown = tessera_cli_dup_printable (tessera_credential_get_name (credential));
    g_autofree char *line = NULL;

    if (!no_verify)
      line = g_strdup_printf (_("Saved “%s”; Harness accepted the key.\n"), shown);
    else
      line = g_strdup_printf (_("Saved “%s” without verifying the key.\n"), shown);
    tessera_cli_print_out (line);
    /* None was selected (the first one saved): this one is now. */
    if (tessera_credential_get_selected (credential))
      tessera_cli_print_out (_("Scripts and “tessera token” use it from now on.\n"));
  }

  return TESSERA_CLI_EXIT_OK;
}

int
tessera_cli_cmd_select (TesseraCli  *cli,
                        int          argc,
                        char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *line = NULL;
  TesseraCredential *credential;
  int code;

  code = tessera_cli_parse_command_line ("select", argc, argv, NULL, 0, positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  credential = tessera_cli_find_credential (cli, g_ptr_array_index (positional, 0), &code);
  if (credential == NULL)
    return code;

  if (!tessera_store_select (tessera_cli_get_store (cli), tessera_credential_get_id (credential), &error))
    return tessera_cli_fail_with_error (error);

  shown = tessera_cli_dup_printable (tessera_credential_get_name (credential));
  line = g_strdup_printf (_("Selected “%s”.\n"), shown);
  tessera_cli_print_out (line);
  return TESSERA_CLI_EXIT_OK;
}

int
tessera_cli_cmd_remove (TesseraCli  *cli,
                        int          argc,
                        char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *line = NULL;
  TesseraCredential *credential;
  TesseraStore *store;
  gboolean was_selected;
  gboolean keyring_timed_out = FALSE;
  int code;

  code = tessera_cli_parse_command_line ("remove", argc, argv, NULL, 0, positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  tessera_cli_recover (cli);

  credential = tessera_cli_find_credential (cli, g_ptr_array_index (positional, 0), &code);
  if (credential == NULL)
    return code;

  store = tessera_cli_get_store (cli);
  id = g_strdup (tessera_credential_get_id (credential));
  shown = tessera_cli_dup_printable (tessera_credential_get_name (credential));
  was_selected = tessera_credential_get_selected (credential);

  /* There is no Undo toast here: remove and commit at once. */
  if (!tessera_store_remove (store, id, &error))
    return tessera_cli_fail_with_error (error);

  tessera_cli_catch_interrupts (cli);
  tessera_store_commit_remove_async (store, id, cli->cancellable, tessera_cli_on_ready, &result);
  tessera_cli_wait_for_keyring (cli, &result, &keyring_timed_out);
  if (result == NULL)
    return tessera_cli_fail_keyring_timeout ();
  if (!tessera_store_commit_remove_finish (store, result, &error))
    return keyring_timed_out ? tessera_cli_fail_keyring_timeout () : tessera_cli_fail_with_error (error);

  line = g_strdup_printf (_("Removed “%s”.\n"), shown);
  tessera_cli_print_out (line);
  /* Scripts get no other key in its place: say what they get now. */
  if (was_selected)
    tessera_cli_print_out (_("No credential is selected now: scripts get none until you choose one with “tessera select NAME”.\n"));
  return TESSERA_CLI_EXIT_OK;
}
