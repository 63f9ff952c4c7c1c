/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-harness.h: a Harness API on 127.0.0.1 for tests and demos
 *
 * A SoupServer that answers POST /ng/api/token/validate,
 * GET /ng/api/accounts/{id}, and rotate (POST /ng/api/token/rotate/{id}),
 * create (POST /ng/api/token) and delete (DELETE /ng/api/token/{id}) the
 * way harness-api.md says Harness does, for
 * the tokens it was told about, and records every request it receives.
 * Paths may carry a "/gateway" prefix. Replies can be scripted for the
 * next requests: any status, HTML, delays, no answer at all, redirects,
 * huge or truncated bodies.
 *
 * The server runs on the thread-default main context of the thread that
 * creates it: iterate that context while a client talks to it.
 */
#pragma once

#include <libsoup/soup.h>

#include "tessera-types.h"

G_BEGIN_DECLS

/* Demo data (fake keys of the real shape): fake_harness_add_demo_tokens()
 * registers them, with expiry times relative to now. */
#define FAKE_HARNESS_DEMO_ACCOUNT       "TesseraDemoAcct0000001"
#define FAKE_HARNESS_DEMO_ACCOUNT_NAME  "Tessera Demo Company"
#define FAKE_HARNESS_DEMO_PAT           "pat." FAKE_HARNESS_DEMO_ACCOUNT ".64656d6f0000000000000001.DemoSecretValidPat01"
#define FAKE_HARNESS_DEMO_SAT           "sat." FAKE_HARNESS_DEMO_ACCOUNT ".64656d6f0000000000000002.DemoSecretValidSat01"
#define FAKE_HARNESS_DEMO_PAT_EXPIRING  "pat." FAKE_HARNESS_DEMO_ACCOUNT ".64656d6f0000000000000003.DemoSecretExpiring01"
#define FAKE_HARNESS_DEMO_PAT_EXPIRED   "pat." FAKE_HARNESS_DEMO_ACCOUNT ".64656d6f0000000000000004.DemoSecretExpired001"

/* A token the fake knows. Only @token is required; NULL and 0 members get
 * plausible defaults. */
typedef struct
{
  const char            *token;                 /* the whole key */
  TesseraCredentialKind  kind;                  /* UNKNOWN: from the "pat."/"sat." prefix */
  const char            *account_id;            /* NULL: segment 1 of a 4-segment key */
  const char            *identifier;            /* NULL: "token_<n>" */
  const char            *name;                  /* NULL: "Token <n>" */
  const char            *api_key_identifier;    /* NULL: "api_key_<n>" */
  const char            *parent_identifier;     /* NULL: "user_<n>" or "service_account_<n>" */
  const char            *owner_name;            /* "username" */
  const char            *owner_email;           /* "email" */
  gint64                 valid_from;            /* epoch ms; 0: a day ago */
  gint64                 valid_to;              /* epoch ms; 0: 30 days after valid_from */
  gint64                 scheduled_expire_time; /* epoch ms; 0: none */
  gboolean               no_account_view;       /* accounts/{id} answers 403 NG_ACCESS_DENIED */
  /* An API key made in an organization or project: token/validate says
   * so, and rotate, create and delete find the token only when they name
   * the same scope (as Harness looks tokens up by scope). NULL: account. */
  const char            *org_identifier;
  const char            *project_identifier;
} FakeHarnessToken;

/* A scripted answer. Zero-initialise it and set what you need. */
typedef struct
{
  const char *path;           /* applies to requests whose path ends with this; NULL: any */
  guint       times;          /* how many requests it answers; 0 means 1 */
  guint       status;         /* 0: answer as Harness would (useful with delay_ms) */
  const char *content_type;   /* NULL: "application/json" */
  const char *body;           /* NULL: empty */
  gssize      body_length;    /* -1 or 0: strlen (body) */
  const char *location;       /* a Location header, for 3xx */
  const char *retry_after;    /* a Retry-After header */
  guint       delay_ms;       /* wait this long before answering */
  gboolean    never_answer;   /* hold the request until the fake goes away */
  gboolean    chunked;        /* send without Content-Length */
  gboolean    never_finish;   /* send the body (chunked), then stall forever */
  gboolean    drop;           /* close the connection without a word */
} FakeHarnessReply;

/* What the fake received. */
typedef struct
{
  char               *method;
  char               *path;          /* as received, "/gateway" included */
  char               *query;         /* the raw query string, or NULL */
  GHashTable         *query_params;  /* name → value, never NULL */
  SoupMessageHeaders *headers;
  GBytes             *body;
} FakeHarnessRequest;

#define FAKE_TYPE_HARNESS (fake_harness_get_type ())

G_DECLARE_FINAL_TYPE (FakeHarness, fake_harness, FAKE, HARNESS, GObject)

/* Plain http on 127.0.0.1, on a port the system picks. */
FakeHarness              *fake_harness_new                (void);
/* @port 0 lets the system pick; a @certificate makes it https. */
FakeHarness              *fake_harness_new_full           (guint                     port,
                                                           GTlsCertificate          *certificate,
                                                           GError                  **error);
/* In a test: the certificate tests/data/@name, with the key
 * tests/data/test-key.pem, for fake_harness_new_full(). */
GTlsCertificate          *fake_harness_load_certificate   (const char               *name);
/* "http://127.0.0.1:<port>", without a trailing "/". */
const char               *fake_harness_get_base_url       (FakeHarness              *self);
guint                     fake_harness_get_port           (FakeHarness              *self);

void                      fake_harness_add_token          (FakeHarness              *self,
                                                           const char               *token,
                                                           TesseraCredentialKind     kind,
                                                           gint64                    valid_to,
                                                           gint64                    scheduled_expire_time,
                                                           const char               *owner_name,
                                                           const char               *owner_email);
void                      fake_harness_add_token_full     (FakeHarness              *self,
                                                           const FakeHarnessToken   *token);
/* Deleting a token is how Harness revokes it: it then answers 401. */
void                      fake_harness_remove_token       (FakeHarness              *self,
                                                           const char               *token);
void                      fake_harness_set_account_name   (FakeHarness              *self,
                                                           const char               *account_id,
                                                           const char               *name);
/* Registers FAKE_HARNESS_DEMO_PAT and _SAT (valid for 90 days),
 * _PAT_EXPIRING (expires in 3 days) and _PAT_EXPIRED (expired yesterday). */
void                      fake_harness_add_demo_tokens    (FakeHarness              *self);

/* Rotate and create fail with "Maximum Token limit has been reached" when
 * the API key already has @limit tokens; 0 (the default): no limit. */
void                      fake_harness_set_token_limit    (FakeHarness              *self,
                                                           guint                     limit);
/* The key of the token called @identifier now, or NULL. */
const char               *fake_harness_lookup_key         (FakeHarness              *self,
                                                           const char               *identifier);
gboolean                  fake_harness_key_is_valid       (FakeHarness              *self,
                                                           const char               *key);
/* The keys rotate and create made, in order; NULL past the last. */
const char               *fake_harness_get_minted         (FakeHarness              *self,
                                                           guint                     index);

/* Scripted replies answer the next matching requests, first queued first. */
void                      fake_harness_queue_reply        (FakeHarness              *self,
                                                           guint                     status,
                                                           const char               *content_type,
                                                           const char               *body);
void                      fake_harness_queue_reply_full   (FakeHarness              *self,
                                                           const FakeHarnessReply   *reply);
void                      fake_harness_clear_replies      (FakeHarness              *self);

/* Prints one line per request to stderr (method, path, status; never a
 * header or the body). */
void                      fake_harness_set_log_requests   (FakeHarness              *self,
                                                           gboolean                  log_requests);

guint                     fake_harness_get_n_requests     (FakeHarness              *self);
const FakeHarnessRequest *fake_harness_get_request        (FakeHarness              *self,
                                                           guint                     index);
void                      fake_harness_clear_requests     (FakeHarness              *self);

const char               *fake_harness_request_get_header (const FakeHarnessRequest *request,
                                                           const char               *name);
const char               *fake_harness_request_get_query  (const FakeHarnessRequest *request,
                                                           const char               *name);
/* The body as a NUL-terminated string. */
char                     *fake_harness_request_dup_body   (const FakeHarnessRequest *request);

G_END_DECLS
