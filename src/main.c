/* main.c: with no arguments, the window; with a sub-command, the command line */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "tessera-application.h"
#include "tessera-cli.h"

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

  app = tessera_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
