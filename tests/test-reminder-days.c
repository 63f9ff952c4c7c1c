/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-reminder-days.c: which credentials the background service reminds
 * of, and on which days (core/tessera-reminders.c), and its autostart
 * entry (core/tessera-autostart.c). Headless: a store over GSettings'
 * memory backend, no keyring, no network, a fixed "now". */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>

#include "tessera-autostart.h"
#include "tessera-reminders.h"
#include "tessera-store.h"
#include "test-wait.h"

#define DAY_MS ((gint64) 24 * 60 * 60 * 1000)

typedef struct
{
  GSettingsBackend *backend;
  GSettings        *settings;
  TesseraStore     *store;
  GDateTime        *now;     /* noon, 15 June 2026, local */
  GPtrArray        *ids;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->backend = g_memory_settings_backend_new ();
  f->settings = g_settings_new_with_backend ("io.github.tessera.Tessera", f->backend);
  f->now = g_date_time_new_local (2026, 6, 15, 12, 0, 0);
  f->ids = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* GSettings hands its change notifications to the main context, each
   * holding the backend (and so what was written) until it runs. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->store);
  g_clear_object (&f->settings);
  g_clear_object (&f->backend);
  g_clear_pointer (&f->now, g_date_time_unref);
  g_clear_pointer (&f->ids, g_ptr_array_unref);
}

/* A credential that expires @expires_ms after f->now (0: unknown). */
static void
add (Fixture    *f,
     const char *name,
     gint64      expires_ms,
     const char *status)
{
  g_autofree char *id = g_strdup_printf ("id-%u", f->ids->len);
  g_autofree char *path = g_strdup_printf ("/io/github/tessera/Tessera/credentials/%s/", id);
  g_autoptr(GSettings) credential = NULL;

  credential = g_settings_new_with_backend_and_path ("io.github.tessera.Tessera.Credential", f->backend, path);
  g_settings_set_string (credential, "name", name);
  g_settings_set_string (credential, "account-id", "TesseraTestAcct0000001");
  g_settings_set_int64 (credential, "expires",
                        expires_ms != 0 ? g_date_time_to_unix (f->now) * 1000 + expires_ms : 0);
  if (status != NULL)
    g_settings_set_string (credential, "status", status);
  g_ptr_array_add (f->ids, g_steal_pointer (&id));
}

/* The store over what add() wrote. */
static void
open_store (Fixture *f)
{
  g_ptr_array_add (f->ids, NULL);
  g_settings_set_strv (f->settings, "credentials", (const char * const *) f->ids->pdata);
  g_ptr_array_remove_index (f->ids, f->ids->len - 1);
  f->store = tessera_store_new_full (NULL, NULL, f->backend);
}

/* The names due at @now, joined by ", ". */
static char *
due_names (Fixture   *f,
           GDateTime *now)
{
  g_autoptr(GPtrArray) due = tessera_reminders_due (f->settings, G_LIST_MODEL (f->store), now);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < due->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                            tessera_credential_get_name (g_ptr_array_index (due, i)));

  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* Marks what is due at @now as reminded of. */
static void
remind (Fixture   *f,
        GDateTime *now)
{
  g_autoptr(GPtrArray) due = tessera_reminders_due (f->settings, G_LIST_MODEL (f->store), now);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; i < due->len; i++)
    g_ptr_array_add (ids, (gpointer) tessera_credential_get_id (g_ptr_array_index (due, i)));
  g_ptr_array_add (ids, NULL);
  tessera_reminders_mark (f->settings, G_LIST_MODEL (f->store), (const char * const *) ids->pdata, now);
}

static void
test_window (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *names = NULL;

  add (f, "Deploy bot", 3 * DAY_MS, NULL);
  add (f, "Laptop", 30 * DAY_MS, NULL);
  add (f, "No expiry", 0, NULL);
  add (f, "A week", 7 * DAY_MS, NULL);
  add (f, "Eight days", 8 * DAY_MS, NULL);
  add (f, "Revoked", 2 * DAY_MS, "rejected");
  open_store (f);

  /* The default window is 7 days, its last day included. */
  names = due_names (f, f->now);
  g_assert_cmpstr (names, ==, "Deploy bot, A week");

  /* A longer window in Preferences. */
  g_settings_set_uint (f->settings, "expiry-warning-days", 30);
  g_free (names);
  names = due_names (f, f->now);
  g_assert_cmpstr (names, ==, "Deploy bot, Laptop, A week, Eight days");

  /* Reminders off: none. */
  g_settings_set_boolean (f->settings, "expiry-reminders", FALSE);
  g_free (names);
  names = due_names (f, f->now);
  g_assert_cmpstr (names, ==, "");
}

static void
test_once_a_day (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GDateTime) evening = g_date_time_add_hours (f->now, 11);
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (f->now, 1);
  g_autofree char *names = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GVariant) reminded = NULL;

  add (f, "Deploy bot", 3 * DAY_MS, NULL);
  add (f, "Laptop", 30 * DAY_MS, NULL);
  open_store (f);

  remind (f, f->now);
  reminded = g_settings_get_value (f->settings, "reminded");
  value = g_variant_print (reminded, FALSE);
  g_assert_cmpstr (value, ==, "{'id-0': '2026-06-15'}");

  /* Later that day: nothing. */
  names = due_names (f, evening);
  g_assert_cmpstr (names, ==, "");

  /* The next day: again. */
  g_free (names);
  names = due_names (f, tomorrow);
  g_assert_cmpstr (names, ==, "Deploy bot");
}

static void
test_expired (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GDateTime) day_after = g_date_time_add_days (f->now, 3);
  g_autoptr(GDateTime) later = g_date_time_add_days (f->now, 4);
  g_autoptr(GDateTime) much_later = g_date_time_add_days (f->now, 40);
  g_autofree char *names = NULL;

  add (f, "Deploy bot", 2 * DAY_MS, NULL);
  add (f, "Long gone", -30 * DAY_MS, NULL);
  open_store (f);

  /* Expired a month ago, never reminded of: not now either. */
  names = due_names (f, f->now);
  g_assert_cmpstr (names, ==, "Deploy bot");
  g_clear_pointer (&names, g_free);

  remind (f, f->now);
  /* Expired the day before: one reminder says so… */
  names = due_names (f, day_after);
  g_assert_cmpstr (names, ==, "Deploy bot");
  remind (f, day_after);
  /* …and no more, ever. */
  g_free (names);
  names = due_names (f, later);
  g_assert_cmpstr (names, ==, "");
  g_free (names);
  names = due_names (f, much_later);
  g_assert_cmpstr (names, ==, "");
}

static void
test_forgets_removed (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *value = NULL;
  g_autoptr(GVariant) reminded = NULL;

  add (f, "Deploy bot", 3 * DAY_MS, NULL);
  open_store (f);
  g_settings_set_value (f->settings, "reminded",
                        g_variant_new_parsed ("{'gone': '2026-06-01', 'id-0': '2026-06-14'}"));

  remind (f, f->now);
  reminded = g_settings_get_value (f->settings, "reminded");
  value = g_variant_print (reminded, FALSE);
  g_assert_cmpstr (value, ==, "{'id-0': '2026-06-15'}");
}

static void
test_sentences (Fixture       *f,
                gconstpointer  data)
{
  const struct { gint64 expires; const char *title; const char *body; } cases[] = {
    { 3 * DAY_MS, "A Harness key expires soon", "“Deploy bot” expires in 3 days." },
    { DAY_MS, "A Harness key expires soon", "“Deploy bot” expires tomorrow." },
    { 60 * 60 * 1000, "A Harness key expires soon", "“Deploy bot” expires today." },
    { -60 * 60 * 1000, "A Harness key has expired",
      "“Deploy bot” has expired. Scripts that use it fail until it is renewed." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    add (f, "Deploy bot", cases[i].expires, NULL);
  open_store (f);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TesseraCredential *credential = tessera_store_lookup (f->store, g_ptr_array_index (f->ids, i));
      g_autofree char *title = tessera_reminders_dup_title (credential, f->now);
      g_autofree char *body = tessera_reminders_dup_body (credential, f->now);

      g_assert_cmpstr (title, ==, cases[i].title);
      g_assert_cmpstr (body, ==, cases[i].body);
    }
}

static void
set_autostart (gboolean enabled)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tessera_autostart_set_async (enabled, NULL, test_wait_on_ready, &result);
  test_wait_for (&result);
  g_assert_true (tessera_autostart_set_finish (result, &error));
  g_assert_no_error (error);
}

static void
test_autostart (void)
{
  g_autofree char *path = tessera_autostart_dup_path ();
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "autostart",
                                                "io.github.tessera.Tessera.desktop", NULL);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *exec = NULL;

  g_assert_cmpstr (path, ==, expected);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  set_autostart (TRUE);
  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, NULL);
  g_assert_true (g_str_has_suffix (exec, "tessera --gapplication-service"));
  g_assert_true (g_key_file_get_boolean (entry, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", NULL));

  /* Off removes it; off again is no error. */
  set_autostart (FALSE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  set_autostart (FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = g_dir_make_tmp ("tessera-reminder-days.XXXXXX", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *autostart = NULL;
  int status;

  /* Before anything reads it: the autostart entry goes here. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("TZ", "Europe/Berlin", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/reminders/window", Fixture, NULL, fixture_setup, test_window, fixture_teardown);
  g_test_add ("/reminders/once-a-day", Fixture, NULL, fixture_setup, test_once_a_day, fixture_teardown);
  g_test_add ("/reminders/expired", Fixture, NULL, fixture_setup, test_expired, fixture_teardown);
  g_test_add ("/reminders/forgets-removed", Fixture, NULL, fixture_setup, test_forgets_removed, fixture_teardown);
  g_test_add ("/reminders/sentences", Fixture, NULL, fixture_setup, test_sentences, fixture_teardown);
  g_test_add_func ("/reminders/autostart", test_autostart);

  status = g_test_run ();

  autostart = g_build_filename (config, "autostart", NULL);
  g_rmdir (autostart);
  g_rmdir (config);
  g_rmdir (home);
  return status;
}
