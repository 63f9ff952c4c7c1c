/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-harness-response.c: table-driven tests of the pure response parser
 *
 * (HTTP status, Content-Type, body) → verification or error, with no
 * network: the shapes of harness-api.md §3–4 and everything else a proxy,
 * a sign-in page or a broken server can send.
 */
#include "config.h"

#include <string.h>

#include "tessera-harness-client.h"
#include "tessera-harness-response.h"
#include "tessera-verification-private.h"

#define JSON "application/json"
#define HTML "text/html; charset=UTF-8"

#define TOKEN_DTO \
  "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"my_token\",\"name\":\"my token\"," \
  "\"validFrom\":1719000000000,\"validTo\":1721592000000,\"scheduledExpireTime\":null,\"valid\":true," \
  "\"accountIdentifier\":\"acct\",\"orgIdentifier\":null,\"projectIdentifier\":null," \
  "\"apiKeyIdentifier\":\"my_api_key\",\"parentIdentifier\":\"user1\",\"apiKeyType\":\"USER\"," \
  "\"description\":\"\",\"tags\":{},\"email\":\"owner@example.com\",\"username\":\"Owner Name\"}," \
  "\"metaData\":null,\"correlationId\":\"corr-ok\"}"

#define ERROR_DTO(code) \
  "{\"status\":\"ERROR\",\"code\":\"" code "\",\"message\":\"msg\",\"correlationId\":\"corr-" code "\"," \
  "\"detailedMessage\":null,\"responseMessages\":[{\"code\":\"" code "\",\"level\":\"ERROR\"," \
  "\"message\":\"msg\",\"exception\":null,\"failureTypes\":[]}],\"metadata\":null}"

#define FAILURE_DTO \
  "{\"status\":\"FAILURE\",\"code\":\"INVALID_REQUEST\",\"message\":\"accountIdentifier: must not be null\"," \
  "\"correlationId\":\"corr-failure\",\"errors\":[{\"fieldId\":\"accountIdentifier\",\"error\":\"must not be null\"}]}"

#define LOGIN_PAGE \
  "<!DOCTYPE html><html><script>function redirectPage(){location='/auth/#/signin'}</script></html>"

typedef enum { VALIDATE, ACCOUNT } Kind;

typedef struct
{
  const char *name;
  Kind        kind;
  guint       status;
  const char *content_type;
  const char *body;
  int         error;           /* -1: success */
  const char *correlation_id;  /* expected on the result or the error */
} Case;

#define OK(n, k, st, ct, b, corr)        { n, k, st, ct, b, -1, corr }
#define ERR(n, k, st, ct, b, code, corr) { n, k, st, ct, b, TESSERA_HARNESS_ERROR_##code, corr }

static const Case cases[] = {
  /* success */
  OK ("token-dto", VALIDATE, 200, JSON, TOKEN_DTO, "corr-ok"),
  OK ("no-content-type", VALIDATE, 200, NULL, TOKEN_DTO, "corr-ok"),
  OK ("json-charset", VALIDATE, 200, "application/json;charset=utf-8", TOKEN_DTO, "corr-ok"),
  OK ("bom-and-space", VALIDATE, 200, JSON, "\xef\xbb\xbf \n" TOKEN_DTO, "corr-ok"),
  OK ("no-status", VALIDATE, 200, JSON, "{\"data\":{\"valid\":true}}", NULL),
  OK ("null-status", VALIDATE, 200, JSON, "{\"status\":null,\"data\":{\"identifier\":\"x\"}}", NULL),
  OK ("only-api-key-type", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":{\"apiKeyType\":\"SERVICE_ACCOUNT\"}}", NULL),
  OK ("valid-false", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":{\"valid\":false}}", NULL),
  OK ("201", VALIDATE, 201, JSON, TOKEN_DTO, "corr-ok"),
  OK ("account", ACCOUNT, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"acct\",\"name\":\"Example Corp\",\"cluster\":\"prod1\"},\"correlationId\":\"c\"}", NULL),
  /* the ErrorDTO statuses of harness-api.md §4 */
  ERR ("401-invalid", VALIDATE, 401, JSON, ERROR_DTO ("INVALID_TOKEN"), TOKEN_REJECTED, "corr-INVALID_TOKEN"),
  ERR ("401-expired", VALIDATE, 401, JSON, ERROR_DTO ("EXPIRED_TOKEN"), TOKEN_EXPIRED, "corr-EXPIRED_TOKEN"),
  ERR ("401-revoked", VALIDATE, 401, JSON, ERROR_DTO ("REVOKED_TOKEN"), TOKEN_REJECTED, "corr-REVOKED_TOKEN"),
  ERR ("401-empty", VALIDATE, 401, NULL, "", TOKEN_REJECTED, NULL),
  ERR ("401-garbage", VALIDATE, 401, "text/plain", "Unauthorized", TOKEN_REJECTED, NULL),
  ERR ("403", VALIDATE, 403, JSON, ERROR_DTO ("NG_ACCESS_DENIED"), FORBIDDEN, "corr-NG_ACCESS_DENIED"),
  ERR ("403-account", ACCOUNT, 403, JSON, ERROR_DTO ("NG_ACCESS_DENIED"), FORBIDDEN, "corr-NG_ACCESS_DENIED"),
  ERR ("400-invalid-request", VALIDATE, 400, JSON, ERROR_DTO ("INVALID_REQUEST"), BAD_REQUEST, "corr-INVALID_REQUEST"),
  ERR ("400-failure", VALIDATE, 400, JSON, FAILURE_DTO, BAD_REQUEST, "corr-failure"),
  ERR ("400-old-invalid-token", VALIDATE, 400, JSON, ERROR_DTO ("INVALID_TOKEN"), TOKEN_REJECTED, "corr-INVALID_TOKEN"),
  ERR ("400-old-expired-token", VALIDATE, 400, JSON, ERROR_DTO ("EXPIRED_TOKEN"), TOKEN_EXPIRED, "corr-EXPIRED_TOKEN"),
  ERR ("400-too-many", VALIDATE, 400, JSON, ERROR_DTO ("TOO_MANY_REQUESTS"), RATE_LIMITED, "corr-TOO_MANY_REQUESTS"),
  ERR ("404", VALIDATE, 404, JSON, ERROR_DTO ("RESOURCE_NOT_FOUND"), NOT_HARNESS, "corr-RESOURCE_NOT_FOUND"),
  ERR ("405", VALIDATE, 405, NULL, "", BAD_REQUEST, NULL),
  ERR ("408", VALIDATE, 408, NULL, "", TIMED_OUT, NULL),
  ERR ("429-armor-page", VALIDATE, 429, HTML, "<html>rate limited</html>", RATE_LIMITED, NULL),
  ERR ("500", VALIDATE, 500, JSON, ERROR_DTO ("UNKNOWN_ERROR"), SERVER_ERROR, "corr-UNKNOWN_ERROR"),
  ERR ("502-html", VALIDATE, 502, HTML, "<html>Bad gateway</html>", SERVER_ERROR, NULL),
  ERR ("503", VALIDATE, 503, NULL, "", SERVER_ERROR, NULL),
  /* redirects */
  ERR ("301", VALIDATE, 301, HTML, "<html>Moved</html>", REDIRECTED, NULL),
  ERR ("302", VALIDATE, 302, NULL, "", REDIRECTED, NULL),
  ERR ("307", VALIDATE, 307, NULL, "", REDIRECTED, NULL),
  ERR ("304", VALIDATE, 304, NULL, "", REDIRECTED, NULL),
  /* not Harness */
  ERR ("html-200", VALIDATE, 200, HTML, LOGIN_PAGE, NOT_HARNESS, NULL),
  ERR ("html-401", VALIDATE, 401, HTML, LOGIN_PAGE, NOT_HARNESS, NULL),
  ERR ("html-403-waf", VALIDATE, 403, HTML, "<html>Blocked by WAF</html>", NOT_HARNESS, NULL),
  ERR ("html-sniffed", VALIDATE, 200, JSON, "  <html></html>", NOT_HARNESS, NULL),
  ERR ("xhtml-type", VALIDATE, 200, "application/xhtml+xml", "<?xml version=\"1.0\"?>", NOT_HARNESS, NULL),
  ERR ("empty-200", VALIDATE, 200, JSON, "", NOT_HARNESS, NULL),
  ERR ("blank-200", VALIDATE, 200, JSON, " \r\n\t ", NOT_HARNESS, NULL),
  ERR ("truncated", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":{\"valid\":tr", NOT_HARNESS, NULL),
  ERR ("truncated-string", VALIDATE, 200, JSON, "{\"status\":\"SUCC", NOT_HARNESS, NULL),
  ERR ("trailing-garbage", VALIDATE, 200, JSON, TOKEN_DTO "}", NOT_HARNESS, NULL),
  ERR ("yaml", VALIDATE, 200, "application/yaml", "status: SUCCESS\ndata:\n  valid: true\n", NOT_HARNESS, NULL),
  ERR ("array", VALIDATE, 200, JSON, "[]", NOT_HARNESS, NULL),
  ERR ("number", VALIDATE, 200, JSON, "42", NOT_HARNESS, NULL),
  ERR ("null", VALIDATE, 200, JSON, "null", NOT_HARNESS, NULL),
  ERR ("no-data", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\",\"correlationId\":\"c1\"}", NOT_HARNESS, "c1"),
  ERR ("null-data", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":null}", NOT_HARNESS, NULL),
  ERR ("string-data", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":\"pat.a.b.c\"}", NOT_HARNESS, NULL),
  ERR ("empty-data", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":{}}", NOT_HARNESS, NULL),
  ERR ("other-api", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":{\"uuid\":\"u\",\"email\":\"e\"}}", NOT_HARNESS, NULL),
  ERR ("numeric-status", VALIDATE, 200, JSON, "{\"status\":1,\"data\":{\"valid\":true}}", NOT_HARNESS, NULL),
  ERR ("deep-nesting", VALIDATE, 200, JSON, "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", NOT_HARNESS, NULL),
  ERR ("nul-byte", VALIDATE, 200, JSON, "{\"status\":\"SUCCESS\"\0}", NOT_HARNESS, NULL),
  ERR ("invalid-utf8", VALIDATE, 200, JSON, "{\"status\":\"\xff\xfe\"}", NOT_HARNESS, NULL),
  ERR ("account-no-name", ACCOUNT, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":{\"identifier\":\"acct\"}}", NOT_HARNESS, NULL),
  ERR ("account-empty-name", ACCOUNT, 200, JSON, "{\"status\":\"SUCCESS\",\"data\":{\"name\":\"\"}}", NOT_HARNESS, NULL),
  /* status FAILURE or ERROR with 200 */
  ERR ("200-failure", VALIDATE, 200, JSON, "{\"status\":\"FAILURE\",\"code\":\"POLICY_EVALUATION_FAILURE\",\"correlationId\":\"c2\"}", SERVER_ERROR, "c2"),
  ERR ("200-error-invalid", VALIDATE, 200, JSON, ERROR_DTO ("INVALID_TOKEN"), TOKEN_REJECTED, "corr-INVALID_TOKEN"),
  ERR ("200-error-denied", VALIDATE, 200, JSON, ERROR_DTO ("ACCESS_DENIED"), FORBIDDEN, "corr-ACCESS_DENIED"),
  ERR ("200-unknown-status", VALIDATE, 200, JSON, "{\"status\":\"MAYBE\",\"data\":{\"valid\":true}}", SERVER_ERROR, NULL),
  /* odd statuses */
  ERR ("100", VALIDATE, 100, NULL, "", NOT_HARNESS, NULL),
  ERR ("600", VALIDATE, 600, NULL, "", NOT_HARNESS, NULL),
};

static void
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(TesseraVerification) verification = NULL;
      g_autofree char *account_name = NULL;
      gsize length = strlen (c->body);

      /* The one case with a NUL inside: take the literal's full size. */
      if (g_str_equal (c->name, "nul-byte"))
        length = sizeof ("{\"status\":\"SUCCESS\"\0}") - 1;

      g_test_message ("case %s", c->name);

      if (c->kind == VALIDATE)
        verification = tessera_harness_response_parse_validate (c->status, c->content_type, c->body, length, &error);
      else
        account_name = tessera_harness_response_parse_account (c->status, c->content_type, c->body, length, &error);

      if (c->error < 0)
        {
          g_assert_no_error (error);
          if (c->kind == VALIDATE)
            {
              g_assert_nonnull (verification);
              g_assert_cmpstr (tessera_verification_get_correlation_id (verification), ==, c->correlation_id);
            }
          else
            g_assert_nonnull (account_name);
        }
      else
        {
          g_assert_null (verification);
          g_assert_null (account_name);
          g_assert_error (error, TESSERA_HARNESS_ERROR, c->error);
          g_assert_cmpstr (tessera_harness_error_get_correlation_id (error), ==, c->correlation_id);
          /* A sentence, never the server's own words. */
          g_assert_cmpuint (strlen (error->message), >, 20);
          g_assert_null (strstr (error->message, "msg"));
        }
    }

  g_assert_cmpuint (G_N_ELEMENTS (cases), >=, 60);
}

static void
test_token_dto_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraVerification) v = NULL;

  v = tessera_harness_response_parse_validate (200, JSON, TOKEN_DTO, strlen (TOKEN_DTO), &error);
  g_assert_no_error (error);

  g_assert_true (tessera_verification_get_valid (v));
  g_assert_cmpint (tessera_verification_get_kind (v), ==, TESSERA_CREDENTIAL_KIND_PAT);
  g_assert_cmpstr (tessera_verification_get_identifier (v), ==, "my_token");
  g_assert_cmpstr (tessera_verification_get_name (v), ==, "my token");
  g_assert_cmpstr (tessera_verification_get_owner_name (v), ==, "Owner Name");
  g_assert_cmpstr (tessera_verification_get_owner_email (v), ==, "owner@example.com");
  g_assert_cmpstr (tessera_verification_get_parent_identifier (v), ==, "user1");
  g_assert_cmpstr (tessera_verification_get_api_key_identifier (v), ==, "my_api_key");
  g_assert_cmpstr (tessera_verification_get_account_identifier (v), ==, "acct");
  g_assert_cmpint (tessera_verification_get_valid_from (v), ==, G_GINT64_CONSTANT (1719000000000));
  g_assert_cmpint (tessera_verification_get_valid_to (v), ==, G_GINT64_CONSTANT (1721592000000));
  g_assert_cmpint (tessera_verification_get_scheduled_expire_time (v), ==, 0);
  g_assert_cmpint (tessera_verification_get_expires (v), ==, G_GINT64_CONSTANT (1721592000000));
  g_assert_null (tessera_verification_get_account_name (v));
  g_assert_false (tessera_verification_get_limited_permissions (v));
}

static void
test_odd_values (void)
{
  const char *body =
    "{\"status\":\"SUCCESS\",\"data\":{\"valid\":\"true\",\"identifier\":\"x\",\"validFrom\":-5,"
    "\"validTo\":1.7e12,\"scheduledExpireTime\":\"1800000000000\",\"apiKeyType\":\"SSH_KEY\","
    "\"username\":42,\"email\":[\"a\"],\"name\":{\"x\":1}}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraVerification) v = NULL;

  v = tessera_harness_response_parse_validate (200, JSON, body, strlen (body), &error);
  g_assert_no_error (error);

  /* Wrongly typed members read as unknown; a float time is still a time. */
  g_assert_true (tessera_verification_get_valid (v));
  g_assert_cmpint (tessera_verification_get_kind (v), ==, TESSERA_CREDENTIAL_KIND_UNKNOWN);
  g_assert_cmpint (tessera_verification_get_valid_from (v), ==, 0);
  g_assert_cmpint (tessera_verification_get_valid_to (v), ==, G_GINT64_CONSTANT (1700000000000));
  g_assert_cmpint (tessera_verification_get_scheduled_expire_time (v), ==, 0);
  g_assert_null (tessera_verification_get_owner_name (v));
  g_assert_null (tessera_verification_get_owner_email (v));
  g_assert_null (tessera_verification_get_name (v));
}

static void
test_sat_scheduled (void)
{
  const char *body =
    "{\"status\":\"SUCCESS\",\"data\":{\"valid\":true,\"apiKeyType\":\"SERVICE_ACCOUNT\","
    "\"validTo\":1800000000000,\"scheduledExpireTime\":1750000000000}}";
  g_autoptr(TesseraVerification) v = NULL;

  v = tessera_harness_response_parse_validate (200, JSON, body, strlen (body), NULL);
  g_assert_nonnull (v);
  g_assert_cmpint (tessera_verification_get_kind (v), ==, TESSERA_CREDENTIAL_KIND_SAT);
  g_assert_cmpint (tessera_verification_get_expires (v), ==, G_GINT64_CONSTANT (1750000000000));
}

static void
test_null_and_huge_bodies (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *brackets = NULL;
  gsize size = TESSERA_HARNESS_MAX_BODY_SIZE + 1;

  g_assert_null (tessera_harness_response_parse_validate (200, NULL, NULL, 0, &error));
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NOT_HARNESS);
  g_clear_error (&error);

  huge = g_strnfill (size, ' ');
  g_assert_null (tessera_harness_response_parse_validate (200, JSON, huge, size, &error));
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NOT_HARNESS);
  g_clear_error (&error);

  /* A megabyte of "[" must not recurse a megabyte deep. */
  brackets = g_strnfill (TESSERA_HARNESS_MAX_BODY_SIZE, '[');
  g_assert_null (tessera_harness_response_parse_validate (200, JSON, brackets, TESSERA_HARNESS_MAX_BODY_SIZE, &error));
  g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_NOT_HARNESS);
}

/* Found by fuzz-harness-response on Debian 13: a JSON scalar followed by
 * more JSON. json-glib 1.10's immutable parser aborted in
 * json_parser_get_root() ("assertion failed: (parser->priv->root == NULL ||
 * !parser->priv->is_immutable || …)"): a server's odd answer must be an
 * error, never the end of the program. */
static void
test_scalar_then_object (void)
{
  static const char body[] = "1{\"status\":\"ER\",\"code\":\"ACCESS_DENIED\",\"message\":\"no\"}";
  static const guint statuses[] = { 200, 401, 403 };

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TesseraVerification) verification = NULL;
      g_autofree char *name = NULL;

      verification = tessera_harness_response_parse_validate (statuses[i], JSON, body, strlen (body), &error);
      g_assert_true ((verification == NULL) != (error == NULL));
      g_clear_error (&error);

      name = tessera_harness_response_parse_account (statuses[i], JSON, body, strlen (body), &error);
      g_assert_true (name == NULL || error == NULL);
    }
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
test_verification_properties (void)
{
  const char *body = TOKEN_DTO;
  TesseraVerification *v = tessera_harness_response_parse_validate (200, JSON, body, strlen (body), NULL);
  g_autofree char *identifier = NULL;
  gint64 expires = 0;
  gboolean valid = FALSE;
  int kind = 0;

  g_assert_nonnull (v);
  g_object_get (v, "identifier", &identifier, "expires", &expires, "valid", &valid, "kind", &kind, NULL);
  g_assert_cmpstr (identifier, ==, "my_token");
  g_assert_cmpint (expires, ==, G_GINT64_CONSTANT (1721592000000));
  g_assert_true (valid);
  g_assert_cmpint (kind, ==, TESSERA_CREDENTIAL_KIND_PAT);

  g_assert_finalize_object (v);
}

static void
test_verification_notify (void)
{
  TesseraVerification *v = tessera_verification_new ();
  guint any = 0;
  guint expires = 0;

  g_signal_connect (v, "notify", G_CALLBACK (on_notify), &any);
  g_signal_connect (v, "notify::expires", G_CALLBACK (on_notify), &expires);

  tessera_verification_set_valid_to (v, 1000);
  g_assert_cmpuint (expires, ==, 1);
  tessera_verification_set_valid_to (v, 1000);
  g_assert_cmpuint (expires, ==, 1);

  /* A scheduled time takes over the expiry… */
  tessera_verification_set_scheduled_expire_time (v, 500);
  g_assert_cmpint (tessera_verification_get_expires (v), ==, 500);
  g_assert_cmpuint (expires, ==, 2);
  /* …so a later validTo changes nothing visible. */
  tessera_verification_set_valid_to (v, 2000);
  g_assert_cmpuint (expires, ==, 2);

  any = 0;
  tessera_verification_set_account_name (v, "Example");
  tessera_verification_set_account_name (v, "Example");
  tessera_verification_set_limited_permissions (v, TRUE);
  tessera_verification_set_limited_permissions (v, TRUE);
  g_assert_cmpuint (any, ==, 2);
  g_assert_cmpstr (tessera_verification_get_account_name (v), ==, "Example");

  g_assert_finalize_object (v);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/harness-response/table", test_table);
  g_test_add_func ("/harness-response/token-dto-fields", test_token_dto_fields);
  g_test_add_func ("/harness-response/odd-values", test_odd_values);
  g_test_add_func ("/harness-response/sat-scheduled", test_sat_scheduled);
  g_test_add_func ("/harness-response/null-and-huge-bodies", test_null_and_huge_bodies);
  g_test_add_func ("/harness-response/scalar-then-object", test_scalar_then_object);
  g_test_add_func ("/harness-response/verification-properties", test_verification_properties);
  g_test_add_func ("/harness-response/verification-notify", test_verification_notify);

  return g_test_run ();
}
