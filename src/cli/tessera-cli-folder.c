/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-folder.c: the credential follows the work: which one
 * applies here (`tessera status`, and for every command that uses one),
 * and `tessera env` for eval and direnv
 *
 * The order (tessera-resolution.h): --credential NAME › TESSERA_CREDENTIAL
 * › the nearest .tessera file › the selected credential.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tessera-base-url.h"
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

/* `tessera env` */

typedef struct
{
  const char *name;
  char       *value;   /* NULL: not set */
  gboolean    secret;
} Variable;

/* The variables `exec` sets, and the .tessera file's org and project.
 * Frees nothing but the values; secret ones are wiped. */
static void
variables_clear (Variable *variables,
                 guint     n_variables)
{
  for (guint i = 0; i < n_variables; i++)
    {
      if (variables[i].secret)
        tessera_secure_clear (&variables[i].value);
      else
        g_clear_pointer (&variables[i].value, g_free);
    }
}

#define N_VARIABLES 10

static void
variables_fill (Variable           *variables,
                TesseraResolution  *resolution,
                const char         *token)
{
  TesseraCredential *credential = tessera_resolution_get_credential (resolution);
  const char *base_url = tessera_credential_get_base_url (credential);
  const char *account = tessera_credential_get_account_id (credential);
  const char *org = tessera_resolution_get_org (resolution);
  const char *project = tessera_resolution_get_project (resolution);
  g_autofree char *endpoint = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *parsed_account = NULL;

  /* As `exec` does (tessera-cli-exec.c). */
  if (base_url == NULL || base_url[0] == '\0')
    base_url = TESSERA_DEFAULT_BASE_URL;
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

  if (account == NULL || account[0] == '\0')
    {
      g_autoptr(TesseraToken) parsed = tessera_token_parse (token, NULL);

      if (parsed != NULL && tessera_token_get_account_id (parsed) != NULL)
        parsed_account = g_strdup (tessera_token_get_account_id (parsed));
      account = parsed_account;
    }
  if (account != NULL && account[0] == '\0')
    account = NULL;

  variables[0] = (Variable) { "HARNESS_PLATFORM_API_KEY", g_strdup (token), TRUE };
  variables[1] = (Variable) { "HARNESS_API_KEY", g_strdup (token), TRUE };
  variables[2] = (Variable) { "HARNESS_ACCOUNT_ID", g_strdup (account), FALSE };
  variables[3] = (Variable) { "HARNESS_ACCOUNT", g_strdup (account), FALSE };
  variables[4] = (Variable) { "HARNESS_ENDPOINT", g_steal_pointer (&endpoint), FALSE };
  variables[5] = (Variable) { "HARNESS_API_URL", g_steal_pointer (&api_url), FALSE };
  variables[6] = (Variable) { "HARNESS_ORG", g_strdup (org), FALSE };
  variables[7] = (Variable) { "HARNESS_PROJECT", g_strdup (project), FALSE };
  variables[8] = (Variable) { "ORG_IDENTIFIER", g_strdup (org), FALSE };
  variables[9] = (Variable) { "PROJECT_IDENTIFIER", g_strdup (project), FALSE };
}

/* POSIX sh: inside single quotes nothing is special but the quote. */
static void
append_sh_quoted (GString    *out,
                  const char *value)
{
  g_string_append_c (out, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\'')
        g_string_append (out, "'\\''");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
}

/* fish: inside single quotes, backslash and the quote are escaped. */
static void
append_fish_quoted (GString    *out,
                    const char *value)
{
  g_string_append_c (out, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
}

static void
wipe_string (GString *out)
{
  memset (out->str, 0, out->allocated_len);
  g_string_free (out, TRUE);
}

int
tessera_cli_cmd_env (TesseraCli  *cli,
                     int          argc,
                     char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(TesseraResolution) resolution = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) token = NULL;
  const char *name = NULL;
  const char *shell = "sh";
  const TesseraCliOption options[] = {
    { "--credential", TRUE, &name },
    { "--shell", TRUE, &shell },
  };
  Variable variables[N_VARIABLES] = { { 0 } };
  GString *out;
  gboolean written;
  int code;

  code = tessera_cli_parse_command_line ("env", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 0);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;
  if (!g_str_equal (shell, "sh") && !g_str_equal (shell, "fish") && !g_str_equal (shell, "json"))
    return tessera_cli_usage_error ("env", _("--shell takes “sh”, “fish” or “json”"));

  resolution = tessera_cli_resolve (cli, name, &code);
  if (resolution == NULL)
    return code;

  tessera_cli_catch_interrupts (cli);
  token = tessera_cli_lookup_token (cli, tessera_resolution_get_credential (resolution), &error);
  tessera_cli_release_interrupts (cli);
  if (token == NULL)
    return tessera_cli_fail_with_error (error);

  variables_fill (variables, resolution, token);
  tessera_secure_clear (&token);

  out = g_string_new (NULL);
  if (g_str_equal (shell, "json"))
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      gsize length = 0;
      char *text;

      json_builder_begin_object (builder);
      for (guint i = 0; i < N_VARIABLES; i++)
        if (variables[i].value != NULL)
          tessera_cli_add_string_member (builder, variables[i].name, variables[i].value);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      json_generator_set_pretty (generator, TRUE);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, &length);
      g_string_append_len (out, text, length);
      memset (text, 0, length);
      g_free (text);
      /* The key is in the tree too. */
      g_clear_pointer (&root, json_node_unref);
      g_clear_object (&builder);
    }
  else
    {
      gboolean fish = g_str_equal (shell, "fish");

      for (guint i = 0; i < N_VARIABLES; i++)
        {
          if (variables[i].value == NULL)
            continue;
          if (out->len > 0)
            g_string_append_c (out, '\n');
          if (fish)
            {
              g_string_append_printf (out, "set -gx %s ", variables[i].name);
              append_fish_quoted (out, variables[i].value);
              g_string_append_c (out, ';');
            }
          else
            {
              g_string_append_printf (out, "export %s=", variables[i].name);
              append_sh_quoted (out, variables[i].value);
            }
        }
    }
  variables_clear (variables, N_VARIABLES);

  written = tessera_cli_write_secret_line (out->str);
  wipe_string (out);
  if (!written)
    return tessera_cli_fail (TESSERA_CLI_EXIT_KEYRING, _("Could not write the key to standard output."));

  return TESSERA_CLI_EXIT_OK;
}
