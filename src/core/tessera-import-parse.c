/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-import-parse.c: reading the files of the Harness CLIs
 *
 * Each reader accepts exactly the shape the tools write (harness-api.md
 * §8) and refuses anything else with the file and the line, never quoting
 * the line: it may hold a key. JSON is read by json-glib and INI by
 * GKeyFile; where each value sits is found by a scan of the same text, so
 * that a key can be cut out keeping every other byte. config.yaml holds no
 * key: its reader is a small one for the only shape the unified CLI writes.
 */
#define G_LOG_DOMAIN "tessera"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "tessera-import-parse.h"
#include "tessera-import-source.h"

void
_tessera_yaml_profile_free (TesseraYamlProfile *profile)
{
  g_free (profile->name);
  g_clear_pointer (&profile->fields, g_hash_table_unref);
  g_free (profile);
}

void
_tessera_json_member_free (TesseraJsonMember *member)
{
  g_free (member->key);
  if (member->value != NULL)
    tessera_secure_free (member->value);
  g_free (member);
}

void
_tessera_ini_setting_free (TesseraIniSetting *setting)
{
  g_free (setting->group);
  g_free (setting->key);
  if (setting->value != NULL)
    tessera_secure_free (setting->value);
  g_free (setting);
}

static gboolean
set_yaml_error (GError     **error,
                const char  *display,
                guint        line)
{
  g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_MALFORMED,
               _("%s, line %u, is not in the form the Harness CLI writes (“profiles:”, then each profile’s name and, below it, its settings); nothing was imported."),
               display, line);
  return FALSE;
}

/* A setting's or a profile's name, as the unified CLI writes them. */
static gboolean
is_yaml_key (const char *key,
             gsize       length)
{
  if (length == 0 || !(g_ascii_isalnum (key[0]) || key[0] == '_'))
    return FALSE;

  for (gsize i = 0; i < length; i++)
    if (!(g_ascii_isalnum (key[i]) || key[i] == '_' || key[i] == '-'))
      return FALSE;

  return TRUE;
}

/* A scalar after “key: ”: plain (up to a “ #” comment), 'single' or
 * "double" quoted. %NULL for anything else (flow collections, anchors,
 * tags, block scalars). */
static char *
parse_yaml_scalar (const char *value)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = value;

  if (*p == '"' || *p == '\'')
    {
      char quote = *p++;

      for (;;)
        {
          if (*p == '\0')
            return NULL;
          if (quote == '\'' && p[0] == '\'' && p[1] == '\'')
            {
              g_string_append_c (out, '\'');
              p += 2;
              continue;
            }
          if (quote == '"' && p[0] == '\\')
            {
              if (p[1] == '"' || p[1] == '\\' || p[1] == '/')
                g_string_append_c (out, p[1]);
              else
                return NULL;
              p += 2;
              continue;
            }
          if (*p == quote)
            break;
          g_string_append_c (out, *p++);
        }
      p++;
      while (*p == ' ')
        p++;
      if (*p != '\0' && *p != '#')
        return NULL;
      return g_string_free (g_steal_pointer (&out), FALSE);
    }

  if (strchr ("{}[]&*!|>%@`,?-:#", *p) != NULL && !(p[0] == '-' && p[1] != ' ' && p[1] != '\0'))
    return NULL;

  for (; *p != '\0'; p++)
    {
      if (*p == ' ' && p[1] == '#')
        break;
      g_string_append_c (out, *p);
    }
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

GPtrArray *
_tessera_import_parse_config_yaml (const char  *display,
                                   const char  *text,
                                   gsize        length,
                                   GError     **error)
{
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) _tessera_yaml_profile_free);
  g_autoptr(GHashTable) top_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = NULL;
  TesseraYamlProfile *current = NULL;
  gboolean in_profiles = FALSE;
  guint profile_indent = 0;
  guint field_indent = 0;

  if (memchr (text, '\0', length) != NULL || !g_utf8_validate_len (text, length, NULL))
    return set_yaml_error (error, display, 1), NULL;

  lines = g_strsplit (text, "\n", -1);
  for (guint n = 0; lines[n] != NULL; n++)
    {
      char *line = lines[n];
      guint number = n + 1;
      gsize len = strlen (line);
      guint indent = 0;
      const char *key;
      const char *colon;
      gsize key_length;
      g_autofree char *value = NULL;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      while (len > 0 && line[len - 1] == ' ')
        line[--len] = '\0';

      while (line[indent] == ' ')
        indent++;
      if (line[indent] == '\0' || line[indent] == '#')
        continue;
      if (line[indent] == '\t')
        return set_yaml_error (error, display, number), NULL;

      key = line + indent;
      colon = strchr (key, ':');
      if (colon == NULL || (colon[1] != '\0' && colon[1] != ' '))
        return set_yaml_error (error, display, number), NULL;
      key_length = colon - key;
      if (!is_yaml_key (key, key_length))
        return set_yaml_error (error, display, number), NULL;

      if (colon[1] != '\0')
        {
          const char *rest = colon + 1;

          while (*rest == ' ')
            rest++;
          if (*rest != '#')
            {
              value = parse_yaml_scalar (rest);
              if (value == NULL && !g_str_equal (rest, "{}"))
                return set_yaml_error (error, display, number), NULL;
            }
        }

      if (indent == 0)
        {
          g_autofree char *name = g_strndup (key, key_length);

          current = NULL;
          in_profiles = FALSE;
          if (!g_hash_table_add (top_keys, g_strdup (name)))
            return set_yaml_error (error, display, number), NULL;

          if (g_str_equal (name, "profiles"))
            {
              /* “profiles: {}” is no profile; “profiles:” opens them. */
              if (value != NULL)
                return set_yaml_error (error, display, number), NULL;
              in_profiles = colon[1] == '\0' || strchr (colon, '{') == NULL;
              profile_indent = 0;
            }
          else if (value == NULL)
            {
              /* Any other top-level setting is a scalar. */
              return set_yaml_error (error, display, number), NULL;
            }
          continue;
        }

      if (!in_profiles)
        return set_yaml_error (error, display, number), NULL;

      if (profile_indent == 0)
        profile_indent = indent;

      if (indent == profile_indent)
        {
          if (value != NULL)
            return set_yaml_error (error, display, number), NULL;

          for (guint i = 0; i < profiles->len; i++)
            if (strncmp (((TesseraYamlProfile *) g_ptr_array_index (profiles, i))->name, key, key_length) == 0 &&
                ((TesseraYamlProfile *) g_ptr_array_index (profiles, i))->name[key_length] == '\0')
              return set_yaml_error (error, display, number), NULL;

          current = g_new0 (TesseraYamlProfile, 1);
          current->name = g_strndup (key, key_length);
          current->line = number;
          current->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_ptr_array_add (profiles, current);
          field_indent = 0;
          continue;
        }

      if (current == NULL || indent < profile_indent)
        return set_yaml_error (error, display, number), NULL;

      if (field_indent == 0)
        field_indent = indent;
      if (indent != field_indent || value == NULL)
        return set_yaml_error (error, display, number), NULL;

      if (!g_hash_table_insert (current->fields, g_strndup (key, key_length), g_steal_pointer (&value)))
        return set_yaml_error (error, display, number), NULL;
    }

  return g_steal_pointer (&profiles);
}

/* JSON */

static guint
line_at (const char *text,
         gsize       offset)
{
  guint line = 1;

  for (gsize i = 0; i < offset; i++)
    if (text[i] == '\n')
      line++;

  return line;
}

static gboolean
set_json_error (GError     **error,
                const char  *display,
                guint        line)
{
  g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_MALFORMED,
               _("%s is not the JSON object the Harness CLI writes (line %u); nothing was imported."),
               display, line);
  return FALSE;
}

static gsize
skip_space (const char *text,
            gsize       length,
            gsize       i)
{
  while (i < length && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
    i++;
  return i;
}

/* After the closing quote of the string that opens at @i. */
static gsize
skip_string (const char *text,
             gsize       length,
             gsize       i)
{
  for (i++; i < length && text[i] != '"'; i++)
    if (text[i] == '\\')
      i++;
  return MIN (i + 1, length);
}

/* After the value that starts at @i (valid JSON: json-glib read it). */
static gsize
skip_value (const char *text,
            gsize       length,
            gsize       i)
{
  guint depth = 0;

  if (text[i] == '"')
    return skip_string (text, length, i);

  for (; i < length; i++)
    {
      char c = text[i];

      if (c == '"')
        {
          i = skip_string (text, length, i) - 1;
          continue;
        }
      if (c == '{' || c == '[')
        depth++;
      else if (c == '}' || c == ']')
        {
          if (depth == 0)
            return i;
          if (--depth == 0)
            return i + 1;
        }
      else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'))
        return i;
    }

  return i;
}

/* A line number from json-glib's “<data>:LINE:COL: …”, else 1. */
static guint
json_error_line (const GError *error)
{
  const char *colon = error != NULL ? strchr (error->message, ':') : NULL;
  guint64 line = 0;

  if (colon != NULL)
    line = g_ascii_strtoull (colon + 1, NULL, 10);

  return line > 0 && line < G_MAXUINT ? (guint) line : 1;
}

GPtrArray *
_tessera_import_parse_json_object (const char  *display,
                                   const char  *text,
                                   gsize        length,
                                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func ((GDestroyNotify) _tessera_json_member_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *root;
  JsonObject *object;
  gsize i;

  if (memchr (text, '\0', length) != NULL)
    return set_json_error (error, display, line_at (text, (const char *) memchr (text, '\0', length) - text)), NULL;

  if (!json_parser_load_from_data (parser, text, length, &parse_error))
    return set_json_error (error, display, json_error_line (parse_error)), NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return set_json_error (error, display, 1), NULL;
  object = json_node_get_object (root);

  i = skip_space (text, length, 0);
  if (i >= length || text[i] != '{')
    return set_json_error (error, display, line_at (text, i)), NULL;
  i = skip_space (text, length, i + 1);

  while (i < length && text[i] != '}')
    {
      TesseraJsonMember *member;
      JsonNode *node;
      gsize key_end;

      if (text[i] != '"')
        return set_json_error (error, display, line_at (text, i)), NULL;

      member = g_new0 (TesseraJsonMember, 1);
      g_ptr_array_add (members, member);
      member->start = i;
      member->line = line_at (text, i);
      key_end = skip_string (text, length, i);
      {
        /* The key as json-glib would decode it: through a tiny parse. */
        g_autoptr(JsonParser) key_parser = json_parser_new_immutable ();
        g_autofree char *quoted = g_strndup (text + i, key_end - i);

        if (!json_parser_load_from_data (key_parser, quoted, -1, NULL) ||
            !JSON_NODE_HOLDS_VALUE (json_parser_get_root (key_parser)))
          return set_json_error (error, display, member->line), NULL;
        member->key = g_strdup (json_node_get_string (json_parser_get_root (key_parser)));
      }
      if (member->key == NULL || !g_hash_table_add (seen, member->key))
        return set_json_error (error, display, member->line), NULL;

      i = skip_space (text, length, key_end);
      if (i >= length || text[i] != ':')
        return set_json_error (error, display, member->line), NULL;
      i = skip_space (text, length, i + 1);
      member->end = skip_value (text, length, i);
      i = skip_space (text, length, member->end);
      if (i < length && text[i] == ',')
        i = skip_space (text, length, i + 1);

      node = json_object_get_member (object, member->key);
      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        member->value = g_strdup (json_node_get_string (node));
    }

  return g_steal_pointer (&members);
}

void
_tessera_import_json_member_span (const char *text,
                                  gsize       length,
                                  GPtrArray  *members,
                                  guint       index,
                                  gsize      *cut_start,
                                  gsize      *cut_end,
                                  gsize      *comma)
{
  TesseraJsonMember *member = g_ptr_array_index (members, index);
  gboolean last = index + 1 == members->len;
  gsize start = member->start;
  gsize end = member->end;
  gsize line_start = start;
  gsize after;

  *comma = G_MAXSIZE;

  after = end;
  while (after < length && (text[after] == ' ' || text[after] == '\t'))
    after++;
  if (!last && after < length && text[after] == ',')
    after++;

  while (line_start > 0 && (text[line_start - 1] == ' ' || text[line_start - 1] == '\t'))
    line_start--;

  {
    gsize line_end = after;

    while (line_end < length && (text[line_end] == ' ' || text[line_end] == '\t' || text[line_end] == '\r'))
      line_end++;

    if ((line_start == 0 || text[line_start - 1] == '\n') && line_end < length && text[line_end] == '\n')
      {
        /* Alone on its line: the whole line goes. */
        start = line_start;
        end = line_end + 1;
      }
    else
      {
        end = after;
        while (!last && end < length && text[end] == ' ')
          end++;
      }
  }

  if (last && index > 0)
    {
      /* The comma after the member before it goes too: alone, when the
       * member had its line; with the spaces up to the member when not. */
      TesseraJsonMember *before = g_ptr_array_index (members, index - 1);
      gsize i = before->end;

      while (i < length && text[i] != ',')
        i++;
      if (i < member->start && start == member->start)
        start = i;
      else if (i < member->start)
        *comma = i;
    }

  *cut_start = start;
  *cut_end = end;
}

/* INI */

static gboolean
set_ini_error (GError     **error,
               const char  *display,
               guint        line)
{
  g_set_error (error, TESSERA_IMPORT_ERROR, TESSERA_IMPORT_ERROR_MALFORMED,
               _("%s, line %u, is not a [profile] line, a “name = value” setting or a comment; nothing was imported."),
               display, line);
  return FALSE;
}

/* A value as the unified CLI writes it: "…" (or '…', or bare). */
static char *
unquote_ini (const char *raw)
{
  gsize length = strlen (raw);

  if (length >= 2 && ((raw[0] == '"' && raw[length - 1] == '"') || (raw[0] == '\'' && raw[length - 1] == '\'')))
    {
      g_autoptr(GString) out = g_string_sized_new (length);

      for (gsize i = 1; i + 1 < length; i++)
        {
          if (raw[0] == '"' && raw[i] == '\\' && i + 2 < length)
            i++;
          g_string_append_c (out, raw[i]);
        }
      return g_string_free (g_steal_pointer (&out), FALSE);
    }

  return g_strdup (raw);
}

GPtrArray *
_tessera_import_parse_ini (const char  *display,
                           const char  *text,
                           gsize        length,
                           GError     **error)
{
  g_autoptr(GPtrArray) settings = g_ptr_array_new_with_free_func ((GDestroyNotify) _tessera_ini_setting_free);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  gsize start = 0;
  guint number = 0;

  if (memchr (text, '\0', length) != NULL || !g_utf8_validate_len (text, length, NULL))
    return set_ini_error (error, display, 1), NULL;

  while (start < length)
    {
      const char *newline = memchr (text + start, '\n', length - start);
      gsize end = newline != NULL ? (gsize) (newline - text) + 1 : length;
      g_autofree char *line = g_strndup (text + start, end - start);
      char *stripped = g_strstrip (line);
      const char *equals;

      number++;

      if (*stripped == '\0' || *stripped == '#')
        ;
      else if (*stripped == '[')
        {
          gsize len = strlen (stripped);

          if (len < 3 || stripped[len - 1] != ']')
            return set_ini_error (error, display, number), NULL;
          TesseraIniSetting *header = g_new0 (TesseraIniSetting, 1);

          g_free (group);
          group = g_strndup (stripped + 1, len - 2);

          /* The group itself, as a setting with an empty name. */
          header->group = g_strdup (group);
          header->key = g_strdup ("");
          header->line = number;
          header->start = start;
          header->end = end;
          g_ptr_array_add (settings, header);
          if (!g_hash_table_add (seen, g_strdup_printf ("%s\n", group)))
            return set_ini_error (error, display, number), NULL;
        }
      else if (group != NULL && (equals = strchr (stripped, '=')) != NULL && equals != stripped)
        {
          TesseraIniSetting *setting = g_new0 (TesseraIniSetting, 1);

          setting->group = g_strdup (group);
          setting->key = g_strstrip (g_strndup (stripped, equals - stripped));
          setting->line = number;
          setting->start = start;
          setting->end = end;
          g_ptr_array_add (settings, setting);

          if (!g_hash_table_add (seen, g_strdup_printf ("%s\n%s", setting->group, setting->key)))
            return set_ini_error (error, display, number), NULL;
        }
      else
        {
          return set_ini_error (error, display, number), NULL;
        }

      explicit_bzero (line, strlen (line));
      start = end;
    }

  /* Its error would quote the line: our own sentence instead. */
  if (!g_key_file_load_from_data (key_file, text, length, G_KEY_FILE_NONE, NULL))
    return set_ini_error (error, display, 1), NULL;

  for (guint i = 0; i < settings->len; i++)
    {
      TesseraIniSetting *setting = g_ptr_array_index (settings, i);
      g_autofree char *raw = NULL;

      if (*setting->key == '\0')
        continue;
      raw = g_key_file_get_value (key_file, setting->group, setting->key, NULL);
      if (raw == NULL)
        return set_ini_error (error, display, setting->line), NULL;
      setting->value = unquote_ini (raw);
      explicit_bzero (raw, strlen (raw));
    }

  return g_steal_pointer (&settings);
}
