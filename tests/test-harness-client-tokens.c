/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-harness-client-tokens.c: rotating, creating and deleting a token
 * (tessera-harness-client.c) against the fake Harness */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "harness-client-fixture.h"
#include "tessera-token.h"

typedef struct
{
  gboolean  done;
  char     *key;      /* rotate, create */
  gboolean  deleted;  /* delete */
  GError   *error;
} Change;

static void
change_clear (Change *change)
{
  g_clear_pointer (&change->key, tessera_secure_free);
  g_clear_error (&change->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Change, change_clear)

static void
on_rotated (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Change *change = user_data;

  change->key = tessera_harness_client_rotate_finish (TESSERA_HARNESS_CLIENT (object), result, &change->error);
  change->done = TRUE;
}

static void
on_created (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Change *change = user_data;

  change->key = tessera_harness_client_create_finish (TESSERA_HARNESS_CLIENT (object), result, &change->error);
  change->done = TRUE;
}

static void
on_deleted (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Change *change = user_data;

  change->deleted = tessera_harness_client_delete_finish (TESSERA_HARNESS_CLIENT (object), result, &change->error);
  change->done = TRUE;
}

static const TesseraHarnessTokenRef pat_ref = {
  .identifier = "laptop", .api_key_identifier = "my_key", .parent_identifier = "user_ada", .api_key_type = "USER",
};

static void
add_pat_with_ref (Fixture *fixture,
                  gint64   valid_to)
{
  fake_harness_add_token_full (fixture->harness, &(FakeHarnessToken) {
      .token = PAT, .identifier = "laptop", .api_key_identifier = "my_key", .parent_identifier = "user_ada",
      .valid_to = valid_to });
}

static void
rotate (Fixture                      *fixture,
        const TesseraHarnessTokenRef *ref,
        gint64                        rotate_timestamp,
        Change                       *change)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (PAT, NULL);

  tessera_harness_client_rotate_async (fixture->client, fake_harness_get_base_url (fixture->harness), NULL, token,
                                       ref, rotate_timestamp, NULL, on_rotated, change);
  wait_until (&change->done);
  g_assert_true ((change->key == NULL) != (change->error == NULL));
}

static void
test_rotate (Fixture       *fixture,
             gconstpointer  data)
{
  gint64 valid_to = now_ms () + 40 * DAY_MS;
  gint64 grace = now_ms () + DAY_MS;
  g_auto(Change) change = { 0 };
  g_auto(Outcome) outcome = { 0 };
  g_autofree char *timestamp = g_strdup_printf ("%" G_GINT64_FORMAT, grace);
  g_autoptr(TesseraToken) parsed = NULL;
  const FakeHarnessRequest *request;

  add_pat_with_ref (fixture, valid_to);
  rotate (fixture, &pat_ref, grace, &change);
  g_assert_no_error (change.error);

  /* One POST with the four parameters and the timestamp; no body, and the
   * key only in its header. */
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
  request = fake_harness_get_request (fixture->harness, 0);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->path, ==, "/ng/api/token/rotate/laptop");
  g_assert_cmpstr (fake_harness_request_get_query (request, "accountIdentifier"), ==, ACCT);
  g_assert_cmpstr (fake_harness_request_get_query (request, "apiKeyType"), ==, "USER");
  g_assert_cmpstr (fake_harness_request_get_query (request, "parentIdentifier"), ==, "user_ada");
  g_assert_cmpstr (fake_harness_request_get_query (request, "apiKeyIdentifier"), ==, "my_key");
  g_assert_cmpstr (fake_harness_request_get_query (request, "rotateTimestamp"), ==, timestamp);
  g_assert_cmpstr (fake_harness_request_get_header (request, "x-api-key"), ==, PAT);
  g_assert_null (strstr (request->query, SEC));

  /* The new key is another key with the same identifier and validTo; the
   * old one stays valid until the timestamp. */
  parsed = tessera_token_parse (change.key, NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpstr (change.key, !=, PAT);
  g_assert_cmpstr (fake_harness_lookup_key (fixture->harness, "laptop"), ==, change.key);
  g_assert_true (fake_harness_key_is_valid (fixture->harness, PAT));

  verify (fixture, change.key, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (tessera_verification_get_identifier (outcome.verification), ==, "laptop");
  g_assert_cmpint (tessera_verification_get_valid_to (outcome.verification), ==, valid_to);
  outcome_clear (&outcome);
  outcome.done = FALSE;

  verify (fixture, PAT, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpint (tessera_verification_get_expires (outcome.verification), ==, grace);
  g_assert_true (g_str_has_prefix (tessera_verification_get_identifier (outcome.verification), "rotated_"));
}

static void
test_rotate_failures (Fixture       *fixture,
                      gconstpointer  data)
{
  TesseraHarnessTokenRef incomplete = pat_ref;
  TesseraHarnessTokenRef someone_else = pat_ref;
  g_auto(Change) change = { 0 };

  add_pat_with_ref (fixture, now_ms () + 40 * DAY_MS);

  /* Not described yet: nothing is sent. */
  incomplete.parent_identifier = NULL;
  rotate (fixture, &incomplete, now_ms () + DAY_MS, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_BAD_REQUEST);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 0);
  change_clear (&change);
  change.done = FALSE;

  /* Another user's key: 403, in words about changing tokens. */
  someone_else.parent_identifier = "user_bob";
  rotate (fixture, &someone_else, now_ms () + DAY_MS, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_FORBIDDEN);
  g_assert_nonnull (strstr (change.error->message, "API key"));
  change_clear (&change);
  change.done = FALSE;

  /* Too many tokens on the API key. */
  fake_harness_set_token_limit (fixture->harness, 1);
  rotate (fixture, &pat_ref, now_ms () + DAY_MS, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_LIMIT);
  g_assert_nonnull (strstr (change.error->message, "Maximum Token limit has been reached"));
  g_assert_false (tessera_harness_error_is_transient (change.error));
  change_clear (&change);
  change.done = FALSE;
  fake_harness_set_token_limit (fixture->harness, 0);

  /* A 503 is not retried: the rotation may have happened. */
  fake_harness_clear_requests (fixture->harness);
  fake_harness_queue_reply (fixture->harness, 503, NULL, "");
  rotate (fixture, &pat_ref, now_ms () + DAY_MS, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_SERVER_ERROR);
  g_assert_cmpuint (fake_harness_get_n_requests (fixture->harness), ==, 1);
  change_clear (&change);
  change.done = FALSE;

  /* A success whose data is not a key is not Harness. */
  fake_harness_queue_reply (fixture->harness, 200, NULL, "{\"status\":\"SUCCESS\",\"data\":\"hello\"}");
  rotate (fixture, &pat_ref, now_ms () + DAY_MS, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NOT_HARNESS);
  g_assert_true (fake_harness_key_is_valid (fixture->harness, PAT));
  g_assert_cmpstr (fake_harness_lookup_key (fixture->harness, "laptop"), ==, PAT);
}

static void
create (Fixture                      *fixture,
        const TesseraHarnessTokenRef *ref,
        gint64                        valid_to,
        Change                       *change)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (PAT, NULL);

  tessera_harness_client_create_async (fixture->client, fake_harness_get_base_url (fixture->harness), NULL, token,
                                       ref, "Laptop, renewed", valid_to, NULL, on_created, change);
  wait_until (&change->done);
  g_assert_true ((change->key == NULL) != (change->error == NULL));
}

static void
test_create (Fixture       *fixture,
             gconstpointer  data)
{
  TesseraHarnessTokenRef renewed = pat_ref;
  gint64 valid_to = now_ms () + 90 * DAY_MS;
  g_auto(Change) change = { 0 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;
  const FakeHarnessRequest *request;
  JsonObject *dto;

  add_pat_with_ref (fixture, now_ms () + 2 * DAY_MS);
  renewed.identifier = "laptop_2";
  create (fixture, &renewed, valid_to, &change);
  g_assert_no_error (change.error);

  request = fake_harness_get_request (fixture->harness, 0);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->path, ==, "/ng/api/token");
  g_assert_cmpstr (fake_harness_request_get_query (request, "accountIdentifier"), ==, ACCT);
  g_assert_cmpstr (fake_harness_request_get_header (request, "Content-Type"), ==, "application/json");
  body = fake_harness_request_dup_body (request);
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  dto = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (dto, "identifier"), ==, "laptop_2");
  g_assert_cmpstr (json_object_get_string_member (dto, "name"), ==, "Laptop, renewed");
  g_assert_cmpstr (json_object_get_string_member (dto, "apiKeyIdentifier"), ==, "my_key");
  g_assert_cmpstr (json_object_get_string_member (dto, "parentIdentifier"), ==, "user_ada");
  g_assert_cmpstr (json_object_get_string_member (dto, "apiKeyType"), ==, "USER");
  g_assert_cmpstr (json_object_get_string_member (dto, "accountIdentifier"), ==, ACCT);
  g_assert_cmpint (json_object_get_int_member (dto, "validTo"), ==, valid_to);

  verify (fixture, change.key, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpint (tessera_verification_get_valid_to (outcome.verification), ==, valid_to);
  g_assert_cmpstr (tessera_verification_get_identifier (outcome.verification), ==, "laptop_2");
  change_clear (&change);
  change.done = FALSE;

  /* The same identifier again: Harness refuses it. */
  create (fixture, &renewed, valid_to, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_BAD_REQUEST);
  change_clear (&change);
  change.done = FALSE;

  /* Two tokens on the key, a limit of two. */
  fake_harness_set_token_limit (fixture->harness, 2);
  renewed.identifier = "laptop_3";
  create (fixture, &renewed, valid_to, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_LIMIT);
  g_assert_null (fake_harness_lookup_key (fixture->harness, "laptop_3"));
}

static void
delete_token (Fixture                      *fixture,
              const TesseraHarnessTokenRef *ref,
              Change                       *change)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (PAT, NULL);

  tessera_harness_client_delete_async (fixture->client, fake_harness_get_base_url (fixture->harness), NULL, token,
                                       ref, NULL, on_deleted, change);
  wait_until (&change->done);
  g_assert_true (change->deleted != (change->error != NULL));
}

static void
test_delete (Fixture       *fixture,
             gconstpointer  data)
{
  g_auto(Change) change = { 0 };
  g_auto(Outcome) outcome = { 0 };
  const FakeHarnessRequest *request;

  add_pat_with_ref (fixture, now_ms () + 40 * DAY_MS);
  delete_token (fixture, &pat_ref, &change);
  g_assert_no_error (change.error);

  request = fake_harness_get_request (fixture->harness, 0);
  g_assert_cmpstr (request->method, ==, "DELETE");
  g_assert_cmpstr (request->path, ==, "/ng/api/token/laptop");
  g_assert_cmpstr (fake_harness_request_get_query (request, "accountIdentifier"), ==, ACCT);
  g_assert_cmpstr (fake_harness_request_get_query (request, "apiKeyType"), ==, "USER");
  g_assert_cmpstr (fake_harness_request_get_query (request, "parentIdentifier"), ==, "user_ada");
  g_assert_cmpstr (fake_harness_request_get_query (request, "apiKeyIdentifier"), ==, "my_key");

  /* Deleted is revoked: the key is rejected from now on. */
  verify (fixture, PAT, &outcome);
  g_assert_error (outcome.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_REJECTED);
  change_clear (&change);
  change.done = FALSE;

  /* With the key gone, a second delete cannot even authenticate. */
  delete_token (fixture, &pat_ref, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_TOKEN_REJECTED);
  change_clear (&change);
  change.done = FALSE;

  /* "data": false is a refusal, said so. */
  add_pat_with_ref (fixture, now_ms () + 40 * DAY_MS);
  fake_harness_queue_reply (fixture->harness, 200, NULL, "{\"status\":\"SUCCESS\",\"data\":false}");
  delete_token (fixture, &pat_ref, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_SERVER_ERROR);
  g_assert_true (fake_harness_key_is_valid (fixture->harness, PAT));
}

/* An API key made in a project: token/validate says which, and rotate,
 * create and delete name the org and project (harness-api.md §6), or
 * Harness does not find the token. An account-level key sends neither. */
static void
test_scoped (Fixture       *fixture,
             gconstpointer  data)
{
  TesseraHarnessTokenRef scoped = pat_ref;
  TesseraHarnessTokenRef renewed;
  g_auto(Change) change = { 0 };
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;
  g_autofree char *rotated = NULL;
  const FakeHarnessRequest *request;
  JsonObject *dto;

  fake_harness_add_token_full (fixture->harness, &(FakeHarnessToken) {
      .token = PAT, .identifier = "laptop", .api_key_identifier = "my_key", .parent_identifier = "user_ada",
      .org_identifier = "payments", .project_identifier = "checkout" });

  verify (fixture, PAT, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (tessera_verification_get_org_identifier (outcome.verification), ==, "payments");
  g_assert_cmpstr (tessera_verification_get_project_identifier (outcome.verification), ==, "checkout");
  outcome_clear (&outcome);
  outcome.done = FALSE;
  fake_harness_clear_requests (fixture->harness);

  /* Without its scope, Harness does not find the token. */
  rotate (fixture, &pat_ref, now_ms () + DAY_MS, &change);
  g_assert_error (change.error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_BAD_REQUEST);
  request = fake_harness_get_request (fixture->harness, 0);
  g_assert_null (fake_harness_request_get_query (request, "orgIdentifier"));
  g_assert_null (fake_harness_request_get_query (request, "projectIdentifier"));
  change_clear (&change);
  change.done = FALSE;
  fake_harness_clear_requests (fixture->harness);

  scoped.org_identifier = "payments";
  scoped.project_identifier = "checkout";
  rotate (fixture, &scoped, now_ms () + DAY_MS, &change);
  g_assert_no_error (change.error);
  request = fake_harness_get_request (fixture->harness, 0);
  g_assert_cmpstr (request->path, ==, "/ng/api/token/rotate/laptop");
  g_assert_cmpstr (fake_harness_request_get_query (request, "orgIdentifier"), ==, "payments");
  g_assert_cmpstr (fake_harness_request_get_query (request, "projectIdentifier"), ==, "checkout");
  g_assert_cmpstr (fake_harness_request_get_query (request, "apiKeyIdentifier"), ==, "my_key");
  rotated = g_strdup (change.key);
  change_clear (&change);
  change.done = FALSE;
  fake_harness_clear_requests (fixture->harness);

  /* Create (renew) names the scope in its body. */
  renewed = scoped;
  renewed.identifier = "laptop_2";
  create (fixture, &renewed, now_ms () + 90 * DAY_MS, &change);
  g_assert_no_error (change.error);
  body = fake_harness_request_dup_body (fake_harness_get_request (fixture->harness, 0));
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  dto = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (dto, "orgIdentifier"), ==, "payments");
  g_assert_cmpstr (json_object_get_string_member (dto, "projectIdentifier"), ==, "checkout");
  verify (fixture, change.key, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpstr (tessera_verification_get_project_identifier (outcome.verification), ==, "checkout");
  change_clear (&change);
  change.done = FALSE;
  fake_harness_clear_requests (fixture->harness);

  /* Delete too; the old key authenticates until its grace ends. */
  delete_token (fixture, &scoped, &change);
  g_assert_no_error (change.error);
  request = fake_harness_get_request (fixture->harness, 0);
  g_assert_cmpstr (request->method, ==, "DELETE");
  g_assert_cmpstr (fake_harness_request_get_query (request, "orgIdentifier"), ==, "payments");
  g_assert_cmpstr (fake_harness_request_get_query (request, "projectIdentifier"), ==, "checkout");
  g_assert_false (fake_harness_key_is_valid (fixture->harness, rotated));
}

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

  ADD ("/harness-client/change/rotate", test_rotate);
  ADD ("/harness-client/change/rotate-failures", test_rotate_failures);
  ADD ("/harness-client/change/create", test_create);
  ADD ("/harness-client/change/delete", test_delete);
  ADD ("/harness-client/change/scoped", test_scoped);

  return g_test_run ();
}
