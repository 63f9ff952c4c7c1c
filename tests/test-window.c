/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window.c: the main window and its tiles, driven through their actions
 *
 * Runs under Xvfb (build-aux/session) with the real store: a keyfile
 * GSettings backend per test, libsecret's file backend for tokens, and the
 * fake Harness on 127.0.0.1.
 */
#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <adwaita.h>

#include "fake-harness.h"
#include "store-sync.h"
#include "tessera-application.h"
#include "tessera-credential-dialog.h"
#include "tessera-preferences-dialog.h"
#include "tessera-credential-tile.h"
#include "tessera-store.h"
#include "tessera-window.h"
#include "test-secret-backend.h"
#include "test-wait.h"
#include "test-widgets.h"

#define ACCOUNT_A "TesseraTestAcct0000001"
#define ACCOUNT_B "TesseraTestAcct0000002"
#define CREDENTIAL_SCHEMA "io.github.tessera.Tessera.Credential"
#define CREDENTIALS_PATH "/io/github/tessera/Tessera/credentials/"

typedef struct
{
  char             *keyfile;
  GSettingsBackend *backend;
  FakeHarness      *harness;
  TesseraStore     *store;
  TesseraWindow    *window;
  guint             n_tokens;
} Fixture;

/* ------------------------------------------------------------------ */
/* Widgets */

static void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, found);
}

static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             gboolean  (*match) (GtkWidget *widget, gconstpointer data),
             gconstpointer data)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect_widgets (root, type, found);
  for (guint i = 0; i < found->len; i++)
    if (match == NULL || match (g_ptr_array_index (found, i), data))
      return g_ptr_array_index (found, i);

  return NULL;
}

static gboolean
tile_shows_name (GtkWidget     *widget,
                 gconstpointer  name)
{
  TesseraCredential *credential = tessera_credential_tile_get_credential (TESSERA_CREDENTIAL_TILE (widget));

  return credential != NULL && g_str_equal (tessera_credential_get_name (credential), name);
}

static TesseraCredentialTile *
find_tile (Fixture    *f,
           const char *name)
{
  return (TesseraCredentialTile *) find_widget (GTK_WIDGET (f->window), TESSERA_TYPE_CREDENTIAL_TILE,
                                                tile_shows_name, name);
}

static guint
count_bound_tiles (Fixture *f)
{
  g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
  guint n = 0;

  collect_widgets (GTK_WIDGET (f->window), TESSERA_TYPE_CREDENTIAL_TILE, tiles);
  for (guint i = 0; i < tiles->len; i++)
    if (tessera_credential_tile_get_credential (g_ptr_array_index (tiles, i)) != NULL)
      n++;

  return n;
}

static gboolean
button_has_label (GtkWidget     *widget,
                  gconstpointer  label)
{
  return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0 &&
         gtk_widget_get_visible (widget);
}

static gboolean
button_has_icon (GtkWidget     *widget,
                 gconstpointer  icon_name)
{
  return g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon_name) == 0;
}

static gboolean
widget_has_css_class (GtkWidget     *widget,
                      gconstpointer  css_class)
{
  return gtk_widget_has_css_class (widget, css_class);
}

static GtkWidget *
find_toast_close_button (Fixture *f)
{
  GType toast_widget_type = g_type_from_name ("AdwToastWidget");
  GtkWidget *toast;

  g_assert_true (toast_widget_type != G_TYPE_INVALID);
  toast = find_widget (GTK_WIDGET (f->window), toast_widget_type, NULL, NULL);
  if (toast == NULL)
    return NULL;

  return find_widget (toast, GTK_TYPE_BUTTON, button_has_icon, "window-close-symbolic");
}

/* Any toast on screen, the one showing or one still fading out. */
static GtkWidget *
find_toast_title (Fixture    *f,
                  const char *title)
{
  GType toast_widget_type = g_type_from_name ("AdwToastWidget");
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  g_assert_true (toast_widget_type != G_TYPE_INVALID);
  collect_widgets (GTK_WIDGET (f->window), GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_label (g_ptr_array_index (labels, i)), title) == 0 &&
        gtk_widget_get_ancestor (g_ptr_array_index (labels, i), toast_widget_type) != NULL)
      return g_ptr_array_index (labels, i);

  return NULL;
}

/* A toast whose title starts with @prefix */
static GtkWidget *
find_toast_title_prefix (Fixture    *f,
                         const char *prefix)
{
  GType toast_widget_type = g_type_from_name ("AdwToastWidget");
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (f->window), GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_str_has_prefix (gtk_label_get_label (g_ptr_array_index (labels, i)), prefix) &&
        gtk_widget_get_ancestor (g_ptr_array_index (labels, i), toast_widget_type) != NULL)
      return g_ptr_array_index (labels, i);

  return NULL;
}

static guint
count_toasts (Fixture *f)
{
  g_autoptr(GPtrArray) toasts = g_ptr_array_new ();

  collect_widgets (GTK_WIDGET (f->window), g_type_from_name ("AdwToastWidget"), toasts);
  return toasts->len;
}

/* ------------------------------------------------------------------ */
/* Fixture */

static TesseraStore *
open_store (Fixture *f)
{
  g_autoptr(GSettingsBackend) backend = NULL;

  /* A fresh backend reads the keyfile from disk, like a restart. */
  backend = g_keyfile_settings_backend_new (f->keyfile, "/", NULL);
  return tessera_store_new_full (NULL, NULL, backend);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->keyfile = g_build_filename (g_get_user_config_dir (), "tessera-test.keyfile", NULL);
  f->backend = g_keyfile_settings_backend_new (f->keyfile, "/", NULL);
  f->harness = fake_harness_new ();
  f->store = tessera_store_new_full (NULL, NULL, f->backend);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    {
      TesseraWindow *window = f->window;

      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &f->window);
      gtk_window_destroy (GTK_WINDOW (window));
      g_object_unref (window);
      /* Callbacks of requests still running hold it a little longer. */
      TEST_WAIT_UNTIL (f->window == NULL);
    }

  g_assert_finalize_object (f->store);
  g_clear_object (&f->harness);
  g_clear_object (&f->backend);
  g_free (f->keyfile);
}

static TesseraWindow *
open_window (Fixture  *f,
             gboolean  verify_on_open)
{
  f->window = g_object_ref (g_object_new (TESSERA_TYPE_WINDOW,
                                          "store", f->store,
                                          "verify-on-open", verify_on_open,
                                          NULL));
  gtk_window_present (GTK_WINDOW (f->window));
  TEST_WAIT_UNTIL (gtk_widget_get_mapped (GTK_WIDGET (f->window)));

  return f->window;
}

static char *
make_token (Fixture    *f,
            const char *account)
{
  f->n_tokens++;
  return g_strdup_printf ("pat.%s.%024x.TestSecret%08u", account, f->n_tokens, f->n_tokens);
}

/* Adds a credential the way the dialog does; @owner non-NULL registers the
 * token with the fake Harness and saves it verified. */
static TesseraCredential *
add_credential (Fixture     *f,
                const char  *name,
                const char  *description,
                const char  *account,
                const char  *owner,
                char       **out_token)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = make_token (f, account);
  TesseraCredential *credential;

  token = tessera_token_parse (value, &error);
  g_assert_no_error (error);

  if (owner != NULL)
    {
      fake_harness_add_token (f->harness, value, TESSERA_CREDENTIAL_KIND_UNKNOWN, 0, 0, owner, NULL);
      tessera_harness_client_verify_async (tessera_store_get_client (f->store),
                                           fake_harness_get_base_url (f->harness),
                                           NULL, token, NULL, test_wait_on_ready, &result);
      TEST_WAIT_UNTIL (result != NULL);
      verification = tessera_harness_client_verify_finish (tessera_store_get_client (f->store),
                                                           result, &error);
      g_assert_no_error (error);
      g_clear_object (&result);
    }

  credential = store_sync_add (f->store, name, description, "", fake_harness_get_base_url (f->harness),
                               value, verification, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credential);

  if (out_token != NULL)
    *out_token = g_steal_pointer (&value);

  /* The store keeps it; the model is what the window shows. */
  g_object_unref (credential);
  return credential;
}

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

/* "title=icon" for each status page of the window, "-" for no icon. */
static char *
status_page_icons (Fixture *f)
{
  g_autoptr(GPtrArray) pages = g_ptr_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);

  collect_widgets (GTK_WIDGET (f->window), ADW_TYPE_STATUS_PAGE, pages);
  for (guint i = 0; i < pages->len; i++)
    {
      AdwStatusPage *page = g_ptr_array_index (pages, i);
      const char *icon = adw_status_page_get_icon_name (page);

      g_string_append_printf (text, "%s%s=%s", i > 0 ? "; " : "",
                              adw_status_page_get_title (page), icon != NULL ? icon : "-");
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
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

/* Writes a credential's metadata the way another process would: the tile
 * follows through the credential's notifications. */
static void
set_credential_keys (Fixture           *f,
                     TesseraCredential *credential,
                     const char        *status,
                     gint64             last_verified,
                     gint64             expires)
{
  g_autofree char *path = g_strdup_printf (CREDENTIALS_PATH "%s/", tessera_credential_get_id (credential));
  g_autoptr(GSettings) settings = g_settings_new_with_backend_and_path (CREDENTIAL_SCHEMA, f->backend, path);

  g_settings_delay (settings);
  g_assert_true (g_settings_set_string (settings, "status", status));
  g_settings_set_int64 (settings, "last-verified", last_verified);
  g_settings_set_int64 (settings, "expires", expires);
  g_settings_apply (settings);
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

/* Escape in the search entry leaves the search: every tile is back and
 * the focus is on the tiles, not on a hidden entry. */
static void
test_search_escape (Fixture       *f,
                    gconstpointer  data)
{
  GtkWidget *entry, *focus;

  add_credential (f, "Alpha", NULL, ACCOUNT_A, NULL, NULL);
  add_credential (f, "Beta", NULL, ACCOUNT_A, NULL, NULL);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  entry = find_widget (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY, NULL, NULL);
  gtk_editable_set_text (GTK_EDITABLE (entry), "alp");
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 1);

  /* What GtkSearchEntry's Escape binding emits */
  g_signal_emit_by_name (entry, "stop-search");
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (find_widget (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_BAR, NULL, NULL))));
  focus = gtk_root_get_focus (GTK_ROOT (f->window));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_get_ancestor (focus, GTK_TYPE_GRID_VIEW) != NULL);
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
most_items_cb (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               guint      *most)
{
  *most = MAX (*most, g_list_model_get_n_items (model));
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  GListModel *filtered;
  GListModel *grid_model;
  guint most = 0;
  static const struct {
    const char *text;
    guint       n_items;
  } searches[] = {
    { "prod", 1 },           /* name */
    { "PRODUCTION", 1 },     /* any case */
    { "pipeline", 1 },       /* description */
    { "grace", 1 },          /* owner */
    { ACCOUNT_B, 1 },        /* account id */
    { "TesseraTestAcct", 3 },
    { "  sandbox ", 1 },
    { "nothing like it", 0 },
    { "", 3 },
  };

  add_credential (f, "Production", "Deploys from the release pipeline", ACCOUNT_A, "Ada Lovelace", NULL);
  add_credential (f, "Sandbox", NULL, ACCOUNT_A, NULL, NULL);
  add_credential (f, "Staging", NULL, ACCOUNT_B, "Grace Hopper", NULL);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 3);

  filtered = tessera_window_get_filter_model (f->window);
  grid_model = G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (find_widget (GTK_WIDGET (f->window),
                                                                                 GTK_TYPE_GRID_VIEW,
                                                                                 NULL, NULL))));

  for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (searches[i].text));
      gboolean searching = stripped[0] != '\0';

      tessera_window_set_search_text (f->window, searches[i].text);
      g_assert_cmpuint (g_list_model_get_n_items (filtered), ==, searches[i].n_items);
      /* The "Add credential" tile shows only when not searching. */
      g_assert_cmpuint (g_list_model_get_n_items (grid_model), ==, searches[i].n_items + (searching ? 0 : 1));
      TEST_WAIT_UNTIL (count_bound_tiles (f) == searches[i].n_items);
      g_assert_cmpstr (tessera_window_get_visible_page (f->window), ==,
                       searches[i].n_items > 0 ? "grid" : "no-results");
    }

  /* A narrower search only takes tiles away: replacing the entry's text
   * does not show the whole list (and the Add tile) in between. */
  tessera_window_set_search_text (f->window, "d");
  g_assert_cmpuint (g_list_model_get_n_items (grid_model), ==, 2);
  g_signal_connect (grid_model, "items-changed", G_CALLBACK (most_items_cb), &most);
  tessera_window_set_search_text (f->window, "de");
  g_signal_handlers_disconnect_by_func (grid_model, most_items_cb, &most);
  g_assert_cmpuint (g_list_model_get_n_items (grid_model), ==, 1);
  g_assert_cmpuint (most, ==, 1);
}

static void
count_cb (gpointer  object,
          guint    *count)
{
  (*count)++;
}

static void
set_credential_string (Fixture           *f,
                       TesseraCredential *credential,
                       const char        *key,
                       const char        *value)
{
  g_autofree char *path = g_strdup_printf (CREDENTIALS_PATH "%s/", tessera_credential_get_id (credential));
  g_autoptr(GSettings) settings = g_settings_new_with_backend_and_path (CREDENTIAL_SCHEMA, f->backend, path);

  g_assert_true (g_settings_set_string (settings, key, value));
}

/* A credential renamed during a search (by the editor, or by another
 * process through the settings) is filtered again at once; other changes
 * leave the filter alone. */
static void
test_search_follows_changes (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(TesseraCredential) first = NULL;
  g_autofree char *icons = NULL;
  TesseraCredential *alpha, *beta;
  GListModel *filtered;
  GtkFilter *filter;
  guint filter_changes = 0;

  alpha = add_credential (f, "Alpha", NULL, ACCOUNT_A, NULL, NULL);
  beta = add_credential (f, "Beta", NULL, ACCOUNT_B, NULL, NULL);
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) == 2);
  /* The status pages behind the grid render no icon. */
  icons = status_page_icons (f);
  g_assert_cmpstr (icons, ==, "No Credentials=-; No Results Found=-");
  filtered = tessera_window_get_filter_model (f->window);
  filter = gtk_filter_list_model_get_filter (GTK_FILTER_LIST_MODEL (filtered));

  tessera_window_set_search_text (f->window, "alph");
  g_assert_cmpuint (g_list_model_get_n_items (filtered), ==, 1);

  /* Beta now matches… */
  set_credential_string (f, beta, "name", "Alphabet");
  TEST_WAIT_UNTIL (g_list_model_get_n_items (filtered) == 2);
  TEST_WAIT_UNTIL (find_tile (f, "Alphabet") != NULL);

  /* …Alpha no longer does… */
  set_credential_string (f, alpha, "name", "Gamma");
  TEST_WAIT_UNTIL (g_list_model_get_n_items (filtered) == 1);
  first = g_list_model_get_item (filtered, 0);
  g_assert_true (first == beta);

  /* …a description counts too, and with none left the page says so. */
  set_credential_string (f, beta, "name", "Delta");
  TEST_WAIT_UNTIL (g_list_model_get_n_items (filtered) == 0);
  g_assert_cmpstr (tessera_window_get_visible_page (f->window), ==, "no-results");
  g_free (icons);
  icons = status_page_icons (f);
  g_assert_cmpstr (icons, ==, "No Credentials=-; No Results Found=system-search-symbolic");
  set_credential_string (f, alpha, "description", "Alphanumeric keys");
  TEST_WAIT_UNTIL (g_list_model_get_n_items (filtered) == 1);
  g_assert_cmpstr (tessera_window_get_visible_page (f->window), ==, "grid");

  /* A new status is not a reason to filter again. */
  g_signal_connect (filter, "changed", G_CALLBACK (count_cb), &filter_changes);
  set_credential_keys (f, beta, "rejected", 0, 0);
  TEST_WAIT_UNTIL (tessera_credential_get_status (beta) == TESSERA_CREDENTIAL_STATUS_REJECTED);
  test_wait_run_for (50);
  g_assert_cmpuint (filter_changes, ==, 0);
  g_signal_handlers_disconnect_by_data (filter, &filter_changes);
}

/* How many columns the grid shows: the distinct left edges of its tiles. */
static guint
count_columns (Fixture   *f,
               GtkWidget *grid)
{
  g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
  g_autoptr(GHashTable) edges = g_hash_table_new (NULL, NULL);

  collect_widgets (GTK_WIDGET (f->window), TESSERA_TYPE_CREDENTIAL_TILE, tiles);
  for (guint i = 0; i < tiles->len; i++)
    {
      GtkWidget *tile = g_ptr_array_index (tiles, i);
      graphene_point_t at;

      /* Bound and laid out: the grid keeps a few tiles below the view
       * bound but not allocated. */
      if (tessera_credential_tile_get_credential (TESSERA_CREDENTIAL_TILE (tile)) == NULL ||
          !gtk_widget_get_mapped (tile) || gtk_widget_get_width (tile) == 0 ||
          !gtk_widget_compute_point (tile, grid, &GRAPHENE_POINT_INIT (0, 0), &at))
        continue;
      g_hash_table_add (edges, GINT_TO_POINTER ((int) at.x));
    }

  return g_hash_table_size (edges);
}

/* The grid shows as many columns as fit, whatever the window's width: one
 * more would not fit (GTK keeps fewer tiles alive when the grid asks for
 * no more columns than that, see test_many). */
static void
test_columns_follow_width (Fixture       *f,
                           gconstpointer  data)
{
  /* 818 and 1085: a cell narrower than 272 pixels fits one column more. */
  static const int widths[] = { 900, 1500, 600, 818, 1085, 1950 };

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *name = g_strdup_printf ("Credential %u", i);

      add_credential (f, name, NULL, ACCOUNT_A, NULL, NULL);
    }

  /* A window of each width, as the saved size opens it (without a window
   * manager, a shown window keeps its size). */
  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      TesseraWindow *window;
      GtkWidget *grid;
      guint columns;
      int cell_width;

      g_settings_set_int (tessera_store_get_settings (f->store), "window-width", widths[i]);
      open_window (f, FALSE);
      TEST_WAIT_UNTIL (count_bound_tiles (f) == 8);
      test_wait_run_for (200);
      grid = find_widget (GTK_WIDGET (f->window), GTK_TYPE_GRID_VIEW, NULL, NULL);

      /* A cell's least width: the tile's, with the cell's padding. */
      gtk_widget_measure (gtk_widget_get_parent (GTK_WIDGET (find_tile (f, "Credential 0"))),
                          GTK_ORIENTATION_HORIZONTAL, -1, &cell_width, NULL, NULL, NULL);
      g_assert_cmpint (cell_width, >, 0);

      columns = count_columns (f, grid);
      g_test_message ("window %d wide, grid %d: %u columns of at least %d (max-columns %u)",
                      widths[i], gtk_widget_get_width (grid), columns, cell_width,
                      gtk_grid_view_get_max_columns (GTK_GRID_VIEW (grid)));
      g_assert_cmpuint (columns, >=, 1);
      g_assert_cmpuint (columns, <=, 6);
      if (columns < 6)
        g_assert_cmpint ((int) (columns + 1) * cell_width, >, gtk_widget_get_width (grid));

      window = g_steal_pointer (&f->window);
      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
      gtk_window_destroy (GTK_WINDOW (window));
      g_object_unref (window);
      TEST_WAIT_UNTIL (window == NULL);
    }
}

static gboolean
widget_has_tooltip (GtkWidget     *widget,
                    gconstpointer  tooltip)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

/* Buttons with @tooltip on screen, and whether that one is in the
 * bottom bar. */
static guint
count_mapped_buttons (Fixture    *f,
                      const char *tooltip,
                      gboolean   *in_bottom_bar)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  guint n = 0;

  collect_widgets (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = g_ptr_array_index (buttons, i);

      if (widget_has_tooltip (button, tooltip) && gtk_widget_get_mapped (button) &&
          gtk_widget_get_child_visible (button))
        {
          n++;
          *in_bottom_bar = gtk_widget_get_ancestor (button, GTK_TYPE_ACTION_BAR) != NULL;
        }
    }

  return n;
}

/* The window's title label shows all of "Tessera", not "Tes…". */
static void
assert_title_whole (Fixture *f)
{
  GtkWidget *header = find_widget (GTK_WIDGET (f->window), ADW_TYPE_HEADER_BAR, NULL, NULL);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  gboolean found = FALSE;

  collect_widgets (header, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (labels, i);

      if (g_strcmp0 (gtk_label_get_text (GTK_LABEL (label)), "Tessera") != 0 || !gtk_widget_get_mapped (label))
        continue;
      found = TRUE;
      g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (label))));
    }
  g_assert_true (found);
}

static gboolean
add_tile_shown (Fixture *f)
{
  GtkWidget *tile = find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, widget_has_css_class, "add-tile");

  return tile != NULL && gtk_widget_get_mapped (tile);
}

/* Down to GNOME's smallest window (360 x 294): Verify All and Search move
 * to a bottom bar, the title keeps its room, the "Add credential" tile
 * gives way to the header's button and the tiles are one column of cards
 * as wide as the window. Wide again, all of it comes back. */
static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  GSettings *settings = tessera_store_get_settings (f->store);
  static const int widths[] = { 360, 1200, 600 };
  gboolean in_bottom_bar = FALSE;

  for (guint i = 0; i < 3; i++)
    add_credential (f, i == 0 ? "Alpha" : i == 1 ? "Beta" : "Gamma", NULL, ACCOUNT_A, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      TesseraWindow *window;
      gboolean narrow = widths[i] < 500;

      g_test_message ("window %d px wide", widths[i]);
      g_settings_set_int (settings, "window-width", widths[i]);
      g_settings_set_int (settings, "window-height", 294);
      open_window (f, FALSE);
      TEST_WAIT_UNTIL (count_bound_tiles (f) == 3);
      TEST_WAIT_UNTIL ((adw_application_window_get_current_breakpoint (ADW_APPLICATION_WINDOW (f->window)) != NULL) == narrow);
      test_wait_run_for (200);

      g_assert_cmpuint (count_mapped_buttons (f, "Verify All", &in_bottom_bar), ==, 1);
      g_assert_true (in_bottom_bar == narrow);
      g_assert_cmpuint (count_mapped_buttons (f, "Search", &in_bottom_bar), ==, 1);
      g_assert_true (in_bottom_bar == narrow);
      g_assert_cmpuint (count_mapped_buttons (f, "Add Credential", &in_bottom_bar), ==, 1);
      g_assert_false (in_bottom_bar);
      assert_title_whole (f);
      g_assert_true (add_tile_shown (f) == !narrow);

      if (narrow)
        {
          GtkWidget *grid = find_widget (GTK_WIDGET (f->window), GTK_TYPE_GRID_VIEW, NULL, NULL);
          int tile_width = gtk_widget_get_width (GTK_WIDGET (find_tile (f, "Alpha")));

          /* One column of cards as wide as the window, less the margins. */
          g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, 360);
          g_assert_cmpint (count_columns (f, grid), ==, 1);
          g_assert_cmpint (tile_width, >=, gtk_widget_get_width (grid) - 40);

          /* The bottom bar's Search opens the search. */
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
          TEST_WAIT_UNTIL (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (find_widget (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_BAR, NULL, NULL))));
        }

      window = g_steal_pointer (&f->window);
      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
      gtk_window_destroy (GTK_WINDOW (window));
      g_object_unref (window);
      TEST_WAIT_UNTIL (window == NULL);
    }
}

static gboolean
row_has_title (GtkWidget     *widget,
               gconstpointer  title)
{
  return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

/* Preferences (Ctrl+,): the default API base URL is kept only when it is
 * one Tessera would use; the re-check interval shows a value set outside
 * the dialog as it is, and a choice is written at once. */
static void
test_preferences (Fixture       *f,
                  gconstpointer  data)
{
  GSettings *settings = tessera_store_get_settings (f->store);
  AdwDialog *dialog;
  GtkWidget *base_url, *reverify, *message;
  GListModel *choices;
  g_autofree char *stored = NULL;
  guint hour = G_MAXUINT;

  g_settings_set_uint (settings, "reverify-after", 120);
  open_window (f, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.preferences", NULL));
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  g_assert_true (TESSERA_IS_PREFERENCES_DIALOG (dialog));

  base_url = find_widget (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW, row_has_title, "Default API base URL");
  g_assert_nonnull (base_url);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (base_url)), ==, "https://app.harness.io");

  /* Not a URL Tessera would send a key to: a sentence, nothing stored. */
  gtk_editable_set_text (GTK_EDITABLE (base_url), "ftp://harness.example.com");
  g_signal_emit_by_name (base_url, "apply");
  message = find_widget (GTK_WIDGET (dialog), GTK_TYPE_LABEL, widget_has_css_class, "error");
  g_assert_nonnull (message);
  g_assert_true (gtk_widget_get_visible (message));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (message)), !=, "");
  g_assert_true (gtk_widget_has_css_class (base_url, "error"));
  stored = g_settings_get_string (settings, "default-base-url");
  g_assert_cmpstr (stored, ==, "https://app.harness.io");

  /* Typing again clears the error; a good one is stored as the core
   * writes it. */
  gtk_editable_set_text (GTK_EDITABLE (base_url), " https://app3.harness.io/ ");
  g_assert_false (gtk_widget_get_visible (message));
  g_signal_emit_by_name (base_url, "apply");
  g_clear_pointer (&stored, g_free);
  stored = g_settings_get_string (settings, "default-base-url");
  g_assert_cmpstr (stored, ==, "https://app3.harness.io");
  g_assert_false (gtk_widget_has_css_class (base_url, "error"));

  /* 120 s, set outside the dialog, is shown and left alone. */
  reverify = find_widget (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW, row_has_title, "Check Again After");
  g_assert_nonnull (reverify);
  choices = adw_combo_row_get_model (ADW_COMBO_ROW (reverify));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (choices), adw_combo_row_get_selected (ADW_COMBO_ROW (reverify))),
                   ==, "2 minutes");
  g_assert_cmpuint (g_settings_get_uint (settings, "reverify-after"), ==, 120);

  for (guint i = 0; i < g_list_model_get_n_items (choices); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (choices), i), "1 hour") == 0)
      hour = i;
  g_assert_cmpuint (hour, !=, G_MAXUINT);
  adw_combo_row_set_selected (ADW_COMBO_ROW (reverify), hour);
  g_assert_cmpuint (g_settings_get_uint (settings, "reverify-after"), ==, 3600);

  adw_dialog_force_close (dialog);
}

static void
test_many (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GSettings) settings = g_settings_new_with_backend ("io.github.tessera.Tessera", backend);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) id_list = NULL;
  GtkScrolledWindow *scrolled;
  GtkAdjustment *adjustment;
  GtkWidget *grid;
  guint peak = 0;
  guint tiles_before;
  const guint n = 5000;

  /* Written straight into settings, as 5 000 adds would take long. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%05u", i);
      g_autofree char *path = g_strdup_printf (CREDENTIALS_PATH "%s/", id);
      g_autofree char *name = g_strdup_printf ("Credential %u", i);
      g_autoptr(GSettings) credential = g_settings_new_with_backend_and_path (CREDENTIAL_SCHEMA, backend, path);

      g_settings_set_string (credential, "name", name);
      g_settings_set_string (credential, "account-id", ACCOUNT_A);
      g_strv_builder_add (ids, id);
    }
  id_list = g_strv_builder_end (ids);
  g_settings_set_strv (settings, "credentials", (const char * const *) id_list);

  g_clear_object (&f->store);
  f->store = tessera_store_new_full (NULL, NULL, backend);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (f->store)), ==, n);

  tiles_before = tessera_credential_tile_get_instance_count ();
  open_window (f, FALSE);
  TEST_WAIT_UNTIL (count_bound_tiles (f) > 0);
  g_assert_cmpuint (g_list_model_get_n_items (tessera_window_get_filter_model (f->window)), ==, n);
  /* Given the whole model, the grid view (GTK 4.8, and still 4.18) makes
   * ~32 rows of max-columns tiles (~190) before the first frame: the
   * window starts it with the tiles that fit, at most 36 (measured on
   * GTK 4.18 without that: 192). */
  g_test_message ("%u tiles at the first frame", tessera_credential_tile_get_instance_count () - tiles_before);
  g_assert_cmpuint (tessera_credential_tile_get_instance_count () - tiles_before, <=, 36);

  grid = find_widget (GTK_WIDGET (f->window), GTK_TYPE_GRID_VIEW, NULL, NULL);
  scrolled = GTK_SCROLLED_WINDOW (gtk_widget_get_parent (grid));

  /* The window opens with the tiles that fit; the grid then grows to
   * every credential (and the "Add credential" tile) on its own. */
  TEST_WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (gtk_grid_view_get_model (GTK_GRID_VIEW (grid)))) == n + 1);
  adjustment = gtk_scrolled_window_get_vadjustment (scrolled);

  /* Scroll down the whole grid: tiles are recycled, not added. */
  for (guint step = 0; step <= 10; step++)
    {
      double upper = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

      gtk_adjustment_set_value (adjustment, upper * step / 10);
      test_wait_run_for (50);
      peak = MAX (peak, tessera_credential_tile_get_instance_count ());
    }

  /* The last one can be reached. */
  g_assert_true (gtk_widget_activate_action (grid, "list.scroll-to-item", "u", n));
  TEST_WAIT_UNTIL (find_tile (f, "Credential 4999") != NULL);
  peak = MAX (peak, tessera_credential_tile_get_instance_count ());

  g_test_message ("%u tiles alive at most for %u credentials", peak, n);
  g_assert_cmpuint (peak, >, 0);
  g_assert_cmpuint (peak, <=, 300);

  /* GTK 4.8 and 4.18 keep ~33 rows of max-columns tiles alive: the grid
   * asks for no more columns than fit (a tile is at least 272 pixels
   * wide; on GTK 4.18 with max-columns left at 6: 193 alive against 97). */
  g_test_message ("grid %d pixels wide", gtk_widget_get_width (grid));
  g_assert_cmpuint (peak, <=, MAX (1, gtk_widget_get_width (grid) / 272) * 33 + 12);
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
  g_assert_nonnull (find_widget (GTK_WIDGET (f->window), ADW_TYPE_BANNER, NULL, NULL));
  g_assert_nonnull (find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON, button_has_label, "_Retry"));

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

static void
test_window_size_saved (Fixture       *f,
                        gconstpointer  data)
{
  GSettings *settings = tessera_store_get_settings (f->store);
  int width, height;

  g_settings_set_int (settings, "window-width", 500);
  g_settings_set_int (settings, "window-height", 400);
  open_window (f, FALSE);
  gtk_window_get_default_size (GTK_WINDOW (f->window), &width, &height);
  g_assert_cmpint (width, ==, 500);
  g_assert_cmpint (height, ==, 400);

  gtk_window_set_default_size (GTK_WINDOW (f->window), 640, 480);
  test_wait_run_for (100);
  gtk_window_close (GTK_WINDOW (f->window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 640);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 480);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *secrets_dir = NULL;
  g_autofree char *keyring = NULL;
  g_autoptr(GPtrArray) mime_dirs = NULL;
  int ret;

  /* libsecret's file backend, so no keyring daemon is needed. */
  secrets_dir = g_dir_make_tmp ("tessera-test-window-XXXXXX", NULL);
  keyring = g_build_filename (secrets_dir, "test.keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "tessera-test", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_BACKEND", "x11", FALSE);

  /* Icons are recognised by their MIME type: keep the system database
   * while each test gets its own XDG directories. */
  mime_dirs = g_ptr_array_new_with_free_func (g_free);
  for (const char * const *dir = g_get_system_data_dirs (); *dir != NULL; dir++)
    g_ptr_array_add (mime_dirs, g_build_filename (*dir, "mime", NULL));
  g_ptr_array_add (mime_dirs, NULL);
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs->pdata);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display: run under build-aux/session\n");
      return 0;
    }
  adw_init ();

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
  ADD ("search-escape", test_search_escape);
  ADD ("delete-undo", test_delete_undo);
  ADD ("delete-undo-among-toasts", test_delete_undo_among_toasts);
  ADD ("delete-twice", test_delete_twice);
  ADD ("delete-commit", test_delete_commit);
  ADD ("search", test_search);
  ADD ("search-follows-changes", test_search_follows_changes);
  ADD ("many", test_many);
  ADD ("columns-follow-width", test_columns_follow_width);
  ADD ("narrow", test_narrow);
  ADD ("preferences", test_preferences);
  ADD ("copy-token", test_copy_token);
  ADD ("copy-account-id", test_copy_account_id);
  ADD ("verify-on-open", test_verify_on_open);
  ADD ("keyring-unavailable", test_keyring_unavailable);
  ADD ("window-size", test_window_size_saved);

#undef ADD

  ret = g_test_run ();

  g_remove (keyring);
  g_rmdir (secrets_dir);

  return ret;
}
