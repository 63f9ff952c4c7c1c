/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-gui-module.h: the window as a module the program opens */
#pragma once

#include <gmodule.h>

G_BEGIN_DECLS

#define TESSERA_GUI_MODULE_NAME   "libtessera-gui.so"
#define TESSERA_GUI_MODULE_SYMBOL "tessera_gui_main"

typedef int (*TesseraGuiMain) (int argc, char *argv[]);

G_MODULE_EXPORT int tessera_gui_main (int argc, char *argv[]);

G_END_DECLS
