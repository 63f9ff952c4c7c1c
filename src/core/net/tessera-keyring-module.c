/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-keyring-module.c: the entry point of libtessera-keyring.so
 *
 * Built into the module only; as in libtessera-net.so everything else in
 * it is hidden, so that its calls stay inside it although the application
 * defines tessera_libsecret_backend_new() too (tessera-net-loader.c).
 */
#include "config.h"

#include <gmodule.h>

#include "tessera-net-module.h"

G_MODULE_EXPORT const TesseraKeyringModule *
tessera_keyring_module_get (void)
{
  static const TesseraKeyringModule module = {
    .version = PACKAGE_VERSION,
    .libsecret_backend_new = tessera_libsecret_backend_new,
  };

  return &module;
}
