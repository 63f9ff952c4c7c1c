/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-base-url.h: the Harness API base URL a credential talks to */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TESSERA_DEFAULT_BASE_URL "https://app.harness.io"

/**
 * tessera_base_url_normalize:
 * @input: what the user typed
 * @error: a #TESSERA_HARNESS_ERROR (INVALID_BASE_URL or INSECURE_URL)
 *
 * Parses @input with GUri: https only, except http to loopback
 * (127.0.0.0/8, localhost, [::1]); no user info, query or fragment; a
 * trailing "/" stripped; a path such as "/gateway" kept as typed; the
 * API path "/ng/api…" cut off.
 *
 * Returns: (transfer full) (nullable): the normalized URL
 */
char     *tessera_base_url_normalize      (const char  *input,
                                           GError     **error);
char     *tessera_base_url_normalize_full (const char  *input,
                                           char       **notice,
                                           GError     **error);
gboolean  tessera_base_url_is_loopback    (const char  *url);

G_END_DECLS
