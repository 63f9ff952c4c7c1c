/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-text.h: what a name or a description may hold
 *
 * Names are shown in a terminal and in the window, and told apart by eye:
 * nothing in them may change how the rest is shown (a C1 CSI, a bidi
 * override) or show nothing at all (a zero-width space), and a name and a
 * description must not be a place where a key ends up in plain text.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  tessera_text_is_hidden_char  (gunichar    c);
gboolean  tessera_text_has_hidden_char (const char *text);
gboolean  tessera_text_holds_key       (const char *text);
char     *tessera_text_fold            (const char *text);

G_END_DECLS
