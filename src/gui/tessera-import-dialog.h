/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-import-dialog.h: "Import from Harness CLI…": the keys found in
 * the files of Harness's command-line tools, to choose from
 *
 * Signals: "finished" (GPtrArray *sources): the import ran; each
 * TesseraImportSource chosen says what happened to it. The dialog then
 * closes.
 */
#pragma once

#include <adwaita.h>

#include "tessera-store.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_IMPORT_DIALOG (tessera_import_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TesseraImportDialog, tessera_import_dialog, TESSERA, IMPORT_DIALOG, AdwDialog)

/* Looks in @home (and $HARNESS_CLI_HOME) once shown. */
AdwDialog *tessera_import_dialog_new (TesseraStore *store,
                                      const char   *home,
                                      const char   *cli_home);

G_END_DECLS
