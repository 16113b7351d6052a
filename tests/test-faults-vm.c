/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>

#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm.h"

/*
 * Faults from outside, with real QEMU (TCG) and the tiny guest (a boot
 * sector that greets on COM1 and ignores ACPI): `hangarctl stop --timeout`
 * escalates to a forced stop and says so, `hangarctl reset` really reboots,
 * and kill -9 of QEMU, of hangarctl and of a separately spawned window
 * (`hangar`, under Xvfb) in every VM state (starting, running, paused,
 * shutting down) leaves a consistent state: `hangarctl info` is right, the
 * runtime directory is cleaned (sockets, pidfile), the VM directory is as
 * it was and the VM starts again.  Everything is driven through the built programs, as a
 * user would.
 */

#define BOOT_MS 60000
#define EXIT_MS 30000

static char *ctl_path;
static char *hangar_path;

typedef struct
{
  char         *base;
  char         *label;
  HgVmConfig   *config;
  HgVm         *vm;       /* for its runtime paths only; never started here */
  GHashTable   *before;   /* the VM directory: name -> size:mtime, config bytes */
} Vm;

static void
vm_clear (Vm *v)
{
  if (v->base != NULL && ctl_path != NULL)
    {
      const char *argv[] = { ctl_path, "--base", v->base, "kill", v->label, NULL };
      g_autofree char *out = NULL, *err = NULL;

      /* a failed test leaves no QEMU running (not running is fine here) */
      hg_test_run (argv, &out, &err, EXIT_MS);
    }
  hg_test_remove_tree (v->base);
  g_clear_pointer (&v->base, g_free);
  g_clear_pointer (&v->label, g_free);
  g_clear_pointer (&v->config, hg_vm_config_unref);
  g_clear_object (&v->vm);
  g_clear_pointer (&v->before, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Vm, vm_clear)

/* What a kill -9 must not change: every file of the VM directory (name,
 * size, mtime) and the config's bytes. */
static GHashTable *
vm_dir_state (Vm *v)
{
  const char *dir = v->config->dir;
  GHashTable *state = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      struct stat st;

      g_assert_cmpint (lstat (path, &st), ==, 0);
      if (g_str_has_suffix (name, ".hangar"))
        {
          char *text = NULL;

          g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
          g_hash_table_insert (state, g_strdup (name), text);
        }
      else
        g_hash_table_insert (state, g_strdup (name),
                             g_strdup_printf ("%lld:%lld", (long long) st.st_size,
                                              (long long) st.st_mtime));
    }
  return state;
}

static void
assert_vm_dir_unchanged (Vm *v)
{
  g_autoptr(GHashTable) now = vm_dir_state (v);
  GHashTableIter iter;
  gpointer name, value;

  g_hash_table_iter_init (&iter, v->before);
  while (g_hash_table_iter_next (&iter, &name, &value))
    {
      const char *after = g_hash_table_lookup (now, name);

      if (after == NULL)
        g_error ("%s disappeared from the VM directory", (char *) name);
      g_assert_cmpstr (after, ==, value);
    }
  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_hash_table_contains (v->before, name))
      g_error ("%s appeared in the VM directory", (char *) name);
}

/* The tiny guest in its own library; FALSE (skipped) when it is not built */
static gboolean
vm_make (Vm         *v,
         const char *label)
{
  v->label = g_strdup (label);
  v->config = hg_test_make_vm ("tiny", label, &v->base);
  if (v->config == NULL || ctl_path == NULL)
    {
      hg_test_skip_or_fail ("the tiny guest (tools/build-guests.sh) or hangarctl is not built");
      return FALSE;
    }
  v->vm = hg_vm_new_full (v->config, NULL, NULL);
  v->before = vm_dir_state (v);
  return TRUE;
}

static const HgRuntimePaths *
vm_paths (Vm *v)
{
  return hg_vm_get_runtime_paths (v->vm);
}

/* hangarctl --base BASE ARGS… (NULL-terminated); exit status, output in
 * *out and *err (replaced) */
static int
ctl (Vm    *v,
     char **out,
     char **err,
     ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  va_list ap;

  va_start (ap, err);
  argv = hg_test_hangarctl_argv_va (v->base, ap);
  va_end (ap);
  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  return hg_test_run ((const char * const *) argv->pdata, out, err, 90000);
}

/* hangarctl … in the background (stdout to nowhere, stderr to our log);
 * its stdin a pipe nobody writes, so that `console` stays attached */
static GSubprocess *
ctl_spawn (Vm *v,
           ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;
  va_list ap;

  va_start (ap, v);
  argv = hg_test_hangarctl_argv_va (v->base, ap);
  va_end (ap);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);
  return proc;
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* hg_test_wait_until for a condition no event announces (a file, another
 * process's state): the main loop wakes every 5 ms to look again */
static gboolean
wait_polled (HgTestCond cond,
             gpointer   data,
             guint      timeout_ms)
{
  guint id = g_timeout_add (5, tick, NULL);
  gboolean ok = hg_test_wait_until (cond, data, timeout_ms);

  g_source_remove (id);
  return ok;
}

static gboolean
proc_exited (gpointer data)
{
  /* g_subprocess_get_if_exited needs the wait to have completed */
  return g_object_get_data (data, "hg-test-done") != NULL;
}

static void
on_proc_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  g_object_set_data (source, "hg-test-done", GINT_TO_POINTER (1));
}

static void
proc_watch (GSubprocess *proc)
{
  g_subprocess_wait_async (proc, NULL, on_proc_done, NULL);
}

static gboolean
proc_wait (GSubprocess *proc,
           guint        timeout_ms)
{
  return hg_test_wait_until (proc_exited, proc, timeout_ms);
}

static void
proc_kill9 (GSubprocess *proc)
{
  g_assert_false (proc_exited (proc));
  g_subprocess_force_exit (proc);
  g_assert_true (proc_wait (proc, EXIT_MS));
  if (!g_subprocess_get_if_signaled (proc))
    g_error ("%s exited with %d before its kill -9", g_subprocess_get_identifier (proc),
             g_subprocess_get_exit_status (proc));
  g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGKILL);
}

/* `hangarctl info --json`: the state it reports and QEMU's pid (0 if none) */
static char *
info_state (Vm   *v,
            gint *pid)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  g_assert_cmpint (ctl (v, &out, &err, "info", "--json", v->label, NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  if (pid != NULL)
    *pid = json_object_has_member (o, "pid") ? (gint) json_object_get_int_member (o, "pid") : 0;
  return g_strdup (json_object_get_string_member (o, "state"));
}

/* QEMU writes its pidfile early in its start-up: the pid and a newline */
static gboolean
pidfile_complete (gpointer data)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (vm_paths (data)->pidfile, &text, NULL, NULL)
         && strchr (text, '\n') != NULL;
}

static GPid
read_pidfile (Vm *v)
{
  g_autofree char *text = NULL;

  g_assert_true (wait_polled (pidfile_complete, v, BOOT_MS));
  g_assert_true (g_file_get_contents (vm_paths (v)->pidfile, &text, NULL, NULL));
  return (GPid) g_ascii_strtoll (text, NULL, 10);
}

static gboolean
process_gone (gpointer data)
{
  GPid pid = GPOINTER_TO_INT (data);
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  const char *p;

  if (kill (pid, 0) != 0)
    return errno == ESRCH;
  /* a zombie (our own children are reaped by GSubprocess) is gone too */
  if (!g_file_get_contents (stat_path, &text, NULL, NULL))
    return TRUE;
  p = strrchr (text, ')');
  return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

/* No socket and no pidfile left in the runtime directory (the log, the
 * lock and the exit reason stay: they tell the next look why it ended) */
static gboolean
runtime_cleaned (gpointer data)
{
  const HgRuntimePaths *p = vm_paths (data);
  const char *files[] = { p->qmp, p->qmp_ctl, p->serial, p->monitor, p->vnc, p->pidfile };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (g_file_test (files[i], G_FILE_TEST_EXISTS))
      return FALSE;
  return TRUE;
}

/* After a fault that ended QEMU: hangarctl says stopped (or crashed), the
 * sockets and pidfile go, nothing changed in the VM directory, and the VM
 * starts again (and is then killed). */
static void
assert_stopped_consistent (Vm *v)
{
  g_autofree char *state = NULL;
  g_autofree char *out = NULL, *err = NULL;
  gint pid = -1;

  state = info_state (v, &pid);
  g_test_message ("after the fault: %s", state);
  g_assert_true (g_str_equal (state, "stopped") || g_str_equal (state, "crashed"));
  g_assert_cmpint (pid, ==, 0);
  /* the first look after the death cleans up */
  g_assert_true (wait_polled (runtime_cleaned, v, EXIT_MS));
  assert_vm_dir_unchanged (v);

  g_assert_cmpint (ctl (v, &out, &err, "start", v->label, NULL), ==, 0);
  g_clear_pointer (&state, g_free);
  state = info_state (v, &pid);
  g_assert_cmpstr (state, ==, "running");
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (ctl (v, &out, &err, "kill", v->label, NULL), ==, 0);
  g_assert_true (wait_polled (process_gone, GINT_TO_POINTER (pid), EXIT_MS));
  g_assert_true (wait_polled (runtime_cleaned, v, EXIT_MS));
  assert_vm_dir_unchanged (v);
}

/* After a fault that left QEMU alone: hangarctl reports the state QEMU is
 * really in, and can still end it. */
static void
assert_alive_consistent (Vm         *v,
                         GPid        qemu,
                         const char *want)
{
  g_autofree char *state = NULL;
  g_autofree char *out = NULL, *err = NULL;
  gint pid = -1;

  g_assert_cmpint (kill (qemu, 0), ==, 0);
  state = info_state (v, &pid);
  g_assert_cmpstr (state, ==, want);
  g_assert_cmpint (pid, ==, qemu);
  g_assert_cmpint (ctl (v, &out, &err, "kill", v->label, NULL), ==, 0);
  g_assert_true (wait_polled (process_gone, GINT_TO_POINTER (qemu), EXIT_MS));
  g_assert_true (wait_polled (runtime_cleaned, v, EXIT_MS));
  assert_stopped_consistent (v);
}

/* ---- stop --timeout on a guest that ignores ACPI ------------------------ */

static void
test_stop_forced (void)
{
  g_auto(Vm) v = { 0 };
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *state = NULL;
  gint64 t0, elapsed;
  GPid pid;

  if (!vm_make (&v, "noacpi"))
    return;
  g_assert_cmpint (ctl (&v, &out, &err, "start", "noacpi", NULL), ==, 0);
  pid = read_pidfile (&v);

  /* the boot sector has no ACPI: the power button goes unanswered, and
   * after 2 s hangarctl forces it off and says so */
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (ctl (&v, &out, &err, "stop", "--timeout", "2", "noacpi", NULL), ==, 0);
  elapsed = (g_get_monotonic_time () - t0) / 1000;
  g_test_message ("stop --timeout 2 took %" G_GINT64_FORMAT " ms: %s", elapsed, out);
  g_assert_nonnull (strstr (out, "VM 'noacpi' did not power off in time and was forced off"));
  g_assert_cmpint (elapsed, >=, 2000);
  g_assert_cmpint (elapsed, <, 20000);
  g_assert_true (wait_polled (process_gone, GINT_TO_POINTER (pid), EXIT_MS));
  state = info_state (&v, NULL);
  g_assert_cmpstr (state, ==, "stopped");
  g_assert_true (wait_polled (runtime_cleaned, &v, EXIT_MS));
  assert_vm_dir_unchanged (&v);
}

/* ---- reset: the guest really boots again --------------------------------- */

static void
test_reset (void)
{
  g_auto(Vm) v = { 0 };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;

  if (!vm_make (&v, "resetme"))
    return;
  /* paused, so that the console is there before the first byte */
  g_assert_cmpint (ctl (&v, &out, &err, "start", "--paused", "resetme", NULL), ==, 0);
  pid = read_pidfile (&v);
  serial = hg_test_serial_open (vm_paths (&v)->serial, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ctl (&v, &out, &err, "resume", "resetme", NULL), ==, 0);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", BOOT_MS));

  /* the banner comes once per boot: a second one is a second boot */
  hg_test_serial_mark (serial);
  g_assert_cmpint (ctl (&v, &out, &err, "reset", "resetme", NULL), ==, 0);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", BOOT_MS));
  g_autofree char *state = info_state (&v, NULL);
  g_assert_cmpstr (state, ==, "running");
  /* the same QEMU: a reset is not a restart */
  g_assert_cmpint (read_pidfile (&v), ==, pid);
}

/* ---- who holds a QMP socket: HMP "info chardev" on the dedicated monitor -- */

/* One HMP command on the VM's dedicated monitor socket (monitor.sock,
 * which neither hangarctl nor the window uses); the answer up to the next
 * prompt. */
static gboolean
monitor_exists (gpointer data)
{
  return g_file_test (vm_paths (data)->monitor, G_FILE_TEST_EXISTS);
}

static char *
hmp (Vm         *v,
     const char *command)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (vm_paths (v)->monitor);
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *line = g_strdup_printf ("%s\n", command);
  GInputStream *in;
  gboolean sent = FALSE;
  char buf[4096];

  g_assert_true (wait_polled (monitor_exists, v, BOOT_MS));
  g_socket_client_set_timeout (client, 10);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  for (;;)
    {
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (text, buf, n);
      if (!g_str_has_suffix (text->str, "(qemu) "))
        continue;
      if (sent)
        break;
      /* the greeting and the first prompt: now the command */
      g_string_truncate (text, 0);
      g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                                line, strlen (line), NULL, NULL, &error));
      g_assert_no_error (error);
      sent = TRUE;
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Whether a client is connected to the UNIX socket QEMU listens on at
 * path: the socket QEMU accepted carries the listener's path, in state
 * connected ("03") in /proc/net/unix.  (Asking QEMU would need a monitor
 * that no window or hangarctl holds.) */
static gboolean
socket_held (Vm         *v,
             const char *path)
{
  g_autofree char *table = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents ("/proc/net/unix", &table, NULL, NULL));
  lines = g_strsplit (table, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit_set (lines[i], " ", -1);
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();

      for (guint j = 0; f[j] != NULL; j++)
        if (*f[j] != '\0')
          g_ptr_array_add (fields, f[j]);
      /* Num RefCount Protocol Flags Type St Inode Path */
      if (fields->len == 8 && g_str_equal (g_ptr_array_index (fields, 7), path)
          && g_str_equal (g_ptr_array_index (fields, 5), "03"))
        return TRUE;
    }
  return FALSE;
}

static gboolean
ctl_socket_held (gpointer data)
{
  return socket_held (data, vm_paths (data)->qmp_ctl);
}

static gboolean
serial_socket_held (gpointer data)
{
  return socket_held (data, vm_paths (data)->serial);
}

/* ---- kill -9 in every VM state ------------------------------------------ */

typedef enum
{
  STATE_STARTING,
  STATE_RUNNING,
  STATE_PAUSED,
  STATE_SHUTTING_DOWN,
} FaultState;

static const char * const fault_state_names[] = { "starting", "running", "paused", "shutting-down" };

/* Brings the VM into state.  Returns the hangarctl that is busy with it
 * (starting: `start`; shutting down: `stop --timeout 120`, the power button
 * unanswered by the boot sector), else NULL; *qemu: QEMU's pid. */
static GSubprocess *
enter_state (Vm         *v,
             FaultState  state,
             GPid       *qemu)
{
  g_autofree char *out = NULL, *err = NULL;
  GSubprocess *busy = NULL;

  switch (state)
    {
    case STATE_STARTING:
      busy = ctl_spawn (v, "start", v->label, NULL);
      proc_watch (busy);
      /* QEMU is there (its pidfile) but has not greeted on QMP yet: frozen
       * now, it holds hangarctl in its start until the fault is done
       * (the caller continues it) */
      *qemu = read_pidfile (v);
      g_assert_cmpint (kill (*qemu, SIGSTOP), ==, 0);
      g_assert_false (proc_exited (busy));
      break;
    case STATE_RUNNING:
    case STATE_PAUSED:
      g_assert_cmpint (ctl (v, &out, &err, "start", v->label, NULL), ==, 0);
      *qemu = read_pidfile (v);
      if (state == STATE_PAUSED)
        g_assert_cmpint (ctl (v, &out, &err, "pause", v->label, NULL), ==, 0);
      break;
    case STATE_SHUTTING_DOWN:
      g_assert_cmpint (ctl (v, &out, &err, "start", v->label, NULL), ==, 0);
      *qemu = read_pidfile (v);
      busy = ctl_spawn (v, "stop", "--timeout", "120", v->label, NULL);
      proc_watch (busy);
      /* hangarctl holds QMP (it asked for the power-down right after) */
      g_assert_true (wait_polled (ctl_socket_held, v, EXIT_MS));
      break;
    }
  return busy;
}

/* kill -9 of QEMU: hangarctl notices the death, cleans up, starts again;
 * a hangarctl busy with it ends with an error, not a hang */
static void
test_kill9_qemu (gconstpointer data)
{
  FaultState state = GPOINTER_TO_INT (data);
  g_autofree char *label = g_strdup_printf ("q9-%s", fault_state_names[state]);
  g_auto(Vm) v = { 0 };
  g_autoptr(GSubprocess) busy = NULL;
  GPid qemu;

  if (!vm_make (&v, label))
    return;
  busy = enter_state (&v, state, &qemu);
  g_assert_cmpint (kill (qemu, SIGKILL), ==, 0);
  g_assert_true (wait_polled (process_gone, GINT_TO_POINTER (qemu), EXIT_MS));
  if (busy != NULL)
    {
      g_assert_true (proc_wait (busy, EXIT_MS));
      g_test_message ("the busy hangarctl exited with %d", g_subprocess_get_exit_status (busy));
    }
  assert_stopped_consistent (&v);
}

/* kill -9 of the hangarctl busy with the VM (or, running and paused, one
 * attached to its serial console): QEMU runs on in the state it was in, and
 * everything still works */
static void
test_kill9_hangarctl (gconstpointer data)
{
  FaultState state = GPOINTER_TO_INT (data);
  g_autofree char *label = g_strdup_printf ("c9-%s", fault_state_names[state]);
  g_auto(Vm) v = { 0 };
  g_autoptr(GSubprocess) busy = NULL;
  g_autofree char *now = NULL;
  GPid qemu;

  if (!vm_make (&v, label))
    return;
  busy = enter_state (&v, state, &qemu);
  if (busy == NULL)
    {
      busy = ctl_spawn (&v, "console", label, NULL);
      proc_watch (busy);
      g_assert_true (wait_polled (serial_socket_held, &v, EXIT_MS));
    }
  proc_kill9 (busy);
  if (state == STATE_STARTING)
    {
      g_autofree char *status = NULL;

      /* QEMU goes on with its start-up; once its monitor answers, its main
       * loop runs.  (Asked before that, hangarctl finds both QMP sockets
       * unanswered and refuses to kill: a QEMU that
       * does not answer QMP, is another test's.) */
      g_assert_cmpint (kill (qemu, SIGCONT), ==, 0);
      status = hmp (&v, "info status");
      g_test_message ("QEMU after its start was cut short: %s", status);
    }
  /* QEMU lives on; a start cut short leaves it running or paused (-S),
   * and hangarctl must say which */
  g_assert_cmpint (kill (qemu, 0), ==, 0);
  now = info_state (&v, NULL);
  g_test_message ("after kill -9 of hangarctl while %s: %s", fault_state_names[state], now);
  switch (state)
    {
    case STATE_STARTING:
      g_assert_true (g_str_equal (now, "running") || g_str_equal (now, "paused"));
      break;
    case STATE_PAUSED:
      g_assert_cmpstr (now, ==, "paused");
      break;
    case STATE_RUNNING:
    case STATE_SHUTTING_DOWN:
      g_assert_cmpstr (now, ==, "running");
      break;
    }
  assert_alive_consistent (&v, qemu, now);
}

/* ---- kill -9 of a separately spawned window ------------------------------ */

static GSubprocess *session_bus;
static char *session_bus_address;

/* A session bus of our own (hangar is a single-instance GtkApplication:
 * without one it would spawn dbus-launch on every start) */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static gboolean
ensure_session_bus (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *address = NULL;

  if (session_bus != NULL)
    return TRUE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  /* it ends with us, even when a failed assertion aborts us */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  session_bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--session", "--nofork",
                                             "--print-address=1", NULL);
  if (session_bus == NULL)
    return FALSE;
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (session_bus));
  address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (address);
  session_bus_address = g_strdup (g_strstrip (address));
  return TRUE;
}

/* Whether a window can be spawned here; else skipped (failed under CI) */
static gboolean
window_possible (void)
{
  if (hangar_path == NULL || !g_file_test (hangar_path, G_FILE_TEST_IS_EXECUTABLE))
    {
      hg_test_skip_or_fail ("the window (src/ui/hangar) is not built");
      return FALSE;
    }
  if (g_getenv ("DISPLAY") == NULL)
    {
      hg_test_skip_or_fail ("no X display (run under xvfb-run, as meson test does)");
      return FALSE;
    }
  if (!ensure_session_bus ())
    {
      hg_test_skip_or_fail ("dbus-daemon is not installed (package dbus)");
      return FALSE;
    }
  return TRUE;
}

/* `hangar --base BASE`, its own process, on the X display; its output
 * stays off our TAP stdout */
static GSubprocess *
window_spawn (Vm *v)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  g_subprocess_launcher_setenv (launcher, "GDK_BACKEND", "x11", TRUE);
  g_subprocess_launcher_setenv (launcher, "NO_AT_BRIDGE", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", session_bus_address, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawn (launcher, &error, hangar_path, "--base", v->base, NULL);
  g_assert_no_error (error);
  proc_watch (proc);
  return proc;
}

static gboolean
window_socket_held (gpointer data)
{
  return socket_held (data, vm_paths (data)->qmp);
}

static gboolean
window_socket_free (gpointer data)
{
  return !socket_held (data, vm_paths (data)->qmp);
}

/* The window attaches to a running VM over the first QMP socket (hangarctl
 * uses the second): held means attached */
static void
wait_window_attached (Vm *v)
{
  g_assert_true (wait_polled (window_socket_held, v, BOOT_MS));
}

/* kill -9 of the window: QEMU runs on in its state, hangarctl says so, and
 * a window launched again reattaches to it */
static void
test_kill9_window (gconstpointer data)
{
  FaultState state = GPOINTER_TO_INT (data);
  g_autofree char *label = g_strdup_printf ("w9-%s", fault_state_names[state]);
  g_auto(Vm) v = { 0 };
  g_autoptr(GSubprocess) window = NULL;
  g_autoptr(GSubprocess) again = NULL;
  g_autoptr(GSubprocess) busy = NULL;
  g_autofree char *now = NULL;
  const char *want;
  GPid qemu;

  if (!window_possible () || !vm_make (&v, label))
    return;
  if (state == STATE_STARTING)
    {
      /* the window is open when the VM starts from a terminal, and dies
       * while QEMU is still coming up (held still by SIGSTOP) */
      window = window_spawn (&v);
      busy = enter_state (&v, state, &qemu);
      proc_kill9 (window);
      g_assert_cmpint (kill (qemu, SIGCONT), ==, 0);
      g_assert_true (proc_wait (busy, BOOT_MS));
      g_assert_cmpint (g_subprocess_get_exit_status (busy), ==, 0);
    }
  else
    {
      busy = enter_state (&v, state == STATE_SHUTTING_DOWN ? STATE_RUNNING : state, &qemu);
      window = window_spawn (&v);
      wait_window_attached (&v);
      if (state == STATE_SHUTTING_DOWN)
        {
          /* the power button unanswered: forced off 5 s later by hangarctl,
           * whatever became of the window meanwhile */
          busy = ctl_spawn (&v, "stop", "--timeout", "5", label, NULL);
          proc_watch (busy);
          g_assert_true (wait_polled (ctl_socket_held, &v, EXIT_MS));
        }
      proc_kill9 (window);
    }

  if (state == STATE_SHUTTING_DOWN)
    {
      g_assert_true (proc_wait (busy, EXIT_MS));
      g_assert_cmpint (g_subprocess_get_exit_status (busy), ==, 0);
      g_assert_true (wait_polled (process_gone, GINT_TO_POINTER (qemu), EXIT_MS));
      assert_stopped_consistent (&v);
      return;
    }

  /* QEMU noticed the window's end and runs on */
  g_assert_true (wait_polled (window_socket_free, &v, EXIT_MS));
  g_assert_cmpint (kill (qemu, 0), ==, 0);
  want = state == STATE_PAUSED ? "paused" : "running";
  now = info_state (&v, NULL);
  g_assert_cmpstr (now, ==, want);

  /* a new window finds it and attaches again */
  again = window_spawn (&v);
  wait_window_attached (&v);
  g_clear_pointer (&now, g_free);
  now = info_state (&v, NULL);
  g_assert_cmpstr (now, ==, want);
  proc_kill9 (again);
  g_assert_true (wait_polled (window_socket_free, &v, EXIT_MS));
  assert_alive_consistent (&v, qemu, want);
}

int
main (int   argc,
      char *argv[])
{
  const char *build;
  int status;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  ctl_path = hg_test_hangarctl_path ();
  build = g_getenv ("HANGAR_BUILD_ROOT");
  if (build != NULL)
    hangar_path = g_build_filename (build, "src", "ui", "hangar", NULL);

  g_test_add_func ("/hangar/faults/stop-forced", test_stop_forced);
  g_test_add_func ("/hangar/faults/reset", test_reset);
  for (guint i = 0; i < G_N_ELEMENTS (fault_state_names); i++)
    {
      g_autofree char *q = g_strdup_printf ("/hangar/faults/kill9-qemu/%s", fault_state_names[i]);
      g_autofree char *c = g_strdup_printf ("/hangar/faults/kill9-hangarctl/%s", fault_state_names[i]);

      g_test_add_data_func (q, GINT_TO_POINTER (i), test_kill9_qemu);
      g_test_add_data_func (c, GINT_TO_POINTER (i), test_kill9_hangarctl);
#ifdef HG_TEST_WINDOW
      {
        g_autofree char *w = g_strdup_printf ("/hangar/faults/kill9-window/%s", fault_state_names[i]);
        g_test_add_data_func (w, GINT_TO_POINTER (i), test_kill9_window);
      }
#endif
    }
  status = g_test_run ();
  if (session_bus != NULL)
    {
      g_subprocess_force_exit (session_bus);
      g_subprocess_wait (session_bus, NULL, NULL);
      g_clear_object (&session_bus);
      g_clear_pointer (&session_bus_address, g_free);
    }
  hg_test_runtime_cleanup ();
  g_free (ctl_path);
  g_free (hangar_path);
  return status;
}
