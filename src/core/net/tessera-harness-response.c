/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-response.c: turning Harness's answers into results
 *
 * Harness answers with a ResponseDTO ({"status":"SUCCESS","data":…}), an
 * ErrorDTO or Failure ({"status":"ERROR"|"FAILURE","code":…}), and in front
 * of it proxies and sign-in pages answer with HTML. The HTTP status decides
 * first, then the `code` (harness-api.md §4); message texts from the server
 * are never shown, as they are not a contract and could quote anything.
 */
#define G_LOG_DOMAIN "tessera-harness"

#include "config.h"

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "tessera-harness-client.h"
#include "tessera-harness-error-private.h"
#include "tessera-harness-response.h"
#include "tessera-token.h"
#include "tessera-verification-private.h"
#include "tessera-words.h"

/* Deeper JSON is not Harness's, and json-glib's recursive parser must not
 * be handed a megabyte of "[". */
#define MAX_JSON_DEPTH 32

typedef enum
{
  REQUEST_VALIDATE,
  REQUEST_ACCOUNT,
  REQUEST_TOKEN_CHANGE,   /* rotate, create, delete */
} Request;

typedef enum
{
  BODY_EMPTY,
  BODY_HTML,
  BODY_TOO_LARGE,
  BODY_NOT_JSON,      /* truncated, not JSON, or too deeply nested */
  BODY_NOT_OBJECT,
  BODY_OBJECT,
} BodyKind;

typedef struct
{
  BodyKind    kind;
  JsonParser *parser;
  JsonObject *root;    /* borrowed from parser, when kind is BODY_OBJECT */
} Body;

static void
body_clear (Body *body)
{
  g_clear_object (&body->parser);
  body->root = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Body, body_clear)

static const char *
skip_blank (const char *s,
            const char *end)
{
  /* A UTF-8 byte order mark, then whitespace. */
  if (end - s >= 3 && memcmp (s, "\xef\xbb\xbf", 3) == 0)
    s += 3;
  while (s < end && g_ascii_isspace (*s))
    s++;

  return s;
}

static gboolean
is_html (const char *content_type,
         const char *body,
         gsize       body_length)
{
  const char *start;

  if (content_type != NULL && strstr (content_type, "html") != NULL)
    return TRUE;

  start = skip_blank (body, body + body_length);

  return start < body + body_length && *start == '<';
}

static gboolean
nesting_is_shallow (const char *body,
                    gsize       body_length)
{
  gboolean in_string = FALSE;
  int depth = 0;

  for (gsize i = 0; i < body_length; i++)
    {
      char c = body[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_JSON_DEPTH)
            return FALSE;
        }
      else if (c == ']' || c == '}')
        depth--;
    }

  return TRUE;
}

static void
body_read (Body       *body,
           const char *content_type,
           const char *data,
           gsize       data_length)
{
  JsonNode *root;

  body->parser = NULL;
  body->root = NULL;

  if (data == NULL)
    {
      data = "";
      data_length = 0;
    }

  if (data_length > TESSERA_HARNESS_MAX_BODY_SIZE)
    body->kind = BODY_TOO_LARGE;
  else if (skip_blank (data, data + data_length) == data + data_length)
    body->kind = BODY_EMPTY;
  else if (is_html (content_type, data, data_length))
    body->kind = BODY_HTML;
  else if (!nesting_is_shallow (data, data_length))
    body->kind = BODY_NOT_JSON;
  else
    {
      /* Not json_parser_new_immutable(): json-glib 1.10's immutable parser
       * aborts in json_parser_get_root() on a scalar followed by more JSON
       * ("1{…}"; found by fuzz-harness-response, tested in
       * test-harness-response /harness-response/scalar-then-object). */
      body->parser = json_parser_new ();
      if (!json_parser_load_from_data (body->parser, data, (gssize) data_length, NULL))
        body->kind = BODY_NOT_JSON;
      else if ((root = json_parser_get_root (body->parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        body->kind = BODY_NOT_OBJECT;
      else
        {
          body->kind = BODY_OBJECT;
          body->root = json_node_get_object (root);
        }
    }
}

/* Members are read defensively: missing, null and wrongly typed members
 * all read as "unknown". */

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static gboolean
get_boolean (JsonObject *object,
             const char *name,
             gboolean   *value)
{
  JsonNode *node;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;

  *value = json_node_get_boolean (node);

  return TRUE;
}

/* Epoch milliseconds; 0 when unknown. */
static gint64
get_time (JsonObject *object,
          const char *name)
{
  JsonNode *node;
  GType type;

  if (object == NULL || (node = json_object_get_member (object, name)) == NULL)
    return 0;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return 0;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return MAX (json_node_get_int (node), 0);
  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (isfinite (d) && d > 0 && d < 9.2e18)
        return (gint64) d;
    }

  return 0;
}

static GError *
not_harness_error (BodyKind    kind,
                   guint       status,
                   const char *correlation_id)
{
  const char *detail;

  switch (kind)
    {
    case BODY_HTML:
      if (status == 401 || status == 403)
        detail = "sign-in-page";
      else
        detail = "web-page";
      break;

    case BODY_TOO_LARGE:
      detail = "answer-too-large";
      break;

    case BODY_EMPTY:
    case BODY_NOT_JSON:
      detail = "answer-cut-off";
      break;

    case BODY_NOT_OBJECT:
    case BODY_OBJECT:
    default:
      detail = "unexpected-data";
      break;
    }

  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NOT_HARNESS, correlation_id, detail, NULL);
}

static GError *
rejected_error (const char *correlation_id)
{
  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_TOKEN_REJECTED, correlation_id, "token-rejected", NULL);
}

static GError *
expired_error (const char *correlation_id)
{
  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_TOKEN_EXPIRED, correlation_id, "token-expired", NULL);
}

static GError *
forbidden_error (Request     request,
                 const char *correlation_id)
{
  const char *detail = request == REQUEST_ACCOUNT ? "account-not-viewable" : "access-refused";

  if (request == REQUEST_TOKEN_CHANGE)
    detail = "token-change-refused";

  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_FORBIDDEN, correlation_id, detail, NULL);
}

static GError *
rate_limited_error (const char *correlation_id)
{
  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_RATE_LIMITED, correlation_id, "rate-limited", NULL);
}

static GError *
bad_request_error (const char *code,
                   guint       status,
                   const char *correlation_id)
{
  g_autofree char *number = g_strdup_printf ("%u", status);

  if (g_strcmp0 (code, "INVALID_REQUEST") == 0)
    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_BAD_REQUEST, correlation_id,
                                             "request-not-accepted", NULL);

  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_BAD_REQUEST, correlation_id, "bad-request", number);
}

static GError *
server_error (guint       status,
              const Body *body,
              const char *correlation_id)
{
  g_autofree char *number = g_strdup_printf ("%u", status);

  /* Harness never answers "not implemented" to the two requests Tessera
   * makes: whatever answers at this address is something else. */
  if (status == 501)
    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NOT_HARNESS, correlation_id, "not-harness", NULL);

  /* Harness's own failures come as its JSON; a bad gateway or gateway
   * timeout without it is a proxy or load balancer in front of Harness
   * that could not get through. Still worth the retries: they recover. */
  if ((status == 502 || status == 504) && body->kind != BODY_OBJECT)
    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_SERVER_ERROR, correlation_id, "gateway-error", number);

  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_SERVER_ERROR, correlation_id, "server-error", number);
}

/* Harness turns away a new token on an API key that has as many as the
 * account allows with an InvalidRequestException, "Maximum Token limit
 * has been reached" (TokenServiceImpl): its message is the only sign. */
static gboolean
is_token_limit (Request     request,
                const char *code,
                const char *message)
{
  g_autofree char *folded = NULL;

  if (request != REQUEST_TOKEN_CHANGE || message == NULL)
    return FALSE;
  if (code != NULL && !g_str_equal (code, "INVALID_REQUEST"))
    return FALSE;

  folded = g_ascii_strdown (message, -1);

  return strstr (folded, "maximum token limit") != NULL;
}

static GError *
token_limit_error (const char *correlation_id)
{
  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_TOKEN_LIMIT, correlation_id, "token-limit", NULL);
}

/* A "status": "ERROR" or "FAILURE" body, whatever the HTTP status was. */
static GError *
failure_error (Request     request,
               const char *code,
               const char *message,
               const char *correlation_id)
{
  if (is_token_limit (request, code, message))
    return token_limit_error (correlation_id);
  if (g_strcmp0 (code, "INVALID_TOKEN") == 0 || g_strcmp0 (code, "REVOKED_TOKEN") == 0)
    return rejected_error (correlation_id);
  if (g_strcmp0 (code, "EXPIRED_TOKEN") == 0)
    return expired_error (correlation_id);
  if (g_strcmp0 (code, "ACCESS_DENIED") == 0 || g_strcmp0 (code, "NG_ACCESS_DENIED") == 0)
    return forbidden_error (request, correlation_id);
  if (g_strcmp0 (code, "TOO_MANY_REQUESTS") == 0)
    return rate_limited_error (correlation_id);
  if (g_strcmp0 (code, "INVALID_REQUEST") == 0)
    return bad_request_error (code, 400, correlation_id);

  if (request == REQUEST_TOKEN_CHANGE)
    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_SERVER_ERROR, correlation_id, "token-change-not-completed", NULL);

  return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_SERVER_ERROR, correlation_id, "check-not-completed", NULL);
}

static GError *
status_error (Request     request,
              guint       status,
              const Body *body)
{
  const char *code = get_string (body->root, "code");
  const char *correlation_id = get_string (body->root, "correlationId");

  if (status >= 300 && status < 400)
    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_REDIRECTED, correlation_id, "redirected", NULL);

  if (status == 429)
    return rate_limited_error (correlation_id);

  if (status >= 500 && status < 600)
    return server_error (status, body, correlation_id);

  /* Sign-in pages and proxies answer in HTML; Harness itself never does. */
  if (body->kind == BODY_HTML || body->kind == BODY_TOO_LARGE)
    return not_harness_error (body->kind, status, correlation_id);

  switch (status)
    {
    case 400:
      if (is_token_limit (request, code, get_string (body->root, "message")))
        return token_limit_error (correlation_id);
      /* Servers before late 2022 answered 400 to bad tokens. */
      if (g_strcmp0 (code, "INVALID_TOKEN") == 0 || g_strcmp0 (code, "REVOKED_TOKEN") == 0)
        return rejected_error (correlation_id);
      if (g_strcmp0 (code, "EXPIRED_TOKEN") == 0)
        return expired_error (correlation_id);
      if (g_strcmp0 (code, "TOO_MANY_REQUESTS") == 0)
        return rate_limited_error (correlation_id);
      return bad_request_error (code, status, correlation_id);

    case 401:
      if (g_strcmp0 (code, "EXPIRED_TOKEN") == 0)
        return expired_error (correlation_id);
      return rejected_error (correlation_id);

    case 403:
      return forbidden_error (request, correlation_id);

    case 404:
      return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NOT_HARNESS, correlation_id, "no-harness-api", NULL);

    case 408:
      return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_TIMED_OUT, correlation_id, "server-too-slow", NULL);

    default:
      if (status >= 400 && status < 500)
        return bad_request_error (code, status, correlation_id);
      break;
    }

  {
    g_autofree char *number = g_strdup_printf ("%u", status);

    return tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_NOT_HARNESS, correlation_id, "unexpected-status", number);
  }
}

/* The "data" member of a successful ResponseDTO, or NULL with @error set. */
static JsonNode *
success_node (Request      request,
              guint        status,
              const Body  *body,
              GError     **error)
{
  const char *correlation_id;
  JsonNode *status_node;
  JsonNode *data;

  if (status < 200 || status >= 300)
    {
      g_propagate_error (error, status_error (request, status, body));
      return NULL;
    }

  if (body->kind != BODY_OBJECT)
    {
      g_propagate_error (error, not_harness_error (body->kind, status, NULL));
      return NULL;
    }

  correlation_id = get_string (body->root, "correlationId");
  status_node = json_object_get_member (body->root, "status");

  if (status_node != NULL && !JSON_NODE_HOLDS_NULL (status_node))
    {
      const char *response_status = get_string (body->root, "status");

      if (response_status == NULL)
        {
          g_propagate_error (error, not_harness_error (BODY_OBJECT, status, correlation_id));
          return NULL;
        }

      /* A 200 may still carry "FAILURE" (harness-api.md §7). */
      if (!g_str_equal (response_status, "SUCCESS"))
        {
          g_propagate_error (error, failure_error (request, get_string (body->root, "code"),
                                                   get_string (body->root, "message"), correlation_id));
          return NULL;
        }
    }

  data = json_object_get_member (body->root, "data");
  if (data == NULL)
    {
      g_propagate_error (error, not_harness_error (BODY_OBJECT, status, correlation_id));
      return NULL;
    }

  return data;
}

/* The "data" object of a successful ResponseDTO, or NULL with @error set. */
static JsonObject *
success_data (Request      request,
              guint        status,
              const Body  *body,
              GError     **error)
{
  JsonNode *data = success_node (request, status, body, error);

  if (data == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (data))
    {
      g_propagate_error (error, not_harness_error (BODY_OBJECT, status, get_string (body->root, "correlationId")));
      return NULL;
    }

  return json_node_get_object (data);
}

static TesseraCredentialKind
kind_from_api_key_type (const char *api_key_type)
{
  if (g_strcmp0 (api_key_type, "USER") == 0)
    return TESSERA_CREDENTIAL_KIND_PAT;
  if (g_strcmp0 (api_key_type, "SERVICE_ACCOUNT") == 0)
    return TESSERA_CREDENTIAL_KIND_SAT;

  return TESSERA_CREDENTIAL_KIND_UNKNOWN;
}

/**
 * tessera_harness_response_parse_validate:
 * @status: the HTTP status of POST /ng/api/token/validate
 * @content_type: (nullable): the Content-Type header
 * @body: (array length=body_length) (nullable): the body as received
 * @body_length: its length in bytes
 * @error: a #TESSERA_HARNESS_ERROR, carrying Harness's correlationId
 *   when there was one
 *
 * Reads a TokenDTO out of a `ResponseDTO`. Unknown members are ignored;
 * missing and null ones stay unknown. `valid` defaults to %TRUE when
 * absent, as Harness only answers SUCCESS to a token that passed its
 * authentication filter.
 *
 * Returns: (transfer full) (nullable): the verification
 */
TesseraVerification *
tessera_harness_response_parse_validate (guint        status,
                                         const char  *content_type,
                                         const char  *body,
                                         gsize        body_length,
                                         GError     **error)
{
  g_autoptr(TesseraVerification) verification = NULL;
  g_auto(Body) parsed = { 0 };
  JsonObject *data;
  gboolean valid = TRUE;
  gboolean has_valid;

  body_read (&parsed, content_type, body, body_length);

  data = success_data (REQUEST_VALIDATE, status, &parsed, error);
  if (data == NULL)
    return NULL;

  has_valid = get_boolean (data, "valid", &valid);

  /* Some token member must be there, or this is some other API's answer. */
  if (!has_valid && get_string (data, "identifier") == NULL && get_string (data, "apiKeyType") == NULL)
    {
      g_propagate_error (error, not_harness_error (BODY_OBJECT, status, get_string (parsed.root, "correlationId")));
      return NULL;
    }

  verification = tessera_verification_new ();
  tessera_verification_set_valid (verification, valid);
  tessera_verification_set_kind (verification, kind_from_api_key_type (get_string (data, "apiKeyType")));
  tessera_verification_set_identifier (verification, get_string (data, "identifier"));
  tessera_verification_set_name (verification, get_string (data, "name"));
  tessera_verification_set_owner_name (verification, get_string (data, "username"));
  tessera_verification_set_owner_email (verification, get_string (data, "email"));
  tessera_verification_set_parent_identifier (verification, get_string (data, "parentIdentifier"));
  tessera_verification_set_api_key_identifier (verification, get_string (data, "apiKeyIdentifier"));
  tessera_verification_set_account_identifier (verification, get_string (data, "accountIdentifier"));
  tessera_verification_set_org_identifier (verification, get_string (data, "orgIdentifier"));
  tessera_verification_set_project_identifier (verification, get_string (data, "projectIdentifier"));
  tessera_verification_set_valid_from (verification, get_time (data, "validFrom"));
  tessera_verification_set_valid_to (verification, get_time (data, "validTo"));
  tessera_verification_set_scheduled_expire_time (verification, get_time (data, "scheduledExpireTime"));
  tessera_verification_set_correlation_id (verification, get_string (parsed.root, "correlationId"));

  return g_steal_pointer (&verification);
}

/**
 * tessera_harness_response_parse_account:
 * @status: the HTTP status of GET /ng/api/accounts/{id}
 * @content_type: (nullable): the Content-Type header
 * @body: (array length=body_length) (nullable): the body as received
 * @body_length: its length in bytes
 * @error: a #TESSERA_HARNESS_ERROR; FORBIDDEN means the token is valid but
 *   may not view the account
 *
 * Returns: (transfer full) (nullable): the account's name
 */
char *
tessera_harness_response_parse_account (guint        status,
                                        const char  *content_type,
                                        const char  *body,
                                        gsize        body_length,
                                        GError     **error)
{
  g_auto(Body) parsed = { 0 };
  JsonObject *data;
  const char *name;

  body_read (&parsed, content_type, body, body_length);

  data = success_data (REQUEST_ACCOUNT, status, &parsed, error);
  if (data == NULL)
    return NULL;

  name = get_string (data, "name");
  if (name == NULL || name[0] == '\0')
    {
      g_propagate_error (error, not_harness_error (BODY_OBJECT, status, get_string (parsed.root, "correlationId")));
      return NULL;
    }

  return g_strdup (name);
}

/**
 * tessera_harness_response_parse_new_token:
 * @status: the HTTP status of POST /ng/api/token/rotate/{identifier} or
 *   POST /ng/api/token
 * @content_type: (nullable): the Content-Type header
 * @body: (array length=body_length) (nullable): the body as received
 * @body_length: its length in bytes
 * @error: a #TESSERA_HARNESS_ERROR; TOKEN_LIMIT when the API key has as
 *   many tokens as Harness allows
 *
 * Reads the new key out of `{"status":"SUCCESS","data":"pat.…"}`. Only a
 * string of the shape of a Harness key is accepted.
 *
 * Returns: (transfer full) (nullable): the new key; free it with
 *   tessera_secure_free()
 */
char *
tessera_harness_response_parse_new_token (guint        status,
                                          const char  *content_type,
                                          const char  *body,
                                          gsize        body_length,
                                          GError     **error)
{
  g_auto(Body) parsed = { 0 };
  g_autoptr(TesseraToken) token = NULL;
  JsonNode *data;
  const char *value = NULL;

  body_read (&parsed, content_type, body, body_length);

  data = success_node (REQUEST_TOKEN_CHANGE, status, &parsed, error);
  if (data == NULL)
    return NULL;

  if (JSON_NODE_HOLDS_VALUE (data) && json_node_get_value_type (data) == G_TYPE_STRING)
    value = json_node_get_string (data);

  /* A key that is not a key would be stored in place of one that works. */
  if (value == NULL || (token = tessera_token_parse (value, NULL)) == NULL)
    {
      g_propagate_error (error, not_harness_error (BODY_OBJECT, status, get_string (parsed.root, "correlationId")));
      return NULL;
    }

  /* The parser's copy goes with it, unwiped otherwise. */
  tessera_secure_wipe ((char *) value, strlen (value));

  return g_strdup (tessera_token_get_value (token));
}

/**
 * tessera_harness_response_parse_deleted:
 * @status: the HTTP status of DELETE /ng/api/token/{identifier}
 * @content_type: (nullable): the Content-Type header
 * @body: (array length=body_length) (nullable): the body as received
 * @body_length: its length in bytes
 * @error: a #TESSERA_HARNESS_ERROR
 *
 * Harness answers `{"status":"SUCCESS","data":true}` once the token is
 * gone; `false` means it was not deleted.
 *
 * Returns: %TRUE when Harness deleted the token
 */
gboolean
tessera_harness_response_parse_deleted (guint        status,
                                        const char  *content_type,
                                        const char  *body,
                                        gsize        body_length,
                                        GError     **error)
{
  g_auto(Body) parsed = { 0 };
  JsonNode *data;

  body_read (&parsed, content_type, body, body_length);

  data = success_node (REQUEST_TOKEN_CHANGE, status, &parsed, error);
  if (data == NULL)
    return FALSE;

  if (!JSON_NODE_HOLDS_VALUE (data) || json_node_get_value_type (data) != G_TYPE_BOOLEAN)
    {
      g_propagate_error (error, not_harness_error (BODY_OBJECT, status, get_string (parsed.root, "correlationId")));
      return FALSE;
    }

  if (!json_node_get_boolean (data))
    {
      g_propagate_error (error, tessera_harness_error_new_detail (TESSERA_HARNESS_ERROR_SERVER_ERROR,
                                                                  get_string (parsed.root, "correlationId"),
                                                                  "token-not-deleted", NULL));
      return FALSE;
    }

  return TRUE;
}
