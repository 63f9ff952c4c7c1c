/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-application.c: the GUI application */
#define G_LOG_DOMAIN "tessera-app"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-application.h"
#include "tessera-autostart.h"
#include "tessera-install.h"
#include "tessera-reminder-service.h"
#include "tessera-search-provider.h"
#include "tessera-window.h"

struct _TesseraApplication
{
  AdwApplication  parent_instance;

  TesseraStore   *store;
  /* `tessera --gapplication-service` only */
  TesseraReminderService *reminders;
  /* While it is open. */
  GtkWindow      *shortcuts_window;
  /* GNOME Shell's search, on the bus from dbus_register to dbus_unregister */
  TesseraSearchProvider *search_provider;
};

G_DEFINE_FINAL_TYPE (TesseraApplication, tessera_application, ADW_TYPE_APPLICATION)

static void
commit_all_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TesseraApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tessera_store_commit_all_finish (TESSERA_STORE (source), result, &error))
    g_warning ("Could not delete the tokens of removed credentials: %s", error->message);

  g_application_release (G_APPLICATION (self));
}

/* Removals whose Undo toast was still showing become final. The hold keeps
 * the process alive until the keyring has answered, without blocking. */
static void
commit_pending_removals (TesseraApplication *self)
{
  if (self->store == NULL)
    return;

  g_application_hold (G_APPLICATION (self));
  tessera_store_commit_all_async (self->store, NULL, commit_all_cb, g_object_ref (self));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = user_data;
  TesseraApplication *self = TESSERA_APPLICATION (app);
  g_autolist(GtkWindow) windows = NULL;

  /* Quit means now, not once the Shell's search has been quiet a while. */
  if (self->search_provider != NULL)
    tessera_search_provider_let_go (self->search_provider);

  /* Closing each window saves its size and clears a copied token from the
   * clipboard; the last one gone commits pending removals. A window that
   * refuses to close (a dialog in the middle of saving) goes anyway:
   * g_application_quit() would not wait for the commit. */
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    windows = g_list_prepend (windows, g_object_ref (l->data));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);

  /* Quit means the background service too, until the next login. */
  if (TESSERA_APPLICATION (app)->reminders != NULL)
    tessera_reminder_service_stop (TESSERA_APPLICATION (app)->reminders);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  static const char *developers[] = { "The Tessera developers", NULL };
  AdwDialog *about;

  about = g_object_new (ADW_TYPE_ABOUT_DIALOG,
                        "application-name", _("Tessera"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", _("The Tessera developers"),
                        "developers", developers,
                        "comments", _("Keep your Harness API keys in your keyring, know which ones still work, and choose the one scripts use."),
                        "website", PACKAGE_WEBSITE,
                        "issue-url", PACKAGE_ISSUE_URL,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* TRANSLATORS: your name(s), one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);

  adw_dialog_present (about, GTK_WIDGET (gtk_application_get_active_window (app)));
}

/* The shortcuts window is made when asked for and destroyed when closed.
 * (Were it gtk/help-overlay.ui, GtkApplication would build one with each
 * window at start-up and keep it, hidden and never realized, among the
 * toplevels. GTK 4.8's AT-SPI root handed that window out without an
 * object path and the app crashed; GTK 4.18 does not, but building a
 * window nobody may open still costs start-up time, so it stays made on
 * demand. GtkShortcutsWindow is deprecated in GTK 4.18 for
 * AdwShortcutsDialog, which needs libadwaita 1.8: see
 * tests/test-ui-deprecations.py.) */
static void
shortcuts_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  TesseraApplication *self = TESSERA_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (self->shortcuts_window == NULL)
    {
      g_autoptr(GtkBuilder) builder =
        gtk_builder_new_from_resource ("/io/github/tessera/Tessera/tessera-shortcuts-window.ui");

      self->shortcuts_window = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      gtk_window_set_hide_on_close (self->shortcuts_window, FALSE);
      gtk_window_set_destroy_with_parent (self->shortcuts_window, TRUE);
      g_object_add_weak_pointer (G_OBJECT (self->shortcuts_window),
                                 (gpointer *) &self->shortcuts_window);
    }

  gtk_window_set_transient_for (self->shortcuts_window, window);
  gtk_window_present (self->shortcuts_window);
}

/* The window, made or raised (the most recently active one; not the
 * shortcuts window). */
static TesseraWindow *
present_window (TesseraApplication *self)
{
  GtkWindow *window = NULL;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL && window == NULL; l = l->next)
    if (TESSERA_IS_WINDOW (l->data))
      window = l->data;
  if (window == NULL)
    window = GTK_WINDOW (tessera_window_new (GTK_APPLICATION (self), self->store));

  gtk_window_present (window);
  return TESSERA_WINDOW (window);
}

/* A reminder's "Open" (and the notification itself): that credential's
 * tile, scrolled to and focused. */
static void
open_credential_action (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  TesseraWindow *window = present_window (TESSERA_APPLICATION (user_data));

  tessera_window_show_credential (window, g_variant_get_string (parameter, NULL));
}

/* A reminder's "Renew…": the tile, and the window's Renew dialog on it. */
static void
renew_credential_action (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  TesseraWindow *window = present_window (TESSERA_APPLICATION (user_data));
  const char *id = g_variant_get_string (parameter, NULL);

  if (tessera_window_show_credential (window, id))
    gtk_widget_activate_action (GTK_WIDGET (window), "win.renew-credential", "s", id);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "shortcuts", shortcuts_action },
  { "open-credential", open_credential_action, "s" },
  { "renew-credential", renew_credential_action, "s" },
};

static void
tessera_application_activate (GApplication *app)
{
  present_window (TESSERA_APPLICATION (app));
}

static void
autostart_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!tessera_autostart_set_finish (result, &error))
    g_warning ("%s", error->message);
}

/* With reminders on (the default), the service starts at login: the entry
 * is written, or the portal asked, at each start until they are turned
 * off in Preferences. Not from a build tree: a developer's run would
 * leave an entry pointing into it (Preferences still writes one). */
static void
ensure_autostart (TesseraApplication *self)
{
  g_autofree char *path = NULL;

  if (!g_settings_get_boolean (tessera_store_get_settings (self->store), "expiry-reminders") ||
      tessera_install_is_build_tree ())
    return;

  path = tessera_autostart_dup_path ();
  if (!tessera_autostart_in_flatpak () && g_file_test (path, G_FILE_TEST_EXISTS))
    return;

  tessera_autostart_set_async (TRUE, NULL, autostart_cb, NULL);
}

/* GtkApplication's startup adds the application's icons (in its resources)
 * to the icon theme, which makes the theme read itself again, about 20 ms
 * here, at the first icon the window looks up. Reading it in a thread
 * meanwhile takes that off the way to the first frame; the window's
 * lookups wait for it only if it has not finished. GTK reads its themes
 * in a thread itself. */
static void
read_icon_theme_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  gtk_icon_theme_has_icon (GTK_ICON_THEME (source_object), APP_ID "-symbolic");
  g_task_return_boolean (task, TRUE);
}

static void
read_icon_theme (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  g_autoptr(GTask) task = g_task_new (theme, NULL, NULL, NULL);

  g_task_set_source_tag (task, read_icon_theme);
  g_task_run_in_thread (task, read_icon_theme_thread);
}

static void
tessera_application_startup (GApplication *app)
{
  TesseraApplication *self = TESSERA_APPLICATION (app);
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.shortcuts", { "<Control>question", NULL } },
    { "win.add-credential", { "<Control>n", NULL } },
    { "win.search", { "<Control>f", NULL } },
    { "win.verify-all", { "<Control>r", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };

  G_APPLICATION_CLASS (tessera_application_parent_class)->startup (app);
  read_icon_theme ();

  self->store = tessera_store_new (NULL, NULL);

  /* `tessera --gapplication-service`, at login or activated on D-Bus:
   * reminders while no window is open. */
  if (g_application_get_flags (app) & G_APPLICATION_IS_SERVICE)
    {
      self->reminders = tessera_reminder_service_new (app, self->store);
      tessera_reminder_service_start (self->reminders);
    }
  ensure_autostart (self);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  /* Delete and Ctrl+C belong to the focused tile, so they are bindings on
   * the tile rather than accelerators that would steal them from entries. */
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static void
tessera_application_window_removed (GtkApplication *app,
                                    GtkWindow      *window)
{
  TesseraApplication *self = TESSERA_APPLICATION (app);
  gboolean last = TESSERA_IS_WINDOW (window);

  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (l->data != window && TESSERA_IS_WINDOW (l->data))
      last = FALSE;

  /* Hold before the window's own hold is released. */
  if (last)
    commit_pending_removals (self);

  GTK_APPLICATION_CLASS (tessera_application_parent_class)->window_removed (app, window);
}

/* GNOME Shell's search provider goes on the bus with the application's
 * own objects, before the name is taken: a Shell that starts Tessera
 * through D-Bus activation finds it there. */
static gboolean
tessera_application_dbus_register (GApplication     *app,
                                   GDBusConnection  *connection,
                                   const char       *object_path,
                                   GError          **error)
{
  TesseraApplication *self = TESSERA_APPLICATION (app);

  if (!G_APPLICATION_CLASS (tessera_application_parent_class)->dbus_register (app, connection, object_path, error))
    return FALSE;

  if (self->search_provider == NULL)
    self->search_provider = tessera_search_provider_new (app);

  return tessera_search_provider_export (self->search_provider, connection, error);
}

static void
tessera_application_dbus_unregister (GApplication    *app,
                                     GDBusConnection *connection,
                                     const char      *object_path)
{
  TesseraApplication *self = TESSERA_APPLICATION (app);

  if (self->search_provider != NULL)
    tessera_search_provider_unexport (self->search_provider);

  G_APPLICATION_CLASS (tessera_application_parent_class)->dbus_unregister (app, connection, object_path);
}

static void
tessera_application_shutdown (GApplication *app)
{
  TesseraApplication *self = TESSERA_APPLICATION (app);

  G_APPLICATION_CLASS (tessera_application_parent_class)->shutdown (app);

  g_clear_object (&self->reminders);
  g_clear_object (&self->store);
}

static void
tessera_application_dispose (GObject *object)
{
  TesseraApplication *self = TESSERA_APPLICATION (object);
  GtkWindow *shortcuts_window = self->shortcuts_window;

  if (shortcuts_window != NULL)
    {
      g_clear_weak_pointer (&self->shortcuts_window);
      gtk_window_destroy (shortcuts_window);
    }
  g_clear_object (&self->reminders);
  g_clear_object (&self->store);
  g_clear_object (&self->search_provider);

  G_OBJECT_CLASS (tessera_application_parent_class)->dispose (object);
}

static void
tessera_application_class_init (TesseraApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

  object_class->dispose = tessera_application_dispose;

  app_class->activate = tessera_application_activate;
  app_class->startup = tessera_application_startup;
  app_class->shutdown = tessera_application_shutdown;
  app_class->dbus_register = tessera_application_dbus_register;
  app_class->dbus_unregister = tessera_application_dbus_unregister;

  gtk_app_class->window_removed = tessera_application_window_removed;
}

static void
tessera_application_init (TesseraApplication *self)
{
}

TesseraApplication *
tessera_application_new (void)
{
  return g_object_new (TESSERA_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/tessera/Tessera",
                       NULL);
}

/**
 * tessera_application_get_store:
 *
 * Returns: (transfer none) (nullable): the store, from startup to shutdown
 */
TesseraStore *
tessera_application_get_store (TesseraApplication *self)
{
  g_return_val_if_fail (TESSERA_IS_APPLICATION (self), NULL);

  return self->store;
}

/**
 * tessera_application_show_credential:
 *
 * Presents the window on the tile of credential @id (GNOME Shell's search
 * result chosen), or just the window when it is gone.
 */
void
tessera_application_show_credential (TesseraApplication *self,
                                     const char         *id)
{
  TesseraWindow *window;

  g_return_if_fail (TESSERA_IS_APPLICATION (self));

  window = present_window (self);
  if (id != NULL)
    tessera_window_show_credential (window, id);
}

/**
 * tessera_application_show_search:
 *
 * Presents the window searching for @text (GNOME Shell's "more results").
 */
void
tessera_application_show_search (TesseraApplication *self,
                                 const char         *text)
{
  TesseraWindow *window;

  g_return_if_fail (TESSERA_IS_APPLICATION (self));

  window = present_window (self);
  tessera_window_show_search (window, text);
}
