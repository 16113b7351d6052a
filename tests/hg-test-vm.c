/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hg-test-vm.h"

static char *runtime_dir;
/* copies that outlive runtime_dir, for the emergency clean-up: every
 * runtime dir of this process (each fixture makes its own) */
static char killer_dirs[32][256];
static volatile sig_atomic_t n_killer_dirs;

/* Kills every qemu-system-* whose command line names one of our runtime
 * dirs: a test that aborts half-way must not leave its guests running.
 * Plain POSIX calls only (it runs from a signal handler and atexit). */
static void
kill_our_qemus (void)
{
  static char buf[65536];
  DIR *proc;
  struct dirent *de;

  if (n_killer_dirs == 0 || (proc = opendir ("/proc")) == NULL)
    return;
  while ((de = readdir (proc)) != NULL)
    {
      char path[64];
      ssize_t len;
      int fd;
      pid_t pid = (pid_t) strtol (de->d_name, NULL, 10);

      if (pid <= 1 || pid == getpid ())
        continue;
      snprintf (path, sizeof path, "/proc/%d/cmdline", (int) pid);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      len = read (fd, buf, sizeof buf - 1);
      close (fd);
      if (len <= 0)
        continue;
      buf[len] = '\0';
      if (strstr (buf, "qemu-system-") == NULL)
        continue;
      for (ssize_t i = 0; i < len; i++)
        if (buf[i] == '\0')
          buf[i] = ' ';
      for (int i = 0; i < n_killer_dirs; i++)
        if (strstr (buf, killer_dirs[i]) != NULL)
          {
            kill (pid, SIGKILL);
            break;
          }
    }
  closedir (proc);
}

/* what the test had installed before us (test-net's clean-up), or NULL */
static void (*previous_handler[NSIG]) (int);

static void
on_fatal_signal (int sig)
{
  kill_our_qemus ();
  if (previous_handler[sig] != NULL)
    previous_handler[sig] (sig);
  signal (sig, SIG_DFL);
  raise (sig);
}

char *
hg_test_guest_file (const char *sub,
                    const char *file)
{
  const char *dir = g_getenv ("HANGAR_GUESTS_DIR");
  g_autofree char *path = NULL;

  if (dir == NULL || *dir == '\0')
    return NULL;
  path = g_build_filename (dir, sub, file, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_steal_pointer (&path);
}

void
hg_test_runtime_init (void)
{
  g_autoptr(GError) error = NULL;

  /* short: socket paths must fit in 108 bytes */
  runtime_dir = g_dir_make_tmp ("hgrt-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("HANGAR_RUNTIME_DIR", runtime_dir, TRUE);
  if (n_killer_dirs == 0)
    {
      /* g_assert aborts, g_error and fatal criticals trap, meson's
       * timeout terminates.  A handler the test set already runs after
       * ours; tests that install their own later replace this one. */
      static const int fatal[] = { SIGABRT, SIGTRAP, SIGTERM, SIGINT };

      for (guint i = 0; i < G_N_ELEMENTS (fatal); i++)
        {
          struct sigaction old;

          if (sigaction (fatal[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN ||
              (old.sa_flags & SA_SIGINFO) != 0)
            continue;
          if (old.sa_handler != SIG_DFL)
            previous_handler[fatal[i]] = old.sa_handler;
          signal (fatal[i], on_fatal_signal);
        }
      atexit (kill_our_qemus);
    }
  if (n_killer_dirs < (int) G_N_ELEMENTS (killer_dirs))
    {
      g_strlcpy (killer_dirs[n_killer_dirs], runtime_dir, sizeof killer_dirs[0]);
      n_killer_dirs++;
    }
}

void
hg_test_remove_tree (const char *dir)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (dir == NULL)
    return;
  d = g_dir_open (dir, 0, NULL);
  if (d != NULL)
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
          hg_test_remove_tree (path);
        else
          g_unlink (path);
      }
  g_rmdir (dir);
}

void
hg_test_runtime_cleanup (void)
{
  hg_test_remove_tree (runtime_dir);
  g_clear_pointer (&runtime_dir, g_free);
}

static char *
read_cmdline (const char *kind)
{
  g_autofree char *path = hg_test_guest_file (kind, "cmdline");
  g_autofree char *text = NULL;

  if (path == NULL || !g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return g_strstrip (g_steal_pointer (&text));
}

HgVmConfig *
hg_test_make_vm (const char  *kind,
                 const char  *label,
                 char       **base_out)
{
  g_autoptr(HgVmConfig) config = hg_vm_config_new (label);
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;

  config->accel = HG_ACCEL_TCG;
  config->cpus = 1;
  config->serial = TRUE;
  if (g_str_equal (kind, "tiny"))
    {
      g_autofree char *iso = hg_test_guest_file ("tiny", "boot.iso");
      if (iso == NULL)
        return NULL;
      g_free (config->arch);
      config->arch = g_strdup ("x86_64");
      config->memory_mib = 64;
      config->boot_mode = HG_BOOT_CDROM;
      config->console = HG_CONSOLE_VNC;
      g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, iso));
    }
  else
    {
      g_autofree char *kernel = hg_test_guest_file (kind, "vmlinuz");
      g_autofree char *initrd = hg_test_guest_file (kind, "initrd.img");
      if (kernel == NULL || initrd == NULL)
        return NULL;
      g_free (config->arch);
      config->arch = g_strdup (g_str_equal (kind, "aarch64") ? "aarch64" : "x86_64");
      config->memory_mib = 256;
      config->boot_mode = HG_BOOT_KERNEL;
      config->kernel = g_steal_pointer (&kernel);
      config->initrd = g_steal_pointer (&initrd);
      config->append = read_cmdline (kind);
      config->console = g_str_equal (kind, "aarch64") ? HG_CONSOLE_NONE : HG_CONSOLE_VNC;
    }

  base = g_dir_make_tmp ("hangar-vms-XXXXXX", &error);
  g_assert_no_error (error);
  dir = g_build_filename (base, label, NULL);
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  hg_vm_config_set_location (config, dir);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  if (base_out != NULL)
    *base_out = g_steal_pointer (&base);
  return g_steal_pointer (&config);
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
hg_test_wait_until (HgTestCond cond,
                    gpointer   data,
                    guint      timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, on_deadline, &expired);

  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return cond (data);
}

static gboolean
slot_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

gboolean
hg_test_wait_result (GAsyncResult **slot,
                     guint          timeout_ms)
{
  return hg_test_wait_until (slot_set, slot, timeout_ms);
}

void
hg_test_store_result (GObject      *source,
                      GAsyncResult *result,
                      gpointer      slot)
{
  *(GAsyncResult **) slot = g_object_ref (result);
}

gboolean
hg_test_switch_start (HgSwitch  *sw,
                      GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hg_switch_start_async (sw, NULL, hg_test_store_result, &result);
  /* the task has its own deadline; this one only guards the test */
  if (!hg_test_wait_result (&result, 30000))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "switch %s did not start within 30 s", hg_switch_get_name (sw));
      return FALSE;
    }
  return hg_switch_start_finish (sw, result, error);
}

typedef struct {
  HgVm      *vm;
  HgVmState  state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *w = data;
  return hg_vm_get_state (w->vm) == w->state;
}

gboolean
hg_test_wait_state (HgVm      *vm,
                    HgVmState  state,
                    guint      timeout_ms)
{
  StateWait w = { vm, state };
  return hg_test_wait_until (state_reached, &w, timeout_ms);
}

void
hg_test_vm_start (HgVm           *vm,
                  HgVmStartFlags  flags)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  hg_vm_start_async (vm, hg_vm_get_config (vm)->boot_mode, flags, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 60000));
  hg_vm_start_finish (vm, result, &error);
  g_assert_no_error (error);
}

void
hg_test_vm_action (HgVm           *vm,
                   HgTestVmAction  func)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  func (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 30000));
  hg_vm_action_finish (vm, result, &error);
  g_assert_no_error (error);
}

GPtrArray *
hg_test_vm_media_list (HgVm *vm)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *list;

  hg_vm_media_list_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  list = hg_vm_media_list_finish (vm, result, &error);
  g_assert_no_error (error);
  return list;
}

void
hg_test_vm_kill (HgVm *vm)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (!hg_vm_is_active (vm))
    return;
  hg_vm_kill_async (vm, NULL, hg_test_store_result, &result);
  g_assert_true (hg_test_wait_result (&result, 20000));
  hg_vm_action_finish (vm, result, NULL);
}

/* ---- serial ------------------------------------------------------------ */

struct _HgTestSerial {
  GSocketConnection *connection;
  GCancellable      *cancellable;
  GString           *output;
  gsize              mark;
  gboolean           eof;
  guint8             chunk[4096];
};

static void read_more (HgTestSerial *serial);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  HgTestSerial *serial = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (n <= 0)
    {
      serial->eof = TRUE;
      return;
    }
  g_string_append_len (serial->output, (const char *) serial->chunk, n);
  read_more (serial);
}

static void
read_more (HgTestSerial *serial)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (serial->connection)),
                             serial->chunk, sizeof serial->chunk, G_PRIORITY_DEFAULT,
                             serial->cancellable, on_read, serial);
}

HgTestSerial *
hg_test_serial_open (const char  *path,
                     GError     **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  HgTestSerial *serial;
  GSocketConnection *connection;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, error);
  if (connection == NULL)
    return NULL;
  serial = g_new0 (HgTestSerial, 1);
  serial->connection = connection;
  serial->cancellable = g_cancellable_new ();
  serial->output = g_string_new (NULL);
  read_more (serial);
  return serial;
}

typedef struct {
  HgTestSerial *serial;
  const char   *needle;
} SerialWait;

static gboolean
needle_seen (gpointer data)
{
  SerialWait *w = data;
  return strstr (w->serial->output->str + w->serial->mark, w->needle) != NULL || w->serial->eof;
}

gboolean
hg_test_serial_wait_for (HgTestSerial *serial,
                         const char   *needle,
                         guint         timeout_ms)
{
  SerialWait w = { serial, needle };

  hg_test_wait_until (needle_seen, &w, timeout_ms);
  if (strstr (serial->output->str + serial->mark, needle) == NULL)
    {
      g_test_message ("serial output so far: %s", serial->output->str);
      return FALSE;
    }
  return TRUE;
}

void
hg_test_serial_mark (HgTestSerial *serial)
{
  serial->mark = serial->output->len;
}

void
hg_test_serial_write (HgTestSerial *serial,
                      const char   *text)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (serial->connection));

  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

const char *
hg_test_serial_output (HgTestSerial *serial)
{
  return serial->output->str;
}

void
hg_test_serial_free (HgTestSerial *serial)
{
  if (serial == NULL)
    return;
  g_cancellable_cancel (serial->cancellable);
  /* let the cancelled read finish before the buffer goes */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_io_stream_close (G_IO_STREAM (serial->connection), NULL, NULL);
  g_object_unref (serial->connection);
  g_object_unref (serial->cancellable);
  g_string_free (serial->output, TRUE);
  g_free (serial);
}

/* ---- files --------------------------------------------------------------- */

char *
hg_test_make_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

void
hg_test_write_file (const char *path,
                    const char *text)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* ---- running programs --------------------------------------------------- */

int
hg_test_run (const char * const *argv,
             char              **out,
             char              **err,
             guint               timeout_ms)
{
  g_autoptr(GSubprocess) sub = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  sub = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (sub, NULL, NULL, hg_test_store_result, &result);
  if (!hg_test_wait_result (&result, timeout_ms))
    {
      g_subprocess_force_exit (sub);
      return -1;
    }
  g_subprocess_communicate_utf8_finish (sub, result, out, err, &error);
  g_assert_no_error (error);
  if (err != NULL && *err != NULL && **err != '\0')
    g_test_message ("%s: stderr: %s", argv[1], *err);
  return g_subprocess_get_if_exited (sub) ? g_subprocess_get_exit_status (sub) : -2;
}

char *
hg_test_hangarctl_path (void)
{
  const char *build = g_getenv ("HANGAR_BUILD_ROOT");
  g_autofree char *path = NULL;

  if (build == NULL)
    return NULL;
  path = g_build_filename (build, "src", "cli", "hangarctl", NULL);
  return g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) ? g_steal_pointer (&path) : NULL;
}

GPtrArray *
hg_test_hangarctl_argv_va (const char *base,
                           va_list     args)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *arg;

  g_ptr_array_add (argv, hg_test_hangarctl_path ());
  g_ptr_array_add (argv, g_strdup ("--base"));
  g_ptr_array_add (argv, g_strdup (base));
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, NULL);
  return argv;
}

int
hg_test_hangarctl (const char  *base,
                   char       **out,
                   char       **err,
                   guint        timeout_ms,
                   ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  va_list ap;

  va_start (ap, timeout_ms);
  argv = hg_test_hangarctl_argv_va (base, ap);
  va_end (ap);
  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
  return hg_test_run ((const char * const *) argv->pdata, out, err, timeout_ms);
}

guint16
hg_test_free_port (int type)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

int
hg_test_listen_tcp (guint16 port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  addr.sin_port = htons (port);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (fd, 1), ==, 0);
  return fd;
}

char *
hg_test_file_checksum (const char *path)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) data, length);
}
