/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-file-guard.c: writing files that other processes write too */
#define G_LOG_DOMAIN "tessera-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "tessera-file-guard.h"

/**
 * tessera_file_stamp_read:
 * @path: a file
 * @stamp: (out caller-allocates): its identity now; "exists" is %FALSE
 *   when there is no such file
 */
void
tessera_file_stamp_read (const char       *path,
                         TesseraFileStamp *stamp)
{
  struct stat info;

  memset (stamp, 0, sizeof *stamp);
  if (stat (path, &info) != 0)
    return;

  stamp->exists = TRUE;
  stamp->device = info.st_dev;
  stamp->inode = info.st_ino;
  stamp->size = info.st_size;
  stamp->mtime_ns = (gint64) info.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + info.st_mtim.tv_nsec;
}

gboolean
tessera_file_stamp_equal (const TesseraFileStamp *a,
                          const TesseraFileStamp *b)
{
  if (!a->exists || !b->exists)
    return a->exists == b->exists;

  return a->device == b->device && a->inode == b->inode &&
         a->size == b->size && a->mtime_ns == b->mtime_ns;
}

/**
 * tessera_file_lock_open:
 * @name: the lock's file name in the user's runtime directory
 *
 * Returns: a descriptor for tessera_file_lock_acquire(), or -1 when the
 *   file cannot be opened (writes then go ahead without the guard)
 */
int
tessera_file_lock_open (const char *name)
{
  g_autofree char *path = g_build_filename (g_get_user_runtime_dir (), name, NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    g_debug ("Could not open %s: %s", path, g_strerror (errno));

  return fd;
}

/**
 * tessera_file_lock_acquire:
 * @fd: from tessera_file_lock_open(), or -1
 * @wait_ms: how long another process may hold it
 *
 * Waits a moment at most: holders keep the lock only while they write,
 * never across a main loop iteration.
 *
 * Returns: %FALSE only when another process held the lock for longer than
 *   @wait_ms; %TRUE when it is ours, or when locking is not possible at all
 */
gboolean
tessera_file_lock_acquire (int   fd,
                           guint wait_ms)
{
  gint64 give_up = g_get_monotonic_time () + (gint64) wait_ms * 1000;

  if (fd < 0)
    return TRUE;

  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          g_debug ("Could not take a file lock: %s", g_strerror (errno));
          return TRUE;
        }

      if (g_get_monotonic_time () > give_up)
        return FALSE;

      g_usleep (5 * 1000);
    }

  return TRUE;
}

void
tessera_file_lock_release (int fd)
{
  if (fd >= 0)
    flock (fd, LOCK_UN);
}
