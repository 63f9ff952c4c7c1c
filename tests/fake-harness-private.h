/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-harness-private.h: what fake-harness.c (the server, scripted
 * replies, the request log) and fake-harness-answer.c (answering as
 * Harness does) share */
#pragma once

#include <libsoup/soup.h>

#include "fake-harness.h"

G_BEGIN_DECLS

#define DAY_MS (24 * 60 * 60 * (gint64) 1000)

/* One token Harness knows, by its key string. */
typedef struct
{
  char                  *token;
  TesseraCredentialKind  kind;
  char                  *account_id;
  char                  *identifier;
  char                  *name;
  char                  *api_key_identifier;
  char                  *parent_identifier;
  char                  *owner_name;
  char                  *owner_email;
  gint64                 valid_from;
  gint64                 valid_to;
  gint64                 scheduled_expire_time;
  gboolean               no_account_view;
  char                  *org_identifier;       /* NULL: an account-level key */
  char                  *project_identifier;
} Token;

struct _FakeHarness
{
  GObject      parent_instance;

  SoupServer  *server;
  char        *base_url;
  guint        port;
  GHashTable  *tokens;     /* key string → Token */
  GHashTable  *accounts;   /* account id → name */
  GQueue       replies;    /* Reply */
  GPtrArray   *requests;   /* FakeHarnessRequest */
  GPtrArray   *minted;     /* every key rotate and create made, in order */
  GList       *delayed;    /* Delayed */
  GPtrArray   *held;       /* SoupServerMessage, never answered */
  guint        n_tokens;
  guint        token_limit;  /* per API key; 0: none */
  gboolean     log_requests;
  /* HTTPS: the listener and the handshakes (see incoming_cb()) */
  GTlsCertificate *certificate;
  GSocketService  *service;
  GCancellable    *cancellable;
};

void         fake_harness_token_free      (Token             *token);
gint64       fake_harness_now_ms          (void);
gboolean     fake_harness_token_is_valid  (const Token       *token);
void         fake_harness_set_error       (SoupServerMessage *message,
                                           guint              status,
                                           const char        *code,
                                           const char        *text);
void         fake_harness_answer_as_harness (FakeHarness     *self,
                                           SoupServerMessage *message);

G_END_DECLS
