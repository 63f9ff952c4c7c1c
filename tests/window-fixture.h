/* SPDX-License-Identifier: GPL-3.0-or-later */
/* window-fixture.h: what the window's test programs share: a store on a
 * keyfile backend, the fake Harness, a window, and finding widgets in it */
#pragma once

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <adwaita.h>

#include "fake-harness.h"
#include "store-sync.h"
#include "tessera-credential-tile.h"
#include "tessera-store.h"
#include "tessera-window.h"
#include "test-secret-backend.h"
#include "test-wait.h"
#include "test-widgets.h"

G_BEGIN_DECLS

#define ACCOUNT_A "TesseraTestAcct0000001"
#define ACCOUNT_B "TesseraTestAcct0000002"
#define CREDENTIAL_SCHEMA "io.github.tessera.Tessera.Credential"
#define CREDENTIALS_PATH "/io/github/tessera/Tessera/credentials/"

typedef struct
{
  char             *keyfile;
  GSettingsBackend *backend;
  FakeHarness      *harness;
  TesseraStore     *store;
  TesseraWindow    *window;
  guint             n_tokens;
} Fixture;

void collect_widgets (GtkWidget *widget, GType type, GPtrArray *found);
gboolean tile_shows_name (GtkWidget *widget, gconstpointer name);
TesseraCredentialTile * find_tile (Fixture *f, const char *name);
guint count_bound_tiles (Fixture *f);
gboolean button_has_label (GtkWidget *widget, gconstpointer label);
gboolean button_has_icon (GtkWidget *widget, gconstpointer icon_name);
gboolean widget_has_css_class (GtkWidget *widget, gconstpointer css_class);
GtkWidget * find_toast_close_button (Fixture *f);
GtkWidget * find_toast_title (Fixture *f, const char *title);
GtkWidget * find_toast_title_prefix (Fixture *f, const char *prefix);
guint count_toasts (Fixture *f);
TesseraStore * open_store (Fixture *f);
void fixture_setup (Fixture *f, gconstpointer data);
void fixture_teardown (Fixture *f, gconstpointer data);
TesseraWindow * open_window (Fixture *f, gboolean verify_on_open);
char * make_token (Fixture *f, const char *account);
TesseraCredential * add_credential (Fixture *f, const char *name, const char *description, const char *account, const char *owner, char **out_token);
GtkWidget *find_widget (GtkWidget *root, GType type, gboolean (*match) (GtkWidget *widget, gconstpointer data), gconstpointer data);
char *status_page_icons (Fixture *f);
void set_credential_keys (Fixture *f, TesseraCredential *credential, const char *status, gint64 last_verified, gint64 expires);

/* The start of each program's main(): libsecret's file backend, the
 * system MIME database, g_test_init(), GTK and libadwaita. FALSE when
 * there is no display (the program then reports a skip). */
gboolean window_fixture_init (int    *argc,
                              char ***argv);
void     window_fixture_done (void);

G_END_DECLS
