/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hg-test-skip.h"
#include "hg-process.h"
#include "hg-test-vm.h"
#include "hg-vm.h"

/*
 * Identity before every signal, and a CLI that can always end a VM
 * with real QEMU under TCG:
 *  - a copy of a VM directory (cp -r: same uuid) never shares the
 *    original's runtime identity: killing the copy fails, the original
 *    runs on;
 *  - a QEMU that does not answer QMP (SIGSTOPped, both QMP sockets held by
 *    other clients) is "not responding" at once, and kill/stop end it;
 *  - a crash seen by the CLI shows as crashed with its reason and log.
 */

static HgHostCaps *caps;

#define SKIP_IF_NO_GUEST(config)                                         \
  if ((config) == NULL)                                                  \
    {                                                                    \
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)"); \
      return;                                                            \
    }

static HgVm *
make_vm (const char  *label,
         char       **base)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", label, base);

  if (config == NULL)
    return NULL;
  return hg_vm_new_full (config, NULL, caps);
}

/* hangarctl ARGS... (NULL-terminated), its exit status; out and err kept */
static int
ctl (char **out,
     char **err,
     ...)
{
  g_autofree char *path = hg_test_hangarctl_path ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;
  const char *arg;

  g_assert_nonnull (path);
  g_ptr_array_add (argv, path);
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  return hg_test_run ((const char * const *) argv->pdata, out, err, 60000);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("expected \"%s\" in:\n%s", needle, haystack ? haystack : "(null)");
}

static gboolean
pid_is_stopped (gpointer data)
{
  return hg_proc_pid_is_stopped (GPOINTER_TO_INT (data));
}

static gboolean
pid_is_gone (gpointer data)
{
  return !hg_proc_pid_is_alive (GPOINTER_TO_INT (data));
}

static void
assert_no_sockets (const HgRuntimePaths *paths)
{
  g_assert_false (g_file_test (paths->qmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->qmp_ctl, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->serial, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->monitor, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->vnc, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->pidfile, G_FILE_TEST_EXISTS));
}

static void
kill_vm (HgVm *vm)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (!hg_vm_is_active (vm))
    return;
  hg_vm_kill_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  hg_vm_action_finish (vm, result, NULL);
}

/* Starts the VM with `hangarctl start` (nobody here is QEMU's parent) and
 * returns its pid; vm is left detached. */
static GPid
ctl_start (HgVm       *vm,
           const char *base)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GPid pid;

  g_assert_cmpint (ctl (&out, &err, "--base", base, "start", hg_vm_get_label (vm), NULL), ==, 0);
  g_assert_cmpint (hg_vm_refresh_state (vm, NULL), ==, HG_VM_STATE_RUNNING);
  pid = hg_vm_get_pid (vm);
  hg_vm_detach (vm);
  return pid;
}

/* ---- cp -r: the copy is not the original ------------------------------- */

static void
test_copy (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("orig", &base);
  g_autofree char *copies = NULL;
  g_autofree char *copy_dir = NULL;
  g_autofree char *orig_dir = NULL;
  g_autofree char *copy_conf = NULL;
  g_autoptr(HgVmConfig) copy_config = NULL;
  g_autoptr(HgVm) copy = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GPid pid;

  SKIP_IF_NO_GUEST (vm);
  orig_dir = g_build_filename (base, "orig", NULL);
  copies = g_build_filename (base, "copies", NULL);
  copy_dir = g_build_filename (copies, "orig", NULL);
  g_assert_cmpint (g_mkdir (copies, 0700), ==, 0);
  {
    const char *argv[] = { "cp", "-r", orig_dir, copies, NULL };
    g_assert_cmpint (hg_test_run (argv, NULL, NULL, 10000), ==, 0);
  }
  copy_conf = g_build_filename (copy_dir, "orig.hangar", NULL);
  copy_config = hg_vm_config_load (copy_conf, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (copy_config->uuid, ==, hg_vm_get_config (vm)->uuid);
  copy = hg_vm_new_full (copy_config, NULL, caps);
  /* two directories, two runtime identities */
  g_assert_cmpstr (hg_vm_get_runtime_id (copy), !=, hg_vm_get_runtime_id (vm));
  g_assert_true (g_str_has_prefix (hg_vm_get_runtime_id (copy), copy_config->uuid));

  hg_test_vm_start (vm, 0);
  pid = hg_vm_get_pid (vm);

  /* the copy does not run: kill and stop refuse, naming it not running */
  g_assert_cmpint (ctl (&out, &err, "kill", copy_dir, NULL), ==, 4);
  assert_contains (err, "VM 'orig' is not running");
  g_assert_cmpint (ctl (&out, &err, "stop", "--timeout", "1", copy_dir, NULL), ==, 4);
  assert_contains (err, "is not running");
  g_assert_cmpint (ctl (&out, &err, "--json", "info", copy_dir, NULL), ==, 0);
  assert_contains (out, "\"state\" : \"stopped\"");
  g_assert_null (strstr (out, "\"pid\""));
  /* the same in-process: refresh and kill */
  g_assert_cmpint (hg_vm_refresh_state (copy, &error), ==, HG_VM_STATE_STOPPED);
  g_assert_no_error (error);
  g_assert_cmpint (hg_vm_get_pid (copy), ==, 0);
  hg_vm_kill_async (copy, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  g_assert_false (hg_vm_action_finish (copy, result, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  /* the original runs on, and is found by its own directory */
  g_assert_true (hg_proc_pid_is_alive (pid));
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);
  g_assert_cmpint (ctl (&out, &err, "--json", "info", orig_dir, NULL), ==, 0);
  assert_contains (out, "\"state\" : \"running\"");
  /* a running VM keeps its identity */
  g_assert_cmpint (ctl (&out, &err, "reidentify", orig_dir, NULL), ==, 4);
  assert_contains (err, "VM 'orig' is running (pid ");
  assert_contains (err, "shut it down before giving it a new identity");

  /* the copy starts beside it, with its own sockets */
  hg_test_vm_start (copy, 0);
  g_assert_cmpint (hg_vm_get_pid (copy), !=, pid);
  g_assert_cmpint (ctl (&out, &err, "kill", copy_dir, NULL), ==, 0);
  g_assert_true (hg_test_wait_state (copy, HG_VM_STATE_STOPPED, 10000));
  g_assert_true (hg_proc_pid_is_alive (pid));
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);

  kill_vm (vm);
  hg_test_remove_tree (base);
}

/* ---- SIGSTOP: not responding at once, and kill ends it ----------------- */

static void
test_sigstop (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("frozen", &base);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const HgRuntimePaths *paths;
  gint64 t0, ms;
  GPid pid;

  SKIP_IF_NO_GUEST (vm);
  paths = hg_vm_get_runtime_paths (vm);
  hg_test_vm_start (vm, 0);
  pid = hg_vm_get_pid (vm);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  g_assert_true (hg_test_wait_until (pid_is_stopped, GINT_TO_POINTER (pid), 5000));

  t0 = g_get_monotonic_time ();
  g_assert_cmpint (ctl (&out, &err, "--base", base, "info", "frozen", NULL), ==, 0);
  ms = (g_get_monotonic_time () - t0) / 1000;
  g_test_message ("info on a stopped QEMU took %" G_GINT64_FORMAT " ms", ms);
  assert_contains (out, "not responding");
  assert_contains (out, "stopped by a signal");
  g_assert_cmpint (ms, <, 1500);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "--json", "list", NULL), ==, 0);
  assert_contains (out, "\"not-responding\"");
  /* what needs QMP is refused, saying why and what still works */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "pause", "frozen", NULL), ==, 4);
  assert_contains (err, "not responding");
  assert_contains (err, "hangarctl kill");

  g_assert_cmpint (ctl (&out, &err, "--base", base, "kill", "frozen", NULL), ==, 0);
  assert_contains (out, "VM 'frozen' killed");
  /* killed on purpose by another process: stopped, not crashed */
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_STOPPED, 10000));
  g_assert_cmpstr (hg_vm_get_state_reason (vm), ==, "killed");
  g_assert_true (hg_test_wait_until (pid_is_gone, GINT_TO_POINTER (pid), 5000));
  assert_no_sockets (paths);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "--json", "info", "frozen", NULL), ==, 0);
  assert_contains (out, "\"state\" : \"stopped\"");

  /* stop --timeout: no ACPI without QMP; SIGTERM waits while it is
   * stopped, SIGKILL after the timeout, and it says so */
  hg_test_vm_start (vm, 0);
  pid = hg_vm_get_pid (vm);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  g_assert_true (hg_test_wait_until (pid_is_stopped, GINT_TO_POINTER (pid), 5000));
  g_assert_cmpint (ctl (&out, &err, "--base", base, "stop", "--timeout", "1", "frozen", NULL), ==, 0);
  assert_contains (out, "VM 'frozen' did not stop within 1 s and was killed (SIGKILL)");
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_STOPPED, 10000));
  g_assert_true (hg_test_wait_until (pid_is_gone, GINT_TO_POINTER (pid), 5000));
  assert_no_sockets (paths);
  hg_test_remove_tree (base);
}

/* ---- both QMP sockets held by other clients --------------------------- */

static GSocketConnection *
hold_qmp (const char *path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;
  GInputStream *in;
  char buf[4096];
  gssize n;

  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  /* the greeting: QEMU now serves this client on that socket */
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  n = g_input_stream_read (in, buf, sizeof buf - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  buf[n] = '\0';
  assert_contains (buf, "\"QMP\"");
  return conn;
}

static void
test_qmp_held (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("held", &base);
  g_autoptr(GSocketConnection) one = NULL;
  g_autoptr(GSocketConnection) two = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const HgRuntimePaths *paths;
  gint64 t0, ms;
  GPid pid;

  SKIP_IF_NO_GUEST (vm);
  paths = hg_vm_get_runtime_paths (vm);
  /* started by another process: nobody here is its parent */
  pid = ctl_start (vm, base);
  one = hold_qmp (paths->qmp);
  two = hold_qmp (paths->qmp_ctl);

  t0 = g_get_monotonic_time ();
  g_assert_cmpint (ctl (&out, &err, "--base", base, "info", "held", NULL), ==, 0);
  ms = (g_get_monotonic_time () - t0) / 1000;
  g_test_message ("info with both QMP sockets held took %" G_GINT64_FORMAT " ms", ms);
  assert_contains (out, "not responding");
  g_assert_cmpint (ms, <, 2000);

  g_assert_cmpint (ctl (&out, &err, "--base", base, "kill", "held", NULL), ==, 0);
  assert_contains (out, "VM 'held' killed");
  g_assert_true (hg_test_wait_until (pid_is_gone, GINT_TO_POINTER (pid), 5000));
  assert_no_sockets (paths);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "--json", "info", "held", NULL), ==, 0);
  assert_contains (out, "\"state\" : \"stopped\"");
  hg_test_remove_tree (base);
}

/* ---- a crash seen by the CLI ------------------------------------------- */

static void
test_crash (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("crashy", &base);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GPid pid;

  SKIP_IF_NO_GUEST (vm);
  /* its parent (as a window is) sees the signal: hangarctl shows it */
  hg_test_vm_start (vm, 0);
  pid = hg_vm_get_pid (vm);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_CRASHED, 10000));
  g_assert_cmpint (ctl (&out, &err, "--base", base, "info", "crashy", NULL), ==, 0);
  assert_contains (out, "crashed");
  assert_contains (out, "killed by signal 9");
  assert_contains (out, "last log lines:");
  g_assert_cmpint (ctl (&out, &err, "--base", base, "list", NULL), ==, 0);
  assert_contains (out, "crashed");
  assert_contains (out, "killed by signal 9");
  g_assert_cmpint (ctl (&out, &err, "--base", base, "--json", "info", "crashy", NULL), ==, 0);
  assert_contains (out, "\"state\" : \"crashed\"");
  assert_contains (out, "\"log-tail\"");

  /* started by hangarctl, killed while nobody watches: crashed, with the
   * log, and it stays so until the next start */
  pid = ctl_start (vm, base);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (hg_test_wait_until (pid_is_gone, GINT_TO_POINTER (pid), 5000));
  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpint (ctl (&out, &err, "--base", base, "info", "crashy", NULL), ==, 0);
      assert_contains (out, "crashed");
      assert_contains (out, "exited unexpectedly");
      assert_contains (out, "last log lines:");
    }
  assert_no_sockets (hg_vm_get_runtime_paths (vm));
  /* a new start forgets the crash */
  g_assert_cmpint (ctl (&out, &err, "--base", base, "start", "crashy", NULL), ==, 0);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "--json", "info", "crashy", NULL), ==, 0);
  assert_contains (out, "\"state\" : \"running\"");
  g_assert_cmpint (ctl (&out, &err, "--base", base, "kill", "crashy", NULL), ==, 0);
  g_assert_cmpint (ctl (&out, &err, "--base", base, "--json", "info", "crashy", NULL), ==, 0);
  assert_contains (out, "\"state\" : \"stopped\"");

  /* QEMU that quits normally while nobody watches did not crash */
  pid = ctl_start (vm, base);
  ctl (&out, &err, "--base", base, "monitor", "crashy", "quit", NULL);
  g_assert_true (hg_test_wait_until (pid_is_gone, GINT_TO_POINTER (pid), 10000));
  g_assert_cmpint (ctl (&out, &err, "--base", base, "--json", "info", "crashy", NULL), ==, 0);
  assert_contains (out, "\"state\" : \"stopped\"");
  hg_test_remove_tree (base);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/identity/copy", test_copy);
  g_test_add_func ("/hangar/identity/sigstop", test_sigstop);
  g_test_add_func ("/hangar/identity/qmp-held", test_qmp_held);
  g_test_add_func ("/hangar/identity/crash", test_crash);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
