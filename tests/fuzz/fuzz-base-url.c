/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-base-url.c: base URL normalization never crashes; what it accepts is
 * https (or http to loopback), has no user info, query or fragment, no
 * trailing slash, and normalizes to itself. */
#include "config.h"

#include <string.h>

#include "tessera-base-url.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *input = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = tessera_base_url_normalize (input, &error);

  if (url != NULL)
    {
      g_autoptr(GError) again_error = NULL;
      g_autofree char *again = tessera_base_url_normalize (url, &again_error);

      g_assert (error == NULL);
      g_assert (g_str_has_prefix (url, "https://") ||
                (g_str_has_prefix (url, "http://") && tessera_base_url_is_loopback (url)));
      g_assert (strchr (url, '?') == NULL && strchr (url, '#') == NULL);
      g_assert (!g_str_has_suffix (url, "/"));
      g_assert (again != NULL && strcmp (again, url) == 0);
    }
  else
    {
      g_assert (error != NULL);
    }

  return 0;
}
