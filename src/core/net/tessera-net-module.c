/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-net-module.c: the entry point of libtessera-net.so
 *
 * Built into the module only. Everything else in it is hidden (the module
 * is compiled with -fvisibility=hidden), so its calls stay inside it even
 * though the application defines functions of the same names
 * (tessera-net-loader.c) that call into it.
 */
#include "config.h"

#include <gmodule.h>

#include "tessera-net-module.h"

G_MODULE_EXPORT const TesseraNetModule *
tessera_net_module_get (void)
{
  static const TesseraNetModule module = {
    .version = PACKAGE_VERSION,
    .harness_client_get_type = tessera_harness_client_get_type,
    .harness_client_new = tessera_harness_client_new,
    .harness_client_verify_async = tessera_harness_client_verify_async,
    .harness_client_verify_finish = tessera_harness_client_verify_finish,
    .harness_client_rotate_async = tessera_harness_client_rotate_async,
    .harness_client_rotate_finish = tessera_harness_client_rotate_finish,
    .harness_client_create_async = tessera_harness_client_create_async,
    .harness_client_create_finish = tessera_harness_client_create_finish,
    .harness_client_delete_async = tessera_harness_client_delete_async,
    .harness_client_delete_finish = tessera_harness_client_delete_finish,
  };

  return &module;
}
