/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-folder.c: the credential follows the work: which one
 * applies here (`tessera status`, and for every command that uses one)
 *
 * The order (tessera-resolution.h): --credential NAME › TESSERA_CREDENTIAL
 * › the nearest .tessera file › the selected credential.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-cli-private.h"
#include "tessera-resolution.h"

/* The credential that applies here; prints the error. */
TesseraResolution *
tessera_cli_resolve (TesseraCli  *cli,
                     const char  *name,
                     int         *exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_get_current_dir ();
  TesseraResolution *resolution;

  resolution = tessera_store_resolve (tessera_cli_get_store (cli), name,
                                      g_getenv (TESSERA_CREDENTIAL_VARIABLE),
                                      folder, g_get_home_dir (), &error);
  if (resolution != NULL)
    return resolution;

  if (g_error_matches (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_NONE_SELECTED))
    *exit_code = tessera_cli_fail (TESSERA_CLI_EXIT_INVALID,
                                   _("No credential is selected: choose one with “tessera select NAME” or give a NAME."));
  else if (name != NULL && !tessera_cli_safe_to_quote (name))
    *exit_code = tessera_cli_fail (TESSERA_CLI_EXIT_INVALID, _("No credential has that name."));
  else
    *exit_code = tessera_cli_fail (TESSERA_CLI_EXIT_INVALID, "%s", error->message);

  return NULL;
}

/* `tessera status` */

static const char *
describe_rule (TesseraResolution *resolution)
{
  switch (tessera_resolution_get_rule (resolution))
    {
    case TESSERA_RESOLVE_RULE_OPTION:
      return "--credential";
    case TESSERA_RESOLVE_RULE_ENVIRONMENT:
      return TESSERA_CREDENTIAL_VARIABLE;
    case TESSERA_RESOLVE_RULE_FOLDER:
      return tessera_resolution_get_file (resolution);
    case TESSERA_RESOLVE_RULE_SELECTED:
    default:
      return _("the selected credential");
    }
}

int
tessera_cli_cmd_status (TesseraCli  *cli,
                        int          argc,
                        char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(TesseraResolution) resolution = NULL;
  const char *name = NULL;
  gboolean json = FALSE;
  const TesseraCliOption options[] = {
    { "--credential", TRUE, &name },
    { "--json", FALSE, &json },
  };
  TesseraCredential *credential;
  int code;

  code = tessera_cli_parse_command_line ("status", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 0);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  resolution = tessera_cli_resolve (cli, name, &code);
  if (resolution == NULL)
    return code;
  credential = tessera_resolution_get_credential (resolution);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "credential");
      tessera_cli_add_credential_object (builder, credential);
      json_builder_end_object (builder);
      tessera_cli_add_string_member (builder, "rule",
                                     tessera_resolve_rule_to_string (tessera_resolution_get_rule (resolution)));
      tessera_cli_add_string_member (builder, "file", tessera_resolution_get_file (resolution));
      tessera_cli_add_string_member (builder, "org", tessera_resolution_get_org (resolution));
      tessera_cli_add_string_member (builder, "project", tessera_resolution_get_project (resolution));
      json_builder_end_object (builder);
      tessera_cli_print_json (builder);
    }
  else
    {
      const char *labels[] = { _("Credential:"), _("Chosen by:"), _("Org:"), _("Project:") };
      char *values[4] = { NULL };
      g_autoptr(GString) out = g_string_new (NULL);
      guint width = 0;

      values[0] = tessera_cli_dup_printable (tessera_credential_get_name (credential));
      values[1] = tessera_cli_dup_printable (describe_rule (resolution));
      if (tessera_resolution_get_org (resolution) != NULL)
        values[2] = tessera_cli_dup_printable (tessera_resolution_get_org (resolution));
      if (tessera_resolution_get_project (resolution) != NULL)
        values[3] = tessera_cli_dup_printable (tessera_resolution_get_project (resolution));

      for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
        width = MAX (width, (guint) g_utf8_strlen (labels[i], -1) + 1);

      for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
        {
          if (values[i] == NULL)
            continue;
          tessera_cli_append_padded (out, labels[i], width);
          g_string_append_printf (out, "%s\n", values[i]);
        }
      tessera_cli_print_out (out->str);

      for (guint i = 0; i < G_N_ELEMENTS (values); i++)
        g_free (values[i]);
    }

  return TESSERA_CLI_EXIT_OK;
}
