/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-base-url.c: table-driven tests of the base URL rules */
#include "config.h"

#include <string.h>

#include "tessera-base-url.h"
#include "tessera-harness-client.h"
#include "tessera-words.h"

typedef struct
{
  const char *input;
  const char *expected;   /* NULL: an error */
  int         error;
} Case;

#define OK(in, out)    { in, out, -1 }
#define BAD(in, code)  { in, NULL, TESSERA_HARNESS_ERROR_##code }

static const Case cases[] = {
  OK ("https://app.harness.io", "https://app.harness.io"),
  OK ("https://app.harness.io/", "https://app.harness.io"),
  OK ("https://app.harness.io///", "https://app.harness.io"),
  OK ("  https://app.harness.io \n", "https://app.harness.io"),
  OK ("HTTPS://App.Harness.IO", "https://app.harness.io"),
  OK ("https://app.harness.io/gateway", "https://app.harness.io/gateway"),
  OK ("https://app.harness.io/gateway/", "https://app.harness.io/gateway"),
  OK ("https://app.harness.io/Gateway", "https://app.harness.io/Gateway"),
  OK ("https://app.harness.io:443", "https://app.harness.io"),
  OK ("https://harness.example.com:8443/", "https://harness.example.com:8443"),
  OK ("app.harness.io", "https://app.harness.io"),
  OK ("accounts.eu.harness.io/gateway", "https://accounts.eu.harness.io/gateway"),
  OK ("https://smp.internal/path%20with/escapes", "https://smp.internal/path%20with/escapes"),
  OK ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
  OK ("http://127.1.2.3:9", "http://127.1.2.3:9"),
  OK ("http://localhost:3000/", "http://localhost:3000"),
  OK ("http://LOCALHOST", "http://localhost"),
  OK ("http://[::1]:8080/gateway", "http://[::1]:8080/gateway"),
  OK ("http://127.0.0.1:80", "http://127.0.0.1"),
  OK ("https://[2001:db8::1]", "https://[2001:db8::1]"),
  BAD ("", INVALID_BASE_URL),
  BAD ("   ", INVALID_BASE_URL),
  BAD (NULL, INVALID_BASE_URL),
  BAD ("http://app.harness.io", INSECURE_URL),
  BAD ("http://10.0.0.1", INSECURE_URL),
  BAD ("http://192.168.1.10:8080", INSECURE_URL),
  BAD ("http://[::2]", INSECURE_URL),
  BAD ("http://localhost.evil.example", INSECURE_URL),
  BAD ("http://127.0.0.1.evil.example", INSECURE_URL),
  BAD ("ftp://app.harness.io", INVALID_BASE_URL),
  BAD ("file:///etc/passwd", INVALID_BASE_URL),
  BAD ("javascript:alert(1)", INVALID_BASE_URL),
  BAD ("https://", INVALID_BASE_URL),
  BAD ("https://user:secret@app.harness.io", INVALID_BASE_URL),
  BAD ("https://app.harness.io@evil.example", INVALID_BASE_URL),
  BAD ("https://app.harness.io/?accountIdentifier=x", INVALID_BASE_URL),
  BAD ("https://app.harness.io/#fragment", INVALID_BASE_URL),
  BAD ("https://app harness.io", INVALID_BASE_URL),
  BAD ("https://app.harness.io/\x01", INVALID_BASE_URL),
  BAD ("https://app.harness.io:99999", INVALID_BASE_URL),
  BAD ("https://app.harness.io/%zz", INVALID_BASE_URL),
  /* GUri decodes the host: a %-encoded "/" or control byte must not turn
   * into another host (found by fuzz-base-url). */
  BAD ("https://app.harness.io%2Fevil.example", INVALID_BASE_URL),
  BAD ("P%11", INVALID_BASE_URL),
  BAD ("a%3a", INVALID_BASE_URL),
  BAD ("https://[fe80::1%25eth0]", INVALID_BASE_URL),
  BAD ("https://app_harness.io", INVALID_BASE_URL),
  OK ("https://m\u00fcnchen.example", "https://xn--mnchen-3ya.example"),
};

static void
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = NULL;

      g_test_message ("case %u: %s", i, c->input != NULL ? c->input : "(null)");
      normalized = tessera_base_url_normalize (c->input, &error);

      if (c->expected != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (normalized, ==, c->expected);

          /* Normalizing is idempotent. */
          {
            g_autofree char *again = tessera_base_url_normalize (normalized, &error);

            g_assert_no_error (error);
            g_assert_cmpstr (again, ==, normalized);
          }
        }
      else
        {
          g_assert_null (normalized);
          g_assert_error (error, TESSERA_HARNESS_ERROR, c->error);
          g_assert_false (tessera_harness_error_is_transient (error));
        }
    }
}

/* An address copied from an API call is cut back to the server's, and the
 * notice says so; nothing else gets a notice. */
static void
test_api_path (void)
{
  static const struct { const char *input; const char *expected; } cut[] = {
    { "https://app.harness.io/ng/api", "https://app.harness.io" },
    { "https://app.harness.io/ng/api/", "https://app.harness.io" },
    { "https://app.harness.io/ng/api/user/currentUser", "https://app.harness.io" },
    { "https://app.harness.io/gateway/ng/api", "https://app.harness.io/gateway" },
    { "app3.harness.io/gateway/NG/API/token/validate", "https://app3.harness.io/gateway" },
    { "http://127.0.0.1:8080/ng/api", "http://127.0.0.1:8080" },
  };
  static const char *kept[] = {
    "https://app.harness.io/gateway",
    "https://app.harness.io/ng/apis",
    "https://app.harness.io/ng",
    "https://smp.internal/prefix/ng",
    "https://smp.internal/ng-api",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cut); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *notice = NULL;
      g_autofree char *normalized = tessera_base_url_normalize_full (cut[i].input, &notice, &error);
      g_autofree char *plain = tessera_base_url_normalize (cut[i].input, NULL);
      g_autofree char *lower = NULL;

      g_test_message ("cut: %s", cut[i].input);
      g_assert_no_error (error);
      g_assert_cmpstr (normalized, ==, cut[i].expected);
      g_assert_cmpstr (plain, ==, cut[i].expected);
      g_assert_nonnull (notice);
      lower = g_ascii_strdown (notice, -1);
      g_assert_nonnull (strstr (lower, "/ng/api"));
      g_assert_nonnull (strstr (notice, cut[i].expected));
    }

  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autoptr(GError) error = NULL;
      /* Not allocated: it must be overwritten with NULL, not freed. */
      char *notice = (char *) "not cleared";
      g_autofree char *normalized = tessera_base_url_normalize_full (kept[i], &notice, &error);

      g_test_message ("kept: %s", kept[i]);
      g_assert_no_error (error);
      g_assert_nonnull (normalized);
      g_assert_cmpstr (normalized, ==, kept[i]);
      g_assert_null (notice);
    }

  /* A refused address gives no notice either. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *notice = NULL;

    g_assert_null (tessera_base_url_normalize_full ("http://example.com/ng/api", &notice, &error));
    g_assert_error (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_INSECURE_URL);
    g_assert_null (notice);
  }
}

/* The terminal gets its own words where the window's point at a field. */
static void
test_audience (void)
{
  static const char *inputs[] = { "", "https://app.harness.io/?x=1" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) window_error = NULL;
      g_autoptr(GError) terminal_error = NULL;

      g_assert_null (tessera_base_url_normalize (inputs[i], &window_error));
      tessera_words_set_audience (TESSERA_AUDIENCE_TERMINAL);
      g_assert_null (tessera_base_url_normalize (inputs[i], &terminal_error));
      tessera_words_set_audience (TESSERA_AUDIENCE_WINDOW);

      g_assert_error (terminal_error, TESSERA_HARNESS_ERROR, window_error->code);
      g_assert_nonnull (strstr (window_error->message, "Enter "));
      g_assert_null (strstr (terminal_error->message, "Enter "));
      g_assert_nonnull (strstr (terminal_error->message, "https://app.harness.io"));
    }
}

static void
test_is_loopback (void)
{
  g_assert_true (tessera_base_url_is_loopback ("http://127.0.0.1:1234"));
  g_assert_true (tessera_base_url_is_loopback ("https://127.255.0.9"));
  g_assert_true (tessera_base_url_is_loopback ("http://localhost"));
  g_assert_true (tessera_base_url_is_loopback ("http://[::1]:80/x"));
  g_assert_false (tessera_base_url_is_loopback ("https://app.harness.io"));
  g_assert_false (tessera_base_url_is_loopback ("http://128.0.0.1"));
  g_assert_false (tessera_base_url_is_loopback ("http://localhost.example.com"));
  g_assert_false (tessera_base_url_is_loopback ("not a url"));
  g_assert_false (tessera_base_url_is_loopback (NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/base-url/table", test_table);
  g_test_add_func ("/base-url/is-loopback", test_is_loopback);
  g_test_add_func ("/base-url/api-path", test_api_path);
  g_test_add_func ("/base-url/audience", test_audience);

  return g_test_run ();
}
