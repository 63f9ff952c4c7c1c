/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-status-detail.c: the catalogue of status sentences
 *
 * Each code names one sentence; a code's arguments are strings, turned
 * back into what its sentence takes when it is composed. Codes are saved
 * in the settings: never change what one means, add a new one instead.
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "tessera-harness-client.h"
#include "tessera-harness-error-private.h"
#include "tessera-status-detail.h"
#include "tessera-token.h"
#include "tessera-words.h"

typedef enum
{
  ARG_NONE,
  ARG_UINT,        /* "%u": a number, such as an HTTP status */
  ARG_INT,         /* "%d" */
  ARG_TLS_REASON,  /* "%s": a code of tls_reasons[] */
} ArgKind;

/* @terminal: the command line's words, where the window's point at the
 * window ("paste it here"); see tessera-words.h. */
static const struct
{
  const char *code;
  ArgKind     arg;
  const char *msgid;
  const char *terminal;
} details[] = {
  /* Checks made by the store */
  { "not-valid-now", ARG_NONE,
    N_("Harness says this key is not valid now: it has expired or is not valid yet.") },
  { "limited-permissions", ARG_NONE,
    N_("Harness accepted the key, but it may not view the account’s details.") },
  { "token-missing", ARG_NONE,
    N_("The keyring has no key for this credential. Replace the key to use it again.") },
  { "offline", ARG_NONE,
    N_("This computer is offline, so the key could not be checked.") },
  /* Reaching the server (tessera-harness-client.c) */
  { "timed-out", ARG_NONE,
    N_("The server did not answer in time. Check your network connection and the server address, then try again.") },
  { "cancelled", ARG_NONE,
    N_("The check was cancelled.") },
  /* Translators: the argument is a reason such as “it has expired”. */
  { "tls-untrusted", ARG_TLS_REASON,
    N_("The server’s security certificate cannot be trusted: %s. The API key was not sent.") },
  { "tls-failed", ARG_NONE,
    N_("A secure connection to the server could not be made. Check the server address and port.") },
  { "name-not-found", ARG_NONE,
    N_("The server name could not be found. Check the server address and your network connection.") },
  { "connection-refused", ARG_NONE,
    N_("The server refused the connection. Check the server address and port.") },
  { "unreachable", ARG_NONE,
    N_("The server cannot be reached. Check your network connection.") },
  /* What a proxy answered to CONNECT: nothing reached the server */
  { "proxy-unreachable", ARG_UINT,
    N_("The proxy could not reach the server at this address (HTTP error %u from the proxy). Check the server address and the proxy settings.") },
  { "proxy-sign-in", ARG_NONE,
    N_("The proxy asks for a sign-in, which Tessera does not support (HTTP error 407 from the proxy). Check the proxy settings.") },
  { "proxy-refused", ARG_UINT,
    N_("The proxy refused to connect to the server at this address (HTTP error %u from the proxy). Check the server address and the proxy settings.") },
  { "not-harness-answer", ARG_NONE,
    N_("The server’s answer is not something Harness sends. Check the server address.") },
  { "interrupted", ARG_NONE,
    N_("The connection to the server was interrupted. Check your network connection, then try again.") },
  { "answer-too-large", ARG_NONE,
    N_("The server’s answer is far larger than anything Harness sends. Check the server address.") },
  { "invalid-base-url", ARG_NONE,
    N_("The server address is not a valid web address. It should look like https://app.harness.io.") },
  { "account-mismatch", ARG_NONE,
    N_("This API key belongs to a different account than the account ID you entered. Check the account ID; the key was not sent."),
    N_("This API key belongs to a different account than the one --account-id gives. Check the account ID; the key was not sent.") },
  { "missing-account", ARG_NONE,
    N_("This older kind of API key does not say which account it belongs to. Enter the account ID from Harness."),
    N_("This older kind of API key does not say which account it belongs to. Give the account ID from Harness with --account-id.") },
  /* What Harness answered (tessera-harness-response.c) */
  { "sign-in-page", ARG_NONE,
    N_("The server answered with a sign-in web page instead of the Harness API. Check the server address and the API key.") },
  { "web-page", ARG_NONE,
    N_("The server answered with a web page instead of the Harness API. Check the server address.") },
  { "answer-cut-off", ARG_NONE,
    N_("The server’s answer was cut off or is not the data Harness sends. Check the server address and try again.") },
  { "unexpected-data", ARG_NONE,
    N_("The server answered with data that Harness never sends. Check the server address.") },
  { "token-rejected", ARG_NONE,
    N_("Harness rejected this API key. It may have been revoked, deleted or mistyped.") },
  { "token-expired", ARG_NONE,
    N_("This API key has expired. Create a new token in Harness and paste it here."),
    N_("This API key has expired. Create a new token in Harness to replace it.") },
  { "account-not-viewable", ARG_NONE,
    N_("This API key may not view the account’s details.") },
  /* Rotating, creating and deleting tokens (tessera-store-lifecycle.c) */
  { "token-limit", ARG_NONE,
    N_("Harness allows no more tokens on this API key (“Maximum Token limit has been reached”). Delete a token of this API key that is no longer used, in Harness under the API key’s tokens, then try again.") },
  { "token-change-refused", ARG_NONE,
    N_("Harness does not let this key change its tokens: the user must own the API key, or the service account needs the permission to manage API keys. Ask an account administrator, or do it in Harness.") },
  { "token-change-not-completed", ARG_NONE,
    N_("Harness did not complete the change to the token. Check the token in Harness before trying again.") },
  { "token-not-described", ARG_NONE,
    N_("Tessera does not know yet what Harness calls this token. Check the key first, then try again.") },
  { "token-not-deleted", ARG_NONE,
    N_("Harness did not delete the token. Try again later, or delete it in Harness.") },
  { "access-refused", ARG_NONE,
    N_("Harness refused access with this API key. The service account may be disabled, or the key may have no access to this account.") },
  { "rate-limited", ARG_NONE,
    N_("Harness is receiving too many requests right now. Wait a minute, then try again.") },
  { "request-not-accepted", ARG_NONE,
    N_("Harness could not accept the request. Check the account ID.") },
  { "bad-request", ARG_UINT,
    N_("Harness did not accept the request (HTTP error %u). Check the account ID and the server address.") },
  { "server-error", ARG_UINT,
    N_("Harness had a problem on its side (HTTP error %u). Try again later.") },
  /* Harness never answers "not implemented" to the requests Tessera makes */
  { "not-harness", ARG_NONE,
    N_("The server at this address is not Harness: it does not know the request Harness answers (HTTP error 501). Check the server address.") },
  /* A 502 or 504 without Harness's JSON: a proxy or load balancer */
  { "gateway-error", ARG_UINT,
    N_("A proxy or gateway in front of the server could not reach it (HTTP error %u). Try again later; if this goes on, check the server address.") },
  { "check-not-completed", ARG_NONE,
    N_("Harness answered that it could not complete the check. Try again later.") },
  { "redirected", ARG_NONE,
    N_("The server redirected the request to another address. Check the server address: Tessera does not follow redirects, so that your API key is never sent anywhere else.") },
  { "no-harness-api", ARG_NONE,
    N_("There is no Harness API at this address. Check the server address, for example whether it needs “/gateway” at the end.") },
  { "server-too-slow", ARG_NONE,
    N_("The server took too long to answer. Try again later.") },
  { "unexpected-status", ARG_UINT,
    N_("The server gave an answer that Harness never gives (HTTP status %u). Check the server address.") },
  /* A stored key that is not one (tessera-token.c) */
  { "key-empty", ARG_NONE,
    N_("Enter an API key. Harness keys start with “pat.” or “sat.”."),
    N_("Standard input holds no API key. Give the key there; Harness keys start with “pat.” or “sat.”.") },
  { "key-too-long", ARG_INT,
    N_("This is far longer than a Harness API key (at most %d characters). Check what you copied.") },
  { "key-header-line", ARG_NONE,
    N_("This looks like a whole header line. Paste only the key that comes after “x-api-key:”."),
    N_("This looks like a whole header line. Give only the key that comes after “x-api-key:”.") },
  { "key-quoted", ARG_NONE,
    N_("Remove the quotation marks around the API key.") },
  { "key-inner-space", ARG_NONE,
    N_("The API key contains a space or a line break. Copy it again as a single line.") },
  { "key-control-character", ARG_NONE,
    N_("The API key contains an invisible control character. Copy it again from Harness.") },
  { "key-not-ascii", ARG_NONE,
    N_("The API key contains characters that never appear in Harness keys, such as accented letters, symbols or non-breaking spaces. Copy it again from Harness.") },
  { "key-bearer", ARG_NONE,
    N_("Remove the word “Bearer”: paste only the API key itself."),
    N_("Remove the word “Bearer”: give only the API key itself.") },
  { "key-jwt", ARG_NONE,
    N_("This is a sign-in session token (JWT), not an API key. Create a personal access token in Harness under My Profile → My API Keys.") },
  { "key-prefix-case", ARG_NONE,
    N_("The API key must start with lowercase “pat.” or “sat.”.") },
  { "key-unknown-format", ARG_NONE,
    N_("This is not a Harness API key. Personal access tokens start with “pat.” and service account tokens with “sat.”; older FirstGen keys are not supported.") },
  { "key-segment-count", ARG_NONE,
    N_("The API key is incomplete or has extra parts: a Harness key has four parts separated by dots, like “pat.account.token.secret”.") },
  { "key-empty-segment", ARG_NONE,
    N_("The API key has an empty part between two dots. Copy it again from Harness.") },
  { "key-invalid-character", ARG_NONE,
    N_("The API key contains a character that Harness keys never have: only letters, digits, “-” and “_” appear between the dots.") },
};

/* Why a server's certificate is not trusted. */
static const struct
{
  const char *code;
  const char *msgid;
} tls_reasons[] = {
  { "unknown-ca", N_("it was issued by an unknown authority, or it is self-signed") },
  { "expired", N_("it has expired") },
  { "not-activated", N_("it is not valid yet") },
  { "bad-identity", N_("it was issued for a different server name") },
  { "revoked", N_("it has been revoked") },
  { "insecure", N_("it uses insecure cryptography") },
  { "invalid", N_("it is not valid") },
};

/* The codes of TESSERA_TOKEN_ERROR, by its value. */
static const char * const token_errors[] = {
  [TESSERA_TOKEN_ERROR_EMPTY] = "key-empty",
  [TESSERA_TOKEN_ERROR_TOO_LONG] = "key-too-long",
  [TESSERA_TOKEN_ERROR_HEADER_LINE] = "key-header-line",
  [TESSERA_TOKEN_ERROR_QUOTED] = "key-quoted",
  [TESSERA_TOKEN_ERROR_INNER_SPACE] = "key-inner-space",
  [TESSERA_TOKEN_ERROR_CONTROL_CHARACTER] = "key-control-character",
  [TESSERA_TOKEN_ERROR_NOT_ASCII] = "key-not-ascii",
  [TESSERA_TOKEN_ERROR_BEARER] = "key-bearer",
  [TESSERA_TOKEN_ERROR_JWT] = "key-jwt",
  [TESSERA_TOKEN_ERROR_PREFIX_CASE] = "key-prefix-case",
  [TESSERA_TOKEN_ERROR_UNKNOWN_FORMAT] = "key-unknown-format",
  [TESSERA_TOKEN_ERROR_SEGMENT_COUNT] = "key-segment-count",
  [TESSERA_TOKEN_ERROR_EMPTY_SEGMENT] = "key-empty-segment",
  [TESSERA_TOKEN_ERROR_INVALID_CHARACTER] = "key-invalid-character",
};

static int
find_detail (const char *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (details); i++)
    if (g_strcmp0 (details[i].code, code) == 0)
      return i;

  return -1;
}

static const char *
find_tls_reason (const char *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (tls_reasons); i++)
    if (g_strcmp0 (tls_reasons[i].code, code) == 0)
      return tls_reasons[i].msgid;

  /* The last one says the least. */
  return tls_reasons[G_N_ELEMENTS (tls_reasons) - 1].msgid;
}

/* @translate: FALSE composes the English original. */
static char *
compose (int                 i,
         const char         *arg,
         gboolean            translate)
{
  const char *msgid = details[i].msgid;
  const char *format;

  if (details[i].terminal != NULL && tessera_words_get_audience () == TESSERA_AUDIENCE_TERMINAL)
    msgid = details[i].terminal;
  format = translate ? _(msgid) : msgid;

  if (arg == NULL)
    arg = "";

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  switch (details[i].arg)
    {
    case ARG_UINT:
      return g_strdup_printf (format, (guint) g_ascii_strtoull (arg, NULL, 10));
    case ARG_INT:
      return g_strdup_printf (format, (int) g_ascii_strtoll (arg, NULL, 10));
    case ARG_TLS_REASON:
      {
        const char *reason = find_tls_reason (arg);

        return g_strdup_printf (format, translate ? _(reason) : reason);
      }
    case ARG_NONE:
    default:
      return g_strdup (format);
    }
#pragma GCC diagnostic pop
}

/**
 * tessera_status_detail_compose:
 *
 * Returns: (transfer full): the sentence of @code in the current language
 */
char *
tessera_status_detail_compose (const char         *code,
                               const char * const *args)
{
  const char *arg = args != NULL ? args[0] : NULL;
  int i;

  if (code == NULL || *code == '\0')
    return g_strdup ("");

  if (strcmp (code, TESSERA_STATUS_DETAIL_TEXT) == 0)
    return g_strdup (arg != NULL ? arg : "");

  i = find_detail (code);
  if (i < 0)
    {
      /* Saved by a newer Tessera: say nothing rather than something wrong. */
      g_debug ("Unknown status detail code %s", code);
      return g_strdup ("");
    }

  return compose (i, arg, TRUE);
}

static void
set_result (char       **code,
            GStrv       *args,
            const char  *found_code,
            const char  *arg)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (arg != NULL)
    g_strv_builder_add (builder, arg);

  *code = g_strdup (found_code);
  *args = g_strv_builder_end (builder);
}

void
tessera_status_detail_from_error (const GError  *error,
                                  char         **code,
                                  GStrv         *args)
{
  const char *detail;
  const char *arg = NULL;

  g_return_if_fail (code != NULL && args != NULL);

  if (error == NULL)
    {
      set_result (code, args, "", NULL);
      return;
    }

  detail = _tessera_harness_error_get_detail (error, &arg);
  if (detail != NULL)
    {
      set_result (code, args, detail, arg);
      return;
    }

  if (error->domain == TESSERA_TOKEN_ERROR && tessera_status_detail_for_token_error (error->code) != NULL)
    {
      g_autofree char *max = NULL;

      if (error->code == TESSERA_TOKEN_ERROR_TOO_LONG)
        max = g_strdup_printf ("%d", TESSERA_TOKEN_MAX_LENGTH);
      set_result (code, args, tessera_status_detail_for_token_error (error->code), max);
      return;
    }

  set_result (code, args, TESSERA_STATUS_DETAIL_TEXT, error->message);
}

static gboolean
sentence_is (const char *sentence,
             int         i,
             const char *arg)
{
  g_autofree char *english = compose (i, arg, FALSE);
  g_autofree char *translated = NULL;

  if (strcmp (sentence, english) == 0)
    return TRUE;

  translated = compose (i, arg, TRUE);
  return strcmp (sentence, translated) == 0;
}

void
tessera_status_detail_from_sentence (const char  *sentence,
                                     char       **code,
                                     GStrv       *args)
{
  g_return_if_fail (code != NULL && args != NULL);

  if (sentence == NULL || *sentence == '\0')
    {
      set_result (code, args, "", NULL);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (details); i++)
    {
      switch (details[i].arg)
        {
        case ARG_NONE:
          if (sentence_is (sentence, i, NULL))
            {
              set_result (code, args, details[i].code, NULL);
              return;
            }
          break;

        case ARG_TLS_REASON:
          for (guint j = 0; j < G_N_ELEMENTS (tls_reasons); j++)
            if (sentence_is (sentence, i, tls_reasons[j].code))
              {
                set_result (code, args, details[i].code, tls_reasons[j].code);
                return;
              }
          break;

        case ARG_UINT:
        case ARG_INT:
          {
            /* The number is the one run of digits in the sentence. */
            const char *digits = strpbrk (sentence, "0123456789");
            g_autofree char *number = NULL;

            if (digits == NULL)
              break;
            number = g_strndup (digits, strspn (digits, "0123456789"));
            if (sentence_is (sentence, i, number))
              {
                set_result (code, args, details[i].code, number);
                return;
              }
          }
          break;

        default:
          break;
        }
    }

  set_result (code, args, TESSERA_STATUS_DETAIL_TEXT, sentence);
}

/**
 * tessera_status_detail_for_token_error:
 *
 * Returns: (nullable): the code of @token_error, a #TesseraTokenError
 */
const char *
tessera_status_detail_for_token_error (int token_error)
{
  if (token_error < 0 || (guint) token_error >= G_N_ELEMENTS (token_errors))
    return NULL;

  return token_errors[token_error];
}

/**
 * tessera_status_detail_token_message:
 *
 * Returns: (transfer full): the message of @token_error, a #TesseraTokenError
 */
char *
tessera_status_detail_token_message (int token_error)
{
  g_autofree char *max = g_strdup_printf ("%d", TESSERA_TOKEN_MAX_LENGTH);
  const char *args[] = { max, NULL };

  return tessera_status_detail_compose (tessera_status_detail_for_token_error (token_error), args);
}
