/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "hg-fake-qmp.h"

typedef enum {
  STEP_SEND,
  STEP_EXPECT,
  STEP_CLOSE,
} StepType;

typedef struct {
  StepType  type;
  GBytes   *data;      /* SEND */
  gboolean  substitute;
  char     *command;   /* EXPECT */
  char     *label;     /* EXPECT */
} Step;

struct _HgFakeQmp {
  char              *dir;
  char              *path;
  GSocketService    *service;
  GSocketConnection *connection;
  GCancellable      *cancellable;
  GQueue             steps;      /* Step* */
  GQueue             lines;      /* char* received and not yet consumed */
  GByteArray        *inbuf;
  GQueue             outq;       /* GBytes* */
  gboolean           writing;
  guint              outstanding;
  gboolean           eof;
  GHashTable        *received;   /* label -> JsonObject* */
  GString           *errors;
};

static void run_steps (HgFakeQmp *fake);

static void
step_free (Step *step)
{
  g_clear_pointer (&step->data, g_bytes_unref);
  g_free (step->command);
  g_free (step->label);
  g_free (step);
}

static void
add_error (HgFakeQmp *fake, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_error (HgFakeQmp *fake, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_string_append_vprintf (fake->errors, format, ap);
  g_string_append_c (fake->errors, '\n');
  va_end (ap);
}

/* ---- writing ----------------------------------------------------------- */

static void write_next (HgFakeQmp *fake);

static void
write_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HgFakeQmp *fake = user_data;
  g_autoptr(GError) error = NULL;

  fake->outstanding--;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("fake QMP write: %s", error->message);
      fake->writing = FALSE;
      g_queue_clear_full (&fake->outq, (GDestroyNotify) g_bytes_unref);
      if (!g_cancellable_is_cancelled (fake->cancellable))
        run_steps (fake);
      return;
    }
  fake->writing = FALSE;
  g_bytes_unref (g_queue_pop_head (&fake->outq));
  write_next (fake);
  run_steps (fake);
}

static void
write_next (HgFakeQmp *fake)
{
  GBytes *bytes;

  if (fake->writing || fake->connection == NULL)
    return;
  bytes = g_queue_peek_head (&fake->outq);
  if (bytes == NULL)
    return;
  fake->writing = TRUE;
  fake->outstanding++;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (fake->connection)),
                                   g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_PRIORITY_DEFAULT, fake->cancellable, write_done_cb, fake);
}

static GBytes *
substitute (HgFakeQmp *fake, GBytes *data)
{
  g_autoptr(GString) out = g_string_new_len (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, fake->received);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *pattern = g_strdup_printf ("@%s@", (const char *) key);
      JsonNode *id = json_object_get_member (value, "id");
      g_autofree char *id_json = id ? json_to_string (id, FALSE) : g_strdup ("null");

      g_string_replace (out, pattern, id_json, 0);
    }
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* ---- the script -------------------------------------------------------- */

static void
run_steps (HgFakeQmp *fake)
{
  Step *step;

  while (fake->connection != NULL && (step = g_queue_peek_head (&fake->steps)) != NULL)
    {
      if (step->type == STEP_SEND)
        {
          g_queue_push_tail (&fake->outq,
                             step->substitute ? substitute (fake, step->data)
                                              : g_bytes_ref (step->data));
          write_next (fake);
        }
      else if (step->type == STEP_EXPECT)
        {
          g_autofree char *line = g_queue_pop_head (&fake->lines);
          g_autoptr(JsonParser) parser = NULL;
          g_autoptr(GError) error = NULL;
          JsonNode *root;
          const char *execute = NULL;

          if (line == NULL)
            {
              if (fake->eof)
                {
                  add_error (fake, "EOF while expecting “%s”", step->command);
                  g_clear_object (&fake->connection);
                }
              return;
            }
          parser = json_parser_new ();
          if (!json_parser_load_from_data (parser, line, -1, &error))
            add_error (fake, "expected “%s”, got non-JSON “%s”", step->command, line);
          else if ((root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
            add_error (fake, "expected “%s”, got “%s”", step->command, line);
          else
            {
              JsonObject *o = json_node_get_object (root);

              execute = json_object_get_string_member_with_default (o, "execute", NULL);
              if (g_strcmp0 (execute, step->command) != 0)
                add_error (fake, "expected “%s”, got “%s”", step->command, line);
              if (step->label != NULL)
                g_hash_table_replace (fake->received, g_strdup (step->label), json_object_ref (o));
            }
        }
      else /* STEP_CLOSE */
        {
          if (fake->writing || !g_queue_is_empty (&fake->outq))
            return;
          /* the client sees EOF; our pending read returns 0 */
          g_socket_shutdown (g_socket_connection_get_socket (fake->connection), TRUE, TRUE, NULL);
          g_clear_object (&fake->connection);
        }

      step_free (g_queue_pop_head (&fake->steps));
    }
}

static void
push_step (HgFakeQmp *fake, Step *step)
{
  g_queue_push_tail (&fake->steps, step);
  run_steps (fake);
}

void
hg_fake_qmp_send (HgFakeQmp *fake, const char *line)
{
  Step *step = g_new0 (Step, 1);

  step->type = STEP_SEND;
  step->data = g_bytes_new_take (g_strconcat (line, "\n", NULL), strlen (line) + 1);
  step->substitute = TRUE;
  push_step (fake, step);
}

void
hg_fake_qmp_send_raw (HgFakeQmp *fake, const void *data, gsize len)
{
  Step *step = g_new0 (Step, 1);

  step->type = STEP_SEND;
  step->data = g_bytes_new (data, len);
  push_step (fake, step);
}

void
hg_fake_qmp_expect (HgFakeQmp *fake, const char *command, const char *label)
{
  Step *step = g_new0 (Step, 1);

  step->type = STEP_EXPECT;
  step->command = g_strdup (command);
  step->label = g_strdup (label);
  push_step (fake, step);
}

void
hg_fake_qmp_close (HgFakeQmp *fake)
{
  Step *step = g_new0 (Step, 1);

  step->type = STEP_CLOSE;
  push_step (fake, step);
}

void
hg_fake_qmp_handshake (HgFakeQmp *fake)
{
  hg_fake_qmp_send (fake,
                    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                    "\"package\": \"Debian 1:7.2+dfsg-7\"}, \"capabilities\": [\"oob\"]}}");
  hg_fake_qmp_expect (fake, "qmp_capabilities", "capabilities");
  hg_fake_qmp_send (fake, "{\"return\": {}, \"id\": @capabilities@}");
}

/* ---- reading ----------------------------------------------------------- */

static void read_more (HgFakeQmp *fake);

static void
read_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HgFakeQmp *fake = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *nl;

  fake->outstanding--;
  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (g_cancellable_is_cancelled (fake->cancellable))
    return;

  if (fake->connection == NULL)
    return;  /* closed by the script */
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      fake->eof = TRUE;
      run_steps (fake);
      return;
    }

  g_byte_array_append (fake->inbuf, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  while ((nl = memchr (fake->inbuf->data, '\n', fake->inbuf->len)) != NULL)
    {
      gsize len = nl - fake->inbuf->data;

      g_queue_push_tail (&fake->lines, g_strndup ((char *) fake->inbuf->data, len));
      g_byte_array_remove_range (fake->inbuf, 0, len + 1);
    }
  run_steps (fake);
  if (fake->connection != NULL)
    read_more (fake);
}

static void
read_more (HgFakeQmp *fake)
{
  fake->outstanding++;
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (fake->connection)),
                                   65536, G_PRIORITY_DEFAULT, fake->cancellable,
                                   read_done_cb, fake);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  HgFakeQmp *fake = user_data;

  if (fake->connection != NULL || fake->eof)
    {
      add_error (fake, "a second connection to the fake QMP peer");
      return FALSE;
    }
  fake->connection = g_object_ref (connection);
  /* one client only */
  g_socket_service_stop (fake->service);
  read_more (fake);
  run_steps (fake);
  return TRUE;
}

/* ---- public ------------------------------------------------------------ */

HgFakeQmp *
hg_fake_qmp_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  HgFakeQmp *fake = g_new0 (HgFakeQmp, 1);

  fake->dir = g_dir_make_tmp ("hangar-fake-qmp-XXXXXX", &error);
  g_assert_no_error (error);
  fake->path = g_build_filename (fake->dir, "qmp.sock", NULL);
  fake->cancellable = g_cancellable_new ();
  fake->inbuf = g_byte_array_new ();
  fake->received = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) json_object_unref);
  fake->errors = g_string_new (NULL);
  g_queue_init (&fake->steps);
  g_queue_init (&fake->lines);
  g_queue_init (&fake->outq);

  fake->service = g_socket_service_new ();
  address = g_unix_socket_address_new (fake->path);
  g_socket_listener_add_address (G_SOCKET_LISTENER (fake->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                 NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (fake->service, "incoming", G_CALLBACK (incoming_cb), fake);
  g_socket_service_start (fake->service);
  return fake;
}

void
hg_fake_qmp_free (HgFakeQmp *fake)
{
  if (fake == NULL)
    return;

  g_cancellable_cancel (fake->cancellable);
  if (fake->connection != NULL)
    {
      g_socket_shutdown (g_socket_connection_get_socket (fake->connection), TRUE, TRUE, NULL);
      g_clear_object (&fake->connection);
    }
  /* let the cancelled reads and writes call back before the memory goes */
  while (fake->outstanding > 0)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  g_socket_service_stop (fake->service);
  g_socket_listener_close (G_SOCKET_LISTENER (fake->service));
  g_clear_object (&fake->service);
  g_queue_clear_full (&fake->steps, (GDestroyNotify) step_free);
  g_queue_clear_full (&fake->lines, g_free);
  g_queue_clear_full (&fake->outq, (GDestroyNotify) g_bytes_unref);
  g_byte_array_unref (fake->inbuf);
  g_hash_table_unref (fake->received);
  g_string_free (fake->errors, TRUE);
  g_clear_object (&fake->cancellable);
  g_unlink (fake->path);
  g_rmdir (fake->dir);
  g_free (fake->path);
  g_free (fake->dir);
  g_free (fake);
}

const char *
hg_fake_qmp_get_path (HgFakeQmp *fake)
{
  return fake->path;
}

JsonObject *
hg_fake_qmp_get_received (HgFakeQmp *fake, const char *label)
{
  return g_hash_table_lookup (fake->received, label);
}

gboolean
hg_fake_qmp_is_connected (HgFakeQmp *fake)
{
  return fake->connection != NULL;
}

gboolean
hg_fake_qmp_is_finished (HgFakeQmp *fake)
{
  return g_queue_is_empty (&fake->steps) && !fake->writing;
}

gboolean
hg_fake_qmp_saw_eof (HgFakeQmp *fake)
{
  return fake->eof;
}

void
hg_fake_qmp_assert_finished (HgFakeQmp *fake)
{
  if (fake->errors->len > 0)
    g_error ("fake QMP peer: %s", fake->errors->str);
  if (!g_queue_is_empty (&fake->steps))
    g_error ("fake QMP peer: %u script steps were not played", g_queue_get_length (&fake->steps));
}
