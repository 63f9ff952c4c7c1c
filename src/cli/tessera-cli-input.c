/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-input.c: reading the API key from standard input
 *
 * From a pipe, the whole input; from a terminal, one line with echo off.
 * The key only ever sits in one buffer that the caller wipes.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "tessera-cli-private.h"

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
char *
tessera_cli_read_key_input (void)
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
