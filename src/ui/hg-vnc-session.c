/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>

#include "hg-vnc-session.h"

/* Backoff of the reconnection attempts while the VM runs */
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS   2000

struct _HgVncSession
{
  GObject            parent_instance;

  VncDisplay        *display;
  char              *socket_path;
  char              *error;
  HgVncSessionState  state;
  gboolean           auto_reconnect;
  gboolean           want_open;       /* open() called, close() not since */
  gboolean           reopen_pending;  /* connect once the old connection is gone */
  GCancellable      *cancellable;     /* the socket connect in flight */
  guint              retry_id;
  guint              close_id;        /* a close deferred out of a VNC callback */
  guint              in_callback;     /* depth of VncDisplay/VncConnection signals */
  guint              retry_ms;
  guint64            n_updates;
};

G_DEFINE_FINAL_TYPE (HgVncSession, hg_vnc_session, G_TYPE_OBJECT)
G_DEFINE_ENUM_TYPE (HgVncSessionState, hg_vnc_session_state,
  G_DEFINE_ENUM_VALUE (HG_VNC_SESSION_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (HG_VNC_SESSION_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (HG_VNC_SESSION_CONNECTED, "connected"))

enum {
  PROP_0,
  PROP_DISPLAY,
  PROP_SOCKET_PATH,
  PROP_STATE,
  PROP_AUTO_RECONNECT,
  PROP_ERROR,
  N_PROPS
};

enum {
  FRAMEBUFFER_UPDATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_socket (HgVncSession *self);

static gboolean
close_idle_cb (gpointer user_data)
{
  HgVncSession *self = user_data;

  self->close_id = 0;
  if (self->display != NULL && vnc_display_is_open (self->display))
    vnc_display_close (self->display);
  return G_SOURCE_REMOVE;
}

/* Closes the connection, but never from inside one of its own signals
 * (a state notification, say): gtk-vnc's coroutine would be torn down
 * while it runs (it aborts in vnc_connection_delayed_unref). */
static void
close_display (HgVncSession *self)
{
  if (!vnc_display_is_open (self->display))
    return;
  if (self->in_callback == 0)
    {
      vnc_display_close (self->display);
      return;
    }
  if (self->close_id == 0)
    self->close_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, close_idle_cb,
                                      g_object_ref (self), g_object_unref);
}

HgVncSession *
hg_vnc_session_new (VncDisplay *display)
{
  g_return_val_if_fail (VNC_IS_DISPLAY (display), NULL);
  return g_object_new (HG_TYPE_VNC_SESSION, "display", display, NULL);
}

static void
set_state (HgVncSession      *self,
           HgVncSessionState  state)
{
  if (self->state == state)
    return;
  g_debug ("VNC %s: %s", self->socket_path,
           g_enum_get_value (g_type_class_peek (HG_TYPE_VNC_SESSION_STATE), state)->value_nick);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_error (HgVncSession *self,
           const char   *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;
  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static gboolean
retry_cb (gpointer user_data)
{
  HgVncSession *self = user_data;

  self->retry_id = 0;
  if (self->want_open && self->state == HG_VNC_SESSION_DISCONNECTED)
    connect_socket (self);
  return G_SOURCE_REMOVE;
}

/* After a failure or a loss: try again later if we should, else stay down */
static void
schedule_retry (HgVncSession *self)
{
  set_state (self, HG_VNC_SESSION_DISCONNECTED);
  if (!self->want_open || !self->auto_reconnect || self->retry_id != 0)
    return;
  self->retry_ms = self->retry_ms == 0 ? RETRY_FIRST_MS : MIN (self->retry_ms * 2, RETRY_MAX_MS);
  self->retry_id = g_timeout_add (self->retry_ms, retry_cb, self);
}

static void
on_socket_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(HgVncSession) self = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->cancellable);
      message = g_strdup_printf (_("Cannot connect to the display socket %s: %s"),
                                 self->socket_path, error->message);
      set_error (self, message);
      schedule_retry (self);
      return;
    }
  g_clear_object (&self->cancellable);

  /* The VncConnection takes ownership of the descriptor it is given; ours
   * goes with the GSocketConnection. */
  fd = dup (g_socket_get_fd (g_socket_connection_get_socket (connection)));
  if (fd < 0)
    {
      int saved = errno;
      g_autofree char *message = g_strdup_printf (_("Cannot use the display socket %s: %s"),
                                                  self->socket_path, g_strerror (saved));
      set_error (self, message);
      schedule_retry (self);
      return;
    }
  if (!vnc_display_open_fd (self->display, fd))
    {
      g_autofree char *message = g_strdup_printf (_("The VNC client refused the socket %s"),
                                                  self->socket_path);
      close (fd);
      set_error (self, message);
      schedule_retry (self);
      return;
    }
  /* now "vnc-initialized" or "vnc-disconnected" follows */
}

static void
connect_socket (HgVncSession *self)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_assert (self->socket_path != NULL);
  g_assert (self->cancellable == NULL);

  set_state (self, HG_VNC_SESSION_CONNECTING);
  self->n_updates = 0;
  self->cancellable = g_cancellable_new ();
  client = g_socket_client_new ();
  address = g_unix_socket_address_new (self->socket_path);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address), self->cancellable,
                                 on_socket_connected, g_object_ref (self));
}

void
hg_vnc_session_open (HgVncSession *self)
{
  g_return_if_fail (HG_IS_VNC_SESSION (self));

  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->want_open = self->socket_path != NULL;
  self->retry_ms = 0;
  set_error (self, NULL);
  if (!self->want_open)
    {
      hg_vnc_session_close (self);
      return;
    }
  if (vnc_display_is_open (self->display))
    {
      /* "vnc-disconnected" of the old connection connects the new one */
      self->reopen_pending = TRUE;
      set_state (self, HG_VNC_SESSION_CONNECTING);
      close_display (self);
      return;
    }
  connect_socket (self);
}

void
hg_vnc_session_close (HgVncSession *self)
{
  g_return_if_fail (HG_IS_VNC_SESSION (self));

  self->want_open = FALSE;
  self->reopen_pending = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  close_display (self);
  set_state (self, HG_VNC_SESSION_DISCONNECTED);
}

/* ---- VncDisplay signals ------------------------------------------------- */

static void
on_vnc_initialized_real (VncDisplay   *display,
                         HgVncSession *self)
{
  self->retry_ms = 0;
  set_error (self, NULL);
  set_state (self, HG_VNC_SESSION_CONNECTED);
}

static void
on_vnc_error_real (VncDisplay   *display,
                   const char   *message,
                   HgVncSession *self)
{
  g_autofree char *text = g_strdup_printf (_("Display %s: %s"), self->socket_path, message);
  set_error (self, text);
}

static void
on_vnc_disconnected_real (VncDisplay   *display,
                          HgVncSession *self)
{
  if (self->reopen_pending)
    {
      self->reopen_pending = FALSE;
      set_state (self, HG_VNC_SESSION_DISCONNECTED);
      if (self->want_open)
        connect_socket (self);
      return;
    }
  if (!self->want_open)
    {
      set_state (self, HG_VNC_SESSION_DISCONNECTED);
      return;
    }
  if (self->error == NULL)
    set_error (self, _("The display connection was closed"));
  schedule_retry (self);
}

static void
on_framebuffer_update_real (VncConnection *conn,
                            guint16        x,
                            guint16        y,
                            guint16        width,
                            guint16        height,
                            HgVncSession  *self)
{
  self->n_updates++;
  g_signal_emit (self, signals[FRAMEBUFFER_UPDATE], 0, (guint) x, (guint) y,
                 (guint) width, (guint) height);
}

/* ---- accessors ---------------------------------------------------------- */

VncDisplay *
hg_vnc_session_get_display (HgVncSession *self)
{
  g_return_val_if_fail (HG_IS_VNC_SESSION (self), NULL);
  return self->display;
}

void
hg_vnc_session_set_socket_path (HgVncSession *self,
                                const char   *path)
{
  g_return_if_fail (HG_IS_VNC_SESSION (self));

  if (g_strcmp0 (path, self->socket_path) == 0)
    return;
  g_free (self->socket_path);
  self->socket_path = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOCKET_PATH]);
}

const char *
hg_vnc_session_get_socket_path (HgVncSession *self)
{
  g_return_val_if_fail (HG_IS_VNC_SESSION (self), NULL);
  return self->socket_path;
}

HgVncSessionState
hg_vnc_session_get_state (HgVncSession *self)
{
  g_return_val_if_fail (HG_IS_VNC_SESSION (self), HG_VNC_SESSION_DISCONNECTED);
  return self->state;
}

void
hg_vnc_session_set_auto_reconnect (HgVncSession *self,
                                   gboolean      auto_reconnect)
{
  g_return_if_fail (HG_IS_VNC_SESSION (self));

  auto_reconnect = !!auto_reconnect;
  if (self->auto_reconnect == auto_reconnect)
    return;
  self->auto_reconnect = auto_reconnect;
  if (!auto_reconnect)
    g_clear_handle_id (&self->retry_id, g_source_remove);
  else if (self->want_open && self->state == HG_VNC_SESSION_DISCONNECTED)
    schedule_retry (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_RECONNECT]);
}

gboolean
hg_vnc_session_get_auto_reconnect (HgVncSession *self)
{
  g_return_val_if_fail (HG_IS_VNC_SESSION (self), FALSE);
  return self->auto_reconnect;
}

const char *
hg_vnc_session_get_error (HgVncSession *self)
{
  g_return_val_if_fail (HG_IS_VNC_SESSION (self), NULL);
  return self->error;
}

guint64
hg_vnc_session_get_n_updates (HgVncSession *self)
{
  g_return_val_if_fail (HG_IS_VNC_SESSION (self), 0);
  return self->n_updates;
}

gboolean
hg_vnc_session_has_content (HgVncSession *self)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  const guint8 *pixels;
  int width, height, stride, n_channels;

  g_return_val_if_fail (HG_IS_VNC_SESSION (self), FALSE);

  if (self->state != HG_VNC_SESSION_CONNECTED || self->n_updates == 0)
    return FALSE;
  pixbuf = vnc_display_get_pixbuf (self->display);
  if (pixbuf == NULL)
    return FALSE;

  pixels = gdk_pixbuf_read_pixels (pixbuf);
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  for (int y = 0; y < height; y++)
    {
      const guint8 *row = pixels + (gsize) y * stride;
      for (int x = 0; x < width; x++)
        if (memcmp (row + (gsize) x * n_channels, pixels, MIN (n_channels, 3)) != 0)
          return TRUE;
    }
  return FALSE;
}

/* ---- GObject ------------------------------------------------------------ */

/* The handlers run inside gtk-vnc's signals: closes from there wait */
static void
on_vnc_initialized (VncDisplay *display, HgVncSession *self)
{
  g_autoptr(HgVncSession) hold = g_object_ref (self);

  self->in_callback++;
  on_vnc_initialized_real (display, self);
  self->in_callback--;
}

static void
on_vnc_error (VncDisplay *display, const char *message, HgVncSession *self)
{
  g_autoptr(HgVncSession) hold = g_object_ref (self);

  self->in_callback++;
  on_vnc_error_real (display, message, self);
  self->in_callback--;
}

static void
on_vnc_disconnected (VncDisplay *display, HgVncSession *self)
{
  g_autoptr(HgVncSession) hold = g_object_ref (self);

  self->in_callback++;
  on_vnc_disconnected_real (display, self);
  self->in_callback--;
}

static void
on_framebuffer_update (VncConnection *conn, guint16 x, guint16 y, guint16 width,
                       guint16 height, HgVncSession *self)
{
  g_autoptr(HgVncSession) hold = g_object_ref (self);

  self->in_callback++;
  on_framebuffer_update_real (conn, x, y, width, height, self);
  self->in_callback--;
}

static void
hg_vnc_session_constructed (GObject *object)
{
  HgVncSession *self = HG_VNC_SESSION (object);

  G_OBJECT_CLASS (hg_vnc_session_parent_class)->constructed (object);

  g_assert (self->display != NULL);
  g_signal_connect_object (self->display, "vnc-initialized",
                           G_CALLBACK (on_vnc_initialized), self, 0);
  g_signal_connect_object (self->display, "vnc-disconnected",
                           G_CALLBACK (on_vnc_disconnected), self, 0);
  g_signal_connect_object (self->display, "vnc-error",
                           G_CALLBACK (on_vnc_error), self, 0);
  g_signal_connect_object (vnc_display_get_connection (self->display), "vnc-framebuffer-update",
                           G_CALLBACK (on_framebuffer_update), self, 0);
}

static void
hg_vnc_session_dispose (GObject *object)
{
  HgVncSession *self = HG_VNC_SESSION (object);

  self->want_open = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->close_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->display);

  G_OBJECT_CLASS (hg_vnc_session_parent_class)->dispose (object);
}

static void
hg_vnc_session_finalize (GObject *object)
{
  HgVncSession *self = HG_VNC_SESSION (object);

  g_clear_pointer (&self->socket_path, g_free);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (hg_vnc_session_parent_class)->finalize (object);
}

static void
hg_vnc_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HgVncSession *self = HG_VNC_SESSION (object);

  switch (prop_id)
    {
    case PROP_DISPLAY:
      g_value_set_object (value, self->display);
      break;
    case PROP_SOCKET_PATH:
      g_value_set_string (value, self->socket_path);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_AUTO_RECONNECT:
      g_value_set_boolean (value, self->auto_reconnect);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vnc_session_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HgVncSession *self = HG_VNC_SESSION (object);

  switch (prop_id)
    {
    case PROP_DISPLAY:
      self->display = g_value_dup_object (value);
      break;
    case PROP_SOCKET_PATH:
      hg_vnc_session_set_socket_path (self, g_value_get_string (value));
      break;
    case PROP_AUTO_RECONNECT:
      hg_vnc_session_set_auto_reconnect (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vnc_session_class_init (HgVncSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hg_vnc_session_constructed;
  object_class->dispose = hg_vnc_session_dispose;
  object_class->finalize = hg_vnc_session_finalize;
  object_class->get_property = hg_vnc_session_get_property;
  object_class->set_property = hg_vnc_session_set_property;

  properties[PROP_DISPLAY] =
    g_param_spec_object ("display", NULL, NULL, VNC_TYPE_DISPLAY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOCKET_PATH] =
    g_param_spec_string ("socket-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, HG_TYPE_VNC_SESSION_STATE,
                       HG_VNC_SESSION_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTO_RECONNECT] =
    g_param_spec_boolean ("auto-reconnect", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FRAMEBUFFER_UPDATE] =
    g_signal_new ("framebuffer-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
}

static void
hg_vnc_session_init (HgVncSession *self)
{
}
