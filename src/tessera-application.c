/* tessera-application.c: the GUI application (placeholder window until the UI lands) */
#define G_LOG_DOMAIN "tessera-app"

#include "config.h"

#include <glib/gi18n.h>

#include "tessera-application.h"

struct _TesseraApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (TesseraApplication, tessera_application, ADW_TYPE_APPLICATION)

static void
tessera_application_quit_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "quit", tessera_application_quit_action },
};

static void
tessera_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = GTK_WINDOW (adw_application_window_new (GTK_APPLICATION (app)));
      gtk_window_set_title (window, _("Tessera"));
      gtk_window_set_default_size (window, 900, 640);
    }

  gtk_window_present (window);
}

static void
tessera_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (tessera_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
tessera_application_class_init (TesseraApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = tessera_application_activate;
  app_class->startup = tessera_application_startup;
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
