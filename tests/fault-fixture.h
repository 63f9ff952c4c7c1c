/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fault-fixture.h: what the fault matrix's programs share (test-faults.c
 * has the whole story): a keyring daemon each test starts, stops, freezes
 * and locks; settings made read-only; the store and snapshots of all it
 * keeps */
#pragma once

#define G_SETTINGS_ENABLE_BACKEND


#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "fake-harness.h"
#include "store-sync.h"
#include "tessera-libsecret-backend.h"
#include "tessera-store.h"
#include "tessera-verification-private.h"
#include "test-keyring.h"
#include "test-secret-backend.h"
#include "test-wait.h"

#define ACCOUNT           "TesseraFaultAcct000001"
#define SCHEMA_NAME       "io.github.tessera.Tessera.Credential"
#define KEYRING_PASSWORD  "faults-test"
#define SECRETS_NAME      "org.freedesktop.secrets"

G_BEGIN_DECLS

extern GTestDBus *test_bus;

typedef struct
{
  GPid     pid;
  gboolean frozen;
} Keyring;

typedef enum
{
  READ_ONLY_NONE,
  READ_ONLY_MODE,
  READ_ONLY_IMMUTABLE,
  READ_ONLY_NOT_A_FOLDER,
} ReadOnlyHow;

typedef struct
{
  char        *dir;
  char        *moved;
  ReadOnlyHow  how;
} ReadOnly;

typedef struct
{
  Keyring               keyring;
  char                 *settings_dir;
  char                 *keyfile;
  GSettingsBackend     *settings_backend;
  TesseraSecretBackend *real;
  TestSecretBackend    *secrets;
  TesseraStore         *store;
  ReadOnly              read_only;
  GHashTable           *tokens;     /* credential id → the token it holds */
  char                 *shm_dir;    /* settings in /dev/shm, to remove */
} Fixture;

typedef struct
{
  char       *settings;   /* our keys in the file, one "group/key=value" a line, sorted */
  char       *model;      /* the store's credentials, "id name" in order */
  GHashTable *secrets;    /* listed id → its token in the keyring ("" when missing) */
  char       *items;      /* the keyring items' credential-ids, sorted */
} Snapshot;

void assert_reason (const GError *error, GQuark domain, int code);
int compare_strings (gconstpointer a, gconstpointer b);
gboolean secrets_has_owner (void);
gboolean keyring_is_up (gpointer data);
gboolean keyring_is_down (gpointer data);
void keyring_start (Keyring *keyring);
void keyring_reap (Keyring *keyring);
void keyring_stop (Keyring *keyring);
void keyring_kill (Keyring *keyring);
void keyring_freeze (Keyring *keyring);
void keyring_thaw (Keyring *keyring);
void keyring_lock (void);
void keyring_unlock (void);
void keyring_default_in_memory (void);
GPtrArray * keyring_item_ids (void);
gboolean set_immutable (const char *dir, gboolean immutable);
void make_read_only (ReadOnly *read_only, const char *dir);
void undo_read_only (ReadOnly *read_only);
void fixture_setup (Fixture *fixture, gconstpointer data);
void fixture_teardown (Fixture *fixture, gconstpointer data);
TesseraVerification * verified (void);
TesseraCredential * try_add (Fixture *fixture, const char *name, const char *token_value, const char *base_url, TesseraVerification *verification, GCancellable *cancellable, GError **error);
char * add (Fixture *fixture, const char *name, const char *base_url);
gboolean try_replace_token (Fixture *fixture, const char *id, const char *token_value, GError **error);
TesseraCredentialStatus verify (Fixture *fixture, const char *id, GError **error);
gboolean remove_and_commit (Fixture *fixture, const char *id, GError **error);
void snapshot_free (Snapshot *snapshot);
GKeyFile * load_keyfile (Fixture *fixture);
GStrv listed_ids (GKeyFile *keyfile);
char * credential_key (GKeyFile *keyfile, const char *id, const char *key);
Snapshot * snapshot_take (Fixture *fixture, const char * const *ignore, gboolean keyring);
void assert_snapshot (const Snapshot *actual, const Snapshot *expected);
void assert_consistent (Fixture *fixture);
TesseraCredentialStatus status_of (Fixture *fixture, const char *id);
void assert_changes_fail (Fixture *fixture, const char *a, const char *b, const char *token, TesseraStoreError reason);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Snapshot, snapshot_free)

/* main() of each program: the environment, a bus of its own, the tests
 * @add_tests adds, and the bus stopped at the end. */
int fault_fixture_main (int argc, char *argv[], void (*add_tests) (void));

G_END_DECLS
