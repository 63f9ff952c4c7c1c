/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-credential.h: one saved credential's metadata (never its token)
 *
 * Backed by a relocatable GSettings object at
 * /io/github/tessera/Tessera/credentials/<id>/ and kept in step with it:
 * a change made elsewhere (the command line) notifies the properties here.
 * Only TesseraStore writes; everything else reads and binds.
 *
 * Properties: "id", "name", "description", "account-id", "account-name",
 * "base-url", "kind" (TesseraCredentialKind), "status"
 * (TesseraCredentialStatus), "status-detail", "owner-name", "owner-email",
 * "created" (unix seconds), "last-verified" (unix seconds, 0 = never),
 * "expires" (epoch ms, 0 = unknown), "correlation-id", and the derived
 * "token-hint" (masked, e.g. "pat.<account>.••••"), "days-to-expiry",
 * "needs-attention", "selected" and "checking" (a verification is running).
 */
#pragma once

#include <gio/gio.h>

#include "tessera-types.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_CREDENTIAL (tessera_credential_get_type ())

G_DECLARE_FINAL_TYPE (TesseraCredential, tessera_credential, TESSERA, CREDENTIAL, GObject)

const char              *tessera_credential_get_id             (TesseraCredential *self);
const char              *tessera_credential_get_name           (TesseraCredential *self);
const char              *tessera_credential_get_description    (TesseraCredential *self);
const char              *tessera_credential_get_account_id     (TesseraCredential *self);
const char              *tessera_credential_get_account_name   (TesseraCredential *self);
const char              *tessera_credential_get_base_url       (TesseraCredential *self);
TesseraCredentialKind    tessera_credential_get_kind           (TesseraCredential *self);
TesseraCredentialStatus  tessera_credential_get_status         (TesseraCredential *self);
const char              *tessera_credential_get_status_detail  (TesseraCredential *self);
const char              *tessera_credential_get_owner_name     (TesseraCredential *self);
const char              *tessera_credential_get_owner_email    (TesseraCredential *self);
gint64                   tessera_credential_get_created        (TesseraCredential *self);
gint64                   tessera_credential_get_last_verified  (TesseraCredential *self);
gint64                   tessera_credential_get_expires        (TesseraCredential *self);
const char              *tessera_credential_get_correlation_id (TesseraCredential *self);
const char              *tessera_credential_get_token_hint     (TesseraCredential *self);
/* Days until expiry, rounded up: 3 for 72 hours less a minute, 1 for any
 * time under a day; -1 on the first day after expiry, -2 on the second…;
 * G_MAXINT when unknown. */
int                      tessera_credential_get_days_to_expiry (TesseraCredential *self);
/* Rejected, expired, forbidden, token missing, or expiring within 7 days. */
gboolean                 tessera_credential_get_needs_attention (TesseraCredential *self);
gboolean                 tessera_credential_get_selected       (TesseraCredential *self);
gboolean                 tessera_credential_get_checking       (TesseraCredential *self);

/* Plain words for the status ("Verified", "Rejected", "Not verified", …). */
const char              *tessera_credential_status_to_string   (TesseraCredentialStatus status);

G_END_DECLS
