/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-import-source.c: one API key found in the files of Harness's own
 * command-line tools; finding them all, and removing them from the files
 *
 * The files are read whole, once, and every problem stops the reading:
 * an import changes nothing unless every file read as expected. The text
 * of a file holds keys: it is wiped before it is freed.
 */
#define G_LOG_DOMAIN "tessera"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tessera-import-parse.h"
#include "tessera-import-source.h"

G_DEFINE_QUARK (tessera-import-error-quark, tessera_import_error)

struct _TesseraImportSource
{
  GObject              parent_instance;

  TesseraImportFormat  format;
  char                *name;
  char                *path;
  char                *display_path;
  guint                line;
  char                *account_id;
  char                *base_url;
  char                *org;
  char                *project;
  TesseraToken        *token;

  char                *stored_as;
  gboolean             stored_verified;
  TesseraImportOutcome outcome;
  GError              *error;
  gboolean             scrubbed;
  GError              *scrub_error;
};

G_DEFINE_FINAL_TYPE (TesseraImportSource, tessera_import_source, G_TYPE_OBJECT)

static void
tessera_import_source_finalize (GObject *object)
{
  TesseraImportSource *self = TESSERA_IMPORT_SOURCE (object);

  g_free (self->name);
  g_free (self->path);
  g_free (self->display_path);
  g_free (self->account_id);
  g_free (self->base_url);
  g_free (self->org);
  g_free (self->project);
  g_clear_pointer (&self->token, tessera_token_unref);
  g_free (self->stored_as);
  g_clear_error (&self->error);
  g_clear_error (&self->scrub_error);

  G_OBJECT_CLASS (tessera_import_source_parent_class)->finalize (object);
}

static void
tessera_import_source_class_init (TesseraImportSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tessera_import_source_finalize;
}

static void
tessera_import_source_init (TesseraImportSource *self)
{
}

/* Files */

typedef struct
{
  char  *text;
  gsize  length;
} FileText;

static void
file_text_clear (FileText *file)
{
  if (file->text != NULL)
    explicit_bzero (file->text, file->length);
  g_clear_pointer (&file->text, g_free);
  file->length = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FileText, file_text_clear)

static char *
dup_display_path (const char *home,
                  const char *path)
{
  gsize home_length = home != NULL ? strlen (home) : 0;

  if (home_length > 1 && g_str_has_prefix (path, home) && path[home_length] == '/')
    return g_strconcat ("~", path + home_length, NULL);

  return g_strdup (path);
}

/* FALSE with an error when it can't be read; TRUE with no text when it
 * does not exist. */
static gboolean
read_file (const char  *path,
           const char  *display,
           FileText    *file,
           GError     **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
    return TRUE;
  if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > 1024 * 1024)
    {
      int saved = fd < 0 ? errno : (S_ISREG (st.st_mode) ? EFBIG : EISDIR);

      if (fd >= 0)
        close (fd);
      g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_UNREADABLE,
                   _("Couldn’t read %s (%s); nothing was imported."), display, g_strerror (saved));
      return FALSE;
    }

  bytes = g_byte_array_sized_new (st.st_size + 1);
  for (;;)
    {
      guint8 buffer[4096];
      gssize n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          explicit_bzero (bytes->data, bytes->len);
          g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_UNREADABLE,
                       _("Couldn’t read %s (%s); nothing was imported."), display, g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        break;
      g_byte_array_append (bytes, buffer, n);
      explicit_bzero (buffer, n);
    }
  close (fd);

  file->length = bytes->len;
  g_byte_array_append (bytes, (const guint8 *) "", 1);
  file->text = (char *) g_byte_array_free (g_steal_pointer (&bytes), FALSE);

  return TRUE;
}

/* Sources */

static const char *
nonempty (const char *value)
{
  return value != NULL && *value != '\0' ? value : NULL;
}

static TesseraImportSource *
source_new (TesseraImportFormat   format,
            const char           *name,
            const char           *path,
            const char           *display,
            guint                 line,
            const char           *account_id,
            const char           *base_url,
            const char           *org,
            const char           *project,
            const char           *key,
            GError              **error)
{
  g_autoptr(TesseraImportSource) self = g_object_new (TESSERA_TYPE_IMPORT_SOURCE, NULL);
  g_autoptr(GError) token_error = NULL;

  self->format = format;
  self->name = g_strdup (name);
  self->path = g_strdup (path);
  self->display_path = g_strdup (display);
  self->line = line;
  self->account_id = g_strdup (nonempty (account_id));
  self->base_url = g_strdup (nonempty (base_url));
  self->org = g_strdup (nonempty (org));
  self->project = g_strdup (nonempty (project));

  if (key == NULL)
    {
      self->outcome = TESSERA_IMPORT_OUTCOME_NO_API_KEY;
      return g_steal_pointer (&self);
    }

  self->token = tessera_token_parse (key, &token_error);
  if (self->token == NULL)
    {
      g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_BAD_KEY,
                   _("The key of “%s” (%s, line %u) is not a Harness API key: %s Nothing was imported."),
                   name, display, line, token_error->message);
      return NULL;
    }

  if (self->account_id != NULL && tessera_token_get_account_id (self->token) != NULL &&
      g_strcmp0 (self->account_id, tessera_token_get_account_id (self->token)) != 0)
    {
      g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_ACCOUNT_MISMATCH,
                   _("The key of “%s” (%s, line %u) is for the account %s, but the profile says %s; nothing was imported."),
                   name, display, line, tessera_token_get_account_id (self->token), self->account_id);
      return NULL;
    }

  return g_steal_pointer (&self);
}

static TesseraJsonMember *
find_member (GPtrArray  *members,
             const char *key)
{
  for (guint i = 0; i < members->len; i++)
    {
      TesseraJsonMember *member = g_ptr_array_index (members, i);

      if (g_str_equal (member->key, key))
        return member;
    }

  return NULL;
}

static const char *
member_value (GPtrArray  *members,
              const char *key)
{
  TesseraJsonMember *member = find_member (members, key);

  return member != NULL ? member->value : NULL;
}

/* ~/.harness/auth.json (hc) and ~/.secrets.json (harness-cli v0.0.x). */
static gboolean
find_json (GPtrArray           *sources,
           TesseraImportFormat  format,
           const char          *home,
           const char          *path,
           GError             **error)
{
  g_autofree char *display = dup_display_path (home, path);
  g_auto(FileText) file = { 0 };
  g_autoptr(GPtrArray) members = NULL;
  gboolean hc = format == TESSERA_IMPORT_FORMAT_HC;
  const char *key_member = hc ? "token" : "apiKey";
  TesseraJsonMember *key;
  TesseraImportSource *source;

  if (!read_file (path, display, &file, error))
    return FALSE;
  if (file.text == NULL)
    return TRUE;

  members = _tessera_import_parse_json_object (display, file.text, file.length, error);
  if (members == NULL)
    return FALSE;

  /* Without its key (after “tessera import --scrub”): nothing to import. */
  key = find_member (members, key_member);
  if (key != NULL && key->value == NULL)
    {
      g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_MALFORMED,
                   _("%s is not the JSON object the Harness CLI writes (line %u); nothing was imported."),
                   display, key->line);
      return FALSE;
    }

  source = source_new (format, hc ? "hc" : "harness-legacy", path, display, key != NULL ? key->line : 1,
                       member_value (members, hc ? "account_id" : "accountId"),
                       member_value (members, hc ? "base_url" : "baseUrl"),
                       hc ? member_value (members, "org_id") : NULL,
                       hc ? member_value (members, "project_id") : NULL,
                       key != NULL ? nonempty (key->value) : NULL, error);
  if (source == NULL)
    return FALSE;

  g_ptr_array_add (sources, source);
  return TRUE;
}

/* The setting that holds a profile's key, as the unified CLI reads it. */
static TesseraIniSetting *
find_key_setting (GPtrArray  *settings,
                  const char *group)
{
  static const char * const names[] = { "pat_token", "sat_token", "token" };

  if (settings == NULL)
    return NULL;

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    for (guint i = 0; i < settings->len; i++)
      {
        TesseraIniSetting *setting = g_ptr_array_index (settings, i);

        if (g_str_equal (setting->group, group) && g_str_equal (setting->key, names[n]) &&
            nonempty (setting->value) != NULL)
          return setting;
      }

  return NULL;
}

static gboolean
has_setting (GPtrArray  *settings,
             const char *group,
             const char *key)
{
  for (guint i = 0; settings != NULL && i < settings->len; i++)
    {
      TesseraIniSetting *setting = g_ptr_array_index (settings, i);

      if (g_str_equal (setting->group, group) && g_str_equal (setting->key, key))
        return TRUE;
    }

  return FALSE;
}

/* $HARNESS_CLI_HOME or ~/.harness: config.yaml and credentials. */
static gboolean
find_unified (GPtrArray   *sources,
              const char  *home,
              const char  *cli_home,
              GError     **error)
{
  g_autofree char *config_path = g_build_filename (cli_home, "config.yaml", NULL);
  g_autofree char *credentials_path = g_build_filename (cli_home, "credentials", NULL);
  g_autofree char *config_display = dup_display_path (home, config_path);
  g_autofree char *credentials_display = dup_display_path (home, credentials_path);
  g_auto(FileText) config = { 0 };
  g_auto(FileText) credentials = { 0 };
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(GHashTable) named = g_hash_table_new (g_str_hash, g_str_equal);

  if (!read_file (config_path, config_display, &config, error) ||
      !read_file (credentials_path, credentials_display, &credentials, error))
    return FALSE;

  if (config.text != NULL &&
      !(profiles = _tessera_import_parse_config_yaml (config_display, config.text, config.length, error)))
    return FALSE;
  if (credentials.text != NULL &&
      !(settings = _tessera_import_parse_ini (credentials_display, credentials.text, credentials.length, error)))
    return FALSE;

  for (guint i = 0; profiles != NULL && i < profiles->len; i++)
    {
      TesseraYamlProfile *profile = g_ptr_array_index (profiles, i);
      TesseraIniSetting *key = find_key_setting (settings, profile->name);
      const char *auth_type = g_hash_table_lookup (profile->fields, "auth_type");
      TesseraImportSource *source;

      g_hash_table_add (named, profile->name);

      /* A profile must have its [group] in credentials: an empty one is
       * an SSO profile or one whose key “tessera import --scrub” removed. */
      if (key == NULL && g_strcmp0 (auth_type, "sso") != 0 && !has_setting (settings, profile->name, ""))
        {
          g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_NO_KEY,
                       _("The profile “%s” of %s (line %u) has no API key in %s; nothing was imported."),
                       profile->name, config_display, profile->line, credentials_display);
          return FALSE;
        }

      source = source_new (TESSERA_IMPORT_FORMAT_UNIFIED, profile->name, credentials_path, credentials_display,
                           key != NULL ? key->line : 0,
                           g_hash_table_lookup (profile->fields, "account_id"),
                           g_hash_table_lookup (profile->fields, "api_url"),
                           g_hash_table_lookup (profile->fields, "org_id"),
                           g_hash_table_lookup (profile->fields, "project_id"),
                           key != NULL ? key->value : NULL, error);
      if (source == NULL)
        return FALSE;
      g_ptr_array_add (sources, source);
    }

  /* A key without a profile in config.yaml: its account is the key's, its
   * server the default. */
  for (guint i = 0; settings != NULL && i < settings->len; i++)
    {
      TesseraIniSetting *setting = g_ptr_array_index (settings, i);
      TesseraIniSetting *key;
      TesseraImportSource *source;

      if (g_hash_table_contains (named, setting->group))
        continue;
      key = find_key_setting (settings, setting->group);
      if (key != setting)
        continue;

      source = source_new (TESSERA_IMPORT_FORMAT_UNIFIED, setting->group, credentials_path, credentials_display,
                           key->line, NULL, NULL, NULL, NULL, key->value, error);
      if (source == NULL)
        return FALSE;
      g_ptr_array_add (sources, source);
    }

  return TRUE;
}

char *
tessera_import_source_dup_default_cli_home (void)
{
  const char *cli_home = g_getenv ("HARNESS_CLI_HOME");

  if (cli_home != NULL && *cli_home != '\0')
    return g_strdup (cli_home);

  return g_build_filename (g_get_home_dir (), ".harness", NULL);
}

GPtrArray *
tessera_import_source_find (const char  *home,
                            const char  *cli_home,
                            GError     **error)
{
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *default_cli_home = NULL;
  g_autofree char *auth_path = NULL;
  g_autofree char *secrets_path = NULL;

  g_return_val_if_fail (home != NULL, NULL);

  if (cli_home == NULL || *cli_home == '\0')
    cli_home = default_cli_home = g_build_filename (home, ".harness", NULL);
  auth_path = g_build_filename (home, ".harness", "auth.json", NULL);
  secrets_path = g_build_filename (home, ".secrets.json", NULL);

  if (!find_json (sources, TESSERA_IMPORT_FORMAT_HC, home, auth_path, error) ||
      !find_unified (sources, home, cli_home, error) ||
      !find_json (sources, TESSERA_IMPORT_FORMAT_LEGACY, home, secrets_path, error))
    return NULL;

  return g_steal_pointer (&sources);
}

typedef struct
{
  char *home;
  char *cli_home;
} FindData;

static void
find_data_free (FindData *data)
{
  g_free (data->home);
  g_free (data->cli_home);
  g_free (data);
}

static void
find_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  FindData *data = task_data;
  GError *error = NULL;
  GPtrArray *sources = tessera_import_source_find (data->home, data->cli_home, &error);

  if (sources == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, sources, (GDestroyNotify) g_ptr_array_unref);
}

void
tessera_import_source_find_async (const char          *home,
                                  const char          *cli_home,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  FindData *data = g_new0 (FindData, 1);

  g_task_set_source_tag (task, tessera_import_source_find_async);
  data->home = g_strdup (home);
  data->cli_home = g_strdup (cli_home);
  g_task_set_task_data (task, data, (GDestroyNotify) find_data_free);
  g_task_run_in_thread (task, find_thread);
}

GPtrArray *
tessera_import_source_find_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Scrubbing */

typedef struct
{
  gsize start;
  gsize end;
} Cut;

static int
compare_cuts (gconstpointer a,
              gconstpointer b)
{
  const Cut *x = a;
  const Cut *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* Through a temporary file in the same folder, with the same mode. */
static gboolean
write_atomically (const char  *path,
                  const char  *display,
                  const char  *contents,
                  gsize        length,
                  GError     **error)
{
  g_autofree char *real = realpath (path, NULL);
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *temp = NULL;
  struct stat st;
  gsize done = 0;
  int saved = 0;
  int fd;

  if (real == NULL || g_stat (real, &st) != 0)
    {
      saved = errno;
      goto failed;
    }

  dir = g_path_get_dirname (real);
  base = g_path_get_basename (real);
  temp = g_strdup_printf ("%s/.%s.tessera-XXXXXX", dir, base);
  fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, st.st_mode & 0777);
  if (fd < 0)
    {
      saved = errno;
      g_clear_pointer (&temp, g_free);
      goto failed;
    }

  if (fchmod (fd, st.st_mode & 07777) != 0)
    saved = errno;
  while (saved == 0 && done < length)
    {
      gssize n = write (fd, contents + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        saved = errno;
      else
        done += n;
    }
  if (saved == 0 && fsync (fd) != 0)
    saved = errno;
  if (close (fd) != 0 && saved == 0)
    saved = errno;
  if (saved == 0 && g_rename (temp, real) != 0)
    saved = errno;
  if (saved != 0)
    goto failed;

  fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  return TRUE;

failed:
  if (temp != NULL)
    g_unlink (temp);
  g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_SCRUB_FAILED,
               _("Couldn’t remove the keys from %s (%s); the file is as it was."),
               display, g_strerror (saved));
  return FALSE;
}

gboolean
tessera_import_source_scrub (GPtrArray  *sources,
                             GError    **error)
{
  TesseraImportSource *first;
  g_auto(FileText) file = { 0 };
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(GArray) cuts = g_array_new (FALSE, FALSE, sizeof (Cut));
  g_autoptr(GArray) commas = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GPtrArray) removed = g_ptr_array_new ();
  g_auto(FileText) scrubbed = { 0 };
  GString *out;
  gsize at = 0;

  g_return_val_if_fail (sources != NULL && sources->len > 0, FALSE);

  first = g_ptr_array_index (sources, 0);
  if (!read_file (first->path, first->display_path, &file, error))
    return FALSE;
  if (file.text == NULL)
    return TRUE;

  if (first->format == TESSERA_IMPORT_FORMAT_UNIFIED)
    settings = _tessera_import_parse_ini (first->display_path, file.text, file.length, error);
  else
    members = _tessera_import_parse_json_object (first->display_path, file.text, file.length, error);
  if (settings == NULL && members == NULL)
    return FALSE;

  for (guint s = 0; s < sources->len; s++)
    {
      TesseraImportSource *source = g_ptr_array_index (sources, s);
      const char *value;

      g_return_val_if_fail (g_str_equal (source->path, first->path), FALSE);
      if (source->token == NULL)
        continue;
      value = tessera_token_get_value (source->token);

      if (settings != NULL)
        {
          /* Every key line of the profile that holds this key. */
          for (guint i = 0; i < settings->len; i++)
            {
              TesseraIniSetting *setting = g_ptr_array_index (settings, i);
              Cut cut = { setting->start, setting->end };

              if (g_str_equal (setting->group, source->name) && g_strcmp0 (setting->value, value) == 0 &&
                  (g_str_equal (setting->key, "pat_token") || g_str_equal (setting->key, "sat_token") ||
                   g_str_equal (setting->key, "token")))
                {
                  g_array_append_val (cuts, cut);
                  g_ptr_array_add (removed, source);
                }
            }
        }
      else
        {
          const char *key = source->format == TESSERA_IMPORT_FORMAT_HC ? "token" : "apiKey";

          for (guint i = 0; i < members->len; i++)
            {
              TesseraJsonMember *member = g_ptr_array_index (members, i);
              Cut cut;
              gsize comma;

              if (!g_str_equal (member->key, key) || g_strcmp0 (member->value, value) != 0)
                continue;
              _tessera_import_json_member_span (file.text, file.length, members, i, &cut.start, &cut.end, &comma);
              g_array_append_val (cuts, cut);
              if (comma != G_MAXSIZE)
                g_array_append_val (commas, comma);
              g_ptr_array_add (removed, source);
            }
        }
    }

  if (cuts->len == 0)
    return TRUE;

  g_array_sort (cuts, compare_cuts);
  out = g_string_sized_new (file.length);
  for (guint i = 0; i < cuts->len; i++)
    {
      Cut *cut = &g_array_index (cuts, Cut, i);

      for (; at < cut->start; at++)
        {
          gboolean drop = FALSE;

          for (guint c = 0; c < commas->len; c++)
            drop |= g_array_index (commas, gsize, c) == at;
          if (!drop)
            g_string_append_c (out, file.text[at]);
        }
      at = MAX (at, cut->end);
    }
  g_string_append_len (out, file.text + at, file.length - at);
  scrubbed.length = out->len;
  scrubbed.text = g_string_free (out, FALSE);

  if (!write_atomically (first->path, first->display_path, scrubbed.text, scrubbed.length, error))
    return FALSE;

  for (guint i = 0; i < removed->len; i++)
    ((TesseraImportSource *) g_ptr_array_index (removed, i))->scrubbed = TRUE;

  return TRUE;
}

/* Properties */

TesseraImportFormat
tessera_import_source_get_format (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), TESSERA_IMPORT_FORMAT_HC);
  return self->format;
}

const char *
tessera_import_source_get_name (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->name;
}

const char *
tessera_import_source_get_path (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->path;
}

guint
tessera_import_source_get_line (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), 0);
  return self->line;
}

char *
tessera_import_source_dup_display_path (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return g_strdup (self->display_path);
}

const char *
tessera_import_source_get_account_id (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->account_id;
}

const char *
tessera_import_source_get_base_url (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->base_url;
}

const char *
tessera_import_source_get_org (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->org;
}

const char *
tessera_import_source_get_project (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->project;
}

TesseraToken *
tessera_import_source_get_token (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->token;
}

char *
tessera_import_source_dup_description (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);

  /* The org and project are the credential's own (tessera_store_set_org_project()). */
  return g_strdup (_("Imported from the Harness CLI"));
}

const char *
tessera_import_source_get_stored_as (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->stored_as;
}

gboolean
tessera_import_source_get_stored_verified (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), FALSE);
  return self->stored_verified;
}

TesseraImportOutcome
tessera_import_source_get_outcome (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), TESSERA_IMPORT_OUTCOME_PENDING);
  return self->outcome;
}

const GError *
tessera_import_source_get_error (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->error;
}

gboolean
tessera_import_source_get_scrubbed (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), FALSE);
  return self->scrubbed;
}

const GError *
tessera_import_source_get_scrub_error (TesseraImportSource *self)
{
  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);
  return self->scrub_error;
}

void
tessera_import_source_set_stored_as (TesseraImportSource *self,
                                     const char          *name,
                                     gboolean             verified)
{
  g_return_if_fail (TESSERA_IS_IMPORT_SOURCE (self));

  g_free (self->stored_as);
  self->stored_as = g_strdup (name);
  self->stored_verified = verified;
}

void
tessera_import_source_set_outcome (TesseraImportSource  *self,
                                   TesseraImportOutcome  outcome,
                                   const GError         *error)
{
  g_return_if_fail (TESSERA_IS_IMPORT_SOURCE (self));

  self->outcome = outcome;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
}

void
tessera_import_source_set_scrubbed (TesseraImportSource *self,
                                    gboolean             scrubbed,
                                    const GError        *error)
{
  g_return_if_fail (TESSERA_IS_IMPORT_SOURCE (self));

  self->scrubbed = scrubbed;
  g_clear_error (&self->scrub_error);
  if (error != NULL)
    self->scrub_error = g_error_copy (error);
}

char *
tessera_import_source_dup_summary (TesseraImportSource *self)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (TESSERA_IS_IMPORT_SOURCE (self), NULL);

  switch (self->outcome)
    {
    case TESSERA_IMPORT_OUTCOME_IMPORTED:
      if (self->stored_verified)
        g_string_printf (out, _("“%s” from %s: saved; Harness accepted the key."), self->name, self->display_path);
      else
        g_string_printf (out, _("“%s” from %s: saved without verifying."), self->name, self->display_path);
      break;
    case TESSERA_IMPORT_OUTCOME_ALREADY_STORED:
      g_string_printf (out, _("“%s” from %s: skipped; the same key is saved already, as “%s”."),
                       self->name, self->display_path, self->stored_as);
      break;
    case TESSERA_IMPORT_OUTCOME_NAME_TAKEN:
      g_string_printf (out, _("“%s” from %s: skipped; another credential has that name. Rename it, then import again."),
                       self->name, self->display_path);
      break;
    case TESSERA_IMPORT_OUTCOME_NO_API_KEY:
      g_string_printf (out, _("“%s” from %s: skipped; it has no API key there (it signs in with single sign-on, or its key was removed already)."),
                       self->name, self->display_path);
      break;
    case TESSERA_IMPORT_OUTCOME_FAILED:
      g_string_printf (out, _("“%s” from %s: not saved. %s"), self->name, self->display_path,
                       self->error != NULL ? self->error->message : "");
      break;
    case TESSERA_IMPORT_OUTCOME_PENDING:
    default:
      g_string_printf (out, _("“%s” from %s: not imported."), self->name, self->display_path);
      break;
    }

  if (self->scrubbed)
    {
      g_string_append_c (out, ' ');
      g_string_append (out, _("Its key was removed from the file."));
    }
  else if (self->scrub_error != NULL)
    {
      g_string_append_c (out, ' ');
      g_string_append (out, self->scrub_error->message);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}
