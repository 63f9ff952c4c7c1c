/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replay.c: runs a fuzz target over its seed corpus, without libFuzzer, so
 * the normal test suite checks every seed (tests/meson.build)
 *
 * Usage: PROGRAM CORPUS_DIR. Output is TAP, one test per seed. */
#include "config.h"

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
main (int    argc,
      char **argv)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *name;

  if (argc != 2)
    {
      g_printerr ("Usage: %s CORPUS_DIR\n", argv[0]);
      return 2;
    }

  dir = g_dir_open (argv[1], 0, &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort_values (names, (GCompareFunc) g_strcmp0);

  g_print ("1..%u\n", names->len);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (argv[1], g_ptr_array_index (names, i), NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          g_print ("not ok %u %s # %s\n", i + 1, (char *) g_ptr_array_index (names, i), error->message);
          return 1;
        }
      /* An assertion in the target aborts: the test fails on that seed. */
      LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
      g_print ("ok %u %s\n", i + 1, (char *) g_ptr_array_index (names, i));
    }

  return 0;
}
