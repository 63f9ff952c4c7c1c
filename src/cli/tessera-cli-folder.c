/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-folder.c: the credential follows the work: which one
 * applies here (`tessera status`, and for every command that uses one),
 * `tessera env` for eval and direnv, and git's credential helper
 * (`tessera git-credential`, `tessera setup-git`)
 *
 * The order (tessera-resolution.h): --credential NAME › TESSERA_CREDENTIAL
 * › the nearest .tessera file › the selected credential.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "tessera-base-url.h"
#include "tessera-cli-private.h"
#include "tessera-install.h"
#include "tessera-resolution.h"

#define HARNESS_CODE_HOST "git.harness.io"

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

/* `tessera git-credential` */

/* "scheme://host[:port]" of @url, lowercased, or NULL. */
static char *
dup_origin (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *host = NULL;

  if (url == NULL)
    return NULL;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (uri), host, g_uri_get_port (uri));
  return g_strdup_printf ("%s://%s", g_uri_get_scheme (uri), host);
}

/* Calls @func with Harness Code's origin, then the default base URL's and
 * each saved credential's ("scheme://host[:port]": a self-managed Harness
 * serves its code there), each distinct base URL parsed once, until @func
 * returns TRUE; returns whether it did. */
static gboolean
find_code_origin (TesseraStore *store,
                  GHRFunc       func,
                  gpointer      user_data)
{
  GListModel *model = G_LIST_MODEL (store);
  g_autofree char *default_base_url = NULL;
  g_autofree char *default_origin = NULL;
  g_autoptr(GHashTable) seen = NULL;

  if (func ("https://" HARNESS_CODE_HOST, NULL, user_data))
    return TRUE;

  default_base_url = g_settings_get_string (tessera_store_get_settings (store), "default-base-url");
  default_origin = dup_origin (g_strstrip (default_base_url));
  if (default_origin != NULL && func (default_origin, NULL, user_data))
    return TRUE;

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TesseraCredential) credential = g_list_model_get_item (model, i);
      const char *base_url = tessera_credential_get_base_url (credential);
      g_autofree char *credential_origin = NULL;

      /* The store keeps the credential, and so the string, alive. */
      if (base_url == NULL || !g_hash_table_add (seen, (gpointer) base_url))
        continue;
      credential_origin = dup_origin (base_url);
      if (credential_origin != NULL && func (credential_origin, NULL, user_data))
        return TRUE;
    }

  return FALSE;
}

static gboolean
origin_equal (gpointer origin,
              gpointer unused,
              gpointer wanted)
{
  return g_str_equal (origin, wanted);
}

/* Whether git asks about a host Tessera knows. The usual answer
 * (git.harness.io) reads no credential. */
static gboolean
is_code_origin (TesseraStore *store,
                const char   *origin)
{
  return find_code_origin (store, origin_equal, (gpointer) origin);
}

static gboolean
add_new_origin (gpointer origin,
                gpointer unused,
                gpointer origins)
{
  if (!g_ptr_array_find_with_equal_func (origins, origin, g_str_equal, NULL))
    g_ptr_array_add (origins, g_strdup (origin));
  return FALSE;
}

/* Every origin Tessera answers for, once each. */
static GPtrArray *
dup_code_origins (TesseraStore *store)
{
  GPtrArray *origins = g_ptr_array_new_with_free_func (g_free);

  find_code_origin (store, add_new_origin, origins);
  return origins;
}

static gboolean
is_harness_saas (const char *origin)
{
  return g_str_equal (origin, "https://app.harness.io") || g_str_has_suffix (origin, ".harness.io");
}

/* git's request: "key=value" lines up to a blank line or the end. All of
 * it is read, so that git never writes into a closed pipe. */
static GHashTable *
read_git_request (void)
{
  GHashTable *request = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  char line[8192];
  gboolean done = FALSE;

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      char *equals;

      if (done)
        continue;
      g_strchomp (line);
      if (line[0] == '\0')
        {
          done = TRUE;
          continue;
        }
      equals = strchr (line, '=');
      if (equals == NULL)
        continue;
      *equals = '\0';
      g_hash_table_replace (request, g_strdup (line), g_strdup (equals + 1));
    }
  memset (line, 0, sizeof line);

  return request;
}

/* The account a Harness Code path starts with: "ACCOUNT/org/project/repo.git". */
static char *
dup_path_account (const char *path)
{
  const char *slash;

  if (path == NULL)
    return NULL;
  while (*path == '/')
    path++;
  slash = strchr (path, '/');
  if (slash == NULL || slash == path)
    return NULL;
  return g_strndup (path, slash - path);
}

static gboolean
credential_has_account (TesseraCredential *credential,
                        const char        *account)
{
  return g_strcmp0 (tessera_credential_get_account_id (credential), account) == 0;
}

static int
git_credential_get (TesseraCli  *cli,
                    const char  *name)
{
  g_autoptr(GHashTable) request = read_git_request ();
  g_autoptr(TesseraResolution) resolution = NULL;
  g_autoptr(GError) resolve_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *account = NULL;
  g_auto(TesseraSecret) token = NULL;
  const char *protocol = g_hash_table_lookup (request, "protocol");
  const char *host = g_hash_table_lookup (request, "host");
  const char *username = g_hash_table_lookup (request, "username");
  TesseraCredential *credential = NULL;
  TesseraStore *store;
  GString *answer;
  gint64 expires;
  gboolean written;

  if (protocol == NULL || host == NULL)
    return TESSERA_CLI_EXIT_OK;

  store = tessera_cli_get_store (cli);
  origin = g_strdup_printf ("%s://%s", protocol, host);
  {
    g_autofree char *lower = g_ascii_strdown (origin, -1);

    g_free (origin);
    origin = g_steal_pointer (&lower);
  }
  /* Another host: nothing, so that git asks its other helpers. */
  if (!is_code_origin (store, origin))
    return TESSERA_CLI_EXIT_OK;

  account = dup_path_account (g_hash_table_lookup (request, "path"));

  /* The order first; when git names an account (credential.useHttpPath),
   * a credential for that account. */
  folder = g_get_current_dir ();
  resolution = tessera_store_resolve (store, name, g_getenv (TESSERA_CREDENTIAL_VARIABLE),
                                      folder, g_get_home_dir (), &resolve_error);
  if (resolution != NULL &&
      (account == NULL || credential_has_account (tessera_resolution_get_credential (resolution), account)))
    credential = tessera_resolution_get_credential (resolution);

  if (credential == NULL && account != NULL && name == NULL)
    {
      GListModel *model = G_LIST_MODEL (store);

      for (guint i = 0; i < g_list_model_get_n_items (model) && credential == NULL; i++)
        {
          g_autoptr(TesseraCredential) item = g_list_model_get_item (model, i);

          if (credential_has_account (item, account))
            credential = item;
        }
    }

  if (credential == NULL)
    {
      /* A broken .tessera or an unknown name is worth a sentence; a
       * repository of another account is not. */
      if (resolve_error != NULL &&
          !g_error_matches (resolve_error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_NONE_SELECTED))
        return tessera_cli_fail (TESSERA_CLI_EXIT_INVALID, "%s", resolve_error->message);
      return TESSERA_CLI_EXIT_OK;
    }

  tessera_cli_catch_interrupts (cli);
  token = tessera_cli_lookup_token (cli, credential, &error);
  tessera_cli_release_interrupts (cli);
  if (token == NULL)
    return tessera_cli_fail_with_error (error);

  /* Harness Code reads only the password; the username is for people. */
  if (username == NULL || username[0] == '\0')
    username = tessera_credential_get_owner_email (credential);
  if (username == NULL || username[0] == '\0')
    username = tessera_credential_get_account_id (credential);
  if (username == NULL || username[0] == '\0')
    username = "tessera";

  answer = g_string_new (NULL);
  g_string_append_printf (answer, "username=%s\npassword=%s", username, token);
  tessera_secure_clear (&token);
  expires = tessera_credential_get_expires (credential);
  if (expires > 0)
    g_string_append_printf (answer, "\npassword_expiry_utc=%" G_GINT64_FORMAT, expires / 1000);

  written = tessera_cli_write_secret_line (answer->str);
  wipe_string (answer);
  if (!written)
    return tessera_cli_fail (TESSERA_CLI_EXIT_KEYRING, _("Could not write the key to standard output."));

  return TESSERA_CLI_EXIT_OK;
}

int
tessera_cli_cmd_git_credential (TesseraCli  *cli,
                                int          argc,
                                char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  const char *name = NULL;
  const TesseraCliOption options[] = { { "--credential", TRUE, &name } };
  const char *operation;
  int code;

  code = tessera_cli_parse_command_line ("git-credential", argc, argv, options, G_N_ELEMENTS (options), positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  operation = g_ptr_array_index (positional, 0);
  if (g_str_equal (operation, "get"))
    return git_credential_get (cli, name);

  /* git offers what worked (store) and what did not (erase): the keyring
   * already holds the key, and a key git could not use is for the user to
   * replace, never for git to delete. */
  if (g_str_equal (operation, "store") || g_str_equal (operation, "erase"))
    {
      g_autoptr(GHashTable) request = read_git_request ();

      return TESSERA_CLI_EXIT_OK;
    }

  return tessera_cli_usage_error ("git-credential", _("The operation is “get”, “store” or “erase”"));
}

/* `tessera setup-git` */

/* What git runs: this program; from a Flatpak, `flatpak run`, which git
 * on the host can start (the path inside the sandbox means nothing
 * there). */
static char *
dup_helper_command (const char *flatpak_id)
{
  g_autofree char *self = NULL;
  g_autofree char *quoted = NULL;

  if (flatpak_id != NULL)
    return g_strdup_printf ("!flatpak run --command=tessera %s git-credential", flatpak_id);

  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL)
    self = g_find_program_in_path ("tessera");
  if (self == NULL)
    self = g_strdup ("tessera");
  quoted = g_shell_quote (self);
  return g_strconcat ("!", quoted, " git-credential", NULL);
}

int
tessera_cli_cmd_setup_git (TesseraCli  *cli,
                           int          argc,
                           char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GPtrArray) origins = NULL;
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *flatpak_id = tessera_install_dup_flatpak_id ();
  g_autofree char *helper = dup_helper_command (flatpak_id);
  g_autoptr(GString) shown = g_string_new (NULL);
  gboolean dry_run = FALSE;
  const TesseraCliOption options[] = { { "--dry-run", FALSE, &dry_run } };
  int code;

  code = tessera_cli_parse_command_line ("setup-git", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 0);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  /* Harness Code, and every self-managed Harness that a credential or the
   * default base URL points at. */
  origins = dup_code_origins (tessera_cli_get_store (cli));
  for (guint i = 0; i < origins->len; i++)
    {
      const char *origin = g_ptr_array_index (origins, i);
      g_autofree char *helper_key = NULL;
      g_autofree char *path_key = NULL;

      if ((i > 0 && is_harness_saas (origin)) || g_hash_table_contains (seen, origin))
        continue;
      g_hash_table_add (seen, (gpointer) origin);

      helper_key = g_strdup_printf ("credential.%s.helper", origin);
      path_key = g_strdup_printf ("credential.%s.useHttpPath", origin);
      /* Its own helper only, not the ones configured for every host. */
      g_ptr_array_add (commands, g_strdupv ((char *[]) { "git", "config", "--global", "--replace-all", helper_key, "", NULL }));
      g_ptr_array_add (commands, g_strdupv ((char *[]) { "git", "config", "--global", "--add", helper_key, helper, NULL }));
      g_ptr_array_add (commands, g_strdupv ((char *[]) { "git", "config", "--global", path_key, "true", NULL }));
    }

  for (guint i = 0; i < commands->len; i++)
    {
      char **command = g_ptr_array_index (commands, i);

      for (guint j = 0; command[j] != NULL; j++)
        {
          g_autofree char *quoted = NULL;

          if (j > 0)
            g_string_append_c (shown, ' ');
          if (command[j][0] != '\0' && strpbrk (command[j], " '\"!$`\\*?;&|<>()") == NULL)
            g_string_append (shown, command[j]);
          else
            {
              quoted = g_shell_quote (command[j]);
              g_string_append (shown, quoted);
            }
        }
      g_string_append_c (shown, '\n');
    }
  tessera_cli_print_out (shown->str);

  if (dry_run)
    return TESSERA_CLI_EXIT_OK;

  /* The sandbox sees neither the host's git settings nor a git: the
   * person runs the lines on the host (on stdout alone, they can be piped
   * to sh). */
  if (flatpak_id != NULL)
    {
      g_printerr ("%s\n", _("Tessera runs in a Flatpak sandbox, which cannot change git’s settings: run the lines above in a terminal outside it, or pipe them to “sh”."));
      return TESSERA_CLI_EXIT_OK;
    }

  for (guint i = 0; i < commands->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *errors = NULL;
      int status = 0;

      if (!g_spawn_sync (NULL, g_ptr_array_index (commands, i), NULL,
                         G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                         NULL, NULL, NULL, &errors, &status, &error))
        {
          if (g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
            return tessera_cli_fail (TESSERA_CLI_EXIT_NO_COMMAND, _("Could not find the command “%s”."), "git");
          return tessera_cli_fail (TESSERA_CLI_EXIT_CANNOT_RUN, "%s", error->message);
        }
      if (!g_spawn_check_wait_status (status, NULL))
        {
          g_autofree char *detail = tessera_cli_dup_printable (g_strstrip (errors));

          return tessera_cli_fail (TESSERA_CLI_EXIT_KEYRING, _("git could not write its settings: %s"), detail);
        }
    }

  tessera_cli_print_out (_("git now asks Tessera for the keys of Harness Code.\n"));
  return TESSERA_CLI_EXIT_OK;
}
