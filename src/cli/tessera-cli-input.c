/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-cli-input.c: reading the API key from standard input
 *
 * One line: from a terminal with echo off, from a pipe or a file up to the
 * first line that is not blank. A pipe must give it within
 * TESSERA_CLI_INPUT_TIMEOUT_S seconds (a writer that keeps the pipe open
 * without ever ending the line would hold the command forever); a person
 * at the terminal has no deadline. Ctrl+C, SIGTERM, SIGHUP and SIGQUIT
 * while reading restore the terminal and end the command as interrupted.
 * The key only ever sits in one buffer that the caller wipes.
 */
#define G_LOG_DOMAIN "tessera-cli"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "tessera-cli-private.h"

#define TESSERA_CLI_INPUT_TIMEOUT_S 10

static const int interrupt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* Not restarted (no SA_RESTART): poll() returns EINTR and the loop sees
 * the flag. */
static void
on_interrupt_signal (int signum)
{
  tessera_cli_signalled = signum;
}

typedef enum
{
  READ_DONE,
  READ_INTERRUPTED,
  READ_TIMED_OUT,
} ReadOutcome;

/* One line into @buffer (without its newline); blank lines before it are
 * skipped when @skip_blank. @deadline is a monotonic time, or 0 for none. */
static ReadOutcome
read_line (char     *buffer,
           gsize     size,
           gsize    *len_out,
           gboolean  skip_blank,
           gint64    deadline)
{
  gsize len = 0;

  while (len < size)
    {
      struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
      int timeout_ms = -1;
      ssize_t n;
      char c;
      int ready;

      if (tessera_cli_signalled != 0)
        return READ_INTERRUPTED;

      if (deadline > 0)
        {
          gint64 left = deadline - g_get_monotonic_time ();

          if (left <= 0)
            return READ_TIMED_OUT;
          timeout_ms = (int) MIN (left / 1000 + 1, G_MAXINT);
        }

      ready = poll (&pfd, 1, timeout_ms);
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready == 0)
        continue;   /* the deadline check above ends it */
      if (ready < 0)
        break;

      n = read (STDIN_FILENO, &c, 1);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        break;
      if (c == '\n' || c == '\r')
        {
          gboolean blank = TRUE;

          for (gsize i = 0; i < len && blank; i++)
            blank = g_ascii_isspace (buffer[i]);
          if (skip_blank && blank)
            {
              len = 0;
              continue;
            }
          break;
        }
      buffer[len++] = c;
    }

  *len_out = len;
  return tessera_cli_signalled != 0 ? READ_INTERRUPTED : READ_DONE;
}

/**
 * tessera_cli_read_key_input:
 * @error: a G_IO_ERROR: CANCELLED when interrupted, TIMED_OUT when a
 *   pipe gave no line in time
 *
 * The buffer is allocated once at its final size so that no reallocation
 * leaves a copy behind.
 *
 * Returns: (transfer full) (nullable): the key as typed; free it with
 *   tessera_secure_free()
 */
char *
tessera_cli_read_key_input (GError **error)
{
  /* One byte more than tessera_token_parse() scans, so that an oversized
   * input is reported as too long instead of being cut. */
  const gsize size = TESSERA_TOKEN_MAX_LENGTH * 4 + 1;
  char *buffer = g_malloc0 (size + 1);
  struct sigaction action = { 0 };
  struct sigaction old_actions[G_N_ELEMENTS (interrupt_signals)];
  struct termios saved_termios, hidden;
  gboolean terminal = isatty (STDIN_FILENO);
  gboolean echo_off = FALSE;
  ReadOutcome outcome;
  gsize len = 0;

  action.sa_handler = on_interrupt_signal;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (interrupt_signals); i++)
    sigaction (interrupt_signals[i], &action, &old_actions[i]);

  if (terminal && tcgetattr (STDIN_FILENO, &saved_termios) == 0)
    {
      hidden = saved_termios;
      hidden.c_lflag &= ~(ECHO | ECHONL);
      echo_off = tcsetattr (STDIN_FILENO, TCSAFLUSH, &hidden) == 0;
    }

  if (terminal)
    {
      /* Only now that echo is off: whatever is typed after the prompt
       * stays hidden. */
      g_printerr (_("API key (the input is hidden): "));
      outcome = read_line (buffer, size, &len, FALSE, 0);
      g_printerr ("\n");
    }
  else
    {
      outcome = read_line (buffer, size, &len, TRUE,
                           g_get_monotonic_time () + TESSERA_CLI_INPUT_TIMEOUT_S * G_USEC_PER_SEC);
    }

  /* Whatever ended the read, the terminal is as it was. */
  if (echo_off)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved_termios);
  for (guint i = 0; i < G_N_ELEMENTS (interrupt_signals); i++)
    sigaction (interrupt_signals[i], &old_actions[i], NULL);

  if (outcome != READ_DONE)
    {
      tessera_secure_free (buffer);
      if (outcome == READ_INTERRUPTED)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Interrupted."));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     _("No line came on standard input within %d seconds: give the key followed by a newline."),
                     TESSERA_CLI_INPUT_TIMEOUT_S);
      return NULL;
    }

  /* A NUL would end the string early and hide what follows it: make it a
   * control character, which the parser explains. */
  for (gsize i = 0; i < len; i++)
    if (buffer[i] == '\0')
      buffer[i] = '\001';

  return buffer;
}
