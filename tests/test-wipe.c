/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-wipe.c: the buffers that held a new key (the answer to rotate and
 * create as read, the parser's copy, the key handed out) are wiped when
 * freed (issue 16)
 *
 * This program stands in for explicit_bzero(), which tessera_secure_wipe()
 * calls, and keeps a copy of each region before zeroing it: the test then
 * finds the key among what was wiped. The client and the core are linked
 * in statically, so their calls come here.
 */
#include "config.h"

#include <string.h>

#include "harness-client-fixture.h"
#include "tessera-token.h"

static GPtrArray *wiped;   /* GBytes: what each wipe zeroed */

/* glibc declares the region write-only: this reads it on purpose. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

void
explicit_bzero (void   *data,
                size_t  length)
{
  volatile unsigned char *p = data;

  if (wiped != NULL)
    g_ptr_array_add (wiped, g_bytes_new (data, length));
  while (length--)
    *p++ = 0;
}

/* How many wiped regions hold @needle; @exactly: are it. */
static guint
count_wiped (const char *needle,
             gboolean    exactly)
{
  gsize needle_length = strlen (needle);
  guint n = 0;

  for (guint i = 0; i < wiped->len; i++)
    {
      gsize length;
      const char *data = g_bytes_get_data (g_ptr_array_index (wiped, i), &length);

      if (exactly ? length == needle_length && memcmp (data, needle, length) == 0
                  : g_strstr_len (data, length, needle) != NULL)
        n++;
    }

  return n;
}

typedef struct
{
  gboolean  done;
  char     *key;
  GError   *error;
} Change;

static void
on_rotated (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Change *change = user_data;

  change->key = tessera_harness_client_rotate_finish (TESSERA_HARNESS_CLIENT (object), result, &change->error);
  change->done = TRUE;
}

static void
on_created (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Change *change = user_data;

  change->key = tessera_harness_client_create_finish (TESSERA_HARNESS_CLIENT (object), result, &change->error);
  change->done = TRUE;
}

static const TesseraHarnessTokenRef ref = {
  .identifier = "laptop", .api_key_identifier = "my_key", .parent_identifier = "user_ada", .api_key_type = "USER",
};

static void
assert_key_wiped (const char *key)
{
  g_autofree char *answer = g_strdup_printf ("\"data\":\"%s\"", key);

  /* The answer as read (each read's buffer, then the whole body) */
  g_assert_cmpuint (count_wiped (answer, FALSE), >=, 2);
  /* The JSON parser's copy, the TesseraToken that checked its shape, and
   * the copy handed out */
  g_assert_cmpuint (count_wiped (key, TRUE), >=, 3);
}

static void
test_rotate_answer_wiped (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (PAT, NULL);
  g_autofree char *key = NULL;
  Change change = { 0 };

  fake_harness_add_token_full (fixture->harness, &(FakeHarnessToken) {
      .token = PAT, .identifier = "laptop", .api_key_identifier = "my_key", .parent_identifier = "user_ada" });

  wiped = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  tessera_harness_client_rotate_async (fixture->client, fake_harness_get_base_url (fixture->harness), NULL, token,
                                       &ref, now_ms () + DAY_MS, NULL, on_rotated, &change);
  wait_until (&change.done);
  g_assert_no_error (change.error);
  key = g_strdup (change.key);
  tessera_secure_free (change.key);

  assert_key_wiped (key);
  g_clear_pointer (&wiped, g_ptr_array_unref);
}

static void
test_create_answer_wiped (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(TesseraToken) token = tessera_token_parse (PAT, NULL);
  TesseraHarnessTokenRef renewed = ref;
  g_autofree char *key = NULL;
  Change change = { 0 };

  fake_harness_add_token_full (fixture->harness, &(FakeHarnessToken) {
      .token = PAT, .identifier = "laptop", .api_key_identifier = "my_key", .parent_identifier = "user_ada" });

  wiped = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  renewed.identifier = "laptop_2";
  tessera_harness_client_create_async (fixture->client, fake_harness_get_base_url (fixture->harness), NULL, token,
                                       &renewed, NULL, now_ms () + 30 * DAY_MS, NULL, on_created, &change);
  wait_until (&change.done);
  g_assert_no_error (change.error);
  key = g_strdup (change.key);
  tessera_secure_free (change.key);

  assert_key_wiped (key);
  g_clear_pointer (&wiped, g_ptr_array_unref);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/wipe/rotate-answer", Fixture, NULL, fixture_set_up, test_rotate_answer_wiped, fixture_tear_down);
  g_test_add ("/wipe/create-answer", Fixture, NULL, fixture_set_up, test_create_answer_wiped, fixture_tear_down);

  return g_test_run ();
}
