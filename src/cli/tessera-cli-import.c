/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-import.c: `tessera import`, the keys of Harness's own
 * command-line tools into the keyring */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-cli-private.h"

static const char *
outcome_nick (TesseraImportOutcome outcome)
{
  switch (outcome)
    {
    case TESSERA_IMPORT_OUTCOME_IMPORTED:       return "imported";
    case TESSERA_IMPORT_OUTCOME_ALREADY_STORED: return "already-stored";
    case TESSERA_IMPORT_OUTCOME_NAME_TAKEN:     return "name-taken";
    case TESSERA_IMPORT_OUTCOME_NO_API_KEY:     return "no-api-key";
    case TESSERA_IMPORT_OUTCOME_FAILED:         return "failed";
    case TESSERA_IMPORT_OUTCOME_PENDING:
    default:                                    return "not-imported";
    }
}

static void
add_source_object (JsonBuilder         *builder,
                   TesseraImportSource *source)
{
  g_autofree char *display = tessera_import_source_dup_display_path (source);
  g_autofree char *summary = tessera_import_source_dup_summary (source);
  const GError *error = tessera_import_source_get_error (source);
  const GError *scrub_error = tessera_import_source_get_scrub_error (source);

  json_builder_begin_object (builder);
  tessera_cli_add_string_member (builder, "profile", tessera_import_source_get_name (source));
  tessera_cli_add_string_member (builder, "file", display);
  tessera_cli_add_string_member (builder, "account_id", tessera_import_source_get_account_id (source));
  tessera_cli_add_string_member (builder, "base_url", tessera_import_source_get_base_url (source));
  tessera_cli_add_string_member (builder, "org", tessera_import_source_get_org (source));
  tessera_cli_add_string_member (builder, "project", tessera_import_source_get_project (source));
  tessera_cli_add_string_member (builder, "outcome", outcome_nick (tessera_import_source_get_outcome (source)));
  tessera_cli_add_string_member (builder, "credential", tessera_import_source_get_stored_as (source));
  json_builder_set_member_name (builder, "scrubbed");
  json_builder_add_boolean_value (builder, tessera_import_source_get_scrubbed (source));
  tessera_cli_add_string_member (builder, "error", error != NULL ? error->message : NULL);
  tessera_cli_add_string_member (builder, "scrub_error", scrub_error != NULL ? scrub_error->message : NULL);
  tessera_cli_add_string_member (builder, "summary", summary);
  json_builder_end_object (builder);
}

int
tessera_cli_cmd_import (TesseraCli  *cli,
                        int          argc,
                        char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cli_home = NULL;
  gboolean scrub = FALSE;
  gboolean no_verify = FALSE;
  gboolean json = FALSE;
  const TesseraCliOption options[] = {
    { "--scrub", FALSE, &scrub },
    { "--no-verify", FALSE, &no_verify },
    { "--json", FALSE, &json },
  };
  TesseraStoreImportFlags flags = TESSERA_STORE_IMPORT_NONE;
  TesseraStore *store;
  int code;

  code = tessera_cli_parse_command_line ("import", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 0);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  /* All the files read as expected, or nothing is done. */
  cli_home = tessera_import_source_dup_default_cli_home ();
  sources = tessera_import_source_find (g_get_home_dir (), cli_home, &error);
  if (sources == NULL)
    return tessera_cli_fail_with_error (error);

  if (sources->len == 0)
    {
      if (json)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();

          json_builder_begin_array (builder);
          json_builder_end_array (builder);
          tessera_cli_print_json (builder);
        }
      g_printerr (_("No API keys of the Harness CLIs were found (in ~/.harness/auth.json, ~/.harness/credentials and ~/.secrets.json).\n"));
      return TESSERA_CLI_EXIT_OK;
    }

  if (!no_verify)
    flags |= TESSERA_STORE_IMPORT_VERIFY;
  if (scrub)
    flags |= TESSERA_STORE_IMPORT_SCRUB;

  store = tessera_cli_get_store (cli);
  tessera_cli_catch_interrupts (cli);
  tessera_store_import_async (store, sources, flags, cli->cancellable, tessera_cli_on_ready, &result);
  tessera_cli_wait_for (&result);
  if (!tessera_store_import_finish (store, result, &error))
    return tessera_cli_fail_with_error (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < sources->len; i++)
        add_source_object (builder, g_ptr_array_index (sources, i));
      json_builder_end_array (builder);
      tessera_cli_print_json (builder);
    }
  else
    {
      g_autoptr(GString) out = g_string_new (NULL);

      for (guint i = 0; i < sources->len; i++)
        {
          g_autofree char *summary = tessera_import_source_dup_summary (g_ptr_array_index (sources, i));
          g_autofree char *shown = tessera_cli_dup_printable (summary);

          g_string_append_printf (out, "%s\n", shown);
        }
      tessera_cli_print_out (out->str);
    }

  /* The exit code of the worst failure, as `add` would have exited. */
  code = TESSERA_CLI_EXIT_OK;
  for (guint i = 0; i < sources->len; i++)
    {
      TesseraImportSource *source = g_ptr_array_index (sources, i);
      const GError *failure = tessera_import_source_get_error (source);
      const GError *scrub_failure = tessera_import_source_get_scrub_error (source);

      if (failure != NULL)
        code = MAX (code, tessera_cli_exit_code_for_error (failure));
      if (scrub_failure != NULL)
        code = MAX (code, tessera_cli_exit_code_for_error (scrub_failure));
    }

  return code;
}
