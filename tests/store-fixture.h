/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store-fixture.h: the fixture and helpers of the test-store-* programs
 *
 * One program per part of the store (add, update, remove, model, secrets,
 * settings, verify), each run against gnome-keyring and against
 * libsecret's file backend (see tests/meson.build). A program's main() is
 * store_test_main() with a function that registers its tests through
 * store_test_add().
 */
#pragma once

#ifndef G_SETTINGS_ENABLE_BACKEND
#define G_SETTINGS_ENABLE_BACKEND
#endif

#include <gio/gsettingsbackend.h>

#include "store-sync.h"
#include "tessera-store.h"
#include "tessera-store-private.h"
#include "test-secret-backend.h"
#include "test-wait.h"

G_BEGIN_DECLS

#define ACCOUNT       "TesseraTestAcct0000001"
#define OTHER_ACCOUNT "TesseraTestAcct0000002"
#define SCHEMA_NAME   "io.github.tessera.Tessera.Credential"

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

typedef struct
{
  char                 *keyfile;
  GSettingsBackend     *settings_backend;
  TesseraSecretBackend *real;        /* libsecret */
  TestSecretBackend    *secrets;     /* counts the store's calls to @real */
  TesseraStore         *store;
  GArray               *changes;     /* Change, one per items-changed */
  GPtrArray            *tokens;      /* every token the test used */
  char                 *fail_path;   /* writes to paths starting with this fail */
  guint                 failed_writes;
} Fixture;

typedef void (*StoreTestFunc) (Fixture *fixture, gconstpointer data);

/* Running the program */

/* Takes --secrets=file or --secrets=service out of @argv, sets up that
 * keyring, calls @add_tests and runs them. */
int                store_test_main         (int                    argc,
                                            char                  *argv[],
                                            void                 (*add_tests) (void));
/* Adds a test with the fixture below. */
void               store_test_add          (const char            *path,
                                            StoreTestFunc          func);
/* TRUE against gnome-keyring, FALSE against the file backend. */
gboolean           store_test_service_mode (void);

/* The fixture: a store over a keyfile in the test's directory, its
 * secrets through a TestSecretBackend over the real libsecret backend.
 * Teardown checks that nothing keeps the store alive and that no token
 * the test used (new_token()) is in a file or in the log. */
void               fixture_setup           (Fixture               *fixture,
                                            gconstpointer          data);
void               fixture_teardown        (Fixture               *fixture,
                                            gconstpointer          data);
/* Another store over the fixture's files, with its write hook. */
TesseraStore      *open_store              (Fixture               *fixture,
                                            TestSecretBackend     *secrets,
                                            GSettingsBackend     **backend_out);
/* A fresh store over the same files, as after quitting and starting
 * again. */
void               restart                 (Fixture               *fixture);

/* A random token of the real shape (test_random_token()), remembered for
 * teardown's search. */
const char        *new_token               (Fixture               *fixture,
                                            const char            *account);
const char        *new_sat_token           (Fixture               *fixture,
                                            const char            *account);

gboolean           file_contains           (const char            *path,
                                            const char            *needle);
/* A "notify" handler that adds the property's name to @names. */
void               on_notify               (GObject               *object,
                                            GParamSpec            *pspec,
                                            GPtrArray             *names);

/* Store operations, run to completion (and store-sync.h) */
TesseraCredential *add_full                (Fixture               *fixture,
                                            TesseraStore          *store,
                                            const char            *name,
                                            const char            *description,
                                            const char            *account_id,
                                            const char            *base_url,
                                            const char            *token_value,
                                            TesseraVerification   *verification,
                                            GError               **error);
/* Borrowed: the store keeps it. */
TesseraCredential *add                     (Fixture               *fixture,
                                            const char            *name,
                                            const char            *token_value);
gboolean           update                  (Fixture               *fixture,
                                            const char            *id,
                                            const char            *name,
                                            const char            *description,
                                            const char            *account_id,
                                            const char            *base_url,
                                            const char            *new_token_value,
                                            GError               **error);

/* Straight to the keyring, around the store. */
void               backend_clear           (TesseraSecretBackend  *backend,
                                            const char            *secret_id);
/* @expected: (nullable): %NULL for no item */
void               assert_backend_has      (TesseraSecretBackend  *backend,
                                            const char            *secret_id,
                                            const char            *expected);

/* What is in the settings */
GSettings         *credential_settings     (Fixture               *fixture,
                                            const char            *id);
char              *dup_secret_id           (Fixture               *fixture,
                                            const char            *id);
GStrv              dup_listed_ids          (Fixture               *fixture);
/* The keyfile's text, "" when there is none. */
char              *read_keyfile            (Fixture               *fixture);
/* No key of credential @id is left in the file. */
void               assert_no_keys          (Fixture               *fixture,
                                            const char            *id);

/* The model */
/* The @index-th items-changed since the store opened was this one. */
void               assert_change           (Fixture               *fixture,
                                            guint                  index,
                                            guint                  position,
                                            guint                  removed,
                                            guint                  added);
const char        *id_at                   (TesseraStore          *store,
                                            guint                  position);

G_END_DECLS
