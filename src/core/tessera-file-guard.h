/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-file-guard.h: writing files that other processes write too
 *
 * GSettings' keyfile backend and libsecret's file backend both rewrite a
 * whole file from a copy in memory. Two Tessera processes writing at once
 * would undo each other, so writers take a lock shared by all Tessera
 * processes, and a stamp of the file tells whether someone else changed it
 * since it was last read.
 */
#pragma once

#include <sys/types.h>
#include <glib.h>

G_BEGIN_DECLS

/* Enough of a file's identity to tell that it was replaced or rewritten. */
typedef struct
{
  gboolean exists;
  dev_t    device;
  ino_t    inode;
  off_t    size;
  gint64   mtime_ns;
} TesseraFileStamp;

void      tessera_file_stamp_read    (const char             *path,
                                      TesseraFileStamp       *stamp);
gboolean  tessera_file_stamp_equal   (const TesseraFileStamp *a,
                                      const TesseraFileStamp *b);

int       tessera_file_lock_open     (const char             *name);
gboolean  tessera_file_lock_acquire  (int                     fd,
                                      guint                   wait_ms);
void      tessera_file_lock_release  (int                     fd);

G_END_DECLS
