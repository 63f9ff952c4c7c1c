/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-import-parse.h: reading the files of the Harness CLIs, with the
 * line and the bytes of every value (tessera-import-source.c uses it)
 *
 * Each reader takes the text of one file and @display, the file's name as
 * a person reads it, for the sentence of a TESSERA_IMPORT_ERROR.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* config.yaml: `profiles:` then, indented, one `NAME:` per profile and,
 * indented further, its `key: value` settings; top-level `key: value`
 * settings besides. Nothing else. */
typedef struct
{
  char       *name;
  guint       line;
  GHashTable *fields;   /* setting → value */
} TesseraYamlProfile;

void      _tessera_yaml_profile_free           (TesseraYamlProfile  *profile);
GPtrArray *_tessera_import_parse_config_yaml   (const char          *display,
                                                const char          *text,
                                                gsize                length,
                                                GError             **error);

/* A flat JSON object's members, where they are; the values decoded by
 * json-glib. Only string values are kept in @value. */
typedef struct
{
  char  *key;
  char  *value;         /* (nullable): not a string */
  guint  line;
  gsize  start;         /* the key's opening quote */
  gsize  end;           /* after the value */
} TesseraJsonMember;

void       _tessera_json_member_free          (TesseraJsonMember   *member);
GPtrArray *_tessera_import_parse_json_object  (const char          *display,
                                               const char          *text,
                                               gsize                length,
                                               GError             **error);

/* An INI file's settings (GKeyFile): group, key, unquoted value, line;
 * each [group] line comes first as a setting with an empty key and no
 * value. */
typedef struct
{
  char  *group;
  char  *key;
  char  *value;
  guint  line;
  gsize  start;         /* the line */
  gsize  end;           /* after its newline */
} TesseraIniSetting;

void       _tessera_ini_setting_free          (TesseraIniSetting   *setting);
GPtrArray *_tessera_import_parse_ini          (const char          *display,
                                               const char          *text,
                                               gsize                length,
                                               GError             **error);

/* The range of bytes to cut to remove @member from the object in @text: its
 * whole line when it is alone on it, with the comma before it when it is
 * the last member. */
void       _tessera_import_json_member_span   (const char          *text,
                                               gsize                length,
                                               GPtrArray           *members,
                                               guint                index,
                                               gsize               *cut_start,
                                               gsize               *cut_end,
                                               gsize               *comma);

G_END_DECLS
