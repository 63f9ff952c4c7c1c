/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-harness-response.c: whatever a server answers (status, content type,
 * body), the parser returns a verification or a TESSERA_HARNESS_ERROR with a
 * message — never a crash, never both, never neither.
 *
 * Input layout: byte 0-1 pick the HTTP status (100–599), byte 2 picks a
 * content type, byte 3 picks validate or account, the rest is the body. */
#include "config.h"

#include <string.h>

#include "tessera-harness-client.h"
#include "tessera-harness-response.h"

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

  if (data[3] & 1)
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
        }
    }

  return 0;
}
