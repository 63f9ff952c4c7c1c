/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-gui-module.c: the entry point of libtessera-gui.so, the window
 *
 * The `tessera` program runs sub-commands without GTK: loading GTK and
 * libadwaita alone cost a script's `tessera token` most of its time. The
 * window is this module, opened when `tessera` has no sub-command. Its
 * calls into the core go to the program, which exports its symbols (as
 * for libtessera-net.so, see tessera-net-module.h).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "tessera-application.h"
#include "tessera-gui-module.h"
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

G_MODULE_EXPORT int
tessera_gui_main (int   argc,
                  char *argv[])
{
  g_autoptr(TesseraApplication) app = tessera_application_new ();

  g_signal_connect_after (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
