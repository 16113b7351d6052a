/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <gtk/gtk.h>

#include "hg-serial-view.h"
#include "hg-test-skip.h"
#include "hg-vnc-view.h"

/*
 * The embedded display and the terminals against a real QEMU (TCG) running
 * the tiny guest, which prints "HANGAR-BOOT OK" on COM1 and on the VGA text
 * screen and echoes what it reads.  Everything waits on events (main loop +
 * deadline), never on a fixed sleep.
 */

#define DEADLINE_MS 90000
#define BANNER "HANGAR-BOOT OK"

typedef gboolean (*Condition) (gpointer data);

static gboolean
deadline_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop until cond is true or timeout_ms passed */
static gboolean
wait_for (Condition cond,
          gpointer  data,
          guint     timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, deadline_cb, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return cond (data);
}

/* The tiny guest: $HANGAR_GUESTS_DIR, else guests/ in the build tree, else
 * build/guests in the source tree (where tools/build-guests.sh is told to
 * put them by the README). */
static const char *
guest_image (void)
{
  static char *path;

  if (path == NULL)
    {
      const char *roots[] = { g_getenv ("HANGAR_GUESTS_DIR"), NULL, NULL };
      g_autofree char *in_build = NULL;
      g_autofree char *in_source = NULL;

      if (g_getenv ("HANGAR_BUILD_ROOT") != NULL)
        roots[1] = in_build = g_build_filename (g_getenv ("HANGAR_BUILD_ROOT"), "guests", NULL);
      if (g_getenv ("HANGAR_SOURCE_ROOT") != NULL)
        roots[2] = in_source = g_build_filename (g_getenv ("HANGAR_SOURCE_ROOT"), "build", "guests", NULL);
      for (guint i = 0; i < G_N_ELEMENTS (roots) && path == NULL; i++)
        {
          g_autofree char *candidate = NULL;

          if (roots[i] == NULL || roots[i][0] == '\0')
            continue;
          candidate = g_build_filename (roots[i], "tiny", "boot.iso", NULL);
          if (g_file_test (candidate, G_FILE_TEST_EXISTS) || i == 0)
            path = g_steal_pointer (&candidate);
        }
      if (path == NULL)
        path = g_strdup ("guests/tiny/boot.iso");
    }
  return path;
}

/* ---- a QEMU of our own --------------------------------------------------- */

typedef struct {
  char         *dir;
  char         *vnc;
  char         *serial;
  char         *monitor;
  GSubprocess  *process;
  gboolean      exited;
  GFileMonitor *watch;
  GHashTable   *created;    /* names of sockets seen in dir */
} Qemu;

static void
on_qemu_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Qemu *qemu = user_data;
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  qemu->exited = TRUE;
}

static void
on_dir_changed (GFileMonitor *monitor, GFile *file, GFile *other,
                GFileMonitorEvent event, Qemu *qemu)
{
  if (event == G_FILE_MONITOR_EVENT_CREATED)
    g_hash_table_add (qemu->created, g_file_get_basename (file));
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static Qemu *
qemu_start (void)
{
  Qemu *qemu = g_new0 (Qemu, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autofree char *vnc_arg = NULL;
  g_autofree char *serial_arg = NULL;
  g_autofree char *monitor_arg = NULL;
  g_autofree char *drive_arg = NULL;

  qemu->dir = g_dir_make_tmp ("hangar-ui-XXXXXX", &error);
  g_assert_no_error (error);
  qemu->vnc = g_build_filename (qemu->dir, "vnc.sock", NULL);
  qemu->serial = g_build_filename (qemu->dir, "serial.sock", NULL);
  qemu->monitor = g_build_filename (qemu->dir, "monitor.sock", NULL);
  qemu->created = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  dir = g_file_new_for_path (qemu->dir);
  qemu->watch = g_file_monitor_directory (dir, G_FILE_MONITOR_NONE, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (qemu->watch, "changed", G_CALLBACK (on_dir_changed), qemu);

  vnc_arg = g_strdup_printf ("unix:%s", qemu->vnc);
  /* The serial socket waits for its client: nothing the guest prints is lost */
  serial_arg = g_strdup_printf ("socket,id=serial0,path=%s,server=on,wait=on", qemu->serial);
  monitor_arg = g_strdup_printf ("unix:%s,server=on,wait=off", qemu->monitor);
  drive_arg = g_strdup_printf ("file=%s,format=raw,media=cdrom,readonly=on", guest_image ());
  {
    const char *argv[] = {
      "qemu-system-x86_64", "-accel", "tcg", "-M", "pc", "-m", "32", "-nodefaults",
      "-vga", "std", "-display", "none", "-vnc", vnc_arg,
      "-chardev", serial_arg, "-serial", "chardev:serial0",
      "-monitor", monitor_arg,
      "-drive", drive_arg, "-boot", "d",
      NULL
    };
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);

    /* A failed assertion must not leave QEMU behind */
    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    qemu->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  }
  g_assert_no_error (error);
  g_subprocess_wait_async (qemu->process, NULL, on_qemu_exited, qemu);
  return qemu;
}

static gboolean
qemu_exited (gpointer data)
{
  return ((Qemu *) data)->exited;
}

static void
qemu_free (Qemu *qemu)
{
  if (!qemu->exited)
    {
      g_subprocess_force_exit (qemu->process);
      wait_for (qemu_exited, qemu, 10000);
    }
  g_file_monitor_cancel (qemu->watch);
  g_object_unref (qemu->watch);
  g_object_unref (qemu->process);
  g_unlink (qemu->vnc);
  g_unlink (qemu->serial);
  g_unlink (qemu->monitor);
  g_rmdir (qemu->dir);
  g_hash_table_unref (qemu->created);
  g_free (qemu->vnc);
  g_free (qemu->serial);
  g_free (qemu->monitor);
  g_free (qemu->dir);
  g_free (qemu);
}

typedef struct {
  Qemu       *qemu;
  const char *name;
} SocketWait;

static gboolean
socket_created (gpointer data)
{
  SocketWait *w = data;
  g_autofree char *path = g_build_filename (w->qemu->dir, w->name, NULL);
  /* the monitor may have been created before the watch started */
  return g_hash_table_contains (w->qemu->created, w->name) ||
         g_file_test (path, G_FILE_TEST_EXISTS) || w->qemu->exited;
}

/* ---- conditions ---------------------------------------------------------- */

typedef struct {
  HgSerialView *view;
  const char   *needle;
} TextWait;

static gboolean
terminal_contains (gpointer data)
{
  TextWait *w = data;
  g_autofree char *text = hg_serial_view_dup_text (w->view);
  return text != NULL && strstr (text, w->needle) != NULL;
}

static gboolean
serial_connected (gpointer data)
{
  return hg_serial_view_get_connected (data) || hg_serial_view_get_error_message (data) != NULL;
}

static gboolean
serial_broken (gpointer data)
{
  return !hg_serial_view_get_connected (data) && hg_serial_view_get_error_message (data) != NULL;
}

static gboolean
vnc_has_content (gpointer data)
{
  return hg_vnc_session_has_content (hg_vnc_view_get_session (data));
}

static gboolean
vnc_disconnected (gpointer data)
{
  return hg_vnc_session_get_state (hg_vnc_view_get_session (data)) == HG_VNC_SESSION_DISCONNECTED;
}

/* Connects a terminal to a socket that may still refuse for a moment */
static void
attach_serial (HgSerialView *view,
               const char   *path)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  hg_serial_view_set_socket_path (view, path);
  do
    {
      hg_serial_view_reconnect (view);
      wait_for (serial_connected, view, 5000);
    }
  while (!hg_serial_view_get_connected (view) && g_get_monotonic_time () < end);
  if (!hg_serial_view_get_connected (view))
    g_test_message ("%s: %s", path, hg_serial_view_get_error_message (view));
  g_assert_true (hg_serial_view_get_connected (view));
  g_assert_null (hg_serial_view_get_error_message (view));
}

static void
test_guest_consoles (void)
{
  Qemu *qemu;
  GtkWidget *window, *box;
  HgVncView *vnc;
  HgSerialView *serial, *monitor;
  SocketWait serial_sock, monitor_sock;
  TextWait banner, echo, status;

  if (!g_file_test (guest_image (), G_FILE_TEST_EXISTS))
    {
      hg_test_skip_or_fail_printf ("the tiny guest %s is missing (tools/build-guests.sh)", guest_image ());
      return;
    }

  window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
  gtk_container_add (GTK_CONTAINER (window), box);
  vnc = HG_VNC_VIEW (hg_vnc_view_new ());
  serial = HG_SERIAL_VIEW (hg_serial_view_new ());
  monitor = HG_SERIAL_VIEW (hg_serial_view_new ());
  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (vnc));
  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (serial));
  gtk_container_add (GTK_CONTAINER (box), GTK_WIDGET (monitor));
  gtk_widget_show_all (window);

  /* Before a VM: the display says so */
  g_assert_cmpstr (hg_vnc_view_get_status_text (vnc), ==, "The VM is not running");

  qemu = qemu_start ();
  serial_sock = (SocketWait) { qemu, "serial.sock" };
  g_assert_true (wait_for (socket_created, &serial_sock, DEADLINE_MS));
  g_assert_false (qemu->exited);
  attach_serial (serial, qemu->serial);

  /* The VNC socket comes up once the serial client is there; the session
   * retries until it does. */
  hg_vnc_view_set_socket_path (vnc, qemu->vnc);
  hg_vnc_view_set_auto_reconnect (vnc, TRUE);
  hg_vnc_view_connect (vnc);

  banner = (TextWait) { serial, BANNER };
  g_assert_true (wait_for (terminal_contains, &banner, DEADLINE_MS));
  g_assert_true (wait_for (vnc_has_content, vnc, DEADLINE_MS));
  g_assert_cmpuint (hg_vnc_session_get_n_updates (hg_vnc_view_get_session (vnc)), >, 0);
  g_assert_cmpint (vnc_display_get_width (hg_vnc_view_get_display (vnc)), >, 0);

  /* Typing goes to the guest, which echoes it */
  vte_terminal_feed_child (hg_serial_view_get_terminal (serial), "typed-by-hangar", -1);
  echo = (TextWait) { serial, "typed-by-hangar" };
  g_assert_true (wait_for (terminal_contains, &echo, DEADLINE_MS));

  /* The dedicated HMP monitor answers what is typed into its terminal */
  monitor_sock = (SocketWait) { qemu, "monitor.sock" };
  g_assert_true (wait_for (socket_created, &monitor_sock, DEADLINE_MS));
  attach_serial (monitor, qemu->monitor);
  vte_terminal_feed_child (hg_serial_view_get_terminal (monitor), "info status\r", -1);
  status = (TextWait) { monitor, "VM status: running" };
  g_assert_true (wait_for (terminal_contains, &status, DEADLINE_MS));

  /* HANGAR_SCREENSHOT_DIR: keep a picture of what the user sees now */
  if (g_getenv ("HANGAR_SCREENSHOT_DIR") != NULL)
    {
      GdkWindow *gdk_window = gtk_widget_get_window (window);
      g_autoptr(GdkPixbuf) shot = NULL;
      g_autofree char *file = g_build_filename (g_getenv ("HANGAR_SCREENSHOT_DIR"),
                                                "display-serial-monitor.png", NULL);
      g_autoptr(GError) shot_error = NULL;

      while (gtk_events_pending ())
        gtk_main_iteration ();
      shot = gdk_pixbuf_get_from_window (gdk_window, 0, 0, gdk_window_get_width (gdk_window),
                                         gdk_window_get_height (gdk_window));
      g_assert_nonnull (shot);
      gdk_pixbuf_save (shot, file, "png", &shot_error, NULL);
      g_assert_no_error (shot_error);
    }

  /* Send keys through the display connection */
  g_assert_true (hg_vnc_view_send_keys (vnc, "ctrl-alt-f2"));
  g_assert_false (hg_vnc_view_send_keys (vnc, "ctrl-alt-bogus"));

  /* QEMU goes away: the terminals say so in their info bar (no dialog),
   * the display goes back to its status page and stops retrying. */
  hg_vnc_view_set_auto_reconnect (vnc, FALSE);
  g_subprocess_force_exit (qemu->process);
  g_assert_true (wait_for (qemu_exited, qemu, 10000));
  g_assert_true (wait_for (serial_broken, serial, 10000));
  g_assert_true (wait_for (serial_broken, monitor, 10000));
  g_assert_nonnull (strstr (hg_serial_view_get_error_message (serial), "closed"));
  g_assert_true (wait_for (vnc_disconnected, vnc, 10000));
  /* What the guest printed stays readable */
  g_assert_true (terminal_contains (&banner));

  /* Reconnecting to a socket that is gone is an error in the bar */
  g_unlink (qemu->serial);
  hg_serial_view_reconnect (serial);
  g_assert_true (wait_for (serial_broken, serial, 10000));
  g_assert_nonnull (strstr (hg_serial_view_get_error_message (serial), qemu->serial));

  gtk_widget_destroy (window);
  qemu_free (qemu);
}

/* ---- a socket peer the view connects to ---------------------------------- */

typedef struct {
  char              *dir;
  char              *path;
  GSocketService    *service;
  GSocketConnection *connection;   /* the view's, once it connected */
  gboolean           written;
} Peer;

static gboolean
on_peer_incoming (GSocketService *service, GSocketConnection *connection,
                  GObject *source, gpointer user_data)
{
  Peer *peer = user_data;

  g_set_object (&peer->connection, connection);
  return TRUE;
}

static gboolean
peer_connected (gpointer data)
{
  return ((Peer *) data)->connection != NULL;
}

/* A peer on a socket of its own, and a view connected to it */
static Peer *
peer_new (HgSerialView *view)
{
  Peer *peer = g_new0 (Peer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  peer->dir = g_dir_make_tmp ("hangar-peer-XXXXXX", &error);
  g_assert_no_error (error);
  peer->path = g_build_filename (peer->dir, "serial.sock", NULL);
  address = g_unix_socket_address_new (peer->path);
  peer->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (peer->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                 NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (peer->service, "incoming", G_CALLBACK (on_peer_incoming), peer);

  attach_serial (view, peer->path);
  g_assert_true (wait_for (peer_connected, peer, DEADLINE_MS));
  return peer;
}

static void
peer_free (Peer *peer)
{
  g_socket_service_stop (peer->service);
  g_socket_listener_close (G_SOCKET_LISTENER (peer->service));
  g_object_unref (peer->service);
  g_clear_object (&peer->connection);
  g_unlink (peer->path);
  g_rmdir (peer->dir);
  g_free (peer->path);
  g_free (peer->dir);
  g_free (peer);
}

static void
on_peer_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  g_assert_no_error (error);
  peer->written = TRUE;
}

static gboolean
peer_written (gpointer data)
{
  return ((Peer *) data)->written;
}

typedef struct {
  HgSerialView *view;
  guint64       bytes;
} ReceivedWait;

static gboolean
view_received (gpointer data)
{
  ReceivedWait *w = data;
  return hg_serial_view_get_bytes_received (w->view) >= w->bytes;
}

/* Sends len bytes (-1: a string) and waits until the view has read them all */
static void
peer_send (Peer         *peer,
           HgSerialView *view,
           const char   *data,
           gssize        len)
{
  ReceivedWait received = { view, 0 };

  if (len < 0)
    len = (gssize) strlen (data);
  received.bytes = hg_serial_view_get_bytes_received (view) + (guint64) len;

  peer->written = FALSE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (peer->connection)),
                                   data, (gsize) len, G_PRIORITY_DEFAULT, NULL, on_peer_written, peer);
  g_assert_true (wait_for (peer_written, peer, DEADLINE_MS));
  g_assert_true (wait_for (view_received, &received, DEADLINE_MS));
  g_assert_cmpuint (hg_serial_view_get_bytes_received (view), ==, received.bytes);
}

/* ---- a guest flooding its serial port ------------------------------------ */

#define FLOOD_SECONDS 4

typedef struct {
  guint64         sent;
  gint64          last_tick;
  gint64          max_gap;
  guint           ticks;
  gboolean        stop;
} Flood;

static void flood_write (GOutputStream *out, Flood *flood);

static void
on_flood_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Flood *flood = user_data;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, NULL))
    return;
  flood->sent += written;
  if (!flood->stop)
    flood_write (G_OUTPUT_STREAM (source), flood);
}

static void
flood_write (GOutputStream *out, Flood *flood)
{
  static char line[64 * 1024];

  if (line[0] == '\0')
    for (gsize i = 0; i < sizeof line; i++)
      line[i] = (i % 80 == 79) ? '\n' : "0123456789abcdef"[i % 16];
  g_output_stream_write_all_async (out, line, sizeof line, G_PRIORITY_DEFAULT, NULL,
                                   on_flood_written, flood);
}

static gboolean
tick_cb (gpointer data)
{
  Flood *flood = data;
  gint64 now = g_get_monotonic_time ();

  if (flood->last_tick != 0)
    flood->max_gap = MAX (flood->max_gap, now - flood->last_tick);
  flood->last_tick = now;
  flood->ticks++;
  return G_SOURCE_CONTINUE;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
test_serial_flood (void)
{
  Flood flood = { 0 };
  GtkWidget *window;
  HgSerialView *view;
  Peer *peer;
  guint tick;

  window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 500);
  view = HG_SERIAL_VIEW (hg_serial_view_new ());
  gtk_container_add (GTK_CONTAINER (window), GTK_WIDGET (view));
  gtk_widget_show_all (window);

  /* The guest floods without end.  A 20 ms timer stands for the user's
   * input and the redraws: for FLOOD_SECONDS of flood (a measuring window,
   * not a wait for anything) it must keep firing while megabytes pour in
   * and are drawn. */
  peer = peer_new (view);
  flood_write (g_io_stream_get_output_stream (G_IO_STREAM (peer->connection)), &flood);
  tick = g_timeout_add (20, tick_cb, &flood);
  wait_for (never, NULL, FLOOD_SECONDS * 1000);
  g_source_remove (tick);
  flood.stop = TRUE;

  g_test_message ("flood: %" G_GUINT64_FORMAT " bytes fed in %d s, %u ticks, longest gap %" G_GINT64_FORMAT " ms",
                  hg_serial_view_get_bytes_received (view), FLOOD_SECONDS, flood.ticks,
                  flood.max_gap / 1000);
  g_assert_cmpuint (hg_serial_view_get_bytes_received (view), >, 1024 * 1024);
  g_assert_cmpuint (flood.ticks, >, FLOOD_SECONDS * 10);
  g_assert_cmpint (flood.max_gap, <, 500 * 1000);
  g_assert_true (hg_serial_view_get_connected (view));

  gtk_widget_destroy (window);
  peer_free (peer);
}

/* ---- a view not shown yet: no terminal, what comes is kept -------------- */

static void
find_terminal (GtkWidget *widget,
               gpointer   data)
{
  if (VTE_IS_TERMINAL (widget))
    *(gboolean *) data = TRUE;
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), find_terminal, data);
}

static gboolean
has_terminal (HgSerialView *view)
{
  gboolean found = FALSE;

  find_terminal (GTK_WIDGET (view), &found);
  return found;
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* As in the main window: the view is a page of a stack that shows another */
static void
test_serial_lazy (void)
{
  GtkWidget *window, *stack, *display;
  HgSerialView *view;
  Peer *peer;
  const char *first = "\r\nsent-before-the-terminal\r\n";
  const char *second = "sent-after-the-terminal\r\n";
  TextWait before = { NULL, "sent-before-the-terminal" };
  TextWait after = { NULL, "sent-after-the-terminal" };

  window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 500);
  stack = gtk_stack_new ();
  gtk_container_add (GTK_CONTAINER (window), stack);
  display = gtk_label_new ("display");
  gtk_widget_show (display);
  gtk_stack_add_named (GTK_STACK (stack), display, "display");
  view = HG_SERIAL_VIEW (hg_serial_view_new ());
  gtk_stack_add_named (GTK_STACK (stack), GTK_WIDGET (view), "serial");
  gtk_widget_show_all (window);
  g_assert_true (wait_for (widget_mapped, display, DEADLINE_MS));
  before.view = after.view = view;

  peer = peer_new (view);
  peer_send (peer, view, first, -1);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (view)));
  g_assert_false (has_terminal (view));

  /* shown: the terminal comes, with what was kept for it */
  gtk_stack_set_visible_child_name (GTK_STACK (stack), "serial");
  g_assert_true (wait_for (widget_mapped, view, DEADLINE_MS));
  g_assert_true (has_terminal (view));
  g_assert_true (wait_for (terminal_contains, &before, DEADLINE_MS));

  /* and what comes next goes on to it */
  peer_send (peer, view, second, -1);
  g_assert_true (wait_for (terminal_contains, &after, DEADLINE_MS));
  g_assert_true (terminal_contains (&before));
  g_assert_cmpuint (hg_serial_view_get_bytes_received (view), ==, strlen (first) + strlen (second));

  gtk_widget_destroy (window);
  peer_free (peer);
}

/* A view in a window that is never shown (VTE 0.70 wants its terminals in a
 * toplevel when they are destroyed) */
static HgSerialView *
hidden_view (GtkWidget **window)
{
  HgSerialView *view = HG_SERIAL_VIEW (hg_serial_view_new ());

  *window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_container_add (GTK_CONTAINER (*window), GTK_WIDGET (view));
  return view;
}

/* Lines of OVERFLOW_LINE_LEN bytes that are one row each on the terminal
 * (SGR resets take no cells), so that its scrollback keeps all it is fed */
#define OVERFLOW_LINES    1600
#define OVERFLOW_SGR      330
#define OVERFLOW_LINE_LEN (11 + 3 * OVERFLOW_SGR + 2)

static void
test_serial_pending_overflow (void)
{
  GtkWidget *window;
  HgSerialView *view = hidden_view (&window);
  g_autoptr(GString) flood = g_string_new (NULL);
  Peer *peer = peer_new (view);
  guint first_kept;
  g_autofree char *last = g_strdup_printf ("line %06u", OVERFLOW_LINES - 1);
  g_autofree char *kept = NULL;
  g_autofree char *dropped = NULL;
  g_autofree char *text = NULL;
  TextWait newest = { view, last };

  for (guint i = 0; i < OVERFLOW_LINES; i++)
    {
      g_string_append_printf (flood, "line %06u", i);
      for (guint j = 0; j < OVERFLOW_SGR; j++)
        g_string_append (flood, "\033[m");
      g_string_append (flood, "\r\n");
    }
  g_assert_cmpuint (flood->len, ==, OVERFLOW_LINES * OVERFLOW_LINE_LEN);
  g_assert_cmpuint (flood->len, >, HG_SERIAL_VIEW_MAX_PENDING + 100 * OVERFLOW_LINE_LEN);

  /* Never shown: all of it is read, the newest MAX_PENDING bytes are kept,
   * from the first whole line on */
  peer_send (peer, view, flood->str, (gssize) flood->len);
  g_assert_false (has_terminal (view));
  first_kept = (flood->len - HG_SERIAL_VIEW_MAX_PENDING + OVERFLOW_LINE_LEN - 1) / OVERFLOW_LINE_LEN;
  kept = g_strdup_printf ("line %06u", first_kept);
  dropped = g_strdup_printf ("line %06u", first_kept - 1);

  g_assert_true (wait_for (terminal_contains, &newest, DEADLINE_MS));
  g_assert_true (has_terminal (view));
  text = hg_serial_view_dup_text (view);
  g_assert_nonnull (strstr (text, kept));
  g_assert_null (strstr (text, dropped));
  g_assert_null (strstr (text, "line 000000"));

  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (view)));
  gtk_widget_destroy (window);
  peer_free (peer);
}

static void
test_serial_clear_pending (void)
{
  GtkWidget *window;
  HgSerialView *view = hidden_view (&window);
  Peer *peer = peer_new (view);
  TextWait kept = { view, "kept-for-the-terminal" };
  g_autofree char *text = NULL;

  peer_send (peer, view, "forgotten\r\n", -1);
  hg_serial_view_clear (view);
  g_assert_false (has_terminal (view));
  peer_send (peer, view, "kept-for-the-terminal\r\n", -1);

  g_assert_true (wait_for (terminal_contains, &kept, DEADLINE_MS));
  text = hg_serial_view_dup_text (view);
  g_assert_null (strstr (text, "forgotten"));
  g_clear_pointer (&text, g_free);

  /* with a terminal, clearing empties it */
  hg_serial_view_clear (view);
  text = hg_serial_view_dup_text (view);
  g_assert_null (strstr (text, "kept-for-the-terminal"));

  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (view)));
  gtk_widget_destroy (window);
  peer_free (peer);
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/ui/consoles/guest", test_guest_consoles);
  g_test_add_func ("/hangar/ui/consoles/serial-flood", test_serial_flood);
  g_test_add_func ("/hangar/ui/consoles/serial-lazy", test_serial_lazy);
  g_test_add_func ("/hangar/ui/consoles/serial-pending-overflow", test_serial_pending_overflow);
  g_test_add_func ("/hangar/ui/consoles/serial-clear-pending", test_serial_clear_pending);
  return g_test_run ();
}
