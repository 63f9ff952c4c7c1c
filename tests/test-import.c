/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-import.c: reading the files of the Harness CLIs (harness-api.md §8)
 * and scrubbing them, headless: each format, the shapes refused (with the
 * file and the line, never the key) and the bytes kept */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "tessera-import-source.h"
#include "tessera-words.h"

#define ACCOUNT "ACCT1234567890abcdefgh"
#define KEY_1 "pat." ACCOUNT ".0123456789abcdef01234567.Secret01xxxxxxxxxxxxx"
#define KEY_2 "pat." ACCOUNT ".0123456789abcdef01234568.Secret02xxxxxxxxxxxxx"
#define KEY_3 "sat." ACCOUNT ".0123456789abcdef01234569.Secret03xxxxxxxxxxxxx"
#define OTHER_KEY "pat.OtherAcct0000000000000.0123456789abcdef0123456a.Secret04xxxxxxxxxxxxx"

#define AUTH_JSON \
  "{\n" \
  "  \"base_url\": \"https://app.harness.io\",\n" \
  "  \"token\": \"" KEY_1 "\",\n" \
  "  \"account_id\": \"" ACCOUNT "\",\n" \
  "  \"org_id\": \"default\",\n" \
  "  \"project_id\": \"myproj\",\n" \
  "  \"registry_url\": \"https://pkg.harness.io\"\n" \
  "}\n"

#define CONFIG_YAML \
  "disable_telemetry: true\n" \
  "profiles:\n" \
  "    default:\n" \
  "        account_id: " ACCOUNT "\n" \
  "        api_url: https://app.harness.io\n" \
  "        org_id: default\n" \
  "        project_id: myproj\n" \
  "    staging:\n" \
  "        account_id: '" ACCOUNT "'\n" \
  "        api_url: \"https://staging.example.com\"  # a comment\n" \
  "\n" \
  "    work-sso:\n" \
  "        account_id: " ACCOUNT "\n" \
  "        api_url: https://app.harness.io\n" \
  "        auth_type: sso\n" \
  "telemetry_id: 3b0c6a4e\n"

#define CREDENTIALS_HEADER \
  "# Harness credentials — contains sensitive tokens\n" \
  "# Do not share this file or open it on screen shares\n" \
  "# Manage credentials with: harness auth login / logout / status\n"

#define CREDENTIALS \
  CREDENTIALS_HEADER \
  "\n" \
  "[default]\n" \
  "pat_token = \"" KEY_1 "\"\n" \
  "\n" \
  "[staging]\n" \
  "token = \"" KEY_2 "\"\n" \
  "\n" \
  "[work-sso]\n" \
  "sso_token = \"eyJ.e30.x\"\n" \
  "refresh_token = \"r\"\n" \
  "\n" \
  "[orphan]\n" \
  "sat_token = " KEY_3 "\n"

typedef struct
{
  char *home;
} Fixture;

static void
write_file (Fixture    *fixture,
            const char *relative,
            const char *text,
            int         mode)
{
  g_autofree char *path = g_build_filename (fixture->home, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static char *
read_back (Fixture    *fixture,
           const char *relative)
{
  g_autofree char *path = g_build_filename (fixture->home, relative, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->home = g_dir_make_tmp ("tessera-import-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->home);
  g_free (fixture->home);
}

static TesseraImportSource *
find_source (GPtrArray  *sources,
             const char *name)
{
  for (guint i = 0; i < sources->len; i++)
    if (g_str_equal (tessera_import_source_get_name (g_ptr_array_index (sources, i)), name))
      return g_ptr_array_index (sources, i);

  return NULL;
}

static void
test_hc (Fixture       *fixture,
         gconstpointer  data)
{
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *display = NULL;
  g_autofree char *description = NULL;
  TesseraImportSource *source;

  write_file (fixture, ".harness/auth.json", AUTH_JSON, 0600);
  sources = tessera_import_source_find (fixture->home, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sources->len, ==, 1);

  source = g_ptr_array_index (sources, 0);
  display = tessera_import_source_dup_display_path (source);
  description = tessera_import_source_dup_description (source);
  g_assert_cmpint (tessera_import_source_get_format (source), ==, TESSERA_IMPORT_FORMAT_HC);
  g_assert_cmpstr (tessera_import_source_get_name (source), ==, "hc");
  g_assert_cmpstr (display, ==, "~/.harness/auth.json");
  g_assert_cmpuint (tessera_import_source_get_line (source), ==, 3);
  g_assert_cmpstr (tessera_import_source_get_account_id (source), ==, ACCOUNT);
  g_assert_cmpstr (tessera_import_source_get_base_url (source), ==, "https://app.harness.io");
  g_assert_cmpstr (tessera_import_source_get_org (source), ==, "default");
  g_assert_cmpstr (tessera_import_source_get_project (source), ==, "myproj");
  g_assert_cmpstr (tessera_token_get_value (tessera_import_source_get_token (source)), ==, KEY_1);
  /* The org and project are the credential's own, not its description's. */
  g_assert_cmpstr (description, ==, "Imported from the Harness CLI");
}

static void
test_unified (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GError) error = NULL;
  TesseraImportSource *source;

  write_file (fixture, ".harness/config.yaml", CONFIG_YAML, 0600);
  write_file (fixture, ".harness/credentials", CREDENTIALS, 0600);
  sources = tessera_import_source_find (fixture->home, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sources->len, ==, 4);

  source = find_source (sources, "default");
  g_assert_cmpstr (tessera_token_get_value (tessera_import_source_get_token (source)), ==, KEY_1);
  g_assert_cmpstr (tessera_import_source_get_project (source), ==, "myproj");
  g_assert_cmpuint (tessera_import_source_get_line (source), ==, 6);

  source = find_source (sources, "staging");
  g_assert_cmpstr (tessera_token_get_value (tessera_import_source_get_token (source)), ==, KEY_2);
  g_assert_cmpstr (tessera_import_source_get_base_url (source), ==, "https://staging.example.com");
  g_assert_cmpstr (tessera_import_source_get_account_id (source), ==, ACCOUNT);
  g_assert_null (tessera_import_source_get_org (source));

  source = find_source (sources, "work-sso");
  g_assert_null (tessera_import_source_get_token (source));
  g_assert_cmpint (tessera_import_source_get_outcome (source), ==, TESSERA_IMPORT_OUTCOME_NO_API_KEY);

  source = find_source (sources, "orphan");
  g_assert_cmpstr (tessera_token_get_value (tessera_import_source_get_token (source)), ==, KEY_3);
  g_assert_null (tessera_import_source_get_base_url (source));
}

static void
test_cli_home (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cli_home = g_build_filename (fixture->home, "cli", NULL);

  write_file (fixture, "cli/config.yaml", "profiles: {}\n", 0600);
  write_file (fixture, "cli/credentials", CREDENTIALS_HEADER "\n[default]\npat_token = \"" KEY_1 "\"\n", 0600);
  /* Not read: the unified CLI's folder is elsewhere. */
  write_file (fixture, ".harness/config.yaml", "not: [yaml\n", 0600);
  sources = tessera_import_source_find (fixture->home, cli_home, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sources->len, ==, 1);
  g_assert_cmpstr (tessera_import_source_get_name (g_ptr_array_index (sources, 0)), ==, "default");
}

static void
test_legacy (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GError) error = NULL;
  TesseraImportSource *source;

  write_file (fixture, ".secrets.json",
              "{\"apiKey\":\"" KEY_2 "\",\"accountId\":\"" ACCOUNT "\",\"baseUrl\":\"https://app.harness.io/gateway\",\"userId\":\"u\"}",
              0644);
  sources = tessera_import_source_find (fixture->home, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sources->len, ==, 1);
  source = g_ptr_array_index (sources, 0);
  g_assert_cmpstr (tessera_import_source_get_name (source), ==, "harness-legacy");
  g_assert_cmpint (tessera_import_source_get_format (source), ==, TESSERA_IMPORT_FORMAT_LEGACY);
  g_assert_cmpstr (tessera_import_source_get_base_url (source), ==, "https://app.harness.io/gateway");
  g_assert_cmpstr (tessera_token_get_value (tessera_import_source_get_token (source)), ==, KEY_2);
}

typedef struct
{
  const char *label;
  const char *file;       /* relative to the home folder */
  const char *text;
  const char *file_2;     /* (nullable) */
  const char *text_2;
  int         code;
  const char *needle;     /* in the sentence */
} BadCase;

static const BadCase bad_cases[] = {
  { "a YAML list", ".harness/config.yaml", "profiles:\n    - default\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "~/.harness/config.yaml, line 2," },
  { "a YAML tab", ".harness/config.yaml", "profiles:\n\tdefault:\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 2," },
  { "a YAML flow mapping", ".harness/config.yaml", "profiles:\n    default: {api_url: x}\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 2," },
  { "a YAML anchor", ".harness/config.yaml", "profiles:\n    default:\n        api_url: &a x\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 3," },
  { "a YAML block scalar", ".harness/config.yaml", "profiles:\n    default:\n        api_url: |\n            x\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 3," },
  { "YAML nested deeper", ".harness/config.yaml", "profiles:\n    default:\n        api:\n            url: x\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 3," },
  { "a YAML setting out of line", ".harness/config.yaml", "profiles:\n    default:\n        api_url: x\n      org_id: y\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 4," },
  { "a YAML profile twice", ".harness/config.yaml", "profiles:\n    a:\n        api_url: x\n    a:\n        api_url: y\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 4," },
  { "a YAML document marker", ".harness/config.yaml", "---\nprofiles: {}\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 1," },
  { "a YAML mapping at the top", ".harness/config.yaml", "other:\n    a: b\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 1," },
  { "JSON cut short", ".harness/auth.json", "{\n  \"token\": \"" KEY_1 "\",\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "~/.harness/auth.json is not the JSON" },
  { "JSON an array", ".secrets.json", "[\"" KEY_1 "\"]", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "~/.secrets.json" },
  { "JSON a number key", ".harness/auth.json", "{\"token\": 12}", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 1" },
  { "INI without =", ".harness/credentials", CREDENTIALS_HEADER "\n[default]\npat_token \"" KEY_1 "\"\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "~/.harness/credentials, line 6," },
  { "INI before a group", ".harness/credentials", "pat_token = \"" KEY_1 "\"\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 1," },
  { "INI twice", ".harness/credentials", "[a]\ntoken = x\ntoken = y\n", NULL, NULL,
    TESSERA_IMPORT_ERROR_MALFORMED, "line 3," },
  { "a profile without a key", ".harness/config.yaml", "profiles:\n    prod:\n        api_url: x\n",
    ".harness/credentials", CREDENTIALS_HEADER, TESSERA_IMPORT_ERROR_NO_KEY, "“prod”" },
  { "a key for another account", ".harness/config.yaml", "profiles:\n    prod:\n        account_id: " ACCOUNT "\n",
    ".harness/credentials", "[prod]\npat_token = \"" OTHER_KEY "\"\n", TESSERA_IMPORT_ERROR_ACCOUNT_MISMATCH,
    "OtherAcct0000000000000" },
  { "not a key", ".harness/auth.json", "{\"token\": \"Bearer abc\"}", NULL, NULL,
    TESSERA_IMPORT_ERROR_BAD_KEY, "~/.harness/auth.json, line 1" },
  { "a folder", ".harness/auth.json/x", "{}", NULL, NULL,
    TESSERA_IMPORT_ERROR_UNREADABLE, "Couldn’t read ~/.harness/auth.json" },
};

static void
test_bad (Fixture       *fixture,
          gconstpointer  data)
{
  const BadCase *bad = data;
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  write_file (fixture, bad->file, bad->text, 0600);
  if (bad->file_2 != NULL)
    write_file (fixture, bad->file_2, bad->text_2, 0600);
  /* A good file beside it: nothing at all is found. */
  write_file (fixture, ".secrets.json.good", "{}", 0600);

  sources = tessera_import_source_find (fixture->home, NULL, &error);
  g_assert_null (sources);
  g_assert_error (error, TESSERA_IMPORT_ERROR, bad->code);
  if (strstr (error->message, bad->needle) == NULL)
    g_error ("%s: “%s” not in “%s”", bad->label, bad->needle, error->message);
  /* The sentence never quotes a key. */
  g_assert_null (strstr (error->message, "Secret0"));

  before = g_strdup (bad->text);
  after = read_back (fixture, bad->file);
  g_assert_cmpstr (after, ==, before);
}

static void
test_unreadable (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GError) error = NULL;

  write_file (fixture, ".harness/credentials", "[a]\ntoken = x\n", 0000);
  if (geteuid () == 0)
    {
      g_test_skip ("root reads files of mode 0000");
      return;
    }
  sources = tessera_import_source_find (fixture->home, NULL, &error);
  g_assert_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_UNREADABLE);
  g_assert_nonnull (strstr (error->message, "~/.harness/credentials"));
}

/* Scrubbing */

static void
scrub_all (Fixture *fixture)
{
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  GPtrArray *group;

  sources = tessera_import_source_find (fixture->home, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < sources->len; i++)
    {
      TesseraImportSource *source = g_ptr_array_index (sources, i);
      const char *path = tessera_import_source_get_path (source);

      group = g_hash_table_lookup (files, path);
      if (group == NULL)
        g_hash_table_insert (files, (gpointer) path, group = g_ptr_array_new ());
      g_ptr_array_add (group, source);
    }

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &group))
    {
      g_assert_true (tessera_import_source_scrub (group, &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < sources->len; i++)
    {
      TesseraImportSource *source = g_ptr_array_index (sources, i);

      g_assert_true (tessera_import_source_get_scrubbed (source) == (tessera_import_source_get_token (source) != NULL));
    }
}

static void
test_scrub (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *auth = NULL;
  g_autofree char *credentials = NULL;
  g_autofree char *config = NULL;
  g_autofree char *harness_dir = g_build_filename (fixture->home, ".harness", NULL);
  g_autofree char *auth_path = g_build_filename (fixture->home, ".harness", "auth.json", NULL);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GError) error = NULL;
  GDir *dir;
  const char *name;
  guint n_files = 0;
  struct stat st;

  write_file (fixture, ".harness/auth.json", AUTH_JSON, 0640);
  write_file (fixture, ".harness/config.yaml", CONFIG_YAML, 0600);
  write_file (fixture, ".harness/credentials", CREDENTIALS, 0600);
  scrub_all (fixture);

  auth = read_back (fixture, ".harness/auth.json");
  g_assert_cmpstr (auth, ==,
                   "{\n"
                   "  \"base_url\": \"https://app.harness.io\",\n"
                   "  \"account_id\": \"" ACCOUNT "\",\n"
                   "  \"org_id\": \"default\",\n"
                   "  \"project_id\": \"myproj\",\n"
                   "  \"registry_url\": \"https://pkg.harness.io\"\n"
                   "}\n");
  g_assert_cmpint (g_stat (auth_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);

  credentials = read_back (fixture, ".harness/credentials");
  g_assert_cmpstr (credentials, ==,
                   CREDENTIALS_HEADER
                   "\n"
                   "[default]\n"
                   "\n"
                   "[staging]\n"
                   "\n"
                   "[work-sso]\n"
                   "sso_token = \"eyJ.e30.x\"\n"
                   "refresh_token = \"r\"\n"
                   "\n"
                   "[orphan]\n");
  config = read_back (fixture, ".harness/config.yaml");
  g_assert_cmpstr (config, ==, CONFIG_YAML);

  /* No temporary file, no backup. */
  dir = g_dir_open (harness_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    n_files++;
  g_dir_close (dir);
  g_assert_cmpuint (n_files, ==, 3);

  /* Read again: the profiles are there, their keys are not. */
  again = tessera_import_source_find (fixture->home, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < again->len; i++)
    g_assert_null (tessera_import_source_get_token (g_ptr_array_index (again, i)));
}

static void
test_scrub_compact_json (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;

  write_file (fixture, ".secrets.json",
              "{\"apiKey\":\"" KEY_2 "\", \"accountId\":\"" ACCOUNT "\"}", 0644);
  scrub_all (fixture);
  first = read_back (fixture, ".secrets.json");
  g_assert_cmpstr (first, ==, "{\"accountId\":\"" ACCOUNT "\"}");

  write_file (fixture, ".secrets.json",
              "{\"accountId\":\"" ACCOUNT "\", \"apiKey\":\"" KEY_2 "\"}\n", 0644);
  scrub_all (fixture);
  last = read_back (fixture, ".secrets.json");
  g_assert_cmpstr (last, ==, "{\"accountId\":\"" ACCOUNT "\"}\n");
}

/* A key changed in the file since it was read is not removed. */
static void
test_scrub_changed (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  const char *changed = "{\n  \"token\": \"" KEY_2 "\"\n}\n";

  write_file (fixture, ".harness/auth.json", "{\n  \"token\": \"" KEY_1 "\"\n}\n", 0600);
  sources = tessera_import_source_find (fixture->home, NULL, &error);
  g_assert_no_error (error);
  write_file (fixture, ".harness/auth.json", changed, 0600);

  g_assert_true (tessera_import_source_scrub (sources, &error));
  g_assert_false (tessera_import_source_get_scrubbed (g_ptr_array_index (sources, 0)));
  after = read_back (fixture, ".harness/auth.json");
  g_assert_cmpstr (after, ==, changed);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tessera_words_set_audience (TESSERA_AUDIENCE_TERMINAL);

#define ADD(path, fn, data) \
  g_test_add (path, Fixture, data, fixture_set_up, fn, fixture_tear_down)

  ADD ("/import/hc", test_hc, NULL);
  ADD ("/import/unified", test_unified, NULL);
  ADD ("/import/cli-home", test_cli_home, NULL);
  ADD ("/import/legacy", test_legacy, NULL);
  ADD ("/import/unreadable", test_unreadable, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/import/bad/%u", i);

      ADD (path, test_bad, &bad_cases[i]);
    }
  ADD ("/import/scrub", test_scrub, NULL);
  ADD ("/import/scrub-compact-json", test_scrub_compact_json, NULL);
  ADD ("/import/scrub-changed", test_scrub_changed, NULL);

  return g_test_run ();
}
