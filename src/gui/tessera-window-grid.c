/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-window-grid.c: the grid of tiles: its model, the search, sizing (see tessera-window-private.h) */
#define G_LOG_DOMAIN "tessera-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-credential-dialog.h"
#include "tessera-credential-tile.h"
#include "tessera-preferences-dialog.h"
#include "tessera-window-private.h"

/* What the search looks in: a credential's text fields, casefolded once
 * and kept on the credential until one of them changes (see
 * tessera_window_credential_notify_cb), so that a keystroke does not fold every
 * credential again. */

static const char *searched_fields[] = {
  "name", "description", "account-id", "account-name", "owner-name", "owner-email", NULL,
};

typedef struct
{
  char *folded[G_N_ELEMENTS (searched_fields) - 1];
} SearchText;

static GQuark
search_text_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("tessera-window-search-text");

  return quark;
}

static void
search_text_free (gpointer data)
{
  SearchText *text = data;

  for (guint i = 0; i < G_N_ELEMENTS (text->folded); i++)
    g_free (text->folded[i]);
  g_free (text);
}

/* A credential's folded text is kept until one of its searched fields
 * changes: the window follows a credential from the first time it
 * searches it, not every credential from the start (10 000 handlers). */
static const SearchText *
get_search_text (TesseraWindow     *self,
                 TesseraCredential *credential)
{
  SearchText *text = g_object_get_qdata (G_OBJECT (credential), search_text_quark ());
  const char *fields[G_N_ELEMENTS (text->folded)];

  if (text != NULL)
    return text;

  /* Undo puts a credential back, and a window may follow it already. */
  if (g_signal_handler_find (credential, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                             tessera_window_credential_notify_cb, self) == 0)
    g_signal_connect_object (credential, "notify", G_CALLBACK (tessera_window_credential_notify_cb),
                             self, G_CONNECT_SWAPPED);

  fields[0] = tessera_credential_get_name (credential);
  fields[1] = tessera_credential_get_description (credential);
  fields[2] = tessera_credential_get_account_id (credential);
  fields[3] = tessera_credential_get_account_name (credential);
  fields[4] = tessera_credential_get_owner_name (credential);
  fields[5] = tessera_credential_get_owner_email (credential);

  text = g_new0 (SearchText, 1);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i] != NULL && *fields[i] != '\0')
      text->folded[i] = g_utf8_casefold (fields[i], -1);
  g_object_set_qdata_full (G_OBJECT (credential), search_text_quark (), text, search_text_free);

  return text;
}

gboolean
tessera_window_credential_matches (gpointer item,
                    gpointer user_data)
{
  TesseraWindow *self = user_data;
  const SearchText *text;

  if (self->search_folded == NULL)
    return TRUE;

  text = get_search_text (self, TESSERA_CREDENTIAL (item));
  for (guint i = 0; i < G_N_ELEMENTS (text->folded); i++)
    if (text->folded[i] != NULL && strstr (text->folded[i], self->search_folded) != NULL)
      return TRUE;

  return FALSE;
}

/* The "Add credential" tile is not a search result, and on a narrow
 * window it gives way to the header's button: one column of cards. */
static void
update_add_tile (TesseraWindow *self)
{
  gboolean wanted = self->search_folded == NULL && !self->narrow;
  gboolean shown = g_list_model_get_n_items (G_LIST_MODEL (self->add_model)) > 0;

  if (shown && !wanted)
    g_list_store_remove_all (self->add_model);
  else if (!shown && wanted)
    g_list_store_append (self->add_model, self->add_item);
}

static void
narrow_apply_cb (TesseraWindow *self)
{
  self->narrow = TRUE;
  update_add_tile (self);
  tessera_window_grid_width_changed_cb (self);
}

static void
narrow_unapply_cb (TesseraWindow *self)
{
  self->narrow = FALSE;
  update_add_tile (self);
  tessera_window_grid_width_changed_cb (self);
}

void
tessera_window_apply_search (TesseraWindow *self,
                             const char    *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree char *folded = *stripped != '\0' ? g_utf8_casefold (stripped, -1) : NULL;
  g_autofree char *old = g_steal_pointer (&self->search_folded);
  GtkFilterChange change;

  if (g_strcmp0 (old, folded) == 0)
    return;

  if (old == NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (folded == NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else if (strstr (folded, old) != NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (strstr (old, folded) != NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;

  self->search_folded = g_steal_pointer (&folded);

  update_add_tile (self);

  gtk_filter_changed (GTK_FILTER (self->filter), change);
  tessera_window_update_visible_page (self);
}

static void
search_changed_cb (TesseraWindow  *self,
                   GtkSearchEntry *entry)
{
  /* Replacing the text empties the entry first, which the search entry
   * reports at once: the whole list, and the "Add credential" tile, would
   * come back for an instant. */
  if (!self->setting_search_text)
    tessera_window_apply_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
stop_search_cb (TesseraWindow  *self,
                GtkSearchEntry *entry)
{
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (self->search_bar), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  /* Back to the tiles, not to a hidden entry. */
  gtk_widget_grab_focus (self->grid_view);
}

static GtkWidget *
create_add_tile (void)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *image = gtk_image_new_from_icon_name ("list-add-symbolic");
  GtkWidget *label = gtk_label_new (_("Add Credential"));

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_image_set_pixel_size (GTK_IMAGE (image), 32);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), image);
  gtk_box_append (GTK_BOX (box), label);

  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.add-credential");
  gtk_widget_set_size_request (button, 260, 160);
  gtk_widget_add_css_class (button, "card");
  gtk_widget_add_css_class (button, "add-tile");
  gtk_widget_set_tooltip_text (button, _("Add a Harness API key"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Add credential"),
                                  -1);

  return button;
}

static void
factory_setup_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  TesseraWindow            *self)
{
  /* Tiles handle clicks and keys themselves; the store holds the selection. */
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
}

static void
factory_bind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 TesseraWindow            *self)
{
  GObject *object = gtk_list_item_get_item (item);
  GtkWidget *child = gtk_list_item_get_child (item);

  if (TESSERA_IS_CREDENTIAL (object))
    {
      if (!TESSERA_IS_CREDENTIAL_TILE (child))
        {
          /* A new tile for each new list item. Moving tiles between list
           * items when GTK 4.8 destroys one was tried for search speed and
           * dropped: the median stayed at ~35 ms, and it moved accessible
           * widgets between parents, which GTK 4.8's AT-SPI support is
           * not tested for. */
          child = tessera_credential_tile_new ();
          gtk_list_item_set_child (item, child);
        }
      tessera_credential_tile_set_credential (TESSERA_CREDENTIAL_TILE (child),
                                              TESSERA_CREDENTIAL (object));
    }
  else if (child == NULL || TESSERA_IS_CREDENTIAL_TILE (child))
    {
      gtk_list_item_set_child (item, create_add_tile ());
    }
}

static void
factory_unbind_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   TesseraWindow            *self)
{
  GtkWidget *child = gtk_list_item_get_child (item);

  if (TESSERA_IS_CREDENTIAL_TILE (child))
    tessera_credential_tile_set_credential (TESSERA_CREDENTIAL_TILE (child), NULL);
}

/* GTK's grid view (4.8, and still 4.18: 192 tiles for a 900-pixel window)
 * creates, binds and measures about 30 rows of
 * max-columns tiles (~190) before the window first draws, whatever fits
 * on screen: at a thousand credentials that was most of the start-up.
 * The grid starts with the tiles that fit in the window (see
 * tessera_window_grid_first_items()) and grows by a few tiles each frame once the window
 * is on screen, until it reaches what the grid view keeps alive; then it
 * gets the whole model, which creates no more tiles. */
#define GRID_ITEMS_PER_FRAME 12
#define GRID_MAX_FIRST_ITEMS 36
/* The most columns the grid shows (also in tessera-window.ui) */
#define GRID_MAX_COLUMNS 6
/* Bounds below a tile's width (its width-request) and height, and the
 * grid's padding plus the header bar: enough tiles for the first frame. */
#define TILE_MIN_WIDTH 260
#define TILE_MIN_HEIGHT 150
#define GRID_MARGIN 24
#define HEADER_HEIGHT 47

guint
tessera_window_grid_first_items (TesseraWindow *self)
{
  int width, height;
  guint columns, rows;

  /* A maximized window's size is not known before it is shown. */
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    return GRID_MAX_FIRST_ITEMS;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  columns = CLAMP ((width - GRID_MARGIN) / TILE_MIN_WIDTH, 1, GRID_MAX_COLUMNS);
  rows = MAX (height - HEADER_HEIGHT - GRID_MARGIN, 0) / TILE_MIN_HEIGHT + 1;

  return MIN (columns * rows, GRID_MAX_FIRST_ITEMS);
}

static gboolean
grow_grid_cb (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  TesseraWindow *self = TESSERA_WINDOW (user_data);
  guint size = gtk_slice_list_model_get_size (self->grid_slice);
  guint total = g_list_model_get_n_items (gtk_slice_list_model_get_model (self->grid_slice));
  guint live = gtk_grid_view_get_max_columns (GTK_GRID_VIEW (self->grid_view)) * 33;

  if (size + GRID_ITEMS_PER_FRAME < MIN (total, live))
    {
      gtk_slice_list_model_set_size (self->grid_slice, size + GRID_ITEMS_PER_FRAME);
      return G_SOURCE_CONTINUE;
    }

  gtk_slice_list_model_set_size (self->grid_slice, G_MAXUINT);
  self->grid_tick_id = 0;
  return G_SOURCE_REMOVE;
}

/* GTK's grid view (4.8 and 4.18) keeps about 30 rows of max-columns tiles alive, and
 * rebinds them all when a search changes what they show. Max-columns
 * follows what fits in the grid's width, counted as the grid view counts
 * its columns (its width over its widest cell's least width), so the grid
 * shows the same columns: in a 900 pixel wide window, 3 columns keep ~100
 * tiles alive, not ~190. */
static gboolean
fit_grid_columns_cb (gpointer user_data)
{
  TesseraWindow *self = TESSERA_WINDOW (user_data);
  int cell_width = 0;
  int fit;

  self->fit_columns_id = 0;

  for (GtkWidget *cell = gtk_widget_get_first_child (self->grid_view);
       cell != NULL;
       cell = gtk_widget_get_next_sibling (cell))
    {
      int min = 0;

      if (!gtk_widget_get_visible (cell))
        continue;
      gtk_widget_measure (cell, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
      cell_width = MAX (cell_width, min);
    }

  /* A narrow window: one column of cards, however small a tile can be.
   * Otherwise, with no cell yet, the grid keeps what it has. */
  if (self->narrow)
    fit = 1;
  else if (cell_width > 0)
    fit = CLAMP (gtk_widget_get_width (self->grid_view) / cell_width, 1, GRID_MAX_COLUMNS);
  else
    return G_SOURCE_REMOVE;

  if ((guint) fit != gtk_grid_view_get_max_columns (GTK_GRID_VIEW (self->grid_view)))
    gtk_grid_view_set_max_columns (GTK_GRID_VIEW (self->grid_view), fit);

  return G_SOURCE_REMOVE;
}

/* The adjustment changes while the grid is being allocated, when a new
 * max-columns would not lay it out again: set it right after. */
void
tessera_window_grid_width_changed_cb (TesseraWindow *self)
{
  if (self->fit_columns_id == 0)
    self->fit_columns_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, fit_grid_columns_cb, self, NULL);
}

void
tessera_window_grid_mapped_cb (TesseraWindow *self)
{
  if (self->grid_tick_id == 0 && gtk_slice_list_model_get_size (self->grid_slice) != G_MAXUINT)
    self->grid_tick_id = gtk_widget_add_tick_callback (self->grid_view, grow_grid_cb, self, NULL);
}

void
tessera_window_grid_unmapped_cb (TesseraWindow *self)
{
  if (self->grid_tick_id != 0)
    gtk_widget_remove_tick_callback (self->grid_view, self->grid_tick_id);
  self->grid_tick_id = 0;
}

/* A credential renamed (by the editor, or by another process through the
 * settings) while a search is on may now match or no longer match: filter
 * again then, and only then, not on every status or "checking" change. */
void
tessera_window_credential_notify_cb (TesseraWindow     *self,
                      GParamSpec        *pspec,
                      TesseraCredential *credential)
{
  if (!g_strv_contains (searched_fields, pspec->name))
    return;

  /* The folded text is out of date, whether or not a search is on. */
  g_object_set_qdata (G_OBJECT (credential), search_text_quark (), NULL);

  if (self->search_folded != NULL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* The .ui template's callbacks for the search, the breakpoint and the
 * grid's item factory. */
void
tessera_window_class_add_grid_callbacks (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, narrow_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, narrow_unapply_cb);
  gtk_widget_class_bind_template_callback (widget_class, factory_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, factory_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, factory_unbind_cb);
}
