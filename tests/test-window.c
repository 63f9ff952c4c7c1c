/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the main window and its tiles, driven through their actions
 *
 * Runs under Xvfb (build-aux/session) with the real store: a keyfile
 * GSettings backend per test, libsecret's file backend for tokens, and the
 * fake Harness on 127.0.0.1.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "tessera-application.h"
#include "tessera-credential-dialog.h"
#include "tessera-preferences-dialog.h"
#include "window-fixture.h"


/* ------------------------------------------------------------------ */
/* Create / destroy */

static void
test_tile_create_destroy (void)
{
  guint before = tessera_credential_tile_get_instance_count ();
  GtkWidget *tile;

  tile = g_object_ref_sink (tessera_credential_tile_new ());
  g_assert_cmpuint (tessera_credential_tile_get_instance_count (), ==, before + 1);
  g_assert_null (tessera_credential_tile_get_credential (TESSERA_CREDENTIAL_TILE (tile)));
  g_assert_null (tessera_credential_tile_get_state_text (TESSERA_CREDENTIAL_TILE (tile)));
  /* With nothing to act on, the actions do nothing. */
  gtk_widget_activate_action (tile, "credential.delete", NULL);

  g_assert_finalize_object (tile);
  g_assert_cmpuint (tessera_credential_tile_get_instance_count (), ==, before);
}

static void
test_window_create_destroy (void)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(TesseraStore) store = tessera_store_new_full (NULL, NULL, backend);
  TesseraWindow *window;

  window = g_object_ref (g_object_new (TESSERA_TYPE_WINDOW,
                                       "store", store,
                                       "verify-on-open", FALSE,
                                       NULL));
  g_assert_true (tessera_window_get_store (window) == store);
  g_assert_cmpstr (tessera_window_get_visible_page (window), ==, "empty");
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static void
test_application_create_destroy (void)
{
  TesseraApplication *app = tessera_application_new ();

  g_assert_cmpstr (g_application_get_application_id (G_APPLICATION (app)), ==, APP_ID);
  g_assert_null (tessera_application_get_store (app));
  g_assert_finalize_object (app);
}

/* Every toplevel a screen reader can be handed is on screen: GTK 4.8's
 * AT-SPI root gives out the last toplevel when asked for an index past
 * the visible ones (a dialog that just closed), and one never shown has
 * no object path: the app crashed. GtkApplication used to keep such a
 * shortcuts window for each window. */
static void
assert_toplevels_showing (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (!gtk_widget_get_visible (window) || !gtk_widget_get_realized (window))
        g_error ("A %s is among the toplevels but not on screen", G_OBJECT_TYPE_NAME (window));
    }
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }

  return NULL;
}

/* Opens a window through an application action, over the main window,
 * and closes it: it leaves the toplevels. */
static void
open_and_close (GApplication *app,
                const char   *action,
                GType         type)
{
  GtkWindow *window;

  g_action_group_activate_action (G_ACTION_GROUP (app), action, NULL);
  window = find_toplevel (type);
  g_assert_nonnull (window);
  g_assert_true (gtk_window_get_transient_for (window) == find_toplevel (TESSERA_TYPE_WINDOW));
  TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (window)));
  assert_toplevels_showing ();
  gtk_window_close (window);
  TEST_WAIT_UNTIL (find_toplevel (type) == NULL);
  assert_toplevels_showing ();
}

static gboolean
toplevels_steps_cb (gpointer user_data)
{
  GApplication *app = user_data;

  TEST_WAIT_UNTIL (find_toplevel (TESSERA_TYPE_WINDOW) != NULL &&
              gtk_widget_get_mapped (GTK_WIDGET (find_toplevel (TESSERA_TYPE_WINDOW))));
  assert_toplevels_showing ();

  /* The shortcuts window is made when asked for, and goes when closed;
   * About opens inside the window. */
  open_and_close (app, "shortcuts", GTK_TYPE_SHORTCUTS_WINDOW);

  /* About is a dialog inside the window, not another toplevel. */
  {
    AdwApplicationWindow *window = ADW_APPLICATION_WINDOW (find_toplevel (TESSERA_TYPE_WINDOW));
    AdwDialog *about;

    g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
    about = adw_application_window_get_visible_dialog (window);
    g_assert_true (ADW_IS_ABOUT_DIALOG (about));
    g_assert_cmpstr (adw_about_dialog_get_website (ADW_ABOUT_DIALOG (about)), ==, PACKAGE_WEBSITE);
    g_assert_cmpstr (adw_about_dialog_get_issue_url (ADW_ABOUT_DIALOG (about)), ==, PACKAGE_ISSUE_URL);
    TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (about)));
    assert_toplevels_showing ();
    g_assert_true (adw_dialog_close (about));
    TEST_WAIT_UNTIL (adw_application_window_get_visible_dialog (window) == NULL);
    assert_toplevels_showing ();
  }

  /* Ctrl+Q ends the run. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
test_application_toplevels (void)
{
  TesseraApplication *app = tessera_application_new ();

  g_idle_add (toplevels_steps_cb, app);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 0, NULL), ==, 0);
  g_assert_null (find_toplevel (TESSERA_TYPE_WINDOW));
  g_assert_finalize_object (app);
}

static void
collect_accelerators (GtkWidget *widget,
                      GString   *accels)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accelerator = NULL;

      g_object_get (widget, "accelerator", &accelerator, NULL);
      g_string_append_printf (accels, "%s|", accelerator);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_accelerators (child, accels);
}

static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder = NULL;
  g_autoptr(GString) accels = g_string_new ("|");
  static const char *expected[] = {
    "<Control>n", "<Control>f", "<Control>r", "Delete", "<Control>c",
    "<Control>question", "<Control>q", "space", "Return", "Menu <Shift>F10",
    "<Control>z", "<Control>w",
  };
  GtkWidget *overlay;

  builder = gtk_builder_new_from_resource ("/io/github/tessera/Tessera/tessera-shortcuts-window.ui");
  overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));

  collect_accelerators (overlay, accels);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *needle = g_strdup_printf ("|%s|", expected[i]);

      if (strstr (accels->str, needle) == NULL)
        g_error ("The shortcuts window lacks %s (has %s)", expected[i], accels->str);
    }

  gtk_window_destroy (GTK_WINDOW (overlay));
}


/* ------------------------------------------------------------------ */
/* The window */

static void
test_empty (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *add_tile;

  g_autofree char *icons = NULL;

  open_window (f, FALSE);
  g_assert_cmpstr (tessera_window_get_visible_page (f->window), ==, "empty");
  /* Only the page shown has its (large) icon. */
  icons = status_page_icons (f);
  g_assert_cmpstr (icons, ==, "No Credentials=io.github.tessera.Tessera-symbolic; No Results Found=-");

  add_credential (f, "First", NULL, ACCOUNT_A, NULL, NULL);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  g_assert_cmpstr (tessera_window_get_visible_page (f->window), ==, "grid");

  /* The first tile adds a credential. */
  add_tile = find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, widget_has_css_class, "add-tile");
  g_assert_nonnull (add_tile);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (add_tile)), ==, "win.add-credential");
}

static gboolean
button_has_action (GtkWidget     *widget,
                   gconstpointer  action_name)
{
  return g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action_name) == 0;
}

/* Nothing to verify or search in an empty window: Verify all and Search
 * are off until a credential appears, and off again once none is left. */
static void
test_empty_actions (Fixture       *f,
                    gconstpointer  data)
{
  GtkSearchBar *search_bar;
  GtkWidget *verify;
  GtkWidget *search;
  GtkWidget *undo;

  open_window (f, FALSE);
  verify = find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_action, "win.verify-all");
  search = find_widget (GTK_WIDGET (f->window), GTK_TYPE_TOGGLE_BUTTON, button_has_icon, "system-search-symbolic");
  search_bar = GTK_SEARCH_BAR (find_widget (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_BAR, NULL, NULL));
  g_assert_nonnull (verify);
  g_assert_nonnull (search);

  g_assert_false (gtk_widget_is_sensitive (verify));
  g_assert_false (gtk_widget_is_sensitive (search));
  g_assert_null (gtk_search_bar_get_key_capture_widget (search_bar));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.verify-all", NULL);
  g_assert_false (gtk_search_bar_get_search_mode (search_bar));
  g_assert_false (tessera_store_get_verifying (f->store));

  add_credential (f, "First", NULL, ACCOUNT_A, NULL, NULL);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  g_assert_true (gtk_widget_is_sensitive (verify));
  g_assert_true (gtk_widget_is_sensitive (search));
  g_assert_true (gtk_search_bar_get_key_capture_widget (search_bar) == GTK_WIDGET (f->window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  g_assert_true (gtk_search_bar_get_search_mode (search_bar));

  /* The last one goes while searching: the search ends with it. */
  tessera_window_set_search_text (f->window, "fir");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "First")), "credential.delete", NULL));
  g_assert_cmpstr (tessera_window_get_visible_page (f->window), ==, "empty");
  g_assert_false (gtk_widget_is_sensitive (verify));
  g_assert_false (gtk_widget_is_sensitive (search));
  g_assert_false (gtk_search_bar_get_search_mode (search_bar));

  /* Undo brings it, and both, back. */
  TEST_WAIT_UNTIL ((undo = find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label, "_Undo")) != NULL);
  test_wait_run_for (100);
  g_signal_emit_by_name (undo, "clicked");
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  g_assert_true (gtk_widget_is_sensitive (verify));
  g_assert_true (gtk_widget_is_sensitive (search));
  g_assert_cmpstr (tessera_window_get_visible_page (f->window), ==, "grid");
  /* libadwaita 1.2.2 leaks a toast (and its hold on the store) whose
   * window closes while it fades out. */
  TEST_WAIT_UNTIL (count_toasts (f) == 0);
}

static gboolean
label_has_text (GtkWidget     *widget,
                gconstpointer  text)
{
  return g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

/* The tile's details as a person sees them: a row per detail, title and
 * value (joined here by a tab), the rows a detail has no value for
 * hidden. */
static void
assert_tile_details (TesseraCredentialTile *tile,
                     const char            *expected)
{
  GtkWidget *grid = find_widget (GTK_WIDGET (tile), GTK_TYPE_GRID, NULL, NULL);
  g_autoptr(GString) shown = g_string_new (NULL);
  guint n = 0;

  g_assert_nonnull (grid);
  for (GtkWidget *child = gtk_widget_get_first_child (grid);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;

      g_string_append_printf (shown, "%s%s", n == 0 ? "" : n % 2 == 1 ? "\t" : "\n",
                              gtk_label_get_text (GTK_LABEL (child)));
      n++;
    }

  g_assert_cmpstr (shown->str, ==, expected);
}

static void
test_tiles (Fixture       *f,
            gconstpointer  data)
{
  TesseraCredentialTile *tile;
  TesseraCredential *credential;
  g_autofree char *expected = NULL;

  add_credential (f, "Production", "Deploys from the release pipeline", ACCOUNT_A, "Ada Lovelace", NULL);
  add_credential (f, "Sandbox", NULL, ACCOUNT_A, NULL, NULL);
  add_credential (f, "Staging", NULL, ACCOUNT_B, "Grace Hopper", NULL);

  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 3);
  g_assert_cmpstr (tessera_window_get_visible_page (f->window), ==, "grid");

  tile = find_tile (f, "Production");
  g_assert_nonnull (tile);
  g_assert_cmpstr (tessera_credential_tile_get_state_text (tile), ==, "Verified · just now");
  /* The name and, under it, the kind. */
  g_assert_nonnull (find_widget (GTK_WIDGET (tile), GTK_TYPE_LABEL, label_has_text, "Production"));
  g_assert_nonnull (find_widget (GTK_WIDGET (tile), GTK_TYPE_LABEL, label_has_text, "Personal access token"));
  g_assert_nonnull (find_widget (GTK_WIDGET (tile), GTK_TYPE_LABEL, label_has_text,
                                 "Deploys from the release pipeline"));
  /* A named account shows its id on a row of its own. */
  credential = tessera_credential_tile_get_credential (tile);
  g_assert_cmpstr (tessera_credential_get_account_name (credential), !=, "");
  expected = g_strdup_printf ("Account\t%s\nAccount ID\t%s\nOwner\tAda Lovelace",
                              tessera_credential_get_account_name (credential), ACCOUNT_A);
  assert_tile_details (tile, expected);

  tile = find_tile (f, "Sandbox");
  g_assert_nonnull (tile);
  g_assert_cmpstr (tessera_credential_tile_get_state_text (tile), ==, "Not verified");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (tile), "selected"));
  /* Unverified: the account id only, no owner. */
  assert_tile_details (tile, "Account\t" ACCOUNT_A);
  /* Never checked here: no spinner made for it. */
  g_assert_null (find_widget (GTK_WIDGET (tile), ADW_TYPE_SPINNER, NULL, NULL));
  /* The first credential saved (Production) is what scripts use: its
   * tile alone made the selected emblem, the others none (it is made on
   * demand). */
  g_assert_null (find_widget (GTK_WIDGET (tile), GTK_TYPE_IMAGE, widget_has_css_class, "selected-emblem"));
  g_assert_null (find_widget (GTK_WIDGET (find_tile (f, "Staging")), GTK_TYPE_IMAGE, widget_has_css_class,
                              "selected-emblem"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (find_tile (f, "Production")), "selected"));
  g_assert_nonnull (find_widget (GTK_WIDGET (find_tile (f, "Production")), GTK_TYPE_IMAGE, widget_has_css_class,
                                 "selected-emblem"));
  /* Said in words, not by the colour and the emblem alone. */
  g_assert_true (gtk_widget_get_visible (find_widget (GTK_WIDGET (find_tile (f, "Production")), GTK_TYPE_LABEL,
                                                      label_has_text, "Used by scripts")));
  g_assert_null (find_widget (GTK_WIDGET (tile), GTK_TYPE_LABEL, label_has_text, "Used by scripts"));
}


static void
test_tile_states (Fixture       *f,
                  gconstpointer  data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  TesseraCredential *credential;
  TesseraCredentialTile *tile;
  static const struct {
    const char *status;
    gint64      verified_ago;    /* seconds */
    gint64      expires_in;      /* seconds; 0: unknown */
    const char *text;
    const char *style;
  } states[] = {
    { "verified", 5 * 60, 0, "Verified · 5 minutes ago", "success" },
    { "verified", 60, 0, "Verified · 1 minute ago", "success" },
    { "verified", 3 * 3600 + 5, 0, "Verified · 3 hours ago", "success" },
    { "verified", 2 * 86400 + 5, 0, "Verified · 2 days ago", "success" },
    /* Days to expiry are rounded up. */
    { "verified", 60, 3 * 86400 - 30, "Expires in 3 days", "warning" },
    { "verified", 60, 2 * 3600, "Expires in 1 day", "warning" },
    { "verified", 60, 86400 + 3600, "Expires in 2 days", "warning" },
    { "verified", 60, 7 * 86400 - 30, "Expires in 7 days", "warning" },
    { "verified", 60, 7 * 86400 + 3600, "Verified · 1 minute ago", "success" },
    { "verified", 60, 30 * 86400, "Verified · 1 minute ago", "success" },
    { "verified", 60, -86400, "Expired", "error" },
    { "expired", 60, 0, "Expired", "error" },
    { "rejected", 60, 0, "Rejected", "error" },
    { "unverified", 0, 0, "Not verified", "dim-label" },
    { "unreachable", 60, 0, "Couldn’t check", "dim-label" },
    { "token-missing", 0, 0, "Token missing", "warning" },
  };

  credential = add_credential (f, "States", NULL, ACCOUNT_A, NULL, NULL);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL ((tile = find_tile (f, "States")) != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      GtkWidget *state_box;

      set_credential_keys (f, credential, states[i].status,
                           states[i].verified_ago ? now - states[i].verified_ago : 0,
                           states[i].expires_in ? (now + states[i].expires_in) * 1000 : 0);
      TEST_WAIT_UNTIL (g_strcmp0 (tessera_credential_tile_get_state_text (tile), states[i].text) == 0);

      state_box = find_widget (GTK_WIDGET (tile), GTK_TYPE_BOX, widget_has_css_class, "tile-state");
      g_assert_nonnull (state_box);
      if (!gtk_widget_has_css_class (state_box, states[i].style))
        g_error ("“%s” is not styled %s", states[i].text, states[i].style);
    }
}

static void
test_select (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(TesseraStore) reopened = NULL;
  TesseraCredential *first, *second;
  TesseraCredentialTile *first_tile, *second_tile;
  GtkWidget *emblem;
  AdwDialog *dialog = NULL;

  first = add_credential (f, "First", NULL, ACCOUNT_A, NULL, NULL);
  second = add_credential (f, "Second", NULL, ACCOUNT_A, NULL, NULL);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);
  first_tile = find_tile (f, "First");
  second_tile = find_tile (f, "Second");

  /* The first credential saved is what scripts use from the start. */
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (first));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (first_tile), "selected"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (second_tile), "selected"));

  /* A click (or Space) on a tile selects it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (second_tile), "credential.select", NULL));
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (second));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (second_tile), "selected"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (first_tile), "selected"));
  emblem = find_widget (GTK_WIDGET (second_tile), GTK_TYPE_IMAGE, widget_has_css_class, "selected-emblem");
  g_assert_true (gtk_widget_get_visible (emblem));
  TEST_WAIT_UNTIL (!gtk_widget_get_visible (find_widget (GTK_WIDGET (first_tile), GTK_TYPE_IMAGE, widget_has_css_class,
                                                    "selected-emblem")));

  /* It is kept on disk: a store opened afresh reads it back. */
  reopened = open_store (f);
  g_assert_cmpstr (tessera_store_get_selected_id (reopened), ==, tessera_credential_get_id (second));

  /* Enter on an unselected tile selects it… */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (first_tile), "credential.activate", NULL));
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (first));
  TEST_WAIT_UNTIL (!gtk_widget_has_css_class (GTK_WIDGET (second_tile), "selected"));
  g_assert_false (gtk_widget_get_visible (emblem));

  /* …and on the selected one opens the editor. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (first_tile), "credential.activate", NULL));
  /* It opens inside the window, not as a window of its own. */
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  g_assert_true (TESSERA_IS_CREDENTIAL_DIALOG (dialog));
  g_assert_true (tessera_credential_dialog_get_credential (TESSERA_CREDENTIAL_DIALOG (dialog)) == first);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_window_get_toplevels ()), ==, 1);
  adw_dialog_force_close (ADW_DIALOG (dialog));
}

/* A click that changes what scripts use says so, and Undo puts back the
 * one before; a click that changes nothing says nothing. */
static void
test_select_undo (Fixture       *f,
                  gconstpointer  data)
{
  TesseraCredential *first, *second;
  GtkWidget *undo, *label, *close;

  first = add_credential (f, "First", NULL, ACCOUNT_A, NULL, NULL);
  second = add_credential (f, "Second & <b>co</b>", NULL, ACCOUNT_A, NULL, NULL);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (first));

  /* Already selected: no toast. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "First")), "credential.select", NULL));
  test_wait_run_for (100);
  g_assert_cmpuint (count_toasts (f), ==, 0);

  /* The name is shown as it is, not read as markup. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Second & <b>co</b>")), "credential.select", NULL));
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (second));
  TEST_WAIT_UNTIL ((label = find_toast_title (f, "Scripts now use “Second & <b>co</b>”")) != NULL);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "Scripts now use “Second & <b>co</b>”");

  TEST_WAIT_UNTIL ((undo = find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label, "_Undo")) != NULL);
  test_wait_run_for (100);
  g_signal_emit_by_name (undo, "clicked");
  TEST_WAIT_UNTIL (g_strcmp0 (tessera_store_get_selected_id (f->store), tessera_credential_get_id (first)) == 0);
  TEST_WAIT_UNTIL (gtk_widget_has_css_class (GTK_WIDGET (find_tile (f, "First")), "selected"));

  /* Ctrl+Z does what the toast's Undo does, while the toast shows. */
  TEST_WAIT_UNTIL (count_toasts (f) == 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Second & <b>co</b>")), "credential.select", NULL));
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (second));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (first));
  /* Nothing left to undo: a second Ctrl+Z changes nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (first));

  /* Nor once the toast was closed, even while it still fades out. */
  TEST_WAIT_UNTIL (count_toasts (f) == 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Second & <b>co</b>")), "credential.select", NULL));
  TEST_WAIT_UNTIL ((close = find_toast_close_button (f)) != NULL);
  test_wait_run_for (100);
  g_signal_emit_by_name (close, "clicked");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (second));
}

/* The keyboard focus is on @tile (or on the grid's cell holding it). */
static gboolean
focus_on_tile (Fixture               *f,
               TesseraCredentialTile *tile)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  return tile != NULL && focus != NULL &&
         (focus == GTK_WIDGET (tile) || gtk_widget_is_ancestor (focus, GTK_WIDGET (tile)) ||
          focus == gtk_widget_get_parent (GTK_WIDGET (tile)));
}

/* Choosing a credential that cannot work asks first (AdwAlertDialog);
 * its tile offers the fix, "Replace Key…", without a menu. */
static void
test_select_broken (Fixture       *f,
                    gconstpointer  data)
{
  TesseraCredential *first, *broken;
  TesseraCredentialTile *tile;
  GtkWidget *replace, *use_anyway;
  AdwDialog *dialog;

  first = add_credential (f, "First", NULL, ACCOUNT_A, "alice", NULL);
  /* Unknown to the fake Harness: its check says rejected. */
  broken = add_credential (f, "Broken", NULL, ACCOUNT_A, NULL, NULL);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);
  tile = find_tile (f, "Broken");

  /* Not verified yet: nothing to fix. */
  g_assert_null (find_widget (GTK_WIDGET (tile), GTK_TYPE_BUTTON, button_has_label, "Replace Key…"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.verify", NULL));
  TEST_WAIT_UNTIL (tessera_credential_get_status (broken) == TESSERA_CREDENTIAL_STATUS_REJECTED);
  /* The failure's toast names the credential it is about. */
  TEST_WAIT_UNTIL (find_toast_title_prefix (f, "“Broken”: ") != NULL);
  TEST_WAIT_UNTIL ((replace = find_widget (GTK_WIDGET (tile), GTK_TYPE_BUTTON, button_has_label, "Replace Key…")) != NULL);
  g_assert_null (find_widget (GTK_WIDGET (find_tile (f, "First")), GTK_TYPE_BUTTON, button_has_label, "Replace Key…"));

  /* A click asks first; Cancel (or Escape) keeps what scripts use. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.select", NULL));
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  g_assert_true (ADW_IS_ALERT_DIALOG (dialog));
  g_assert_cmpstr (adw_alert_dialog_get_heading (ADW_ALERT_DIALOG (dialog)), ==, "Use “Broken” for Scripts?");
  g_assert_cmpstr (adw_alert_dialog_get_body (ADW_ALERT_DIALOG (dialog)), ==,
                   "Harness rejected its key when it was last checked: scripts that use it will fail.");
  g_assert_cmpstr (adw_alert_dialog_get_default_response (ADW_ALERT_DIALOG (dialog)), ==, "cancel");
  g_assert_true (adw_dialog_close (dialog));
  TEST_WAIT_UNTIL (adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window)) == NULL);
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (first));
  test_wait_run_for (100);
  g_assert_null (find_toast_title (f, "Scripts now use “Broken”"));

  /* "Use Anyway" does it, with the usual toast. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.select", NULL));
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  g_assert_true (ADW_IS_ALERT_DIALOG (dialog));
  TEST_WAIT_UNTIL ((use_anyway = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, button_has_label, "_Use Anyway")) != NULL);
  g_signal_emit_by_name (use_anyway, "clicked");
  TEST_WAIT_UNTIL (g_strcmp0 (tessera_store_get_selected_id (f->store), tessera_credential_get_id (broken)) == 0);
  TEST_WAIT_UNTIL (find_toast_title (f, "Scripts now use “Broken”") != NULL);
  TEST_WAIT_UNTIL (adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window)) == NULL);

  /* Going back to a working one does not ask. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "First")), "credential.select", NULL));
  g_assert_cmpstr (tessera_store_get_selected_id (f->store), ==, tessera_credential_get_id (first));
  g_assert_null (adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window)));

  /* "Replace Key…" opens the editor of that credential in the key row. */
  g_signal_emit_by_name (replace, "clicked");
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  g_assert_true (TESSERA_IS_CREDENTIAL_DIALOG (dialog));
  g_assert_true (tessera_credential_dialog_get_credential (TESSERA_CREDENTIAL_DIALOG (dialog)) == broken);
  TEST_WAIT_UNTIL (gtk_root_get_focus (GTK_ROOT (f->window)) != NULL &&
              gtk_widget_get_ancestor (gtk_root_get_focus (GTK_ROOT (f->window)), ADW_TYPE_PASSWORD_ENTRY_ROW) != NULL);
  adw_dialog_force_close (dialog);
}

static void
test_delete_undo (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *token = NULL;
  g_autofree char *found = NULL;
  g_autoptr(GError) error = NULL;
  TesseraCredential *credential;
  g_autofree char *id = NULL;
  GtkWidget *undo;

  credential = add_credential (f, "Doomed", NULL, ACCOUNT_A, NULL, &token);
  add_credential (f, "Kept", NULL, ACCOUNT_A, NULL, NULL);
  id = g_strdup (tessera_credential_get_id (credential));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);

  /* Delete leaves at once, with a toast to undo it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Doomed")), "credential.delete", NULL));
  g_assert_null (tessera_store_lookup (f->store, id));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, 1);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  TEST_WAIT_UNTIL (find_toast_title (f, "Deleted “Doomed”") != NULL);

  undo = find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label, "_Undo");
  g_assert_nonnull (undo);
  gtk_widget_activate (undo);

  TEST_WAIT_UNTIL (tessera_store_lookup (f->store, id) != NULL);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);
  /* The focus is on the tile that came back. */
  TEST_WAIT_UNTIL (focus_on_tile (f, find_tile (f, "Doomed")));
  TEST_WAIT_UNTIL (find_toast_title (f, "Deleted “Doomed”") == NULL);
  test_wait_run_for (200);

  /* Nothing was deleted from the keyring. */
  found = store_sync_lookup_token (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, token);

  /* Ctrl+Z undoes a delete too, and the undone removal is not committed
   * when its toast goes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Doomed")), "credential.delete", NULL));
  g_assert_null (tessera_store_lookup (f->store, id));
  TEST_WAIT_UNTIL (find_toast_title (f, "Deleted “Doomed”") != NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  TEST_WAIT_UNTIL (tessera_store_lookup (f->store, id) != NULL);
  TEST_WAIT_UNTIL (find_toast_title (f, "Deleted “Doomed”") == NULL);
  test_wait_run_for (200);
  g_clear_pointer (&found, g_free);
  found = store_sync_lookup_token (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, token);
}

/* The delete toast, with other toasts showing and queued, must appear at
 * once and survive a quick Undo. libadwaita 1.2.2 aborted
 * (adw-toast-overlay.c:244, !info->widget) when a high-priority toast was
 * dismissed while the toast it pushed aside still faded out, and wrote to
 * freed memory when a toast that replaced a fading one was dismissed within
 * 200 ms, so the window had a queue of its own. The floor's overlay queue
 * is used directly now: this runs those races against it (under ASan in
 * the sanitizer build). */
static void
test_delete_undo_among_toasts (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *token = NULL;
  g_autofree char *found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  TesseraCredential *failing;
  TesseraCredential *doomed;
  GtkWidget *undo;
  gint64 start;

  add_credential (f, "Copied", NULL, ACCOUNT_A, NULL, NULL);
  /* Unknown to the fake Harness: verifying it fails with a toast. */
  failing = add_credential (f, "Failing", NULL, ACCOUNT_A, NULL, NULL);
  doomed = add_credential (f, "Doomed", NULL, ACCOUNT_A, NULL, &token);
  id = g_strdup (tessera_credential_get_id (doomed));
  open_window (f, FALSE);
  tessera_window_set_clipboard_timeout (f->window, 60 * 1000);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 3);

  /* One toast showing… */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Copied")), "credential.copy-token", NULL));
  TEST_WAIT_UNTIL (find_toast_title (f, "Token copied — clears in 60 s") != NULL);
  test_wait_run_for (400);

  /* …and one queued behind it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Failing")), "credential.verify", NULL));
  TEST_WAIT_UNTIL (tessera_credential_get_status (failing) == TESSERA_CREDENTIAL_STATUS_REJECTED);
  test_wait_run_for (100);

  /* The delete toast shows at once (as soon as the others have faded
   * out), not after they time out. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Doomed")), "credential.delete", NULL));
  start = g_get_monotonic_time ();
  TEST_WAIT_UNTIL ((undo = find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label, "_Undo")) != NULL);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC / 2);
  g_assert_nonnull (find_toast_title (f, "Deleted “Doomed”"));

  /* A quick click, while the toasts before may still be fading out or the
   * delete toast sliding in (gtk_widget_activate() would wait 250 ms). A
   * person sees it a frame or two before clicking. */
  test_wait_run_for (50);
  g_signal_emit_by_name (undo, "clicked");
  TEST_WAIT_UNTIL (tessera_store_lookup (f->store, id) != NULL);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 3);
  /* Whatever comes back afterwards, nothing aborts. */
  TEST_WAIT_UNTIL (count_toasts (f) == 0 || find_toast_title (f, "Deleted “Doomed”") == NULL);
  test_wait_run_for (800);

  found = store_sync_lookup_token (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, token);
}

static gboolean
saved_in_settings (Fixture    *f,
                   const char *id)
{
  g_autoptr(TesseraStore) reopened = open_store (f);

  return tessera_store_lookup (reopened, id) != NULL;
}

/* A second delete replaces the first one's toast: the first removal is
 * then final, the second can still be undone. */
static void
test_delete_twice (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  GtkWidget *undo;

  first_id = g_strdup (tessera_credential_get_id (add_credential (f, "First", NULL, ACCOUNT_A, NULL, NULL)));
  second_id = g_strdup (tessera_credential_get_id (add_credential (f, "Second", NULL, ACCOUNT_A, NULL, NULL)));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "First")), "credential.delete", NULL));
  TEST_WAIT_UNTIL (find_toast_title (f, "Deleted “First”") != NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Second")), "credential.delete", NULL));
  TEST_WAIT_UNTIL ((undo = find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label, "_Undo")) != NULL &&
              find_toast_title (f, "Deleted “Second”") != NULL);

  test_wait_run_for (50);
  g_signal_emit_by_name (undo, "clicked");
  TEST_WAIT_UNTIL (tessera_store_lookup (f->store, second_id) != NULL);
  TEST_WAIT_UNTIL (count_toasts (f) == 0);
  g_assert_null (tessera_store_lookup (f->store, first_id));

  /* The first removal was committed: a store opened afresh lacks it. */
  TEST_WAIT_UNTIL (!saved_in_settings (f, first_id));
  g_assert_true (saved_in_settings (f, second_id));
}

static void
test_delete_commit (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TesseraStore) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *id = NULL;
  TesseraCredential *credential;
  GtkWidget *close;

  credential = add_credential (f, "Doomed", NULL, ACCOUNT_A, NULL, NULL);
  id = g_strdup (tessera_credential_get_id (credential));
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Doomed")), "credential.delete", NULL));
  TEST_WAIT_UNTIL ((close = find_toast_close_button (f)) != NULL);

  /* The toast goes away without Undo: the token is deleted. */
  gtk_widget_activate (close);
  TEST_WAIT_UNTIL (find_toast_title (f, "Deleted “Doomed”") == NULL);

  /* The credential id is its token's keyring id until the token is replaced. */
  do
    {
      g_clear_object (&result);
      g_clear_pointer (&secret, g_free);
      test_wait_run_for (20);
      tessera_secret_backend_lookup_async (tessera_store_get_secret_backend (f->store), id,
                                           NULL, test_wait_on_ready, &result);
      TEST_WAIT_UNTIL (result != NULL);
      secret = tessera_secret_backend_lookup_finish (tessera_store_get_secret_backend (f->store),
                                                     result, &error);
      g_assert_no_error (error);
    }
  while (secret != NULL);

  reopened = open_store (f);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reopened)), ==, 0);
}

static void
test_copy_token (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *token = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *after = NULL;
  GdkClipboard *clipboard;
  GdkContentFormats *formats;
  TesseraCredentialTile *tile;

  add_credential (f, "Copied", NULL, ACCOUNT_A, NULL, &token);
  open_window (f, FALSE);
  tessera_window_set_clipboard_timeout (f->window, 500);
  TEST_WAIT_UNTIL ((tile = find_tile (f, "Copied")) != NULL);
  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->window));
  gdk_clipboard_set_text (clipboard, "before");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.copy-token", NULL));
  TEST_WAIT_UNTIL (find_toast_title (f, "Token copied — clears in 1 s") != NULL);

  /* Offered as text, and marked as a secret for clipboard managers. */
  formats = gdk_clipboard_get_formats (clipboard);
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "text/plain;charset=utf-8"));
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "x-kde-passwordManagerHint"));
  copied = test_read_clipboard (clipboard);
  g_assert_cmpstr (copied, ==, token);

  /* The timer clears it. */
  TEST_WAIT_UNTIL (gdk_clipboard_get_content (clipboard) == NULL);
  after = test_read_clipboard (clipboard);
  g_assert_cmpstr (after, ==, "");

  /* Something copied since is left alone. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.copy-token", NULL));
  TEST_WAIT_UNTIL (gdk_clipboard_get_content (clipboard) != NULL);
  gdk_clipboard_set_text (clipboard, "mine");
  test_wait_run_for (800);
  g_clear_pointer (&after, g_free);
  after = test_read_clipboard (clipboard);
  g_assert_cmpstr (after, ==, "mine");

  /* Closing the window clears a token still there. */
  tessera_window_set_clipboard_timeout (f->window, 60 * 1000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.copy-token", NULL));
  TEST_WAIT_UNTIL (gdk_content_formats_contain_mime_type (gdk_clipboard_get_formats (clipboard),
                                                     "x-kde-passwordManagerHint"));
  gtk_window_close (GTK_WINDOW (f->window));
  g_assert_null (gdk_clipboard_get_content (clipboard));
}

static void
test_copy_account_id (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *copied = NULL;
  TesseraCredentialTile *tile;
  GdkClipboard *clipboard;

  add_credential (f, "Account", NULL, ACCOUNT_B, NULL, NULL);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL ((tile = find_tile (f, "Account")) != NULL);
  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (f->window));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.copy-account-id", NULL));
  copied = test_read_clipboard (clipboard);
  g_assert_cmpstr (copied, ==, ACCOUNT_B);
  TEST_WAIT_UNTIL (find_toast_title (f, "Account ID copied") != NULL);
}

static void
test_verify_on_open (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *token = NULL;
  TesseraCredential *credential;
  TesseraCredentialTile *tile;
  GtkWidget *spinner;

  credential = add_credential (f, "Stale", NULL, ACCOUNT_A, NULL, &token);
  fake_harness_add_token (f->harness, token, TESSERA_CREDENTIAL_KIND_UNKNOWN, 0, 0, "Ada Lovelace", NULL);
  g_assert_cmpint (tessera_credential_get_status (credential), ==, TESSERA_CREDENTIAL_STATUS_UNVERIFIED);

  open_window (f, TRUE);
  TEST_WAIT_UNTIL ((tile = find_tile (f, "Stale")) != NULL);
  TEST_WAIT_UNTIL (tessera_credential_get_status (credential) == TESSERA_CREDENTIAL_STATUS_VERIFIED);
  TEST_WAIT_UNTIL (!tessera_store_get_verifying (f->store));
  g_assert_cmpstr (tessera_credential_tile_get_state_text (tile), ==, "Verified · just now");
  g_assert_cmpstr (tessera_credential_get_owner_name (credential), ==, "Ada Lovelace");
  /* The check of stale ones on opening was not asked for: no summary. */
  test_wait_run_for (100);
  g_assert_cmpuint (count_toasts (f), ==, 0);

  /* While a check runs the tile says so, with a spinner. */
  fake_harness_queue_reply_full (f->harness, &(FakeHarnessReply) {
      .path = "/ng/api/token/validate", .delay_ms = 400 });
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.verify", NULL));
  TEST_WAIT_UNTIL (g_strcmp0 (tessera_credential_tile_get_state_text (tile), "Checking…") == 0);
  spinner = find_widget (GTK_WIDGET (tile), ADW_TYPE_SPINNER, NULL, NULL);
  g_assert_nonnull (spinner);
  g_assert_true (gtk_widget_get_visible (spinner));
  /* An AdwSpinner turns while it is on screen. */
  TEST_WAIT_UNTIL (gtk_widget_get_mapped (spinner));
  TEST_WAIT_UNTIL (g_strcmp0 (tessera_credential_tile_get_state_text (tile), "Verified · just now") == 0);
  g_assert_false (gtk_widget_get_visible (spinner));
  g_assert_false (gtk_widget_get_mapped (spinner));

  /* Rejected once Harness forgets the token, on "Verify all". */
  fake_harness_remove_token (f->harness, token);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.verify-all", NULL));
  TEST_WAIT_UNTIL (g_strcmp0 (tessera_credential_tile_get_state_text (tile), "Rejected") == 0);
  /* Verify All ends with a summary. */
  TEST_WAIT_UNTIL (find_toast_title (f, "1 rejected") != NULL);
}

static void
test_keyring_unavailable (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(TestSecretBackend) secrets = test_secret_backend_new (NULL);
  g_autoptr(GError) gone = g_error_new (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_NO_SECRET_SERVICE,
                                        "The keyring is not running");
  g_autoptr(GError) locked = g_error_new (TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_KEYRING_LOCKED,
                                          "The keyring is locked");
  GtkWidget *banner;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = make_token (f, ACCOUNT_A);
  g_autoptr(TesseraCredential) credential = NULL;

  g_clear_object (&f->store);
  f->store = tessera_store_new_full (TESSERA_SECRET_BACKEND (secrets), NULL, f->backend);
  token = tessera_token_parse (value, NULL);
  tessera_store_add_async (f->store, "Locked away", NULL, "", fake_harness_get_base_url (f->harness),
                           token, NULL, NULL, test_wait_on_ready, &result);
  TEST_WAIT_UNTIL (result != NULL);
  credential = tessera_store_add_finish (f->store, result, &error);
  g_assert_no_error (error);

  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  g_assert_false (tessera_window_get_keyring_problem (f->window));

  /* The keyring goes away: the window says so; the tile stays. */
  test_secret_backend_fail_all (secrets, gone);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (find_tile (f, "Locked away")),
                                             "credential.copy-token", NULL));
  TEST_WAIT_UNTIL (tessera_window_get_keyring_problem (f->window));
  g_assert_cmpuint (count_bound_tiles (f), ==, 1);
  /* An AdwBanner, whose button has a mnemonic (Alt+R). */
  banner = find_widget (GTK_WIDGET (f->window), ADW_TYPE_BANNER, NULL, NULL);
  g_assert_nonnull (banner);
  g_assert_nonnull (find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label, "_Retry"));
  /* It says what the core says, whichever keyring problem it is. */
  g_assert_cmpstr (adw_banner_get_title (ADW_BANNER (banner)), ==, "The keyring is not running");
  test_secret_backend_fail_all (secrets, locked);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.retry-keyring", NULL));
  TEST_WAIT_UNTIL (g_strcmp0 (adw_banner_get_title (ADW_BANNER (banner)), "The keyring is locked") == 0);
  test_secret_backend_fail_all (secrets, gone);

  /* Retry while it is still gone keeps the message… */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.retry-keyring", NULL));
  test_wait_run_for (200);
  g_assert_true (tessera_window_get_keyring_problem (f->window));

  /* …and once it is back, hides it. */
  test_secret_backend_fail_all (secrets, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.retry-keyring", NULL));
  TEST_WAIT_UNTIL (!tessera_window_get_keyring_problem (f->window));
  g_assert_cmpuint (count_bound_tiles (f), ==, 1);
}



/* "Rotate Key…" and "Renew…" in the tile menu: each asks, then changes
 * the token on Harness, and the credential has the new key. */
static void
test_rotate_and_renew (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *old_key = NULL;
  g_autofree char *rotated_key = NULL;
  TesseraCredential *credential;
  TesseraCredentialTile *tile;
  GtkWidget *button;
  AdwDialog *dialog;
  char *stored;

  credential = add_credential (f, "Laptop", NULL, ACCOUNT_A, "alice", &old_key);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);
  tile = find_tile (f, "Laptop");

  /* Rotate: it asks, and says that the expiry stays. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.rotate", NULL));
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  g_assert_true (ADW_IS_ALERT_DIALOG (dialog));
  g_assert_cmpstr (adw_alert_dialog_get_heading (ADW_ALERT_DIALOG (dialog)), ==, "Rotate Key?");
  g_assert_nonnull (strstr (adw_alert_dialog_get_body (ADW_ALERT_DIALOG (dialog)), "“Laptop”"));
  g_assert_nonnull (strstr (adw_alert_dialog_get_body (ADW_ALERT_DIALOG (dialog)), "Rotation keeps the expiry"));
  TEST_WAIT_UNTIL ((button = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, button_has_label, "_Rotate Key")) != NULL);
  g_signal_emit_by_name (button, "clicked");
  TEST_WAIT_UNTIL (find_toast_title_prefix (f, "Rotated the key of “Laptop”") != NULL);

  stored = store_sync_lookup_token (f->store, tessera_credential_get_id (credential), NULL);
  g_assert_nonnull (stored);
  g_assert_cmpstr (stored, !=, old_key);
  rotated_key = g_strdup (stored);
  tessera_secure_free (stored);
  g_assert_true (fake_harness_key_is_valid (f->harness, rotated_key));
  g_assert_true (fake_harness_key_is_valid (f->harness, old_key));

  /* Renew: a new token that expires in the days chosen, and the old token
   * is deleted. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tile), "credential.renew", NULL));
  TEST_WAIT_UNTIL ((dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window))) != NULL &&
                   ADW_IS_ALERT_DIALOG (dialog) &&
                   g_strcmp0 (adw_alert_dialog_get_heading (ADW_ALERT_DIALOG (dialog)), "Renew Token?") == 0);
  adw_spin_row_set_value (ADW_SPIN_ROW (find_widget (GTK_WIDGET (dialog), ADW_TYPE_SPIN_ROW, NULL, NULL)), 30);
  TEST_WAIT_UNTIL ((button = find_widget (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, button_has_label, "_Renew")) != NULL);
  g_signal_emit_by_name (button, "clicked");
  TEST_WAIT_UNTIL (find_toast_title_prefix (f, "Renewed “Laptop” until ") != NULL);

  g_assert_false (fake_harness_key_is_valid (f->harness, rotated_key));
  stored = store_sync_lookup_token (f->store, tessera_credential_get_id (credential), NULL);
  g_assert_true (fake_harness_key_is_valid (f->harness, stored));
  tessera_secure_free (stored);
  credential = tessera_store_lookup (f->store, tessera_credential_get_id (credential));
  g_assert_cmpint (tessera_credential_get_days_to_expiry (credential), ==, 30);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!window_fixture_init (&argc, &argv))
    return 0;

#define ADD(path, func) \
  g_test_add ("/window/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/window/create-destroy/tile", test_tile_create_destroy);
  g_test_add_func ("/window/create-destroy/window", test_window_create_destroy);
  g_test_add_func ("/window/create-destroy/application", test_application_create_destroy);
  g_test_add_func ("/window/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/window/application-toplevels", test_application_toplevels);
  ADD ("rotate-and-renew", test_rotate_and_renew);
  ADD ("empty", test_empty);
  ADD ("empty-actions", test_empty_actions);
  ADD ("tiles", test_tiles);
  ADD ("tile-states", test_tile_states);
  ADD ("select", test_select);
  ADD ("select-undo", test_select_undo);
  ADD ("select-broken", test_select_broken);
  ADD ("delete-undo", test_delete_undo);
  ADD ("delete-undo-among-toasts", test_delete_undo_among_toasts);
  ADD ("delete-twice", test_delete_twice);
  ADD ("delete-commit", test_delete_commit);
  ADD ("copy-token", test_copy_token);
  ADD ("copy-account-id", test_copy_account_id);
  ADD ("verify-on-open", test_verify_on_open);
  ADD ("keyring-unavailable", test_keyring_unavailable);

#undef ADD

  ret = g_test_run ();
  window_fixture_done ();

  return ret;
}
