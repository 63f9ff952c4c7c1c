/* main.c: with no arguments, the window; with a sub-command, the command line */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "tessera-application.h"

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

  app = tessera_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
