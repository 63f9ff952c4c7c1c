/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window-reminders.c: what the window does for reminders before keys
 * expire: a reminder's "Open" shows that credential's tile, and
 * Preferences turns reminders, and starting at login, on and off.
 *
 * The background service itself, its notifications and the action
 * reaching the window over D-Bus: tests/test-reminders.py.
 */
#include "config.h"

#include "tessera-application.h"
#include "tessera-autostart.h"
#include "tessera-preferences-dialog.h"
#include "window-fixture.h"

static gboolean
row_has_title (GtkWidget     *widget,
               gconstpointer  title)
{
  return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
focus_in_tile (Fixture    *f,
               const char *name)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));
  TesseraCredentialTile *tile = find_tile (f, name);

  return tile != NULL && focus != NULL &&
         (focus == GTK_WIDGET (tile) || gtk_widget_is_ancestor (focus, GTK_WIDGET (tile)) ||
          gtk_widget_is_ancestor (GTK_WIDGET (tile), focus));
}

/* "Open" on a reminder: the tile, even when a search hides it and it is
 * far down the grid, scrolled to and focused. */
static void
test_show_credential (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(TesseraCredential) last = NULL;
  const guint n = 30;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("Credential %02u", i);
      TesseraCredential *credential = add_credential (f, name, NULL, ACCOUNT_A, NULL, NULL);

      if (i == n - 1)
        last = g_object_ref (credential);
    }

  open_window (f, FALSE);
  tessera_window_set_search_text (f->window, "Credential 0");
  TEST_WAIT_UNTIL (g_list_model_get_n_items (tessera_window_get_filter_model (f->window)) == 10);
  g_assert_null (find_tile (f, "Credential 29"));

  g_assert_false (tessera_window_show_credential (f->window, "no-such-credential"));
  g_assert_true (tessera_window_show_credential (f->window, tessera_credential_get_id (last)));

  /* The search no longer hides it; its tile has the focus. */
  TEST_WAIT_UNTIL (focus_in_tile (f, "Credential 29"));
  g_assert_cmpuint (g_list_model_get_n_items (tessera_window_get_filter_model (f->window)), ==, n);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (find_tile (f, "Credential 29"))));
}

/* A notification's buttons, as GNOME Shell activates them: app actions
 * with the credential's id. The application is registered as the running
 * one would be (not unique, so that it owns no name on the test's bus);
 * its store reads the default settings backend (memory), written here. */
static void
test_application_actions (void)
{
  g_autoptr(TesseraApplication) app = tessera_application_new ();
  g_autoptr(GSettings) settings = g_settings_new ("io.github.tessera.Tessera");
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) id_list = NULL;
  TesseraWindow *window;
  AdwDialog *dialog;
  GtkWidget *focus;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *id = g_strdup_printf ("app-%02u", i);
      g_autofree char *path = g_strdup_printf ("/io/github/tessera/Tessera/credentials/%s/", id);
      g_autofree char *name = g_strdup_printf ("Credential %02u", i);
      g_autoptr(GSettings) credential = g_settings_new_with_path ("io.github.tessera.Tessera.Credential", path);

      g_settings_set_string (credential, "name", name);
      g_settings_set_string (credential, "account-id", ACCOUNT_A);
      g_strv_builder_add (ids, id);
    }
  id_list = g_strv_builder_end (ids);
  g_settings_set_strv (settings, "credentials", (const char * const *) id_list);

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_null (gtk_application_get_active_window (GTK_APPLICATION (app)));

  /* "Open": the window, that tile focused. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-credential", g_variant_new_string ("app-19"));
  window = TESSERA_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)) &&
                   (focus = gtk_root_get_focus (GTK_ROOT (window))) != NULL &&
                   TESSERA_IS_CREDENTIAL_TILE (focus) &&
                   g_strcmp0 (tessera_credential_get_id (tessera_credential_tile_get_credential (TESSERA_CREDENTIAL_TILE (focus))),
                              "app-19") == 0);

  /* "Renew…": the same window, the Renew dialog on that credential. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "renew-credential", g_variant_new_string ("app-03"));
  g_assert_true (gtk_application_get_active_window (GTK_APPLICATION (app)) == GTK_WINDOW (window));
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (window));
  g_assert_true (ADW_IS_ALERT_DIALOG (dialog));
  g_assert_cmpstr (adw_alert_dialog_get_heading (ADW_ALERT_DIALOG (dialog)), ==, "Renew Token?");
  g_assert_nonnull (strstr (adw_alert_dialog_get_body (ADW_ALERT_DIALOG (dialog)), "“Credential 03”"));
  adw_dialog_force_close (dialog);

  /* A credential removed since the notification: the window, no dialog. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "renew-credential", g_variant_new_string ("gone"));
  g_assert_null (adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (window)));

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "credentials");
}

static gboolean
autostart_exists (void)
{
  g_autofree char *path = tessera_autostart_dup_path ();

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Preferences: "Remind Me Before Keys Expire" writes the setting and
 * removes, then writes again, the autostart entry; the warning window and
 * background checks are settings of their own. */
static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  GSettings *settings = tessera_store_get_settings (f->store);
  GtkWidget *reminders, *days, *reverify;
  AdwDialog *dialog;

  open_window (f, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.preferences", NULL));
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  g_assert_true (TESSERA_IS_PREFERENCES_DIALOG (dialog));

  reminders = find_widget (GTK_WIDGET (dialog), ADW_TYPE_SWITCH_ROW, row_has_title, "Remind Me Before Keys Expire");
  days = find_widget (GTK_WIDGET (dialog), ADW_TYPE_SPIN_ROW, row_has_title, "Days of Warning");
  reverify = find_widget (GTK_WIDGET (dialog), ADW_TYPE_SWITCH_ROW, row_has_title, "Check Keys in the Background");
  g_assert_nonnull (reminders);
  g_assert_nonnull (days);
  g_assert_nonnull (reverify);

  /* On by default, a week, no network. Showing them writes nothing. */
  g_assert_true (adw_switch_row_get_active (ADW_SWITCH_ROW (reminders)));
  g_assert_cmpfloat (adw_spin_row_get_value (ADW_SPIN_ROW (days)), ==, 7);
  g_assert_false (adw_switch_row_get_active (ADW_SWITCH_ROW (reverify)));
  test_wait_run_for (100);
  g_assert_false (autostart_exists ());

  /* Off: the setting, and no start at login. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    tessera_autostart_set_async (TRUE, NULL, test_wait_on_ready, &result);
    g_assert_true (tessera_autostart_set_finish (test_wait_for (&result), NULL));
    g_assert_true (autostart_exists ());
  }
  adw_switch_row_set_active (ADW_SWITCH_ROW (reminders), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "expiry-reminders"));
  TEST_WAIT_UNTIL (!autostart_exists ());
  g_assert_false (gtk_widget_get_sensitive (days));

  /* On again: the entry is back. */
  adw_switch_row_set_active (ADW_SWITCH_ROW (reminders), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "expiry-reminders"));
  TEST_WAIT_UNTIL (autostart_exists ());
  g_assert_true (gtk_widget_get_sensitive (days));

  adw_spin_row_set_value (ADW_SPIN_ROW (days), 14);
  g_assert_cmpuint (g_settings_get_uint (settings, "expiry-warning-days"), ==, 14);
  adw_switch_row_set_active (ADW_SWITCH_ROW (reverify), TRUE);
  g_assert_true (g_settings_get_boolean (settings, "background-reverify"));

  adw_dialog_force_close (dialog);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!window_fixture_init (&argc, &argv))
    return 0;

  g_test_add ("/window-reminders/show-credential", Fixture, NULL, fixture_setup, test_show_credential,
              fixture_teardown);
  g_test_add ("/window-reminders/preferences", Fixture, NULL, fixture_setup, test_preferences,
              fixture_teardown);
  g_test_add_func ("/window-reminders/application-actions", test_application_actions);

  ret = g_test_run ();
  window_fixture_done ();

  return ret;
}
