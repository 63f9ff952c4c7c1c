/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window-reminders.c: what the window does for reminders before keys
 * expire: a reminder's "Open" shows that credential's tile, and
 * Preferences turns reminders, and starting at login, on and off.
 *
 * The background service itself, its notifications and the action
 * reaching the window over D-Bus: tests/test-reminders.py.
 */
#include "config.h"

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

  ret = g_test_run ();
  window_fixture_done ();

  return ret;
}
