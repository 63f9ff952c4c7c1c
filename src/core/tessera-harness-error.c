/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-harness-error.c: the Harness client's error domain
 *
 * The domain is an extended GError so that the correlationId Harness sends
 * with a failure travels with the error, through GTask and g_error_copy(),
 * to the dialog that shows it for a support ticket.
 */
#define G_LOG_DOMAIN "tessera-harness"

#include "config.h"

#include "tessera-harness-client.h"
#include "tessera-harness-error-private.h"
#include "tessera-status-detail.h"

typedef struct
{
  char *correlation_id;
  char *detail;          /* the tessera-status-detail.h code of the message */
  char *detail_arg;
} TesseraHarnessErrorPrivate;

static void
tessera_harness_error_private_init (TesseraHarnessErrorPrivate *priv)
{
  priv->correlation_id = NULL;
  priv->detail = NULL;
  priv->detail_arg = NULL;
}

static void
tessera_harness_error_private_copy (const TesseraHarnessErrorPrivate *src,
                                    TesseraHarnessErrorPrivate       *dest)
{
  dest->correlation_id = g_strdup (src->correlation_id);
  dest->detail = g_strdup (src->detail);
  dest->detail_arg = g_strdup (src->detail_arg);
}

static void
tessera_harness_error_private_clear (TesseraHarnessErrorPrivate *priv)
{
  g_clear_pointer (&priv->correlation_id, g_free);
  g_clear_pointer (&priv->detail, g_free);
  g_clear_pointer (&priv->detail_arg, g_free);
}

G_DEFINE_EXTENDED_ERROR (TesseraHarnessError, tessera_harness_error)

/**
 * tessera_harness_error_new_literal:
 * @correlation_id: (nullable): the id Harness sent with the failure
 * @message: a sentence for the user; never contains the token
 *
 * Returns: (transfer full): a new #TESSERA_HARNESS_ERROR
 */
GError *
tessera_harness_error_new_literal (TesseraHarnessError  code,
                                   const char          *correlation_id,
                                   const char          *message)
{
  GError *error = g_error_new_literal (TESSERA_HARNESS_ERROR, code, message);

  tessera_harness_error_set_correlation_id (error, correlation_id);

  return error;
}

/**
 * tessera_harness_error_new_detail:
 * @correlation_id: (nullable): the id Harness sent with the failure
 * @detail: a code of tessera-status-detail.c, whose sentence is the message
 * @arg: (nullable): its argument
 *
 * The error remembers @detail and @arg, so that a status recorded from it
 * can be shown again in another language.
 *
 * Returns: (transfer full): a new #TESSERA_HARNESS_ERROR
 */
GError *
tessera_harness_error_new_detail (TesseraHarnessError  code,
                                  const char          *correlation_id,
                                  const char          *detail,
                                  const char          *arg)
{
  const char *args[] = { arg, NULL };
  g_autofree char *message = tessera_status_detail_compose (detail, args);
  GError *error = tessera_harness_error_new_literal (code, correlation_id, message);
  TesseraHarnessErrorPrivate *priv = tessera_harness_error_get_private (error);

  priv->detail = g_strdup (detail);
  priv->detail_arg = g_strdup (arg);

  return error;
}

/**
 * _tessera_harness_error_get_detail:
 * @arg: (out) (optional) (nullable): its argument
 *
 * Returns: (nullable): the code @error was made with by
 *   tessera_harness_error_new_detail(), or %NULL
 */
const char *
_tessera_harness_error_get_detail (const GError  *error,
                                   const char   **arg)
{
  TesseraHarnessErrorPrivate *priv;

  if (arg != NULL)
    *arg = NULL;

  if (error == NULL || error->domain != TESSERA_HARNESS_ERROR)
    return NULL;

  priv = tessera_harness_error_get_private (error);
  if (arg != NULL)
    *arg = priv->detail_arg;

  return priv->detail;
}

void
tessera_harness_error_set_correlation_id (GError     *error,
                                          const char *correlation_id)
{
  TesseraHarnessErrorPrivate *priv;

  g_return_if_fail (error != NULL && error->domain == TESSERA_HARNESS_ERROR);

  priv = tessera_harness_error_get_private (error);
  g_free (priv->correlation_id);
  priv->correlation_id = (correlation_id != NULL && correlation_id[0] != '\0') ? g_strdup (correlation_id) : NULL;
}

/**
 * tessera_harness_error_get_correlation_id:
 * @error: any #GError
 *
 * Returns: (nullable): the correlationId Harness sent with the failure, or
 *   %NULL when there was none or @error is from another domain
 */
const char *
tessera_harness_error_get_correlation_id (const GError *error)
{
  if (error == NULL || error->domain != TESSERA_HARNESS_ERROR)
    return NULL;

  return tessera_harness_error_get_private (error)->correlation_id;
}

/**
 * tessera_harness_error_is_transient:
 * @error: any #GError
 *
 * Returns: %TRUE when @error says nothing about the token itself, so that
 *   a credential should be shown as "unreachable" rather than "rejected"
 */
gboolean
tessera_harness_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != TESSERA_HARNESS_ERROR)
    return FALSE;

  switch ((TesseraHarnessError) error->code)
    {
    case TESSERA_HARNESS_ERROR_RATE_LIMITED:
    case TESSERA_HARNESS_ERROR_SERVER_ERROR:
    case TESSERA_HARNESS_ERROR_NOT_HARNESS:
    case TESSERA_HARNESS_ERROR_REDIRECTED:
    case TESSERA_HARNESS_ERROR_TLS:
    case TESSERA_HARNESS_ERROR_NETWORK:
    case TESSERA_HARNESS_ERROR_TIMED_OUT:
      return TRUE;

    case TESSERA_HARNESS_ERROR_INVALID_BASE_URL:
    case TESSERA_HARNESS_ERROR_INSECURE_URL:
    case TESSERA_HARNESS_ERROR_MISSING_ACCOUNT:
    case TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH:
    case TESSERA_HARNESS_ERROR_TOKEN_REJECTED:
    case TESSERA_HARNESS_ERROR_TOKEN_EXPIRED:
    case TESSERA_HARNESS_ERROR_FORBIDDEN:
    case TESSERA_HARNESS_ERROR_BAD_REQUEST:
    case TESSERA_HARNESS_ERROR_CANCELLED:
    case TESSERA_HARNESS_ERROR_TOKEN_LIMIT:
    default:
      return FALSE;
    }
}
