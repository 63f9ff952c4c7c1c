/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-fake-harness.c: the fake Harness itself (fake-harness.c,
 * fake-harness-answer.c) answers as Harness does when the client is not
 * the one asking: without an account, with a different body, to GET; and
 * its demo keys have the real shape and verify as they say
 *
 * The fixture (a client and a fake on 127.0.0.1): harness-client-fixture.h.
 */
#include "config.h"

#include <string.h>

#include "fake-harness.h"
#include "harness-client-fixture.h"
#include "tessera-harness-client.h"
#include "tessera-token.h"

static guint
send_raw (SoupSession *session,
          const char  *method,
          const char  *url,
          const char  *key,
          const char  *account_header,
          const char  *body,
          char       **response)
{
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  if (key != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), "x-api-key", key);
  if (account_header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (message), "Harness-Account", account_header);
  if (body != NULL)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (message, "text/plain", request);
    }

  bytes = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  if (response != NULL)
    *response = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  return soup_message_get_status (message);
}

static gint self_test_finished;

static gpointer
fake_self_test_thread (gpointer data)
{
  const char *base = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *validate = g_strconcat (base, VALIDATE_PATH, NULL);
  g_autofree char *validate_acct = g_strconcat (base, VALIDATE_PATH "?accountIdentifier=" ACCT, NULL);
  g_autofree char *validate_other = g_strconcat (base, VALIDATE_PATH "?accountIdentifier=" OTHER_ACCT, NULL);
  g_autofree char *account = g_strconcat (base, ACCOUNT_PATH, NULL);
  g_autofree char *response = NULL;

  /* No account anywhere: 400 INVALID_REQUEST. */
  g_assert_cmpuint (send_raw (session, "POST", validate, PAT, NULL, PAT, &response), ==, 400);
  g_assert_nonnull (strstr (response, "\"INVALID_REQUEST\""));
  g_clear_pointer (&response, g_free);

  /* The account in the header alone is enough. */
  g_assert_cmpuint (send_raw (session, "POST", validate, PAT, ACCT, PAT, NULL), ==, 200);

  /* Another account: 401 INVALID_TOKEN. */
  g_assert_cmpuint (send_raw (session, "POST", validate_other, PAT, NULL, PAT, &response), ==, 401);
  g_assert_nonnull (strstr (response, "\"INVALID_TOKEN\""));
  g_clear_pointer (&response, g_free);

  /* A body that differs from the header: "Token not found", 400. */
  g_assert_cmpuint (send_raw (session, "POST", validate_acct, PAT, NULL, SAT, NULL), ==, 400);

  /* There is no GET token/validate. */
  g_assert_cmpuint (send_raw (session, "GET", validate_acct, PAT, NULL, NULL, NULL), ==, 405);

  /* The account path is an account too. */
  g_assert_cmpuint (send_raw (session, "GET", account, PAT, NULL, NULL, &response), ==, 200);
  g_assert_nonnull (strstr (response, "\"Example Corp\""));

  g_atomic_int_set (&self_test_finished, 1);
  g_main_context_wakeup (NULL);

  return NULL;
}

static void
test_fake_answers_like_harness (Fixture       *fixture,
                                gconstpointer  data)
{
  GThread *thread;

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);

  /* Blocking requests from a thread, while this thread serves them. */
  thread = g_thread_new ("fake-self-test", fake_self_test_thread, (gpointer) fake_harness_get_base_url (fixture->harness));
  while (!g_atomic_int_get (&self_test_finished))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 6);
}

static void
test_demo_tokens (Fixture       *fixture,
                  gconstpointer  data)
{
  struct {
    const char          *key;
    int                  error;
    TesseraCredentialKind kind;
  } cases[] = {
    { FAKE_HARNESS_DEMO_PAT, -1, TESSERA_CREDENTIAL_KIND_PAT },
    { FAKE_HARNESS_DEMO_SAT, -1, TESSERA_CREDENTIAL_KIND_SAT },
    { FAKE_HARNESS_DEMO_PAT_EXPIRING, -1, TESSERA_CREDENTIAL_KIND_PAT },
    { FAKE_HARNESS_DEMO_PAT_EXPIRED, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED, 0 },
  };

  fake_harness_add_demo_tokens (fixture->harness);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Outcome) outcome = { 0 };
      g_autoptr(TesseraToken) token = tessera_token_parse (cases[i].key, NULL);

      /* The demo keys have the real shape. */
      g_assert_nonnull (token);
      g_assert_true (tessera_token_has_usual_shape (token));

      verify_with (fixture->client, fake_harness_get_base_url (fixture->harness), NULL, cases[i].key, NULL, &outcome);

      if (cases[i].error < 0)
        {
          g_assert_no_error (outcome.error);
          g_assert_cmpint (tessera_verification_get_kind (outcome.verification), ==, cases[i].kind);
          g_assert_cmpstr (tessera_verification_get_account_name (outcome.verification), ==, FAKE_HARNESS_DEMO_ACCOUNT_NAME);
        }
      else
        {
          g_assert_error (outcome.error, TESSERA_HARNESS_ERROR, cases[i].error);
          g_assert_null (outcome.verification);
        }

      if (g_str_equal (cases[i].key, FAKE_HARNESS_DEMO_PAT_EXPIRING))
        {
          gint64 left = tessera_verification_get_expires (outcome.verification) - now_ms ();

          g_assert_cmpint (left, >, 2 * DAY_MS);
          g_assert_cmpint (left, <=, 3 * DAY_MS);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  /* Nothing here may go through a proxy, nor depend on the desktop's
   * proxy settings. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/fake-harness/answers-like-harness", Fixture, NULL, fixture_set_up,
              test_fake_answers_like_harness, fixture_tear_down);
  g_test_add ("/fake-harness/demo-tokens", Fixture, NULL, fixture_set_up,
              test_demo_tokens, fixture_tear_down);

  return g_test_run ();
}
