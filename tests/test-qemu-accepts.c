/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>

#include "hg-cmdline.h"
#include "hg-process.h"
#include "hg-test-skip.h"

/* Every installed emulator accepts the argv Hangar builds for it: the VM is
 * started for real with -S, answers QMP (capabilities, query-status), is
 * told to quit, and exits with status 0.  Emulators that are not installed
 * are skipped; nothing else is. */

#define DEADLINE_MS 60000

static HgHostCaps *caps;

typedef struct {
  const char *name;      /* test name */
  const char *arch;
  HgBootMode  boot;
  const char *feature;   /* NULL, "cdrom", "floppy", "usb", "pxe", "vde", "vdeq",
                            "console-none", "hostile", "scsi", "integratorcp" */
} Case;

/* ------------------------------------------------------------------ */
/* Waiting for things, event-driven with a deadline */

typedef struct {
  GMainContext *ctx;
  const char   *dir;
  const char * const *names;   /* files that must all exist */
  GSubprocess  *proc;          /* stop waiting if it exits */
  gboolean      exited;
  gboolean      timed_out;
} Wait;

static gboolean
all_exist (Wait *w)
{
  for (guint i = 0; w->names[i] != NULL; i++)
    {
      g_autofree char *p = g_build_filename (w->dir, w->names[i], NULL);
      if (!g_file_test (p, G_FILE_TEST_EXISTS))
        return FALSE;
    }
  return TRUE;
}

static void
on_dir_changed (GFileMonitor      *monitor,
                GFile             *file,
                GFile             *other,
                GFileMonitorEvent  event,
                gpointer           user_data)
{
  g_main_context_wakeup (((Wait *) user_data)->ctx);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *w = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  w->exited = TRUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  ((Wait *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits until every name exists in dir (inotify), proc exits, or the deadline. */
static gboolean
wait_for_files (GMainContext       *ctx,
                const char         *dir,
                const char * const *names,
                GSubprocess        *proc)
{
  g_autoptr(GFile) gdir = g_file_new_for_path (dir);
  g_autoptr(GFileMonitor) monitor = NULL;
  g_autoptr(GSource) deadline = g_timeout_source_new (DEADLINE_MS);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  Wait w = { ctx, dir, names, proc, FALSE, FALSE };

  monitor = g_file_monitor_directory (gdir, G_FILE_MONITOR_NONE, NULL, NULL);
  g_assert_nonnull (monitor);
  g_signal_connect (monitor, "changed", G_CALLBACK (on_dir_changed), &w);
  g_source_set_callback (deadline, on_deadline, &w, NULL);
  g_source_attach (deadline, ctx);
  if (proc != NULL)
    g_subprocess_wait_async (proc, cancel, on_exited, &w);

  while (!all_exist (&w) && !w.exited && !w.timed_out)
    g_main_context_iteration (ctx, TRUE);

  g_cancellable_cancel (cancel);
  while (proc != NULL && !w.exited)   /* let the cancelled wait finish */
    g_main_context_iteration (ctx, TRUE);
  g_signal_handlers_disconnect_by_data (monitor, &w);
  g_source_destroy (deadline);
  return all_exist (&w);
}

typedef struct {
  gboolean done;
  gboolean timed_out;
} ExitWait;

static void
on_proc_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  ((ExitWait *) user_data)->done = TRUE;
}

static gboolean
on_exit_deadline (gpointer user_data)
{
  ((ExitWait *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_exit (GMainContext *ctx,
           GSubprocess  *proc,
           guint         timeout_ms)
{
  g_autoptr(GSource) deadline = g_timeout_source_new (timeout_ms);
  ExitWait w = { FALSE, FALSE };

  g_source_set_callback (deadline, on_exit_deadline, &w, NULL);
  g_source_attach (deadline, ctx);
  g_subprocess_wait_async (proc, NULL, on_proc_done, &w);
  while (!w.done && !w.timed_out)
    g_main_context_iteration (ctx, TRUE);
  g_source_destroy (deadline);
  if (!w.done)
    {
      g_subprocess_force_exit (proc);
      while (!w.done)
        g_main_context_iteration (ctx, TRUE);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* A tiny synchronous QMP client (the real one is src/core/hg-qmp-client.c) */

typedef struct {
  GSocketConnection *conn;
  GDataInputStream  *in;
  GOutputStream     *out;
} Qmp;

static JsonObject *
qmp_read (Qmp *q)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  line = g_data_input_stream_read_line_utf8 (q->in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

/* Sends a command, skips events, returns the "return" member's node */
static JsonObject *
qmp_execute (Qmp        *q,
             const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = g_strdup_printf ("{\"execute\":\"%s\"}\n", command);

  g_output_stream_write_all (q->out, msg, strlen (msg), NULL, NULL, &error);
  g_assert_no_error (error);
  for (;;)
    {
      JsonObject *obj = qmp_read (q);
      if (json_object_has_member (obj, "error"))
        g_error ("QMP %s failed: %s", command,
                 json_object_get_string_member (json_object_get_object_member (obj, "error"),
                                                "desc"));
      if (json_object_has_member (obj, "return"))
        return obj;
      json_object_unref (obj);   /* an event */
    }
}

static gboolean
qmp_check_vm (const char  *socket_path,
              GError     **connect_error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new (socket_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) greeting = NULL;
  g_autoptr(JsonObject) caps_reply = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonObject) quit = NULL;
  JsonObject *ret;
  Qmp q = { 0 };

  q.conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, connect_error);
  if (q.conn == NULL)
    return FALSE;
  g_socket_set_timeout (g_socket_connection_get_socket (q.conn), 30);
  q.in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (q.conn)));
  q.out = g_io_stream_get_output_stream (G_IO_STREAM (q.conn));

  greeting = qmp_read (&q);
  g_assert_true (json_object_has_member (greeting, "QMP"));
  caps_reply = qmp_execute (&q, "qmp_capabilities");
  status = qmp_execute (&q, "query-status");
  ret = json_object_get_object_member (status, "return");
  g_assert_nonnull (ret);
  /* started with -S: created, not yet running */
  g_assert_cmpstr (json_object_get_string_member (ret, "status"), ==, "prelaunch");
  g_assert_false (json_object_get_boolean_member (ret, "running"));
  quit = qmp_execute (&q, "quit");

  g_clear_object (&q.in);
  g_io_stream_close (G_IO_STREAM (q.conn), NULL, NULL);
  g_clear_object (&q.conn);
  return TRUE;
}

/* ------------------------------------------------------------------ */

static void
write_file (const char *path,
            gsize       size)
{
  g_autofree char *zeros = g_malloc0 (size);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, zeros, size, &error);
  g_assert_no_error (error);
}

static guint
memory_for (const char *arch)
{
  if (g_str_equal (arch, "sh4"))
    return 64;
  if (g_str_equal (arch, "sparc"))
    return 128;
  if (g_str_equal (arch, "ppc64"))
    return 512;
  return 256;
}

static GSubprocess *
start_switch (const char  *root,
              const char  *name,
              GMainContext *ctx)
{
  g_autofree char *dir = hg_runtime_switch_dir (root, name);
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *mgmt = g_build_filename (dir, "mgmt.sock", NULL);
  const char *argv[] = { caps->vde_switch, "-s", data, "-M", mgmt, NULL };
  const char *want_data[] = { "ctl", NULL };
  const char *want_mgmt[] = { "mgmt.sock", NULL };
  g_autoptr(GError) error = NULL;
  GSubprocess *sw;

  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  /* stdin stays open: vde_switch quits on EOF of its console */
  sw = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for_files (ctx, data, want_data, sw));
  g_assert_true (wait_for_files (ctx, dir, want_mgmt, sw));
  return sw;
}

static void
test_accepts (gconstpointer data)
{
  const Case *tc = data;
  const HgEmulator *emu = hg_host_caps_get_emulator (caps, tc->arch);
  g_autoptr(GMainContext) ctx = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgRuntimePaths) runtime = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GSubprocess) sw = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(HgVmImages) images = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *root = NULL;
  g_autofree char *vmdir = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *log = NULL;
  const char *want[] = { "monitor.sock", NULL };
  const char *feature = tc->feature ? tc->feature : "";
  HgNic *nic;

  if (emu == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("qemu-system-%s is not installed", tc->arch);
      hg_test_skip_or_fail (msg);
      return;
    }
  if ((g_str_equal (feature, "vde") || g_str_equal (feature, "vdeq")) && caps->vde_switch == NULL)
    {
      hg_test_skip_or_fail ("vde_switch is not installed");
      return;
    }
  if (g_str_equal (feature, "vdeq") && (caps->vdeq == NULL || caps->vdeq_wrapper == NULL))
    {
      hg_test_skip_or_fail ("vdeq or hangar-vdeq-qemu (HANGAR_VDEQ_WRAPPER) not found");
      return;
    }

  ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);

  /* short paths: UNIX socket paths are limited to 108 bytes */
  root = g_dir_make_tmp ("hgq-XXXXXX", &error);
  g_assert_no_error (error);
  runtime = hg_runtime_paths_new (root, "vm");
  g_assert_cmpint (g_mkdir_with_parents (runtime->dir, 0700), ==, 0);
  vmdir = g_build_filename (root, "t", NULL);
  g_assert_cmpint (g_mkdir_with_parents (vmdir, 0700), ==, 0);

  config = hg_vm_config_new ("t");
  g_free (config->arch);
  config->arch = g_strdup (tc->arch);
  g_free (config->dir);
  config->dir = g_strdup (vmdir);
  config->memory_mib = memory_for (tc->arch);
  config->cpus = 1;
  config->accel = HG_ACCEL_AUTO;
  config->console = HG_CONSOLE_VNC;
  config->serial = TRUE;

  if (g_str_equal (feature, "chain"))
    {
      /* base.qcow2 <- top.qcow2, both in the VM's folder, and an empty CD drive */
      g_autofree char *base = g_build_filename (vmdir, "base.qcow2", NULL);
      g_autofree char *top = g_build_filename (vmdir, "top.qcow2", NULL);
      const char *mk_base[] = { caps->qemu_img, "create", "-q", "-f", "qcow2", base, "1M", NULL };
      const char *mk_top[] = { caps->qemu_img, "create", "-q", "-f", "qcow2", "-b", "base.qcow2",
                               "-F", "qcow2", top, NULL };
      const char * const *mk[] = { mk_base, mk_top };

      if (caps->qemu_img == NULL)
        {
          hg_test_skip_or_fail ("qemu-img is not installed");
          g_main_context_pop_thread_default (ctx);
          return;
        }
      for (guint i = 0; i < G_N_ELEMENTS (mk); i++)
        {
          g_autoptr(GSubprocess) p = g_subprocess_newv (mk[i], G_SUBPROCESS_FLAGS_NONE, &error);
          g_assert_no_error (error);
          g_subprocess_wait_check (p, NULL, &error);
          g_assert_no_error (error);
        }
      g_ptr_array_add (config->disks, hg_disk_new ("top.qcow2", "qcow2", NULL));
      g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, NULL));
    }
  else
    {
      disk = g_build_filename (vmdir, g_str_equal (feature, "hostile")
                                      ? "a.img,file.locking=off" : "disk.img", NULL);
      write_file (disk, 1024 * 1024);
      g_ptr_array_add (config->disks,
                       hg_disk_new (g_str_equal (feature, "hostile") ? "a.img,file.locking=off"
                                                                     : "disk.img",
                                    "raw", g_str_equal (feature, "scsi") ? "scsi" : NULL));
    }

  if (g_str_equal (feature, "cdrom") || g_str_equal (feature, "hostile"))
    {
      g_autofree char *iso = g_build_filename (vmdir, "install.iso", NULL);
      write_file (iso, 64 * 1024);
      g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, "install.iso"));
    }
  if (g_str_equal (feature, "floppy"))
    {
      g_autofree char *fd = g_build_filename (vmdir, "fd.img", NULL);
      write_file (fd, 1474560);
      g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_FLOPPY, "fd.img"));
    }
  if (g_str_equal (feature, "usb"))
    {
      g_autofree char *stick = g_build_filename (vmdir, "stick.img", NULL);
      write_file (stick, 1024 * 1024);
      g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_USB, "stick.img"));
    }

  if (g_str_equal (feature, "vde") || g_str_equal (feature, "vdeq"))
    {
      sw = start_switch (root, "lab", ctx);
      nic = hg_nic_new (HG_NET_VDE);
      g_free (nic->switch_name);
      nic->switch_name = g_strdup ("lab");
      nic->vdeq = g_str_equal (feature, "vdeq");
    }
  else
    {
      nic = hg_nic_new (HG_NET_USER);
      if (g_str_equal (feature, "pxe"))
        {
          g_autofree char *tftp = g_build_filename (vmdir, "tftp", NULL);
          g_assert_cmpint (g_mkdir_with_parents (tftp, 0700), ==, 0);
          nic->tftp = g_strdup ("tftp");
          nic->bootfile = g_strdup ("pxelinux.0");
        }
    }
  g_free (nic->mac);
  nic->mac = g_strdup ("52:54:00:12:34:56");
  g_ptr_array_add (config->nics, nic);

  if (g_str_equal (feature, "integratorcp"))
    {
      /* a board QEMU offers and Hangar has no defaults for (ctys' QEMU-arm-test) */
      config->machine = g_strdup ("integratorcp");
      config->cpu_model = g_strdup ("arm926");
    }
  if (g_str_equal (feature, "console-none"))
    {
      config->console = HG_CONSOLE_NONE;
      config->serial = FALSE;
    }

  /* checked as a start checks them: the argv a start runs */
  images = hg_vm_images_check (config, NULL, &error);
  g_assert_no_error (error);
  argv = hg_cmdline_build (config, tc->boot, runtime, caps, images, &error);
  g_assert_no_error (error);
  if (g_str_equal (feature, "chain"))
    {
      g_autofree char *shown = hg_cmdline_to_display ((const char * const *) argv);
      g_assert_nonnull (strstr (shown, "\"node-name\":\"disk0-b1\""));
      g_assert_nonnull (strstr (shown, "\"backing\":\"disk0-b1\""));
    }

  args = g_ptr_array_new ();
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, (gpointer) "-S");
  g_ptr_array_add (args, NULL);

  {
    g_autofree char *shown = hg_cmdline_to_display ((const char * const *) args->pdata);
    g_test_message ("%s", shown);
  }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_set_stdout_file_path (launcher, runtime->log);
  g_subprocess_launcher_set_stderr_file_path (launcher, runtime->log);
  {
    /* the QMP sockets, bound by us and passed as the fds the argv names */
    int qmp_fds[2];

    g_assert_true (hg_process_listen_qmp (runtime, qmp_fds, &error));
    g_assert_no_error (error);
    hg_process_launcher_take_qmp (launcher, qmp_fds);
  }
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  g_clear_object (&launcher);

  if (!wait_for_files (ctx, runtime->dir, want, proc))
    {
      g_file_get_contents (runtime->log, &log, NULL, NULL);
      g_subprocess_force_exit (proc);
      g_error ("%s: QEMU did not come up: %s", tc->name, log ? log : "(no log)");
    }

  if (!qmp_check_vm (runtime->qmp, &error))
    {
      wait_exit (ctx, proc, 5000);
      g_file_get_contents (runtime->log, &log, NULL, NULL);
      g_error ("%s: cannot connect to QMP (%s): %s", tc->name, error->message,
               log ? log : "(no log)");
    }

  if (!wait_exit (ctx, proc, 30000))
    g_error ("%s: QEMU did not exit after quit", tc->name);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    {
      g_file_get_contents (runtime->log, &log, NULL, NULL);
      g_error ("%s: QEMU exited badly: %s", tc->name, log ? log : "");
    }

  if (sw != NULL)
    {
      g_subprocess_force_exit (sw);
      wait_exit (ctx, sw, 10000);
    }

  /* clean the temporary tree */
  {
    const char *rm[] = { "rm", "-rf", "--", root, NULL };
    g_autoptr(GSubprocess) p = g_subprocess_newv (rm, G_SUBPROCESS_FLAGS_NONE, &error);
    g_assert_no_error (error);
    g_subprocess_wait_check (p, NULL, &error);
    g_assert_no_error (error);
  }
  g_main_context_pop_thread_default (ctx);
}

/* The host probe: every emulator found has a version; the KVM verdict comes
 * with a reason, within the probe's deadline. */
static void
test_host_probe (void)
{
  GHashTableIter iter;
  gpointer value;
  g_autofree char *reason = NULL;
  gint64 start;
  gboolean kvm;

  g_hash_table_iter_init (&iter, caps->emulators);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      HgEmulator *emu = value;
      g_assert_true (g_path_is_absolute (emu->path));
      g_assert_nonnull (emu->version);
      g_assert_true (g_ascii_isdigit (emu->version[0]));
    }
  if (caps->qemu_img != NULL)
    g_assert_nonnull (caps->qemu_img_version);

  start = g_get_monotonic_time ();
  kvm = hg_host_probe_kvm (NULL, &reason);
  g_test_message ("KVM usable: %s (%s)", kvm ? "yes" : "no", reason);
  g_assert_nonnull (reason);
  g_assert_cmpstr (reason, !=, "");
  /* 1.5 s for KVM_RUN, then at most 2 s to reap a killed probe */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
  if (!g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS))
    g_assert_false (kvm);
}

static const Case cases[] = {
  { "i386", "i386", HG_BOOT_DISK, NULL },
  { "x86_64", "x86_64", HG_BOOT_DISK, NULL },
  { "arm", "arm", HG_BOOT_DISK, NULL },
  { "aarch64", "aarch64", HG_BOOT_DISK, NULL },
  { "mips", "mips", HG_BOOT_DISK, NULL },
  { "mipsel", "mipsel", HG_BOOT_DISK, NULL },
  { "ppc", "ppc", HG_BOOT_DISK, NULL },
  { "ppc64", "ppc64", HG_BOOT_DISK, NULL },
  { "sh4", "sh4", HG_BOOT_DISK, NULL },
  { "m68k", "m68k", HG_BOOT_DISK, NULL },
  { "alpha", "alpha", HG_BOOT_DISK, NULL },
  { "sparc", "sparc", HG_BOOT_DISK, NULL },
  { "sparc64", "sparc64", HG_BOOT_DISK, NULL },
  { "riscv64", "riscv64", HG_BOOT_DISK, NULL },
  { "mips64el", "mips64el", HG_BOOT_DISK, NULL },
  { "s390x", "s390x", HG_BOOT_DISK, NULL },
  { "s390x-cdrom", "s390x", HG_BOOT_CDROM, "cdrom" },
  { "x86_64-cdrom", "x86_64", HG_BOOT_CDROM, "cdrom" },
  { "i386-cdrom", "i386", HG_BOOT_CDROM, "cdrom" },
  { "aarch64-cdrom", "aarch64", HG_BOOT_CDROM, "cdrom" },
  { "riscv64-cdrom", "riscv64", HG_BOOT_CDROM, "cdrom" },
  { "ppc-cdrom", "ppc", HG_BOOT_CDROM, "cdrom" },
  { "ppc64-cdrom", "ppc64", HG_BOOT_CDROM, "cdrom" },
  { "sparc-cdrom", "sparc", HG_BOOT_CDROM, "cdrom" },
  { "sparc64-cdrom", "sparc64", HG_BOOT_CDROM, "cdrom" },
  { "mips-cdrom", "mips", HG_BOOT_CDROM, "cdrom" },
  { "alpha-cdrom", "alpha", HG_BOOT_CDROM, "cdrom" },
  { "m68k-cdrom", "m68k", HG_BOOT_CDROM, "cdrom" },
  { "x86_64-scsi", "x86_64", HG_BOOT_DISK, "scsi" },
  { "i386-floppy", "i386", HG_BOOT_FLOPPY, "floppy" },
  { "x86_64-floppy", "x86_64", HG_BOOT_FLOPPY, "floppy" },
  { "x86_64-usb", "x86_64", HG_BOOT_USB, "usb" },
  { "aarch64-usb", "aarch64", HG_BOOT_USB, "usb" },
  { "x86_64-pxe", "x86_64", HG_BOOT_PXE, "pxe" },
  { "aarch64-pxe", "aarch64", HG_BOOT_PXE, "pxe" },
  { "x86_64-console-none", "x86_64", HG_BOOT_DISK, "console-none" },
  { "x86_64-chain", "x86_64", HG_BOOT_DISK, "chain" },
  { "aarch64-chain", "aarch64", HG_BOOT_DISK, "chain" },
  { "x86_64-hostile", "x86_64", HG_BOOT_CDROM, "hostile" },
  { "x86_64-vde", "x86_64", HG_BOOT_DISK, "vde" },
  { "sparc-vde", "sparc", HG_BOOT_DISK, "vde" },
  { "x86_64-vdeq", "x86_64", HG_BOOT_DISK, "vdeq" },
  { "arm-integratorcp", "arm", HG_BOOT_DISK, "integratorcp" },
};

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  caps = hg_host_caps_probe ();
  /* only TCG here: the test machines' KVM hangs guests (see docs/DESIGN.md) */
  caps->force_tcg = TRUE;

  g_test_add_func ("/hangar/qemu-accepts/host-probe", test_host_probe);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/hangar/qemu-accepts/", cases[i].name, NULL);
      g_test_add_data_func (path, &cases[i], test_accepts);
    }
  ret = g_test_run ();
  hg_host_caps_unref (caps);
  return ret;
}
