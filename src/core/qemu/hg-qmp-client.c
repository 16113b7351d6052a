/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-qmp"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hg-qmp-client-private.h"

G_DEFINE_TYPE (HgQmpClient, hg_qmp_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  PROP_CONNECTED,
  PROP_GREETING_TIMEOUT,
  PROP_COMMAND_TIMEOUT,
  PROP_MAX_MESSAGE_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_EVENT,
  SIGNAL_DISCONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What hg-qmp-client-io.c calls through the instance's pointers */
static void emit_event          (HgQmpClient *self, JsonObject *root);
static void handle_greeting     (HgQmpClient *self, JsonObject *root);
static void shutdown_connection (HgQmpClient *self, const GError *reason, gboolean emit);

/* ---- events, the greeting ---------------------------------------------- */

static void
emit_event (HgQmpClient *self, JsonObject *root)
{
  const char *name = json_object_get_string_member_with_default (root, "event", NULL);
  JsonObject *data = NULL;
  g_autoptr(JsonObject) empty = NULL;
  gint64 timestamp_us = -1;
  GQuark detail;

  if (name == NULL || *name == '\0')
    {
      g_debug ("Ignoring a QMP event without a name");
      return;
    }

  if (json_object_has_member (root, "data") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "data")))
    data = json_object_get_object_member (root, "data");
  if (data == NULL)
    data = empty = json_object_new ();

  if (json_object_has_member (root, "timestamp") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "timestamp")))
    {
      JsonObject *ts = json_object_get_object_member (root, "timestamp");
      gint64 s = json_object_get_int_member_with_default (ts, "seconds", -1);
      gint64 us = json_object_get_int_member_with_default (ts, "microseconds", 0);

      if (s >= 0)
        timestamp_us = s * G_USEC_PER_SEC + us;
    }

  g_debug ("QMP event %s", name);
  /* Nobody can have connected to a detail whose quark does not exist. */
  detail = g_quark_try_string (name);
  g_signal_emit (self, signals[SIGNAL_EVENT], detail, name, data, timestamp_us);
}

static void capabilities_done_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
handle_greeting (HgQmpClient *self, JsonObject *root)
{
  JsonObject *qmp;
  g_autoptr(GTask) caps = NULL;

  if (!json_object_has_member (root, "QMP") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "QMP")))
    {
      g_autoptr(GError) error =
        g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL,
                     _("%s did not start with a QMP greeting; is it a QMP socket?"),
                     self->path);
      shutdown_connection (self, error, TRUE);
      return;
    }

  qmp = json_object_get_object_member (root, "QMP");
  if (json_object_has_member (qmp, "version") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (qmp, "version")))
    {
      JsonObject *v = json_object_get_object_member (qmp, "version");

      if (json_object_has_member (v, "qemu") &&
          JSON_NODE_HOLDS_OBJECT (json_object_get_member (v, "qemu")))
        {
          JsonObject *q = json_object_get_object_member (v, "qemu");

          self->version[0] = json_object_get_int_member_with_default (q, "major", 0);
          self->version[1] = json_object_get_int_member_with_default (q, "minor", 0);
          self->version[2] = json_object_get_int_member_with_default (q, "micro", 0);
          self->have_version = TRUE;
        }
    }

  self->state = STATE_CAPABILITIES;
  caps = g_task_new (self, NULL, capabilities_done_cb, NULL);
  g_task_set_source_tag (caps, handle_greeting);
  _hg_qmp_client_send_command (self, g_steal_pointer (&caps), "qmp_capabilities", NULL, G_MAXUINT,
                               NULL);
}

/* ---- shutting down ----------------------------------------------------- */

static void
clear_open_sources (HgQmpClient *self)
{
  if (self->open_timeout_source != NULL)
    {
      g_source_destroy (self->open_timeout_source);
      g_clear_pointer (&self->open_timeout_source, g_source_unref);
    }
  if (self->open_cancel_source != NULL)
    {
      g_source_destroy (self->open_cancel_source);
      g_clear_pointer (&self->open_cancel_source, g_source_unref);
    }
}

/* Closes the socket, fails every pending command and either completes the
 * open task with reason (during the handshake) or emits "disconnected". */
static void
shutdown_connection (HgQmpClient  *self,
                     const GError *reason,
                     gboolean      emit)
{
  g_autoptr(HgQmpClient) hold = g_object_ref (self);
  g_autoptr(GTask) open_task = NULL;
  gboolean was_ready;

  if (self->state == STATE_CLOSED)
    return;

  g_debug ("Closing QMP connection %s: %s", self->path, reason->message);
  was_ready = self->state == STATE_READY;
  self->state = STATE_CLOSED;

  g_cancellable_cancel (self->io_cancellable);
  if (self->connection != NULL)
    {
      GSocket *socket = g_socket_connection_get_socket (self->connection);

      /* The peer sees EOF now; the fd itself is closed when the cancelled
       * reads/writes have let go of it. */
      g_socket_shutdown (socket, TRUE, TRUE, NULL);
    }
  self->input = NULL;
  self->output = NULL;
  g_clear_object (&self->connection);
  g_queue_clear_full (&self->outq, (GDestroyNotify) g_bytes_unref);
  self->writing = FALSE;
  g_byte_array_set_size (self->inbuf, 0);
  self->scanned = 0;
  clear_open_sources (self);

  _hg_qmp_client_fail_all_pending (self, reason);

  open_task = g_steal_pointer (&self->open_task);
  if (open_task != NULL)
    g_task_return_error (open_task, g_error_copy (reason));

  if (was_ready)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);

  if (emit && was_ready && !self->disconnected_emitted)
    {
      self->disconnected_emitted = TRUE;
      g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, reason);
    }
}

void
hg_qmp_client_close (HgQmpClient *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (self));

  if (self->state == STATE_CLOSED)
    return;
  if (self->state == STATE_NEW)
    {
      self->state = STATE_CLOSED;
      return;
    }
  if (self->open_task != NULL)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                         _("The QMP connection %s was closed before it was ready"),
                         self->path);
  else
    error = g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED,
                         _("The QMP connection %s was closed"), self->path);
  shutdown_connection (self, error, TRUE);
}

/* ---- opening ----------------------------------------------------------- */

static void
capabilities_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  HgQmpClient *self = HG_QMP_CLIENT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;
  g_autoptr(GTask) open_task = NULL;

  ret = g_task_propagate_pointer (G_TASK (result), &error);
  if (self->state != STATE_CAPABILITIES)
    return;  /* already failed and reported */

  if (error != NULL)
    {
      g_autoptr(GError) cerr =
        g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL,
                     _("QEMU refused qmp_capabilities on %s: %s"),
                     self->path, error->message);
      shutdown_connection (self, cerr, FALSE);
      return;
    }

  self->state = STATE_READY;
  clear_open_sources (self);
  open_task = g_steal_pointer (&self->open_task);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  if (open_task != NULL)
    g_task_return_boolean (open_task, TRUE);
}

static gboolean
open_timeout_cb (gpointer user_data)
{
  HgQmpClient *self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->state == STATE_CONNECTING || self->state == STATE_GREETING)
    error = g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT,
                         _("QEMU did not send its QMP greeting on %s within %u ms"),
                         self->path, self->greeting_timeout_ms);
  else
    error = g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT,
                         _("QEMU did not answer qmp_capabilities on %s within %u ms"),
                         self->path, self->greeting_timeout_ms);
  g_clear_pointer (&self->open_timeout_source, g_source_unref);
  shutdown_connection (self, error, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
open_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  HgQmpClient *self = user_data;
  g_autoptr(GError) error =
    g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                 _("Connecting to the QMP socket %s was cancelled"), self->path);

  g_clear_pointer (&self->open_cancel_source, g_source_unref);
  shutdown_connection (self, error, FALSE);
  return G_SOURCE_REMOVE;
}

static void
socket_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(HgQmpClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);

  if (self->state != STATE_CONNECTING)
    return;  /* timed out, cancelled or closed meanwhile */

  if (connection == NULL)
    {
      g_autoptr(GError) cerr =
        g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_CONNECT,
                     _("Cannot connect to the QMP socket %s: %s"),
                     self->path, error->message);
      shutdown_connection (self, cerr, FALSE);
      return;
    }

  self->connection = g_steal_pointer (&connection);
  self->input = g_io_stream_get_input_stream (G_IO_STREAM (self->connection));
  self->output = g_io_stream_get_output_stream (G_IO_STREAM (self->connection));
  self->state = STATE_GREETING;
  _hg_qmp_client_read_more (self);
}

void
hg_qmp_client_open_async (HgQmpClient         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSocketClient) socket_client = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_qmp_client_open_async);

  if (self->state != STATE_NEW)
    {
      g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_FAILED,
                               _("The QMP client for %s was already opened"), self->path);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  self->state = STATE_CONNECTING;
  self->open_task = g_steal_pointer (&task);

  if (self->greeting_timeout_ms > 0)
    {
      self->open_timeout_source = g_timeout_source_new (self->greeting_timeout_ms);
      g_source_set_callback (self->open_timeout_source, open_timeout_cb, self, NULL);
      g_source_set_name (self->open_timeout_source, "[hangar] QMP greeting timeout");
      g_source_attach (self->open_timeout_source, self->context);
    }
  if (cancellable != NULL)
    {
      self->open_cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->open_cancel_source,
                             G_SOURCE_FUNC (open_cancelled_cb), self, NULL);
      g_source_attach (self->open_cancel_source, self->context);
    }

  socket_client = g_socket_client_new ();
  address = g_unix_socket_address_new (self->path);
  g_socket_client_connect_async (socket_client, G_SOCKET_CONNECTABLE (address),
                                 self->io_cancellable, socket_connected_cb,
                                 g_object_ref (self));
}

gboolean
hg_qmp_client_open_finish (HgQmpClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
connect_opened_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgQmpClient *client = HG_QMP_CLIENT (source);
  g_autoptr(GError) error = NULL;

  if (!hg_qmp_client_open_finish (client, result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_object_ref (client), g_object_unref);
}

void
hg_qmp_client_connect_async (const char          *path,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(HgQmpClient) client = NULL;
  GTask *task;

  g_return_if_fail (path != NULL);

  client = hg_qmp_client_new (path);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_qmp_client_connect_async);
  hg_qmp_client_open_async (client, cancellable, connect_opened_cb, task);
}

HgQmpClient *
hg_qmp_client_connect_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- commands ---------------------------------------------------------- */

void
hg_qmp_client_execute_full_async (HgQmpClient         *self,
                                  const char          *command,
                                  JsonNode            *arguments,
                                  guint                timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (self));
  g_return_if_fail (command != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_qmp_client_execute_full_async);
  g_task_set_name (task, command);

  if (self->state != STATE_READY)
    {
      if (self->state == STATE_CLOSED)
        g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED,
                                 _("Cannot send “%s”: the QMP connection %s is closed"),
                                 command, self->path);
      else
        g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_NOT_CONNECTED,
                                 _("Cannot send “%s”: not connected to the QMP socket %s"),
                                 command, self->path);
      return;
    }
  if (arguments != NULL && !JSON_NODE_HOLDS_OBJECT (arguments))
    {
      g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                               _("The arguments of the QMP command “%s” must be a JSON object"),
                               command);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  if (timeout_ms == 0)
    timeout_ms = self->command_timeout_ms ? self->command_timeout_ms : G_MAXUINT;

  _hg_qmp_client_send_command (self, g_steal_pointer (&task), command, arguments, timeout_ms,
                               cancellable);
}

void
hg_qmp_client_execute_async (HgQmpClient         *self,
                             const char          *command,
                             JsonNode            *arguments,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  hg_qmp_client_execute_full_async (self, command, arguments, 0,
                                    cancellable, callback, user_data);
}

JsonNode *
hg_qmp_client_execute_finish (HgQmpClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- accessors --------------------------------------------------------- */

HgQmpClient *
hg_qmp_client_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (HG_TYPE_QMP_CLIENT, "path", path, NULL);
}

const char *
hg_qmp_client_get_path (HgQmpClient *self)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), NULL);
  return self->path;
}

gboolean
hg_qmp_client_is_connected (HgQmpClient *self)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), FALSE);
  return self->state == STATE_READY;
}

gboolean
hg_qmp_client_get_qemu_version (HgQmpClient *self,
                                guint       *major,
                                guint       *minor,
                                guint       *micro)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), FALSE);

  if (major)
    *major = self->version[0];
  if (minor)
    *minor = self->version[1];
  if (micro)
    *micro = self->version[2];
  return self->have_version;
}

guint
hg_qmp_client_get_n_pending (HgQmpClient *self)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), 0);
  return g_hash_table_size (self->pending);
}

guint
hg_qmp_client_get_greeting_timeout (HgQmpClient *self)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), 0);
  return self->greeting_timeout_ms;
}

void
hg_qmp_client_set_greeting_timeout (HgQmpClient *self, guint timeout_ms)
{
  g_return_if_fail (HG_IS_QMP_CLIENT (self));
  if (self->greeting_timeout_ms == timeout_ms)
    return;
  self->greeting_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GREETING_TIMEOUT]);
}

guint
hg_qmp_client_get_command_timeout (HgQmpClient *self)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), 0);
  return self->command_timeout_ms;
}

void
hg_qmp_client_set_command_timeout (HgQmpClient *self, guint timeout_ms)
{
  g_return_if_fail (HG_IS_QMP_CLIENT (self));
  if (self->command_timeout_ms == timeout_ms)
    return;
  self->command_timeout_ms = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMMAND_TIMEOUT]);
}

guint
hg_qmp_client_get_max_message_size (HgQmpClient *self)
{
  g_return_val_if_fail (HG_IS_QMP_CLIENT (self), 0);
  return self->max_message_size;
}

void
hg_qmp_client_set_max_message_size (HgQmpClient *self, guint max_bytes)
{
  g_return_if_fail (HG_IS_QMP_CLIENT (self));
  g_return_if_fail (max_bytes > 0);
  if (self->max_message_size == max_bytes)
    return;
  self->max_message_size = max_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_MESSAGE_SIZE]);
}

/* ---- GObject ----------------------------------------------------------- */

static void
hg_qmp_client_dispose (GObject *object)
{
  HgQmpClient *self = HG_QMP_CLIENT (object);

  if (self->state != STATE_CLOSED && self->state != STATE_NEW)
    {
      g_autoptr(GError) error =
        g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED,
                     _("The QMP connection %s was closed"), self->path);
      shutdown_connection (self, error, FALSE);
    }
  self->state = STATE_CLOSED;

  G_OBJECT_CLASS (hg_qmp_client_parent_class)->dispose (object);
}

static void
hg_qmp_client_finalize (GObject *object)
{
  HgQmpClient *self = HG_QMP_CLIENT (object);

  g_assert (g_hash_table_size (self->pending) == 0);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->inbuf, g_byte_array_unref);
  g_queue_clear_full (&self->outq, (GDestroyNotify) g_bytes_unref);
  g_clear_object (&self->io_cancellable);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (hg_qmp_client_parent_class)->finalize (object);
}

static void
hg_qmp_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HgQmpClient *self = HG_QMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, hg_qmp_client_is_connected (self));
      break;
    case PROP_GREETING_TIMEOUT:
      g_value_set_uint (value, self->greeting_timeout_ms);
      break;
    case PROP_COMMAND_TIMEOUT:
      g_value_set_uint (value, self->command_timeout_ms);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint (value, self->max_message_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_qmp_client_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HgQmpClient *self = HG_QMP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_assert (self->path == NULL);
      self->path = g_value_dup_string (value);
      break;
    case PROP_GREETING_TIMEOUT:
      hg_qmp_client_set_greeting_timeout (self, g_value_get_uint (value));
      break;
    case PROP_COMMAND_TIMEOUT:
      hg_qmp_client_set_command_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MAX_MESSAGE_SIZE:
      hg_qmp_client_set_max_message_size (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_qmp_client_class_init (HgQmpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hg_qmp_client_dispose;
  object_class->finalize = hg_qmp_client_finalize;
  object_class->get_property = hg_qmp_client_get_property;
  object_class->set_property = hg_qmp_client_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_GREETING_TIMEOUT] =
    g_param_spec_uint ("greeting-timeout", NULL, NULL,
                       0, G_MAXUINT - 1, HG_QMP_DEFAULT_GREETING_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMMAND_TIMEOUT] =
    g_param_spec_uint ("command-timeout", NULL, NULL,
                       0, G_MAXUINT - 1, HG_QMP_DEFAULT_COMMAND_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_MESSAGE_SIZE] =
    g_param_spec_uint ("max-message-size", NULL, NULL,
                       1, G_MAXUINT, HG_QMP_DEFAULT_MAX_MESSAGE_SIZE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_EVENT] =
    g_signal_new ("event",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  JSON_TYPE_OBJECT | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_INT64);

  signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
hg_qmp_client_init (HgQmpClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->greeting_timeout_ms = HG_QMP_DEFAULT_GREETING_TIMEOUT_MS;
  self->command_timeout_ms = HG_QMP_DEFAULT_COMMAND_TIMEOUT_MS;
  self->max_message_size = HG_QMP_DEFAULT_MAX_MESSAGE_SIZE;
  self->io_cancellable = g_cancellable_new ();
  self->inbuf = g_byte_array_new ();
  self->pending = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->outq);
  self->emit_event = emit_event;
  self->handle_greeting = handle_greeting;
  self->shutdown_connection = shutdown_connection;
}
