/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-verification-private.h: filling a TesseraVerification
 *
 * Only the Harness client and its response parser build verifications; to
 * everyone else they are read-only.
 */
#pragma once

#include "tessera-verification.h"

G_BEGIN_DECLS

TesseraVerification *tessera_verification_new                       (void);

void                 tessera_verification_set_valid                 (TesseraVerification   *self,
                                                                     gboolean               valid);
void                 tessera_verification_set_kind                  (TesseraVerification   *self,
                                                                     TesseraCredentialKind  kind);
void                 tessera_verification_set_identifier            (TesseraVerification   *self,
                                                                     const char            *identifier);
void                 tessera_verification_set_name                  (TesseraVerification   *self,
                                                                     const char            *name);
void                 tessera_verification_set_owner_name            (TesseraVerification   *self,
                                                                     const char            *owner_name);
void                 tessera_verification_set_owner_email           (TesseraVerification   *self,
                                                                     const char            *owner_email);
void                 tessera_verification_set_parent_identifier     (TesseraVerification   *self,
                                                                     const char            *parent_identifier);
void                 tessera_verification_set_api_key_identifier    (TesseraVerification   *self,
                                                                     const char            *api_key_identifier);
void                 tessera_verification_set_account_identifier    (TesseraVerification   *self,
                                                                     const char            *account_identifier);
void                 tessera_verification_set_org_identifier        (TesseraVerification   *self,
                                                                     const char            *org_identifier);
void                 tessera_verification_set_project_identifier    (TesseraVerification   *self,
                                                                     const char            *project_identifier);
void                 tessera_verification_set_valid_from            (TesseraVerification   *self,
                                                                     gint64                 valid_from);
void                 tessera_verification_set_valid_to              (TesseraVerification   *self,
                                                                     gint64                 valid_to);
void                 tessera_verification_set_scheduled_expire_time (TesseraVerification   *self,
                                                                     gint64                 scheduled_expire_time);
void                 tessera_verification_set_correlation_id        (TesseraVerification   *self,
                                                                     const char            *correlation_id);
void                 tessera_verification_set_account_name          (TesseraVerification   *self,
                                                                     const char            *account_name);
void                 tessera_verification_set_limited_permissions   (TesseraVerification   *self,
                                                                     gboolean               limited_permissions);

G_END_DECLS
