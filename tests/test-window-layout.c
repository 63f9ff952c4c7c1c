/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-window-layout.c: the window's grid as it grows, narrows and is
 * searched; its size and preferences (see test-window.c for the tiles and
 * their actions) */
#include "config.h"

#include "tessera-preferences-dialog.h"
#include "window-fixture.h"

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

  /* 0 (check at every start), set outside the dialog, reads as that, not
   * as "0 weeks". */
  g_settings_set_uint (settings, "reverify-after", 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.preferences", NULL));
  dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (f->window));
  reverify = find_widget (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW, row_has_title, "Check Again After");
  choices = adw_combo_row_get_model (ADW_COMBO_ROW (reverify));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (choices), adw_combo_row_get_selected (ADW_COMBO_ROW (reverify))),
                   ==, "Every time the window opens");
  g_assert_cmpuint (g_settings_get_uint (settings, "reverify-after"), ==, 0);
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
  int ret;

  if (!window_fixture_init (&argc, &argv))
    return 0;

#define ADD(path, func) \
  g_test_add ("/window/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("search-escape", test_search_escape);
  ADD ("search", test_search);
  ADD ("search-follows-changes", test_search_follows_changes);
  ADD ("many", test_many);
  ADD ("columns-follow-width", test_columns_follow_width);
  ADD ("narrow", test_narrow);
  ADD ("preferences", test_preferences);
  ADD ("window-size", test_window_size_saved);

#undef ADD

  ret = g_test_run ();
  window_fixture_done ();

  return ret;
}
