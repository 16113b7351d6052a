/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>

#include "hg-serial-view.h"

/* One read; a flooding guest is fed in pieces of this size, each read being
 * a separate main-loop dispatch at low priority (input and drawing first).
 * After a piece, the next read waits until the terminal has processed it
 * ("contents-changed") -- or VTE_CATCH_UP_MS when a piece changes nothing
 * visible -- so that the terminal's backlog never grows without bound: the
 * back-pressure goes to the socket, and QEMU, not the window, waits.
 * Before the view has a terminal there is nothing to wait for: reads go on
 * at once into pending_in, which keeps the newest bytes. */
#define READ_CHUNK_SIZE   (32 * 1024)
#define READ_PRIORITY     G_PRIORITY_LOW
#define VTE_CATCH_UP_MS   100
#define SCROLLBACK_LINES  10000

G_STATIC_ASSERT (READ_CHUNK_SIZE < HG_SERIAL_VIEW_MAX_PENDING);

#define RESPONSE_RECONNECT 1

struct _HgSerialView
{
  GtkBox              parent_instance;

  /* template */
  GtkInfoBar         *info_bar;
  GtkLabel           *info_label;
  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkBox             *terminal_box;
  GMenuModel         *context_menu;

  VteTerminal        *terminal;       /* in terminal_box, made when first needed */
  GByteArray         *pending_in;     /* read while there was no terminal */

  char               *socket_path;
  char               *title;
  char               *error_message;

  /* one connection attempt / session; cancelled on reconnect and dispose */
  GCancellable       *cancellable;
  GSocketConnection  *connection;
  GByteArray         *pending_out;    /* typed, not yet handed to a write */
  gboolean            writing;
  guint64             bytes_received;
  guint               catch_up_id;    /* waiting for the terminal before reading on */
};

G_DEFINE_FINAL_TYPE (HgSerialView, hg_serial_view, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_SOCKET_PATH,
  PROP_CONNECTED,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_read  (HgSerialView *self);
static VteTerminal *ensure_terminal (HgSerialView *self);
static gboolean catch_up_timeout (gpointer user_data);
static void flush_write (HgSerialView *self);

GtkWidget *
hg_serial_view_new (void)
{
  return g_object_new (HG_TYPE_SERIAL_VIEW, NULL);
}

static void
show_problem (HgSerialView *self,
              GtkMessageType type,
              const char    *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  gtk_label_set_text (self->info_label, message);
  gtk_info_bar_set_message_type (self->info_bar, type);
  gtk_info_bar_set_revealed (self->info_bar, TRUE);
}

static void
hide_problem (HgSerialView *self)
{
  g_clear_pointer (&self->error_message, g_free);
  gtk_info_bar_set_revealed (self->info_bar, FALSE);
}

static const char *
get_title (HgSerialView *self)
{
  return self->title != NULL ? self->title : _("Console");
}

/* Drops the current connection (if any) and forgets what was typed. */
static void
drop_connection (HgSerialView *self)
{
  gboolean was_connected = self->connection != NULL;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->connection != NULL)
    g_io_stream_close_async (G_IO_STREAM (self->connection), G_PRIORITY_DEFAULT,
                             NULL, NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_handle_id (&self->catch_up_id, g_source_remove);
  g_byte_array_set_size (self->pending_out, 0);
  self->writing = FALSE;

  if (was_connected)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

/* Keeps what was read for the terminal to come: the newest
 * HG_SERIAL_VIEW_MAX_PENDING bytes, from the start of a line when older ones
 * have to go (as VTE's scrollback drops whole lines). */
static void
keep_pending (HgSerialView *self,
              const guint8 *data,
              gsize         len)
{
  g_assert (len <= READ_CHUNK_SIZE);

  if (self->pending_in == NULL)
    self->pending_in = g_byte_array_new ();
  if (self->pending_in->len + len > HG_SERIAL_VIEW_MAX_PENDING)
    {
      gsize cut = self->pending_in->len + len - HG_SERIAL_VIEW_MAX_PENDING;
      const guint8 *newline = memchr (self->pending_in->data + cut, '\n',
                                      self->pending_in->len - cut);

      if (newline != NULL)
        cut = (gsize) (newline - self->pending_in->data) + 1;
      g_byte_array_remove_range (self->pending_in, 0, (guint) cut);
    }
  g_byte_array_append (self->pending_in, data, (guint) len);
}

/* The session ended (EOF or error).  Keeps what the terminal shows. */
static void
connection_lost (HgSerialView *self,
                 const GError *error)
{
  g_autofree char *message = NULL;

  if (error != NULL)
    message = g_strdup_printf (_("%s on %s failed: %s"),
                               get_title (self), self->socket_path, error->message);
  else
    message = g_strdup_printf (_("%s closed: the VM stopped or the socket %s went away."),
                               get_title (self), self->socket_path);
  drop_connection (self);
  show_problem (self, error != NULL ? GTK_MESSAGE_ERROR : GTK_MESSAGE_WARNING, message);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(HgSerialView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize len;
  const guint8 *data;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          self->connection != NULL &&
          G_INPUT_STREAM (source) == g_io_stream_get_input_stream (G_IO_STREAM (self->connection)))
        connection_lost (self, error);
      return;
    }
  /* A stale read of a connection dropped meanwhile */
  if (self->connection == NULL ||
      G_INPUT_STREAM (source) != g_io_stream_get_input_stream (G_IO_STREAM (self->connection)))
    return;

  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      connection_lost (self, NULL);
      return;
    }
  self->bytes_received += len;
  if (self->terminal == NULL)
    {
      /* no terminal to catch up with: read on */
      keep_pending (self, data, len);
      start_read (self);
      return;
    }
  vte_terminal_feed (self->terminal, (const char *) data, (gssize) len);
  /* read on once the terminal caught up (on_contents_changed) */
  self->catch_up_id = g_timeout_add (VTE_CATCH_UP_MS, catch_up_timeout, self);
}

static void
resume_reading (HgSerialView *self)
{
  if (self->catch_up_id == 0)
    return;
  g_clear_handle_id (&self->catch_up_id, g_source_remove);
  if (self->connection != NULL)
    start_read (self);
}

static gboolean
catch_up_timeout (gpointer user_data)
{
  HgSerialView *self = user_data;

  self->catch_up_id = 0;
  if (self->connection != NULL)
    start_read (self);
  return G_SOURCE_REMOVE;
}

static void
on_contents_changed (VteTerminal  *terminal,
                     HgSerialView *self)
{
  resume_reading (self);
}

static void
start_read (HgSerialView *self)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (self->connection));

  g_input_stream_read_bytes_async (in, READ_CHUNK_SIZE, READ_PRIORITY,
                                   self->cancellable, on_read, g_object_ref (self));
}

typedef struct {
  HgSerialView *self;
  GBytes       *chunk;   /* the buffer being written lives as long as the write */
} WriteOp;

static void
write_op_free (WriteOp *op)
{
  g_object_unref (op->self);
  g_bytes_unref (op->chunk);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WriteOp, write_op_free)

static void
on_write (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WriteOp) op = user_data;
  HgSerialView *self = op->self;
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          self->connection != NULL &&
          G_OUTPUT_STREAM (source) == g_io_stream_get_output_stream (G_IO_STREAM (self->connection)))
        connection_lost (self, error);
      return;
    }
  if (self->connection == NULL ||
      G_OUTPUT_STREAM (source) != g_io_stream_get_output_stream (G_IO_STREAM (self->connection)))
    return;
  self->writing = FALSE;
  flush_write (self);
}

static void
flush_write (HgSerialView *self)
{
  GOutputStream *out;
  WriteOp *op;

  if (self->writing || self->connection == NULL || self->pending_out->len == 0)
    return;

  out = g_io_stream_get_output_stream (G_IO_STREAM (self->connection));
  op = g_new0 (WriteOp, 1);
  op->self = g_object_ref (self);
  op->chunk = g_byte_array_free_to_bytes (g_steal_pointer (&self->pending_out));
  self->pending_out = g_byte_array_new ();
  self->writing = TRUE;
  g_output_stream_write_all_async (out, g_bytes_get_data (op->chunk, NULL),
                                   g_bytes_get_size (op->chunk), G_PRIORITY_DEFAULT,
                                   self->cancellable, on_write, op);
}

static void
on_terminal_commit (VteTerminal  *terminal,
                    const char   *text,
                    guint         size,
                    HgSerialView *self)
{
  if (self->connection == NULL)
    {
      gtk_widget_error_bell (GTK_WIDGET (terminal));
      return;
    }
  g_byte_array_append (self->pending_out, (const guint8 *) text, size);
  flush_write (self);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HgSerialView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message =
            g_strdup_printf (_("Cannot attach the %s to %s: %s"),
                             get_title (self), self->socket_path, error->message);
          g_clear_object (&self->cancellable);
          show_problem (self, GTK_MESSAGE_ERROR, message);
        }
      return;
    }

  self->connection = g_steal_pointer (&connection);
  self->bytes_received = 0;
  hide_problem (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  start_read (self);
}

void
hg_serial_view_reconnect (HgSerialView *self)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_if_fail (HG_IS_SERIAL_VIEW (self));

  drop_connection (self);
  hide_problem (self);
  if (self->socket_path == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  client = g_socket_client_new ();
  address = g_unix_socket_address_new (self->socket_path);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (address),
                                 self->cancellable, on_connected, g_object_ref (self));
}

void
hg_serial_view_disconnect (HgSerialView *self)
{
  g_return_if_fail (HG_IS_SERIAL_VIEW (self));

  drop_connection (self);
  hide_problem (self);
}

void
hg_serial_view_set_socket_path (HgSerialView *self,
                                const char   *path)
{
  g_return_if_fail (HG_IS_SERIAL_VIEW (self));

  if (g_strcmp0 (path, self->socket_path) == 0)
    return;
  g_free (self->socket_path);
  self->socket_path = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOCKET_PATH]);
}

const char *
hg_serial_view_get_socket_path (HgSerialView *self)
{
  g_return_val_if_fail (HG_IS_SERIAL_VIEW (self), NULL);
  return self->socket_path;
}

gboolean
hg_serial_view_get_connected (HgSerialView *self)
{
  g_return_val_if_fail (HG_IS_SERIAL_VIEW (self), FALSE);
  return self->connection != NULL;
}

VteTerminal *
hg_serial_view_get_terminal (HgSerialView *self)
{
  g_return_val_if_fail (HG_IS_SERIAL_VIEW (self), NULL);
  return ensure_terminal (self);
}

void
hg_serial_view_clear (HgSerialView *self)
{
  g_return_if_fail (HG_IS_SERIAL_VIEW (self));

  if (self->terminal != NULL)
    vte_terminal_reset (self->terminal, TRUE, TRUE);
  else
    g_clear_pointer (&self->pending_in, g_byte_array_unref);
}

const char *
hg_serial_view_get_error_message (HgSerialView *self)
{
  g_return_val_if_fail (HG_IS_SERIAL_VIEW (self), NULL);
  return self->error_message;
}

guint64
hg_serial_view_get_bytes_received (HgSerialView *self)
{
  g_return_val_if_fail (HG_IS_SERIAL_VIEW (self), 0);
  return self->bytes_received;
}

char *
hg_serial_view_dup_text (HgSerialView *self)
{
  VteTerminal *terminal;
  glong rows;

  g_return_val_if_fail (HG_IS_SERIAL_VIEW (self), NULL);

  /* From the oldest scrollback line to the bottom of the screen */
  terminal = ensure_terminal (self);
  rows = (glong) gtk_adjustment_get_upper (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (terminal)));
  return vte_terminal_get_text_range (terminal, 0, 0, rows, vte_terminal_get_column_count (terminal),
                                      NULL, NULL, NULL);
}

/* ---- search -------------------------------------------------------------- */

static void
on_search_changed (GtkSearchEntry *entry,
                   HgSerialView   *self)
{
  const char *text = gtk_entry_get_text (GTK_ENTRY (entry));
  VteTerminal *terminal;
  g_autoptr(VteRegex) regex = NULL;
  g_autoptr(GError) error = NULL;

  if (text[0] != '\0')
    {
      /* PCRE2_CASELESS | PCRE2_MULTILINE (vte takes PCRE2 flags) */
      regex = vte_regex_new_for_search (text, -1, 0x00000008u | 0x00000400u, &error);
      if (regex == NULL)
        {
          gtk_widget_set_tooltip_text (GTK_WIDGET (entry), error->message);
          gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (entry)), "error");
          return;
        }
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (entry), NULL);
  gtk_style_context_remove_class (gtk_widget_get_style_context (GTK_WIDGET (entry)), "error");
  terminal = ensure_terminal (self);
  vte_terminal_search_set_regex (terminal, regex, 0);
  vte_terminal_search_set_wrap_around (terminal, TRUE);
  if (regex != NULL)
    vte_terminal_search_find_previous (terminal);
}

static void
on_search_next (HgSerialView *self)
{
  vte_terminal_search_find_next (ensure_terminal (self));
}

static void
on_search_previous (HgSerialView *self)
{
  vte_terminal_search_find_previous (ensure_terminal (self));
}

/* ---- actions: term.copy / paste / find / reconnect / reset --------------- */

static void
action_copy (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgSerialView *self = user_data;
  vte_terminal_copy_clipboard_format (ensure_terminal (self), VTE_FORMAT_TEXT);
}

static void
action_paste (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgSerialView *self = user_data;
  vte_terminal_paste_clipboard (ensure_terminal (self));
}

static void
action_find (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgSerialView *self = user_data;
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
action_reconnect (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  hg_serial_view_reconnect (HG_SERIAL_VIEW (user_data));
}

static void
action_reset (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  hg_serial_view_clear (HG_SERIAL_VIEW (user_data));
}

static const GActionEntry term_actions[] = {
  { "copy", action_copy },
  { "paste", action_paste },
  { "find", action_find },
  { "reconnect", action_reconnect },
  { "reset", action_reset },
};

static gboolean
on_terminal_key_press (GtkWidget    *widget,
                       GdkEventKey  *event,
                       HgSerialView *self)
{
  GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask ();
  guint key = gdk_keyval_to_lower (event->keyval);

  /* Ctrl-Shift-C/V/F as in every terminal; plain Ctrl-C goes to the guest */
  if (mods != (GDK_CONTROL_MASK | GDK_SHIFT_MASK))
    return GDK_EVENT_PROPAGATE;
  switch (key)
    {
    case GDK_KEY_c:
      action_copy (NULL, NULL, self);
      return GDK_EVENT_STOP;
    case GDK_KEY_v:
      action_paste (NULL, NULL, self);
      return GDK_EVENT_STOP;
    case GDK_KEY_f:
      action_find (NULL, NULL, self);
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static gboolean
on_terminal_button_press (GtkWidget      *widget,
                          GdkEventButton *event,
                          HgSerialView   *self)
{
  GtkWidget *menu;

  if (!gdk_event_triggers_context_menu ((GdkEvent *) event))
    return GDK_EVENT_PROPAGATE;
  menu = gtk_menu_new_from_model (self->context_menu);
  gtk_menu_attach_to_widget (GTK_MENU (menu), widget, NULL);
  g_signal_connect (menu, "deactivate", G_CALLBACK (gtk_widget_destroy), NULL);
  gtk_menu_popup_at_pointer (GTK_MENU (menu), (GdkEvent *) event);
  return GDK_EVENT_STOP;
}

static void
on_info_bar_response (GtkInfoBar   *bar,
                      int           response,
                      HgSerialView *self)
{
  if (response == RESPONSE_RECONNECT)
    hg_serial_view_reconnect (self);
}

/* ---- the terminal, made when first needed --------------------------------- */

static VteTerminal *
ensure_terminal (HgSerialView *self)
{
  GtkWidget *scrollbar;

  if (self->terminal != NULL)
    return self->terminal;

  self->terminal = VTE_TERMINAL (vte_terminal_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->terminal), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->terminal), TRUE);
  gtk_widget_set_can_focus (GTK_WIDGET (self->terminal), TRUE);
  vte_terminal_set_scrollback_lines (self->terminal, SCROLLBACK_LINES);
  vte_terminal_set_scroll_on_output (self->terminal, TRUE);
  vte_terminal_set_scroll_on_keystroke (self->terminal, TRUE);
  g_signal_connect_object (self->terminal, "commit",
                           G_CALLBACK (on_terminal_commit), self, 0);
  g_signal_connect_object (self->terminal, "contents-changed",
                           G_CALLBACK (on_contents_changed), self, 0);
  g_signal_connect_object (self->terminal, "key-press-event",
                           G_CALLBACK (on_terminal_key_press), self, 0);
  g_signal_connect_object (self->terminal, "button-press-event",
                           G_CALLBACK (on_terminal_button_press), self, 0);
  scrollbar = gtk_scrollbar_new (GTK_ORIENTATION_VERTICAL,
                                 gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->terminal)));
  gtk_widget_show (GTK_WIDGET (self->terminal));
  gtk_widget_show (scrollbar);
  gtk_container_add (GTK_CONTAINER (self->terminal_box), GTK_WIDGET (self->terminal));
  gtk_container_add (GTK_CONTAINER (self->terminal_box), scrollbar);

  /* what came before it; reading goes on as it is (a read may be under way) */
  if (self->pending_in != NULL)
    {
      vte_terminal_feed (self->terminal, (const char *) self->pending_in->data,
                         (gssize) self->pending_in->len);
      g_clear_pointer (&self->pending_in, g_byte_array_unref);
    }
  return self->terminal;
}

/* ---- GObject ------------------------------------------------------------- */

static void
hg_serial_view_map (GtkWidget *widget)
{
  /* first shown: the terminal is mapped with the rest */
  ensure_terminal (HG_SERIAL_VIEW (widget));
  GTK_WIDGET_CLASS (hg_serial_view_parent_class)->map (widget);
}

static void
hg_serial_view_dispose (GObject *object)
{
  HgSerialView *self = HG_SERIAL_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->connection);
  g_clear_handle_id (&self->catch_up_id, g_source_remove);

  G_OBJECT_CLASS (hg_serial_view_parent_class)->dispose (object);
  self->terminal = NULL;    /* destroyed with terminal_box */
}

static void
hg_serial_view_finalize (GObject *object)
{
  HgSerialView *self = HG_SERIAL_VIEW (object);

  g_clear_pointer (&self->pending_out, g_byte_array_unref);
  g_clear_pointer (&self->pending_in, g_byte_array_unref);
  g_clear_pointer (&self->socket_path, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->error_message, g_free);

  G_OBJECT_CLASS (hg_serial_view_parent_class)->finalize (object);
}

static void
hg_serial_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HgSerialView *self = HG_SERIAL_VIEW (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH:
      g_value_set_string (value, self->socket_path);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connection != NULL);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_serial_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HgSerialView *self = HG_SERIAL_VIEW (object);

  switch (prop_id)
    {
    case PROP_SOCKET_PATH:
      hg_serial_view_set_socket_path (self, g_value_get_string (value));
      break;
    case PROP_TITLE:
      g_free (self->title);
      self->title = g_value_dup_string (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_serial_view_class_init (HgSerialViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_serial_view_dispose;
  object_class->finalize = hg_serial_view_finalize;
  object_class->get_property = hg_serial_view_get_property;
  object_class->set_property = hg_serial_view_set_property;
  widget_class->map = hg_serial_view_map;

  properties[PROP_SOCKET_PATH] =
    g_param_spec_string ("socket-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-serial-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HgSerialView, info_bar);
  gtk_widget_class_bind_template_child (widget_class, HgSerialView, info_label);
  gtk_widget_class_bind_template_child (widget_class, HgSerialView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, HgSerialView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HgSerialView, terminal_box);
  gtk_widget_class_bind_template_child (widget_class, HgSerialView, context_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_info_bar_response);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_next);
  gtk_widget_class_bind_template_callback (widget_class, on_search_previous);
  gtk_widget_class_set_css_name (widget_class, "hgserialview");
}

static void
hg_serial_view_init (HgSerialView *self)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();

  self->pending_out = g_byte_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_search_bar_connect_entry (self->search_bar, GTK_ENTRY (self->search_entry));

  g_action_map_add_action_entries (G_ACTION_MAP (group), term_actions,
                                   G_N_ELEMENTS (term_actions), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "term", G_ACTION_GROUP (group));
}
