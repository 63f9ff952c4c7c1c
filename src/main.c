/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: with no arguments, the window; with a sub-command, the command line */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "tessera-application.h"
#include "tessera-cli.h"
#include "tessera-install.h"
#include "tessera-net-module.h"

/* The network and keyring code is not linked in (see
 * tessera-net-module.h): once the window has painted its first frame, it
 * is opened in a thread, so that the first verification need not wait. */
static void
first_paint_cb (GdkFrameClock *clock)
{
  g_signal_handlers_disconnect_by_func (clock, first_paint_cb, NULL);
  tessera_net_preload ();
}

static void
activate_cb (GtkApplication *app)
{
  static gboolean preloading;
  GtkWindow *window = gtk_application_get_active_window (app);
  GdkFrameClock *clock = window != NULL ? gtk_widget_get_frame_clock (GTK_WIDGET (window)) : NULL;

  if (preloading)
    return;
  preloading = TRUE;

  if (clock != NULL)
    g_signal_connect (clock, "after-paint", G_CALLBACK (first_paint_cb), NULL);
  else
    tessera_net_preload ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TesseraApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("tessera");
  g_set_application_name (_("Tessera"));

  /* A word that is not an option always means the command line, which
   * reports unknown commands; options such as --gapplication-service stay
   * with GApplication. The command line runs in this process, never
   * touches GTK and so needs no display. */
  if (argc > 1 && (argv[1][0] != '-' || tessera_cli_is_command (argv[1])))
    return tessera_cli_run (argc, argv);

  /* Without its schema the store would abort: a sentence instead. */
  if (!tessera_install_has_schema ())
    {
      g_autofree char *message = tessera_install_missing_schema_message ();

      g_printerr ("%s\n", message);
      return 1;
    }

  app = tessera_application_new ();
  g_signal_connect_after (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
