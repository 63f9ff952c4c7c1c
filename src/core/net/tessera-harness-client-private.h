/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-client-private.h: what tessera-harness-client.c (the
 * class, HTTP exchanges, verification) and tessera-harness-client-tokens.c
 * (rotate, create, delete) share */
#pragma once

#include <libsoup/soup.h>

#include "tessera-harness-client.h"

G_BEGIN_DECLS

/* One HTTP exchange: send a message and read its body, at most 1 MiB. */

typedef struct
{
  SoupMessage          *message;
  GCancellable         *cancellable;    /* this exchange's own, so that it can be aborted alone */
  GCancellable         *parent;
  gulong                parent_handler;
  GInputStream         *stream;
  GByteArray           *body;           /* wiped when freed: it may hold a new key */
  gsize                 capacity;       /* what body holds without moving */
  guint8               *chunk;          /* READ_CHUNK_SIZE, the buffer each read fills; wiped after */
  GTlsCertificateFlags  tls_errors;
  gboolean              got_headers;    /* the server's own answer arrived, not only a proxy's */
} Exchange;

/* The deadline or the caller's cancellable have fired. */
typedef struct
{
  gboolean cancelled;
  gboolean timed_out;
} Interruption;

/* A verification in flight. */

typedef struct
{
  char                *base_url;
  char                *account_id;
  TesseraToken        *token;
  GCancellable        *cancellable;       /* cancelled by the caller's or by the deadline */
  GCancellable        *caller_cancellable;
  gulong               caller_handler;
  GSource             *deadline_source;
  GSource             *retry_source;
  gint64               deadline;          /* monotonic µs */
  gboolean             timed_out;
  guint                attempt;
  TesseraVerification *verification;
  /* A change to the tokens (rotate, create, delete) instead of a check */
  char                *method;
  char                *path;              /* escaped */
  char                *query;             /* escaped, after accountIdentifier */
  GBytes              *request_body;      /* JSON, for create */
  gboolean             deleting;
  char                *new_token;         /* wiped when freed */
} Verify;

/* Frees a secret after wiping it (tessera_secure_free()), as a GDestroyNotify. */
void          _tessera_harness_wipe_and_free          (gpointer               data);
/* Checks the URL and the account, then sets up @task's Verify with its
 * deadline. Returns NULL when @task has already returned an error. */
Verify       *_tessera_harness_start_call             (GTask                 *task,
                                                       const char            *base_url,
                                                       const char            *account_id,
                                                       TesseraToken          *token,
                                                       GCancellable          *cancellable);
SoupMessage  *_tessera_harness_new_message_with_query (Verify                *verify,
                                                       const char            *method,
                                                       const char            *path,
                                                       const char            *query);
void          _tessera_harness_exchange_async         (TesseraHarnessClient  *self,
                                                       SoupMessage           *message,
                                                       GCancellable          *cancellable,
                                                       GAsyncReadyCallback    callback,
                                                       gpointer               user_data);
/* Returns: (transfer full): the body, or %NULL with @error set; either way
 * @tls_errors says what was wrong with the server's certificate. */
GBytes       *_tessera_harness_exchange_finish        (GAsyncResult          *result,
                                                       GTlsCertificateFlags  *tls_errors,
                                                       GError               **error);
Interruption  _tessera_harness_verify_interruption    (Verify                *verify);
void          _tessera_harness_verify_return_error    (GTask                 *task,
                                                       GError                *error);
GError       *_tessera_harness_transport_error        (const GError          *error,
                                                       GTlsCertificateFlags   tls_errors,
                                                       const Interruption    *interruption);

G_END_DECLS
