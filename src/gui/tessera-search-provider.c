/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-search-provider.c: GNOME Shell's search, answered from the store
 * (see tessera-search-provider.h)
 *
 * The Shell asks while the person types: which credentials match the
 * words (tessera_store_search() in the core), then what to show for each
 * (name, kind and status in words, the app's icon). It never gets a key,
 * nor a part of one: the store's credentials hold none.
 *
 * When the bus starts Tessera for the Shell (--gapplication-service),
 * nothing holds the application: GApplication would quit ten seconds after
 * start-up, or at once after a call. Each call holds it until
 * KEEP_ALIVE_SECONDS after the last one, as GNOME's apps do, so that the
 * next keystroke finds it running and its list read.
 */
#define G_LOG_DOMAIN "tessera-app"

#include "config.h"

#include "tessera-application.h"
#include "tessera-search-provider.h"
#include "tessera-store-search.h"

#define KEEP_ALIVE_SECONDS 20

struct _TesseraSearchProvider
{
  GObject          parent_instance;

  GApplication    *application;    /* not referenced: it owns us */
  GDBusConnection *connection;
  guint            registration_id;
  guint            release_id;     /* the hold of the last call, while it lasts */
};

G_DEFINE_FINAL_TYPE (TesseraSearchProvider, tessera_search_provider, G_TYPE_OBJECT)

static gboolean
release_cb (gpointer user_data)
{
  TesseraSearchProvider *self = user_data;

  self->release_id = 0;
  g_application_release (self->application);
  return G_SOURCE_REMOVE;
}

static void
keep_alive (TesseraSearchProvider *self)
{
  if (self->release_id != 0)
    g_source_remove (self->release_id);
  else
    g_application_hold (self->application);
  self->release_id = g_timeout_add_seconds (KEEP_ALIVE_SECONDS, release_cb, self);
}

void
tessera_search_provider_let_go (TesseraSearchProvider *self)
{
  g_return_if_fail (TESSERA_IS_SEARCH_PROVIDER (self));

  if (self->release_id != 0)
    {
      g_clear_handle_id (&self->release_id, g_source_remove);
      g_application_release (self->application);
    }
}

static GVariant *
result_set (TesseraStore       *store,
            const char * const *terms,
            const char * const *previous)
{
  g_auto(GStrv) ids = NULL;

  if (store == NULL)
    return g_variant_new ("(^as)", (const char *[]) { NULL });

  ids = tessera_store_search (store, terms, previous);
  return g_variant_new ("(^as)", ids);
}

static GVariant *
result_metas (TesseraStore       *store,
              const char * const *ids)
{
  g_autoptr(GIcon) icon = g_themed_icon_new (APP_ID);
  g_autoptr(GVariant) serialized_icon = g_icon_serialize (icon);
  GVariantBuilder metas;

  g_variant_builder_init (&metas, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; store != NULL && ids[i] != NULL; i++)
    {
      TesseraCredential *credential = tessera_store_lookup (store, ids[i]);
      g_autofree char *summary = NULL;
      GVariantBuilder meta;

      /* Removed since the Shell searched. */
      if (credential == NULL)
        continue;

      summary = tessera_credential_dup_summary (credential);
      g_variant_builder_init (&meta, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&meta, "{sv}", "id", g_variant_new_string (tessera_credential_get_id (credential)));
      g_variant_builder_add (&meta, "{sv}", "name", g_variant_new_string (tessera_credential_get_name (credential)));
      g_variant_builder_add (&meta, "{sv}", "description", g_variant_new_string (summary));
      g_variant_builder_add (&meta, "{sv}", "icon", serialized_icon);
      g_variant_builder_add_value (&metas, g_variant_builder_end (&meta));
    }

  return g_variant_new ("(aa{sv})", &metas);
}

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  TesseraSearchProvider *self = user_data;
  TesseraApplication *app = TESSERA_APPLICATION (self->application);
  TesseraStore *store = tessera_application_get_store (app);

  keep_alive (self);

  if (g_str_equal (method_name, "GetInitialResultSet"))
    {
      g_autofree const char **terms = NULL;

      g_variant_get (parameters, "(^a&s)", &terms);
      g_dbus_method_invocation_return_value (invocation, result_set (store, terms, NULL));
    }
  else if (g_str_equal (method_name, "GetSubsearchResultSet"))
    {
      g_autofree const char **previous = NULL;
      g_autofree const char **terms = NULL;

      g_variant_get (parameters, "(^a&s^a&s)", &previous, &terms);
      g_dbus_method_invocation_return_value (invocation, result_set (store, terms, previous));
    }
  else if (g_str_equal (method_name, "GetResultMetas"))
    {
      g_autofree const char **ids = NULL;

      g_variant_get (parameters, "(^a&s)", &ids);
      g_dbus_method_invocation_return_value (invocation, result_metas (store, ids));
    }
  else if (g_str_equal (method_name, "ActivateResult"))
    {
      const char *id = NULL;

      g_variant_get (parameters, "(&s@asu)", &id, NULL, NULL);
      tessera_application_show_credential (app, id);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "LaunchSearch"))
    {
      g_autofree const char **terms = NULL;
      g_autofree char *text = NULL;

      g_variant_get (parameters, "(^a&su)", &terms, NULL);
      text = g_strjoinv (" ", (char **) terms);
      tessera_application_show_search (app, text);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                             "No such method: %s", method_name);
    }
}

static const GDBusInterfaceVTable vtable = { method_call_cb, NULL, NULL, { NULL, } };

gboolean
tessera_search_provider_export (TesseraSearchProvider  *self,
                                GDBusConnection        *connection,
                                GError                **error)
{
  g_autoptr(GBytes) xml = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;

  g_return_val_if_fail (TESSERA_IS_SEARCH_PROVIDER (self), FALSE);
  g_return_val_if_fail (self->registration_id == 0, FALSE);

  xml = g_resources_lookup_data (APP_PATH "org.gnome.Shell.SearchProvider2.xml",
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (xml == NULL)
    return FALSE;
  node = g_dbus_node_info_new_for_xml (g_bytes_get_data (xml, NULL), error);
  if (node == NULL)
    return FALSE;

  self->registration_id = g_dbus_connection_register_object (connection, TESSERA_SEARCH_PROVIDER_PATH,
                                                             node->interfaces[0], &vtable,
                                                             self, NULL, error);
  if (self->registration_id == 0)
    return FALSE;

  self->connection = g_object_ref (connection);
  return TRUE;
}

void
tessera_search_provider_unexport (TesseraSearchProvider *self)
{
  g_return_if_fail (TESSERA_IS_SEARCH_PROVIDER (self));

  if (self->registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  self->registration_id = 0;
  g_clear_object (&self->connection);
  tessera_search_provider_let_go (self);
}

static void
tessera_search_provider_dispose (GObject *object)
{
  TesseraSearchProvider *self = TESSERA_SEARCH_PROVIDER (object);

  tessera_search_provider_unexport (self);

  G_OBJECT_CLASS (tessera_search_provider_parent_class)->dispose (object);
}

static void
tessera_search_provider_class_init (TesseraSearchProviderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tessera_search_provider_dispose;
}

static void
tessera_search_provider_init (TesseraSearchProvider *self)
{
}

TesseraSearchProvider *
tessera_search_provider_new (GApplication *application)
{
  TesseraSearchProvider *self;

  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);

  self = g_object_new (TESSERA_TYPE_SEARCH_PROVIDER, NULL);
  self->application = application;
  return self;
}
