/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-search.c: finding credentials by what a person types
 * (tessera-store-search.h), as GNOME Shell's search asks: every term, in
 * any case, in the name, description, account name or account ID; a
 * subsearch narrows an earlier result; the summary is the kind and the
 * status in words; nothing found carries a key.
 *
 * The fixture (a store over the file backend): store-fixture.h.
 */
#include "config.h"

#include "store-fixture.h"
#include "tessera-store-search.h"
#include "tessera-verification-private.h"

typedef struct
{
  char *deploy;    /* "Deploy bot", a verified SAT of "Analytical Engines" */
  char *personal;  /* "Personal", a PAT: "CI deploys" in its description */
  char *other;     /* "Staging", of OTHER_ACCOUNT */
} Three;

static void
three_clear (Three *three)
{
  g_free (three->deploy);
  g_free (three->personal);
  g_free (three->other);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Three, three_clear)

static void
add_three (Fixture *fixture,
           Three   *three)
{
  g_autoptr(TesseraVerification) verification = tessera_verification_new ();
  g_autoptr(TesseraCredential) deploy = NULL;
  g_autoptr(TesseraCredential) personal = NULL;
  g_autoptr(TesseraCredential) other = NULL;
  g_autoptr(GError) error = NULL;

  tessera_verification_set_valid (verification, TRUE);
  tessera_verification_set_kind (verification, TESSERA_CREDENTIAL_KIND_SAT);
  tessera_verification_set_account_name (verification, "Analytical Engines");
  deploy = add_full (fixture, fixture->store, "Deploy bot", "", ACCOUNT, "https://app.harness.io",
                     new_sat_token (fixture, ACCOUNT), verification, &error);
  g_assert_no_error (error);
  personal = add_full (fixture, fixture->store, "Personal", "Used by the CI deploys", ACCOUNT,
                       "https://app.harness.io", new_token (fixture, ACCOUNT), NULL, &error);
  g_assert_no_error (error);
  other = add_full (fixture, fixture->store, "Staging", "", OTHER_ACCOUNT, "https://app.harness.io",
                    new_token (fixture, OTHER_ACCOUNT), NULL, &error);
  g_assert_no_error (error);

  three->deploy = g_strdup (tessera_credential_get_id (deploy));
  three->personal = g_strdup (tessera_credential_get_id (personal));
  three->other = g_strdup (tessera_credential_get_id (other));
}

static void
assert_ids (GStrv       found,
            const char *first,
            ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) owned = found;
  g_auto(GStrv) expected = NULL;
  va_list args;

  va_start (args, first);
  for (const char *id = first; id != NULL; id = va_arg (args, const char *))
    g_strv_builder_add (builder, id);
  va_end (args);
  expected = g_strv_builder_end (builder);

  g_assert_nonnull (owned);
  g_assert_cmpstrv (owned, expected);
}

static void
test_terms (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(Three) three = { NULL, };

  add_three (fixture, &three);

  /* A name, in any case. */
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "deploy", NULL }, NULL),
              three.deploy, three.personal, NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "DEPLOY", "Bot", NULL }, NULL),
              three.deploy, NULL);
  /* Every term must be found, each in any field. */
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "deploy", "ci", NULL }, NULL),
              three.personal, NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "deploy", "nothing", NULL }, NULL),
              NULL);
  /* The account's name and ID. */
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "analytical", NULL }, NULL),
              three.deploy, NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "testacct0000002", NULL }, NULL),
              three.other, NULL);
  /* Blank terms are no terms; none at all finds nothing. */
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { " ", "staging ", NULL }, NULL),
              three.other, NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { " ", NULL }, NULL), NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { NULL }, NULL), NULL);
}

static void
test_keys_are_not_searched (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  const char *token = new_token (fixture, ACCOUNT);
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);

  credential = add_full (fixture, fixture->store, "Keyed", "", ACCOUNT, "https://app.harness.io",
                         token, NULL, &error);
  g_assert_no_error (error);

  /* Neither the key, nor its token ID or secret part, nor "pat." finds it. */
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { token, NULL }, NULL), NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { parts[2], NULL }, NULL), NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { parts[3], NULL }, NULL), NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "pat.", NULL }, NULL), NULL);
  g_assert_false (tessera_credential_matches_terms (credential, (const char *[]) { parts[3], NULL }));
  g_assert_true (tessera_credential_matches_terms (credential, (const char *[]) { "KEY", NULL }));
}

static void
test_subsearch (Fixture       *fixture,
                gconstpointer  data)
{
  g_auto(Three) three = { NULL, };
  g_auto(GStrv) first = NULL;

  add_three (fixture, &three);

  first = tessera_store_search (fixture->store, (const char *[]) { "deploy", NULL }, NULL);
  assert_ids (g_strdupv (first), three.deploy, three.personal, NULL);

  /* Narrowed, in the earlier order; what was not found stays out. */
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "deploy", "b", NULL },
                                    (const char * const *) first),
              three.deploy, three.personal, NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "deploy", "bo", NULL },
                                    (const char * const *) first),
              three.deploy, NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "staging", NULL },
                                    (const char * const *) first),
              NULL);
  /* The earlier order is kept, and ids no longer in the store are left out. */
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "e", NULL },
                                    (const char *[]) { three.other, "gone", three.deploy, NULL }),
              three.other, three.deploy, NULL);
  g_assert_true (tessera_store_remove (fixture->store, three.deploy, NULL));
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "deploy", NULL },
                                    (const char * const *) first),
              three.personal, NULL);
  assert_ids (tessera_store_search (fixture->store, (const char *[]) { "deploy", NULL }, NULL),
              three.personal, NULL);
}

static void
test_summary (Fixture       *fixture,
              gconstpointer  data)
{
  g_auto(Three) three = { NULL, };
  g_autofree char *deploy = NULL;
  g_autofree char *personal = NULL;

  add_three (fixture, &three);

  deploy = tessera_credential_dup_summary (tessera_store_lookup (fixture->store, three.deploy));
  personal = tessera_credential_dup_summary (tessera_store_lookup (fixture->store, three.personal));
  g_assert_cmpstr (deploy, ==, "Service account token · Verified");
  g_assert_cmpstr (personal, ==, "Personal access token · Not verified");
}

static void
add_tests (void)
{
  store_test_add ("/store-search/terms", test_terms);
  store_test_add ("/store-search/keys-are-not-searched", test_keys_are_not_searched);
  store_test_add ("/store-search/subsearch", test_subsearch);
  store_test_add ("/store-search/summary", test_summary);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
