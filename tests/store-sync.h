/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store-sync.h: the store's operations run to completion, for tests
 *
 * Each starts the asynchronous call, waits for its result (test_wait_for:
 * a deadline, then the test fails) and finishes it.
 */
#pragma once

#include "tessera-store.h"

G_BEGIN_DECLS

/* @token_value must parse. */
TesseraCredential      *store_sync_add           (TesseraStore         *store,
                                                  const char           *name,
                                                  const char           *description,
                                                  const char           *account_id,
                                                  const char           *base_url,
                                                  const char           *token_value,
                                                  TesseraVerification  *verification,
                                                  GCancellable         *cancellable,
                                                  GError              **error);
/* @new_token_value: (nullable): keeps the token */
gboolean                store_sync_update        (TesseraStore         *store,
                                                  const char           *id,
                                                  const char           *name,
                                                  const char           *description,
                                                  const char           *account_id,
                                                  const char           *base_url,
                                                  const char           *new_token_value,
                                                  GError              **error);
/* The checked save (tessera-store-save.c). @token_value must parse. */
TesseraCredential      *store_sync_add_checked   (TesseraStore         *store,
                                                  const char           *name,
                                                  const char           *account_id,
                                                  const char           *base_url,
                                                  const char           *token_value,
                                                  TesseraStoreSaveFlags flags,
                                                  GError              **error);
/* @new_token_value: (nullable): keeps the token */
gboolean                store_sync_update_checked (TesseraStore        *store,
                                                  const char           *id,
                                                  const char           *name,
                                                  const char           *account_id,
                                                  const char           *base_url,
                                                  const char           *new_token_value,
                                                  TesseraStoreSaveFlags flags,
                                                  GError              **error);
/* Free with tessera_secure_free(). */
char                   *store_sync_lookup_token  (TesseraStore         *store,
                                                  const char           *id,
                                                  GError              **error);
TesseraCredentialStatus store_sync_verify        (TesseraStore         *store,
                                                  const char           *id,
                                                  GError              **error);
gboolean                store_sync_commit_remove (TesseraStore         *store,
                                                  const char           *id,
                                                  GError              **error);
gboolean                store_sync_reconcile     (TesseraStore         *store,
                                                  GError              **error);

G_END_DECLS
