/* SPDX-License-Identifier: GPL-3.0-or-later */
/* harness-client-fixture.c: see harness-client-fixture.h */
#include "config.h"

#include "harness-client-fixture.h"

gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->harness = fake_harness_new ();
  fixture->client = tessera_harness_client_new ();
  tessera_harness_client_set_retry_delay (fixture->client, 10);
  fake_harness_set_account_name (fixture->harness, ACCT, "Example Corp");
}

void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_finalize_object (fixture->client);
  g_assert_finalize_object (fixture->harness);
}

void
wait_until (gboolean *flag)
{
  gint64 give_up = g_get_monotonic_time () + 25 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, give_up);
      g_main_context_iteration (NULL, TRUE);
    }
}

void
outcome_clear (Outcome *outcome)
{
  g_clear_object (&outcome->verification);
  g_clear_error (&outcome->error);
}


void
on_verified (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->verification = tessera_harness_client_verify_finish (TESSERA_HARNESS_CLIENT (object), result, &outcome->error);
  outcome->done = TRUE;
}

void
assert_outcome_is_sane (const Outcome *outcome)
{
  g_assert_true ((outcome->verification == NULL) != (outcome->error == NULL));

  if (outcome->error != NULL)
    {
      /* A sentence for the user that never quotes the key. */
      g_assert_cmpuint (strlen (outcome->error->message), >, 20);
      g_assert_null (strstr (outcome->error->message, SEC));
      g_assert_null (strstr (outcome->error->message, TID));
      g_assert_true (g_str_has_suffix (outcome->error->message, "."));
    }
}

void
verify_with (TesseraHarnessClient *client,
             const char           *base_url,
             const char           *account_id,
             const char           *key,
             GCancellable         *cancellable,
             Outcome              *outcome)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (key, NULL);

  g_assert_nonnull (token);
  tessera_harness_client_verify_async (client, base_url, account_id, token, cancellable, on_verified, outcome);
  wait_until (&outcome->done);
  assert_outcome_is_sane (outcome);
}

void
verify (Fixture    *fixture,
        const char *key,
        Outcome    *outcome)
{
  verify_with (fixture->client, fake_harness_get_base_url (fixture->harness), NULL, key, NULL, outcome);
}
