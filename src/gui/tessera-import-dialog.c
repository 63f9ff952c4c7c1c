/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-import-dialog.c: "Import from Harness CLI…"
 *
 * Reads the files in a thread, asks the keyring which keys are saved
 * already, then lists every key found as a row with a check box (the
 * ones saved already, and SSO profiles, shown but not offered). Import
 * hands the chosen ones to the store's import, the same path as
 * `tessera import`; "Remove Keys From Those Files" (off unless chosen)
 * asks it to scrub them afterwards.
 */
#define G_LOG_DOMAIN "tessera-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-import-dialog.h"

struct _TesseraImportDialog
{
  AdwDialog     parent_instance;

  TesseraStore *store;
  char         *home;
  char         *cli_home;
  GCancellable *cancellable;
  GPtrArray    *sources;       /* every TesseraImportSource found */
  GPtrArray    *checks;        /* its GtkCheckButton, or NULL when not offered */
  gboolean      importing;

  GtkWidget    *stack;
  GtkWidget    *message_page;
  GtkWidget    *sources_group;
  GtkWidget    *scrub_row;
  GtkWidget    *import_button;
};

G_DEFINE_FINAL_TYPE (TesseraImportDialog, tessera_import_dialog, ADW_TYPE_DIALOG)

enum {
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_import_button (TesseraImportDialog *self)
{
  gboolean any = FALSE;

  for (guint i = 0; self->checks != NULL && i < self->checks->len; i++)
    {
      GtkWidget *check = g_ptr_array_index (self->checks, i);

      any |= check != NULL && gtk_check_button_get_active (GTK_CHECK_BUTTON (check));
    }

  gtk_widget_set_sensitive (self->import_button, any && !self->importing);
}

static void
show_message (TesseraImportDialog *self,
              const char          *icon_name,
              const char          *title,
              const char          *description)
{
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->message_page), icon_name);
  adw_status_page_set_title (ADW_STATUS_PAGE (self->message_page), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->message_page), description);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "message");
}

static GtkWidget *
source_row (TesseraImportDialog *self,
            TesseraImportSource *source,
            GtkWidget          **check_out)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *display = tessera_import_source_dup_display_path (source);
  g_autofree char *subtitle = NULL;
  const char *account = tessera_import_source_get_account_id (source);
  TesseraToken *token = tessera_import_source_get_token (source);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), tessera_import_source_get_name (source));
  if (account == NULL && token != NULL)
    account = tessera_token_get_account_id (token);

  if (token == NULL)
    subtitle = g_strdup_printf (_("%s · no API key (single sign-on, or removed already)"), display);
  else if (tessera_import_source_get_stored_as (source) != NULL)
    subtitle = g_strdup_printf (_("%s · saved already as “%s”"), display, tessera_import_source_get_stored_as (source));
  else if (account != NULL)
    subtitle = g_strdup_printf (_("%s · account %s"), display, account);
  else
    subtitle = g_strdup (display);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  *check_out = NULL;
  if (token != NULL && tessera_import_source_get_stored_as (source) == NULL)
    {
      GtkWidget *check = gtk_check_button_new ();

      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, tessera_import_source_get_name (source),
                                      -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_signal_connect_swapped (check, "notify::active", G_CALLBACK (update_import_button), self);
      *check_out = check;
    }
  else
    {
      GtkWidget *icon = gtk_image_new_from_icon_name (token == NULL ? "action-unavailable-symbolic"
                                                                    : "object-select-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      token == NULL ? _("Nothing to import") : _("Saved already"),
                                      -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_widget_add_css_class (row, "dim-label");
    }

  return row;
}

static void
on_marked (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TesseraImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tessera_store_mark_stored_finish (TESSERA_STORE (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->checks = g_ptr_array_new ();
  for (guint i = 0; i < self->sources->len; i++)
    {
      GtkWidget *check;
      GtkWidget *row = source_row (self, g_ptr_array_index (self->sources, i), &check);

      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->sources_group), row);
      g_ptr_array_add (self->checks, check);
    }

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "list");
  update_import_button (self);
}

static void
on_found (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TesseraImportDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  self->sources = tessera_import_source_find_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (self->sources == NULL)
    {
      show_message (self, "dialog-warning-symbolic", _("Couldn’t Read the Files"), error->message);
      return;
    }

  if (self->sources->len == 0)
    {
      show_message (self, "system-search-symbolic", _("No Keys Found"),
                    _("The Harness CLIs keep their keys in ~/.harness/auth.json, ~/.harness/credentials and ~/.secrets.json; none of them holds one."));
      return;
    }

  tessera_store_mark_stored_async (self->store, self->sources, self->cancellable, on_marked, g_object_ref (self));
}

static void
on_imported (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TesseraImportDialog) self = user_data;
  g_autoptr(GPtrArray) chosen = g_object_steal_data (G_OBJECT (self), "chosen");
  g_autoptr(GError) error = NULL;

  if (!tessera_store_import_finish (TESSERA_STORE (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->importing = FALSE;
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, chosen);
  adw_dialog_force_close (ADW_DIALOG (self));
}

static void
import_clicked_cb (TesseraImportDialog *self)
{
  g_autoptr(GPtrArray) chosen = g_ptr_array_new_with_free_func (g_object_unref);
  TesseraStoreImportFlags flags = TESSERA_STORE_IMPORT_VERIFY;

  if (self->importing || self->checks == NULL)
    return;

  for (guint i = 0; i < self->sources->len; i++)
    {
      GtkWidget *check = g_ptr_array_index (self->checks, i);

      if (check != NULL && gtk_check_button_get_active (GTK_CHECK_BUTTON (check)))
        g_ptr_array_add (chosen, g_object_ref (g_ptr_array_index (self->sources, i)));
    }
  if (chosen->len == 0)
    return;

  if (adw_switch_row_get_active (ADW_SWITCH_ROW (self->scrub_row)))
    flags |= TESSERA_STORE_IMPORT_SCRUB;

  self->importing = TRUE;
  gtk_widget_set_sensitive (self->stack, FALSE);
  gtk_button_set_label (GTK_BUTTON (self->import_button), _("Importing…"));
  update_import_button (self);
  adw_dialog_set_can_close (ADW_DIALOG (self), FALSE);

  g_object_set_data_full (G_OBJECT (self), "chosen", g_ptr_array_ref (chosen), (GDestroyNotify) g_ptr_array_unref);
  tessera_store_import_async (self->store, chosen, flags, self->cancellable, on_imported, g_object_ref (self));
}

static void
tessera_import_dialog_map (GtkWidget *widget)
{
  TesseraImportDialog *self = TESSERA_IMPORT_DIALOG (widget);

  GTK_WIDGET_CLASS (tessera_import_dialog_parent_class)->map (widget);

  if (self->sources == NULL && self->home != NULL)
    tessera_import_source_find_async (self->home, self->cli_home, self->cancellable, on_found, g_object_ref (self));
}

static void
tessera_import_dialog_dispose (GObject *object)
{
  TesseraImportDialog *self = TESSERA_IMPORT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_pointer (&self->sources, g_ptr_array_unref);
  g_clear_pointer (&self->checks, g_ptr_array_unref);

  G_OBJECT_CLASS (tessera_import_dialog_parent_class)->dispose (object);
}

static void
tessera_import_dialog_finalize (GObject *object)
{
  TesseraImportDialog *self = TESSERA_IMPORT_DIALOG (object);

  g_free (self->home);
  g_free (self->cli_home);

  G_OBJECT_CLASS (tessera_import_dialog_parent_class)->finalize (object);
}

static void
tessera_import_dialog_class_init (TesseraImportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tessera_import_dialog_dispose;
  object_class->finalize = tessera_import_dialog_finalize;
  widget_class->map = tessera_import_dialog_map;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
}

static void
tessera_import_dialog_init (TesseraImportDialog *self)
{
  GtkWidget *toolbar = adw_toolbar_view_new ();
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *spinner = adw_spinner_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *options = adw_preferences_group_new ();

  self->cancellable = g_cancellable_new ();

  adw_dialog_set_title (ADW_DIALOG (self), _("Import from Harness CLI"));
  adw_dialog_set_content_width (ADW_DIALOG (self), 520);
  adw_dialog_set_content_height (ADW_DIALOG (self), 560);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (adw_dialog_close), self);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->import_button = gtk_button_new_with_mnemonic (_("_Import"));
  gtk_widget_add_css_class (self->import_button, "suggested-action");
  gtk_widget_set_sensitive (self->import_button, FALSE);
  g_signal_connect_swapped (self->import_button, "clicked", G_CALLBACK (import_clicked_cb), self);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->import_button);
  adw_toolbar_view_add_top_bar (ADW_TOOLBAR_VIEW (toolbar), header);

  self->stack = gtk_stack_new ();
  gtk_widget_set_size_request (spinner, 32, 32);
  gtk_widget_set_halign (spinner, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);
  gtk_stack_add_named (GTK_STACK (self->stack), spinner, "loading");

  self->message_page = adw_status_page_new ();
  gtk_stack_add_named (GTK_STACK (self->stack), self->message_page, "message");

  self->sources_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->sources_group), _("Keys Found"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->sources_group),
                                         _("Each key chosen becomes a credential named after its profile, once Harness has accepted it."));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->sources_group));

  self->scrub_row = adw_switch_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->scrub_row), _("Remove Keys From Those Files"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->scrub_row),
                               _("Only the lines of the keys now saved in the keyring; everything else in the files stays as it is"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (options), self->scrub_row);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (options));
  gtk_stack_add_named (GTK_STACK (self->stack), page, "list");
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "loading");

  adw_toolbar_view_set_content (ADW_TOOLBAR_VIEW (toolbar), self->stack);
  adw_dialog_set_child (ADW_DIALOG (self), toolbar);
  adw_dialog_set_default_widget (ADW_DIALOG (self), self->import_button);
}

AdwDialog *
tessera_import_dialog_new (TesseraStore *store,
                           const char   *home,
                           const char   *cli_home)
{
  TesseraImportDialog *self;

  g_return_val_if_fail (TESSERA_IS_STORE (store), NULL);
  g_return_val_if_fail (home != NULL, NULL);

  self = g_object_new (TESSERA_TYPE_IMPORT_DIALOG, NULL);
  self->store = g_object_ref (store);
  self->home = g_strdup (home);
  self->cli_home = g_strdup (cli_home);

  return ADW_DIALOG (self);
}
