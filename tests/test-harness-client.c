/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-harness-client.c: the Harness client against a fake Harness on
 * 127.0.0.1 (issue 2 §5)
 *
 * Every test runs a real SoupServer (tests/fake-harness.c) and a real
 * client, iterating the default main context until the verification ends.
 */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "harness-client-fixture.h"
#include "fake-harness.h"
#include "tessera-harness-client.h"
#include "tessera-token.h"
#include "tessera-words.h"

#define HTML_LOGIN_PAGE \
  "<!DOCTYPE html><html><head><title>Harness</title>" \
  "<script>function redirectPage(){window.location.href='/auth/#/signin'}</script>" \
  "</head><body onload=\"redirectPage()\">Redirecting…</body></html>"

static void
assert_validate_request (const FakeHarnessRequest *request,
                         const char               *key,
                         const char               *account)
{
  g_autofree char *body = fake_harness_request_dup_body (request);

  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->path, ==, VALIDATE_PATH);
  g_assert_cmpstr (fake_harness_request_get_query (request, "accountIdentifier"), ==, account);
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, key);
  g_assert_cmpstr (fake_harness_request_get_header (request, "Harness-Account"), ==, account);
  g_assert_cmpstr (fake_harness_request_get_header (request, "Accept"), ==, "application/json");
  g_assert_cmpstr (fake_harness_request_get_header (request, "Content-Type"), ==, "text/plain");
  g_assert_cmpstr (fake_harness_request_get_header (request, "User-Agent"), ==, "Tessera/" PACKAGE_VERSION);
  g_assert_null (fake_harness_request_get_header (request, "Authorization"));
  g_assert_cmpstr (body, ==, key);
}

static void
assert_validate_count (FakeHarness *harness,
                       guint        expected)
{
  guint count = 0;

  for (guint i = 0; i < fake_harness_get_n_requests (harness); i++)
    if (g_str_equal (fake_harness_get_request (harness, i)->path, VALIDATE_PATH))
      count++;

  g_assert_cmpuint (count, ==, expected);
}

/* Good answers */

static void
test_valid_pat (Fixture       *fixture,
                gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  const FakeHarnessRequest *request;
  gint64 valid_to = now_ms () + 20 * DAY_MS;

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, valid_to, 0,
                          "Grace Hopper", "grace@example.com");
  verify (fixture, PAT, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_true (tessera_verification_get_valid (outcome.verification));
  g_assert_cmpint (tessera_verification_get_kind (outcome.verification), ==, TESSERA_CREDENTIAL_KIND_PAT);
  g_assert_cmpstr (tessera_verification_get_identifier (outcome.verification), ==, "token_1");
  g_assert_cmpstr (tessera_verification_get_name (outcome.verification), ==, "Token 1");
  g_assert_cmpstr (tessera_verification_get_owner_name (outcome.verification), ==, "Grace Hopper");
  g_assert_cmpstr (tessera_verification_get_owner_email (outcome.verification), ==, "grace@example.com");
  g_assert_cmpstr (tessera_verification_get_parent_identifier (outcome.verification), ==, "user_1");
  g_assert_cmpstr (tessera_verification_get_api_key_identifier (outcome.verification), ==, "api_key_1");
  g_assert_cmpstr (tessera_verification_get_account_identifier (outcome.verification), ==, ACCT);
  g_assert_cmpint (tessera_verification_get_valid_to (outcome.verification), ==, valid_to);
  g_assert_cmpint (tessera_verification_get_scheduled_expire_time (outcome.verification), ==, 0);
  g_assert_cmpint (tessera_verification_get_expires (outcome.verification), ==, valid_to);
  g_assert_cmpint (tessera_verification_get_valid_from (outcome.verification), >, 0);
  g_assert_cmpint (tessera_verification_get_valid_from (outcome.verification), <, now_ms ());
  g_assert_nonnull (tessera_verification_get_correlation_id (outcome.verification));
  g_assert_cmpstr (tessera_verification_get_account_name (outcome.verification), ==, "Example Corp");
  g_assert_false (tessera_verification_get_limited_permissions (outcome.verification));

  /* Exactly the two calls of harness-api.md §3, nothing else. */
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 2);
  g_assert_cmpuint (tessera_harness_client_get_n_requests (fixture->client), ==, 2);
  assert_validate_request (fake_harness_get_request (fixture->harness, 0), PAT, ACCT);

  request = fake_harness_get_request (fixture->harness, 1);
  g_assert_cmpstr (request->method, ==, "GET");
  g_assert_cmpstr (request->path, ==, ACCOUNT_PATH);
  g_assert_cmpstr (fake_harness_request_get_query (request, "accountIdentifier"), ==, ACCT);
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, PAT);
  g_assert_cmpstr (fake_harness_request_get_header (request, "Harness-Account"), ==, ACCT);
  g_assert_cmpstr (fake_harness_request_get_header (request, "Accept"), ==, "application/json");
  g_assert_cmpuint (g_bytes_get_size (request->body), ==, 0);
}

static void
test_valid_sat (Fixture       *fixture,
                gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  gint64 valid_to = now_ms () + 60 * DAY_MS;
  gint64 scheduled = now_ms () + 2 * DAY_MS;
  FakeHarnessToken token = {
    .token = SAT,
    .identifier = "ci_token",
    .name = "CI token",
    .parent_identifier = "ci_bot",
    .api_key_identifier = "ci_key",
    .owner_name = "CI bot",
    .owner_email = "ci_bot@service.harness.io",
    .valid_to = valid_to,
    .scheduled_expire_time = scheduled,
  };

  fake_harness_add_token_full (fixture->harness, &token);
  verify (fixture, SAT, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_true (tessera_verification_get_valid (outcome.verification));
  g_assert_cmpint (tessera_verification_get_kind (outcome.verification), ==, TESSERA_CREDENTIAL_KIND_SAT);
  g_assert_cmpstr (tessera_verification_get_identifier (outcome.verification), ==, "ci_token");
  g_assert_cmpstr (tessera_verification_get_name (outcome.verification), ==, "CI token");
  g_assert_cmpstr (tessera_verification_get_parent_identifier (outcome.verification), ==, "ci_bot");
  g_assert_cmpstr (tessera_verification_get_api_key_identifier (outcome.verification), ==, "ci_key");
  g_assert_cmpstr (tessera_verification_get_owner_name (outcome.verification), ==, "CI bot");
  g_assert_cmpint (tessera_verification_get_valid_to (outcome.verification), ==, valid_to);
  g_assert_cmpint (tessera_verification_get_scheduled_expire_time (outcome.verification), ==, scheduled);
  /* A rotated token stops at its scheduled time, before validTo. */
  g_assert_cmpint (tessera_verification_get_expires (outcome.verification), ==, scheduled);

  assert_validate_request (fake_harness_get_request (fixture->harness, 0), SAT, ACCT);
}

static void
test_legacy_with_account (Fixture       *fixture,
                          gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessToken token = { .token = LEGACY, .account_id = ACCT };

  fake_harness_add_token_full (fixture->harness, &token);
  verify_with (fixture->client, fake_harness_get_base_url (fixture->harness), "  " ACCT " ", LEGACY, NULL, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_true (tessera_verification_get_valid (outcome.verification));
  assert_validate_request (fake_harness_get_request (fixture->harness, 0), LEGACY, ACCT);
}

static void
test_gateway_prefix (Fixture       *fixture,
                     gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  g_autofree char *base = g_strconcat (fake_harness_get_base_url (fixture->harness), "/gateway/", NULL);

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  verify_with (fixture->client, base, ACCT, PAT, NULL, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_cmpstr (fake_harness_get_request (fixture->harness, 0)->path, ==, "/gateway" VALIDATE_PATH);
  g_assert_cmpstr (fake_harness_get_request (fixture->harness, 1)->path, ==, "/gateway" ACCOUNT_PATH);
  g_assert_cmpstr (tessera_verification_get_account_name (outcome.verification), ==, "Example Corp");
}

static void
test_null_members (Fixture       *fixture,
                   gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  const char *body =
    "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"t\",\"name\":null,\"validFrom\":null,"
    "\"validTo\":1900000000000,\"scheduledExpireTime\":null,\"valid\":true,\"email\":null,"
    "\"username\":null,\"apiKeyType\":null,\"futureField\":{\"nested\":[1,2,3]}},"
    "\"metaData\":null,\"correlationId\":null,\"somethingNew\":42}";

  fake_harness_queue_reply (fixture->harness, 200, "application/json", body);
  verify (fixture, PAT, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_true (tessera_verification_get_valid (outcome.verification));
  g_assert_cmpint (tessera_verification_get_kind (outcome.verification), ==, TESSERA_CREDENTIAL_KIND_UNKNOWN);
  g_assert_cmpstr (tessera_verification_get_identifier (outcome.verification), ==, "t");
  g_assert_null (tessera_verification_get_name (outcome.verification));
  g_assert_null (tessera_verification_get_owner_name (outcome.verification));
  g_assert_null (tessera_verification_get_correlation_id (outcome.verification));
  g_assert_cmpint (tessera_verification_get_valid_from (outcome.verification), ==, 0);
  g_assert_cmpint (tessera_verification_get_expires (outcome.verification), ==, G_GINT64_CONSTANT (1900000000000));
}

/* The account call is optional */

static void
test_account_forbidden (Fixture       *fixture,
                        gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessToken token = { .token = SAT, .no_account_view = TRUE };

  fake_harness_add_token_full (fixture->harness, &token);
  verify (fixture, SAT, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_true (tessera_verification_get_valid (outcome.verification));
  g_assert_true (tessera_verification_get_limited_permissions (outcome.verification));
  g_assert_null (tessera_verification_get_account_name (outcome.verification));
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 2);
}

static void
test_account_failures_are_harmless (Fixture       *fixture,
                                    gconstpointer  data)
{
  const FakeHarnessReply replies[] = {
    { .path = ACCOUNT_PATH, .status = 500, .body = "{\"status\":\"ERROR\",\"code\":\"UNKNOWN_ERROR\"}" },
    { .path = ACCOUNT_PATH, .status = 200, .content_type = "text/html", .body = HTML_LOGIN_PAGE },
    { .path = ACCOUNT_PATH, .status = 200, .body = "{\"status\":\"SUCCESS\",\"data\":{\"name\":" },
    { .path = ACCOUNT_PATH, .status = 302, .location = "http://127.0.0.1:1/elsewhere" },
    { .path = ACCOUNT_PATH, .status = 401, .body = "{\"status\":\"ERROR\",\"code\":\"INVALID_TOKEN\"}" },
  };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_auto(Outcome) outcome = { 0 };

      g_test_message ("account reply %u", i);
      fake_harness_queue_reply_full (fixture->harness, &replies[i]);
      verify (fixture, PAT, &outcome);

      g_assert_no_error (outcome.error);
      g_assert_true (tessera_verification_get_valid (outcome.verification));
      g_assert_null (tessera_verification_get_account_name (outcome.verification));
      g_assert_false (tessera_verification_get_limited_permissions (outcome.verification));
    }

  /* Never retried: one validate and one account call each time. */
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 2 * G_N_ELEMENTS (replies));
}

static void
test_account_timeout_keeps_result (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .path = ACCOUNT_PATH, .never_answer = TRUE };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  fake_harness_queue_reply_full (fixture->harness, &reply);
  tessera_harness_client_set_timeout (fixture->client, 400);
  verify (fixture, PAT, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_true (tessera_verification_get_valid (outcome.verification));
  g_assert_null (tessera_verification_get_account_name (outcome.verification));
}

/* Harness says no */

static void
assert_error (const Outcome       *outcome,
              TesseraHarnessError  code,
              gboolean             transient)
{
  g_assert_error (outcome->error, TESSERA_HARNESS_ERROR, (int) code);
  g_assert_null (outcome->verification);
  g_assert_cmpint (tessera_harness_error_is_transient (outcome->error), ==, transient);
}

static void
test_invalid_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };

  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_TOKEN_REJECTED, FALSE);
  g_assert_nonnull (strstr (outcome.error->message, "rejected"));
  /* The fake sends a correlationId with every error, as Harness does. */
  g_assert_nonnull (tessera_harness_error_get_correlation_id (outcome.error));
  /* 4xx is never retried, and there is no account call after a failure. */
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
  assert_validate_request (fake_harness_get_request (fixture->harness, 0), PAT, ACCT);
}

static void
test_revoked_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_auto(Outcome) first = { 0 };
  g_auto(Outcome) second = { 0 };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  verify (fixture, PAT, &first);
  g_assert_no_error (first.error);

  fake_harness_remove_token (fixture->harness, PAT);
  verify (fixture, PAT, &second);
  assert_error (&second, TESSERA_HARNESS_ERROR_TOKEN_REJECTED, FALSE);
}

static void
test_expired_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessToken token = {
    .token = PAT,
    .valid_from = now_ms () - 40 * DAY_MS,
    .valid_to = now_ms () - DAY_MS,
  };

  fake_harness_add_token_full (fixture->harness, &token);
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED, FALSE);
  g_assert_nonnull (tessera_harness_error_get_correlation_id (outcome.error));
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
}

static void
test_rotated_token_past_schedule (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT,
                          now_ms () + 10 * DAY_MS, now_ms () - 1000, NULL, NULL);
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED, FALSE);
}

static void
test_forbidden (Fixture       *fixture,
                gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = {
    .path = VALIDATE_PATH,
    .status = 403,
    .body = "{\"status\":\"ERROR\",\"code\":\"NG_ACCESS_DENIED\",\"message\":\"denied\","
            "\"correlationId\":\"corr-403\",\"responseMessages\":[]}",
  };

  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, SAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_FORBIDDEN, FALSE);
  g_assert_cmpstr (tessera_harness_error_get_correlation_id (outcome.error), ==, "corr-403");
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
}

static void
test_bad_request (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  /* What Harness answers when no account reaches its filter. */
  const char *body =
    "{\"status\":\"ERROR\",\"code\":\"INVALID_REQUEST\","
    "\"message\":\"Account detail is not present in the request\",\"correlationId\":\"corr-400\"}";

  fake_harness_queue_reply (fixture->harness, 400, NULL, body);
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_BAD_REQUEST, FALSE);
  g_assert_cmpstr (tessera_harness_error_get_correlation_id (outcome.error), ==, "corr-400");
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
}

static void
test_old_server_400_invalid_token (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };

  /* Before late 2022 Harness answered bad tokens with 400. */
  fake_harness_queue_reply (fixture->harness, 400, NULL,
                            "{\"status\":\"ERROR\",\"code\":\"INVALID_TOKEN\",\"message\":\"Token is not valid.\"}");
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_TOKEN_REJECTED, FALSE);
}

/* Retries */

static void
test_rate_limited_then_success (Fixture       *fixture,
                                gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .path = VALIDATE_PATH, .status = 429, .content_type = "text/html",
                             .body = "<html><body>Too many requests</body></html>" };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  g_assert_no_error (outcome.error);
  g_assert_true (tessera_verification_get_valid (outcome.verification));
  assert_validate_count (fixture->harness, 2);
  assert_validate_request (fake_harness_get_request (fixture->harness, 1), PAT, ACCT);
}

static void
test_rate_limited_three_times (Fixture       *fixture,
                               gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .path = VALIDATE_PATH, .status = 429, .times = 3 };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_RATE_LIMITED, TRUE);
  assert_validate_count (fixture->harness, 3);
}

static void
test_retry_after (Fixture       *fixture,
                  gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .path = VALIDATE_PATH, .status = 503, .retry_after = "1" };
  gint64 start = g_get_monotonic_time ();

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  g_assert_no_error (outcome.error);
  assert_validate_count (fixture->harness, 2);
  /* The server asked for a second; the 10 ms backoff alone would not wait. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC);
}

static void
test_retry_after_too_long (Fixture       *fixture,
                           gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .path = VALIDATE_PATH, .status = 429, .retry_after = "120" };
  gint64 start = g_get_monotonic_time ();

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  /* More than 30 s is not worth waiting for: give up at once. */
  assert_error (&outcome, TESSERA_HARNESS_ERROR_RATE_LIMITED, TRUE);
  assert_validate_count (fixture->harness, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_server_error_not_retried (Fixture       *fixture,
                               gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = {
    .path = VALIDATE_PATH, .status = 500, .times = 3,
    .body = "{\"status\":\"ERROR\",\"code\":\"UNKNOWN_ERROR\",\"correlationId\":\"corr-500\"}",
  };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  /* 500 is a bug on Harness's side, not a passing overload. */
  assert_error (&outcome, TESSERA_HARNESS_ERROR_SERVER_ERROR, TRUE);
  g_assert_cmpstr (tessera_harness_error_get_correlation_id (outcome.error), ==, "corr-500");
  assert_validate_count (fixture->harness, 1);
}

static void
test_unavailable_three_times (Fixture       *fixture,
                              gconstpointer  data)
{
  const guint statuses[] = { 502, 503, 504 };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_auto(Outcome) outcome = { 0 };
      FakeHarnessReply reply = { .path = VALIDATE_PATH, .status = statuses[i], .times = 3 };

      fake_harness_clear_requests (fixture->harness);
      fake_harness_queue_reply_full (fixture->harness, &reply);
      verify (fixture, PAT, &outcome);

      assert_error (&outcome, TESSERA_HARNESS_ERROR_SERVER_ERROR, TRUE);
      /* The first try and two retries. */
      assert_validate_count (fixture->harness, 3);
    }
}

/* A server that is not Harness answers 501 to POST token/validate:
 * nothing about the key, nothing to retry. */
static void
test_not_implemented (Fixture       *fixture,
                      gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = {
    .path = VALIDATE_PATH, .status = 501, .times = 3,
    .content_type = "text/plain", .body = "Not Implemented",
  };

  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_NOT_HARNESS, TRUE);
  g_assert_null (strstr (outcome.error->message, "Harness had a problem"));
  g_assert_nonnull (strstr (outcome.error->message, "not Harness"));
  assert_validate_count (fixture->harness, 1);
}

/* 502 and 504 in a proxy's or load balancer's words (HTML, or nothing)
 * are the gateway's, not Harness's; in Harness's JSON they are Harness's.
 * Both recover, so both are retried. */
static void
test_bad_gateway (Fixture       *fixture,
                  gconstpointer  data)
{
  const struct {
    guint       status;
    const char *content_type;
    const char *body;
    const char *says;
  } cases[] = {
    { 502, "text/html", "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>", "proxy or gateway" },
    { 502, NULL, NULL, "proxy or gateway" },
    { 504, "text/html", "<html><body>Gateway Timeout</body></html>", "proxy or gateway" },
    { 502, NULL, "{\"status\":\"ERROR\",\"code\":\"UNKNOWN_ERROR\",\"correlationId\":\"corr-502\"}",
      "Harness had a problem" },
  };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Outcome) outcome = { 0 };
      FakeHarnessReply reply = {
        .path = VALIDATE_PATH, .status = cases[i].status, .times = 3,
        .content_type = cases[i].content_type, .body = cases[i].body,
      };

      fake_harness_clear_requests (fixture->harness);
      fake_harness_queue_reply_full (fixture->harness, &reply);
      verify (fixture, PAT, &outcome);

      g_test_message ("%u: %s", cases[i].status, outcome.error->message);
      assert_error (&outcome, TESSERA_HARNESS_ERROR_SERVER_ERROR, TRUE);
      g_assert_nonnull (strstr (outcome.error->message, cases[i].says));
      assert_validate_count (fixture->harness, 3);
    }
}

/* A proxy on 127.0.0.1 that answers every CONNECT with @status. */
typedef struct
{
  GSocketService *service;
  guint16         port;
  guint           status;
  gint            n_connects;    /* atomic */
} FakeProxy;

static gboolean
on_proxy_run (GThreadedSocketService *service,
              GSocketConnection      *connection,
              GObject                *source_object,
              gpointer                user_data)
{
  FakeProxy *proxy = user_data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *answer = NULL;
  char c;

  while (!g_str_has_suffix (head->str, "\r\n\r\n") && head->len < 8192 &&
         g_input_stream_read (in, &c, 1, NULL, NULL) == 1)
    g_string_append_c (head, c);

  if (g_str_has_prefix (head->str, "CONNECT "))
    g_atomic_int_inc (&proxy->n_connects);

  answer = g_strdup_printf ("HTTP/1.1 %u Proxy Says No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                            proxy->status);
  g_output_stream_write_all (out, answer, strlen (answer), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return TRUE;
}

static void
fake_proxy_start (FakeProxy *proxy,
                  guint      status)
{
  g_autoptr(GError) error = NULL;

  proxy->status = status;
  proxy->service = g_threaded_socket_service_new (2);
  proxy->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (proxy->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (proxy->service, "run", G_CALLBACK (on_proxy_run), proxy);
  g_socket_service_start (proxy->service);
}

static void
fake_proxy_stop (FakeProxy *proxy)
{
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_clear_object (&proxy->service);
}

/* A proxy that cannot reach the server answers CONNECT with 502: the
 * request never got to Harness, and asking the proxy twice more would not
 * change that. */
static void
test_proxy_connect_refused (void)
{
  const guint statuses[] = { 502, 403 };

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr(TesseraHarnessClient) client = tessera_harness_client_new ();
      g_autoptr(GProxyResolver) resolver = NULL;
      g_autofree char *proxy_url = NULL;
      g_auto(Outcome) outcome = { 0 };
      FakeProxy proxy = { 0 };

      fake_proxy_start (&proxy, statuses[i]);
      proxy_url = g_strdup_printf ("http://127.0.0.1:%u", proxy.port);
      resolver = g_simple_proxy_resolver_new (proxy_url, NULL);
      tessera_harness_client_set_proxy_resolver (client, resolver);
      tessera_harness_client_set_retry_delay (client, 10);

      /* Only the proxy is ever contacted: it never resolves this name. */
      verify_with (client, "https://harness.invalid", NULL, PAT, NULL, &outcome);

      g_test_message ("%u: %s", statuses[i], outcome.error->message);
      assert_error (&outcome, TESSERA_HARNESS_ERROR_NETWORK, TRUE);
      g_assert_nonnull (strstr (outcome.error->message, "proxy"));
      g_assert_null (strstr (outcome.error->message, "Harness had a problem"));
      g_assert_cmpint (g_atomic_int_get (&proxy.n_connects), ==, 1);
      g_assert_cmpuint (tessera_harness_client_get_n_requests (client), ==, 1);
      fake_proxy_stop (&proxy);
    }
}

/* Not Harness */

static void
test_html_login_page (Fixture       *fixture,
                      gconstpointer  data)
{
  const guint statuses[] = { 200, 401 };

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_auto(Outcome) outcome = { 0 };

      fake_harness_queue_reply (fixture->harness, statuses[i], "text/html; charset=utf-8", HTML_LOGIN_PAGE);
      verify (fixture, PAT, &outcome);

      /* Says nothing about the key: the address is probably wrong. */
      assert_error (&outcome, TESSERA_HARNESS_ERROR_NOT_HARNESS, TRUE);
      g_assert_nonnull (strstr (outcome.error->message, "web page"));
    }

  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 2);
}

static void
test_html_as_json (Fixture       *fixture,
                   gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };

  /* A proxy that claims JSON but sends a page. */
  fake_harness_queue_reply (fixture->harness, 200, "application/json", "\n  " HTML_LOGIN_PAGE);
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_NOT_HARNESS, TRUE);
}

static void
test_truncated_json (Fixture       *fixture,
                     gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };

  fake_harness_queue_reply (fixture->harness, 200, NULL,
                            "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"t\",\"valid\":tr");
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_NOT_HARNESS, TRUE);
}

static void
test_wrong_shape_json (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *bodies[] = {
    "[1, 2, 3]",
    "\"SUCCESS\"",
    "{\"hello\":\"world\"}",
    "{\"status\":\"SUCCESS\",\"data\":\"pat.x.y.z\"}",
    "{\"status\":\"SUCCESS\",\"data\":{}}",
    "{\"status\":\"SUCCESS\",\"data\":{\"valid\":\"yes\",\"identifier\":7}}",
    "{\"status\":true,\"data\":{\"valid\":true}}",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_auto(Outcome) outcome = { 0 };

      g_test_message ("body %u: %s", i, bodies[i]);
      fake_harness_queue_reply (fixture->harness, 200, NULL, bodies[i]);
      verify (fixture, PAT, &outcome);

      assert_error (&outcome, TESSERA_HARNESS_ERROR_NOT_HARNESS, TRUE);
    }
}

static void
test_failure_with_200 (Fixture       *fixture,
                       gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  g_auto(Outcome) expired = { 0 };

  fake_harness_queue_reply (fixture->harness, 200, NULL,
                            "{\"status\":\"FAILURE\",\"code\":\"POLICY_EVALUATION_FAILURE\",\"message\":\"Denied by policy\","
                            "\"correlationId\":\"corr-fail\",\"errors\":[],\"data\":{\"valid\":true}}");
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_SERVER_ERROR, TRUE);
  g_assert_cmpstr (tessera_harness_error_get_correlation_id (outcome.error), ==, "corr-fail");

  /* A FAILURE that names a token problem is that problem. */
  fake_harness_queue_reply (fixture->harness, 200, NULL,
                            "{\"status\":\"ERROR\",\"code\":\"EXPIRED_TOKEN\",\"correlationId\":\"corr-exp\"}");
  verify (fixture, PAT, &expired);
  assert_error (&expired, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED, FALSE);
  g_assert_cmpstr (tessera_harness_error_get_correlation_id (expired.error), ==, "corr-exp");
}

static char *
make_huge_json (gsize size)
{
  const char *head = "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"";
  const char *tail = "\",\"valid\":true}}";
  char *body = g_malloc (size + 1);

  memset (body, 'a', size);
  memcpy (body, head, strlen (head));
  memcpy (body + size - strlen (tail), tail, strlen (tail));
  body[size] = '\0';

  return body;
}

static void
test_huge_body (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *huge = make_huge_json (2 * 1024 * 1024);
  FakeHarnessReply replies[] = {
    /* With a Content-Length: refused before reading. */
    { .status = 200, .body = huge },
    /* Chunked: the read itself stops at 1 MiB. */
    { .status = 200, .body = huge, .chunked = TRUE },
    /* Chunked and never finished: the limit must not wait for the end. */
    { .status = 200, .body = huge, .never_finish = TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_auto(Outcome) outcome = { 0 };
      gint64 start = g_get_monotonic_time ();

      g_test_message ("huge reply %u", i);
      fake_harness_queue_reply_full (fixture->harness, &replies[i]);
      verify (fixture, PAT, &outcome);

      assert_error (&outcome, TESSERA_HARNESS_ERROR_NOT_HARNESS, TRUE);
      g_assert_nonnull (strstr (outcome.error->message, "larger"));
      g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
    }
}

static void
test_just_under_limit (Fixture       *fixture,
                       gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  g_autofree char *big = make_huge_json (1024 * 1024);
  FakeHarnessReply reply = { .status = 200, .body = big, .chunked = TRUE };

  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  /* Exactly 1 MiB is still read and parsed. */
  g_assert_no_error (outcome.error);
  g_assert_cmpuint (strlen (tessera_verification_get_identifier (outcome.verification)), >, 1000000);
}

static void
test_unknown_path_404 (Fixture       *fixture,
                       gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  g_autofree char *base = g_strconcat (fake_harness_get_base_url (fixture->harness), "/not-harness", NULL);

  verify_with (fixture->client, base, NULL, PAT, NULL, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_NOT_HARNESS, TRUE);
  g_assert_cmpstr (fake_harness_get_request (fixture->harness, 0)->path, ==, "/not-harness" VALIDATE_PATH);
}

/* Transport */

static void
test_timeout (Fixture       *fixture,
              gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .never_answer = TRUE };
  gint64 start = g_get_monotonic_time ();

  g_assert_cmpuint (tessera_harness_client_get_timeout (fixture->client), ==, 15000);
  tessera_harness_client_set_timeout (fixture->client, 300);
  g_assert_cmpuint (tessera_harness_client_get_timeout (fixture->client), ==, 300);

  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_TIMED_OUT, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
}

static void
test_deadline_covers_retries (Fixture       *fixture,
                              gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .status = 503, .delay_ms = 150, .times = 3 };
  gint64 start = g_get_monotonic_time ();

  /* Each try takes 150 ms; the deadline is for all of them together. */
  tessera_harness_client_set_timeout (fixture->client, 250);
  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  g_assert_true (g_error_matches (outcome.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TIMED_OUT) ||
                 g_error_matches (outcome.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_SERVER_ERROR));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), <=, 2);
}

static void
test_redirect_not_followed (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(FakeHarness) elsewhere = fake_harness_new ();
  g_autofree char *location = g_strconcat (fake_harness_get_base_url (elsewhere), VALIDATE_PATH "?accountIdentifier=" ACCT, NULL);
  const guint statuses[] = { 302, 301, 307, 308 };

  fake_harness_add_token (elsewhere, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_auto(Outcome) outcome = { 0 };
      FakeHarnessReply reply = { .status = statuses[i], .location = location, .content_type = "text/html",
                                 .body = "<html>Moved</html>" };

      fake_harness_queue_reply_full (fixture->harness, &reply);
      verify (fixture, PAT, &outcome);

      assert_error (&outcome, TESSERA_HARNESS_ERROR_REDIRECTED, TRUE);
      g_assert_nonnull (strstr (outcome.error->message, "redirect"));
    }

  /* The key never reached the other server. */
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, G_N_ELEMENTS (statuses));
  g_assert_cmpuint (fake_harness_get_n_requests (elsewhere), ==, 0);
  for (guint i = 0; i < fake_harness_get_n_requests (elsewhere); i++)
    g_assert_null (fake_harness_request_get_header (fake_harness_get_request (elsewhere, i), "x-api-key"));
}

static void
test_connection_refused (void)
{
  g_autoptr(TesseraHarnessClient) client = tessera_harness_client_new ();
  g_auto(Outcome) outcome = { 0 };
  g_autofree char *base = NULL;
  FakeHarness *gone = fake_harness_new ();

  /* A port that was just free and is closed again. */
  base = g_strdup (fake_harness_get_base_url (gone));
  g_assert_finalize_object (gone);

  verify_with (client, base, NULL, PAT, NULL, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_NETWORK, TRUE);
  g_assert_nonnull (strstr (outcome.error->message, "refused"));
}

static void
test_connection_dropped (Fixture       *fixture,
                         gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .path = VALIDATE_PATH, .drop = TRUE };

  fake_harness_queue_reply_full (fixture->harness, &reply);
  verify (fixture, PAT, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_NETWORK, TRUE);
  g_assert_nonnull (strstr (outcome.error->message, "interrupted"));
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
}

static void
test_unknown_host (void)
{
  g_autoptr(TesseraHarnessClient) client = tessera_harness_client_new ();
  g_auto(Outcome) outcome = { 0 };

  /* ".invalid" never resolves (RFC 2606). Without any network the lookup
   * may hang instead of failing, so the deadline is short. */
  tessera_harness_client_set_timeout (client, 3000);
  verify_with (client, "https://tessera-test.invalid", NULL, PAT, NULL, &outcome);

  g_assert_nonnull (outcome.error);
  g_test_message ("%s", outcome.error->message);
  if (g_error_matches (outcome.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NETWORK))
    g_assert_nonnull (strstr (outcome.error->message, "could not be found"));
  else
    assert_error (&outcome, TESSERA_HARNESS_ERROR_TIMED_OUT, TRUE);
  g_assert_true (tessera_harness_error_is_transient (outcome.error));
}

static GTlsDatabase *
load_test_ca (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "test-ca.pem", NULL);
  g_autoptr(GError) error = NULL;
  GTlsDatabase *database;

  database = g_tls_file_database_new (path, &error);
  g_assert_no_error (error);

  return database;
}

typedef struct
{
  const char *certificate;
  gboolean    trust_test_ca;
  const char *reason;   /* NULL: the verification succeeds */
} TlsCase;

static void
test_tls (gconstpointer data)
{
  const TlsCase *tls_case = data;
  g_autoptr(GTlsCertificate) certificate = fake_harness_load_certificate (tls_case->certificate);
  g_autoptr(FakeHarness) harness = NULL;
  g_autoptr(TesseraHarnessClient) client = tessera_harness_client_new ();
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GError) error = NULL;

  harness = fake_harness_new_full (0, certificate, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (fake_harness_get_base_url (harness), "https://127.0.0.1:"));
  fake_harness_add_token (harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);

  if (tls_case->trust_test_ca)
    {
      g_autoptr(GTlsDatabase) database = load_test_ca ();

      tessera_harness_client_set_tls_database (client, database);
    }

  verify_with (client, fake_harness_get_base_url (harness), NULL, PAT, NULL, &outcome);

  if (tls_case->reason == NULL)
    {
      g_assert_no_error (outcome.error);
      g_assert_true (tessera_verification_get_valid (outcome.verification));
      assert_validate_request (fake_harness_get_request (harness, 0), PAT, ACCT);
    }
  else
    {
      g_test_message ("%s", outcome.error->message);
      assert_error (&outcome, TESSERA_HARNESS_ERROR_TLS, TRUE);
      g_assert_nonnull (strstr (outcome.error->message, tls_case->reason));
      /* The handshake failed, so the request was never sent. */
      g_assert_cmpuint (fake_harness_get_n_requests (harness), ==, 0);
    }
}

static const TlsCase tls_self_signed = { "test-self-signed.pem", FALSE, "self-signed" };
static const TlsCase tls_unknown_ca = { "test-leaf.pem", FALSE, "unknown authority" };
static const TlsCase tls_trusted = { "test-leaf.pem", TRUE, NULL };
static const TlsCase tls_expired = { "test-expired.pem", TRUE, "expired" };
static const TlsCase tls_wrong_host = { "test-wrong.pem", TRUE, "different server name" };

static void
test_https_to_plain_server (Fixture       *fixture,
                            gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  g_autofree char *base = g_strdup_printf ("https://127.0.0.1:%u", fake_harness_get_port (fixture->harness));

  /* The plain server waits for the end of a request line that never comes
   * while the client waits for the TLS handshake: only the deadline ends
   * this, and the key is never sent. */
  tessera_harness_client_set_timeout (fixture->client, 500);
  verify_with (fixture->client, base, NULL, PAT, NULL, &outcome);

  g_assert_true (g_error_matches (outcome.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TLS) ||
                 g_error_matches (outcome.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TIMED_OUT));
  g_assert_true (tessera_harness_error_is_transient (outcome.error));
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 0);
}

static void
on_request_seen (GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static void
test_cancel_in_flight (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TesseraToken) token = tessera_token_parse (PAT, NULL);
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .never_answer = TRUE };

  fake_harness_queue_reply_full (fixture->harness, &reply);
  tessera_harness_client_verify_async (fixture->client, fake_harness_get_base_url (fixture->harness), NULL,
                                       token, cancellable, on_verified, &outcome);

  /* Cancel once the server holds the request. */
  while (fake_harness_get_n_requests (fixture->harness) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (outcome.done);
  on_request_seen (cancellable);

  wait_until (&outcome.done);
  assert_outcome_is_sane (&outcome);
  assert_error (&outcome, TESSERA_HARNESS_ERROR_CANCELLED, FALSE);
}

static void
test_cancel_during_retry_wait (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(TesseraToken) token = tessera_token_parse (PAT, NULL);
  g_auto(Outcome) outcome = { 0 };
  FakeHarnessReply reply = { .status = 503, .times = 3 };
  gint64 start;

  tessera_harness_client_set_retry_delay (fixture->client, 5000);
  fake_harness_queue_reply_full (fixture->harness, &reply);
  tessera_harness_client_verify_async (fixture->client, fake_harness_get_base_url (fixture->harness), NULL,
                                       token, cancellable, on_verified, &outcome);

  while (fake_harness_get_n_requests (fixture->harness) == 0)
    g_main_context_iteration (NULL, TRUE);
  /* Let the 503 arrive and the 5 s wait begin (loopback takes well under
   * a millisecond). */
  for (guint i = 0; i < 100; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
  g_assert_false (outcome.done);

  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  wait_until (&outcome.done);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_CANCELLED, FALSE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
}

static void
test_cancelled_before_start (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(Outcome) outcome = { 0 };

  g_cancellable_cancel (cancellable);
  verify_with (fixture->client, fake_harness_get_base_url (fixture->harness), NULL, PAT, cancellable, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_CANCELLED, FALSE);
  g_assert_cmpuint (tessera_harness_client_get_n_requests (fixture->client), ==, 0);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 0);
}

/* Refused before any connection */

static void
test_insecure_url (Fixture       *fixture,
                   gconstpointer  data)
{
  /* 192.0.2.0/24 is reserved for documentation: a connection attempt would
   * hang until the deadline rather than fail fast. */
  const char *urls[] = { "http://app.harness.io", "http://192.0.2.1:8080", "http://10.0.0.1", "http://127.0.0.1.example.com" };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_auto(Outcome) outcome = { 0 };

      verify_with (fixture->client, urls[i], NULL, PAT, NULL, &outcome);
      assert_error (&outcome, TESSERA_HARNESS_ERROR_INSECURE_URL, FALSE);
    }

  g_assert_cmpuint (tessera_harness_client_get_n_requests (fixture->client), ==, 0);
}

static void
test_invalid_url (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *urls[] = { "", "ftp://app.harness.io", "https://user:pw@app.harness.io", "https://app.harness.io/?x=1", "https://" };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_auto(Outcome) outcome = { 0 };

      verify_with (fixture->client, urls[i], NULL, PAT, NULL, &outcome);
      assert_error (&outcome, TESSERA_HARNESS_ERROR_INVALID_BASE_URL, FALSE);
    }

  g_assert_cmpuint (tessera_harness_client_get_n_requests (fixture->client), ==, 0);
}

static void
test_account_mismatch (Fixture       *fixture,
                       gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };

  fake_harness_add_token (fixture->harness, PAT, TESSERA_CREDENTIAL_KIND_PAT, 0, 0, NULL, NULL);
  verify_with (fixture->client, fake_harness_get_base_url (fixture->harness), OTHER_ACCT, PAT, NULL, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH, FALSE);
  g_assert_cmpuint (tessera_harness_client_get_n_requests (fixture->client), ==, 0);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 0);
}

/* Issue 17, finding 12: a 200 that vouches for a key of another account
 * than the one asked about is a mismatch, not a verified key. */
static void
test_answer_for_other_account (Fixture       *fixture,
                               gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  g_auto(Outcome) same = { 0 };

  fake_harness_queue_reply (fixture->harness, 200, "application/json",
                            "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"t\",\"valid\":true,"
                            "\"accountIdentifier\":\"" OTHER_ACCT "\"},\"correlationId\":\"corr-other\"}");
  verify (fixture, PAT, &outcome);
  assert_error (&outcome, TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH, FALSE);
  g_assert_null (outcome.verification);
  g_assert_cmpstr (tessera_harness_error_get_correlation_id (outcome.error), ==, "corr-other");

  /* The account asked about is fine. */
  fake_harness_queue_reply (fixture->harness, 200, "application/json",
                            "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"t\",\"valid\":true,"
                            "\"accountIdentifier\":\"" ACCT "\"}}");
  verify (fixture, PAT, &same);
  g_assert_no_error (same.error);
  g_assert_true (tessera_verification_get_valid (same.verification));
}

static void
test_missing_account (Fixture       *fixture,
                      gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };

  verify_with (fixture->client, fake_harness_get_base_url (fixture->harness), "  ", LEGACY, NULL, &outcome);

  assert_error (&outcome, TESSERA_HARNESS_ERROR_MISSING_ACCOUNT, FALSE);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 0);
}

/* On a terminal, no sentence sends the user to a field or says "here". */
static void
test_terminal_words (Fixture       *fixture,
                     gconstpointer  data)
{
  FakeHarnessToken expired = {
    .token = PAT,
    .valid_from = now_ms () - 40 * DAY_MS,
    .valid_to = now_ms () - DAY_MS,
  };
  const struct { const char *account; const char *key; TesseraHarnessError code; const char *window; } cases[] = {
    { NULL, PAT, TESSERA_HARNESS_ERROR_TOKEN_EXPIRED, "paste it here" },
    { NULL, LEGACY, TESSERA_HARNESS_ERROR_MISSING_ACCOUNT, "Enter the account ID" },
    { OTHER_ACCT, PAT, TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH, "you entered" },
  };

  fake_harness_add_token_full (fixture->harness, &expired);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Outcome) window = { 0 };
      g_auto(Outcome) terminal = { 0 };
      const char *base_url = fake_harness_get_base_url (fixture->harness);

      verify_with (fixture->client, base_url, cases[i].account, cases[i].key, NULL, &window);
      tessera_words_set_audience (TESSERA_AUDIENCE_TERMINAL);
      verify_with (fixture->client, base_url, cases[i].account, cases[i].key, NULL, &terminal);
      tessera_words_set_audience (TESSERA_AUDIENCE_WINDOW);

      g_test_message ("window: %s; terminal: %s", window.error->message, terminal.error->message);
      assert_error (&window, cases[i].code, FALSE);
      assert_error (&terminal, cases[i].code, FALSE);
      g_assert_nonnull (strstr (window.error->message, cases[i].window));
      g_assert_null (strstr (terminal.error->message, cases[i].window));
      g_assert_null (strstr (terminal.error->message, "here"));
      g_assert_null (strstr (terminal.error->message, "nter"));
    }
}

static void
test_error_helpers (void)
{
  g_autoptr(GError) foreign = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  g_autoptr(GError) plain = g_error_new_literal (TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NETWORK, "x");

  g_assert_null (tessera_harness_error_get_correlation_id (NULL));
  g_assert_null (tessera_harness_error_get_correlation_id (foreign));
  g_assert_null (tessera_harness_error_get_correlation_id (plain));
  g_assert_false (tessera_harness_error_is_transient (NULL));
  g_assert_false (tessera_harness_error_is_transient (foreign));
  g_assert_true (tessera_harness_error_is_transient (plain));
}

static void
test_correlation_id_survives_copy (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GError) copy = NULL;

  fake_harness_queue_reply (fixture->harness, 401, NULL,
                            "{\"status\":\"ERROR\",\"code\":\"INVALID_TOKEN\",\"correlationId\":\"corr-copy\"}");
  verify (fixture, PAT, &outcome);

  copy = g_error_copy (outcome.error);
  g_assert_cmpstr (tessera_harness_error_get_correlation_id (copy), ==, "corr-copy");
}

/* Token changes (rotate, create, delete) */

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  /* Nothing here may go through a proxy, nor depend on the desktop's
   * proxy settings. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/harness-client/valid/pat", test_valid_pat);
  ADD ("/harness-client/valid/sat", test_valid_sat);
  ADD ("/harness-client/valid/legacy-with-account", test_legacy_with_account);
  ADD ("/harness-client/valid/gateway-prefix", test_gateway_prefix);
  ADD ("/harness-client/valid/null-and-unknown-members", test_null_members);
  ADD ("/harness-client/rejected/answer-for-other-account", test_answer_for_other_account);
  ADD ("/harness-client/account/forbidden", test_account_forbidden);
  ADD ("/harness-client/account/failures-are-harmless", test_account_failures_are_harmless);
  ADD ("/harness-client/account/timeout-keeps-result", test_account_timeout_keeps_result);
  ADD ("/harness-client/rejected/invalid", test_invalid_token);
  ADD ("/harness-client/rejected/revoked", test_revoked_token);
  ADD ("/harness-client/rejected/expired", test_expired_token);
  ADD ("/harness-client/rejected/rotated-past-schedule", test_rotated_token_past_schedule);
  ADD ("/harness-client/rejected/forbidden", test_forbidden);
  ADD ("/harness-client/rejected/bad-request", test_bad_request);
  ADD ("/harness-client/rejected/old-server-400", test_old_server_400_invalid_token);
  ADD ("/harness-client/retry/rate-limited-then-success", test_rate_limited_then_success);
  ADD ("/harness-client/retry/rate-limited-three-times", test_rate_limited_three_times);
  ADD ("/harness-client/retry/retry-after", test_retry_after);
  ADD ("/harness-client/retry/retry-after-too-long", test_retry_after_too_long);
  ADD ("/harness-client/retry/500-not-retried", test_server_error_not_retried);
  ADD ("/harness-client/retry/unavailable-three-times", test_unavailable_three_times);
  ADD ("/harness-client/retry/bad-gateway", test_bad_gateway);
  ADD ("/harness-client/not-harness/501", test_not_implemented);
  g_test_add_func ("/harness-client/transport/proxy-connect-refused", test_proxy_connect_refused);
  ADD ("/harness-client/not-harness/html-login-page", test_html_login_page);
  ADD ("/harness-client/not-harness/html-as-json", test_html_as_json);
  ADD ("/harness-client/not-harness/truncated-json", test_truncated_json);
  ADD ("/harness-client/not-harness/wrong-shape-json", test_wrong_shape_json);
  ADD ("/harness-client/not-harness/failure-with-200", test_failure_with_200);
  ADD ("/harness-client/not-harness/huge-body", test_huge_body);
  ADD ("/harness-client/not-harness/just-under-limit", test_just_under_limit);
  ADD ("/harness-client/not-harness/404", test_unknown_path_404);
  ADD ("/harness-client/transport/timeout", test_timeout);
  ADD ("/harness-client/transport/deadline-covers-retries", test_deadline_covers_retries);
  ADD ("/harness-client/transport/redirect-not-followed", test_redirect_not_followed);
  g_test_add_func ("/harness-client/transport/connection-refused", test_connection_refused);
  ADD ("/harness-client/transport/connection-dropped", test_connection_dropped);
  g_test_add_func ("/harness-client/transport/unknown-host", test_unknown_host);
  g_test_add_data_func ("/harness-client/tls/self-signed", &tls_self_signed, test_tls);
  g_test_add_data_func ("/harness-client/tls/unknown-ca", &tls_unknown_ca, test_tls);
  g_test_add_data_func ("/harness-client/tls/trusted-ca", &tls_trusted, test_tls);
  g_test_add_data_func ("/harness-client/tls/expired", &tls_expired, test_tls);
  g_test_add_data_func ("/harness-client/tls/wrong-host", &tls_wrong_host, test_tls);
  ADD ("/harness-client/tls/https-to-plain-server", test_https_to_plain_server);
  ADD ("/harness-client/cancel/in-flight", test_cancel_in_flight);
  ADD ("/harness-client/cancel/during-retry-wait", test_cancel_during_retry_wait);
  ADD ("/harness-client/cancel/before-start", test_cancelled_before_start);
  ADD ("/harness-client/local/insecure-url", test_insecure_url);
  ADD ("/harness-client/local/invalid-url", test_invalid_url);
  ADD ("/harness-client/local/account-mismatch", test_account_mismatch);
  ADD ("/harness-client/local/missing-account", test_missing_account);
  ADD ("/harness-client/words/terminal", test_terminal_words);
  ADD ("/harness-client/errors/correlation-id-survives-copy", test_correlation_id_survives_copy);
  g_test_add_func ("/harness-client/errors/helpers", test_error_helpers);

  return g_test_run ();
}
