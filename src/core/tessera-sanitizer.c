/* tessera-sanitizer.c: see tessera-sanitizer.h */
#include "config.h"

#include "tessera-sanitizer.h"

#if defined(__has_feature)
# if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#  define TESSERA_HAVE_LSAN 1
# endif
#endif
#if defined(__SANITIZE_ADDRESS__)
# define TESSERA_HAVE_LSAN 1
#endif

static gboolean made_tls_connection;

void
tessera_sanitizer_note_tls_connection (void)
{
  made_tls_connection = TRUE;
}

#ifdef TESSERA_HAVE_LSAN
/* Called by LeakSanitizer before its check at exit. */
int __lsan_is_turned_off (void);

int
__lsan_is_turned_off (void)
{
  return made_tls_connection;
}
#endif
