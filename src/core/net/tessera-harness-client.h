/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-client.h: asks Harness whether a token is valid */
#pragma once

#include <gio/gio.h>

#include "tessera-token.h"
#include "tessera-verification.h"

G_BEGIN_DECLS

#define TESSERA_HARNESS_ERROR (tessera_harness_error_quark ())

typedef enum
{
  TESSERA_HARNESS_ERROR_INVALID_BASE_URL,
  TESSERA_HARNESS_ERROR_INSECURE_URL,
  TESSERA_HARNESS_ERROR_MISSING_ACCOUNT,
  TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH,
  TESSERA_HARNESS_ERROR_TOKEN_REJECTED,     /* 401 INVALID_TOKEN (or other 401) */
  TESSERA_HARNESS_ERROR_TOKEN_EXPIRED,      /* 401 EXPIRED_TOKEN */
  TESSERA_HARNESS_ERROR_FORBIDDEN,          /* 403 */
  TESSERA_HARNESS_ERROR_BAD_REQUEST,        /* 400 */
  TESSERA_HARNESS_ERROR_RATE_LIMITED,       /* 429 after retries */
  TESSERA_HARNESS_ERROR_SERVER_ERROR,       /* 5xx after retries */
  TESSERA_HARNESS_ERROR_NOT_HARNESS,        /* HTML, wrong JSON, too large */
  TESSERA_HARNESS_ERROR_REDIRECTED,         /* any 3xx */
  TESSERA_HARNESS_ERROR_TLS,
  TESSERA_HARNESS_ERROR_NETWORK,            /* unreachable, DNS, refused, reset */
  TESSERA_HARNESS_ERROR_TIMED_OUT,
  TESSERA_HARNESS_ERROR_CANCELLED,
  TESSERA_HARNESS_ERROR_TOKEN_LIMIT,        /* 400: the API key has as many tokens as allowed */
} TesseraHarnessError;

GQuark       tessera_harness_error_quark              (void);

/* The correlationId Harness sent with a failure, for support tickets. */
const char  *tessera_harness_error_get_correlation_id (const GError *error);

/* TRUE for failures that say nothing about the token itself (network,
 * timeout, TLS, 429, 5xx, redirect, not Harness): a credential's status
 * becomes "unreachable", never "rejected". */
gboolean     tessera_harness_error_is_transient       (const GError *error);

#define TESSERA_TYPE_HARNESS_CLIENT (tessera_harness_client_get_type ())

G_DECLARE_FINAL_TYPE (TesseraHarnessClient, tessera_harness_client, TESSERA, HARNESS_CLIENT, GObject)

TesseraHarnessClient *tessera_harness_client_new               (void);

/* Overall deadline per verification, retries included (default 15 s). */
void                  tessera_harness_client_set_timeout       (TesseraHarnessClient  *self,
                                                                guint                  timeout_ms);
guint                 tessera_harness_client_get_timeout       (TesseraHarnessClient  *self);
/* For tests: a CA to trust instead of the system database. */
void                  tessera_harness_client_set_tls_database  (TesseraHarnessClient  *self,
                                                                GTlsDatabase          *database);
/* For tests: a proxy for addresses that are not this computer. */
void                  tessera_harness_client_set_proxy_resolver (TesseraHarnessClient *self,
                                                                 GProxyResolver       *resolver);
/* For tests: the first retry waits about @base_ms (default 1000 ms) and
 * the second twice that, each plus up to half again of jitter. */
void                  tessera_harness_client_set_retry_delay   (TesseraHarnessClient  *self,
                                                                guint                  base_ms);
/* For tests: how many HTTP requests this client has started. */
guint                 tessera_harness_client_get_n_requests    (TesseraHarnessClient  *self);

/**
 * tessera_harness_client_verify_async:
 * @base_url: as typed; normalized with tessera_base_url_normalize()
 * @account_id: (nullable): required when @token carries no account
 *
 * POST {base}/ng/api/token/validate?accountIdentifier={acct}, then
 * GET {base}/ng/api/accounts/{acct} for the account name (a 403 there means
 * "valid, limited permissions").
 */
void                  tessera_harness_client_verify_async      (TesseraHarnessClient  *self,
                                                                const char            *base_url,
                                                                const char            *account_id,
                                                                TesseraToken          *token,
                                                                GCancellable          *cancellable,
                                                                GAsyncReadyCallback    callback,
                                                                gpointer               user_data);
TesseraVerification  *tessera_harness_client_verify_finish     (TesseraHarnessClient  *self,
                                                                GAsyncResult          *result,
                                                                GError               **error);

/* A token on Harness, as token/validate described it (harness-api.md §6).
 * @api_key_type is "USER" or "SERVICE_ACCOUNT". @org_identifier and
 * @project_identifier scope an API key made in an organization or project
 * (NULL or "" for an account-level key): every change sends them. */
typedef struct
{
  const char *identifier;
  const char *api_key_identifier;
  const char *parent_identifier;
  const char *api_key_type;
  const char *org_identifier;
  const char *project_identifier;
} TesseraHarnessTokenRef;

/* Changes to tokens: one request each, never retried. Each is
 * authenticated with @token and needs every member of @ref, or fails with
 * TESSERA_HARNESS_ERROR_BAD_REQUEST before sending anything. */
void                  tessera_harness_client_rotate_async      (TesseraHarnessClient         *self,
                                                                const char                   *base_url,
                                                                const char                   *account_id,
                                                                TesseraToken                 *token,
                                                                const TesseraHarnessTokenRef *ref,
                                                                gint64                        rotate_timestamp_ms,
                                                                GCancellable                 *cancellable,
                                                                GAsyncReadyCallback           callback,
                                                                gpointer                      user_data);
char                 *tessera_harness_client_rotate_finish     (TesseraHarnessClient         *self,
                                                                GAsyncResult                 *result,
                                                                GError                      **error);
void                  tessera_harness_client_create_async      (TesseraHarnessClient         *self,
                                                                const char                   *base_url,
                                                                const char                   *account_id,
                                                                TesseraToken                 *token,
                                                                const TesseraHarnessTokenRef *ref,
                                                                const char                   *name,
                                                                gint64                        valid_to_ms,
                                                                GCancellable                 *cancellable,
                                                                GAsyncReadyCallback           callback,
                                                                gpointer                      user_data);
char                 *tessera_harness_client_create_finish     (TesseraHarnessClient         *self,
                                                                GAsyncResult                 *result,
                                                                GError                      **error);
void                  tessera_harness_client_delete_async      (TesseraHarnessClient         *self,
                                                                const char                   *base_url,
                                                                const char                   *account_id,
                                                                TesseraToken                 *token,
                                                                const TesseraHarnessTokenRef *ref,
                                                                GCancellable                 *cancellable,
                                                                GAsyncReadyCallback           callback,
                                                                gpointer                      user_data);
gboolean              tessera_harness_client_delete_finish     (TesseraHarnessClient         *self,
                                                                GAsyncResult                 *result,
                                                                GError                      **error);

G_END_DECLS
