/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-verification.h: what Harness said about a token */
#pragma once

#include <glib-object.h>

#include "tessera-types.h"

G_BEGIN_DECLS

#define TESSERA_TYPE_VERIFICATION (tessera_verification_get_type ())

G_DECLARE_FINAL_TYPE (TesseraVerification, tessera_verification, TESSERA, VERIFICATION, GObject)

/* Read-only properties, one per accessor below ("valid", "kind",
 * "identifier", "name", "owner-name", "owner-email", "parent-identifier",
 * "api-key-identifier", "account-identifier", "org-identifier",
 * "project-identifier", "valid-from", "valid-to",
 * "scheduled-expire-time", "expires", "correlation-id", "account-name",
 * "limited-permissions"). Times are epoch milliseconds, 0 when unknown. */

gboolean               tessera_verification_get_valid                 (TesseraVerification *self);
TesseraCredentialKind  tessera_verification_get_kind                  (TesseraVerification *self);
const char            *tessera_verification_get_identifier            (TesseraVerification *self);
const char            *tessera_verification_get_name                  (TesseraVerification *self);
const char            *tessera_verification_get_owner_name            (TesseraVerification *self);
const char            *tessera_verification_get_owner_email           (TesseraVerification *self);
const char            *tessera_verification_get_parent_identifier     (TesseraVerification *self);
const char            *tessera_verification_get_api_key_identifier    (TesseraVerification *self);
const char            *tessera_verification_get_account_identifier    (TesseraVerification *self);
/* The scope of an API key made in an organization or project; NULL for
 * an account-level key. Rotate, renew and revoke send them back. */
const char            *tessera_verification_get_org_identifier        (TesseraVerification *self);
const char            *tessera_verification_get_project_identifier    (TesseraVerification *self);
gint64                 tessera_verification_get_valid_from            (TesseraVerification *self);
gint64                 tessera_verification_get_valid_to              (TesseraVerification *self);
gint64                 tessera_verification_get_scheduled_expire_time (TesseraVerification *self);
/* scheduledExpireTime when set, else validTo */
gint64                 tessera_verification_get_expires               (TesseraVerification *self);
const char            *tessera_verification_get_correlation_id        (TesseraVerification *self);
/* From the optional GET /ng/api/accounts/{id}; NULL when not reachable. */
const char            *tessera_verification_get_account_name          (TesseraVerification *self);
/* TRUE when the account call answered 403: the token is valid but may not
 * view the account. */
gboolean               tessera_verification_get_limited_permissions   (TesseraVerification *self);

G_END_DECLS
