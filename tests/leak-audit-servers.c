/* SPDX-License-Identifier: GPL-3.0-or-later */
/* leak-audit-servers.c: the Harness servers of the token-leak audit
 *
 *   leak-audit-servers CERT.pem KEY.pem
 *
 * Runs, in one process, fake Harness servers (tests/fake-harness.c) on
 * 127.0.0.1 that each answer one way:
 *
 *   main      as Harness does, for the keys it was told about
 *   slow      the same, 400 ms late, so that a client can be watched
 *             while it holds a key
 *   error     500 for everything
 *   redirect  302 to the URL given by "redirect-to"
 *   tls       https with a self-signed certificate nobody trusts
 *
 * Standard input configures it, one line each, then "start":
 *
 *   token valid|expiring|expired KEY [ACCOUNT]
 *   account ACCOUNT        (its name is "Leak Audit Company")
 *   redirect-to URL
 *
 * The keys come through standard input, not arguments, so that they never
 * sit in this process's argv. Standard output then gives "url NAME URL"
 * lines and "ready". When standard input ends, every request each server
 * received (method, path, query, headers, body) is printed as one JSON
 * object, with the keys rotate and create made (member "minted": the audit
 * looks for them too), and the program exits.
 */
#define G_LOG_DOMAIN "leak-audit-servers"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>

#include "fake-harness.h"

#define DAY_MS (24 * 60 * 60 * (gint64) 1000)
#define SLOW_MS 400

typedef struct
{
  const char  *name;
  FakeHarness *harness;
} Server;

static void
add_request (JsonBuilder              *builder,
             const FakeHarnessRequest *request)
{
  g_autofree char *body = fake_harness_request_dup_body (request);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, request->method);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, request->path);
  json_builder_set_member_name (builder, "query");
  json_builder_add_string_value (builder, request->query != NULL ? request->query : "");
  json_builder_set_member_name (builder, "headers");
  json_builder_begin_array (builder);
  soup_message_headers_iter_init (&iter, request->headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, name);
      json_builder_add_string_value (builder, value);
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "body");
  json_builder_add_string_value (builder, body);
  json_builder_end_object (builder);
}

static void
print_requests (const Server *servers,
                guint         n_servers)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  for (guint i = 0; i < n_servers; i++)
    {
      json_builder_set_member_name (builder, servers[i].name);
      json_builder_begin_array (builder);
      for (guint j = 0; j < fake_harness_get_n_requests (servers[i].harness); j++)
        add_request (builder, fake_harness_get_request (servers[i].harness, j));
      json_builder_end_array (builder);
    }
  json_builder_set_member_name (builder, "minted");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_servers; i++)
    for (guint j = 0; fake_harness_get_minted (servers[i].harness, j) != NULL; j++)
      json_builder_add_string_value (builder, fake_harness_get_minted (servers[i].harness, j));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  g_print ("%s\n", text);
}

static void
add_token (FakeHarness *harness,
           const char  *verdict,
           const char  *key,
           const char  *account)
{
  gint64 now = g_get_real_time () / 1000;
  FakeHarnessToken token = {
    .token = key,
    .account_id = account,
    .owner_name = "Audit Owner",
    .owner_email = "audit@example.com",
    .valid_from = now - 10 * DAY_MS,
    .valid_to = now + 90 * DAY_MS,
  };

  if (g_str_equal (verdict, "expiring"))
    token.valid_to = now + 3 * DAY_MS;
  else if (g_str_equal (verdict, "expired"))
    token.valid_to = now - DAY_MS;
  else if (!g_str_equal (verdict, "valid"))
    g_error ("unknown verdict “%s”", verdict);

  fake_harness_add_token_full (harness, &token);
}

typedef struct
{
  GDataInputStream *input;
  GMainLoop        *loop;
} Reader;

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reader *reader = user_data;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (reader->input, result, NULL, NULL);
  if (line == NULL)
    {
      g_main_loop_quit (reader->loop);
      return;
    }

  g_data_input_stream_read_line_async (reader->input, G_PRIORITY_DEFAULT, NULL, on_line, reader);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GInputStream) stdin_stream = g_unix_input_stream_new (0, FALSE);
  g_autoptr(GDataInputStream) input = g_data_input_stream_new (stdin_stream);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *redirect_to = NULL;
  g_autofree char *account = NULL;
  g_autoptr(FakeHarness) tls = NULL;
  Server servers[5];
  Reader reader = { input, loop };

  if (argc != 3)
    {
      g_printerr ("Usage: %s CERT.pem KEY.pem\n", argv[0]);
      return 2;
    }

  certificate = g_tls_certificate_new_from_files (argv[1], argv[2], &error);
  if (certificate == NULL)
    g_error ("%s", error->message);
  tls = fake_harness_new_full (0, certificate, &error);
  if (tls == NULL)
    g_error ("%s", error->message);

  servers[0] = (Server) { "main", fake_harness_new () };
  servers[1] = (Server) { "slow", fake_harness_new () };
  servers[2] = (Server) { "error", fake_harness_new () };
  servers[3] = (Server) { "redirect", fake_harness_new () };
  servers[4] = (Server) { "tls", g_object_ref (tls) };

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (input, NULL, NULL, &error);
      g_auto(GStrv) words = NULL;

      if (line == NULL)
        g_error ("standard input ended before “start”");
      if (g_str_equal (line, "start"))
        break;

      words = g_strsplit (line, " ", -1);
      if (g_str_equal (words[0], "token") && g_strv_length (words) >= 3)
        {
          for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
            add_token (servers[i].harness, words[1], words[2], words[3]);
        }
      else if (g_str_equal (words[0], "account") && g_strv_length (words) == 2)
        {
          g_free (account);
          account = g_strdup (words[1]);
        }
      else if (g_str_equal (words[0], "redirect-to") && g_strv_length (words) == 2)
        {
          g_free (redirect_to);
          redirect_to = g_strdup (words[1]);
        }
      else
        {
          g_error ("cannot read the line “%s”", words[0]);
        }
    }

  for (guint i = 0; account != NULL && i < G_N_ELEMENTS (servers); i++)
    fake_harness_set_account_name (servers[i].harness, account, "Leak Audit Company");

  fake_harness_queue_reply_full (servers[1].harness,
                                 &(FakeHarnessReply) { .times = G_MAXUINT, .delay_ms = SLOW_MS });
  fake_harness_queue_reply_full (servers[2].harness,
                                 &(FakeHarnessReply) {
                                   .times = G_MAXUINT, .status = 500,
                                   .body = "{\"status\":\"ERROR\",\"code\":\"UNEXPECTED\",\"message\":\"Oops\",\"correlationId\":\"audit-500\"}",
                                 });
  if (redirect_to != NULL)
    fake_harness_queue_reply_full (servers[3].harness,
                                   &(FakeHarnessReply) { .times = G_MAXUINT, .status = 302, .location = redirect_to });

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    g_print ("url %s %s\n", servers[i].name, fake_harness_get_base_url (servers[i].harness));
  g_print ("ready\n");
  fflush (stdout);

  g_data_input_stream_read_line_async (input, G_PRIORITY_DEFAULT, NULL, on_line, &reader);
  g_main_loop_run (loop);

  print_requests (servers, G_N_ELEMENTS (servers));

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    g_object_unref (servers[i].harness);

  return 0;
}
