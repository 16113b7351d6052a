/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hg-vnc-view.h"

struct _HgVncView
{
  GtkBox          parent_instance;

  /* template */
  GtkWidget      *toolbar;
  GtkStack       *stack;
  GtkLabel       *status_label;
  GtkLabel       *size_label;
  GtkScrolledWindow *scroller;
  VncDisplay     *display;
  GtkRevealer    *grab_revealer;
  GMenuModel     *send_keys_menu;

  HgVncSession   *session;
  GSimpleActionGroup *actions;
  gboolean        grabbed;
};

G_DEFINE_FINAL_TYPE (HgVncView, hg_vnc_view, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_SOCKET_PATH,
  PROP_AUTO_RECONNECT,
  PROP_SCALING,
  PROP_KEYBOARD_GRABBED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
hg_vnc_view_new (void)
{
  return g_object_new (HG_TYPE_VNC_VIEW, NULL);
}

static void
update_page (HgVncView *self)
{
  HgVncSessionState state = hg_vnc_session_get_state (self->session);
  const char *error = hg_vnc_session_get_error (self->session);
  const char *path = hg_vnc_session_get_socket_path (self->session);
  gboolean connected = state == HG_VNC_SESSION_CONNECTED;

  if (connected)
    {
      gtk_stack_set_visible_child_name (self->stack, "display");
      return;
    }

  gtk_stack_set_visible_child_name (self->stack, "status");
  if (path == NULL)
    gtk_label_set_text (self->status_label, _("The VM is not running"));
  else if (state == HG_VNC_SESSION_CONNECTING)
    gtk_label_set_text (self->status_label, _("Connecting to the display…"));
  else if (error != NULL && hg_vnc_session_get_auto_reconnect (self->session))
    {
      g_autofree char *text = g_strdup_printf (_("%s\nRetrying…"), error);
      gtk_label_set_text (self->status_label, text);
    }
  else if (error != NULL)
    gtk_label_set_text (self->status_label, error);
  else
    gtk_label_set_text (self->status_label, _("The display is not connected"));
  gtk_label_set_text (self->size_label, "");
}

static void
on_session_changed (HgVncView *self)
{
  update_page (self);
}

static void
set_grabbed (HgVncView *self,
             gboolean   grabbed)
{
  if (self->grabbed == grabbed)
    return;
  self->grabbed = grabbed;
  gtk_revealer_set_reveal_child (self->grab_revealer, grabbed);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEYBOARD_GRABBED]);
}

static void
on_keyboard_grab (VncDisplay *display,
                  HgVncView  *self)
{
  set_grabbed (self, TRUE);
}

static void
on_keyboard_ungrab (VncDisplay *display,
                    HgVncView  *self)
{
  set_grabbed (self, FALSE);
}

static void
on_desktop_resize (VncDisplay *display,
                   int         width,
                   int         height,
                   HgVncView  *self)
{
  g_autofree char *text = g_strdup_printf ("%d × %d", width, height);
  gtk_label_set_text (self->size_label, text);
}

/* ---- public API --------------------------------------------------------- */

HgVncSession *
hg_vnc_view_get_session (HgVncView *self)
{
  g_return_val_if_fail (HG_IS_VNC_VIEW (self), NULL);
  return self->session;
}

VncDisplay *
hg_vnc_view_get_display (HgVncView *self)
{
  g_return_val_if_fail (HG_IS_VNC_VIEW (self), NULL);
  return self->display;
}

void
hg_vnc_view_set_socket_path (HgVncView  *self,
                             const char *path)
{
  g_return_if_fail (HG_IS_VNC_VIEW (self));

  if (g_strcmp0 (path, hg_vnc_session_get_socket_path (self->session)) == 0)
    return;
  hg_vnc_session_set_socket_path (self->session, path);
  update_page (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOCKET_PATH]);
}

void
hg_vnc_view_connect (HgVncView *self)
{
  g_return_if_fail (HG_IS_VNC_VIEW (self));
  hg_vnc_session_open (self->session);
  update_page (self);
}

void
hg_vnc_view_disconnect (HgVncView *self)
{
  g_return_if_fail (HG_IS_VNC_VIEW (self));
  hg_vnc_session_close (self->session);
  update_page (self);
}

void
hg_vnc_view_set_auto_reconnect (HgVncView *self,
                                gboolean   auto_reconnect)
{
  g_return_if_fail (HG_IS_VNC_VIEW (self));
  hg_vnc_session_set_auto_reconnect (self->session, auto_reconnect);
}

void
hg_vnc_view_set_scaling (HgVncView *self,
                         gboolean   scaling)
{
  GAction *action;

  g_return_if_fail (HG_IS_VNC_VIEW (self));

  scaling = !!scaling;
  if (vnc_display_get_scaling (self->display) == scaling)
    return;
  vnc_display_set_scaling (self->display, scaling);
  /* Scaled: the display fills the view, no scroll bars.  Unscaled: real
   * size, scrolled when larger than the view. */
  gtk_scrolled_window_set_policy (self->scroller,
                                  scaling ? GTK_POLICY_NEVER : GTK_POLICY_AUTOMATIC,
                                  scaling ? GTK_POLICY_NEVER : GTK_POLICY_AUTOMATIC);
  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "scale");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (scaling));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALING]);
}

gboolean
hg_vnc_view_get_scaling (HgVncView *self)
{
  g_return_val_if_fail (HG_IS_VNC_VIEW (self), FALSE);
  return vnc_display_get_scaling (self->display);
}

gboolean
hg_vnc_view_get_keyboard_grabbed (HgVncView *self)
{
  g_return_val_if_fail (HG_IS_VNC_VIEW (self), FALSE);
  return self->grabbed;
}

gboolean
hg_vnc_view_send_keys (HgVncView  *self,
                       const char *combo)
{
  static const struct { const char *name; guint keyval; } names[] = {
    { "ctrl", GDK_KEY_Control_L }, { "alt", GDK_KEY_Alt_L }, { "shift", GDK_KEY_Shift_L },
    { "del", GDK_KEY_Delete }, { "delete", GDK_KEY_Delete },
    { "backspace", GDK_KEY_BackSpace }, { "esc", GDK_KEY_Escape },
    { "enter", GDK_KEY_Return }, { "tab", GDK_KEY_Tab }, { "print", GDK_KEY_Print },
  };
  g_auto(GStrv) parts = NULL;
  guint keyvals[8];
  guint n = 0;

  g_return_val_if_fail (HG_IS_VNC_VIEW (self), FALSE);
  g_return_val_if_fail (combo != NULL, FALSE);

  parts = g_strsplit (combo, "-", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *part = g_ascii_strdown (parts[i], -1);
      guint keyval = 0;
      guint64 fn;

      if (n == G_N_ELEMENTS (keyvals))
        return FALSE;
      for (guint j = 0; j < G_N_ELEMENTS (names); j++)
        if (strcmp (part, names[j].name) == 0)
          keyval = names[j].keyval;
      if (keyval == 0 && part[0] == 'f' &&
          g_ascii_string_to_unsigned (part + 1, 10, 1, 12, &fn, NULL))
        keyval = GDK_KEY_F1 + (guint) fn - 1;
      if (keyval == 0)
        {
          g_debug ("Unknown key “%s” in the combination “%s”", parts[i], combo);
          return FALSE;
        }
      keyvals[n++] = keyval;
    }
  if (n == 0 || !vnc_display_is_open (self->display))
    return FALSE;
  vnc_display_send_keys (self->display, keyvals, (int) n);
  return TRUE;
}

GdkPixbuf *
hg_vnc_view_get_pixbuf (HgVncView *self)
{
  g_return_val_if_fail (HG_IS_VNC_VIEW (self), NULL);
  if (hg_vnc_session_get_state (self->session) != HG_VNC_SESSION_CONNECTED)
    return NULL;
  return vnc_display_get_pixbuf (self->display);
}

const char *
hg_vnc_view_get_status_text (HgVncView *self)
{
  g_return_val_if_fail (HG_IS_VNC_VIEW (self), NULL);
  return gtk_label_get_text (self->status_label);
}

/* ---- actions ------------------------------------------------------------ */

static void
action_scale (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  hg_vnc_view_set_scaling (HG_VNC_VIEW (user_data), g_variant_get_boolean (value));
}

static void
action_grab (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  HgVncView *self = user_data;
  gboolean grab = g_variant_get_boolean (value);

  vnc_display_set_keyboard_grab (self->display, grab);
  g_simple_action_set_state (action, value);
  if (grab)
    gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static void
action_send_keys (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgVncView *self = user_data;
  hg_vnc_view_send_keys (self, g_variant_get_string (param, NULL));
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
}

static void
action_reconnect (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  hg_vnc_view_connect (HG_VNC_VIEW (user_data));
}

static const GActionEntry display_actions[] = {
  { "scale", NULL, NULL, "true", action_scale },
  { "grab", NULL, NULL, "false", action_grab },
  { "send-keys", action_send_keys, "s" },
  { "reconnect", action_reconnect },
};

/* ---- GObject ------------------------------------------------------------ */

static void
hg_vnc_view_dispose (GObject *object)
{
  HgVncView *self = HG_VNC_VIEW (object);

  if (self->session != NULL)
    hg_vnc_session_close (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->actions);

  G_OBJECT_CLASS (hg_vnc_view_parent_class)->dispose (object);
}

static void
hg_vnc_view_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  HgVncView *self = HG_VNC_VIEW (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH:
      g_value_set_string (value, hg_vnc_session_get_socket_path (self->session));
      break;
    case PROP_AUTO_RECONNECT:
      g_value_set_boolean (value, hg_vnc_session_get_auto_reconnect (self->session));
      break;
    case PROP_SCALING:
      g_value_set_boolean (value, hg_vnc_view_get_scaling (self));
      break;
    case PROP_KEYBOARD_GRABBED:
      g_value_set_boolean (value, self->grabbed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vnc_view_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  HgVncView *self = HG_VNC_VIEW (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH:
      hg_vnc_view_set_socket_path (self, g_value_get_string (value));
      break;
    case PROP_AUTO_RECONNECT:
      hg_vnc_view_set_auto_reconnect (self, g_value_get_boolean (value));
      break;
    case PROP_SCALING:
      hg_vnc_view_set_scaling (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vnc_view_class_init (HgVncViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_vnc_view_dispose;
  object_class->get_property = hg_vnc_view_get_property;
  object_class->set_property = hg_vnc_view_set_property;

  properties[PROP_SOCKET_PATH] =
    g_param_spec_string ("socket-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTO_RECONNECT] =
    g_param_spec_boolean ("auto-reconnect", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCALING] =
    g_param_spec_boolean ("scaling", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEYBOARD_GRABBED] =
    g_param_spec_boolean ("keyboard-grabbed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (VNC_TYPE_DISPLAY);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-vnc-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HgVncView, toolbar);
  gtk_widget_class_bind_template_child (widget_class, HgVncView, stack);
  gtk_widget_class_bind_template_child (widget_class, HgVncView, status_label);
  gtk_widget_class_bind_template_child (widget_class, HgVncView, size_label);
  gtk_widget_class_bind_template_child (widget_class, HgVncView, scroller);
  gtk_widget_class_bind_template_child (widget_class, HgVncView, display);
  gtk_widget_class_bind_template_child (widget_class, HgVncView, grab_revealer);
  gtk_widget_class_bind_template_child (widget_class, HgVncView, send_keys_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_keyboard_grab);
  gtk_widget_class_bind_template_callback (widget_class, on_keyboard_ungrab);
  gtk_widget_class_bind_template_callback (widget_class, on_desktop_resize);
  gtk_widget_class_set_css_name (widget_class, "hgvncview");
}

static void
hg_vnc_view_init (HgVncView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->session = hg_vnc_session_new (self->display);
  g_signal_connect_object (self->session, "notify::state",
                           G_CALLBACK (on_session_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::error",
                           G_CALLBACK (on_session_changed), self, G_CONNECT_SWAPPED);

  /* Grab only on request; the pointer is never confined (absolute tablet) */
  vnc_display_set_keyboard_grab (self->display, FALSE);
  vnc_display_set_pointer_grab (self->display, FALSE);
  vnc_display_set_pointer_local (self->display, TRUE);
  vnc_display_set_scaling (self->display, TRUE);
  vnc_display_set_keep_aspect_ratio (self->display, TRUE);
  gtk_scrolled_window_set_policy (self->scroller, GTK_POLICY_NEVER, GTK_POLICY_NEVER);

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), display_actions,
                                   G_N_ELEMENTS (display_actions), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "display", G_ACTION_GROUP (self->actions));

  update_page (self);
}
