/* tessera-sanitizer.h: working around a LeakSanitizer crash
 *
 * The LeakSanitizer of GCC 12 and clang 14 crashes at exit ("Tracer caught
 * signal 11") in a process that made a TLS connection: it trips over the
 * dynamic thread-local storage of GnuTLS, which GIO loads through
 * glib-networking, on glibc 2.36. Its crash replaces the exit status the
 * process chose. In a sanitizer build, a process that made a TLS
 * connection therefore skips the leak check at exit (through LeakSanitizer's
 * own __lsan_is_turned_off hook); AddressSanitizer and UBSan stay on, and
 * the leaks of the same code are checked by processes that made none.
 * Outside sanitizer builds this does nothing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void tessera_sanitizer_note_tls_connection (void);

G_END_DECLS
