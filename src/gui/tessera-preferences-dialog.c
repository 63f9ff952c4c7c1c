/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-preferences-dialog.c: the settings a person may change
 *
 * The default API base URL for new credentials, how old a check may be
 * before the window checks again, and the reminders before keys expire
 * (turning them off also stops Tessera starting at login). Each is written to GSettings when it is
 * chosen; a base URL only once it is a URL Tessera would use (the same
 * rule as a credential's, in the core).
 */
#define G_LOG_DOMAIN "tessera-preferences"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tessera-autostart.h"
#include "tessera-base-url.h"
#include "tessera-preferences-dialog.h"

struct _TesseraPreferencesDialog
{
  AdwPreferencesDialog parent_instance;

  GSettings           *settings;
  GtkStringList       *reverify_names;
  GArray              *reverify_seconds;
  gboolean             updating;

  /* template */
  AdwEntryRow         *base_url_row;
  GtkWidget           *base_url_message;
  AdwComboRow         *reverify_row;
  AdwSwitchRow        *reminders_row;
  AdwSpinRow          *warning_days_row;
  AdwSwitchRow        *background_reverify_row;
};

G_DEFINE_FINAL_TYPE (TesseraPreferencesDialog, tessera_preferences_dialog, ADW_TYPE_PREFERENCES_DIALOG)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The choices for "Check Again After", in seconds. */
static const guint reverify_choices[] = { 60 * 60, 6 * 60 * 60, 24 * 60 * 60, 7 * 24 * 60 * 60 };

/* Composed when shown, in the reader's language. */
static char *
describe_interval (guint seconds)
{
  /* 0, set outside the dialog: stale at once, so checked at every start. */
  if (seconds == 0)
    return g_strdup (_("Every time the window opens"));
  if (seconds % (7 * 24 * 60 * 60) == 0)
    return g_strdup_printf (ngettext ("%u week", "%u weeks", seconds / (7 * 24 * 60 * 60)),
                            seconds / (7 * 24 * 60 * 60));
  if (seconds % (24 * 60 * 60) == 0)
    return g_strdup_printf (ngettext ("%u day", "%u days", seconds / (24 * 60 * 60)),
                            seconds / (24 * 60 * 60));
  if (seconds % (60 * 60) == 0)
    return g_strdup_printf (ngettext ("%u hour", "%u hours", seconds / (60 * 60)), seconds / (60 * 60));
  if (seconds % 60 == 0)
    return g_strdup_printf (ngettext ("%u minute", "%u minutes", seconds / 60), seconds / 60);

  return g_strdup_printf (ngettext ("%u second", "%u seconds", seconds), seconds);
}

static void
show_base_url_error (TesseraPreferencesDialog *self,
                     const char               *message)
{
  gtk_label_set_text (GTK_LABEL (self->base_url_message), message != NULL ? message : "");
  gtk_widget_set_visible (self->base_url_message, message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->base_url_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->base_url_row), "error");
}

static void
base_url_changed_cb (TesseraPreferencesDialog *self)
{
  if (!self->updating)
    show_base_url_error (self, NULL);
}

/* Enter or the row's apply button: keep it if Tessera would use it. */
static void
base_url_apply_cb (TesseraPreferencesDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  g_autofree char *title = NULL;
  AdwToast *toast;

  normalized = tessera_base_url_normalize (gtk_editable_get_text (GTK_EDITABLE (self->base_url_row)), &error);
  if (normalized == NULL)
    {
      show_base_url_error (self, error->message);
      return;
    }

  g_settings_set_string (self->settings, "default-base-url", normalized);
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->base_url_row), normalized);
  self->updating = FALSE;
  show_base_url_error (self, NULL);

  /* TRANSLATORS: %s is a URL */
  title = g_strdup_printf (_("New credentials will use %s"), normalized);
  toast = adw_toast_new (title);
  adw_toast_set_use_markup (toast, FALSE);
  adw_preferences_dialog_add_toast (ADW_PREFERENCES_DIALOG (self), toast);
}

static void
reverify_selected_cb (TesseraPreferencesDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->reverify_row);

  if (self->updating || selected >= self->reverify_seconds->len)
    return;

  g_settings_set_uint (self->settings, "reverify-after",
                       g_array_index (self->reverify_seconds, guint, selected));
}

static void
autostart_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TesseraPreferencesDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tessera_autostart_set_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    adw_preferences_dialog_add_toast (ADW_PREFERENCES_DIALOG (self), adw_toast_new (error->message));
}

/* The setting follows the switch (a binding); starting at login follows
 * it here: the autostart entry written or removed, or the portal asked. */
static void
reminders_toggled_cb (TesseraPreferencesDialog *self)
{
  if (self->updating)
    return;

  tessera_autostart_set_async (adw_switch_row_get_active (self->reminders_row), NULL,
                               autostart_cb, g_object_ref (self));
}

/* The choices, and the stored value among them even when it is none of
 * them (set with gsettings, say): it is shown, not changed. */
static void
load_reverify (TesseraPreferencesDialog *self)
{
  guint current = g_settings_get_uint (self->settings, "reverify-after");
  guint selected = G_MAXUINT;

  for (guint i = 0; i < G_N_ELEMENTS (reverify_choices); i++)
    {
      if (current != 0 && current < reverify_choices[i] && selected == G_MAXUINT)
        {
          g_autofree char *name = describe_interval (current);

          selected = self->reverify_seconds->len;
          gtk_string_list_append (self->reverify_names, name);
          g_array_append_val (self->reverify_seconds, current);
        }
      if (reverify_choices[i] == current)
        selected = self->reverify_seconds->len;
      {
        g_autofree char *name = describe_interval (reverify_choices[i]);

        gtk_string_list_append (self->reverify_names, name);
        g_array_append_val (self->reverify_seconds, reverify_choices[i]);
      }
    }
  if (selected == G_MAXUINT)
    {
      g_autofree char *name = describe_interval (current);

      selected = self->reverify_seconds->len;
      gtk_string_list_append (self->reverify_names, name);
      g_array_append_val (self->reverify_seconds, current);
    }

  self->updating = TRUE;
  adw_combo_row_set_model (self->reverify_row, G_LIST_MODEL (self->reverify_names));
  adw_combo_row_set_selected (self->reverify_row, selected);
  self->updating = FALSE;
}

static void
tessera_preferences_dialog_constructed (GObject *object)
{
  TesseraPreferencesDialog *self = TESSERA_PREFERENCES_DIALOG (object);
  g_autofree char *base_url = NULL;

  G_OBJECT_CLASS (tessera_preferences_dialog_parent_class)->constructed (object);

  g_return_if_fail (G_IS_SETTINGS (self->settings));

  base_url = g_settings_get_string (self->settings, "default-base-url");
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->base_url_row), base_url);
  self->updating = FALSE;

  load_reverify (self);

  self->updating = TRUE;
  g_settings_bind (self->settings, "expiry-reminders", self->reminders_row, "active", G_SETTINGS_BIND_DEFAULT);
  self->updating = FALSE;
  g_settings_bind (self->settings, "expiry-warning-days", self->warning_days_row, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "background-reverify", self->background_reverify_row, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_object_bind_property (self->reminders_row, "active", self->warning_days_row, "sensitive", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->reminders_row, "active", self->background_reverify_row, "sensitive",
                          G_BINDING_SYNC_CREATE);
}

static void
tessera_preferences_dialog_dispose (GObject *object)
{
  TesseraPreferencesDialog *self = TESSERA_PREFERENCES_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TESSERA_TYPE_PREFERENCES_DIALOG);
  g_clear_object (&self->settings);
  g_clear_object (&self->reverify_names);
  g_clear_pointer (&self->reverify_seconds, g_array_unref);

  G_OBJECT_CLASS (tessera_preferences_dialog_parent_class)->dispose (object);
}

static void
tessera_preferences_dialog_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  TesseraPreferencesDialog *self = TESSERA_PREFERENCES_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_preferences_dialog_class_init (TesseraPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tessera_preferences_dialog_constructed;
  object_class->dispose = tessera_preferences_dialog_dispose;
  object_class->set_property = tessera_preferences_dialog_set_property;

  /* The application's settings ("io.github.tessera.Tessera") */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tessera/Tessera/tessera-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TesseraPreferencesDialog, base_url_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraPreferencesDialog, base_url_message);
  gtk_widget_class_bind_template_child (widget_class, TesseraPreferencesDialog, reverify_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraPreferencesDialog, reminders_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraPreferencesDialog, warning_days_row);
  gtk_widget_class_bind_template_child (widget_class, TesseraPreferencesDialog, background_reverify_row);
  gtk_widget_class_bind_template_callback (widget_class, base_url_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, base_url_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, reverify_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, reminders_toggled_cb);
}

static void
tessera_preferences_dialog_init (TesseraPreferencesDialog *self)
{
  self->reverify_names = gtk_string_list_new (NULL);
  self->reverify_seconds = g_array_new (FALSE, FALSE, sizeof (guint));

  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * tessera_preferences_dialog_new:
 * @settings: the application's settings
 *
 * Returns: (transfer floating): the dialog, to present on a window
 */
AdwDialog *
tessera_preferences_dialog_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (TESSERA_TYPE_PREFERENCES_DIALOG, "settings", settings, NULL);
}
