/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "hg-proc.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"
#include "hg-vm.h"

/*
 * The VM lifecycle with real QEMU under TCG: every test boots a real guest
 * from $HANGAR_GUESTS_DIR (tools/build-guests.sh) and waits on conditions
 * with a main-loop deadline.
 */

#define BOOT_TIMEOUT_MS 120000

static HgHostCaps *caps;

#define SKIP_IF_NO_GUEST(config)                                         \
  if ((config) == NULL)                                                  \
    {                                                                    \
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)"); \
      return;                                                            \
    }

static HgVm *
make_vm (const char  *kind,
         const char  *label,
         char       **base)
{
  g_autoptr(HgVmConfig) config = hg_test_make_vm (kind, label, base);

  if (config == NULL)
    return NULL;
  return hg_vm_new_full (config, NULL, caps);
}

static JsonNode *
qmp_sync (HgVm       *vm,
          const char *command)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HgQmpClient *qmp = hg_vm_get_qmp_client (vm);
  JsonNode *node;

  g_assert_nonnull (qmp);
  hg_qmp_client_execute_async (qmp, command, NULL, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  node = hg_qmp_client_execute_finish (qmp, result, &error);
  g_assert_no_error (error);
  return node;
}

static gboolean
qmp_running (HgVm *vm)
{
  g_autoptr(JsonNode) status = qmp_sync (vm, "query-status");
  return json_object_get_boolean_member (json_node_get_object (status), "running");
}

/* ---- the demo guest: banner, a command, pause/resume, ACPI power-down -- */

static void
test_demo (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("demo", "demo", &base);
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const HgRuntimePaths *paths;
  gboolean forced = TRUE;
  struct stat st;

  SKIP_IF_NO_GUEST (vm);
  paths = hg_vm_get_runtime_paths (vm);

  /* paused first so that the console is connected before the first byte */
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_PAUSED);
  g_assert_cmpint (hg_vm_get_pid (vm), >, 0);
  g_assert_cmpint (stat (paths->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_file_test (paths->pidfile, G_FILE_TEST_IS_REGULAR));
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_test_vm_action (vm, hg_vm_resume_async);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);

  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 30000));
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "echo $((6*7))\n");
  g_assert_true (hg_test_serial_wait_for (serial, "\n42", 30000));

  /* pause and resume: our state and QEMU's agree */
  hg_test_vm_action (vm, hg_vm_pause_async);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_PAUSED);
  g_assert_false (qmp_running (vm));
  hg_test_vm_action (vm, hg_vm_resume_async);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);
  g_assert_true (qmp_running (vm));

  /* a second start of the same VM, through another HgVm */
  {
    g_autoptr(HgVm) other = hg_vm_new_full (hg_vm_get_config (vm), NULL, caps);
    g_autoptr(GAsyncResult) r2 = NULL;
    g_autofree char *expected = g_strdup_printf ("VM 'demo' is already running (pid %d)",
                                                 (int) hg_vm_get_pid (vm));

    hg_vm_start_async (other, HG_BOOT_KERNEL, 0, NULL, hg_test_store_result, &r2);
    g_assert_true (hg_test_wait_result (&r2, 10000));
    g_assert_false (hg_vm_start_finish (other, r2, &error));
    g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_ALREADY_RUNNING);
    g_assert_cmpstr (error->message, ==, expected);
    g_clear_error (&error);
    g_assert_true (hg_vm_is_active (vm));
  }

  /* ACPI power-down: the busybox guest's acpid powers off */
  hg_vm_shutdown_async (vm, 60000, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 90000));
  hg_vm_shutdown_finish (vm, result, &forced, &error);
  g_assert_no_error (error);
  g_assert_false (forced);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);
  g_assert_cmpstr (hg_vm_get_state_reason (vm), ==, "guest powered off");
  g_assert_false (g_file_test (paths->qmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->pidfile, G_FILE_TEST_EXISTS));

  hg_test_remove_tree (base);
}

/* ---- kill -9 from outside ---------------------------------------------- */

static void
check_crash_noticed (HgVm *vm)
{
  const HgRuntimePaths *paths = hg_vm_get_runtime_paths (vm);
  GPid pid = hg_vm_get_pid (vm);
  gint64 t0;

  g_assert_cmpint (pid, >, 0);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_CRASHED, 2000));
  g_test_message ("crash noticed after %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - t0) / 1000);
  g_assert_nonnull (hg_vm_get_state_reason (vm));
  g_assert_nonnull (strstr (hg_vm_get_state_reason (vm), "unexpectedly"));
  g_assert_cmpint (hg_vm_get_pid (vm), ==, 0);
  g_assert_nonnull (hg_vm_get_log_tail (vm));
  g_assert_false (g_file_test (paths->qmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->serial, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->pidfile, G_FILE_TEST_EXISTS));
}

static void
test_kill9_child (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "tiny", &base);

  SKIP_IF_NO_GUEST (vm);
  hg_test_vm_start (vm, 0);
  check_crash_noticed (vm);
  g_assert_nonnull (strstr (hg_vm_get_state_reason (vm), "signal 9"));
  hg_test_remove_tree (base);
}

/* a second HgVm reattaches (identity checked); QMP serves one client, so
 * the first one detaches first; then a kill -9 is seen by the watcher that
 * is not QEMU's parent */
static void
test_reattach (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "again", &base);
  g_autoptr(HgVm) second = NULL;
  g_autoptr(HgVm) busy = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean attached;
  GPid pid;

  SKIP_IF_NO_GUEST (vm);
  hg_test_vm_start (vm, 0);
  pid = hg_vm_get_pid (vm);

  /* while the first holds QMP, a second (a hangarctl) gets the second QMP
   * socket and full control; a third sees it running by pid only */
  {
    g_autoptr(HgVm) control = hg_vm_new_full (hg_vm_get_config (vm), NULL, caps);

    g_assert_cmpint (hg_vm_refresh_state (control, &error), ==, HG_VM_STATE_RUNNING);
    g_assert_no_error (error);
    g_assert_true (qmp_running (control));
    busy = hg_vm_new_full (hg_vm_get_config (vm), NULL, caps);
    g_assert_cmpint (hg_vm_refresh_state (busy, &error), ==, HG_VM_STATE_RUNNING);
    g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY);
    g_clear_error (&error);
    g_assert_cmpint (hg_vm_get_pid (busy), ==, pid);
    g_clear_object (&busy);
    hg_vm_detach (control);
  }
  {
    /* the parallel look `hangarctl list` uses: one running, one never started */
    g_autofree char *base2 = NULL;
    g_autoptr(HgVmConfig) other_config = hg_test_make_vm ("tiny", "never", &base2);
    g_autoptr(HgVm) never = hg_vm_new_full (other_config, NULL, caps);
    HgVm *vms[2];

    busy = hg_vm_new_full (hg_vm_get_config (vm), NULL, caps);
    vms[0] = busy;
    vms[1] = never;
    hg_vm_refresh_states (vms, 2);
    g_assert_cmpint (hg_vm_get_state (busy), ==, HG_VM_STATE_RUNNING);
    g_assert_cmpint (hg_vm_get_state (never), ==, HG_VM_STATE_STOPPED);
    g_clear_object (&busy);
    hg_test_remove_tree (base2);
  }

  hg_vm_detach (vm);
  g_assert_cmpint (kill (pid, 0), ==, 0);   /* detaching never stops QEMU */

  second = hg_vm_new_full (hg_vm_get_config (vm), NULL, caps);
  hg_vm_attach_async (second, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  attached = hg_vm_attach_finish (second, result, &error);
  g_assert_no_error (error);
  g_assert_true (attached);
  g_assert_cmpint (hg_vm_get_state (second), ==, HG_VM_STATE_RUNNING);
  g_assert_cmpint (hg_vm_get_pid (second), ==, pid);
  g_assert_true (qmp_running (second));
  g_clear_object (&vm);   /* drops the GSubprocess watch too */

  check_crash_noticed (second);
  hg_test_remove_tree (base);
}

/* The QMP sockets are Hangar's: bound before the spawn, handed to QEMU as
 * fds (its command line names fd=, not the path), and still where a
 * second process finds them by path (hangarctl on qmp-ctl.sock) */
static void
test_qmp_fd_passed (void)
{
  g_autofree char *base = NULL;
  g_autofree char *ctl = hg_test_hangarctl_path ();
  g_autoptr(HgVm) vm = make_vm ("tiny", "fdqmp", &base);
  g_auto(GStrv) argv = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const HgRuntimePaths *paths;
  gboolean qmp0 = FALSE, qmp1 = FALSE;
  struct stat st;

  SKIP_IF_NO_GUEST (vm);
  if (ctl == NULL)
    {
      hg_test_skip_or_fail ("hangarctl not built");
      return;
    }
  paths = hg_vm_get_runtime_paths (vm);
  hg_test_vm_start (vm, 0);
  argv = hg_proc_cmdline (hg_vm_get_pid (vm));
  g_assert_nonnull (argv);
  for (guint i = 0; argv[i] != NULL; i++)
    {
      qmp0 |= g_str_equal (argv[i], "socket,id=qmp0,fd=3,server=on,wait=off");
      qmp1 |= g_str_equal (argv[i], "socket,id=qmp1,fd=4,server=on,wait=off");
      g_assert_null (strstr (argv[i], paths->qmp));
      g_assert_null (strstr (argv[i], paths->qmp_ctl));
    }
  g_assert_true (qmp0 && qmp1);
  /* the sockets are where every client looks for them */
  g_assert_cmpint (lstat (paths->qmp, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (lstat (paths->qmp_ctl, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  /* hangarctl info meanwhile (the window holds qmp.sock) */
  {
    const char *cmd[] = { ctl, "--base", base, "--json", "info", "fdqmp", NULL };
    g_assert_cmpint (hg_test_run (cmd, &out, &err, 30000), ==, 0);
    g_assert_nonnull (strstr (out, "\"running\""));
  }
  /* and a QMP command of its own through qmp-ctl.sock */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *cmd[] = { ctl, "--base", base, "pause", "fdqmp", NULL };
    g_assert_cmpint (hg_test_run (cmd, &out, &err, 30000), ==, 0);
  }
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_PAUSED, 10000));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* QEMU that dies before it greets us: the start fails with QEMU's own
 * words, and nothing is left in the runtime dir */
static void
test_early_exit (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", "early", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const HgRuntimePaths *paths;

  SKIP_IF_NO_GUEST (config);
  /* a "kernel" that QEMU refuses once it runs: the argv is fine, and
   * nothing Hangar checks before the start reads a kernel's contents */
  {
    g_autofree char *junk = g_build_filename (config->dir, "hangar-not-a-kernel", NULL);

    g_assert_true (g_file_set_contents (junk, "this is not a kernel\n", -1, NULL));
    g_free (config->kernel);
    config->kernel = g_strdup (junk);
  }
  vm = hg_vm_new_full (config, NULL, caps);
  paths = hg_vm_get_runtime_paths (vm);
  hg_vm_start_async (vm, HG_BOOT_KERNEL, 0, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_start_finish (vm, result, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_EXITED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "exited during start"));
  g_assert_nonnull (strstr (error->message, "kernel"));
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);
  g_assert_false (g_file_test (paths->qmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->qmp_ctl, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->pidfile, G_FILE_TEST_EXISTS));
  hg_test_remove_tree (base);
}

/* started by another process (hangarctl), attached here, killed from outside */
static void
test_second_process (void)
{
  g_autofree char *base = NULL;
  g_autofree char *ctl = hg_test_hangarctl_path ();
  g_autoptr(HgVm) vm = make_vm ("tiny", "tiny2", &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  SKIP_IF_NO_GUEST (vm);
  if (ctl == NULL)
    {
      hg_test_skip_or_fail ("hangarctl not built");
      return;
    }
  {
    const char *argv[] = { ctl, "--base", base, "start", "tiny2", NULL };
    status = hg_test_run (argv, &out, &err, 60000);
    g_assert_cmpint (status, ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    /* the second start, from yet another process, is refused */
    status = hg_test_run (argv, &out, &err, 60000);
    g_assert_cmpint (status, ==, 4);
    g_assert_nonnull (strstr (err, "VM 'tiny2' is already running (pid "));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    /* the first hangarctl is gone; a new one sees the VM running */
    const char *argv[] = { ctl, "--base", base, "--json", "info", "tiny2", NULL };
    status = hg_test_run (argv, &out, &err, 30000);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "\"running\""));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *argv[] = { ctl, "--base", base, "monitor", "tiny2", "info", "status", NULL };
    status = hg_test_run (argv, &out, &err, 30000);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "VM status: running"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

  /* reattach here: we are not QEMU's parent */
  hg_vm_attach_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  g_assert_true (hg_vm_attach_finish (vm, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);
  check_crash_noticed (vm);
  hg_test_remove_tree (base);
}

/* hangarctl --base base … (hg-test-vm.c) */
#define ctl(base, out, err, ...) hg_test_hangarctl (base, out, err, 60000, __VA_ARGS__)

/* every VM command of hangarctl on one tiny guest, each a separate process */
static void
test_cli_actions (void)
{
  g_autofree char *base = NULL;
  g_autofree char *ctlpath = hg_test_hangarctl_path ();
  g_autoptr(HgVm) vm = make_vm ("tiny", "clivm", &base);
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *png = NULL;
  g_autofree char *iso = hg_test_guest_file ("tiny", "boot.iso");

  SKIP_IF_NO_GUEST (vm);
  if (ctlpath == NULL)
    {
      hg_test_skip_or_fail ("hangarctl not built");
      return;
    }
  /* nothing runs yet: actions are refused with exit 4 and the reason */
  g_assert_cmpint (ctl (base, &out, &err, "pause", "clivm", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "VM 'clivm' is not running"));
  g_assert_cmpint (ctl (base, &out, &err, "start", "--boot", "floppyish", "clivm", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown boot mode 'floppyish'"));
  g_assert_cmpint (ctl (base, &out, &err, "start", "nosuchvm", NULL), ==, 3);

  g_assert_cmpint (ctl (base, &out, &err, "start", "clivm", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "VM 'clivm' started (pid "));
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", 60000));

  /* this process holds the first QMP socket, as a window would: hangarctl
   * goes on working over the second one */
  hg_vm_attach_async (vm, NULL, NULL, NULL);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_RUNNING, 10000));

  g_assert_cmpint (ctl (base, &out, &err, "pause", "clivm", NULL), ==, 0);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_PAUSED, 10000));
  g_assert_cmpint (ctl (base, &out, &err, "--json", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"paused\""));
  g_assert_cmpint (ctl (base, &out, &err, "resume", "clivm", NULL), ==, 0);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_RUNNING, 10000));
  g_assert_cmpint (ctl (base, &out, &err, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "running"));

  /* media: the CD is listed, ejected, inserted again */
  g_assert_cmpint (ctl (base, &out, &err, "media", "clivm", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "boot.iso"));
  g_assert_cmpint (ctl (base, &out, &err, "media", "clivm", "eject", "--force", NULL), ==, 0);
  g_assert_cmpint (ctl (base, &out, &err, "--json", "media", "clivm", "list", NULL), ==, 0);
  g_assert_null (strstr (out, "boot.iso"));
  g_assert_cmpint (ctl (base, &out, &err, "media", "clivm", "change", "/nonexistent.iso", NULL), ==, 3);
  g_assert_nonnull (strstr (err, "/nonexistent.iso: no such file"));
  g_assert_cmpint (ctl (base, &out, &err, "media", "clivm", "change", iso, NULL), ==, 0);
  g_assert_cmpint (ctl (base, &out, &err, "media", "clivm", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "boot.iso"));

  /* snapshots need qcow2: the tiny guest has no disk */
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "clivm", "save", "-bad", NULL), ==, 2);
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "clivm", "save", "one", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "qcow2"));

  /* keys: a bad name is refused before anything is pressed */
  g_assert_cmpint (ctl (base, &out, &err, "send-key", "clivm", "ctrl-alt-del", "ctrl-nokey", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "nokey"));
  /* the tiny guest's BIOS reboots on ctrl-alt-del */
  hg_test_serial_mark (serial);
  g_assert_cmpint (ctl (base, &out, &err, "send-key", "clivm", "ctrl-alt-del", NULL), ==, 0);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", 60000));

  png = g_build_filename (base, "shot.png", NULL);
  g_assert_cmpint (ctl (base, &out, &err, "screenshot", "clivm", png, NULL), ==, 0);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (ctl (base, &out, &err, "screenshot", "clivm", "/nonexistent/dir/x.png", NULL), ==, 3);

  g_assert_cmpint (ctl (base, &out, &err, "monitor", "clivm", "info", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "VM status: running"));

  /* the console, piped: the tiny guest echoes what it reads */
  hg_test_serial_free (g_steal_pointer (&serial));
  {
    const char *argv[] = { ctlpath, "--base", base, "console", "clivm", NULL };
    g_autoptr(GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                     G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GBytes) stdout_bytes = NULL;
    g_autoptr(GBytes) input = g_bytes_new_static ("hello-console", 13);

    g_assert_no_error (error);
    g_subprocess_communicate_async (proc, input, NULL, hg_test_store_result, &result);
    g_assert_true (hg_test_wait_result (&result, 30000));
    g_assert_true (g_subprocess_communicate_finish (proc, result, &stdout_bytes, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
    g_assert_nonnull (g_strstr_len (g_bytes_get_data (stdout_bytes, NULL),
                                    g_bytes_get_size (stdout_bytes), "hello-console"));
  }

  g_assert_cmpint (ctl (base, &out, &err, "kill", "clivm", NULL), ==, 0);
  /* killed on purpose by another process: stopped, not crashed, here too */
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_STOPPED, 10000));
  g_assert_cmpstr (hg_vm_get_state_reason (vm), ==, "killed");
  g_assert_cmpint (ctl (base, &out, &err, "kill", "clivm", NULL), ==, 4);
  hg_test_remove_tree (base);
}

/* ---- a stale pidfile naming an unrelated live process ----------------- */

static void
test_stale_pidfile (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "stale", &base);
  g_autoptr(GSubprocess) cat = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pidtext = NULL;
  const HgRuntimePaths *paths;
  GPid cat_pid;

  SKIP_IF_NO_GUEST (vm);
  paths = hg_vm_get_runtime_paths (vm);
  cat = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, "cat", NULL);
  g_assert_no_error (error);
  cat_pid = (GPid) atoi (g_subprocess_get_identifier (cat));

  g_assert_cmpint (g_mkdir_with_parents (paths->dir, 0700), ==, 0);
  pidtext = g_strdup_printf ("%d\n", (int) cat_pid);
  g_file_set_contents (paths->pidfile, pidtext, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (paths->qmp, "", 0, &error);   /* a leftover */
  g_assert_no_error (error);

  g_assert_false (hg_process_pid_is_vm_qemu (cat_pid, paths));
  hg_vm_attach_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  g_assert_false (hg_vm_attach_finish (vm, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);
  /* not adopted, not killed; the leftovers are gone */
  g_assert_cmpint (kill (cat_pid, 0), ==, 0);
  g_assert_false (g_file_test (paths->pidfile, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (paths->qmp, G_FILE_TEST_EXISTS));

  /* a stale pidfile does not stop a start either, and cat survives it */
  g_file_set_contents (paths->pidfile, pidtext, -1, &error);
  g_assert_no_error (error);
  hg_test_vm_start (vm, 0);
  g_assert_cmpint (kill (cat_pid, 0), ==, 0);
  hg_test_vm_kill (vm);
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);
  g_assert_cmpstr (hg_vm_get_state_reason (vm), ==, "killed");
  g_assert_cmpint (kill (cat_pid, 0), ==, 0);

  g_subprocess_force_exit (cat);
  hg_test_remove_tree (base);
}

static void
test_unsafe_paths (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "unsafe", &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const HgRuntimePaths *paths;

  SKIP_IF_NO_GUEST (vm);
  paths = hg_vm_get_runtime_paths (vm);
  g_assert_cmpint (g_mkdir_with_parents (paths->dir, 0700), ==, 0);
  g_assert_cmpint (symlink ("/etc/passwd", paths->serial), ==, 0);

  hg_vm_start_async (vm, HG_BOOT_CDROM, 0, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  g_assert_false (hg_vm_start_finish (vm, result, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSAFE_PATH);
  g_assert_nonnull (strstr (error->message, paths->serial));
  g_assert_true (g_file_test ("/etc/passwd", G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);
  g_unlink (paths->serial);
  hg_test_remove_tree (base);
}

/* ---- start failures report QEMU's own words ---------------------------- */

static void
test_start_errors (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "broken", &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HgMedium *cd;

  SKIP_IF_NO_GUEST (vm);
  cd = hg_vm_config_get_medium (hg_vm_get_config (vm), HG_MEDIUM_CDROM);
  g_free (cd->path);
  cd->path = g_build_filename (base, "no-such.iso", NULL);

  hg_vm_start_async (vm, HG_BOOT_CDROM, 0, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  g_assert_false (hg_vm_start_finish (vm, result, &error));
  g_test_message ("start error: %s", error->message);
  /* either command assembly refuses the missing file, or QEMU does */
  if (error->domain == HG_PROCESS_ERROR)
    {
      g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_EXITED);
      g_assert_nonnull (strstr (error->message, "qemu-system-x86_64"));
    }
  g_assert_nonnull (strstr (error->message, "no-such.iso"));
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_STOPPED);
  g_assert_false (g_file_test (hg_vm_get_runtime_paths (vm)->pidfile, G_FILE_TEST_EXISTS));
  hg_test_remove_tree (base);
}

/* ---- snapshots ---------------------------------------------------------- */

static void
add_disk (HgVm       *vm,
          const char *format)
{
  HgVmConfig *config = hg_vm_get_config (vm);
  g_autofree char *name = g_strconcat ("disk.", format, NULL);
  g_autofree char *path = g_build_filename (config->dir, name, NULL);
  const char *argv[] = { "qemu-img", "create", "-q", "-f", format, path, "16M", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (hg_test_run (argv, &out, &err, 30000), ==, 0);
  g_ptr_array_add (config->disks, hg_disk_new (name, format, "virtio"));
}

static void
test_snapshots (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "snap", &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;

  SKIP_IF_NO_GUEST (vm);
  add_disk (vm, "qcow2");
  g_assert_true (hg_vm_check_snapshots_supported (vm, NULL));
  hg_test_vm_start (vm, 0);

  hg_vm_snapshot_save_async (vm, "before-test", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  hg_vm_snapshot_list_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  list = hg_vm_snapshot_list_finish (vm, result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    found |= g_strcmp0 (((HgQmpSnapshot *) g_ptr_array_index (list, i))->tag, "before-test") == 0;
  g_assert_true (found);
  g_clear_object (&result);

  hg_vm_snapshot_load_async (vm, "before-test", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  g_assert_true (hg_vm_is_active (vm));
  g_clear_object (&result);

  hg_vm_snapshot_load_async (vm, "never-saved", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_nonnull (error);
  g_test_message ("loadvm of a missing snapshot: %s", error->message);
  g_clear_error (&error);
  g_clear_object (&result);

  hg_vm_snapshot_delete_async (vm, "before-test", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* default names: seconds, then a counter while taken */
static void
test_snapshot_default_names (void)
{
  g_autoptr(GDateTime) when = g_date_time_new_utc (2026, 12, 7, 21, 5, 9);
  const char *taken[] = { "snap-20261207-210509", "snap-20261207-210509-2", "other", NULL };
  g_autofree char *free_name = hg_qmp_snapshot_unique_name (NULL, when);
  g_autofree char *next = hg_qmp_snapshot_unique_name (taken, when);

  g_assert_cmpstr (free_name, ==, "snap-20261207-210509");
  g_assert_cmpstr (next, ==, "snap-20261207-210509-3");
  g_assert_true (hg_qmp_snapshot_name_is_valid (next, NULL));
}

/* the snapshot named name in the VM's list, or NULL */
static HgQmpSnapshot *
snapshot_named (HgVm       *vm,
                const char *name,
                GPtrArray **list)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (list, g_ptr_array_unref);
  hg_vm_snapshot_list_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  *list = hg_vm_snapshot_list_finish (vm, result, &error);
  g_assert_no_error (error);
  return hg_qmp_snapshot_find (*list, name);
}

/* Nothing is replaced or lost silently: an existing name is refused
 * unless replacing is asked for, a missing one is named (core and CLI) */
static void
test_snapshots_no_silent_loss (void)
{
  g_autofree char *base = NULL;
  g_autofree char *ctlpath = hg_test_hangarctl_path ();
  g_autoptr(HgVm) vm = make_vm ("tiny", "snapsafe", &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_stamp = NULL;   /* date and guest clock: QEMU shows the ID as -- */
  g_autofree char *stamp = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  HgQmpSnapshot *s;

  SKIP_IF_NO_GUEST (vm);
  if (ctlpath == NULL)
    {
      hg_test_skip_or_fail ("hangarctl not built");
      return;
    }
  add_disk (vm, "qcow2");
  g_assert_true (hg_vm_config_save (hg_vm_get_config (vm), &error));
  g_assert_no_error (error);
  hg_test_vm_start (vm, 0);

  hg_vm_snapshot_save_async (vm, "keep", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_true (hg_vm_action_finish (vm, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  s = snapshot_named (vm, "keep", &list);
  g_assert_nonnull (s);
  first_stamp = g_strdup_printf ("%s %s", s->date, s->vm_clock);

  /* the same name again: refused, and the snapshot is the one it was */
  hg_vm_snapshot_save_async (vm, "keep", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_EXISTS);
  g_assert_nonnull (strstr (error->message, "'keep'"));
  g_assert_nonnull (strstr (error->message, "'snapsafe'"));
  g_clear_error (&error);
  g_clear_object (&result);
  s = snapshot_named (vm, "keep", &list);
  g_assert_nonnull (s);
  g_assert_cmpstr (stamp = g_strdup_printf ("%s %s", s->date, s->vm_clock), ==, first_stamp);
  g_clear_pointer (&stamp, g_free);
  g_assert_cmpuint (list->len, ==, 1);

  /* replacing on purpose */
  hg_vm_snapshot_save_full_async (vm, "keep", TRUE, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_true (hg_vm_action_finish (vm, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  s = snapshot_named (vm, "keep", &list);
  g_assert_nonnull (s);
  g_assert_cmpstr (stamp = g_strdup_printf ("%s %s", s->date, s->vm_clock), !=, first_stamp);
  g_clear_pointer (&stamp, g_free);
  g_assert_cmpuint (list->len, ==, 1);

  /* a name that is not there, for load and delete */
  hg_vm_snapshot_load_async (vm, "never-saved", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "'never-saved'"));
  g_clear_error (&error);
  g_clear_object (&result);
  hg_vm_snapshot_delete_async (vm, "never-saved", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);

  /* hangarctl (over the second QMP socket): the same */
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapsafe", "save", "keep", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "'keep'"));
  g_assert_nonnull (strstr (err, "--force"));
  g_assert_true (strchr (err, '\n') == strrchr (err, '\n'));   /* one line */
  s = snapshot_named (vm, "keep", &list);
  g_assert_nonnull (s);
  g_free (first_stamp);
  first_stamp = g_strdup_printf ("%s %s", s->date, s->vm_clock);
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapsafe", "load", "--force", "keep", NULL),
                   ==, 2);
  g_assert_nonnull (strstr (err, "--force"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapsafe", "save", "--force", "keep", NULL),
                   ==, 0);
  s = snapshot_named (vm, "keep", &list);
  g_assert_nonnull (s);
  g_assert_cmpstr (stamp = g_strdup_printf ("%s %s", s->date, s->vm_clock), !=, first_stamp);
  g_clear_pointer (&stamp, g_free);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapsafe", "delete", "missing", NULL), ==, 3);
  g_assert_nonnull (strstr (err, "'missing'"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapsafe", "load", "missing", NULL), ==, 3);
  g_assert_nonnull (strstr (err, "'missing'"));
  g_assert_cmpint (ctl (base, &out, &err, "snapshot", "snapsafe", "delete", "keep", NULL), ==, 0);
  g_assert_null (snapshot_named (vm, "keep", &list));

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

static void
test_snapshots_raw_refused (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "rawsnap", &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_NO_GUEST (vm);
  add_disk (vm, "qcow2");
  add_disk (vm, "raw");
  g_assert_false (hg_vm_check_snapshots_supported (vm, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "disk.raw"));
  g_assert_nonnull (strstr (error->message, "qcow2"));
  g_clear_error (&error);

  /* refused before anything is sent, running or not */
  hg_vm_snapshot_save_async (vm, "x1", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 5000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSUPPORTED);
  hg_test_remove_tree (base);
}

/* ---- media ------------------------------------------------------------- */

static void
on_tray (HgVm       *vm,
         const char *name,
         JsonObject *data,
         gpointer    user_data)
{
  int *state = user_data;
  *state = json_object_get_boolean_member_with_default (data, "tray-open", FALSE) ? 1 : 0;
}

static gboolean
int_is (gpointer data)
{
  return *(int *) data >= 0;
}

static HgQmpBlockInfo *
find_cd (GPtrArray *list)
{
  for (guint i = 0; i < list->len; i++)
    {
      HgQmpBlockInfo *info = g_ptr_array_index (list, i);
      if (info->removable)
        return info;
    }
  g_error ("the VM has no removable drive");
}

static void
test_media (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "media", &base);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *iso2 = NULL;
  g_autofree char *iso_data = NULL;
  gsize iso_len = 0;
  HgQmpBlockInfo *cd;
  int tray = -1;

  SKIP_IF_NO_GUEST (vm);
  /* a second "DVD" to swap in */
  g_assert_true (g_file_get_contents (hg_vm_config_get_medium (hg_vm_get_config (vm), HG_MEDIUM_CDROM)->path,
                                      &iso_data, &iso_len, NULL));
  iso2 = g_build_filename (base, "second.iso", NULL);
  g_assert_true (g_file_set_contents (iso2, iso_data, iso_len, NULL));

  hg_test_vm_start (vm, 0);
  g_signal_connect (vm, "qmp-event::DEVICE_TRAY_MOVED", G_CALLBACK (on_tray), &tray);

  list = hg_test_vm_media_list (vm);
  cd = find_cd (list);
  g_assert_true (cd->has_media);
  g_assert_nonnull (strstr (cd->file, "boot.iso"));
  g_clear_pointer (&list, g_ptr_array_unref);

  hg_vm_media_eject_async (vm, NULL, TRUE, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (hg_test_wait_until (int_is, &tray, 5000));
  g_assert_cmpint (tray, ==, 1);
  list = hg_test_vm_media_list (vm);
  g_assert_false (find_cd (list)->has_media);
  g_clear_pointer (&list, g_ptr_array_unref);

  tray = -1;
  hg_vm_media_change_async (vm, NULL, iso2, NULL, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  list = hg_test_vm_media_list (vm);
  cd = find_cd (list);
  g_assert_true (cd->has_media);
  g_assert_nonnull (strstr (cd->file, "second.iso"));

  /* a device that is not there, a file that is not there */
  hg_vm_media_eject_async (vm, "no-such-drive", FALSE, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no-such-drive"));
  g_clear_error (&error);
  g_clear_object (&result);
  hg_vm_media_change_async (vm, NULL, "/nonexistent/x.iso", NULL, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/x.iso"));

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* ---- screenshot ------------------------------------------------------- */

static void
test_screenshot (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "shot", &base);
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *png = NULL;
  const guint8 *pixels;
  gboolean differs = FALSE;
  int w, h, stride, nch;

  SKIP_IF_NO_GUEST (vm);
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_test_vm_action (vm, hg_vm_resume_async);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", 60000));

  png = g_build_filename (base, "screen.png", NULL);
  hg_vm_screenshot_async (vm, png, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);

  pixbuf = gdk_pixbuf_new_from_file (png, &error);
  g_assert_no_error (error);
  w = gdk_pixbuf_get_width (pixbuf);
  h = gdk_pixbuf_get_height (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  nch = gdk_pixbuf_get_n_channels (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  g_assert_cmpint (w, >=, 320);
  g_assert_cmpint (h, >=, 200);
  for (int y = 0; y < h && !differs; y++)
    for (int x = 0; x < w && !differs; x++)
      differs = memcmp (pixels + y * stride + x * nch, pixels, 3) != 0;
  g_assert_true (differs);

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* ---- send-key and monitor ---------------------------------------------- */

static void
test_keys_and_monitor (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("tiny", "keys", &base);
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;

  SKIP_IF_NO_GUEST (vm);
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_test_vm_action (vm, hg_vm_resume_async);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", 60000));

  /* the boot sector echoes COM1 input */
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "ping");
  g_assert_true (hg_test_serial_wait_for (serial, "ping", 10000));

  hg_vm_monitor_async (vm, "info status", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  answer = hg_vm_monitor_finish (vm, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (answer, "running"));
  g_clear_object (&result);

  hg_vm_send_keys_async (vm, "ctrl-alt-del", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  hg_vm_send_keys_async (vm, "ctrl-alt-nosuchkey", NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 10000));
  g_assert_false (hg_vm_action_finish (vm, result, &error));
  g_assert_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_object (&result);

  /* reset: the boot sector greets again */
  hg_test_serial_mark (serial);
  hg_test_vm_action (vm, hg_vm_reset_async);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", 60000));
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_RUNNING);

  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

/* ---- the other boot modes with the tiny boot sector ------------------- */

static void
boot_tiny_from (HgBootMode mode)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("tiny", "bootmode", &base);
  g_autofree char *img = hg_test_guest_file ("tiny", "boot.img");
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_NO_GUEST (config);
  SKIP_IF_NO_GUEST (img);
  g_ptr_array_set_size (config->media, 0);
  if (mode == HG_BOOT_FLOPPY)
    g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_FLOPPY, img));
  else if (mode == HG_BOOT_USB)
    g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_USB, img));
  else if (mode == HG_BOOT_PXE)
    {
      /* no server at all: QEMU's own DHCP+TFTP hand the boot sector to the
       * NIC's iPXE as the network boot program (it runs at 0:7c00 too) */
      HgNic *nic = hg_nic_new (HG_NET_USER);
      g_autofree char *nbp = hg_test_guest_file ("tiny", "pxe/boot.0");

      SKIP_IF_NO_GUEST (nbp);
      nic->tftp = g_path_get_dirname (nbp);
      nic->bootfile = g_strdup ("boot.0");
      g_ptr_array_add (config->nics, nic);
    }
  else
    {
      /* a writable copy as the hard disk */
      g_autofree char *data = NULL;
      g_autofree char *copy = g_build_filename (config->dir, "disk.img", NULL);
      gsize len = 0;

      g_assert_true (g_file_get_contents (img, &data, &len, NULL));
      g_assert_true (g_file_set_contents (copy, data, len, NULL));
      g_ptr_array_add (config->disks, hg_disk_new ("disk.img", "raw", "ide"));
    }
  config->boot_mode = mode;
  vm = hg_vm_new_full (config, NULL, caps);
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_test_vm_action (vm, hg_vm_resume_async);
  g_assert_true (hg_test_serial_wait_for (serial, "HANGAR-BOOT OK", 60000));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

static void
test_boot_floppy (void)
{
  boot_tiny_from (HG_BOOT_FLOPPY);
}

static void
test_boot_usb (void)
{
  boot_tiny_from (HG_BOOT_USB);
}

static void
test_boot_pxe (void)
{
  boot_tiny_from (HG_BOOT_PXE);
}

static void
test_boot_disk (void)
{
  boot_tiny_from (HG_BOOT_DISK);
}

/* ---- AArch64 ----------------------------------------------------------- */

static void
test_aarch64 (void)
{
  g_autofree char *base = NULL;
  g_autoptr(HgVm) vm = make_vm ("aarch64", "arm", &base);
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_IF_NO_GUEST (vm);
  hg_test_vm_start (vm, HG_VM_START_PAUSED);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  hg_test_vm_action (vm, hg_vm_resume_async);
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar AArch64 VM", BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 30000));
  hg_test_serial_mark (serial);
  hg_test_serial_write (serial, "uname -m\n");
  g_assert_true (hg_test_serial_wait_for (serial, "aarch64", 30000));
  hg_test_vm_kill (vm);
  hg_test_remove_tree (base);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  hg_test_runtime_init ();
  caps = hg_host_caps_probe ();

  g_test_add_func ("/hangar/lifecycle/unsafe-paths", test_unsafe_paths);
  g_test_add_func ("/hangar/lifecycle/start-errors", test_start_errors);
  g_test_add_func ("/hangar/lifecycle/stale-pidfile", test_stale_pidfile);
  g_test_add_func ("/hangar/lifecycle/kill9-child", test_kill9_child);
  g_test_add_func ("/hangar/lifecycle/reattach", test_reattach);
  g_test_add_func ("/hangar/lifecycle/second-process", test_second_process);
  g_test_add_func ("/hangar/lifecycle/qmp-fd-passed", test_qmp_fd_passed);
  g_test_add_func ("/hangar/lifecycle/early-exit", test_early_exit);
  g_test_add_func ("/hangar/lifecycle/cli-actions", test_cli_actions);
  g_test_add_func ("/hangar/lifecycle/keys-and-monitor", test_keys_and_monitor);
  g_test_add_func ("/hangar/lifecycle/screenshot", test_screenshot);
  g_test_add_func ("/hangar/lifecycle/media", test_media);
  g_test_add_func ("/hangar/lifecycle/snapshots", test_snapshots);
  g_test_add_func ("/hangar/lifecycle/snapshots-raw-refused", test_snapshots_raw_refused);
  g_test_add_func ("/hangar/lifecycle/snapshot-default-names", test_snapshot_default_names);
  g_test_add_func ("/hangar/lifecycle/snapshots-no-silent-loss", test_snapshots_no_silent_loss);
  g_test_add_func ("/hangar/lifecycle/boot-floppy", test_boot_floppy);
  g_test_add_func ("/hangar/lifecycle/boot-disk", test_boot_disk);
  g_test_add_func ("/hangar/lifecycle/boot-usb", test_boot_usb);
  g_test_add_func ("/hangar/lifecycle/boot-pxe", test_boot_pxe);
  g_test_add_func ("/hangar/lifecycle/demo", test_demo);
  g_test_add_func ("/hangar/lifecycle/aarch64", test_aarch64);

  ret = g_test_run ();
  hg_host_caps_unref (caps);
  hg_test_runtime_cleanup ();
  return ret;
}
