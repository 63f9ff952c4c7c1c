/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-token.c: token parsing never crashes, never leaks the secret into a
 * message, and the masked form never holds more than prefix and account. */
#include "config.h"

#include <string.h>

#include "tessera-token.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *input = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraToken) token = tessera_token_parse (input, &error);

  if (token != NULL)
    {
      g_autofree char *masked = tessera_token_dup_masked (token);
      g_autofree char *expected = NULL;
      const char *value = tessera_token_get_value (token);
      const char *account = tessera_token_get_account_id (token);

      g_assert (error == NULL);
      g_assert (strlen (value) <= TESSERA_TOKEN_MAX_LENGTH);
      /* The masked form is exactly prefix and account: no byte of the
       * token id or the secret. */
      if (account != NULL)
        expected = g_strdup_printf ("%.3s.%s.••••", value, account);
      else
        expected = g_strdup_printf ("%.3s.••••", value);
      g_assert (strcmp (masked, expected) == 0);
      g_assert (tessera_token_get_kind (token) != TESSERA_CREDENTIAL_KIND_UNKNOWN);
    }
  else
    {
      g_assert (error != NULL);
      g_assert (error->domain == TESSERA_TOKEN_ERROR);
    }

  return 0;
}
