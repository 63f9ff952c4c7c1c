/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-harness-response.c: whatever a server answers (status, content type,
 * body), the parser returns a verification or a TESSERA_HARNESS_ERROR with a
 * message — never a crash, never both, never neither.
 *
 * Input layout: byte 0-1 pick the HTTP status (100–599), byte 2 picks a
 * content type, byte 3 modulo 4 picks validate (0), account (1), the new
 * key of rotate or create (2) or delete (3), the rest is the body.
 * tests/fuzz/replay.c runs it over the seeds in the normal build. */
#include "config.h"

#include <string.h>

#include "tessera-harness-client.h"
#include "tessera-harness-response.h"
#include "tessera-token.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const char *content_types[] = {
  "application/json", "application/json;charset=utf-8", "text/html", "text/plain",
  "application/yaml", NULL, "", "application/problem+json",
};

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GError) error = NULL;
  const char *content_type;
  const char *body;
  gsize body_length;
  guint status;

  if (size < 4)
    return 0;

  status = 100 + ((data[0] << 8 | data[1]) % 500);
  content_type = content_types[data[2] % G_N_ELEMENTS (content_types)];
  body = (const char *) data + 4;
  body_length = size - 4;

  if (data[3] % 4 == 2)
    {
      char *key = tessera_harness_response_parse_new_token (status, content_type, body, body_length, &error);

      g_assert ((key == NULL) != (error == NULL));
      if (key != NULL)
        {
          g_autoptr(TesseraToken) token = tessera_token_parse (key, NULL);

          /* Only a key of Harness's shape is ever taken for the new key. */
          g_assert (token != NULL);
          g_assert (status >= 200 && status < 300);
        }
      else
        g_assert (error->domain == TESSERA_HARNESS_ERROR && error->message[0] != '\0');
      tessera_secure_free (key);
    }
  else if (data[3] % 4 == 3)
    {
      gboolean deleted = tessera_harness_response_parse_deleted (status, content_type, body, body_length, &error);

      g_assert (deleted != (error != NULL));
      if (error != NULL)
        g_assert (error->domain == TESSERA_HARNESS_ERROR && error->message[0] != '\0');
    }
  else if (data[3] & 1)
    {
      g_autofree char *name = tessera_harness_response_parse_account (status, content_type, body, body_length, &error);

      if (name != NULL)
        g_assert (g_utf8_validate (name, -1, NULL));
    }
  else
    {
      g_autoptr(TesseraVerification) verification =
        tessera_harness_response_parse_validate (status, content_type, body, body_length, &error);

      g_assert ((verification == NULL) != (error == NULL));
      if (error != NULL)
        {
          g_assert (error->domain == TESSERA_HARNESS_ERROR);
          g_assert (error->message != NULL && error->message[0] != '\0');
        }
      else
        {
          g_assert (status >= 200 && status < 300);
          g_assert (tessera_verification_get_expires (verification) >= 0 ||
                    tessera_verification_get_expires (verification) < 0);
          /* The scope is sent back in URLs by rotate, create and delete. */
          for (guint i = 0; i < 2; i++)
            {
              const char *scope = i == 0 ? tessera_verification_get_org_identifier (verification)
                                         : tessera_verification_get_project_identifier (verification);

              g_assert (scope == NULL || g_utf8_validate (scope, -1, NULL));
            }
        }
    }

  return 0;
}
