/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-libsecret-backend.h: tokens in the Secret Service, through libsecret
 *
 * One keyring item per token revision, schema
 * "io.github.tessera.Tessera.Credential", attributes "credential-id" (the
 * revision's secret id) and "schema-version" (1), nothing else. Item
 * label: "Harness API key: <name> (<account id>)".
 */
#pragma once

#include <libsecret/secret.h>

#include "tessera-secret-backend.h"

G_BEGIN_DECLS

#define TESSERA_SECRET_SCHEMA_NAME "io.github.tessera.Tessera.Credential"

#define TESSERA_TYPE_LIBSECRET_BACKEND (tessera_libsecret_backend_get_type ())

G_DECLARE_FINAL_TYPE (TesseraLibsecretBackend, tessera_libsecret_backend, TESSERA, LIBSECRET_BACKEND, GObject)

TesseraSecretBackend *tessera_libsecret_backend_new            (void);
const SecretSchema   *tessera_libsecret_backend_get_schema     (void);

/* TRUE when libsecret keeps secrets in its own encrypted file (Flatpak,
 * Snap, SECRET_BACKEND=file) instead of talking to a Secret Service. */
gboolean              tessera_libsecret_backend_get_uses_file  (TesseraLibsecretBackend *self);

/* A deadline for each keyring call; 0 (the default) leaves D-Bus's 25 s
 * per message, because an unlock prompt counts against it. */
void                  tessera_libsecret_backend_set_timeout    (TesseraLibsecretBackend *self,
                                                                guint                    timeout_ms);
guint                 tessera_libsecret_backend_get_timeout    (TesseraLibsecretBackend *self);

/**
 * tessera_libsecret_backend_translate_error:
 * @error: what libsecret, GDBus or GIO reported
 * @uses_file: whether the file backend is in use: it has no bus, so a
 *   failure there is never "no Secret Service"
 *
 * Maps a libsecret failure to a TESSERA_STORE_ERROR with a plain sentence
 * (G_IO_ERROR_CANCELLED is passed on unchanged). Exposed for tests.
 *
 * Returns: (transfer full): the error to show
 */
GError               *tessera_libsecret_backend_translate_error (const GError *error,
                                                                 gboolean      uses_file);

G_END_DECLS
