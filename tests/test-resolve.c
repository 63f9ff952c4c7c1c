/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-resolve.c: which credential applies (tessera-resolution.h): the
 * order --credential › TESSERA_CREDENTIAL › the nearest .tessera file ›
 * the selected one, and the errors of a .tessera file
 *
 * The fixture (a store over the file backend): store-fixture.h.
 */
#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "store-fixture.h"
#include "tessera-resolution.h"

typedef struct
{
  char *root;    /* a temporary folder standing in for / */
  char *home;    /* root/home */
  char *deep;    /* root/home/work/client/repo/src */
} Tree;

static void
tree_init (Tree *tree)
{
  tree->root = g_dir_make_tmp ("tessera-resolve-XXXXXX", NULL);
  g_assert_nonnull (tree->root);
  tree->home = g_build_filename (tree->root, "home", NULL);
  tree->deep = g_build_filename (tree->home, "work", "client", "repo", "src", NULL);
  g_assert_cmpint (g_mkdir_with_parents (tree->deep, 0700), ==, 0);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
tree_clear (Tree *tree)
{
  remove_tree (tree->root);
  g_free (tree->root);
  g_free (tree->home);
  g_free (tree->deep);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Tree, tree_clear)

static char *
write_folder_file (const char *folder,
                   const char *contents)
{
  g_autofree char *path = g_build_filename (folder, TESSERA_FOLDER_FILE_NAME, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static TesseraResolution *
resolve (Fixture     *fixture,
         const char  *option,
         const char  *environment,
         Tree        *tree,
         GError     **error)
{
  return tessera_store_resolve (fixture->store, option, environment, tree->deep, tree->home, error);
}

static void
assert_resolved (TesseraResolution  *resolution,
                 TesseraCredential  *credential,
                 TesseraResolveRule  rule)
{
  g_assert_nonnull (resolution);
  g_assert_true (tessera_resolution_get_credential (resolution) == credential);
  g_assert_cmpint (tessera_resolution_get_rule (resolution), ==, rule);
}

/* Each rule wins over the ones after it. */
static void
test_order (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(Tree) tree = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraResolution) resolution = NULL;
  g_autofree char *work = NULL;
  g_autofree char *file = NULL;
  TesseraCredential *selected = add (fixture, "Selected", new_token (fixture, ACCOUNT));
  TesseraCredential *folder = add (fixture, "Deploy bot", new_token (fixture, ACCOUNT));
  TesseraCredential *environment = add (fixture, "From env", new_token (fixture, ACCOUNT));
  TesseraCredential *option = add (fixture, "Option", new_token (fixture, ACCOUNT));

  tree_init (&tree);
  g_assert_true (tessera_credential_get_selected (selected));

  /* No file: the selected one, and an empty TESSERA_CREDENTIAL is unset. */
  resolution = resolve (fixture, NULL, "", &tree, &error);
  g_assert_no_error (error);
  assert_resolved (resolution, selected, TESSERA_RESOLVE_RULE_SELECTED);
  g_assert_null (tessera_resolution_get_file (resolution));
  g_assert_null (tessera_resolution_get_org (resolution));
  g_clear_object (&resolution);

  /* A .tessera two folders up (names match ignoring case and spaces). */
  work = g_build_filename (tree.home, "work", "client", NULL);
  file = write_folder_file (work, "# the client's account\n[Tessera]\ncredential= deploy BOT \norg=default\nproject=my proj\n");
  resolution = resolve (fixture, NULL, NULL, &tree, &error);
  g_assert_no_error (error);
  assert_resolved (resolution, folder, TESSERA_RESOLVE_RULE_FOLDER);
  g_assert_cmpstr (tessera_resolution_get_file (resolution), ==, file);
  g_assert_cmpstr (tessera_resolution_get_org (resolution), ==, "default");
  g_assert_cmpstr (tessera_resolution_get_project (resolution), ==, "my proj");
  g_assert_cmpstr (tessera_resolve_rule_to_string (tessera_resolution_get_rule (resolution)), ==, "folder");
  g_clear_object (&resolution);

  /* The environment beats the file, and the file's org is not used. */
  resolution = resolve (fixture, NULL, "from env", &tree, &error);
  g_assert_no_error (error);
  assert_resolved (resolution, environment, TESSERA_RESOLVE_RULE_ENVIRONMENT);
  g_assert_null (tessera_resolution_get_file (resolution));
  g_assert_null (tessera_resolution_get_org (resolution));
  g_clear_object (&resolution);

  /* --credential beats both. */
  resolution = resolve (fixture, "OPTION", "From env", &tree, &error);
  g_assert_no_error (error);
  assert_resolved (resolution, option, TESSERA_RESOLVE_RULE_OPTION);
  g_clear_object (&resolution);

  /* A nearer file wins over the one further up. */
  g_clear_pointer (&file, g_free);
  file = write_folder_file (tree.deep, "[Tessera]\ncredential=Option\n");
  resolution = resolve (fixture, NULL, NULL, &tree, &error);
  g_assert_no_error (error);
  assert_resolved (resolution, option, TESSERA_RESOLVE_RULE_FOLDER);
  g_assert_cmpstr (tessera_resolution_get_file (resolution), ==, file);
  g_assert_null (tessera_resolution_get_org (resolution));
  g_assert_null (tessera_resolution_get_project (resolution));
  g_clear_object (&resolution);

  /* No folder: that rule is skipped. */
  resolution = tessera_store_resolve (fixture->store, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_resolved (resolution, selected, TESSERA_RESOLVE_RULE_SELECTED);
}

/* The search stops at the home folder: a .tessera above it is not read;
 * outside the home folder it goes up to "/". */
static void
test_search_stops_at_home (Fixture       *fixture,
                           gconstpointer  data)
{
  g_auto(Tree) tree = { 0 };
  g_autofree char *above = NULL;
  g_autofree char *found = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *in_home = NULL;

  tree_init (&tree);
  above = write_folder_file (tree.root, "[Tessera]\ncredential=Above home\n");

  g_assert_null (tessera_folder_file_find (tree.deep, tree.home));
  g_assert_null (tessera_folder_file_find (tree.home, tree.home));

  /* The same tree with a home elsewhere: the search reaches the root. */
  outside = g_build_filename (tree.root, "elsewhere", NULL);
  found = tessera_folder_file_find (tree.deep, outside);
  g_assert_cmpstr (found, ==, above);
  g_clear_pointer (&found, g_free);
  found = tessera_folder_file_find (tree.deep, NULL);
  g_assert_cmpstr (found, ==, above);
  g_clear_pointer (&found, g_free);

  /* One in the home folder itself counts. */
  in_home = write_folder_file (tree.home, "[Tessera]\ncredential=Home\n");
  found = tessera_folder_file_find (tree.deep, tree.home);
  g_assert_cmpstr (found, ==, in_home);
  g_clear_pointer (&found, g_free);

  /* A folder called .tessera is not a .tessera file. */
  {
    g_autofree char *dir = g_build_filename (tree.deep, TESSERA_FOLDER_FILE_NAME, NULL);

    g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
    found = tessera_folder_file_find (tree.deep, tree.home);
    g_assert_cmpstr (found, ==, in_home);
  }
}

static void
assert_file_error (Fixture    *fixture,
                   Tree       *tree,
                   const char *contents,
                   int         code,
                   const char *also)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraResolution) resolution = NULL;
  g_autofree char *path = write_folder_file (tree->deep, contents);

  resolution = resolve (fixture, NULL, NULL, tree, &error);
  g_assert_null (resolution);
  g_assert_error (error, TESSERA_RESOLVE_ERROR, code);
  /* The message names the file. */
  g_assert_nonnull (strstr (error->message, path));
  if (also != NULL)
    g_assert_nonnull (strstr (error->message, also));
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_auto(Tree) tree = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraResolution) resolution = NULL;

  add (fixture, "Known", new_token (fixture, ACCOUNT));
  tree_init (&tree);

  assert_file_error (fixture, &tree, "[Tessera]\ncredential=Nobody\n",
                     TESSERA_RESOLVE_ERROR_UNKNOWN_NAME, "Nobody");
  assert_file_error (fixture, &tree, "credential=Known\n", TESSERA_RESOLVE_ERROR_MALFORMED_FILE, NULL);
  assert_file_error (fixture, &tree, "[Other]\ncredential=Known\n", TESSERA_RESOLVE_ERROR_MALFORMED_FILE, NULL);
  assert_file_error (fixture, &tree, "[Tessera]\norg=default\n", TESSERA_RESOLVE_ERROR_MALFORMED_FILE, NULL);
  assert_file_error (fixture, &tree, "[Tessera]\ncredential=  \n", TESSERA_RESOLVE_ERROR_MALFORMED_FILE, NULL);
  assert_file_error (fixture, &tree, "\xff\xfe[Tessera\n", TESSERA_RESOLVE_ERROR_MALFORMED_FILE, NULL);

  /* A name with a terminal escape is not quoted as it is. */
  assert_file_error (fixture, &tree, "[Tessera]\ncredential=\x1b]0;owned\x07\n",
                     TESSERA_RESOLVE_ERROR_UNKNOWN_NAME, "\xef\xbf\xbd]0;owned");

  /* An unreadable file (as root every file is readable: skip that). */
  {
    g_autofree char *path = write_folder_file (tree.deep, "[Tessera]\ncredential=Known\n");

    g_assert_cmpint (g_chmod (path, 0), ==, 0);
    if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || access (path, R_OK) != 0)
      {
        resolution = resolve (fixture, NULL, NULL, &tree, &error);
        g_assert_null (resolution);
        g_assert_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_MALFORMED_FILE);
        g_assert_nonnull (strstr (error->message, path));
        g_clear_error (&error);
      }
    g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  }

  /* A higher rule never reads the broken file. */
  g_free (write_folder_file (tree.deep, "not a key file"));
  resolution = resolve (fixture, "known", NULL, &tree, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tessera_resolution_get_rule (resolution), ==, TESSERA_RESOLVE_RULE_OPTION);
  g_clear_object (&resolution);
  resolution = resolve (fixture, NULL, "Known", &tree, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tessera_resolution_get_rule (resolution), ==, TESSERA_RESOLVE_RULE_ENVIRONMENT);
  g_clear_object (&resolution);

  /* Unknown names from the option and the environment. */
  resolution = resolve (fixture, "Nobody", NULL, &tree, &error);
  g_assert_null (resolution);
  g_assert_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_UNKNOWN_NAME);
  g_assert_nonnull (strstr (error->message, "Nobody"));
  g_clear_error (&error);
  resolution = resolve (fixture, NULL, "Nobody", &tree, &error);
  g_assert_null (resolution);
  g_assert_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_UNKNOWN_NAME);
  g_assert_nonnull (strstr (error->message, TESSERA_CREDENTIAL_VARIABLE));
  g_clear_error (&error);
}

/* Nothing selected, no name, no file. */
static void
test_none (Fixture       *fixture,
           gconstpointer  data)
{
  g_auto(Tree) tree = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraResolution) resolution = NULL;

  tree_init (&tree);
  resolution = resolve (fixture, NULL, NULL, &tree, &error);
  g_assert_null (resolution);
  g_assert_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_NONE_SELECTED);
}

/* Without a .tessera org: the credential's saved org and project, else
 * those its key was made in; a .tessera file's come first. */
static void
test_saved_org_project (Fixture       *fixture,
                        gconstpointer  data)
{
  g_auto(Tree) tree = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraResolution) resolution = NULL;
  TesseraCredential *scoped = add (fixture, "Scoped", new_token (fixture, ACCOUNT));
  TesseraCredential *imported = add (fixture, "Imported", new_token (fixture, ACCOUNT));
  g_autoptr(GSettings) scoped_settings = credential_settings (fixture, tessera_credential_get_id (scoped));

  tree_init (&tree);

  /* Neither: none. */
  resolution = resolve (fixture, "Scoped", NULL, &tree, &error);
  g_assert_no_error (error);
  g_assert_null (tessera_resolution_get_org (resolution));
  g_assert_null (tessera_resolution_get_project (resolution));
  g_clear_object (&resolution);

  /* The organization and project the key was made in. */
  g_assert_true (g_settings_set_string (scoped_settings, "org-identifier", "key_org"));
  g_assert_true (g_settings_set_string (scoped_settings, "project-identifier", "key_project"));
  resolution = resolve (fixture, "Scoped", NULL, &tree, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tessera_resolution_get_org (resolution), ==, "key_org");
  g_assert_cmpstr (tessera_resolution_get_project (resolution), ==, "key_project");
  g_clear_object (&resolution);

  /* Saved ones (an import's) come before them. */
  g_assert_true (tessera_store_set_org_project (fixture->store, tessera_credential_get_id (scoped),
                                                "work_org", NULL, &error));
  g_assert_no_error (error);
  resolution = resolve (fixture, "Scoped", NULL, &tree, &error);
  g_assert_cmpstr (tessera_resolution_get_org (resolution), ==, "work_org");
  g_assert_null (tessera_resolution_get_project (resolution));
  g_clear_object (&resolution);

  g_assert_true (tessera_store_set_org_project (fixture->store, tessera_credential_get_id (imported),
                                                "default", "myproj", &error));
  g_assert_no_error (error);
  resolution = resolve (fixture, "Imported", NULL, &tree, &error);
  g_assert_cmpstr (tessera_resolution_get_org (resolution), ==, "default");
  g_assert_cmpstr (tessera_resolution_get_project (resolution), ==, "myproj");
  g_clear_object (&resolution);

  /* A gone credential: an error, nothing written. */
  g_assert_false (tessera_store_set_org_project (fixture->store, "00000000-0000-4000-8000-000000000000",
                                                 "x", "y", &error));
  g_assert_nonnull (error);
}

static void
add_tests (void)
{
  store_test_add ("/resolve/order", test_order);
  store_test_add ("/resolve/search-stops-at-home", test_search_stops_at_home);
  store_test_add ("/resolve/errors", test_errors);
  store_test_add ("/resolve/none", test_none);
  store_test_add ("/resolve/saved-org-project", test_saved_org_project);
}

int
main (int   argc,
      char *argv[])
{
  return store_test_main (argc, argv, add_tests);
}
