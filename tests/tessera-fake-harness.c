/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-fake-harness.c: runs the fake Harness on its own, for demos and
 * end-to-end tests
 *
 *   tessera-fake-harness [--port N] [--demo] [--token-limit N] [--tls CERT.pem KEY.pem]
 *                        [--fail PATH]…
 *
 * Prints shell-style lines (TESSERA_FAKE_HARNESS_URL=…, and with --demo the
 * demo account and keys) on stdout, then serves until SIGINT or SIGTERM.
 * One line per request goes to stderr.
 */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "fake-harness.h"

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);

  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(FakeHarness) harness = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_auto(GStrv) tls = NULL;
  g_auto(GStrv) fail = NULL;
  gboolean demo = FALSE;
  int port = 0;
  int token_limit = 0;
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Listen on this port of 127.0.0.1 (default: any free port)", "N" },
    { "demo", 'd', 0, G_OPTION_ARG_NONE, &demo, "Serve the demo account and keys, and print them", NULL },
    { "token-limit", 0, 0, G_OPTION_ARG_INT, &token_limit, "At most N tokens per API key (default: no limit)", "N" },
    { "tls", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &tls, "Serve https with this certificate, then key (give --tls twice)", "FILE" },
    { "fail", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fail, "Answer 500 to every request whose path ends with PATH (repeatable)", "PATH" },
    { NULL }
  };

  setlocale (LC_ALL, "");

  context = g_option_context_new ("— a fake Harness API on 127.0.0.1");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  if (port < 0 || port > 65535)
    {
      g_printerr ("--port must be between 0 and 65535\n");
      return 2;
    }

  if (tls != NULL)
    {
      if (g_strv_length (tls) != 2)
        {
          g_printerr ("--tls takes a certificate and a key: --tls cert.pem --tls key.pem\n");
          return 2;
        }
      certificate = g_tls_certificate_new_from_files (tls[0], tls[1], &error);
      if (certificate == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }

  harness = fake_harness_new_full ((guint) port, certificate, &error);
  if (harness == NULL)
    {
      g_printerr ("Cannot listen: %s\n", error->message);
      return 1;
    }

  fake_harness_set_log_requests (harness, TRUE);
  fake_harness_set_token_limit (harness, (guint) MAX (token_limit, 0));
  for (guint i = 0; fail != NULL && fail[i] != NULL; i++)
    fake_harness_queue_reply_full (harness, &(FakeHarnessReply) {
        .path = fail[i], .times = G_MAXUINT, .status = 500,
        .body = "{\"status\":\"ERROR\",\"code\":\"UNKNOWN_ERROR\",\"message\":\"Oops, something went wrong on our end.\"}" });

  g_print ("TESSERA_FAKE_HARNESS_URL=%s\n", fake_harness_get_base_url (harness));

  if (demo)
    {
      fake_harness_add_demo_tokens (harness);
      g_print ("TESSERA_DEMO_ACCOUNT=%s\n", FAKE_HARNESS_DEMO_ACCOUNT);
      g_print ("TESSERA_DEMO_PAT=%s\n", FAKE_HARNESS_DEMO_PAT);
      g_print ("TESSERA_DEMO_SAT=%s\n", FAKE_HARNESS_DEMO_SAT);
      g_print ("TESSERA_DEMO_PAT_EXPIRING=%s\n", FAKE_HARNESS_DEMO_PAT_EXPIRING);
      g_print ("TESSERA_DEMO_PAT_EXPIRED=%s\n", FAKE_HARNESS_DEMO_PAT_EXPIRED);
    }

  /* Whoever reads our output through a pipe sees it now, not at exit. */
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);

  return 0;
}
