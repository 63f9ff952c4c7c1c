/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-settings-snapshot.c: the keyfile snapshot the command line's
 * reading commands use (tessera-settings-snapshot.c) reads exactly what
 * GLib's keyfile backend reads, and is used only where GLib would use
 * that backend
 *
 * Values are written through GLib's own GKeyfileSettingsBackend, then
 * every key of both schemas is read through it and through a snapshot of
 * the same file, and compared.
 */
#define G_SETTINGS_ENABLE_BACKEND

#include "config.h"

#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "tessera-settings-snapshot.h"
#include "tessera-store.h"

#define APP_SCHEMA "io.github.tessera.Tessera"
#define CREDENTIAL_SCHEMA "io.github.tessera.Tessera.Credential"
#define ID_A "0b6bd9f5-4bd4-4c2a-9d3c-6f0e1f3f5a01"
#define ID_B "7a1f9c3e-2d4b-4e8a-b5c6-d7e8f9a0b1c2"

static char *config_dir;   /* $XDG_CONFIG_HOME of this test */

static char *
keyfile_path (void)
{
  return g_build_filename (config_dir, "glib-2.0", "settings", "keyfile", NULL);
}

static GSettings *
credential_settings (GSettingsBackend *backend,
                     const char       *id)
{
  g_autoptr(GSettingsSchema) schema =
    g_settings_schema_source_lookup (g_settings_schema_source_get_default (), CREDENTIAL_SCHEMA, TRUE);
  g_autofree char *path = g_strdup_printf ("/io/github/tessera/Tessera/credentials/%s/", id);

  return g_settings_new_full (schema, backend, path);
}

static GSettings *
app_settings (GSettingsBackend *backend)
{
  g_autoptr(GSettingsSchema) schema =
    g_settings_schema_source_lookup (g_settings_schema_source_get_default (), APP_SCHEMA, TRUE);

  return g_settings_new_full (schema, backend, NULL);
}

/* Every key of @a and @b reads the same. */
static void
assert_same_values (GSettings *a,
                    GSettings *b)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (a, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) va = g_settings_get_value (a, keys[i]);
      g_autoptr(GVariant) vb = g_settings_get_value (b, keys[i]);
      g_autofree char *ta = g_variant_print (va, TRUE);
      g_autofree char *tb = g_variant_print (vb, TRUE);

      g_test_message ("%s: %s", keys[i], ta);
      g_assert_cmpstr (ta, ==, tb);
    }
}

/* Writes two credentials through GLib's keyfile backend, with values that
 * need quoting, escaping and every type the schema has. */
static void
write_with_glib (const char *path)
{
  g_autoptr(GSettingsBackend) real = g_keyfile_settings_backend_new (path, "/", NULL);
  g_autoptr(GSettings) app = app_settings (real);
  g_autoptr(GSettings) a = credential_settings (real, ID_A);
  g_autoptr(GSettings) b = credential_settings (real, ID_B);
  const char *ids[] = { ID_A, ID_B, NULL };
  const char *args[] = { "two words", "quote \" and ’", "", NULL };

  g_assert_true (g_settings_set_strv (app, "credentials", ids));
  g_assert_true (g_settings_set_string (app, "selected-credential", ID_B));
  g_assert_true (g_settings_set_uint (app, "reverify-after", 3));
  g_assert_true (g_settings_set_string (a, "name", "Café “prod” 'single' \\ back"));
  g_assert_true (g_settings_set_string (a, "description", "line one\nline two\ttab"));
  g_assert_true (g_settings_set_string (a, "account-id", "TesseraDemoAcct0000001"));
  g_assert_true (g_settings_set_enum (a, "kind", 1));
  g_assert_true (g_settings_set_int64 (a, "created", G_GINT64_CONSTANT (1764633600123)));
  g_assert_true (g_settings_set_int64 (a, "expires", G_GINT64_CONSTANT (1800000000000)));
  g_assert_true (g_settings_set_strv (a, "status-args", args));
  g_assert_true (g_settings_set_string (b, "name", "Deploy bot"));
  g_settings_sync ();
}

static void
test_same_values (void)
{
  g_autofree char *path = keyfile_path ();
  g_autoptr(GSettingsBackend) real = NULL;
  g_autoptr(GSettingsBackend) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GString) edited = NULL;

  write_with_glib (path);

  /* And what a person might write by hand: a string without quotes,
   * which GLib's backend takes as it is, and a number that is not one,
   * which it ignores (the default). */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  edited = g_string_new (contents);
  g_string_append_printf (edited, "\n[io/github/tessera/Tessera/credentials/%s]\n"
                          "description=written by hand\ncreated=soon\n", ID_B);
  g_assert_true (g_file_set_contents (path, edited->str, -1, NULL));

  real = g_keyfile_settings_backend_new (path, "/", NULL);
  snapshot = tessera_settings_snapshot_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (snapshot);

  {
    g_autoptr(GSettings) real_app = app_settings (real);
    g_autoptr(GSettings) snap_app = app_settings (snapshot);
    g_autoptr(GSettings) real_a = credential_settings (real, ID_A);
    g_autoptr(GSettings) snap_a = credential_settings (snapshot, ID_A);
    g_autoptr(GSettings) real_b = credential_settings (real, ID_B);
    g_autoptr(GSettings) snap_b = credential_settings (snapshot, ID_B);
    g_autofree char *hand = g_settings_get_string (snap_b, "description");

    assert_same_values (real_app, snap_app);
    assert_same_values (real_a, snap_a);
    assert_same_values (real_b, snap_b);
    g_assert_cmpstr (hand, ==, "written by hand");

    /* It only reads. */
    g_assert_false (g_settings_is_writable (snap_a, "name"));
  }
}

static void
test_missing_and_malformed (void)
{
  g_autofree char *missing = g_build_filename (config_dir, "nowhere", "keyfile", NULL);
  g_autofree char *garbage = g_build_filename (config_dir, "garbage", NULL);
  g_autoptr(GSettingsBackend) empty = NULL;
  g_autoptr(GSettingsBackend) none = NULL;
  g_autoptr(GError) error = NULL;

  /* No file yet: no values, as GLib's backend would have. */
  empty = tessera_settings_snapshot_new_from_file (missing, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GSettings) app = app_settings (empty);
    g_auto(GStrv) ids = g_settings_get_strv (app, "credentials");

    g_assert_cmpuint (g_strv_length (ids), ==, 0);
  }

  /* Not a keyfile: no snapshot (the caller uses GLib's backend). */
  g_assert_true (g_file_set_contents (garbage, "this is not\na keyfile\n", -1, NULL));
  none = tessera_settings_snapshot_new_from_file (garbage, &error);
  g_assert_null (none);
  g_assert_nonnull (error);
}

/* Used only where GLib would read that file. */
static void
test_only_for_keyfile_backend (void)
{
  g_autofree char *path = keyfile_path ();

  write_with_glib (path);

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_assert_null (tessera_settings_snapshot_new_if_keyfile ());
  g_setenv ("GSETTINGS_BACKEND", "dconf", TRUE);
  g_assert_null (tessera_settings_snapshot_new_if_keyfile ());

  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  {
    g_autoptr(GSettingsBackend) snapshot = tessera_settings_snapshot_new_if_keyfile ();
    g_autoptr(GSettings) app = NULL;
    g_autofree char *selected = NULL;

    g_assert_nonnull (snapshot);
    app = app_settings (snapshot);
    selected = g_settings_get_string (app, "selected-credential");
    g_assert_cmpstr (selected, ==, ID_B);
  }
}

/* A reading store sees what a store over GLib's backend sees. */
static void
test_reading_store (void)
{
  g_autofree char *path = keyfile_path ();
  g_autoptr(GSettingsBackend) real = NULL;
  g_autoptr(TesseraStore) store = NULL;
  g_autoptr(TesseraStore) reading = NULL;

  write_with_glib (path);
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);

  real = g_keyfile_settings_backend_new (path, "/", NULL);
  store = tessera_store_new_full (NULL, NULL, real);
  reading = tessera_store_new_reading (NULL, NULL);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reading)), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reading)), ==,
                    g_list_model_get_n_items (G_LIST_MODEL (store)));
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TesseraCredential) a = g_list_model_get_item (G_LIST_MODEL (store), i);
      g_autoptr(TesseraCredential) b = g_list_model_get_item (G_LIST_MODEL (reading), i);

      g_assert_cmpstr (tessera_credential_get_id (a), ==, tessera_credential_get_id (b));
      g_assert_cmpstr (tessera_credential_get_name (a), ==, tessera_credential_get_name (b));
      g_assert_cmpstr (tessera_credential_get_description (a), ==, tessera_credential_get_description (b));
      g_assert_cmpint (tessera_credential_get_kind (a), ==, tessera_credential_get_kind (b));
      g_assert_cmpint (tessera_credential_get_created (a), ==, tessera_credential_get_created (b));
    }
  g_assert_cmpstr (tessera_store_get_selected_id (reading), ==, ID_B);
  g_assert_nonnull (tessera_store_find_by_name (reading, "Deploy bot"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *settings_dir = NULL;
  int result;

  /* Before anything asks GLib for the user's folders. */
  config_dir = g_dir_make_tmp ("tessera-snapshot-XXXXXX", NULL);
  g_assert_nonnull (config_dir);
  g_setenv ("XDG_CONFIG_HOME", config_dir, TRUE);
  settings_dir = g_build_filename (config_dir, "glib-2.0", "settings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (settings_dir, 0700), ==, 0);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/snapshot/same-values", test_same_values);
  g_test_add_func ("/snapshot/missing-and-malformed", test_missing_and_malformed);
  g_test_add_func ("/snapshot/only-for-keyfile-backend", test_only_for_keyfile_backend);
  g_test_add_func ("/snapshot/reading-store", test_reading_store);
  result = g_test_run ();

  {
    g_autofree char *path = keyfile_path ();
    g_autofree char *garbage = g_build_filename (config_dir, "garbage", NULL);
    g_autofree char *glib_dir = g_build_filename (config_dir, "glib-2.0", NULL);

    g_unlink (path);
    g_unlink (garbage);
    g_rmdir (settings_dir);
    g_rmdir (glib_dir);
    g_rmdir (config_dir);
  }

  return result;
}
