/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: with a sub-command, the command line; otherwise, the window
 *
 * The program links GLib, GIO and the core only: a script's `tessera
 * token` never loads GTK. The window is libtessera-gui.so, opened here
 * when there is no sub-command (gui/tessera-gui-module.h).
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <gmodule.h>
#include <glib/gi18n.h>

#include "tessera-cli.h"
#include "tessera-gui-module.h"
#include "tessera-install.h"

/* $TESSERA_MODULE_DIR when set; the build tree's when the program runs
 * from there; otherwise where it was installed. */
static char *
gui_module_path (void)
{
  const char *dir = g_getenv ("TESSERA_MODULE_DIR");

  if (dir == NULL || *dir == '\0')
    dir = tessera_install_is_build_tree () ? TESSERA_BUILD_GUI_MODULE_DIR : TESSERA_MODULE_DIR;

  return g_build_filename (dir, TESSERA_GUI_MODULE_NAME, NULL);
}

static int
run_window (int   argc,
            char *argv[])
{
  g_autofree char *path = gui_module_path ();
  TesseraGuiMain gui_main = NULL;
  GModule *module;

  /* Without its schema the store would abort: a sentence instead. */
  if (!tessera_install_has_schema ())
    {
      g_autofree char *message = tessera_install_missing_schema_message ();

      g_printerr ("%s\n", message);
      return 1;
    }

  /* Kept open for the life of the process: GTK's types live in it. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL || !g_module_symbol (module, TESSERA_GUI_MODULE_SYMBOL, (gpointer *) &gui_main))
    {
      /* TRANSLATORS: the first %s is a file, the second why it could not be opened */
      g_printerr (_("Tessera could not load its window module %s (%s). Reinstall Tessera.\n"),
                  path, g_module_error ());
      return 1;
    }

  return gui_main (argc, argv);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_prgname ("tessera");
  g_set_application_name (_("Tessera"));

  /* A word that is not an option always means the command line, which
   * reports unknown commands; options such as --gapplication-service stay
   * with GApplication. The command line needs no display. */
  if (argc > 1 && (argv[1][0] != '-' || tessera_cli_is_command (argv[1])))
    {
      int status = tessera_cli_run (argc, argv);

      /* For tests/test-leak-audit.py, which reads what /proc shows of each
       * run: a sub-command that fails at once can end before the audit's
       * first look. Stopped here, it is looked at whole, then continued. */
      if (g_getenv ("TESSERA_AUDIT_STOP_AT_EXIT") != NULL)
        raise (SIGSTOP);

      return status;
    }

  return run_window (argc, argv);
}
