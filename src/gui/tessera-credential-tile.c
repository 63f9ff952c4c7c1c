/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tessera-credential-tile.c: one credential in the window's grid */
#define G_LOG_DOMAIN "tessera-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tessera-credential-tile.h"
#include "tessera-token.h"

/* The relative time ("5 minutes ago") is refreshed this often, by one
 * timer for all bound tiles. */
#define STATE_REFRESH_SECONDS 60

struct _TesseraCredentialTile
{
  GtkWidget          parent_instance;

  TesseraCredential *credential;
  char              *state_text;
  GtkWidget         *context_menu;
  /* Made the first time the tile needs them: every tile that scrolls into
   * view is made anew (GTK 4.8 does not reuse them). */
  GtkWidget         *selected_emblem;
  GtkWidget         *selected_label;   /* "Used by scripts": not the colour alone */
  GtkWidget         *state_spinner;
  GtkWidget         *replace_button;   /* "Replace Key…" on a broken tile */

  /* template */
  GtkWidget         *header_box;
  GtkWidget         *name_label;
  GtkWidget         *kind_label;
  GtkWidget         *menu_button;
  GtkWidget         *description_label;
  GtkWidget         *account_label;
  GtkWidget         *account_id_title_label;
  GtkWidget         *account_id_label;
  GtkWidget         *owner_title_label;
  GtkWidget         *owner_label;
  GtkWidget         *state_box;
  GtkWidget         *state_icon;
  GtkWidget         *state_label;
};

G_DEFINE_FINAL_TYPE (TesseraCredentialTile, tessera_credential_tile, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CREDENTIAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Alive tiles, so tests can check that the grid recycles them. */
static guint instance_count;

/* Shared by all tiles: the menu (built once, not per tile) and the timer
 * that refreshes the state lines of the bound tiles. */
static GMenuModel *tile_menu;
static GHashTable *bound_tiles;
static guint refresh_id;

/* Each tile action and the window action it stands for. */
static const struct {
  const char *tile_action;
  const char *window_action;
} forwarded_actions[] = {
  { "credential.verify", "win.verify-credential" },
  { "credential.edit", "win.edit-credential" },
  { "credential.copy-token", "win.copy-token" },
  { "credential.copy-account-id", "win.copy-account-id" },
  { "credential.delete", "win.delete-credential" },
  { "credential.confirm-delete", "win.confirm-delete-credential" },
  { "credential.select", "win.select-credential" },
  { "credential.replace-key", "win.replace-key" },
  { "credential.rotate", "win.rotate-key" },
  { "credential.renew", "win.renew-credential" },
};

static const char *state_styles[] = { "success", "warning", "error", "dim-label" };

static gboolean
string_is_set (const char *value)
{
  return value != NULL && *value != '\0';
}

static const char *
account_text (const char *account_id,
              const char *account_name)
{
  if (!string_is_set (account_id))
    return _("Unknown");

  /* The id gets a row of its own when the account has a name. */
  if (string_is_set (account_name))
    return account_name;

  return account_id;
}

static const char *
owner_text (const char *owner_name,
            const char *owner_email)
{
  if (string_is_set (owner_name))
    return owner_name;

  return owner_email;
}

static char *
format_verified (gint64 last_verified,
                 gint64 now)
{
  gint64 ago = MAX (now - last_verified, 0);
  int n;

  if (last_verified <= 0)
    return g_strdup (_("Verified"));

  if (ago < 60)
    return g_strdup (_("Verified · just now"));

  if (ago < 60 * 60)
    {
      n = ago / 60;
      return g_strdup_printf (ngettext ("Verified · %d minute ago",
                                        "Verified · %d minutes ago", n), n);
    }

  if (ago < 24 * 60 * 60)
    {
      n = ago / (60 * 60);
      return g_strdup_printf (ngettext ("Verified · %d hour ago",
                                        "Verified · %d hours ago", n), n);
    }

  n = MIN (ago / (24 * 60 * 60), G_MAXINT);
  return g_strdup_printf (ngettext ("Verified · %d day ago",
                                    "Verified · %d days ago", n), n);
}

/* What the state line says, its icon and its colour; @needs_key is set
 * when a new key is the fix (expired, expiring, rejected, missing). */
static char *
describe_state (TesseraCredential  *credential,
                const char        **icon_name,
                const char        **style,
                gboolean           *needs_key)
{
  TesseraCredentialStatus status = tessera_credential_get_status (credential);
  int days;

  switch (status)
    {
    case TESSERA_CREDENTIAL_STATUS_VERIFIED:
      days = tessera_credential_get_days_to_expiry (credential);
      if (days < 0)
        {
          *icon_name = "dialog-error-symbolic";
          *style = "error";
          *needs_key = TRUE;
          return g_strdup (_("Expired"));
        }
      /* Days are rounded up: under a day left is "in 1 day". */
      if (days <= 7)
        {
          *icon_name = "dialog-warning-symbolic";
          *style = "warning";
          *needs_key = TRUE;
          return g_strdup_printf (ngettext ("Expires in %d day",
                                            "Expires in %d days", days), days);
        }
      *icon_name = "tessera-verified-symbolic";
      *style = "success";
      return format_verified (tessera_credential_get_last_verified (credential),
                              g_get_real_time () / G_USEC_PER_SEC);

    case TESSERA_CREDENTIAL_STATUS_REJECTED:
      *icon_name = "dialog-error-symbolic";
      *style = "error";
      *needs_key = TRUE;
      return g_strdup (_("Rejected"));

    case TESSERA_CREDENTIAL_STATUS_EXPIRED:
      *icon_name = "dialog-error-symbolic";
      *style = "error";
      *needs_key = TRUE;
      return g_strdup (_("Expired"));

    case TESSERA_CREDENTIAL_STATUS_FORBIDDEN:
      *icon_name = "dialog-error-symbolic";
      *style = "error";
      return g_strdup (tessera_credential_status_to_string (status));

    case TESSERA_CREDENTIAL_STATUS_UNREACHABLE:
      *icon_name = "network-offline-symbolic";
      *style = "dim-label";
      return g_strdup (_("Couldn’t check"));

    case TESSERA_CREDENTIAL_STATUS_TOKEN_MISSING:
      *icon_name = "dialog-warning-symbolic";
      *style = "warning";
      *needs_key = TRUE;
      return g_strdup (_("Token missing"));

    case TESSERA_CREDENTIAL_STATUS_UNVERIFIED:
    default:
      *icon_name = "dialog-question-symbolic";
      *style = "dim-label";
      return g_strdup (_("Not verified"));
    }
}

static void
update_actions (TesseraCredentialTile *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean bound = self->credential != NULL;
  gboolean checking = bound && tessera_credential_get_checking (self->credential);
  const char *account_id = bound ? tessera_credential_get_account_id (self->credential) : NULL;

  for (guint i = 0; i < G_N_ELEMENTS (forwarded_actions); i++)
    gtk_widget_action_set_enabled (widget, forwarded_actions[i].tile_action, bound);

  gtk_widget_action_set_enabled (widget, "credential.verify", bound && !checking);
  gtk_widget_action_set_enabled (widget, "credential.copy-account-id",
                                 string_is_set (account_id));
  gtk_widget_action_set_enabled (widget, "credential.activate", bound);
  gtk_widget_action_set_enabled (widget, "credential.menu", bound);
}

/* Setting a tooltip costs ~60 000 instructions even when it does not
 * change (property notifications, accessible description), and tiles are
 * rebound a hundred at a time while a search narrows. */
static void
set_tooltip (GtkWidget  *widget,
             const char *text)
{
  const char *current = gtk_widget_get_tooltip_text (widget);

  if (g_strcmp0 (current, text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

static void
update_state (TesseraCredentialTile *self)
{
  g_autofree char *label = NULL;
  const char *icon_name = NULL;
  const char *style = NULL;
  const char *detail = NULL;
  gboolean checking = FALSE;
  gboolean selected = FALSE;
  gboolean needs_key = FALSE;

  g_clear_pointer (&self->state_text, g_free);

  if (self->credential != NULL)
    {
      checking = tessera_credential_get_checking (self->credential);
      selected = tessera_credential_get_selected (self->credential);
      detail = tessera_credential_get_status_detail (self->credential);

      if (checking)
        self->state_text = g_strdup (_("Checking…"));
      else
        self->state_text = describe_state (self->credential, &icon_name, &style, &needs_key);
    }

  /* The fix on the tile itself, no menu needed. */
  if (needs_key && self->replace_button == NULL)
    {
      /* Under the state line, which keeps its width for the words. */
      self->replace_button = g_object_new (GTK_TYPE_BUTTON,
                                           "label", _("Replace Key…"),
                                           "action-name", "credential.replace-key",
                                           "halign", GTK_ALIGN_START,
                                           "margin-top", 8,
                                           "css-classes", (const char *[]) { "replace-key", NULL },
                                           NULL);
      gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (self->state_box)),
                                  self->replace_button, self->state_box);
    }
  if (self->replace_button != NULL)
    gtk_widget_set_visible (self->replace_button, needs_key);

  gtk_label_set_label (GTK_LABEL (self->state_label), self->state_text);
  set_tooltip (self->state_label, string_is_set (detail) ? detail : NULL);

  if (checking && self->state_spinner == NULL)
    {
      self->state_spinner = adw_spinner_new ();
      gtk_box_prepend (GTK_BOX (self->state_box), self->state_spinner);
    }
  /* An AdwSpinner turns while it is shown. */
  if (self->state_spinner != NULL)
    gtk_widget_set_visible (self->state_spinner, checking);
  gtk_widget_set_visible (self->state_icon, icon_name != NULL);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->state_icon), icon_name);

  for (guint i = 0; i < G_N_ELEMENTS (state_styles); i++)
    gtk_widget_remove_css_class (self->state_box, state_styles[i]);
  if (style != NULL)
    gtk_widget_add_css_class (self->state_box, style);

  if (selected && self->selected_emblem == NULL)
    {
      self->selected_emblem = g_object_new (GTK_TYPE_IMAGE,
                                            "icon-name", "object-select-symbolic",
                                            "valign", GTK_ALIGN_CENTER,
                                            "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                            "css-classes", (const char *[]) { "selected-emblem", NULL },
                                            NULL);
      gtk_box_prepend (GTK_BOX (self->header_box), self->selected_emblem);
      self->selected_label = g_object_new (GTK_TYPE_LABEL,
                                           "label", _("Used by scripts"),
                                           "xalign", 0.0f,
                                           "ellipsize", PANGO_ELLIPSIZE_END,
                                           "css-classes", (const char *[]) { "caption", "accent", NULL },
                                           NULL);
      gtk_box_append (GTK_BOX (gtk_widget_get_parent (self->kind_label)), self->selected_label);
    }
  if (self->selected_emblem != NULL)
    {
      gtk_widget_set_visible (self->selected_emblem, selected);
      gtk_widget_set_visible (self->selected_label, selected);
    }
  if (selected)
    gtk_widget_add_css_class (GTK_WIDGET (self), "selected");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "selected");

  if (self->credential != NULL)
    {
      /* TRANSLATORS: a credential's name, then its state ("Verified · 5 minutes ago") */
      label = g_strdup_printf (_("%s, %s"),
                               tessera_credential_get_name (self->credential),
                               self->state_text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                      -1);
    }
  else
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
    }

  if (selected)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("Selected"),
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);

  update_actions (self);
}

/* The credential's own fields; the labels keep them while the grid
 * recycles the tile, as nothing shows an unbound tile. */
static void
update_fields (TesseraCredentialTile *self)
{
  TesseraCredential *credential = self->credential;
  const char *description, *account_id, *account_name, *owner_name, *owner_email;
  gboolean has_account_name, has_owner;

  if (credential == NULL)
    return;

  description = tessera_credential_get_description (credential);
  account_id = tessera_credential_get_account_id (credential);
  account_name = tessera_credential_get_account_name (credential);
  owner_name = tessera_credential_get_owner_name (credential);
  owner_email = tessera_credential_get_owner_email (credential);
  has_account_name = string_is_set (account_name);
  has_owner = string_is_set (owner_name) || string_is_set (owner_email);

  gtk_label_set_label (GTK_LABEL (self->name_label), tessera_credential_get_name (credential));
  gtk_label_set_label (GTK_LABEL (self->kind_label),
                       tessera_credential_kind_to_string (tessera_credential_get_kind (credential)));

  gtk_label_set_label (GTK_LABEL (self->description_label), description);
  gtk_widget_set_visible (self->description_label, string_is_set (description));

  gtk_label_set_label (GTK_LABEL (self->account_label), account_text (account_id, account_name));
  gtk_label_set_label (GTK_LABEL (self->account_id_label), account_id);
  gtk_widget_set_visible (self->account_id_label, has_account_name);
  gtk_widget_set_visible (self->account_id_title_label, has_account_name);

  gtk_label_set_label (GTK_LABEL (self->owner_label), has_owner ? owner_text (owner_name, owner_email) : NULL);
  gtk_widget_set_visible (self->owner_label, has_owner);
  gtk_widget_set_visible (self->owner_title_label, has_owner);
}

static gboolean
refresh_states_cb (gpointer user_data)
{
  GHashTableIter iter;
  gpointer tile;

  g_hash_table_iter_init (&iter, bound_tiles);
  while (g_hash_table_iter_next (&iter, &tile, NULL))
    update_state (tile);

  return G_SOURCE_CONTINUE;
}

static void
track_bound (TesseraCredentialTile *self,
             gboolean               bound)
{
  if (bound)
    {
      if (bound_tiles == NULL)
        bound_tiles = g_hash_table_new (NULL, NULL);
      g_hash_table_add (bound_tiles, self);
      if (refresh_id == 0)
        refresh_id = g_timeout_add_seconds (STATE_REFRESH_SECONDS, refresh_states_cb, NULL);
    }
  else if (bound_tiles != NULL && g_hash_table_remove (bound_tiles, self) &&
           g_hash_table_size (bound_tiles) == 0)
    {
      g_clear_handle_id (&refresh_id, g_source_remove);
    }
}

static void
credential_notify_cb (TesseraCredentialTile *self,
                      GParamSpec            *pspec,
                      TesseraCredential     *credential)
{
  update_fields (self);
  update_state (self);
}

/* The menu button's popover is made when it first opens. */
static void
create_popup_cb (GtkMenuButton *button,
                 gpointer       user_data)
{
  if (gtk_menu_button_get_popover (button) == NULL)
    gtk_menu_button_set_menu_model (button, tile_menu);
}

static void
popup_context_menu (TesseraCredentialTile *self,
                    double                 x,
                    double                 y)
{
  if (self->credential == NULL)
    return;

  if (self->context_menu == NULL)
    {
      self->context_menu = gtk_popover_menu_new_from_model (tile_menu);
      gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
      gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
    }

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
primary_released_cb (TesseraCredentialTile *self,
                     int                    n_press,
                     double                 x,
                     double                 y,
                     GtkGestureClick       *gesture)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));

  /* One click selects; the second click of a double-click edits. */
  if (n_press == 1)
    gtk_widget_activate_action (GTK_WIDGET (self), "credential.select", NULL);
  else if (n_press == 2)
    gtk_widget_activate_action (GTK_WIDGET (self), "credential.edit", NULL);
}

static void
secondary_pressed_cb (TesseraCredentialTile *self,
                      int                    n_press,
                      double                 x,
                      double                 y,
                      GtkGestureClick       *gesture)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_context_menu (self, x, y);
}

static void
long_pressed_cb (TesseraCredentialTile *self,
                 double                 x,
                 double                 y,
                 GtkGestureLongPress   *gesture)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_context_menu (self, x, y);
}

static void
forward_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TesseraCredentialTile *self = TESSERA_CREDENTIAL_TILE (widget);

  if (self->credential == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (forwarded_actions); i++)
    {
      if (g_str_equal (action_name, forwarded_actions[i].tile_action))
        {
          gtk_widget_activate_action (widget, forwarded_actions[i].window_action,
                                      "s", tessera_credential_get_id (self->credential));
          return;
        }
    }
}

/* Enter behaves like the clicks: on an unselected tile it selects, on the
 * selected one it edits. */
static void
activate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TesseraCredentialTile *self = TESSERA_CREDENTIAL_TILE (widget);

  if (self->credential == NULL)
    return;

  if (tessera_credential_get_selected (self->credential))
    forward_action (widget, "credential.edit", NULL);
  else
    forward_action (widget, "credential.select", NULL);
}

static void
menu_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TesseraCredentialTile *self = TESSERA_CREDENTIAL_TILE (widget);

  if (self->credential != NULL)
    gtk_menu_button_popup (GTK_MENU_BUTTON (self->menu_button));
}

static void
tessera_credential_tile_dispose (GObject *object)
{
  TesseraCredentialTile *self = TESSERA_CREDENTIAL_TILE (object);
  GtkWidget *child;

  tessera_credential_tile_set_credential (self, NULL);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), TESSERA_TYPE_CREDENTIAL_TILE);
  /* Went with the boxes they were in. */
  self->selected_emblem = NULL;
  self->selected_label = NULL;
  self->state_spinner = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tessera_credential_tile_parent_class)->dispose (object);
}

static void
tessera_credential_tile_finalize (GObject *object)
{
  TesseraCredentialTile *self = TESSERA_CREDENTIAL_TILE (object);

  g_free (self->state_text);
  instance_count--;

  G_OBJECT_CLASS (tessera_credential_tile_parent_class)->finalize (object);
}

static void
tessera_credential_tile_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  TesseraCredentialTile *self = TESSERA_CREDENTIAL_TILE (object);

  switch (prop_id)
    {
    case PROP_CREDENTIAL:
      g_value_set_object (value, tessera_credential_tile_get_credential (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tessera_credential_tile_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  TesseraCredentialTile *self = TESSERA_CREDENTIAL_TILE (object);

  switch (prop_id)
    {
    case PROP_CREDENTIAL:
      tessera_credential_tile_set_credential (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GMenuModel *
create_tile_menu (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) check = g_menu_new ();
  g_autoptr(GMenu) copy = g_menu_new ();
  g_autoptr(GMenu) lifecycle = g_menu_new ();
  g_autoptr(GMenu) remove = g_menu_new ();

  g_menu_append (check, _("_Verify"), "credential.verify");
  g_menu_append (check, _("_Edit…"), "credential.edit");
  g_menu_append (copy, _("Copy _Token"), "credential.copy-token");
  g_menu_append (copy, _("Copy _Account ID"), "credential.copy-account-id");
  g_menu_append (lifecycle, _("_Rotate Key…"), "credential.rotate");
  g_menu_append (lifecycle, _("Re_new…"), "credential.renew");
  g_menu_append (remove, _("_Delete…"), "credential.confirm-delete");

  g_menu_append_section (menu, NULL, G_MENU_MODEL (check));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (copy));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (lifecycle));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (remove));
  g_menu_freeze (menu);

  return G_MENU_MODEL (menu);
}

static void
tessera_credential_tile_class_init (TesseraCredentialTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tessera_credential_tile_dispose;
  object_class->finalize = tessera_credential_tile_finalize;
  object_class->get_property = tessera_credential_tile_get_property;
  object_class->set_property = tessera_credential_tile_set_property;

  properties[PROP_CREDENTIAL] =
    g_param_spec_object ("credential", NULL, NULL,
                         TESSERA_TYPE_CREDENTIAL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  tile_menu = create_tile_menu ();

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tessera/Tessera/tessera-credential-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, header_box);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, name_label);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, kind_label);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, menu_button);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, description_label);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, account_label);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, account_id_title_label);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, account_id_label);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, owner_title_label);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, owner_label);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, state_box);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, state_icon);
  gtk_widget_class_bind_template_child (widget_class, TesseraCredentialTile, state_label);

  for (guint i = 0; i < G_N_ELEMENTS (forwarded_actions); i++)
    gtk_widget_class_install_action (widget_class, forwarded_actions[i].tile_action, NULL, forward_action);
  gtk_widget_class_install_action (widget_class, "credential.activate", NULL, activate_action);
  gtk_widget_class_install_action (widget_class, "credential.menu", NULL, menu_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "credential.activate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_ISO_Enter, 0, "credential.activate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "credential.activate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "credential.select", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Space, 0, "credential.select", NULL);
  /* The last binding of an action is the one menus show. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "credential.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "credential.delete", NULL);
  /* Delete… asks first, and can revoke the key on Harness too. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, GDK_SHIFT_MASK, "credential.confirm-delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, GDK_SHIFT_MASK, "credential.confirm-delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "credential.copy-token", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "credential.menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "credential.menu", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "credential-tile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tessera_credential_tile_init (TesseraCredentialTile *self)
{
  GtkGesture *gesture;

  instance_count++;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (self->menu_button),
                                         create_popup_cb, NULL, NULL);

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect_swapped (gesture, "released", G_CALLBACK (primary_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect_swapped (gesture, "pressed", G_CALLBACK (secondary_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (gesture), TRUE);
  g_signal_connect_swapped (gesture, "pressed", G_CALLBACK (long_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  update_state (self);
}

/**
 * tessera_credential_tile_new:
 *
 * Returns: (transfer floating): an empty tile; set its credential
 */
GtkWidget *
tessera_credential_tile_new (void)
{
  return g_object_new (TESSERA_TYPE_CREDENTIAL_TILE, NULL);
}

/**
 * tessera_credential_tile_get_credential:
 *
 * Returns: (transfer none) (nullable): the credential shown
 */
TesseraCredential *
tessera_credential_tile_get_credential (TesseraCredentialTile *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL_TILE (self), NULL);

  return self->credential;
}

/**
 * tessera_credential_tile_set_credential:
 * @credential: (nullable): the credential to show; %NULL when the grid
 *   recycles the tile
 */
void
tessera_credential_tile_set_credential (TesseraCredentialTile *self,
                                        TesseraCredential     *credential)
{
  g_return_if_fail (TESSERA_IS_CREDENTIAL_TILE (self));
  g_return_if_fail (credential == NULL || TESSERA_IS_CREDENTIAL (credential));

  if (self->credential == credential)
    return;

  if (self->credential != NULL)
    g_signal_handlers_disconnect_by_func (self->credential, credential_notify_cb, self);

  g_set_object (&self->credential, credential);
  track_bound (self, credential != NULL);

  if (credential != NULL)
    {
      g_signal_connect_object (credential, "notify",
                               G_CALLBACK (credential_notify_cb), self,
                               G_CONNECT_SWAPPED);
    }
  else
    {
      GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (self->menu_button));

      if (self->context_menu != NULL)
        gtk_popover_popdown (GTK_POPOVER (self->context_menu));
      if (popover != NULL)
        gtk_popover_popdown (popover);
    }

  update_fields (self);
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREDENTIAL]);
}

/**
 * tessera_credential_tile_get_state_text:
 *
 * Returns: (transfer none) (nullable): the state line, %NULL when empty
 */
const char *
tessera_credential_tile_get_state_text (TesseraCredentialTile *self)
{
  g_return_val_if_fail (TESSERA_IS_CREDENTIAL_TILE (self), NULL);

  return self->state_text;
}

guint
tessera_credential_tile_get_instance_count (void)
{
  return instance_count;
}
