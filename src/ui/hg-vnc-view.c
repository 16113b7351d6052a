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
  GtkWidget      *content;        /* toolbar + display: what detaching moves */
  GtkWidget      *detached_page;
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
  GtkWindow      *detached;       /* the display's own window, or NULL */
  char           *title;
};

G_DEFINE_FINAL_TYPE (HgVncView, hg_vnc_view, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_SOCKET_PATH,
  PROP_AUTO_RECONNECT,
  PROP_SCALING,
  PROP_KEYBOARD_GRABBED,
  PROP_DETACHED,
  PROP_TITLE,
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

/* ---- detach / fullscreen ------------------------------------------------ */

static void
set_action_state (HgVncView  *self,
                  const char *name,
                  gboolean    value)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (value));
}

static gboolean
on_detached_delete (GtkWidget *window,
                    GdkEvent  *event,
                    HgVncView *self)
{
  /* closing the display's window brings the display back */
  hg_vnc_view_set_detached (self, FALSE);
  return GDK_EVENT_STOP;
}

static gboolean
on_detached_state (GtkWidget           *window,
                   GdkEventWindowState *event,
                   HgVncView           *self)
{
  if (event->changed_mask & GDK_WINDOW_STATE_FULLSCREEN)
    set_action_state (self, "fullscreen", (event->new_window_state & GDK_WINDOW_STATE_FULLSCREEN) != 0);
  return GDK_EVENT_PROPAGATE;
}

static char *
detached_title (HgVncView *self)
{
  if (self->title != NULL)
    /* Translators: the window of a detached display; %s is the VM */
    return g_strdup_printf (_("%s — Display"), self->title);
  return g_strdup (_("Display"));
}

void
hg_vnc_view_set_detached (HgVncView *self,
                          gboolean   detached)
{
  g_return_if_fail (HG_IS_VNC_VIEW (self));

  detached = !!detached;
  if ((self->detached != NULL) == detached)
    return;
  g_object_ref (self->content);
  if (detached)
    {
      GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
      g_autofree char *title = detached_title (self);
      int width = MAX (gtk_widget_get_allocated_width (self->content), 640);
      int height = MAX (gtk_widget_get_allocated_height (self->content), 480);

      GtkWidget *header = gtk_header_bar_new ();

      self->detached = GTK_WINDOW (gtk_window_new (GTK_WINDOW_TOPLEVEL));
      gtk_header_bar_set_show_close_button (GTK_HEADER_BAR (header), TRUE);
      gtk_widget_show (header);
      gtk_window_set_titlebar (self->detached, header);
      gtk_window_set_title (self->detached, title);
      gtk_window_set_default_size (self->detached, width, height);
      gtk_window_set_icon_name (self->detached, "io.github.hangarvm.Hangar");
      if (GTK_IS_WINDOW (toplevel))
        gtk_window_set_application (self->detached, gtk_window_get_application (GTK_WINDOW (toplevel)));
      /* the tool bar's buttons find the display. actions there */
      gtk_widget_insert_action_group (GTK_WIDGET (self->detached), "display", G_ACTION_GROUP (self->actions));
      /* and the window's vm. ones (Paste as Keystrokes) */
      if (toplevel != NULL && gtk_widget_get_action_group (toplevel, "vm") != NULL)
        gtk_widget_insert_action_group (GTK_WIDGET (self->detached), "vm",
                                        gtk_widget_get_action_group (toplevel, "vm"));
      g_signal_connect_object (self->detached, "delete-event", G_CALLBACK (on_detached_delete), self, 0);
      g_signal_connect_object (self->detached, "window-state-event", G_CALLBACK (on_detached_state), self, 0);
      gtk_container_remove (GTK_CONTAINER (self), self->content);
      gtk_container_add (GTK_CONTAINER (self->detached), self->content);
      gtk_widget_show (self->detached_page);
      gtk_window_present (self->detached);
    }
  else
    {
      GtkWindow *window = g_steal_pointer (&self->detached);

      gtk_container_remove (GTK_CONTAINER (window), self->content);
      gtk_widget_destroy (GTK_WIDGET (window));
      gtk_widget_hide (self->detached_page);
      gtk_container_add (GTK_CONTAINER (self), self->content);
      if (gtk_widget_get_realized (GTK_WIDGET (self)))
        gtk_widget_realize (GTK_WIDGET (self->display));
      set_action_state (self, "fullscreen", FALSE);
    }
  g_object_unref (self->content);
  set_action_state (self, "detach", detached);
  gtk_widget_grab_focus (GTK_WIDGET (self->display));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETACHED]);
}

gboolean
hg_vnc_view_get_detached (HgVncView *self)
{
  g_return_val_if_fail (HG_IS_VNC_VIEW (self), FALSE);
  return self->detached != NULL;
}

GtkWindow *
hg_vnc_view_get_detached_window (HgVncView *self)
{
  g_return_val_if_fail (HG_IS_VNC_VIEW (self), NULL);
  return self->detached;
}

void
hg_vnc_view_set_title (HgVncView  *self,
                       const char *title)
{
  g_return_if_fail (HG_IS_VNC_VIEW (self));

  if (g_strcmp0 (self->title, title) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title);
  if (self->detached != NULL)
    {
      g_autofree char *text = detached_title (self);
      gtk_window_set_title (self->detached, text);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/* ---- actions ------------------------------------------------------------ */

static void
action_detach (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  hg_vnc_view_set_detached (HG_VNC_VIEW (user_data), g_variant_get_boolean (value));
}

static void
action_fullscreen (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  HgVncView *self = user_data;
  gboolean fullscreen = g_variant_get_boolean (value);
  GtkWidget *toplevel;

  if (self->detached != NULL)
    {
      /* the state follows the window (on_detached_state) */
      if (fullscreen)
        gtk_window_fullscreen (self->detached);
      else
        gtk_window_unfullscreen (self->detached);
      g_simple_action_set_state (action, value);
      return;
    }
  /* attached: the main window's fullscreen shows the display alone */
  toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  if (G_IS_ACTION_GROUP (toplevel) && g_action_group_has_action (G_ACTION_GROUP (toplevel), "fullscreen"))
    g_action_group_change_action_state (G_ACTION_GROUP (toplevel), "fullscreen",
                                        g_variant_new_boolean (fullscreen));
  else if (GTK_IS_WINDOW (toplevel))
    {
      if (fullscreen)
        gtk_window_fullscreen (GTK_WINDOW (toplevel));
      else
        gtk_window_unfullscreen (GTK_WINDOW (toplevel));
    }
  g_simple_action_set_state (action, value);
}

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
  { "detach", NULL, NULL, "false", action_detach },
  { "fullscreen", NULL, NULL, "false", action_fullscreen },
};

/* ---- GObject ------------------------------------------------------------ */

static void
hg_vnc_view_dispose (GObject *object)
{
  HgVncView *self = HG_VNC_VIEW (object);

  if (self->detached != NULL)
    {
      GtkWindow *window = g_steal_pointer (&self->detached);

      /* the display goes with the view, not with its window */
      gtk_container_remove (GTK_CONTAINER (window), self->content);
      gtk_widget_destroy (GTK_WIDGET (window));
    }
  if (self->session != NULL)
    hg_vnc_session_close (self->session);
  /* The connection shuts down asynchronously and may still deliver an
   * update; VncDisplay's handlers would then look at a widget that has no
   * window any more (gdk_window_get_width critical).  The display is going
   * away: cut them off. */
  if (self->display != NULL && vnc_display_get_connection (self->display) != NULL)
    g_signal_handlers_disconnect_matched (vnc_display_get_connection (self->display),
                                          G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, self->display);
  g_clear_object (&self->session);
  g_clear_object (&self->actions);

  G_OBJECT_CLASS (hg_vnc_view_parent_class)->dispose (object);
}

/* gtk-vnc needs a realized VncDisplay as soon as a framebuffer arrives,
 * and the display page is only shown once connected: the display is
 * realized with the view, shown or not. */
static void
hg_vnc_view_realize (GtkWidget *widget)
{
  HgVncView *self = HG_VNC_VIEW (widget);

  GTK_WIDGET_CLASS (hg_vnc_view_parent_class)->realize (widget);
  if (self->detached == NULL)
    gtk_widget_realize (GTK_WIDGET (self->display));
}

static void
hg_vnc_view_finalize (GObject *object)
{
  HgVncView *self = HG_VNC_VIEW (object);

  g_free (self->title);

  G_OBJECT_CLASS (hg_vnc_view_parent_class)->finalize (object);
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
    case PROP_DETACHED:
      g_value_set_boolean (value, self->detached != NULL);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
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
    case PROP_DETACHED:
      hg_vnc_view_set_detached (self, g_value_get_boolean (value));
      break;
    case PROP_TITLE:
      hg_vnc_view_set_title (self, g_value_get_string (value));
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
  object_class->finalize = hg_vnc_view_finalize;
  widget_class->realize = hg_vnc_view_realize;
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
  properties[PROP_DETACHED] =
    g_param_spec_boolean ("detached", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (VNC_TYPE_DISPLAY);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-vnc-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HgVncView, content);
  gtk_widget_class_bind_template_child (widget_class, HgVncView, detached_page);
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
