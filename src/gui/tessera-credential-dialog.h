/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-credential-dialog.h: the add / edit credential dialog */
#pragma once

#include <adwaita.h>

#include "tessera-store.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_CREDENTIAL_DIALOG (tessera_credential_dialog_get_type ())

G_DECLARE_FINAL_TYPE (TesseraCredentialDialog, tessera_credential_dialog, TESSERA, CREDENTIAL_DIALOG, AdwDialog)

AdwDialog         *tessera_credential_dialog_new            (TesseraStore            *store,
                                                             TesseraCredential       *credential);
TesseraStore      *tessera_credential_dialog_get_store      (TesseraCredentialDialog *self);
TesseraCredential *tessera_credential_dialog_get_credential (TesseraCredentialDialog *self);
gboolean           tessera_credential_dialog_get_busy       (TesseraCredentialDialog *self);
void               tessera_credential_dialog_focus_key      (TesseraCredentialDialog *self);

/* For tests: what the dialog tells the user right now. */
const char        *tessera_credential_dialog_get_field_message (TesseraCredentialDialog *self,
                                                                const char              *row_title,
                                                                gboolean                *is_error);
const char        *tessera_credential_dialog_get_banner_text   (TesseraCredentialDialog *self);

G_END_DECLS
