/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-output.c: what the command line prints
 *
 * Output meant for scripts (JSON, `token`) goes to stdout as raw UTF-8;
 * errors are one sentence on stderr and an exit code from TesseraCliExit.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "tessera-cli-private.h"
#include "tessera-enums.h"
#include "tessera-text.h"

/* Raw UTF-8, whatever the locale: stdout carries data (names, JSON). */
void
tessera_cli_print_out (const char *text)
{
  fputs (text, stdout);
}

int
tessera_cli_fail (int         code,
                  const char *format,
                  ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("tessera: %s\n", message);
  return code;
}

/* Whether @arg may appear in a message. Something that looks like a key
 * (a user who passed the token as an argument) is never repeated. */
gboolean
tessera_cli_safe_to_quote (const char *arg)
{
  g_autofree char *lower = NULL;

  if (arg == NULL || strlen (arg) > 100 || !g_utf8_validate (arg, -1, NULL))
    return FALSE;

  if (tessera_text_has_hidden_char (arg))
    return FALSE;

  lower = g_ascii_strdown (arg, -1);
  return strstr (lower, "pat.") == NULL && strstr (lower, "sat.") == NULL;
}

/* Names come from settings that any program may write: keep terminal
 * control characters (C0 and C1), bidi overrides and invisible characters
 * out of the table, each shown as “?”. */
char *
tessera_cli_dup_printable (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *shown = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (tessera_text_is_hidden_char (c))
        g_string_append_c (shown, '?');
      else
        g_string_append_unichar (shown, c);
    }

  return g_string_free (shown, FALSE);
}

void
tessera_cli_append_padded (GString    *line,
                           const char *text,
                           guint       width)
{
  g_string_append (line, text);
  for (glong n = g_utf8_strlen (text, -1); n < (glong) width; n++)
    g_string_append_c (line, ' ');
}

const char *
tessera_cli_enum_nick (GType type,
                       int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);
  const char *nick = enum_value != NULL ? enum_value->value_nick : "unknown";

  /* The class of a static enum type is never finalized: the nick stays. */
  g_type_class_unref (klass);
  return nick;
}

char *
tessera_cli_format_date (gint64 unix_seconds)
{
  /* The local zone once per process: GLib looks it up again (a stat and
   * a readlink of /etc/localtime) for every date made in "local" time,
   * which was a fifth of `tessera list` at 10 000 credentials. A
   * command's process is too short for the zone to change under it. */
  static GTimeZone *local_zone;
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_seconds);
  g_autoptr(GDateTime) date = NULL;

  if (local_zone == NULL)
    local_zone = g_time_zone_new_local ();
  if (utc != NULL)
    date = g_date_time_to_timezone (utc, local_zone);

  return date != NULL ? g_date_time_format (date, "%Y-%m-%d") : g_strdup ("-");
}

static void
add_time_member (JsonBuilder *builder,
                 const char  *member,
                 gint64       unix_seconds)
{
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *text = NULL;

  json_builder_set_member_name (builder, member);

  if (unix_seconds > 0)
    date = g_date_time_new_from_unix_utc (unix_seconds);
  if (date != NULL)
    text = g_date_time_format (date, "%Y-%m-%dT%H:%M:%SZ");

  if (text != NULL)
    json_builder_add_string_value (builder, text);
  else
    json_builder_add_null_value (builder);
}

void
tessera_cli_add_string_member (JsonBuilder *builder,
                               const char  *member,
                               const char  *value)
{
  json_builder_set_member_name (builder, member);

  if (value != NULL && value[0] != '\0')
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* Metadata only: TesseraCredential has no way to reach the token. */
void
tessera_cli_add_credential_object (JsonBuilder       *builder,
                                   TesseraCredential *credential)
{
  int days = tessera_credential_get_days_to_expiry (credential);

  json_builder_begin_object (builder);
  tessera_cli_add_string_member (builder, "id", tessera_credential_get_id (credential));
  tessera_cli_add_string_member (builder, "name", tessera_credential_get_name (credential));
  tessera_cli_add_string_member (builder, "description", tessera_credential_get_description (credential));
  tessera_cli_add_string_member (builder, "account_id", tessera_credential_get_account_id (credential));
  tessera_cli_add_string_member (builder, "account_name", tessera_credential_get_account_name (credential));
  tessera_cli_add_string_member (builder, "base_url", tessera_credential_get_base_url (credential));
  tessera_cli_add_string_member (builder, "kind",
                                 tessera_cli_enum_nick (TESSERA_TYPE_CREDENTIAL_KIND,
                                                        tessera_credential_get_kind (credential)));
  tessera_cli_add_string_member (builder, "status",
                                 tessera_cli_enum_nick (TESSERA_TYPE_CREDENTIAL_STATUS,
                                                        tessera_credential_get_status (credential)));
  tessera_cli_add_string_member (builder, "status_detail", tessera_credential_get_status_detail (credential));
  tessera_cli_add_string_member (builder, "owner_name", tessera_credential_get_owner_name (credential));
  tessera_cli_add_string_member (builder, "owner_email", tessera_credential_get_owner_email (credential));
  add_time_member (builder, "created", tessera_credential_get_created (credential));
  add_time_member (builder, "last_verified", tessera_credential_get_last_verified (credential));
  add_time_member (builder, "expires", tessera_credential_get_expires (credential) / 1000);
  json_builder_set_member_name (builder, "days_to_expiry");
  if (days == G_MAXINT)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, days);
  tessera_cli_add_string_member (builder, "correlation_id", tessera_credential_get_correlation_id (credential));
  tessera_cli_add_string_member (builder, "token_hint", tessera_credential_get_token_hint (credential));
  json_builder_set_member_name (builder, "selected");
  json_builder_add_boolean_value (builder, tessera_credential_get_selected (credential));
  json_builder_set_member_name (builder, "needs_attention");
  json_builder_add_boolean_value (builder, tessera_credential_get_needs_attention (credential));
}

void
tessera_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  tessera_cli_print_out (text);
  tessera_cli_print_out ("\n");
}

/* The token and its newline, written straight to the file descriptor so
 * that no stdio buffer keeps a copy. */
gboolean
tessera_cli_write_secret_line (const char *secret)
{
  g_autofree char *line = NULL;
  gsize len = strlen (secret);
  gsize done = 0;
  gboolean ok = TRUE;

  line = g_malloc (len + 2);
  memcpy (line, secret, len);
  line[len] = '\n';
  line[len + 1] = '\0';

  fflush (stdout);
  while (done < len + 1)
    {
      ssize_t n = write (STDOUT_FILENO, line + done, len + 1 - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          ok = FALSE;
          break;
        }
      done += n;
    }

  tessera_secure_free (g_steal_pointer (&line));
  return ok;
}

/* Helpers: errors and exit codes */

static int
exit_code_for_error (const GError *error)
{
  if (error->domain == G_OPTION_ERROR)
    return TESSERA_CLI_EXIT_USAGE;

  switch (tessera_error_get_category (error))
    {
    case TESSERA_ERROR_CATEGORY_CANCELLED:
      return TESSERA_CLI_EXIT_INTERRUPTED;
    case TESSERA_ERROR_CATEGORY_INVALID:
      return TESSERA_CLI_EXIT_INVALID;
    case TESSERA_ERROR_CATEGORY_REJECTED:
      return TESSERA_CLI_EXIT_REJECTED;
    case TESSERA_ERROR_CATEGORY_UNREACHABLE:
      return TESSERA_CLI_EXIT_UNCHECKED;
    case TESSERA_ERROR_CATEGORY_KEYRING:
    case TESSERA_ERROR_CATEGORY_FAILED:
    default:
      return TESSERA_CLI_EXIT_KEYRING;
    }
}

int
tessera_cli_exit_code_for_error (const GError *error)
{
  return exit_code_for_error (error);
}

int
tessera_cli_fail_with_error (const GError *error)
{
  return tessera_cli_fail (exit_code_for_error (error), "%s", tessera_error_get_message (error));
}

int
tessera_cli_usage_error (const char *command,
                         const char *message)
{
  return tessera_cli_fail (TESSERA_CLI_EXIT_USAGE, _("%s (see “tessera help %s”)."), message, command);
}
