/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store-sync.c: the store's operations run to completion, for tests */
#include "config.h"

#include "store-sync.h"
#include "test-wait.h"

TesseraCredential *
store_sync_add (TesseraStore         *store,
                const char           *name,
                const char           *description,
                const char           *account_id,
                const char           *base_url,
                const char           *token_value,
                TesseraVerification  *verification,
                GCancellable         *cancellable,
                GError              **error)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (token_value, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_nonnull (token);
  tessera_store_add_async (store, name, description, account_id, base_url, token, verification,
                           cancellable, test_wait_on_ready, &result);
  return tessera_store_add_finish (store, test_wait_for (&result), error);
}

gboolean
store_sync_update (TesseraStore  *store,
                   const char    *id,
                   const char    *name,
                   const char    *description,
                   const char    *account_id,
                   const char    *base_url,
                   const char    *new_token_value,
                   GError       **error)
{
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (new_token_value != NULL)
    token = tessera_token_parse (new_token_value, NULL);

  tessera_store_update_async (store, id, name, description, account_id, base_url,
                              token, NULL, NULL, test_wait_on_ready, &result);
  return tessera_store_update_finish (store, test_wait_for (&result), error);
}

TesseraCredential *
store_sync_add_checked (TesseraStore          *store,
                        const char            *name,
                        const char            *account_id,
                        const char            *base_url,
                        const char            *token_value,
                        TesseraStoreSaveFlags  flags,
                        GError               **error)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (token_value, NULL);
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_nonnull (token);
  tessera_store_add_checked_async (store, name, "", account_id, base_url, token, flags,
                                   NULL, test_wait_on_ready, &result);
  return tessera_store_add_checked_finish (store, test_wait_for (&result), error);
}

gboolean
store_sync_update_checked (TesseraStore          *store,
                           const char            *id,
                           const char            *name,
                           const char            *account_id,
                           const char            *base_url,
                           const char            *new_token_value,
                           TesseraStoreSaveFlags  flags,
                           GError               **error)
{
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  if (new_token_value != NULL)
    {
      token = tessera_token_parse (new_token_value, NULL);
      g_assert_nonnull (token);
    }

  tessera_store_update_checked_async (store, id, name, NULL, account_id, base_url, token, flags,
                                      NULL, test_wait_on_ready, &result);
  return tessera_store_update_checked_finish (store, test_wait_for (&result), error);
}

char *
store_sync_lookup_token (TesseraStore  *store,
                         const char    *id,
                         GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_lookup_token_async (store, id, NULL, test_wait_on_ready, &result);
  return tessera_store_lookup_token_finish (store, test_wait_for (&result), error);
}

TesseraCredentialStatus
store_sync_verify (TesseraStore  *store,
                   const char    *id,
                   GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_verify_async (store, id, NULL, test_wait_on_ready, &result);
  return tessera_store_verify_finish (store, test_wait_for (&result), error);
}

gboolean
store_sync_commit_remove (TesseraStore  *store,
                          const char    *id,
                          GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_commit_remove_async (store, id, NULL, test_wait_on_ready, &result);
  return tessera_store_commit_remove_finish (store, test_wait_for (&result), error);
}

gboolean
store_sync_reconcile (TesseraStore  *store,
                      GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_reconcile_async (store, NULL, test_wait_on_ready, &result);
  return tessera_store_reconcile_finish (store, test_wait_for (&result), error);
}
