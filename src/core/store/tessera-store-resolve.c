/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-store-resolve.c: which credential applies here, and why
 * (tessera-resolution.h)
 */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "tessera-resolution.h"
#include "tessera-store-private.h"

G_DEFINE_QUARK (tessera-resolve-error-quark, tessera_resolve_error)

struct _TesseraResolution
{
  GObject             parent_instance;

  TesseraCredential  *credential;
  TesseraResolveRule  rule;
  char               *file;
  char               *org;
  char               *project;
};

G_DEFINE_FINAL_TYPE (TesseraResolution, tessera_resolution, G_TYPE_OBJECT)

static void
tessera_resolution_finalize (GObject *object)
{
  TesseraResolution *self = TESSERA_RESOLUTION (object);

  g_clear_object (&self->credential);
  g_clear_pointer (&self->file, g_free);
  g_clear_pointer (&self->org, g_free);
  g_clear_pointer (&self->project, g_free);

  G_OBJECT_CLASS (tessera_resolution_parent_class)->finalize (object);
}

static void
tessera_resolution_class_init (TesseraResolutionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tessera_resolution_finalize;
}

static void
tessera_resolution_init (TesseraResolution *self)
{
}

/**
 * tessera_resolution_get_credential:
 *
 * Returns: (transfer none): the credential that applies
 */
TesseraCredential *
tessera_resolution_get_credential (TesseraResolution *self)
{
  g_return_val_if_fail (TESSERA_IS_RESOLUTION (self), NULL);

  return self->credential;
}

TesseraResolveRule
tessera_resolution_get_rule (TesseraResolution *self)
{
  g_return_val_if_fail (TESSERA_IS_RESOLUTION (self), TESSERA_RESOLVE_RULE_SELECTED);

  return self->rule;
}

const char *
tessera_resolution_get_file (TesseraResolution *self)
{
  g_return_val_if_fail (TESSERA_IS_RESOLUTION (self), NULL);

  return self->file;
}

const char *
tessera_resolution_get_org (TesseraResolution *self)
{
  g_return_val_if_fail (TESSERA_IS_RESOLUTION (self), NULL);

  return self->org;
}

const char *
tessera_resolution_get_project (TesseraResolution *self)
{
  g_return_val_if_fail (TESSERA_IS_RESOLUTION (self), NULL);

  return self->project;
}

const char *
tessera_resolve_rule_to_string (TesseraResolveRule rule)
{
  switch (rule)
    {
    case TESSERA_RESOLVE_RULE_OPTION:
      return "option";
    case TESSERA_RESOLVE_RULE_ENVIRONMENT:
      return "environment";
    case TESSERA_RESOLVE_RULE_FOLDER:
      return "folder";
    case TESSERA_RESOLVE_RULE_SELECTED:
    default:
      return "selected";
    }
}

static TesseraResolution *
resolution_new (TesseraCredential  *credential,
                TesseraResolveRule  rule)
{
  TesseraResolution *self = g_object_new (TESSERA_TYPE_RESOLUTION, NULL);

  self->credential = g_object_ref (credential);
  self->rule = rule;
  return self;
}

/* A name from the environment or a file, fit to quote in a sentence:
 * control characters (a terminal escape) become U+FFFD. */
static char *
dup_quotable (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (!g_utf8_validate (text, -1, NULL))
    return g_utf8_make_valid (text, -1);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free_and_steal (g_steal_pointer (&out));
}

/* The folder above @folder, or NULL at the top. */
static char *
dup_parent (const char *folder)
{
  g_autofree char *parent = g_path_get_dirname (folder);

  if (g_str_equal (parent, folder))
    return NULL;
  return g_steal_pointer (&parent);
}

char *
tessera_folder_file_find (const char *folder,
                          const char *home)
{
  g_autofree char *canonical_home = NULL;
  g_autofree char *current = NULL;

  g_return_val_if_fail (folder != NULL, NULL);

  current = g_canonicalize_filename (folder, NULL);
  if (home != NULL && home[0] != '\0')
    canonical_home = g_canonicalize_filename (home, NULL);

  while (current != NULL)
    {
      g_autofree char *path = g_build_filename (current, TESSERA_FOLDER_FILE_NAME, NULL);
      char *parent;

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);

      /* The home folder is the last one looked at below it. */
      if (canonical_home != NULL && g_str_equal (current, canonical_home))
        return NULL;

      parent = dup_parent (current);
      g_free (current);
      current = parent;
    }

  return NULL;
}

/* Reads @path: its org and project into @org and @project; returns the
 * credential's name, or NULL with TESSERA_RESOLVE_ERROR_MALFORMED_FILE. */
static char *
read_folder_file (const char  *path,
                  char       **org,
                  char       **project,
                  GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *name = NULL;

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (local_error->domain == G_FILE_ERROR)
        g_set_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_MALFORMED_FILE,
                     _("Could not read %s (%s)."), display, local_error->message);
      else
        g_set_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_MALFORMED_FILE,
                     _("%s is not a key file: it should hold a [Tessera] group with a line “credential=NAME”."), display);
      return NULL;
    }

  name = g_key_file_get_string (key_file, "Tessera", "credential", NULL);
  if (name != NULL)
    g_strstrip (name);
  if (name == NULL || name[0] == '\0')
    {
      g_set_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_MALFORMED_FILE,
                   _("%s names no credential: it should hold a [Tessera] group with a line “credential=NAME”."), display);
      return NULL;
    }

  *org = g_key_file_get_string (key_file, "Tessera", "org", NULL);
  *project = g_key_file_get_string (key_file, "Tessera", "project", NULL);
  if (*org != NULL && g_strstrip (*org)[0] == '\0')
    g_clear_pointer (org, g_free);
  if (*project != NULL && g_strstrip (*project)[0] == '\0')
    g_clear_pointer (project, g_free);

  return g_steal_pointer (&name);
}

static TesseraResolution *
resolve_credential (TesseraStore  *store,
                    const char    *option_name,
                    const char    *environment_name,
                    const char    *folder,
                    const char    *home,
                    GError       **error)
{
  TesseraCredential *credential;

  g_return_val_if_fail (TESSERA_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (option_name != NULL)
    {
      credential = tessera_store_find_by_name (store, option_name);
      if (credential == NULL)
        {
          g_autofree char *shown = dup_quotable (option_name);

          g_set_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_UNKNOWN_NAME,
                       _("No credential is named “%s”."), shown);
          return NULL;
        }
      return resolution_new (credential, TESSERA_RESOLVE_RULE_OPTION);
    }

  if (environment_name != NULL && environment_name[0] != '\0')
    {
      credential = tessera_store_find_by_name (store, environment_name);
      if (credential == NULL)
        {
          g_autofree char *shown = dup_quotable (environment_name);

          g_set_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_UNKNOWN_NAME,
                       _("%s is “%s”, but no credential has that name."), TESSERA_CREDENTIAL_VARIABLE, shown);
          return NULL;
        }
      return resolution_new (credential, TESSERA_RESOLVE_RULE_ENVIRONMENT);
    }

  if (folder != NULL)
    {
      g_autofree char *path = tessera_folder_file_find (folder, home);

      if (path != NULL)
        {
          g_autofree char *org = NULL;
          g_autofree char *project = NULL;
          g_autofree char *name = read_folder_file (path, &org, &project, error);
          TesseraResolution *resolution;

          if (name == NULL)
            return NULL;

          credential = tessera_store_find_by_name (store, name);
          if (credential == NULL)
            {
              g_autofree char *display = g_filename_display_name (path);
              g_autofree char *shown = dup_quotable (name);

              g_set_error (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_UNKNOWN_NAME,
                           _("%s names the credential “%s”, which is not saved."), display, shown);
              return NULL;
            }

          resolution = resolution_new (credential, TESSERA_RESOLVE_RULE_FOLDER);
          resolution->file = g_steal_pointer (&path);
          resolution->org = g_steal_pointer (&org);
          resolution->project = g_steal_pointer (&project);
          return resolution;
        }
    }

  credential = tessera_store_get_selected (store);
  if (credential == NULL)
    {
      g_set_error_literal (error, TESSERA_RESOLVE_ERROR, TESSERA_RESOLVE_ERROR_NONE_SELECTED,
                           _("No credential applies here: none is selected, named, or given by a .tessera file."));
      return NULL;
    }

  return resolution_new (credential, TESSERA_RESOLVE_RULE_SELECTED);
}

/* The org and project scripts get when no .tessera file names them: the
 * credential's own ("org", "project": from the Harness CLI profile it was
 * imported from), else the organization and project its key was made in. */
static void
add_saved_org_project (TesseraStore      *store,
                       TesseraResolution *resolution)
{
  const char *id = tessera_credential_get_id (resolution->credential);
  g_autofree char *org = _tessera_store_dup_credential_string (store, id, "org");

  if (resolution->org != NULL || resolution->project != NULL)
    return;

  if (org[0] != '\0')
    {
      g_autofree char *project = _tessera_store_dup_credential_string (store, id, "project");

      resolution->org = g_steal_pointer (&org);
      if (project[0] != '\0')
        resolution->project = g_steal_pointer (&project);
      return;
    }

  g_clear_pointer (&org, g_free);
  org = _tessera_store_dup_credential_string (store, id, "org-identifier");
  if (org[0] != '\0')
    {
      g_autofree char *project = _tessera_store_dup_credential_string (store, id, "project-identifier");

      resolution->org = g_steal_pointer (&org);
      if (project[0] != '\0')
        resolution->project = g_steal_pointer (&project);
    }
}

TesseraResolution *
tessera_store_resolve (TesseraStore  *store,
                       const char    *option_name,
                       const char    *environment_name,
                       const char    *folder,
                       const char    *home,
                       GError       **error)
{
  TesseraResolution *resolution;

  g_return_val_if_fail (TESSERA_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  resolution = resolve_credential (store, option_name, environment_name, folder, home, error);
  if (resolution != NULL)
    add_saved_org_project (store, resolution);

  return resolution;
}
