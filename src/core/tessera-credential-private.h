/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-credential-private.h: what only TesseraStore may do to a credential
 *
 * Metadata is written by the store, straight into GSettings; a watched
 * credential notices through its GSettings object like any other reader.
 * The flags below are runtime state that is never saved.
 */
#pragma once

#include <gio/gio.h>

#include "tessera-credential.h"

G_BEGIN_DECLS

#define TESSERA_CREDENTIAL_SCHEMA_ID "io.github.tessera.Tessera.Credential"

/* The credential whose keys are under @path (ending in "/") in @backend.
 * They are read when a value is first asked for, straight from the
 * backend, without a GSettings object: the credential does not follow
 * changes made elsewhere until watched, and notifies changes only once a
 * value has been read (before that, nobody has seen one). */
TesseraCredential *_tessera_credential_new           (const char        *id,
                                                      const char        *path,
                                                      GSettingsSchema   *schema,
                                                      GSettingsBackend  *backend);
/* Makes the credential's GSettings object, which follows changes from
 * anywhere (under dconf, one D-Bus match rule), and re-reads every key.
 * Once is enough. */
void               _tessera_credential_watch         (TesseraCredential *self);
void               _tessera_credential_set_read_per_field (TesseraCredential *self,
                                                           gboolean           per_field);
gboolean           _tessera_credential_get_watched   (TesseraCredential *self);
/* The "credential-id" attribute of the keyring item that holds the
 * current token: the credential id until the token is first replaced. */
const char        *_tessera_credential_get_secret_id (TesseraCredential *self);
/* The sentence an older version stored as "status-detail", or "" (see
 * tessera_credential_get_status_detail()). */
const char        *_tessera_credential_get_legacy_status_detail (TesseraCredential *self);
/* Re-reads every key, notifying what changed. */
void               _tessera_credential_reload        (TesseraCredential *self);
void               _tessera_credential_set_selected  (TesseraCredential *self,
                                                      gboolean           selected);
void               _tessera_credential_set_checking  (TesseraCredential *self,
                                                      gboolean           checking);
/* An update or a committed removal is running on it. */
gboolean           _tessera_credential_get_busy      (TesseraCredential *self);
void               _tessera_credential_set_busy      (TesseraCredential *self,
                                                      gboolean           busy);

G_END_DECLS
