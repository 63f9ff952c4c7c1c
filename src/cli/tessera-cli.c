/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli.c: the `tessera` command line
 *
 * Each sub-command runs in its own process over the asynchronous store API,
 * iterating the main context until its operation finishes: the same code
 * paths as the window, without blocking calls and without GTK. Output meant
 * for scripts (JSON, `token`) goes to stdout as raw UTF-8; errors are one
 * sentence on stderr and an exit code from TesseraCliExit.
 *
 * A token only ever travels keyring → memory → stdout (`token`) or the
 * child's environment (`exec`), and every copy is wiped after use.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "tessera-base-url.h"
#include "tessera-cli.h"
#include "tessera-enums.h"
#include "tessera-net-module.h"
#include "tessera-store.h"

typedef struct _TesseraCli TesseraCli;

typedef int (*TesseraCliCommandFunc) (TesseraCli  *cli,
                                      int          argc,
                                      char       **argv);

typedef struct
{
  const char            *name;
  const char            *synopsis;   /* N_() */
  const char            *summary;    /* N_() */
  const char            *details;    /* N_(), or NULL */
  TesseraCliCommandFunc  func;
} TesseraCliCommand;

struct _TesseraCli
{
  TesseraStore *store;
  GCancellable *cancellable;
  guint         sigint_id;
  guint         sigterm_id;
};

typedef struct
{
  const char *name;         /* "--json" */
  gboolean    takes_value;
  gpointer    target;       /* gboolean * or const char ** */
} TesseraCliOption;

static int cmd_list   (TesseraCli *cli, int argc, char **argv);
static int cmd_add    (TesseraCli *cli, int argc, char **argv);
static int cmd_verify (TesseraCli *cli, int argc, char **argv);
static int cmd_select (TesseraCli *cli, int argc, char **argv);
static int cmd_remove (TesseraCli *cli, int argc, char **argv);
static int cmd_token  (TesseraCli *cli, int argc, char **argv);
static int cmd_exec   (TesseraCli *cli, int argc, char **argv);

static const TesseraCliCommand commands[] = {
  { "list", N_("list [--json]"),
    N_("List the saved credentials: name, account, kind, status and expiry; “*” marks the selected one."),
    N_("--json prints an array of objects with every metadata field (never the key)."),
    cmd_list },
  { "add", N_("add NAME [--description TEXT] [--account-id ID] [--base-url URL] [--no-verify]"),
    N_("Save the API key read from standard input, once Harness has accepted it."),
    N_("The key is read from standard input, never from the command line; on a terminal the input is hidden. "
       "A key Harness turns down is not saved (exit 1), nor is one that could not be checked (exit 2). "
       "--no-verify saves it without asking Harness, as not verified. "
       "The base URL defaults to https://app.harness.io; the account ID is taken from the key when it carries one."),
    cmd_add },
  { "verify", N_("verify [NAME | --all] [--json]"),
    N_("Ask Harness whether the selected, the named or every saved key is still valid."),
    N_("Exits with 0 when every key checked is valid, 1 when any was turned down and 2 when any could not be checked "
       "(including a key missing from the keyring). --json prints the credentials as “list --json” does, with an “error” member."),
    cmd_verify },
  { "select", N_("select NAME"),
    N_("Make NAME the credential that “token”, “verify” and “exec” use by default."),
    NULL,
    cmd_select },
  { "remove", N_("remove NAME"),
    N_("Delete NAME: its settings and its key in the keyring."),
    NULL,
    cmd_remove },
  { "token", N_("token [NAME]"),
    N_("Print the selected or the named key and a newline, nothing else."),
    N_("For example: curl -H \"x-api-key: $(tessera token)\" https://app.harness.io/ng/api/…"),
    cmd_token },
  { "exec", N_("exec [--credential NAME] -- COMMAND [ARGUMENT…]"),
    N_("Run COMMAND with the selected or the named key in its environment, and exit with its status."),
    N_("Only COMMAND sees HARNESS_PLATFORM_API_KEY, HARNESS_ACCOUNT_ID and HARNESS_ENDPOINT (the base URL with “/gateway”, "
       "as the Terraform provider expects) and HARNESS_API_KEY, HARNESS_ACCOUNT and HARNESS_API_URL (as the Harness CLI expects)."),
    cmd_exec },
};

/* Helpers: output */

/* Raw UTF-8, whatever the locale: stdout carries data (names, JSON). */
static void
print_out (const char *text)
{
  fputs (text, stdout);
}

static int G_GNUC_PRINTF (2, 3)
fail (int         code,
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
static gboolean
safe_to_quote (const char *arg)
{
  g_autofree char *lower = NULL;

  if (arg == NULL || strlen (arg) > 100 || !g_utf8_validate (arg, -1, NULL))
    return FALSE;

  for (const char *c = arg; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      return FALSE;

  lower = g_ascii_strdown (arg, -1);
  return strstr (lower, "pat.") == NULL && strstr (lower, "sat.") == NULL;
}

/* Names come from settings that any program may write: keep terminal
 * control characters out of the table. */
static char *
dup_printable (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "");

  for (char *c = copy; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      *c = '?';

  return copy;
}

static void
append_padded (GString    *line,
               const char *text,
               guint       width)
{
  g_string_append (line, text);
  for (glong n = g_utf8_strlen (text, -1); n < (glong) width; n++)
    g_string_append_c (line, ' ');
}

static const char *
enum_nick (GType type,
           int   value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);
  const char *nick = enum_value != NULL ? enum_value->value_nick : "unknown";

  /* The class of a static enum type is never finalized: the nick stays. */
  g_type_class_unref (klass);
  return nick;
}

static char *
format_date (gint64 unix_seconds)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (unix_seconds);

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

static void
add_string_member (JsonBuilder *builder,
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
static void
add_credential_object (JsonBuilder       *builder,
                       TesseraCredential *credential)
{
  int days = tessera_credential_get_days_to_expiry (credential);

  json_builder_begin_object (builder);
  add_string_member (builder, "id", tessera_credential_get_id (credential));
  add_string_member (builder, "name", tessera_credential_get_name (credential));
  add_string_member (builder, "description", tessera_credential_get_description (credential));
  add_string_member (builder, "account_id", tessera_credential_get_account_id (credential));
  add_string_member (builder, "account_name", tessera_credential_get_account_name (credential));
  add_string_member (builder, "base_url", tessera_credential_get_base_url (credential));
  add_string_member (builder, "kind", enum_nick (TESSERA_TYPE_CREDENTIAL_KIND,
                                                 tessera_credential_get_kind (credential)));
  add_string_member (builder, "status", enum_nick (TESSERA_TYPE_CREDENTIAL_STATUS,
                                                   tessera_credential_get_status (credential)));
  add_string_member (builder, "status_detail", tessera_credential_get_status_detail (credential));
  add_string_member (builder, "owner_name", tessera_credential_get_owner_name (credential));
  add_string_member (builder, "owner_email", tessera_credential_get_owner_email (credential));
  add_time_member (builder, "created", tessera_credential_get_created (credential));
  add_time_member (builder, "last_verified", tessera_credential_get_last_verified (credential));
  add_time_member (builder, "expires", tessera_credential_get_expires (credential) / 1000);
  json_builder_set_member_name (builder, "days_to_expiry");
  if (days == G_MAXINT)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, days);
  add_string_member (builder, "correlation_id", tessera_credential_get_correlation_id (credential));
  add_string_member (builder, "token_hint", tessera_credential_get_token_hint (credential));
  json_builder_set_member_name (builder, "selected");
  json_builder_add_boolean_value (builder, tessera_credential_get_selected (credential));
  json_builder_set_member_name (builder, "needs_attention");
  json_builder_add_boolean_value (builder, tessera_credential_get_needs_attention (credential));
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  print_out (text);
  print_out ("\n");
}

/* The token and its newline, written straight to the file descriptor so
 * that no stdio buffer keeps a copy. */
static gboolean
write_secret_line (const char *secret)
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
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, TESSERA_HARNESS_ERROR, TESSERA_HARNESS_ERROR_CANCELLED))
    return TESSERA_CLI_EXIT_INTERRUPTED;

  if (error->domain == G_OPTION_ERROR)
    return TESSERA_CLI_EXIT_USAGE;

  if (error->domain == TESSERA_TOKEN_ERROR)
    return TESSERA_CLI_EXIT_INVALID;

  if (error->domain == TESSERA_HARNESS_ERROR)
    {
      if (tessera_harness_error_is_transient (error))
        return TESSERA_CLI_EXIT_UNCHECKED;

      switch ((TesseraHarnessError) error->code)
        {
        case TESSERA_HARNESS_ERROR_INVALID_BASE_URL:
        case TESSERA_HARNESS_ERROR_INSECURE_URL:
        case TESSERA_HARNESS_ERROR_MISSING_ACCOUNT:
          return TESSERA_CLI_EXIT_INVALID;

        case TESSERA_HARNESS_ERROR_ACCOUNT_MISMATCH:
        case TESSERA_HARNESS_ERROR_TOKEN_REJECTED:
        case TESSERA_HARNESS_ERROR_TOKEN_EXPIRED:
        case TESSERA_HARNESS_ERROR_FORBIDDEN:
        case TESSERA_HARNESS_ERROR_BAD_REQUEST:
          return TESSERA_CLI_EXIT_REJECTED;

        case TESSERA_HARNESS_ERROR_CANCELLED:
          return TESSERA_CLI_EXIT_INTERRUPTED;

        case TESSERA_HARNESS_ERROR_RATE_LIMITED:
        case TESSERA_HARNESS_ERROR_SERVER_ERROR:
        case TESSERA_HARNESS_ERROR_NOT_HARNESS:
        case TESSERA_HARNESS_ERROR_REDIRECTED:
        case TESSERA_HARNESS_ERROR_TLS:
        case TESSERA_HARNESS_ERROR_NETWORK:
        case TESSERA_HARNESS_ERROR_TIMED_OUT:
        default:
          return TESSERA_CLI_EXIT_UNCHECKED;
        }
    }

  if (error->domain == TESSERA_STORE_ERROR)
    {
      switch ((TesseraStoreError) error->code)
        {
        case TESSERA_STORE_ERROR_NAME_REQUIRED:
        case TESSERA_STORE_ERROR_NAME_TOO_LONG:
        case TESSERA_STORE_ERROR_NAME_TAKEN:
        case TESSERA_STORE_ERROR_DESCRIPTION_TOO_LONG:
        case TESSERA_STORE_ERROR_ACCOUNT_REQUIRED:
        case TESSERA_STORE_ERROR_ACCOUNT_INVALID:
        case TESSERA_STORE_ERROR_NOT_FOUND:
          return TESSERA_CLI_EXIT_INVALID;

        case TESSERA_STORE_ERROR_ACCOUNT_MISMATCH:
          return TESSERA_CLI_EXIT_REJECTED;

        case TESSERA_STORE_ERROR_TOKEN_MISSING:
        case TESSERA_STORE_ERROR_NO_SECRET_SERVICE:
        case TESSERA_STORE_ERROR_KEYRING_LOCKED:
        case TESSERA_STORE_ERROR_SECRET_FAILED:
        case TESSERA_STORE_ERROR_SETTINGS_FAILED:
        case TESSERA_STORE_ERROR_BUSY:
        default:
          return TESSERA_CLI_EXIT_KEYRING;
        }
    }

  return TESSERA_CLI_EXIT_KEYRING;
}

static int
fail_with_error (const GError *error)
{
  return fail (exit_code_for_error (error), "%s", error->message);
}

static int
usage_error (const char *command,
             const char *message)
{
  return fail (TESSERA_CLI_EXIT_USAGE, _("%s (see “tessera help %s”)."), message, command);
}

/* Helpers: arguments */

/* Reads the options of one sub-command; everything else is positional.
 * "--" ends the options. With @stop_at_positional (exec), the first
 * positional argument ends them too and *@rest points at it. */
static gboolean
parse_arguments (const char              *command,
                 int                      argc,
                 char                   **argv,
                 const TesseraCliOption  *options,
                 guint                    n_options,
                 gboolean                 stop_at_positional,
                 GPtrArray               *positional,
                 int                     *rest,
                 GError                 **error)
{
  int i;

  for (i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      const TesseraCliOption *option = NULL;
      g_autofree char *option_name = NULL;
      const char *value = NULL;

      if (g_str_equal (arg, "--"))
        {
          i++;
          break;
        }

      if (arg[0] != '-' || arg[1] == '\0')
        {
          if (stop_at_positional)
            break;
          g_ptr_array_add (positional, (gpointer) arg);
          continue;
        }

      if (strchr (arg, '=') != NULL)
        {
          option_name = g_strndup (arg, strchr (arg, '=') - arg);
          value = strchr (arg, '=') + 1;
        }
      else
        {
          option_name = g_strdup (arg);
        }

      for (guint j = 0; j < n_options; j++)
        if (g_str_equal (options[j].name, option_name))
          option = &options[j];

      if (option == NULL)
        {
          if (safe_to_quote (option_name))
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                         _("“tessera %s” has no option “%s”"), command, option_name);
          else
            g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION,
                         _("“tessera %s” has no such option"), command);
          return FALSE;
        }

      if (!option->takes_value)
        {
          if (value != NULL)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("The option “%s” takes no value"), option->name);
              return FALSE;
            }
          *(gboolean *) option->target = TRUE;
          continue;
        }

      if (value == NULL)
        {
          if (i + 1 >= argc)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("The option “%s” needs a value"), option->name);
              return FALSE;
            }
          value = argv[++i];
        }
      *(const char **) option->target = value;
    }

  if (rest != NULL)
    *rest = i;

  for (; !stop_at_positional && i < argc; i++)
    g_ptr_array_add (positional, argv[i]);

  return TRUE;
}

/* Parses, then checks the number of positional arguments. Returns an exit
 * code, TESSERA_CLI_EXIT_OK when the command may go on. */
static int
parse_command_line (const char              *command,
                    int                      argc,
                    char                   **argv,
                    const TesseraCliOption  *options,
                    guint                    n_options,
                    GPtrArray               *positional,
                    guint                    min_positional,
                    guint                    max_positional)
{
  g_autoptr(GError) error = NULL;

  if (!parse_arguments (command, argc, argv, options, n_options, FALSE, positional, NULL, &error))
    return usage_error (command, error->message);

  if (positional->len < min_positional)
    return usage_error (command, _("A credential NAME is missing"));

  if (positional->len > max_positional)
    {
      /* Never quote the extra argument: it may be a key passed by mistake. */
      if (g_str_equal (command, "add"))
        return usage_error (command, _("“tessera add” takes a single NAME and reads the API key from standard input, never from the command line"));
      return usage_error (command, _("Too many arguments"));
    }

  return TESSERA_CLI_EXIT_OK;
}

static gboolean
wants_help (int    argc,
            char **argv)
{
  for (int i = 1; i < argc && !g_str_equal (argv[i], "--"); i++)
    if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
      return TRUE;

  return FALSE;
}

/* Helpers: the main loop */

static void
on_ready (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The command line is its own process: iterating the default context until
 * the one operation finishes is its whole main loop. */
static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *result;
}

static gboolean
on_interrupt (gpointer user_data)
{
  TesseraCli *cli = user_data;

  g_debug ("Interrupted, cancelling");
  g_cancellable_cancel (cli->cancellable);
  return G_SOURCE_CONTINUE;
}

/* Ctrl+C cancels the running operation, so that the store can undo its
 * steps instead of dying between them. */
static void
catch_interrupts (TesseraCli *cli)
{
  if (cli->sigint_id == 0)
    cli->sigint_id = g_unix_signal_add (SIGINT, on_interrupt, cli);
  if (cli->sigterm_id == 0)
    cli->sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt, cli);
}

static void
release_interrupts (TesseraCli *cli)
{
  g_clear_handle_id (&cli->sigint_id, g_source_remove);
  g_clear_handle_id (&cli->sigterm_id, g_source_remove);
}

static TesseraStore *
get_store (TesseraCli *cli)
{
  if (cli->store == NULL)
    {
      cli->store = tessera_store_new (NULL, NULL);
      /* A command reads the credentials once and re-reads what it changes
       * itself: no need to follow each one (at 10 000 credentials that
       * was most of `tessera list`). */
      tessera_store_set_watch_credentials (cli->store, FALSE);
    }

  return cli->store;
}

/* The selected credential when @name is NULL. Prints the error. */
static TesseraCredential *
find_credential (TesseraCli  *cli,
                 const char  *name,
                 int         *exit_code)
{
  TesseraStore *store = get_store (cli);
  TesseraCredential *credential;

  if (name == NULL)
    {
      credential = tessera_store_get_selected (store);
      if (credential == NULL)
        *exit_code = fail (TESSERA_CLI_EXIT_INVALID,
                           _("No credential is selected: choose one with “tessera select NAME” or give a NAME."));
      return credential;
    }

  credential = tessera_store_find_by_name (store, name);
  if (credential == NULL)
    {
      if (safe_to_quote (name))
        *exit_code = fail (TESSERA_CLI_EXIT_INVALID, _("No credential is named “%s”."), name);
      else
        *exit_code = fail (TESSERA_CLI_EXIT_INVALID, _("No credential has that name."));
    }

  return credential;
}

static char *
lookup_token (TesseraCli         *cli,
              TesseraCredential  *credential,
              GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tessera_store_lookup_token_async (get_store (cli),
                                    tessera_credential_get_id (credential),
                                    cli->cancellable, on_ready, &result);
  return tessera_store_lookup_token_finish (get_store (cli), wait_for (&result), error);
}

/* Helpers: reading the key */

static struct termios saved_termios;

static void
restore_terminal_and_die (int signum)
{
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  signal (signum, SIG_DFL);
  raise (signum);
}

/* Up to one line from a terminal, with echo off. */
static gsize
read_hidden_line (char  *buffer,
                  gsize  size)
{
  struct termios hidden;
  struct sigaction action = { 0 }, old_int, old_term;
  gsize len = 0;
  gboolean echo_off = FALSE;

  if (tcgetattr (STDIN_FILENO, &saved_termios) == 0)
    {
      hidden = saved_termios;
      hidden.c_lflag &= ~(ECHO | ECHONL);
      action.sa_handler = restore_terminal_and_die;
      sigaction (SIGINT, &action, &old_int);
      sigaction (SIGTERM, &action, &old_term);
      echo_off = tcsetattr (STDIN_FILENO, TCSAFLUSH, &hidden) == 0;
    }

  /* Only now that echo is off: whatever is typed after the prompt stays
   * hidden. */
  g_printerr (_("API key (the input is hidden): "));

  while (len < size)
    {
      char c;
      ssize_t n = read (STDIN_FILENO, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || c == '\n')
        break;
      buffer[len++] = c;
    }

  if (echo_off)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
      sigaction (SIGINT, &old_int, NULL);
      sigaction (SIGTERM, &old_term, NULL);
    }
  g_printerr ("\n");

  return len;
}

/* The whole of standard input, bounded. The buffer is allocated once at
 * its final size so that no reallocation leaves a copy behind. Free it
 * with tessera_secure_free(). */
static char *
read_key_input (void)
{
  /* One byte more than tessera_token_parse() scans, so that an oversized
   * input is reported as too long instead of being cut. */
  const gsize size = TESSERA_TOKEN_MAX_LENGTH * 4 + 1;
  char *buffer = g_malloc0 (size + 1);
  gsize len = 0;

  if (isatty (STDIN_FILENO))
    {
      len = read_hidden_line (buffer, size);
    }
  else
    {
      while (len < size)
        {
          ssize_t n = read (STDIN_FILENO, buffer + len, size - len);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break;
          len += n;
        }
    }

  /* A NUL would end the string early and hide what follows it: make it a
   * control character, which the parser explains. */
  for (gsize i = 0; i < len; i++)
    if (buffer[i] == '\0')
      buffer[i] = '\001';

  return buffer;
}

/* Commands */

static int
cmd_list (TesseraCli  *cli,
          int          argc,
          char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  gboolean json = FALSE;
  const TesseraCliOption options[] = { { "--json", FALSE, &json } };
  GListModel *model;
  guint n_items;
  int code;

  code = parse_command_line ("list", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 0);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  model = G_LIST_MODEL (get_store (cli));
  n_items = g_list_model_get_n_items (model);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(TesseraCredential) credential = g_list_model_get_item (model, i);

          add_credential_object (builder, credential);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      print_json (builder);
      return TESSERA_CLI_EXIT_OK;
    }

  if (n_items == 0)
    {
      g_printerr (_("No credentials are saved yet. Add one with “tessera add NAME”.\n"));
      return TESSERA_CLI_EXIT_OK;
    }

  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
    /* The header only for people: scripts get the rows alone, or --json. */
    gboolean header = isatty (STDOUT_FILENO);
    guint widths[5] = { 0 };
    g_autoptr(GString) out = g_string_new (NULL);

    if (header)
      {
        char **row = g_new0 (char *, 7);

        row[0] = g_strdup (" ");
        row[1] = g_strdup (_("NAME"));
        row[2] = g_strdup (_("ACCOUNT"));
        row[3] = g_strdup (_("KIND"));
        row[4] = g_strdup (_("STATUS"));
        row[5] = g_strdup (_("EXPIRES"));
        g_ptr_array_add (rows, row);
      }

    for (guint i = 0; i < n_items; i++)
      {
        g_autoptr(TesseraCredential) credential = g_list_model_get_item (model, i);
        gint64 expires = tessera_credential_get_expires (credential);
        const char *account = tessera_credential_get_account_id (credential);
        char **row = g_new0 (char *, 7);

        row[0] = g_strdup (tessera_credential_get_selected (credential) ? "*" : " ");
        row[1] = dup_printable (tessera_credential_get_name (credential));
        row[2] = dup_printable (account != NULL && account[0] != '\0' ? account : "-");
        row[3] = g_strdup (enum_nick (TESSERA_TYPE_CREDENTIAL_KIND, tessera_credential_get_kind (credential)));
        row[4] = g_strdup (tessera_credential_status_to_string (tessera_credential_get_status (credential)));
        row[5] = expires > 0 ? format_date (expires / 1000) : g_strdup ("-");
        g_ptr_array_add (rows, row);
      }

    for (guint i = 0; i < rows->len; i++)
      {
        char **row = g_ptr_array_index (rows, i);

        for (guint c = 0; c < G_N_ELEMENTS (widths); c++)
          widths[c] = MAX (widths[c], (guint) g_utf8_strlen (row[c], -1));
      }

    for (guint i = 0; i < rows->len; i++)
      {
        char **row = g_ptr_array_index (rows, i);

        for (guint c = 0; c < G_N_ELEMENTS (widths); c++)
          {
            append_padded (out, row[c], widths[c]);
            g_string_append (out, c == 0 ? " " : "  ");
          }
        g_string_append (out, row[5]);
        g_string_append_c (out, '\n');
      }

    print_out (out->str);
  }

  return TESSERA_CLI_EXIT_OK;
}

static int
cmd_add (TesseraCli  *cli,
         int          argc,
         char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TesseraToken) token = NULL;
  g_autoptr(TesseraVerification) verification = NULL;
  g_autoptr(TesseraCredential) credential = NULL;
  g_autoptr(GAsyncResult) verify_result = NULL;
  g_autoptr(GAsyncResult) add_result = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *default_base_url = NULL;
  g_auto(TesseraSecret) input = NULL;
  const char *description = NULL;
  const char *account_id = NULL;
  const char *base_url_arg = NULL;
  const char *name;
  gboolean no_verify = FALSE;
  const TesseraCliOption options[] = {
    { "--description", TRUE, &description },
    { "--account-id", TRUE, &account_id },
    { "--base-url", TRUE, &base_url_arg },
    { "--no-verify", FALSE, &no_verify },
  };
  TesseraStore *store;
  int code;

  code = parse_command_line ("add", argc, argv, options, G_N_ELEMENTS (options), positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  name = g_ptr_array_index (positional, 0);
  store = get_store (cli);

  /* Everything that can be checked without the key first, so that a typo
   * is reported before the user pastes anything. */
  if (!tessera_store_validate_name (store, NULL, name, &error) ||
      !tessera_store_validate_description (description != NULL ? description : "", &error))
    return fail_with_error (error);

  /* Without --base-url, the one the dialog offers too. */
  if (base_url_arg == NULL)
    {
      default_base_url = g_settings_get_string (tessera_store_get_settings (store), "default-base-url");
      g_strstrip (default_base_url);
      base_url_arg = default_base_url[0] != '\0' ? default_base_url : TESSERA_DEFAULT_BASE_URL;
    }

  base_url = tessera_base_url_normalize (base_url_arg, &error);
  if (base_url == NULL)
    return fail (TESSERA_CLI_EXIT_INVALID, "%s", error->message);

  input = read_key_input ();
  token = tessera_token_parse (input, &error);
  tessera_secure_clear (&input);
  if (token == NULL)
    return fail_with_error (error);

  if (!tessera_store_validate_account_id (account_id != NULL ? account_id : "", token, &error))
    return fail_with_error (error);

  if (account_id == NULL || account_id[0] == '\0')
    account_id = tessera_token_get_account_id (token);

  catch_interrupts (cli);

  if (!no_verify)
    {
      tessera_harness_client_verify_async (tessera_store_get_client (store),
                                           base_url, account_id, token,
                                           cli->cancellable, on_ready, &verify_result);
      verification = tessera_harness_client_verify_finish (tessera_store_get_client (store),
                                                           wait_for (&verify_result), &error);
      if (verification == NULL)
        return fail_with_error (error);

      if (!tessera_verification_get_valid (verification))
        return fail (TESSERA_CLI_EXIT_REJECTED, _("Harness says this API key is not valid; it was not saved."));
    }

  tessera_store_add_async (store, name, description != NULL ? description : "",
                           account_id, base_url, token, verification,
                           cli->cancellable, on_ready, &add_result);
  credential = tessera_store_add_finish (store, wait_for (&add_result), &error);
  if (credential == NULL)
    return fail_with_error (error);

  {
    g_autofree char *shown = dup_printable (tessera_credential_get_name (credential));
    g_autofree char *line = NULL;

    if (verification != NULL)
      line = g_strdup_printf (_("Saved “%s”; Harness accepted the key.\n"), shown);
    else
      line = g_strdup_printf (_("Saved “%s” without verifying the key.\n"), shown);
    print_out (line);
    /* None was selected (the first one saved): this one is now. */
    if (tessera_credential_get_selected (credential))
      print_out (_("Scripts and “tessera token” use it from now on.\n"));
  }

  return TESSERA_CLI_EXIT_OK;
}

typedef struct
{
  TesseraCredential       *credential;
  TesseraCredentialStatus  status;
  GError                  *error;
  guint                   *running;
  guint                   *finished;
} VerifyJob;

static void
verify_job_free (VerifyJob *job)
{
  g_clear_object (&job->credential);
  g_clear_error (&job->error);
  g_free (job);
}

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  VerifyJob *job = user_data;

  job->status = tessera_store_verify_finish (TESSERA_STORE (source), result, &job->error);
  (*job->running)--;
  (*job->finished)++;
}

/* What one check means for the exit code: a keyring that could not give
 * the key is "could not check", not a verdict on the key. */
static int
verify_job_outcome (VerifyJob *job)
{
  switch (job->status)
    {
    case TESSERA_CREDENTIAL_STATUS_VERIFIED:
      return job->error == NULL ? TESSERA_CLI_EXIT_OK : TESSERA_CLI_EXIT_UNCHECKED;

    case TESSERA_CREDENTIAL_STATUS_REJECTED:
    case TESSERA_CREDENTIAL_STATUS_EXPIRED:
    case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
      if (job->error != NULL && job->error->domain == TESSERA_STORE_ERROR)
        return TESSERA_CLI_EXIT_UNCHECKED;
      return TESSERA_CLI_EXIT_REJECTED;

    case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
    case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
    case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
    default:
      return TESSERA_CLI_EXIT_UNCHECKED;
    }
}

static int
cmd_verify (TesseraCli  *cli,
            int          argc,
            char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) verify_job_free);
  gboolean all = FALSE;
  gboolean json = FALSE;
  const TesseraCliOption options[] = {
    { "--all", FALSE, &all },
    { "--json", FALSE, &json },
  };
  TesseraStore *store;
  guint running = 0, finished = 0, next = 0, max_running;
  gboolean any_rejected = FALSE, any_unchecked = FALSE;
  int code;

  code = parse_command_line ("verify", argc, argv, options, G_N_ELEMENTS (options), positional, 0, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;
  if (all && positional->len > 0)
    return usage_error ("verify", _("Give either a NAME or “--all”, not both"));

  store = get_store (cli);

  if (all)
    {
      GListModel *model = G_LIST_MODEL (store);

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          VerifyJob *job = g_new0 (VerifyJob, 1);

          job->credential = g_list_model_get_item (model, i);
          g_ptr_array_add (jobs, job);
        }
    }
  else
    {
      TesseraCredential *credential;
      VerifyJob *job;

      credential = find_credential (cli, positional->len > 0 ? g_ptr_array_index (positional, 0) : NULL, &code);
      if (credential == NULL)
        return code;

      job = g_new0 (VerifyJob, 1);
      job->credential = g_object_ref (credential);
      g_ptr_array_add (jobs, job);
    }

  catch_interrupts (cli);

  /* At most as many checks at once as verify-all would run, in list order. */
  max_running = MAX (tessera_store_get_max_concurrent (store), 1);
  while (finished < jobs->len)
    {
      while (next < jobs->len && running < max_running)
        {
          VerifyJob *job = g_ptr_array_index (jobs, next++);

          job->running = &running;
          job->finished = &finished;
          running++;
          tessera_store_verify_async (store, tessera_credential_get_id (job->credential),
                                      cli->cancellable, on_verified, job);
        }
      g_main_context_iteration (NULL, TRUE);
    }

  if (g_cancellable_is_cancelled (cli->cancellable))
    return fail (TESSERA_CLI_EXIT_INTERRUPTED, _("Interrupted."));

  for (guint i = 0; i < jobs->len; i++)
    {
      int outcome = verify_job_outcome (g_ptr_array_index (jobs, i));

      any_rejected |= outcome == TESSERA_CLI_EXIT_REJECTED;
      any_unchecked |= outcome == TESSERA_CLI_EXIT_UNCHECKED;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < jobs->len; i++)
        {
          VerifyJob *job = g_ptr_array_index (jobs, i);

          add_credential_object (builder, job->credential);
          add_string_member (builder, "error", job->error != NULL ? job->error->message : NULL);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      print_json (builder);
    }
  else
    {
      g_autoptr(GString) out = g_string_new (NULL);
      guint width = 0;

      for (guint i = 0; i < jobs->len; i++)
        {
          VerifyJob *job = g_ptr_array_index (jobs, i);
          g_autofree char *name = dup_printable (tessera_credential_get_name (job->credential));

          width = MAX (width, (guint) g_utf8_strlen (name, -1) + 1);
        }

      for (guint i = 0; i < jobs->len; i++)
        {
          VerifyJob *job = g_ptr_array_index (jobs, i);
          g_autofree char *name = dup_printable (tessera_credential_get_name (job->credential));
          g_autofree char *label = g_strconcat (name, ":", NULL);
          gint64 expires = tessera_credential_get_expires (job->credential);

          append_padded (out, label, width);
          g_string_append_c (out, ' ');
          g_string_append (out, tessera_credential_status_to_string (job->status));

          if (job->error != NULL)
            {
              g_autofree char *detail = dup_printable (job->error->message);

              g_string_append_printf (out, " — %s", detail);
            }
          else if (expires > 0)
            {
              g_autofree char *date = format_date (expires / 1000);

              g_string_append_printf (out, _(" — expires %s"), date);
            }
          g_string_append_c (out, '\n');
        }

      print_out (out->str);
    }

  if (jobs->len == 0)
    g_printerr (_("No credentials are saved yet. Add one with “tessera add NAME”.\n"));

  if (any_rejected)
    return TESSERA_CLI_EXIT_REJECTED;
  if (any_unchecked)
    return TESSERA_CLI_EXIT_UNCHECKED;
  return TESSERA_CLI_EXIT_OK;
}

static int
cmd_select (TesseraCli  *cli,
            int          argc,
            char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *line = NULL;
  TesseraCredential *credential;
  int code;

  code = parse_command_line ("select", argc, argv, NULL, 0, positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  credential = find_credential (cli, g_ptr_array_index (positional, 0), &code);
  if (credential == NULL)
    return code;

  if (!tessera_store_select (get_store (cli), tessera_credential_get_id (credential), &error))
    return fail_with_error (error);

  shown = dup_printable (tessera_credential_get_name (credential));
  line = g_strdup_printf (_("Selected “%s”.\n"), shown);
  print_out (line);
  return TESSERA_CLI_EXIT_OK;
}

static int
cmd_remove (TesseraCli  *cli,
            int          argc,
            char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *id = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *line = NULL;
  TesseraCredential *credential;
  TesseraStore *store;
  gboolean was_selected;
  int code;

  code = parse_command_line ("remove", argc, argv, NULL, 0, positional, 1, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  credential = find_credential (cli, g_ptr_array_index (positional, 0), &code);
  if (credential == NULL)
    return code;

  store = get_store (cli);
  id = g_strdup (tessera_credential_get_id (credential));
  shown = dup_printable (tessera_credential_get_name (credential));
  was_selected = tessera_credential_get_selected (credential);

  /* There is no Undo toast here: remove and commit at once. */
  if (!tessera_store_remove (store, id, &error))
    return fail_with_error (error);

  catch_interrupts (cli);
  tessera_store_commit_remove_async (store, id, cli->cancellable, on_ready, &result);
  if (!tessera_store_commit_remove_finish (store, wait_for (&result), &error))
    return fail_with_error (error);

  line = g_strdup_printf (_("Removed “%s”.\n"), shown);
  print_out (line);
  /* Scripts get no other key in its place: say what they get now. */
  if (was_selected)
    print_out (_("No credential is selected now: scripts get none until you choose one with “tessera select NAME”.\n"));
  return TESSERA_CLI_EXIT_OK;
}

static int
cmd_token (TesseraCli  *cli,
           int          argc,
           char       **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) token = NULL;
  TesseraCredential *credential;
  int code;

  code = parse_command_line ("token", argc, argv, NULL, 0, positional, 0, 1);
  if (code != TESSERA_CLI_EXIT_OK)
    return code;

  credential = find_credential (cli, positional->len > 0 ? g_ptr_array_index (positional, 0) : NULL, &code);
  if (credential == NULL)
    return code;

  catch_interrupts (cli);
  token = lookup_token (cli, credential, &error);
  if (token == NULL)
    return fail_with_error (error);

  if (!write_secret_line (token))
    return fail (TESSERA_CLI_EXIT_KEYRING, _("Could not write the key to standard output."));

  return TESSERA_CLI_EXIT_OK;
}

typedef struct
{
  GPid     pid;
  int      wait_status;
  gboolean exited;
} ChildState;

static void
on_child_exited (GPid     pid,
                 int      wait_status,
                 gpointer user_data)
{
  ChildState *child = user_data;

  child->wait_status = wait_status;
  child->exited = TRUE;
  g_spawn_close_pid (pid);
}

/* The terminal sends Ctrl+C to the child as well: the parent just stays
 * to report its status. Signals sent to the parent alone are passed on. */
static gboolean
on_parent_signal_ignore (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
on_parent_signal_forward_term (gpointer user_data)
{
  ChildState *child = user_data;

  if (!child->exited)
    kill (child->pid, SIGTERM);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_parent_signal_forward_hup (gpointer user_data)
{
  ChildState *child = user_data;

  if (!child->exited)
    kill (child->pid, SIGHUP);
  return G_SOURCE_CONTINUE;
}

static void
wipe_environment (char **envp)
{
  static const char *secret_variables[] = { "HARNESS_PLATFORM_API_KEY=", "HARNESS_API_KEY=" };

  for (guint i = 0; envp != NULL && envp[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (secret_variables); j++)
      if (g_str_has_prefix (envp[i], secret_variables[j]))
        memset (envp[i], 0, strlen (envp[i]));
}

static int
cmd_exec (TesseraCli  *cli,
          int          argc,
          char       **argv)
{
  g_autoptr(GPtrArray) no_positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_auto(TesseraSecret) token = NULL;
  g_auto(GStrv) envp = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *account = NULL;
  const char *credential_name = NULL;
  const TesseraCliOption options[] = { { "--credential", TRUE, &credential_name } };
  TesseraCredential *credential;
  const char *base_url;
  ChildState child = { 0 };
  guint sources[3];
  gboolean spawned;
  int rest = argc;
  int code = TESSERA_CLI_EXIT_OK;

  if (!parse_arguments ("exec", argc, argv, options, G_N_ELEMENTS (options), TRUE, no_positional, &rest, &error))
    return usage_error ("exec", error->message);
  if (rest >= argc)
    return usage_error ("exec", _("A COMMAND to run is missing"));

  credential = find_credential (cli, credential_name, &code);
  if (credential == NULL)
    return code;

  catch_interrupts (cli);
  token = lookup_token (cli, credential, &error);
  release_interrupts (cli);
  if (token == NULL)
    return fail_with_error (error);

  /* The credential stores the base URL normalized, without a trailing
   * "/". Terraform wants the gateway; the Harness CLI wants the host. */
  base_url = tessera_credential_get_base_url (credential);
  if (base_url == NULL || base_url[0] == '\0')
    base_url = TESSERA_DEFAULT_BASE_URL;
  if (g_str_has_suffix (base_url, "/gateway"))
    {
      endpoint = g_strdup (base_url);
      api_url = g_strndup (base_url, strlen (base_url) - strlen ("/gateway"));
    }
  else
    {
      endpoint = g_strconcat (base_url, "/gateway", NULL);
      api_url = g_strdup (base_url);
    }

  account = g_strdup (tessera_credential_get_account_id (credential));
  if (account == NULL || account[0] == '\0')
    {
      g_autoptr(TesseraToken) parsed = tessera_token_parse (token, NULL);

      g_free (account);
      account = parsed != NULL ? g_strdup (tessera_token_get_account_id (parsed)) : NULL;
    }

  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "HARNESS_PLATFORM_API_KEY", token, TRUE);
  envp = g_environ_setenv (envp, "HARNESS_API_KEY", token, TRUE);
  envp = g_environ_setenv (envp, "HARNESS_ENDPOINT", endpoint, TRUE);
  envp = g_environ_setenv (envp, "HARNESS_API_URL", api_url, TRUE);
  if (account != NULL && account[0] != '\0')
    {
      envp = g_environ_setenv (envp, "HARNESS_ACCOUNT_ID", account, TRUE);
      envp = g_environ_setenv (envp, "HARNESS_ACCOUNT", account, TRUE);
    }
  tessera_secure_clear (&token);

  fflush (stdout);
  spawned = g_spawn_async (NULL, argv + rest, envp,
                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                           NULL, NULL, &child.pid, &error);
  wipe_environment (envp);

  if (!spawned)
    {
      if (g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
        return fail (TESSERA_CLI_EXIT_NO_COMMAND, _("Could not find the command “%s”."), argv[rest]);
      return fail (TESSERA_CLI_EXIT_CANNOT_RUN, "%s", error->message);
    }

  sources[0] = g_unix_signal_add (SIGINT, on_parent_signal_ignore, &child);
  sources[1] = g_unix_signal_add (SIGTERM, on_parent_signal_forward_term, &child);
  sources[2] = g_unix_signal_add (SIGHUP, on_parent_signal_forward_hup, &child);
  g_child_watch_add (child.pid, on_child_exited, &child);

  while (!child.exited)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    g_source_remove (sources[i]);

  if (WIFEXITED (child.wait_status))
    return WEXITSTATUS (child.wait_status);
  if (WIFSIGNALED (child.wait_status))
    return 128 + WTERMSIG (child.wait_status);
  return TESSERA_CLI_EXIT_CANNOT_RUN;
}

/* Help */

static const TesseraCliCommand *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];

  return NULL;
}

static void
print_exit_codes (GString *out)
{
  static const struct { const char *code; const char *meaning; } codes[] = {
    { "0", N_("Success.") },
    { "1", N_("Harness turned the key down: invalid, expired, forbidden or for another account.") },
    { "2", N_("The key could not be checked: offline, timeout, TLS or server error.") },
    { "3", N_("Usage error: unknown command or option, missing or extra argument.") },
    { "4", N_("Invalid input: no credential by that name, none selected, name taken, malformed key, account or URL.") },
    { "5", N_("Keyring or settings problem: keyring unavailable or locked, key missing from the keyring.") },
    { "126", N_("exec: the command could not be started.") },
    { "127", N_("exec: the command was not found.") },
    { "130", N_("Interrupted by Ctrl+C or SIGTERM.") },
  };

  g_string_append_printf (out, "%s\n", _("Exit status:"));
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    g_string_append_printf (out, "  %-5s%s\n", codes[i].code, _(codes[i].meaning));
  g_string_append_printf (out, "  %s\n", _("Once its command has started, exec exits with that command’s status (128 + N when signal N ended it)."));
}

static void
print_help (void)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_append_printf (out, "%s\n", _("Usage:"));
  append_padded (out, "  tessera", 31);
  g_string_append_printf (out, "%s\n", _("Open the Tessera window"));
  g_string_append (out, "  tessera ");
  append_padded (out, _("COMMAND [OPTION…]"), 21);
  g_string_append_printf (out, "%s\n", _("Use the saved Harness API keys without a window"));
  g_string_append_c (out, '\n');

  g_string_append_printf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (out, "  tessera %s\n      %s\n", _(commands[i].synopsis), _(commands[i].summary));
  g_string_append_printf (out, "  tessera help [COMMAND]\n      %s\n", _("Show this help, or the help of one command."));
  g_string_append_printf (out, "  tessera --version\n      %s\n", _("Show the version."));
  g_string_append_c (out, '\n');

  g_string_append_printf (out, "%s\n\n", _("Names are matched ignoring case. Keys are kept in the desktop keyring and are never written anywhere else."));

  print_exit_codes (out);
  g_string_append_c (out, '\n');

  g_string_append_printf (out, "%s\n", _("Examples:"));
  g_string_append (out, "  tessera add Production < key.txt\n");
  g_string_append (out, "  tessera select production\n");
  g_string_append (out, "  curl -H \"x-api-key: $(tessera token)\" https://app.harness.io/ng/api/user/currentUser\n");
  g_string_append (out, "  tessera exec --credential Staging -- terraform plan\n");

  print_out (out->str);
}

static void
print_command_help (const TesseraCliCommand *command)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_append_printf (out, "%s\n  tessera %s\n\n%s\n", _("Usage:"), _(command->synopsis), _(command->summary));
  if (command->details != NULL)
    g_string_append_printf (out, "%s\n", _(command->details));

  print_out (out->str);
}

static gboolean
have_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);

  return schema != NULL;
}

/* Public API */

/**
 * tessera_cli_is_command:
 * @arg: (nullable): the first argument
 *
 * Returns: %TRUE when @arg asks for the command line rather than the window
 */
gboolean
tessera_cli_is_command (const char *arg)
{
  if (arg == NULL)
    return FALSE;

  return find_command (arg) != NULL ||
         g_str_equal (arg, "help") ||
         g_str_equal (arg, "--help") ||
         g_str_equal (arg, "-h") ||
         g_str_equal (arg, "--version");
}

/**
 * tessera_cli_run:
 * @argc: the number of arguments
 * @argv: (array length=argc): the program's arguments; @argv[1] is the
 *   sub-command
 *
 * Returns: the exit code, one of #TesseraCliExit or the status of the
 *   command that `exec` ran
 */
int
tessera_cli_run (int    argc,
                 char **argv)
{
  const TesseraCliCommand *command;
  TesseraCli cli = { 0 };
  int code;

  /* stdout carries data (`tessera token`, --json): debug and info
   * messages, which GLib prints on stdout by default, go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc < 2)
    {
      print_help ();
      return TESSERA_CLI_EXIT_USAGE;
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") || g_str_equal (argv[1], "help"))
    {
      if (argc > 2 && g_str_equal (argv[1], "help"))
        {
          command = find_command (argv[2]);
          if (command == NULL)
            return usage_error ("help", _("There is no such command"));
          print_command_help (command);
        }
      else
        {
          print_help ();
        }
      return TESSERA_CLI_EXIT_OK;
    }

  if (g_str_equal (argv[1], "--version"))
    {
      print_out (PACKAGE_NAME " " PACKAGE_VERSION "\n");
      return TESSERA_CLI_EXIT_OK;
    }

  command = find_command (argv[1]);
  if (command == NULL)
    {
      if (safe_to_quote (argv[1]))
        return fail (TESSERA_CLI_EXIT_USAGE, _("“%s” is not a tessera command (see “tessera --help”)."), argv[1]);
      return fail (TESSERA_CLI_EXIT_USAGE, _("That is not a tessera command (see “tessera --help”)."));
    }

  if (wants_help (argc - 1, argv + 1))
    {
      print_command_help (command);
      return TESSERA_CLI_EXIT_OK;
    }

  /* The store would abort without its schema: say so in a sentence. */
  if (!have_schema ())
    return fail (TESSERA_CLI_EXIT_KEYRING,
                 _("The settings schema “%s” is not installed: reinstall Tessera."), APP_ID);

  /* Listing and selecting only read and write settings. The rest needs
   * the network and keyring module, which would abort the program if it
   * could not be opened: say so in a sentence instead. */
  if (command->func != cmd_list && command->func != cmd_select)
    {
      g_autoptr(GError) error = NULL;

      if (tessera_net_load (&error) == NULL)
        return fail (TESSERA_CLI_EXIT_KEYRING, "%s", error->message);
    }

  cli.cancellable = g_cancellable_new ();
  code = command->func (&cli, argc - 1, argv + 1);
  release_interrupts (&cli);

  /* Settings writes may still be queued (dconf): flush them before the
   * process goes away, so the window sees every change. */
  if (cli.store != NULL)
    g_settings_sync ();

  g_clear_object (&cli.store);
  g_clear_object (&cli.cancellable);
  fflush (stdout);

  return code;
}
