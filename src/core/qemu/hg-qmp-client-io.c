/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-qmp"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hg-qmp-client-private.h"

/*
 * The transport: one UNIX socket, newline-delimited JSON in both
 * directions.  Input is read in chunks into a buffer that is split at '\n'
 * (so that a single message can be capped); output is a queue of complete
 * lines written one after the other with g_output_stream_write_all_async().
 * Replies are matched to commands by "id" through a hash table id -> HgQmpPending.
 *
 * The async reads/writes reference the client only weakly, so dropping the
 * last reference closes the connection; pending commands hold a strong
 * reference (their GTask's source object) until they finish.
 */

#define READ_CHUNK_SIZE 65536

G_DEFINE_QUARK (hg-qmp-error-quark, hg_qmp_error)

HgQmpError
hg_qmp_error_from_class (const char *error_class)
{
  static const struct {
    const char *name;
    HgQmpError  code;
  } classes[] = {
    { "GenericError",    HG_QMP_ERROR_GENERIC },
    { "CommandNotFound", HG_QMP_ERROR_COMMAND_NOT_FOUND },
    { "DeviceNotFound",  HG_QMP_ERROR_DEVICE_NOT_FOUND },
    { "DeviceNotActive", HG_QMP_ERROR_DEVICE_NOT_ACTIVE },
    { "KVMMissingCap",   HG_QMP_ERROR_KVM_MISSING_CAP },
  };

  if (error_class == NULL)
    return HG_QMP_ERROR_UNKNOWN_CLASS;
  for (gsize i = 0; i < G_N_ELEMENTS (classes); i++)
    if (g_str_equal (classes[i].name, error_class))
      return classes[i].code;
  return HG_QMP_ERROR_UNKNOWN_CLASS;
}

/* ---- weak references for in-flight I/O --------------------------------- */

typedef struct {
  GWeakRef  client;
  GBytes   *bytes;    /* for writes */
} IoCtx;

static IoCtx *
io_ctx_new (HgQmpClient *self, GBytes *bytes)
{
  IoCtx *ctx = g_new0 (IoCtx, 1);

  g_weak_ref_init (&ctx->client, self);
  ctx->bytes = bytes ? g_bytes_ref (bytes) : NULL;
  return ctx;
}

static void
io_ctx_free (IoCtx *ctx)
{
  g_weak_ref_clear (&ctx->client);
  g_clear_pointer (&ctx->bytes, g_bytes_unref);
  g_free (ctx);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IoCtx, io_ctx_free)

/* ---- pending commands -------------------------------------------------- */

static void
pending_free (HgQmpPending *p)
{
  if (p->timeout_source != NULL)
    {
      g_source_destroy (p->timeout_source);
      g_source_unref (p->timeout_source);
    }
  if (p->cancel_source != NULL)
    {
      g_source_destroy (p->cancel_source);
      g_source_unref (p->cancel_source);
    }
  g_clear_object (&p->task);
  g_free (p->id);
  g_free (p->command);
  g_free (p);
}

/* Removes p from the table and hands its task back to the caller. */
static GTask *
pending_take (HgQmpClient *self, HgQmpPending *p)
{
  GTask *task = g_steal_pointer (&p->task);

  g_hash_table_remove (self->pending, p->id);
  pending_free (p);
  return task;
}

static gboolean
pending_timeout_cb (gpointer user_data)
{
  HgQmpPending *p = user_data;
  HgQmpClient *self = p->self;
  g_autofree char *command = g_strdup (p->command);
  guint timeout_ms = p->timeout_ms;
  g_autoptr(GTask) task = NULL;

  g_debug ("QMP command %s (id %s) timed out", p->command, p->id);
  task = pending_take (self, p);
  g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_TIMEOUT,
                           _("QEMU did not answer the QMP command “%s” within %u ms"),
                           command, timeout_ms);
  return G_SOURCE_REMOVE;
}

static gboolean
pending_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  HgQmpPending *p = user_data;
  g_autoptr(GTask) task = pending_take (p->self, p);

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

void
_hg_qmp_client_fail_all_pending (HgQmpClient *self, const GError *reason)
{
  g_autoptr(GList) values = g_hash_table_get_values (self->pending);
  g_autofree char *message = NULL;

  if (values == NULL)
    return;

  if (g_error_matches (reason, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED))
    message = g_strdup (reason->message);
  else
    message = g_strdup_printf (_("Lost the QMP connection to QEMU: %s"), reason->message);

  g_hash_table_remove_all (self->pending);
  for (GList *l = values; l != NULL; l = l->next)
    {
      HgQmpPending *p = l->data;
      g_autoptr(GTask) task = g_steal_pointer (&p->task);

      pending_free (p);
      g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED,
                               "%s", message);
    }
}

/* ---- writing ----------------------------------------------------------- */

/* The peer went away: reported like EOF, not as an I/O failure. */
static gboolean
is_peer_gone (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
}

static void write_next (HgQmpClient *self);

static void
write_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(IoCtx) ctx = user_data;
  g_autoptr(HgQmpClient) self = g_weak_ref_get (&ctx->client);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);

  if (self == NULL || self->state == STATE_CLOSED)
    return;

  self->writing = FALSE;
  if (error != NULL && is_peer_gone (error))
    {
      g_autoptr(GError) gone =
        g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED,
                     _("QEMU closed the QMP connection %s"), self->path);
      self->shutdown_connection (self, gone, TRUE);
      return;
    }
  if (error != NULL)
    {
      g_prefix_error (&error, _("Cannot write to the QMP socket %s: "), self->path);
      self->shutdown_connection (self, error, TRUE);
      return;
    }
  write_next (self);
}

static void
write_next (HgQmpClient *self)
{
  g_autoptr(GBytes) bytes = NULL;

  if (self->writing || self->output == NULL)
    return;
  bytes = g_queue_pop_head (&self->outq);
  if (bytes == NULL)
    return;

  self->writing = TRUE;
  g_output_stream_write_all_async (self->output,
                                   g_bytes_get_data (bytes, NULL),
                                   g_bytes_get_size (bytes),
                                   G_PRIORITY_DEFAULT,
                                   self->io_cancellable,
                                   write_done_cb,
                                   io_ctx_new (self, bytes));
}

static void
queue_line (HgQmpClient *self, char *line, gsize len)
{
  g_queue_push_tail (&self->outq, g_bytes_new_take (line, len));
  write_next (self);
}

/* ---- reading ----------------------------------------------------------- */

static void
handle_reply (HgQmpClient *self, JsonObject *root)
{
  JsonNode *id_node = json_object_get_member (root, "id");
  const char *id = NULL;
  HgQmpPending *p;
  g_autoptr(GTask) task = NULL;

  if (id_node != NULL && JSON_NODE_HOLDS_VALUE (id_node) &&
      json_node_get_value_type (id_node) == G_TYPE_STRING)
    id = json_node_get_string (id_node);

  if (id == NULL || (p = g_hash_table_lookup (self->pending, id)) == NULL)
    {
      g_debug ("Ignoring a QMP reply with an unknown id (%s)", id ? id : "none");
      return;
    }

  task = pending_take (self, p);

  if (json_object_has_member (root, "error"))
    {
      JsonNode *err = json_object_get_member (root, "error");
      const char *klass = NULL;
      const char *desc = NULL;

      if (JSON_NODE_HOLDS_OBJECT (err))
        {
          JsonObject *eo = json_node_get_object (err);

          klass = json_object_get_string_member_with_default (eo, "class", NULL);
          desc = json_object_get_string_member_with_default (eo, "desc", NULL);
        }
      g_task_return_new_error (task, HG_QMP_ERROR, hg_qmp_error_from_class (klass),
                               "%s", desc ? desc : _("QEMU reported an error without a description"));
    }
  else
    {
      g_task_return_pointer (task,
                             json_node_copy (json_object_get_member (root, "return")),
                             (GDestroyNotify) json_node_unref);
    }
}

static void
handle_line (HgQmpClient *self, const char *line, gsize len)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *obj;

  if (!g_utf8_validate (line, len, NULL))
    {
      error = g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL,
                           _("QEMU sent a QMP message on %s that is not valid UTF-8"),
                           self->path);
      self->shutdown_connection (self, error, TRUE);
      return;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, line, len, &error))
    {
      g_autoptr(GError) perr =
        g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL,
                     _("QEMU sent a QMP message on %s that is not JSON: %s"),
                     self->path, error->message);
      self->shutdown_connection (self, perr, TRUE);
      return;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      error = g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL,
                           _("QEMU sent a QMP message on %s that is not a JSON object"),
                           self->path);
      self->shutdown_connection (self, error, TRUE);
      return;
    }
  obj = json_node_get_object (root);

  if (self->state == STATE_GREETING)
    self->handle_greeting (self, obj);
  else if (json_object_has_member (obj, "event"))
    self->emit_event (self, obj);
  else if (json_object_has_member (obj, "return") || json_object_has_member (obj, "error"))
    handle_reply (self, obj);
  else
    g_debug ("Ignoring a QMP message that is neither a reply nor an event");
}

static gboolean
process_input (HgQmpClient *self)
{
  while (self->state != STATE_CLOSED)
    {
      const guint8 *nl = memchr (self->inbuf->data + self->scanned, '\n',
                                 self->inbuf->len - self->scanned);
      g_autofree char *line = NULL;
      gsize len;

      if (nl == NULL)
        {
          self->scanned = self->inbuf->len;
          break;
        }

      len = nl - self->inbuf->data;
      if (len > self->max_message_size)
        break;
      line = g_strndup ((const char *) self->inbuf->data, len);
      g_byte_array_remove_range (self->inbuf, 0, len + 1);
      self->scanned = 0;
      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (len == 0)
        continue;
      /* g_strndup stops at a NUL: a NUL inside a line is not UTF-8 text */
      if (strlen (line) != len)
        {
          g_autoptr(GError) error =
            g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_PROTOCOL,
                         _("QEMU sent a QMP message on %s that is not valid UTF-8"),
                         self->path);
          self->shutdown_connection (self, error, TRUE);
          return FALSE;
        }
      handle_line (self, line, len);
    }

  if (self->state == STATE_CLOSED)
    return FALSE;

  /* Whatever is left is an incomplete line (or an over-long complete one) */
  {
    const guint8 *nl = memchr (self->inbuf->data + self->scanned, '\n',
                               self->inbuf->len - self->scanned);
    gsize len = nl ? (gsize) (nl - self->inbuf->data) : self->inbuf->len;

    if (len > self->max_message_size)
      {
        g_autoptr(GError) error =
          g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_TOO_LARGE,
                       _("QEMU sent a QMP message on %s larger than the limit of %u bytes"),
                       self->path, self->max_message_size);
        self->shutdown_connection (self, error, TRUE);
        return FALSE;
      }
  }
  return TRUE;
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(IoCtx) ctx = user_data;
  g_autoptr(HgQmpClient) self = g_weak_ref_get (&ctx->client);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (self == NULL || self->state == STATE_CLOSED)
    return;

  if (bytes == NULL && !is_peer_gone (error))
    {
      g_prefix_error (&error, _("Cannot read from the QMP socket %s: "), self->path);
      self->shutdown_connection (self, error, TRUE);
      return;
    }

  /* EOF, or a reset (QEMU exiting with our bytes unread) */
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      g_autoptr(GError) eof = NULL;

      if (self->state == STATE_GREETING)
        eof = g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED,
                           _("QEMU closed the QMP connection %s before its greeting"),
                           self->path);
      else
        eof = g_error_new (HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED,
                           _("QEMU closed the QMP connection %s"), self->path);
      self->shutdown_connection (self, eof, TRUE);
      return;
    }

  g_byte_array_append (self->inbuf,
                       g_bytes_get_data (bytes, NULL),
                       g_bytes_get_size (bytes));

  if (process_input (self))
    _hg_qmp_client_read_more (self);
}

void
_hg_qmp_client_read_more (HgQmpClient *self)
{
  g_input_stream_read_bytes_async (self->input, READ_CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   self->io_cancellable, read_done_cb,
                                   io_ctx_new (self, NULL));
}

/* ---- commands ---------------------------------------------------------- */

void
_hg_qmp_client_send_command (HgQmpClient  *self,
                             GTask        *task,       /* transfer full */
                             const char   *command,
                             JsonNode     *arguments,
                             guint         timeout_ms,
                             GCancellable *cancellable)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) text = NULL;
  HgQmpPending *p;

  p = g_new0 (HgQmpPending, 1);
  p->self = self;
  p->id = g_strdup_printf ("hg-%" G_GUINT64_FORMAT, ++self->next_id);
  p->command = g_strdup (command);
  p->timeout_ms = timeout_ms;
  p->task = task;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "execute");
  json_builder_add_string_value (builder, command);
  if (arguments != NULL)
    {
      json_builder_set_member_name (builder, "arguments");
      json_builder_add_value (builder, json_node_copy (arguments));
    }
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, p->id);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  text = g_string_new (NULL);
  json_generator_to_gstring (generator, text);
  g_string_append_c (text, '\n');

  g_hash_table_insert (self->pending, p->id, p);

  if (timeout_ms != G_MAXUINT && timeout_ms > 0)
    {
      p->timeout_source = g_timeout_source_new (timeout_ms);
      g_source_set_callback (p->timeout_source, pending_timeout_cb, p, NULL);
      g_source_set_name (p->timeout_source, "[hangar] QMP command timeout");
      g_source_attach (p->timeout_source, self->context);
    }
  if (cancellable != NULL)
    {
      p->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (p->cancel_source, G_SOURCE_FUNC (pending_cancelled_cb), p, NULL);
      g_source_attach (p->cancel_source, self->context);
    }

  g_debug ("QMP send %.*s", (int) text->len - 1, text->str);
  {
    gsize len = text->len;

    queue_line (self, g_string_free (g_steal_pointer (&text), FALSE), len);
  }
}
