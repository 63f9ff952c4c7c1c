/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-args.c: the options and positional arguments of a sub-command
 *
 * A small table per command rather than GOptionContext: the accepted
 * syntax ("--opt VALUE", "--opt=VALUE", "--" and, for exec, options only
 * before the command) and every message are the command line's own, and a
 * key passed by mistake as an argument is never repeated.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tessera-cli-private.h"

/* Reads the options of one sub-command; everything else is positional.
 * "--" ends the options. With @stop_at_positional (exec), the first
 * positional argument ends them too and *@rest points at it. */
gboolean
tessera_cli_parse_arguments (const char              *command,
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
          if (tessera_cli_safe_to_quote (option_name))
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
int
tessera_cli_parse_command_line (const char              *command,
                                int                      argc,
                                char                   **argv,
                                const TesseraCliOption  *options,
                                guint                    n_options,
                                GPtrArray               *positional,
                                guint                    min_positional,
                                guint                    max_positional)
{
  g_autoptr(GError) error = NULL;

  if (!tessera_cli_parse_arguments (command, argc, argv, options, n_options, FALSE, positional, NULL, &error))
    return tessera_cli_usage_error (command, error->message);

  if (positional->len < min_positional)
    return tessera_cli_usage_error (command, _("A credential NAME is missing"));

  if (positional->len > max_positional)
    {
      /* Never quote the extra argument: it may be a key passed by mistake. */
      if (g_str_equal (command, "add"))
        return tessera_cli_usage_error (command, _("“tessera add” takes a single NAME and reads the API key from standard input, never from the command line"));
      return tessera_cli_usage_error (command, _("Too many arguments"));
    }

  return TESSERA_CLI_EXIT_OK;
}

gboolean
tessera_cli_wants_help (int    argc,
                        char **argv)
{
  for (int i = 1; i < argc && !g_str_equal (argv[i], "--"); i++)
    if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
      return TRUE;

  return FALSE;
}
