/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-verify.c: `tessera verify`, one credential or all of them,
 * as many at once as the window's Verify All */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-cli-private.h"

typedef struct
{
  TesseraCredential       *credential;
  char                    *name;      /* as it was when the run began */
  gboolean                 removed;   /* by another process, meanwhile */
  TesseraCredentialStatus  status;
  GError                  *error;
  guint                   *running;
  guint                   *finished;
} VerifyJob;

static void
verify_job_free (VerifyJob *job)
{
  g_clear_object (&job->credential);
  g_free (job->name);
  g_clear_error (&job->error);
  g_free (job);
}

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  VerifyJob *job = user_data;

  job->status = tessera_store_verify_finish (TESSERA_STORE (source), result, &job->error);
  (*job->running)--;
  (*job->finished)++;
}

/* What one check means for the exit code: a keyring that could not give
 * the key is "could not check", not a verdict on the key. */
static int
verify_job_outcome (VerifyJob *job)
{
  /* Gone from the list during the run: neither a verdict nor a failure. */
  if (job->removed)
    return TESSERA_CLI_EXIT_OK;

  switch (job->status)
    {
    case TESSERA_CREDENTIAL_STATUS_VERIFIED:
      return job->error == NULL ? TESSERA_CLI_EXIT_OK : TESSERA_CLI_EXIT_UNCHECKED;

    case TESSERA_CREDENTIAL_STATUS_REJECTED:
    case TESSERA_CREDENTIAL_STATUS_EXPIRED:
    case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
      if (job->error != NULL && job->error->domain == TESSERA_STORE_ERROR)
        return TESSERA_CLI_EXIT_UNCHECKED;
      return TESSERA_CLI_EXIT_REJECTED;

    case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
    case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
    case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
    default:
      return TESSERA_CLI_EXIT_UNCHECKED;
    }
}

int
tessera_cli_cmd_verify (TesseraCli  *cli,
                        int          argc,
                        char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) verify_job_free);
  gboolean all = FALSE;
  gboolean json = FALSE;
  const char *credential_name = NULL;
  const TesseraCliOption options[] = {
    { "--all", FALSE, &all },
    { "--json", FALSE, &json },
    { "--credential", TRUE, &credential_name },
  };
  TesseraStore *store;
  guint running = 0, finished = 0, next = 0, max_running;
  gboolean any_rejected = FALSE, any_unchecked = FALSE;
  int code;

  code = tessera_cli_parse_command_line ("verify", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;
  if (all && positional->len > 0)
    return tessera_cli_usage_error ("verify", _("Give either a NAME or “--all”, not both"));
  if (credential_name != NULL && (all || positional->len > 0))
    return tessera_cli_usage_error ("verify", _("Give either a NAME or “--credential NAME”, not both"));
  if (positional->len > 0)
    credential_name = g_ptr_array_index (positional, 0);

  store = tessera_cli_get_store (cli);
  tessera_cli_recover (cli);

  if (all)
    {
      GListModel *model = G_LIST_MODEL (store);

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          VerifyJob *job = g_new0 (VerifyJob, 1);

          job->credential = g_list_model_get_item (model, i);
          job->name = g_strdup (tessera_credential_get_name (job->credential));
          g_ptr_array_add (jobs, job);
        }
    }
  else
    {
      TesseraCredential *credential;
      VerifyJob *job;

      credential = tessera_cli_find_credential (cli, credential_name, &code);
      if (credential == NULL)
        return code;

      job = g_new0 (VerifyJob, 1);
      job->credential = g_object_ref (credential);
      job->name = g_strdup (tessera_credential_get_name (credential));
      g_ptr_array_add (jobs, job);
    }

  tessera_cli_catch_interrupts (cli);

  /* At most as many checks at once as verify-all would run, in list order. */
  max_running = MAX (tessera_store_get_max_concurrent (store), 1);
  while (finished < jobs->len)
    {
      while (next < jobs->len && running < max_running)
        {
          VerifyJob *job = g_ptr_array_index (jobs, next++);

          job->running = &running;
          job->finished = &finished;
          running++;
          tessera_store_verify_async (store, tessera_credential_get_id (job->credential),
                                      cli->cancellable, on_verified, job);
        }
      g_main_context_iteration (NULL, TRUE);
    }

  if (g_cancellable_is_cancelled (cli->cancellable))
    return tessera_cli_fail (TESSERA_CLI_EXIT_INTERRUPTED, _("Interrupted."));

  /* Issue 17, finding 11: a credential another process removed while
   * this run checked it is reported as removed, whatever step its check
   * had reached (its key gone, the store's copy gone, or its answer in),
   * so that the outcome is the same every time. */
  {
    g_auto(GStrv) listed = tessera_store_dup_listed_ids (store);
    g_autoptr(GHashTable) now = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint i = 0; listed[i] != NULL; i++)
      g_hash_table_add (now, listed[i]);
    for (guint i = 0; i < jobs->len; i++)
      {
        VerifyJob *job = g_ptr_array_index (jobs, i);

        job->removed = !g_hash_table_contains (now, tessera_credential_get_id (job->credential));
      }
  }

  for (guint i = 0; i < jobs->len; i++)
    {
      int outcome = verify_job_outcome (g_ptr_array_index (jobs, i));

      any_rejected |= outcome == TESSERA_CLI_EXIT_REJECTED;
      any_unchecked |= outcome == TESSERA_CLI_EXIT_UNCHECKED;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < jobs->len; i++)
        {
          VerifyJob *job = g_ptr_array_index (jobs, i);

          if (job->removed)
            {
              json_builder_begin_object (builder);
              tessera_cli_add_string_member (builder, "id", tessera_credential_get_id (job->credential));
              tessera_cli_add_string_member (builder, "name", job->name);
              tessera_cli_add_string_member (builder, "status", "removed");
              tessera_cli_add_string_member (builder, "error", NULL);
              json_builder_end_object (builder);
              continue;
            }

          tessera_cli_add_credential_object (builder, job->credential);
          tessera_cli_add_string_member (builder, "error", job->error != NULL ? tessera_error_get_message (job->error) : NULL);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      tessera_cli_print_json (builder);
    }
  else
    {
      g_autoptr(GString) out = g_string_new (NULL);
      guint width = 0;

      for (guint i = 0; i < jobs->len; i++)
        {
          VerifyJob *job = g_ptr_array_index (jobs, i);
          g_autofree char *name = tessera_cli_dup_printable (job->name);

          width = MAX (width, (guint) g_utf8_strlen (name, -1) + 1);
        }

      for (guint i = 0; i < jobs->len; i++)
        {
          VerifyJob *job = g_ptr_array_index (jobs, i);
          g_autofree char *name = tessera_cli_dup_printable (job->name);
          g_autofree char *label = g_strconcat (name, ":", NULL);
          gint64 expires = tessera_credential_get_expires (job->credential);

          tessera_cli_append_padded (out, label, width);
          g_string_append_c (out, ' ');
          if (job->removed)
            {
              /* Translators: "NAME: Removed — …" in tessera verify */
              g_string_append_printf (out, "%s — %s\n", _("Removed"),
                                      _("Another program removed it while it was being checked; not counted."));
              continue;
            }
          /* The keyring could not give the key (locked, failing): the
           * status is the last one known, not a verdict of this run. */
          if (job->error != NULL && job->error->domain == TESSERA_STORE_ERROR &&
              job->status != TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING)
            g_string_append (out, _("Not checked"));
          else
            g_string_append (out, tessera_credential_status_to_string (job->status));

          if (job->error != NULL)
            {
              g_autofree char *detail = tessera_cli_dup_printable (tessera_error_get_message (job->error));

              g_string_append_printf (out, " — %s", detail);
            }
          else if (expires > 0)
            {
              g_autofree char *date = tessera_cli_format_date (expires / 1000);

              g_string_append_printf (out, _(" — expires %s"), date);
            }
          g_string_append_c (out, '\n');
        }

      tessera_cli_print_out (out->str);
    }

  if (jobs->len == 0)
    g_printerr (_("No credentials are saved yet. Add one with “tessera add NAME”.\n"));

  if (any_rejected)
    return TESSERA_CLI_EXIT_REJECTED;
  if (any_unchecked)
    return TESSERA_CLI_EXIT_UNCHECKED;
  return TESSERA_CLI_EXIT_OK;
}
