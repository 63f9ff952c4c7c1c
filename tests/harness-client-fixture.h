/* SPDX-License-Identifier: GPL-3.0-or-later */
/* harness-client-fixture.h: what the Harness client's test programs share:
 * the test keys, a client and the fake Harness */
#pragma once

#include "fake-harness.h"
#include "tessera-harness-client.h"

G_BEGIN_DECLS

#define ACCT       "AbCdEfGhIjKlMnOpQrSt_-"
#define OTHER_ACCT "ZyXwVuTsRqPoNmLkJiHg-_"
#define TID        "0123456789abcdef01234567"
#define SEC        "A1b2C3d4E5f6G7h8I9j0"
#define PAT        "pat." ACCT "." TID "." SEC
#define SAT        "sat." ACCT ".76543210fedcba9876543210.Z9y8X7w6V5u4T3s2R1q0"
#define LEGACY     "pat." TID "." SEC

#define VALIDATE_PATH "/ng/api/token/validate"
#define ACCOUNT_PATH  "/ng/api/accounts/" ACCT

#define DAY_MS (24 * 60 * 60 * (gint64) 1000)

typedef struct
{
  FakeHarness          *harness;
  TesseraHarnessClient *client;
} Fixture;

typedef struct
{
  gboolean             done;
  TesseraVerification *verification;
  GError              *error;
} Outcome;

void outcome_clear (Outcome *outcome);
void on_verified (GObject *object, GAsyncResult *result, gpointer user_data);
void assert_outcome_is_sane (const Outcome *outcome);
void verify_with (TesseraHarnessClient *client, const char *base_url, const char *account_id, const char *key, GCancellable *cancellable, Outcome *outcome);
void verify (Fixture *fixture, const char *key, Outcome *outcome);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

gint64 now_ms          (void);
void   fixture_set_up  (Fixture *fixture, gconstpointer data);
void   fixture_tear_down (Fixture *fixture, gconstpointer data);
void   wait_until      (gboolean *flag);

G_END_DECLS
