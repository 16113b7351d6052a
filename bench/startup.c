/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-bench"
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/Xdamage.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "hg-runtime.h"
#include "hg-vm.h"
#include "hg-vm-config.h"

/*
 * bench/startup, run under Xvfb (xvfb-run):
 *
 *   - exec → the main window's first frame, with 0, 100 and 1,000 VMs in
 *     the library (`hangar --base LIB`);
 *   - exec → the first framebuffer of an already running VM (the tiny
 *     guest, started with hangarctl) in the embedded display
 *     (`hangar --base LIB1000 --base VMLIB --display tiny`);
 *   - peak RSS (VmHWM) and idle CPU over 20 s of that last case (from
 *     3 s after its first framebuffer);
 *
 * all on a session bus of their own, as in a desktop session (started
 * here when DBUS_SESSION_BUS_ADDRESS is unset, as under plain xvfb-run);
 *
 * and the same for remote-viewer and gvncviewer connected to the same VM,
 * as ratios (only these: showing a running VM's screen is what all three
 * do; the library window's first frame is reported on its own).
 * gvncviewer is given the VNC UNIX socket; remote-viewer only opens VNC
 * over TCP (its vnc+unix URIs and .vv unix paths are for libvirt and
 * SPICE), so it gets vnc://127.0.0.1:PORT of a byte-for-byte relay to the
 * same socket, run as a separate process (`startup --relay`).  The relay's
 * cost is measured apart — gvncviewer through the relay against gvncviewer
 * on the socket — and taken off remote-viewer's figures.  A missed target
 * sets exit status 1.
 *
 * Everything is observed from outside, the same way for all three: the X
 * server tells (SubstructureNotify on the root) when a top-level window
 * maps; XDamage on it tells when the program draws — its first damage is
 * its first frame; after each damage the window's pixels are read, and the
 * first framebuffer is the first frame that shows the guest's screen (a
 * black area of at least a fifth of the window with the guest's bright
 * green "HANGAR-BOOT OK" in it).  Startup figures are the median of ROUNDS
 * runs.  Peak RSS is read from /proc before the program is ended.
 *
 * Usage: xvfb-run -a -s '-screen 0 1280x800x24' bench/startup [ROUNDS]
 *   HANGAR=path, HANGARCTL=path override the built programs;
 *   HANGAR_GUESTS_DIR: the guests (tools/build-guests.sh);
 *   HANGAR_BENCH_ONLY_DISPLAY=1: only the first framebuffer (quick);
 *   HANGAR_BENCH_SMAPS=N: also print each program's N biggest resident
 *   mappings at the end of its idle run (where the memory is).
 */

#define DEFAULT_ROUNDS  3
#define IDLE_SECONDS    20
/* the idle window starts this long after the first framebuffer: work a
 * program defers until its picture is up (hangar loads the library then)
 * is startup, not idling; the same for all three programs */
#define IDLE_SETTLE_SECONDS 3
#define DEADLINE_MS     60000
#define PER_FOLDER      100

typedef struct {
  double   first_map;     /* s from exec, -1 = never */
  double   first_frame;
  double   first_fb;
  guint64  peak_rss_kb;
  double   idle_cpu;      /* % of one core, -1 = not measured */
} Result;

static Display *dpy;
static int damage_event_base;

/* ---- libraries ---------------------------------------------------------- */

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static void
save_config (HgVmConfig *config,
             const char *dir)
{
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("mkdir %s: %s", dir, g_strerror (errno));
  hg_vm_config_set_location (config, dir);
  if (!hg_vm_config_save (config, &error))
    g_error ("%s", error->message);
}

static char *
make_library (const char *root,
              guint       n)
{
  g_autofree char *name = g_strdup_printf ("lib%u", n);
  char *base = g_build_filename (root, name, NULL);

  g_mkdir_with_parents (base, 0755);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("vm%04u", i);
      g_autofree char *folder = g_strdup_printf ("lab%02u", i / PER_FOLDER);
      g_autofree char *dir = g_build_filename (base, folder, label, NULL);
      g_autoptr(HgVmConfig) config = hg_vm_config_new (label);

      config->memory_mib = 256 + i % 4 * 256;
      g_ptr_array_add (config->nics, hg_nic_new (HG_NET_USER));
      g_ptr_array_add (config->disks, hg_disk_new ("disk.qcow2", "qcow2", NULL));
      save_config (config, dir);
    }
  return base;
}

/* The tiny guest's QEMU: a bench that dies (crash, Ctrl-C) kills it on its
 * way out instead of leaving it running (and skewing the next run) */
static volatile sig_atomic_t tiny_pid;

static void
on_fatal_signal (int sig)
{
  if (tiny_pid > 0)
    kill ((pid_t) tiny_pid, SIGKILL);
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
kill_tiny_on_fatal_signals (HgVm *vm)
{
  static const int fatal[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGINT, SIGTERM, SIGTRAP };
  g_autofree char *text = NULL;

  if (g_file_get_contents (hg_vm_get_runtime_paths (vm)->pidfile, &text, NULL, NULL))
    tiny_pid = (sig_atomic_t) g_ascii_strtoll (text, NULL, 10);
  for (guint i = 0; i < G_N_ELEMENTS (fatal); i++)
    signal (fatal[i], on_fatal_signal);
}

/* The tiny guest in VMLIB/tiny, started with hangarctl; returns its VNC socket */
static char *
start_tiny (const char *root,
            char      **base_out)
{
  const char *guests = g_getenv ("HANGAR_GUESTS_DIR");
  g_autofree char *iso = g_build_filename (guests != NULL ? guests : "build/guests", "tiny", "boot.iso", NULL);
  g_autofree char *base = g_build_filename (root, "vmlib", NULL);
  g_autofree char *dir = g_build_filename (base, "tiny", NULL);
  g_autoptr(HgVmConfig) config = hg_vm_config_new ("tiny");
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *hangarctl = g_getenv ("HANGARCTL");
  int status = 0;

  if (!g_file_test (iso, G_FILE_TEST_EXISTS))
    g_error ("%s is missing: run tools/build-guests.sh and set HANGAR_GUESTS_DIR", iso);
  g_free (config->arch);
  config->arch = g_strdup ("x86_64");
  config->accel = HG_ACCEL_TCG;
  config->memory_mib = 64;
  config->boot_mode = HG_BOOT_CDROM;
  config->console = HG_CONSOLE_VNC;
  g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, iso));
  save_config (config, dir);

  {
    const char *argv[] = { hangarctl, "--base", base, "start", "tiny", NULL };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                       &status, &error) ||
        !g_spawn_check_wait_status (status, &error))
      g_error ("hangarctl start tiny: %s %s", error->message, err != NULL ? err : "");
  }
  vm = hg_vm_new_for_config (config);
  kill_tiny_on_fatal_signals (vm);
  *base_out = g_steal_pointer (&base);
  return g_strdup (hg_vm_get_runtime_paths (vm)->vnc);
}

static void
stop_tiny (const char *base)
{
  const char *argv[] = { g_getenv ("HANGARCTL"), "--base", base, "kill", "tiny", NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, NULL, NULL);
  tiny_pid = 0;
}

/* ---- a loopback relay for remote-viewer ---------------------------------- */

static gboolean
write_all (int         fd,
           const char *data,
           gssize      n)
{
  while (n > 0)
    {
      gssize done = write (fd, data, n);

      if (done < 0 && errno == EINTR)
        continue;
      if (done <= 0)
        return FALSE;
      data += done;
      n -= done;
    }
  return TRUE;
}

static gboolean
on_relay_run (GThreadedSocketService *service,
              GSocketConnection      *connection,
              GObject                *source,
              gpointer                vnc_path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (vnc_path);
  g_autoptr(GSocketConnection) upstream = NULL;
  struct pollfd fds[2];
  char buffer[65536];

  upstream = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  if (upstream == NULL)
    return TRUE;
  fds[0].fd = g_socket_get_fd (g_socket_connection_get_socket (connection));
  fds[1].fd = g_socket_get_fd (g_socket_connection_get_socket (upstream));
  fds[0].events = fds[1].events = POLLIN;
  for (;;)
    {
      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      for (guint i = 0; i < 2; i++)
        if (fds[i].revents != 0)
          {
            gssize n = read (fds[i].fd, buffer, sizeof buffer);

            if (n <= 0 || !write_all (fds[1 - i].fd, buffer, n))
              return TRUE;
          }
    }
  return TRUE;
}

/* `startup --relay VNC_PATH`: the relay as a process of its own, so that
 * its work is not the measuring process's.  It listens on the first free
 * VNC port 127.0.0.1:5900+N (N from 50, so that gvncviewer can be given
 * "127.0.0.1:N" too), prints N and relays until its parent ends. */
static int
relay_main (const char *vnc_path)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GSocketService) service = g_threaded_socket_service_new (8);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  guint display;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  for (display = 50; display < 100; display++)
    {
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 5900 + display);

      if (g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL, NULL, NULL))
        break;
    }
  if (display == 100)
    g_error ("relay: no free port in 127.0.0.1:5950-5999");
  g_signal_connect (service, "run", G_CALLBACK (on_relay_run), (gpointer) vnc_path);
  g_socket_service_start (service);
  printf ("%u\n", display);
  fflush (stdout);
  g_main_loop_run (loop);
  return 0;
}

/* Starts `startup --relay VNC_PATH`; returns its VNC display number N
 * (port 5900+N) */
static guint
start_relay (const char  *vnc_path,
             GSubprocess **relay_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", &error);
  g_autofree char *line = NULL;
  GSubprocess *relay;

  if (self == NULL)
    g_error ("relay: %s", error->message);
  relay = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self, "--relay", vnc_path, NULL);
  if (relay == NULL)
    g_error ("relay: %s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (relay));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  if (line == NULL)
    g_error ("the relay did not start: %s", error != NULL ? error->message : "EOF");
  *relay_out = relay;
  return (guint) g_ascii_strtoull (line, NULL, 10);
}

/* ---- the X side --------------------------------------------------------- */

/* The guest's screen: black filling a fifth of the window, with the
 * tiny guest's bright green text in it */
static gboolean
shows_guest_screen (Window window)
{
  XWindowAttributes attributes;
  XImage *image;
  guint64 black = 0, green = 0, total;

  int root_x, root_y, x0, y0, width, height;
  Window child;

  if (!XGetWindowAttributes (dpy, window, &attributes) || attributes.map_state != IsViewable)
    return FALSE;
  /* only what is on the screen can be read (BadMatch otherwise) */
  XTranslateCoordinates (dpy, window, DefaultRootWindow (dpy), 0, 0, &root_x, &root_y, &child);
  x0 = MAX (0, -root_x);
  y0 = MAX (0, -root_y);
  width = MIN (attributes.width, DisplayWidth (dpy, DefaultScreen (dpy)) - root_x) - x0;
  height = MIN (attributes.height, DisplayHeight (dpy, DefaultScreen (dpy)) - root_y) - y0;
  if (width <= 0 || height <= 0)
    return FALSE;
  image = XGetImage (dpy, window, x0, y0, width, height, AllPlanes, ZPixmap);
  if (image == NULL)
    return FALSE;
  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      {
        unsigned long pixel = XGetPixel (image, x, y);
        unsigned r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;

        if (r < 16 && g < 16 && b < 16)
          black++;
        else if (g > 200 && r < 140 && b < 140)
          green++;
      }
  total = (guint64) image->width * image->height;
  XDestroyImage (image);
  if (g_getenv ("HANGAR_BENCH_DEBUG") != NULL)
    g_printerr ("window 0x%lx %dx%d+%d+%d: %" G_GUINT64_FORMAT " black, %" G_GUINT64_FORMAT " green of %" G_GUINT64_FORMAT "\n",
                window, width, height, x0, y0, black, green, total);
  return black * 5 >= total && green >= 20;
}

/* Damage objects go with their windows, and a window may go between an
 * event and our request about it: such errors are expected */
static int
ignore_x_error (Display     *display,
                XErrorEvent *error)
{
  return 0;
}

static double
elapsed (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

static guint64
proc_value (GPid        pid,
            const char *file,
            const char *key)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", (int) pid, file);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  line = strstr (text, key);
  return line != NULL ? g_ascii_strtoull (line + strlen (key), NULL, 10) : 0;
}

/* utime + stime of pid in clock ticks */
static guint64
cpu_ticks (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  const char *p;
  guint64 utime = 0, stime = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strrchr (text, ')')) == NULL)
    return 0;
  p++;
  for (guint field = 3; field <= 15 && *p != '\0'; field++)
    {
      while (*p == ' ')
        p++;
      if (field == 14)
        utime = g_ascii_strtoull (p, NULL, 10);
      else if (field == 15)
        stime = g_ascii_strtoull (p, NULL, 10);
      while (*p != ' ' && *p != '\0')
        p++;
    }
  return utime + stime;
}

/* Processes X events until stop() or the deadline (monotonic µs) */
static void
pump (gint64    deadline,
      gboolean (*stop) (gpointer),
      gpointer  data,
      void    (*on_event) (XEvent *, gpointer))
{
  struct pollfd fd = { ConnectionNumber (dpy), POLLIN, 0 };

  while (!(stop != NULL && stop (data)))
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (XPending (dpy) == 0)
        {
          if (left <= 0)
            return;
          if (poll (&fd, 1, (int) MIN (left / 1000 + 1, 1000)) < 0 && errno != EINTR)
            g_error ("poll: %s", g_strerror (errno));
          continue;
        }
      {
        XEvent event;

        XNextEvent (dpy, &event);
        if (on_event != NULL)
          on_event (&event, data);
      }
    }
}

typedef struct {
  gint64        start;
  gboolean      want_fb;
  Window        window;
  Damage        damage;
  Result       *result;
} Run;

static void
on_run_event (XEvent  *event,
              gpointer data)
{
  Run *run = data;

  if (event->type == MapNotify && run->window == None && !event->xmap.override_redirect &&
      event->xmap.event == DefaultRootWindow (dpy))
    {
      run->result->first_map = elapsed (run->start);
      run->window = event->xmap.window;
      run->damage = XDamageCreate (dpy, run->window, XDamageReportNonEmpty);
      XSync (dpy, False);
    }
  else if ((event->type == UnmapNotify && event->xunmap.window == run->window) ||
           (event->type == DestroyNotify && event->xdestroywindow.window == run->window))
    {
      /* a window that went at once (a splash, a probe): the next one counts */
      run->window = None;
      run->damage = None;   /* freed with its window */
    }
  else if (event->type == damage_event_base + XDamageNotify &&
           ((XDamageNotifyEvent *) event)->drawable == run->window)
    {
      if (run->result->first_frame < 0)
        run->result->first_frame = elapsed (run->start);
      XDamageSubtract (dpy, run->damage, None, None);
      if (run->want_fb && run->result->first_fb < 0 && shows_guest_screen (run->window))
        run->result->first_fb = elapsed (run->start);
    }
}

static gboolean
run_done (gpointer data)
{
  Run *run = data;
  return run->result->first_frame >= 0 && (!run->want_fb || run->result->first_fb >= 0);
}

typedef struct {
  const char *what;
  guint64     kb;
} Mapping;

static int
compare_mapping (gconstpointer a,
                 gconstpointer b)
{
  const Mapping *x = a, *y = b;
  return x->kb < y->kb ? 1 : x->kb > y->kb ? -1 : 0;
}

/* HANGAR_BENCH_SMAPS=N: where a program's resident memory is, its N
 * biggest mappings by file (anonymous ones together as [anon]) */
static void
print_mappings (const char *program,
                GPid        pid)
{
  const char *top = g_getenv ("HANGAR_BENCH_SMAPS");
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps", pid);
  g_autofree char *text = NULL;
  g_autoptr(GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) mappings = g_array_new (FALSE, FALSE, sizeof (Mapping));
  g_auto(GStrv) lines = NULL;
  g_autofree char *current = g_strdup ("[anon]");
  GHashTableIter iter;
  gpointer key, value;
  guint n;

  if (top == NULL || !g_file_get_contents (path, &text, NULL, NULL))
    return;
  n = (guint) g_ascii_strtoull (top, NULL, 10);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (lines[i], " \t", -1);
      guint n_fields = g_strv_length (fields);
      guint64 kb;

      if (n_fields >= 5 && strchr (fields[0], '-') != NULL && fields[0][strlen (fields[0]) - 1] != ':')
        {
          /* a mapping: "start-end perms offset dev inode   path" */
          const char *name = "[anon]";

          for (guint f = 5; f < n_fields; f++)
            if (fields[f][0] != '\0')
              {
                name = fields[f];
                break;
              }
          g_free (current);
          current = g_strdup (name);
          continue;
        }
      if (n_fields < 2 || !g_str_equal (fields[0], "Rss:"))
        continue;
      for (guint f = 1; f < n_fields; f++)
        if (fields[f][0] != '\0')
          {
            kb = g_ascii_strtoull (fields[f], NULL, 10);
            key = g_strdup (current);
            value = g_hash_table_lookup (by_name, key);
            g_hash_table_replace (by_name, key, GSIZE_TO_POINTER (GPOINTER_TO_SIZE (value) + kb));
            break;
          }
    }
  g_hash_table_iter_init (&iter, by_name);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Mapping m = { key, GPOINTER_TO_SIZE (value) };
      g_array_append_val (mappings, m);
    }
  g_array_sort (mappings, compare_mapping);
  printf ("%s: the %u biggest resident mappings (kB)\n", program, n);
  for (guint i = 0; i < mappings->len && i < n; i++)
    printf ("  %8" G_GUINT64_FORMAT "  %s\n", g_array_index (mappings, Mapping, i).kb,
            g_array_index (mappings, Mapping, i).what);
  fflush (stdout);
}

/* Runs argv, measures, ends it.  idle: also 20 s of idle CPU. */
static Result
measure (const char * const *argv,
         gboolean            want_fb,
         gboolean            idle)
{
  Result result = { -1, -1, -1, 0, -1 };
  Run run = { 0, want_fb, None, None, &result };
  g_autoptr(GError) error = NULL;
  GPid pid;
  int status;

  XSelectInput (dpy, DefaultRootWindow (dpy), SubstructureNotifyMask);
  XSync (dpy, False);
  run.start = g_get_monotonic_time ();
  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                      G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &pid, &error))
    g_error ("%s: %s", argv[0], error->message);

  pump (run.start + DEADLINE_MS * 1000, run_done, &run, on_run_event);
  if (!run_done (&run))
    g_printerr ("startup: %s did not show %s within %d s\n", argv[0],
                want_fb ? "the framebuffer" : "a frame", DEADLINE_MS / 1000);

  if (idle)
    {
      guint64 before;
      gint64 idle_start;

      pump (g_get_monotonic_time () + IDLE_SETTLE_SECONDS * G_USEC_PER_SEC, NULL, &run, on_run_event);
      before = cpu_ticks (pid);
      idle_start = g_get_monotonic_time ();

      /* the program alone; only its damage is drained meanwhile */
      want_fb = FALSE;
      pump (idle_start + IDLE_SECONDS * G_USEC_PER_SEC, NULL, &run, on_run_event);
      result.idle_cpu = 100.0 * (cpu_ticks (pid) - before) / sysconf (_SC_CLK_TCK) /
                        ((g_get_monotonic_time () - idle_start) / 1e6);
    }
  result.peak_rss_kb = proc_value (pid, "status", "VmHWM:");
  if (idle)
    print_mappings (argv[0], pid);

  if (run.damage != None && run.window != None)
    XDamageDestroy (dpy, run.damage);
  XSelectInput (dpy, DefaultRootWindow (dpy), NoEventMask);
  kill (pid, SIGTERM);
  if (waitpid (pid, &status, 0) < 0)
    g_error ("waitpid: %s", g_strerror (errno));
  g_spawn_close_pid (pid);
  XSync (dpy, True);
  return result;
}

/* A session bus, as every desktop session has one: without it, hangar (a
 * single-instance GtkApplication) would spawn dbus-launch to find or start
 * one on every run (~0.1 s here), which is the bench's environment, not the
 * program.  remote-viewer and gvncviewer get the same bus. */
static GSubprocess *
start_session_bus (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *address = NULL;
  GSubprocess *bus;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    return NULL;
  bus = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                          "dbus-daemon", "--session", "--nofork", "--print-address=1", NULL);
  if (bus == NULL)
    g_error ("dbus-daemon: %s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus));
  address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  if (address == NULL)
    g_error ("dbus-daemon printed no address: %s", error != NULL ? error->message : "EOF");
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", g_strstrip (address), TRUE);
  return bus;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_double);
  return values[n / 2];
}

/* rounds runs of argv: the medians of first frame and first framebuffer */
static void
medians (const char * const *argv,
         gboolean            fb,
         guint               rounds,
         double             *frame,
         double             *framebuffer)
{
  g_autofree double *frames = g_new0 (double, rounds);
  g_autofree double *fbs = g_new0 (double, rounds);

  for (guint i = 0; i < rounds; i++)
    {
      Result result = measure (argv, fb, FALSE);

      frames[i] = result.first_frame;
      fbs[i] = result.first_fb;
    }
  *frame = median (frames, rounds);
  if (framebuffer != NULL)
    *framebuffer = median (fbs, rounds);
}

/* The same for several programs, their runs interleaved round by round
 * (a b c a b c ...): a slow spell of the machine hits them all alike */
static void
medians_interleaved (const char * const * const *argvs,
                     guint                        n_programs,
                     guint                        rounds,
                     double                      *frame,
                     double                      *framebuffer)
{
  g_autofree double *frames = g_new0 (double, (gsize) rounds * n_programs);
  g_autofree double *fbs = g_new0 (double, (gsize) rounds * n_programs);

  for (guint i = 0; i < rounds; i++)
    for (guint p = 0; p < n_programs; p++)
      {
        Result result = measure (argvs[p], TRUE, FALSE);

        frames[p * rounds + i] = result.first_frame;
        fbs[p * rounds + i] = result.first_fb;
      }
  for (guint p = 0; p < n_programs; p++)
    {
      frame[p] = median (frames + p * rounds, rounds);
      framebuffer[p] = median (fbs + p * rounds, rounds);
    }
}

static char *
built (const char *env,
       const char *relative)
{
  const char *path = g_getenv (env);

  if (path != NULL)
    return g_strdup (path);
  return g_build_filename (BUILD_ROOT, relative, NULL);
}

int
main (int   argc,
      char *argv[])
{
  guint rounds = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : DEFAULT_ROUNDS;
  g_autofree char *hangar = built ("HANGAR", "src/ui/hangar");
  g_autofree char *hangarctl = built ("HANGARCTL", "src/cli/hangarctl");
  g_autofree char *root = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char *vm_base = NULL;
  g_autofree char *vnc = NULL;
  g_autofree char *rv_uri = NULL;
  g_autofree char *gvnc_relayed = NULL;
  g_autoptr(GSubprocess) relay = NULL;
  g_autoptr(GError) error = NULL;
  const guint sizes[] = { 0, 100, 1000 };
  double frame[G_N_ELEMENTS (sizes)];
  char *libs[G_N_ELEMENTS (sizes)];
  double fb_hangar, fb_rv, fb_gvnc, fb_gvnc_relayed, frame_rv, frame_gvnc, relay_cost;
  double fb_rv_own;
  gboolean met = TRUE;
  guint relay_display;
  Result hangar_idle, rv_idle, gvnc_idle;
  int damage_error_base;
  gboolean only_display;
  g_autoptr(GSubprocess) bus = NULL;

  if (argc == 3 && g_str_equal (argv[1], "--relay"))
    return relay_main (argv[2]);
  if (rounds == 0)
    rounds = DEFAULT_ROUNDS;
  only_display = g_getenv ("HANGAR_BENCH_ONLY_DISPLAY") != NULL;
  bus = start_session_bus ();
  dpy = XOpenDisplay (NULL);
  if (dpy == NULL)
    {
      g_printerr ("startup: no X display: run it under xvfb-run -a -s '-screen 0 1280x800x24'\n");
      return 2;
    }
  XSetErrorHandler (ignore_x_error);
  if (!XDamageQueryExtension (dpy, &damage_event_base, &damage_error_base))
    g_error ("the X server has no DAMAGE extension");
  for (guint i = 0; i < 2; i++)
    {
      const char *program = i == 0 ? "remote-viewer" : "gvncviewer";
      g_autofree char *found = g_find_program_in_path (program);

      if (found == NULL)
        {
          g_printerr ("startup: %s is not installed (tools/install-deps.sh)\n", program);
          return 2;
        }
    }

  /* a world of its own: runtime dir, settings, data */
  root = g_dir_make_tmp ("hgbench-XXXXXX", &error);
  g_assert_no_error (error);
  runtime = g_build_filename (root, "rt", NULL);
  g_mkdir (runtime, 0700);
  g_setenv ("HANGAR_RUNTIME_DIR", runtime, TRUE);
  g_setenv ("XDG_DATA_HOME", root, TRUE);
  g_setenv ("XDG_CONFIG_HOME", root, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  g_setenv ("HANGARCTL", hangarctl, TRUE);
  if (g_getenv ("HANGAR_ACCEL") == NULL)
    g_setenv ("HANGAR_ACCEL", "tcg", TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    libs[i] = make_library (root, sizes[i]);
  vnc = start_tiny (root, &vm_base);
  relay_display = start_relay (vnc, &relay);
  rv_uri = g_strdup_printf ("vnc://127.0.0.1:%u", 5900 + relay_display);
  gvnc_relayed = g_strdup_printf ("127.0.0.1:%u", relay_display);

  printf ("bench/startup: %u rounds (median), Xvfb, %s\n", rounds, hangar);
  fflush (stdout);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      const char *args[] = { hangar, "--base", libs[i], NULL };

      frame[i] = -1;
      if (!only_display)
        medians (args, FALSE, rounds, &frame[i], NULL);
    }
  {
    const char *args[] = { hangar, "--base", libs[2], "--base", vm_base, "--display", "tiny", NULL };
    const char *rv[] = { "remote-viewer", rv_uri, NULL };
    const char *gvnc[] = { "gvncviewer", vnc, NULL };
    /* the relay's own cost: gvncviewer through it, against gvncviewer on
     * the socket (remote-viewer can only go through it) */
    const char *gvnc_relay[] = { "gvncviewer", gvnc_relayed, NULL };

    const char * const *programs[] = { args, rv, gvnc, gvnc_relay };
    double frames_of[4], fbs_of[4];

    medians_interleaved (programs, G_N_ELEMENTS (programs), rounds, frames_of, fbs_of);
    fb_hangar = fbs_of[0];
    frame_rv = frames_of[1];
    fb_rv = fbs_of[1];
    frame_gvnc = frames_of[2];
    fb_gvnc = fbs_of[2];
    fb_gvnc_relayed = fbs_of[3];
    relay_cost = MAX (0.0, fb_gvnc_relayed - fb_gvnc);
    fb_rv_own = fb_rv - relay_cost;
    if (only_display)
      {
        stop_tiny (vm_base);
        if (bus != NULL)
          g_subprocess_force_exit (bus);
        printf ("first framebuffer (s): hangar %.3f, remote-viewer %.3f (relay %.3f of it; %.2f), "
                "gvncviewer %.3f (%.2f)\n",
                fb_hangar, fb_rv, relay_cost, fb_hangar / fb_rv_own, fb_gvnc, fb_hangar / fb_gvnc);
        remove_tree (root);
        return fb_hangar <= fb_rv_own ? 0 : 1;
      }
    hangar_idle = measure (args, TRUE, TRUE);
    rv_idle = measure (rv, TRUE, TRUE);
    gvnc_idle = measure (gvnc, TRUE, TRUE);
  }

  /* ratios only between like tasks: the viewers show one VM's screen, so
   * they are compared with hangar --display; the library window's first
   * frame has no counterpart in them and is shown on its own */
  printf ("\n%-52s %10s\n", "", "hangar");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *what = g_strdup_printf ("exec → library window's first frame, %u VMs (s)", sizes[i]);
      printf ("%-52s %10.3f\n", what, frame[i]);
    }
  printf ("\n%-52s %10s %14s %11s %9s %9s\n", "showing the running VM", "hangar", "remote-viewer",
          "gvncviewer", "h/rv", "h/gvnc");
  printf ("%-52s %10s %14.3f %11.3f\n", "exec → viewer window's first frame (s)", "-", frame_rv, frame_gvnc);
  printf ("%-52s %10.3f %14.3f %11.3f %9.2f %9.2f\n", "exec → first framebuffer (s)",
          fb_hangar, fb_rv_own, fb_gvnc, fb_hangar / fb_rv_own, fb_hangar / fb_gvnc);
  printf ("%-52s %10s %14.3f %11.3f\n", "  … through the loopback TCP relay (s)", "-", fb_rv, fb_gvnc_relayed);
  printf ("%-52s %10s %14.3f\n", "  the relay's cost (gvnc relayed − direct, s)", "-", relay_cost);
  printf ("%-52s %10.1f %14.1f %11.1f %9.2f %9.2f\n", "peak RSS (MB)",
          hangar_idle.peak_rss_kb / 1024.0, rv_idle.peak_rss_kb / 1024.0,
          gvnc_idle.peak_rss_kb / 1024.0,
          (double) hangar_idle.peak_rss_kb / rv_idle.peak_rss_kb,
          (double) hangar_idle.peak_rss_kb / gvnc_idle.peak_rss_kb);
  printf ("%-52s %10.2f %14.2f %11.2f\n", "idle CPU over 20 s, from fb+3 s (% of a core)",
          hangar_idle.idle_cpu, rv_idle.idle_cpu, gvnc_idle.idle_cpu);
  printf ("\n(hangar: 1,000 VMs + the running tiny guest, --display tiny; remote-viewer through a relay\n"
          " process to the VNC socket, its figures less the relay's cost; all three on %s)\n",
          bus != NULL ? "a session bus started by the bench" : "the session bus of the environment");

  /* the targets, against remote-viewer (gvncviewer, a bare VNC widget, is
   * for information); a missed one is a failure (exit status 1) */
  {
    struct { const char *what; gboolean ok; } targets[] = {
      { "first framebuffer ≤ remote-viewer's", fb_hangar <= fb_rv_own },
      { "peak RSS ≤ remote-viewer's", hangar_idle.peak_rss_kb <= rv_idle.peak_rss_kb },
      { "idle CPU < 0.5 % of a core", hangar_idle.idle_cpu < 0.5 },
    };

    printf ("targets:");
    for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
      {
        printf (" %s: %s%s", targets[i].what, targets[i].ok ? "met" : "MISSED",
                i + 1 < G_N_ELEMENTS (targets) ? ";" : "\n");
        met = met && targets[i].ok;
      }
  }

  stop_tiny (vm_base);
  if (bus != NULL)
    g_subprocess_force_exit (bus);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    g_free (libs[i]);
  g_subprocess_force_exit (relay);
  remove_tree (root);
  XCloseDisplay (dpy);
  return met ? 0 : 1;
}
