/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-base-url.c: the Harness API base URL a credential talks to
 *
 * The URL decides where the token is sent, so it is held to a strict shape:
 * https, or plain http only to this machine (tests and local proxies), and
 * nothing that could smuggle a second host or credentials into the request.
 */
#define G_LOG_DOMAIN "tessera-harness"

#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "tessera-base-url.h"
#include "tessera-harness-client.h"
#include "tessera-words.h"

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL || host[0] == '\0')
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0 ||
      g_ascii_strcasecmp (host, "localhost.") == 0)
    return TRUE;

  /* GUri gives IPv6 literals without their brackets. */
  address = g_inet_address_new_from_string (host);

  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
has_space_or_control (const char *s)
{
  for (; *s != '\0'; s++)
    if (g_ascii_isspace (*s) || g_ascii_iscntrl (*s))
      return TRUE;

  return FALSE;
}

static void
set_invalid (GError     **error,
             const char  *message)
{
  g_set_error_literal (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_INVALID_BASE_URL, message);
}

/* Letters, digits, "-" and "." for names and IPv4; hex digits, ":" and "."
 * for IPv6 literals (GUri hands those over without brackets). */
static gboolean
host_is_plain (const char *host)
{
  if (strchr (host, ':') != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      /* Only a real IPv6 address: "a%3a" decodes to "a:a", which is not. */
      return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
    }

  for (const char *c = host; *c; c++)
    {
      if (g_ascii_isalnum (*c) || *c == '-' || *c == '.')
        continue;
      return FALSE;
    }

  return host[0] != '\0' && host[0] != '.' && host[0] != '-';
}

/* Where the API path starts in @path ("/ng/api" as whole segments, in
 * any case), or NULL. */
static const char *
find_api_path (const char *path)
{
  for (const char *c = path; (c = strchr (c, '/')) != NULL; c++)
    if (g_ascii_strncasecmp (c, "/ng/api", strlen ("/ng/api")) == 0 &&
        (c[strlen ("/ng/api")] == '\0' || c[strlen ("/ng/api")] == '/'))
      return c;

  return NULL;
}

/**
 * tessera_base_url_normalize:
 * @input: what the user typed
 * @error: a #TESSERA_HARNESS_ERROR (INVALID_BASE_URL or INSECURE_URL)
 *
 * tessera_base_url_normalize_full() without the notice.
 *
 * Returns: (transfer full) (nullable): the normalized URL
 */
char *
tessera_base_url_normalize (const char  *input,
                            GError     **error)
{
  return tessera_base_url_normalize_full (input, NULL, error);
}

/**
 * tessera_base_url_normalize_full:
 * @input: what the user typed
 * @notice: (out) (optional) (nullable) (transfer full): a sentence saying
 *   what was cut from @input, or %NULL when nothing was
 * @error: a #TESSERA_HARNESS_ERROR (INVALID_BASE_URL or INSECURE_URL)
 *
 * Parses @input with GUri: https only, except http to loopback
 * (127.0.0.0/8, localhost, [::1]); no user info, query or fragment; a
 * trailing "/" stripped; a path such as "/gateway" kept as typed. A bare
 * host name such as "app.harness.io" is read as https. The scheme and
 * host are lowercased and a default port is dropped.
 *
 * An address copied from an API call ("…/ng/api/user/currentUser") is cut
 * back to what comes before "/ng/api", which Tessera adds itself, and
 * @notice says so.
 *
 * Returns: (transfer full) (nullable): the normalized URL
 */
char *
tessera_base_url_normalize_full (const char  *input,
                                 char       **notice,
                                 GError     **error)
{
  g_autofree char *cut = NULL;
  char *normalized;
  const char *api_path;
  g_autofree char *trimmed = NULL;
  g_autofree char *with_scheme = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GUri) uri = NULL;
  gsize path_len;
  int port;

  trimmed = g_strstrip (g_strdup (input != NULL ? input : ""));

  if (trimmed[0] == '\0')
    {
      set_invalid (error, tessera_words_pick (_("Enter the address of your Harness server, for example https://app.harness.io."),
                                              _("Give the address of your Harness server with --base-url, for example https://app.harness.io.")));
      return NULL;
    }

  if (has_space_or_control (trimmed))
    {
      set_invalid (error, _("The server address contains a space or an invisible character. Check what you typed."));
      return NULL;
    }

  if (strstr (trimmed, "://") == NULL)
    with_scheme = g_strconcat ("https://", trimmed, NULL);
  else
    with_scheme = g_strdup (trimmed);

  uri = g_uri_parse (with_scheme, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, NULL);
  if (uri == NULL)
    {
      set_invalid (error, _("The server address is not a valid web address. It should look like https://app.harness.io."));
      return NULL;
    }

  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (!g_str_equal (scheme, "https") && !g_str_equal (scheme, "http"))
    {
      set_invalid (error, _("The server address must start with https://."));
      return NULL;
    }

  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      set_invalid (error, _("The server address has no host name. It should look like https://app.harness.io."));
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      set_invalid (error, _("The server address must not contain a user name or password."));
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      set_invalid (error, tessera_words_pick (_("The server address must not contain “?” or “#” parts. Enter only the server, for example https://app.harness.io."),
                                              _("The server address must not contain “?” or “#” parts. Give only the server, for example https://app.harness.io.")));
      return NULL;
    }

  host = g_ascii_strdown (g_uri_get_host (uri), -1);

  /* GUri always percent-decodes the host, so "a%2Fb" would come back as
   * "a/b" and change which server the key goes to: accept only what a host
   * name or an IP address can hold. */
  if (!host_is_plain (host))
    {
      set_invalid (error, _("The server address contains characters that cannot be part of a host name. It should look like https://app.harness.io."));
      return NULL;
    }

  if (g_str_equal (scheme, "http") && !host_is_loopback (host))
    {
      g_set_error_literal (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_INSECURE_URL,
                           _("The server address must start with https://. Plain http:// would send your API key unencrypted, so it is only allowed to this computer."));
      return NULL;
    }

  path = g_strdup (g_uri_get_path (uri));

  api_path = find_api_path (path);
  if (api_path != NULL)
    {
      cut = g_strdup (api_path);
      path[api_path - path] = '\0';
    }

  path_len = strlen (path);
  while (path_len > 0 && path[path_len - 1] == '/')
    path[--path_len] = '\0';

  port = g_uri_get_port (uri);
  if ((port == 443 && g_str_equal (scheme, "https")) || (port == 80 && g_str_equal (scheme, "http")))
    port = -1;

  normalized = g_uri_join (G_URI_FLAGS_ENCODED, scheme, NULL, host, port, path, NULL, NULL);

  if (notice != NULL)
    *notice = NULL;
  if (notice != NULL && cut != NULL)
    {
      /* Never more than a line of what was typed. */
      g_autofree char *shown = g_utf8_validate (cut, -1, NULL) && g_utf8_strlen (cut, -1) <= 60
                               ? g_strdup (cut) : g_strdup ("/ng/api/…");

      /* Translators: the first argument is a path such as
       * “/ng/api/user/currentUser”, the second an address such as
       * https://app.harness.io. */
      *notice = g_strdup_printf (_("“%s” is the path of Harness’s API, which Tessera adds itself: the server address is %s."),
                                 shown, normalized);
    }

  return normalized;
}

/**
 * tessera_base_url_is_loopback:
 * @url: (nullable): an absolute URL
 *
 * Returns: %TRUE when @url points at this machine: localhost, 127.0.0.0/8
 *   or [::1]
 */
gboolean
tessera_base_url_is_loopback (const char *url)
{
  g_autoptr(GUri) uri = NULL;

  if (url == NULL)
    return FALSE;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  return uri != NULL && host_is_loopback (g_uri_get_host (uri));
}
