/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-token.c: table-driven tests of API key parsing */
#include "config.h"

#include <string.h>

#include "tessera-token.h"
#include "tessera-words.h"

#define ACCT "AbCdEfGhIjKlMnOpQrSt_-"   /* 22 characters, base64url */
#define TID  "0123456789abcdef01234567" /* 24 hex */
#define SEC  "A1b2C3d4E5f6G7h8I9j0"     /* 20 alphanumerics */
#define GOOD_PAT "pat." ACCT "." TID "." SEC
#define GOOD_SAT "sat." ACCT "." TID "." SEC

typedef struct
{
  const char            *name;
  const char            *input;
  int                    error;   /* -1: parses */
  TesseraCredentialKind  kind;
  const char            *account; /* expected account id, NULL for legacy */
  gboolean               usual;
} Case;

#define OK(n, in, k, acct, usual) { n, in, -1, TESSERA_CREDENTIAL_KIND_##k, acct, usual }
#define BAD(n, in, code) { n, in, TESSERA_TOKEN_ERROR_##code, 0, NULL, FALSE }

static const Case cases[] = {
  /* good */
  OK ("pat", GOOD_PAT, PAT, ACCT, TRUE),
  OK ("sat", GOOD_SAT, SAT, ACCT, TRUE),
  OK ("leading-space", "   " GOOD_PAT, PAT, ACCT, TRUE),
  OK ("trailing-newline", GOOD_PAT "\n", PAT, ACCT, TRUE),
  OK ("crlf", GOOD_PAT "\r\n", PAT, ACCT, TRUE),
  OK ("tabs-around", "\t" GOOD_SAT "\t", SAT, ACCT, TRUE),
  OK ("short-parts", "pat.acct.tid.sec", PAT, "acct", FALSE),
  OK ("legacy-pat", "pat." TID "." SEC, PAT, NULL, FALSE),
  OK ("legacy-sat", "sat." TID "." SEC, SAT, NULL, FALSE),
  OK ("underscore-dash", "pat.a_b-c.d_e.f-g", PAT, "a_b-c", FALSE),
  OK ("long-secret", "pat." ACCT "." TID ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", PAT, ACCT, FALSE),
  OK ("uppercase-tid", "pat." ACCT ".0123456789ABCDEF01234567." SEC, PAT, ACCT, TRUE),
  OK ("single-char-parts", "sat.a.b.c", SAT, "a", FALSE),
  /* empty and huge */
  BAD ("empty", "", EMPTY),
  BAD ("spaces-only", "    ", EMPTY),
  BAD ("newlines-only", "\n\n\r\n", EMPTY),
  /* pasted with decoration */
  BAD ("header-line", "x-api-key: " GOOD_PAT, HEADER_LINE),
  BAD ("header-line-caps", "X-API-KEY:" GOOD_PAT, HEADER_LINE),
  BAD ("curl-flag", "-H x-api-key:" GOOD_PAT, HEADER_LINE),
  BAD ("authorization", "Authorization: Bearer " GOOD_PAT, HEADER_LINE),
  BAD ("bearer", "Bearer " GOOD_PAT, BEARER),
  BAD ("double-quotes", "\"" GOOD_PAT "\"", QUOTED),
  BAD ("single-quotes", "'" GOOD_PAT "'", QUOTED),
  BAD ("smart-quotes", "\u201c" GOOD_PAT "\u201d", QUOTED),
  BAD ("trailing-quote", GOOD_PAT "\"", QUOTED),
  BAD ("backticks", "`" GOOD_PAT "`", QUOTED),
  /* inside the key */
  BAD ("inner-space", "pat." ACCT ". " TID "." SEC, INNER_SPACE),
  BAD ("inner-newline", "pat." ACCT "." TID "\n." SEC, INNER_SPACE),
  BAD ("inner-tab", "pat." ACCT "\t." TID "." SEC, INNER_SPACE),
  BAD ("two-tokens", GOOD_PAT " " GOOD_SAT, INNER_SPACE),
  BAD ("control-char", "pat." ACCT "." TID "." "A\001b", CONTROL_CHARACTER),
  BAD ("escape-char", "pat.\033[0m" ACCT "." TID "." SEC, CONTROL_CHARACTER),
  BAD ("delete-char", "pat." ACCT "." TID "." SEC "\177", CONTROL_CHARACTER),
  BAD ("nbsp-inside", "pat." ACCT "\u00a0." TID "." SEC, NOT_ASCII),
  BAD ("zero-width-space", "pat." ACCT "\u200b." TID "." SEC, NOT_ASCII),
  BAD ("accented", "pat.\u00e9t\u00e9." TID "." SEC, NOT_ASCII),
  BAD ("emoji", "pat." ACCT "." TID ".\U0001F511", NOT_ASCII),
  BAD ("cyrillic-a", "p\u0430t." ACCT "." TID "." SEC, NOT_ASCII),
  BAD ("invalid-utf8", "pat.\xff\xfe." TID "." SEC, NOT_ASCII),
  /* wrong kind of key */
  BAD ("uppercase-prefix", "PAT." ACCT "." TID "." SEC, PREFIX_CASE),
  BAD ("mixed-case-prefix", "Sat." ACCT "." TID "." SEC, PREFIX_CASE),
  BAD ("firstgen-key", "aGFybmVzcy1maXJzdGdlbi1rZXk=", UNKNOWN_FORMAT),
  BAD ("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", JWT),
  BAD ("other-prefix", "ghp." ACCT "." TID "." SEC, UNKNOWN_FORMAT),
  BAD ("no-dots", "patabc", UNKNOWN_FORMAT),
  BAD ("prefix-only", "pat", SEGMENT_COUNT),
  BAD ("url", "https://app.harness.io", UNKNOWN_FORMAT),
  /* wrong structure */
  BAD ("two-parts", "pat." TID, SEGMENT_COUNT),
  BAD ("five-parts", GOOD_PAT ".extra", SEGMENT_COUNT),
  BAD ("prefix-dot", "pat.", SEGMENT_COUNT),
  BAD ("double-dot", "pat." ACCT ".." SEC, EMPTY_SEGMENT),
  BAD ("trailing-dot", "pat." ACCT "." TID ".", EMPTY_SEGMENT),
  BAD ("plus-sign", "pat." ACCT "." TID ".ab+cd", INVALID_CHARACTER),
  BAD ("slash", "pat." ACCT "/x." TID "." SEC, INVALID_CHARACTER),
  BAD ("base64-padding", "pat." ACCT "." TID "." SEC "==", INVALID_CHARACTER),
  BAD ("colon", "pat:" ACCT "." TID "." SEC, UNKNOWN_FORMAT),
};

static void
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(TesseraToken) token = NULL;

      g_test_message ("case %s", c->name);
      token = tessera_token_parse (c->input, &error);

      if (c->error < 0)
        {
          g_autofree char *masked = NULL;

          g_assert_no_error (error);
          g_assert_nonnull (token);
          g_assert_cmpint (tessera_token_get_kind (token), ==, c->kind);
          g_assert_cmpstr (tessera_token_get_account_id (token), ==, c->account);
          g_assert_cmpint (tessera_token_is_legacy (token), ==, c->account == NULL);
          g_assert_cmpint (tessera_token_has_usual_shape (token), ==, c->usual);
          g_assert_false (g_ascii_isspace (tessera_token_get_value (token)[0]));

          masked = tessera_token_dup_masked (token);
          g_assert_true (g_str_has_suffix (masked, ".••••"));
          g_assert_null (strstr (masked, TID));
          g_assert_null (strstr (masked, SEC));
        }
      else
        {
          g_assert_null (token);
          g_assert_error (error, TESSERA_TOKEN_ERROR, c->error);
          /* The sentence never quotes the key back. */
          g_assert_null (strstr (error->message, SEC));
          g_assert_null (strstr (error->message, TID));
          g_assert_cmpuint (strlen (error->message), >, 20);
        }
    }

  g_assert_cmpuint (G_N_ELEMENTS (cases), >=, 40);
}

static void
test_huge (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraToken) token = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *just_over = NULL;
  g_autofree char *at_limit = NULL;

  /* 10 MiB of key-like characters: refused without scanning all of it. */
  huge = g_strnfill (10 * 1024 * 1024, 'a');
  memcpy (huge, "pat.", 4);
  token = tessera_token_parse (huge, &error);
  g_assert_null (token);
  g_assert_error (error, TESSERA_TOKEN_ERROR, TESSERA_TOKEN_ERROR_TOO_LONG);
  g_clear_error (&error);

  just_over = g_strnfill (TESSERA_TOKEN_MAX_LENGTH + 1, 'b');
  memcpy (just_over, "pat.a.b.", 8);
  token = tessera_token_parse (just_over, &error);
  g_assert_null (token);
  g_assert_error (error, TESSERA_TOKEN_ERROR, TESSERA_TOKEN_ERROR_TOO_LONG);
  g_clear_error (&error);

  at_limit = g_strnfill (TESSERA_TOKEN_MAX_LENGTH, 'c');
  memcpy (at_limit, "pat.a.b.", 8);
  token = tessera_token_parse (at_limit, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
}

static void
test_null_input (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (tessera_token_parse (NULL, &error));
  g_assert_error (error, TESSERA_TOKEN_ERROR, TESSERA_TOKEN_ERROR_EMPTY);
}

/* Words that only make sense in the window. */
static gboolean
talks_about_window (const char *message)
{
  static const char *words[] = { "paste", "click", "field", "button", "enter ", " here", " below" };
  g_autofree char *lower = g_utf8_strdown (message, -1);

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (lower, words[i]) != NULL)
      return TRUE;

  return FALSE;
}

static void
test_audience (void)
{
  static const char *inputs[] = { "", "x-api-key: " GOOD_PAT, "Bearer " GOOD_PAT };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) window_error = NULL;
      g_autoptr(GError) terminal_error = NULL;

      g_assert_cmpint (tessera_words_get_audience (), ==, TESSERA_AUDIENCE_WINDOW);
      g_assert_null (tessera_token_parse (inputs[i], &window_error));

      tessera_words_set_audience (TESSERA_AUDIENCE_TERMINAL);
      g_assert_null (tessera_token_parse (inputs[i], &terminal_error));
      tessera_words_set_audience (TESSERA_AUDIENCE_WINDOW);

      /* The same verdict, in each reader's words. */
      g_assert_error (terminal_error, window_error->domain, window_error->code);
      g_test_message ("window: %s; terminal: %s", window_error->message, terminal_error->message);
      g_assert_true (talks_about_window (window_error->message));
      g_assert_false (talks_about_window (terminal_error->message));
    }
}

static void
test_masking (void)
{
  g_autoptr(TesseraToken) pat = tessera_token_parse (GOOD_PAT, NULL);
  g_autoptr(TesseraToken) legacy = tessera_token_parse ("sat." TID "." SEC, NULL);
  g_autofree char *m1 = tessera_token_dup_masked (pat);
  g_autofree char *m2 = tessera_token_dup_masked (legacy);
  g_autofree char *m3 = tessera_token_mask_value ("garbage " SEC);
  g_autofree char *m4 = tessera_token_mask_value (NULL);
  g_autofree char *m5 = tessera_token_mask_value (GOOD_SAT);

  g_assert_cmpstr (m1, ==, "pat." ACCT ".••••");
  g_assert_cmpstr (m2, ==, "sat.••••");
  g_assert_cmpstr (m3, ==, "••••");
  g_assert_cmpstr (m4, ==, "••••");
  g_assert_cmpstr (m5, ==, "sat." ACCT ".••••");
}

static void
test_value_and_refs (void)
{
  g_autoptr(TesseraToken) a = tessera_token_parse ("  " GOOD_PAT "\n", NULL);
  g_autoptr(TesseraToken) b = tessera_token_parse (GOOD_PAT, NULL);
  g_autoptr(TesseraToken) c = tessera_token_parse (GOOD_SAT, NULL);
  TesseraToken *ref;

  g_assert_cmpstr (tessera_token_get_value (a), ==, GOOD_PAT);
  g_assert_true (tessera_token_equal (a, b));
  g_assert_false (tessera_token_equal (a, c));
  g_assert_false (tessera_token_equal (a, NULL));

  ref = tessera_token_ref (a);
  g_assert_true (ref == a);
  tessera_token_unref (ref);
  g_assert_cmpstr (tessera_token_get_value (a), ==, GOOD_PAT);

  g_assert_true (g_type_is_a (TESSERA_TYPE_TOKEN, G_TYPE_BOXED));
}

static void
test_secure_free (void)
{
  g_auto(TesseraSecret) secret = g_strdup (GOOD_PAT);
  char *plain = g_strdup ("secret");

  g_assert_nonnull (secret);
  tessera_secure_clear (&secret);
  g_assert_null (secret);
  tessera_secure_free (plain);
  tessera_secure_free (NULL);
}

static void
test_kind_names (void)
{
  g_assert_cmpstr (tessera_credential_kind_to_string (TESSERA_CREDENTIAL_KIND_PAT), ==, "Personal access token");
  g_assert_cmpstr (tessera_credential_kind_to_string (TESSERA_CREDENTIAL_KIND_SAT), ==, "Service account token");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/token/table", test_table);
  g_test_add_func ("/token/huge", test_huge);
  g_test_add_func ("/token/null", test_null_input);
  g_test_add_func ("/token/masking", test_masking);
  g_test_add_func ("/token/audience", test_audience);
  g_test_add_func ("/token/value-and-refs", test_value_and_refs);
  g_test_add_func ("/token/secure-free", test_secure_free);
  g_test_add_func ("/token/kind-names", test_kind_names);

  return g_test_run ();
}
