/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-error.c: an error's category, sentence and headline */
#define G_LOG_DOMAIN "tessera"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tessera-error.h"
#include "tessera-harness-client.h"
#include "tessera-import-source.h"
#include "tessera-store.h"
#include "tessera-token.h"

/**
 * tessera_error_get_category:
 * @error: an error from the core
 *
 * Returns: what kind of failure @error is; an error of no Tessera domain
 *   (but for cancelling) is %TESSERA_ERROR_CATEGORY_FAILED
 */
TesseraErrorCategory
tessera_error_get_category (const GError *error)
{
  g_return_val_if_fail (error != NULL, TESSERA_ERROR_CATEGORY_FAILED);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return TESSERA_ERROR_CATEGORY_CANCELLED;

  if (error->domain == TESSERA_TOKEN_ERROR)
    return TESSERA_ERROR_CATEGORY_INVALID;

  if (error->domain == TESSERA_HARNESS_ERROR)
    {
      if (tessera_harness_error_is_transient (error))
        return TESSERA_ERROR_CATEGORY_UNREACHABLE;

      switch ((TesseraHarnessError) error->code)
        {
        case TESSERA_HARNESS_ERROR_INVALID_BASE_URL:
        case TESSERA_HARNESS_ERROR_INSECURE_URL:
        case TESSERA_HARNESS_ERROR_MISSING_ACCOUNT:
          return TESSERA_ERROR_CATEGORY_INVALID;

        case TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH:
        case TESSERA_HARNESS_ERROR_TOKEN_REJECTED:
        case TESSERA_HARNESS_ERROR_TOKEN_EXPIRED:
        case TESSERA_HARNESS_ERROR_FORBIDDEN:
        case TESSERA_HARNESS_ERROR_BAD_REQUEST:
        case TESSERA_HARNESS_ERROR_TOKEN_LIMIT:
          return TESSERA_ERROR_CATEGORY_REJECTED;

        case TESSERA_HARNESS_ERROR_CANCELLED:
          return TESSERA_ERROR_CATEGORY_CANCELLED;

        case TESSERA_HARNESS_ERROR_RATE_LIMITED:
        case TESSERA_HARNESS_ERROR_SERVER_ERROR:
        case TESSERA_HARNESS_ERROR_NOT_HARNESS:
        case TESSERA_HARNESS_ERROR_REDIRECTED:
        case TESSERA_HARNESS_ERROR_TLS:
        case TESSERA_HARNESS_ERROR_NETWORK:
        case TESSERA_HARNESS_ERROR_TIMED_OUT:
        default:
          return TESSERA_ERROR_CATEGORY_UNREACHABLE;
        }
    }

  if (error->domain == TESSERA_STORE_ERROR)
    {
      switch ((TesseraStoreError) error->code)
        {
        case TESSERA_STORE_ERROR_NAME_REQUIRED:
        case TESSERA_STORE_ERROR_NAME_TOO_LONG:
        case TESSERA_STORE_ERROR_NAME_TAKEN:
        case TESSERA_STORE_ERROR_DESCRIPTION_TOO_LONG:
        case TESSERA_STORE_ERROR_NAME_INVALID:
        case TESSERA_STORE_ERROR_DESCRIPTION_INVALID:
        case TESSERA_STORE_ERROR_HOLDS_KEY:
        case TESSERA_STORE_ERROR_ACCOUNT_REQUIRED:
        case TESSERA_STORE_ERROR_ACCOUNT_INVALID:
        case TESSERA_STORE_ERROR_NOT_FOUND:
          return TESSERA_ERROR_CATEGORY_INVALID;

        case TESSERA_STORE_ERROR_ACCOUNT_MISMATCH:
          return TESSERA_ERROR_CATEGORY_REJECTED;

        case TESSERA_STORE_ERROR_NO_SECRET_SERVICE:
        case TESSERA_STORE_ERROR_KEYRING_LOCKED:
          return TESSERA_ERROR_CATEGORY_KEYRING;

        case TESSERA_STORE_ERROR_TOKEN_MISSING:
        case TESSERA_STORE_ERROR_SECRET_FAILED:
        case TESSERA_STORE_ERROR_SETTINGS_FAILED:
        case TESSERA_STORE_ERROR_BUSY:
        default:
          return TESSERA_ERROR_CATEGORY_FAILED;
        }
    }

  /* Files of the Harness CLIs: what they hold can't be imported, or
   * one could not be rewritten. */
  if (error->domain == TESSERA_IMPORT_ERROR)
    return error->code == TESSERA_IMPORT_ERROR_SCRUB_FAILED ? TESSERA_ERROR_CATEGORY_FAILED
                                                            : TESSERA_ERROR_CATEGORY_INVALID;

  return TESSERA_ERROR_CATEGORY_FAILED;
}

/**
 * tessera_error_get_message:
 * @error: an error from the core
 *
 * The core words its sentences for their reader where it makes them
 * (tessera_words_pick()), so this is the error's own message.
 *
 * Returns: (transfer none): the sentence to show for @error
 */
const char *
tessera_error_get_message (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  return error->message;
}

/**
 * tessera_error_get_title:
 * @error: an error from saving a credential (tessera_store_add_checked_async(),
 *   tessera_store_update_checked_async())
 *
 * Returns: (transfer none): a headline for @error, above its sentence
 */
const char *
tessera_error_get_title (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == TESSERA_HARNESS_ERROR)
    {
      switch ((TesseraHarnessError) error->code)
        {
        case TESSERA_HARNESS_ERROR_TOKEN_REJECTED:
          return _("Harness did not accept this API key");
        case TESSERA_HARNESS_ERROR_TOKEN_EXPIRED:
          return _("This API key has expired");
        case TESSERA_HARNESS_ERROR_FORBIDDEN:
          return _("Harness refused access with this API key");
        case TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH:
          return _("The API key belongs to another account");
        case TESSERA_HARNESS_ERROR_MISSING_ACCOUNT:
          return _("The account ID is missing");
        case TESSERA_HARNESS_ERROR_INVALID_BASE_URL:
        case TESSERA_HARNESS_ERROR_INSECURE_URL:
          return _("The API base URL can’t be used");
        case TESSERA_HARNESS_ERROR_BAD_REQUEST:
        case TESSERA_HARNESS_ERROR_TOKEN_LIMIT:
          return _("Harness turned the request away");
        case TESSERA_HARNESS_ERROR_RATE_LIMITED:
        case TESSERA_HARNESS_ERROR_SERVER_ERROR:
        case TESSERA_HARNESS_ERROR_NOT_HARNESS:
        case TESSERA_HARNESS_ERROR_REDIRECTED:
        case TESSERA_HARNESS_ERROR_TLS:
        case TESSERA_HARNESS_ERROR_NETWORK:
        case TESSERA_HARNESS_ERROR_TIMED_OUT:
        case TESSERA_HARNESS_ERROR_CANCELLED:
        default:
          return _("Couldn’t check the API key with Harness");
        }
    }

  /* Saving takes a key from the keyring only to check it again, when an
   * edit moves a credential to another account or server; a parse error
   * of a key comes from there too: the dialog parses what is typed. */
  if (error->domain == TESSERA_TOKEN_ERROR ||
      g_error_matches (error, TESSERA_STORE_ERROR, TESSERA_STORE_ERROR_TOKEN_MISSING))
    return _("Couldn’t read the stored API key");

  if (error->domain == TESSERA_STORE_ERROR)
    return _("Couldn’t save the credential");

  return _("Couldn’t check the API key");
}

/**
 * tessera_error_get_reference:
 * @error: an error from the core
 *
 * Returns: (nullable): the id Harness gave the failed request, for a
 *   support ticket, or %NULL
 */
const char *
tessera_error_get_reference (const GError *error)
{
  const char *correlation_id = tessera_harness_error_get_correlation_id (error);

  return correlation_id != NULL && *correlation_id != '\0' ? correlation_id : NULL;
}
