/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-process"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "hg-proc.h"
#include "hg-process.h"
#include "hg-qmp-commands.h"
#include "hg-spawn.h"
#include "hg-switch.h"
#include "hg-swtpm.h"
#include "hg-throwaway.h"
#include "hg-share.h"
#include "hg-virtiofsd.h"

G_DEFINE_QUARK (hg-process-error-quark, hg_process_error)

/* A VM's runtime directory must be its own even when another directory
 * holds a copy of its config (cp -r keeps the uuid): the name joins the uuid
 * (label when none) with a digest of the VM directory's canonical path and
 * its device:inode, so two directories never share sockets, pidfile or
 * lock, while every front end that opens the same directory finds the same
 * name.  A config that has no directory (not saved) is named by its uuid. */
char *
hg_process_runtime_id (HgVmConfig *config)
{
  const char *name;
  g_autofree char *key = NULL;
  g_autofree char *sum = NULL;
  char *real;
  struct stat st;

  g_return_val_if_fail (config != NULL, NULL);

  name = (config->uuid != NULL && *config->uuid != '\0') ? config->uuid : config->label;
  if (config->dir == NULL || *config->dir == '\0')
    return g_strdup (name);
  real = realpath (config->dir, NULL);
  if (real != NULL && stat (real, &st) == 0)
    key = g_strdup_printf ("%s\n%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                           real, (guint64) st.st_dev, (guint64) st.st_ino);
  else
    key = g_strdup_printf ("%s\n-", config->dir);
  free (real);
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  return g_strdup_printf ("%s-%.16s", name, sum);
}

GHashTable *
hg_process_runtime_names (const char *runtime_root)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *root = runtime_root != NULL ? g_strdup (runtime_root) : hg_runtime_root ();
  g_autofree char *vms = g_build_filename (root, "vms", NULL);
  g_autoptr(GDir) dir = g_dir_open (vms, 0, NULL);
  const char *id;

  while (dir != NULL && (id = g_dir_read_name (dir)) != NULL)
    {
      gsize len = strlen (id);
      gboolean digest = len > 17 && id[len - 17] == '-';

      for (gsize i = len - 16; digest && i < len; i++)
        digest = g_ascii_isxdigit (id[i]);
      g_hash_table_add (names, g_strndup (id, digest ? len - 17 : len));
    }
  return names;
}

HgRuntimePaths *
hg_process_runtime_paths_for_config (HgVmConfig *config,
                                     const char *runtime_root)
{
  g_autofree char *root = NULL;
  g_autofree char *id = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  root = runtime_root != NULL ? g_strdup (runtime_root) : hg_runtime_root ();
  id = hg_process_runtime_id (config);
  return hg_runtime_paths_new (root, id);
}

gboolean
hg_process_prepare_runtime_dir (const HgRuntimePaths  *paths,
                                GError               **error)
{
  g_autofree char *vms = NULL;

  g_return_val_if_fail (paths != NULL, FALSE);

  vms = g_build_filename (paths->root, "vms", NULL);
  return hg_runtime_ensure_dir (paths->root, error) &&
         hg_runtime_ensure_dir (vms, error) &&
         hg_runtime_ensure_dir (paths->dir, error);
}

gboolean
hg_process_check_path_safe (const char  *path,
                            GError     **error)
{
  return hg_runtime_check_path_safe (path, FALSE, error) ||
         hg_runtime_error_retag (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSAFE_PATH);
}

gboolean
hg_process_read_pidfile (const char  *pidfile,
                         GPid        *out_pid,
                         GError     **error)
{
  GError *local = NULL;

  if (hg_proc_read_pidfile (pidfile, out_pid, &local))
    return TRUE;
  if (local != NULL)
    {
      local->code = local->code == G_IO_ERROR_PERMISSION_DENIED ? HG_PROCESS_ERROR_UNSAFE_PATH
                                                                  : HG_PROCESS_ERROR_FAILED;
      local->domain = HG_PROCESS_ERROR;
      g_propagate_error (error, local);
    }
  return FALSE;
}

gboolean
hg_process_pid_is_vm_qemu (GPid                  pid,
                           const HgRuntimePaths *paths)
{
  g_autofree char *exe = NULL;
  g_auto(GStrv) argv = NULL;

  g_return_val_if_fail (paths != NULL, FALSE);

  if (pid <= 1 || !hg_proc_pid_is_alive (pid))
    return FALSE;
  exe = hg_proc_exe_name (pid);
  if (exe == NULL || !g_str_has_prefix (exe, "qemu-system-"))
    return FALSE;
  /* the proof: "-pidfile <this VM's runtime dir>/qemu.pid" (the QMP
   * sockets are passed as fds and so are not named on the command line) */
  argv = hg_proc_cmdline (pid);
  return hg_proc_argv_has_pair ((const char * const *) argv, "-pidfile", paths->pidfile);
}

GPid
hg_process_find_running (const HgRuntimePaths *paths)
{
  GPid pid = 0;

  if (!hg_process_read_pidfile (paths->pidfile, &pid, NULL))
    return 0;
  return hg_process_pid_is_vm_qemu (pid, paths) ? pid : 0;
}

GPid
hg_process_open_running (const HgRuntimePaths  *paths,
                         int                   *out_pidfd,
                         GError               **error)
{
  GPid pid = 0;
  int pidfd;

  g_return_val_if_fail (paths != NULL, 0);
  g_return_val_if_fail (out_pidfd != NULL, 0);

  *out_pidfd = -1;
  if (!hg_process_read_pidfile (paths->pidfile, &pid, error))
    return 0;
  /* the pidfd first, then the proof: a pid reused after the proof cannot
   * be reached through a pidfd opened before it */
  pidfd = hg_proc_pidfd_open (pid);
  if (!hg_process_pid_is_vm_qemu (pid, paths) || (pidfd >= 0 && !hg_proc_pidfd_is_alive (pidfd)))
    {
      if (pidfd >= 0)
        close (pidfd);
      return 0;
    }
  *out_pidfd = pidfd;
  return pid;
}

gboolean
hg_process_clean_runtime (const HgRuntimePaths  *paths,
                          GError               **error)
{
  g_autofree char *swtpm_sock = hg_swtpm_runtime_file (paths, HG_SWTPM_SOCKET);
  g_autofree char *swtpm_pid = hg_swtpm_runtime_file (paths, HG_SWTPM_PIDFILE);
  const char *files[] = { paths->qmp, paths->qmp_ctl, paths->serial, paths->monitor, paths->vnc,
                          paths->pidfile, swtpm_sock, swtpm_pid };
  gboolean ok = TRUE;

  hg_virtiofsd_clean_runtime (paths);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GError) local = NULL;

      if (!hg_process_check_path_safe (files[i], &local))
        {
          if (ok)
            g_propagate_error (error, g_steal_pointer (&local));
          ok = FALSE;
          continue;
        }
      if (g_unlink (files[i]) != 0 && errno != ENOENT)
        {
          int saved = errno;
          if (ok)
            g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                         _("Cannot remove %s: %s"), files[i], g_strerror (saved));
          ok = FALSE;
        }
    }
  /* a throwaway run's changes go with it */
  hg_throwaway_clean (paths);
  return ok;
}

int
hg_process_lock (const HgRuntimePaths  *paths,
                 const char            *label,
                 GError               **error)
{
  GError *local = NULL;
  int fd = hg_proc_lock_file (paths->lock, &local);

  if (fd >= 0)
    return fd;
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_BUSY))
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                   _("VM '%s' is being started by another process"), label);
      g_error_free (local);
      return -1;
    }
  local->code = local->code == G_IO_ERROR_PERMISSION_DENIED ? HG_PROCESS_ERROR_UNSAFE_PATH
                                                              : HG_PROCESS_ERROR_FAILED;
  local->domain = HG_PROCESS_ERROR;
  g_propagate_error (error, local);
  return -1;
}

void
hg_process_unlock (int fd)
{
  hg_proc_unlock_file (fd);
}

/* Binds and listens on a UNIX socket of the runtime dir (a leftover of a
 * dead VM is replaced, anything unsafe refused); what names it in errors */
static int
listen_unix (const char  *path,
             const char  *what,
             GError     **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof addr.sun_path)
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                   _("The %s socket %s is a path too long for a UNIX socket "
                     "(%d bytes at most)"), what, path, (int) sizeof addr.sun_path - 1);
      return -1;
    }
  /* a leftover of a dead VM goes; anything unsafe stays and stops us */
  if (!hg_process_check_path_safe (path, error))
    return -1;
  g_unlink (path);
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen (fd, 16) != 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                   _("Cannot listen on the %s socket %s: %s"), what, path, g_strerror (saved));
      return -1;
    }
  return fd;
}

gboolean
hg_process_listen_qmp (const HgRuntimePaths  *paths,
                       int                    out_fds[2],
                       GError               **error)
{
  const char *socket_paths[] = { paths->qmp, paths->qmp_ctl };

  out_fds[0] = out_fds[1] = -1;
  for (guint i = 0; i < G_N_ELEMENTS (socket_paths); i++)
    {
      out_fds[i] = listen_unix (socket_paths[i], "QMP", error);
      if (out_fds[i] < 0)
        break;
    }
  if (out_fds[1] >= 0)
    return TRUE;
  for (guint i = 0; i < 2; i++)
    if (out_fds[i] >= 0)
      {
        close (out_fds[i]);
        g_unlink (socket_paths[i]);
        out_fds[i] = -1;
      }
  return FALSE;
}

void
hg_process_launcher_take_qmp (GSubprocessLauncher *launcher,
                              int                  fds[2])
{
  g_subprocess_launcher_take_fd (launcher, fds[0], HG_CMDLINE_QMP_FD);
  g_subprocess_launcher_take_fd (launcher, fds[1], HG_CMDLINE_QMP_CTL_FD);
  fds[0] = fds[1] = -1;
}

/* ---- start --------------------------------------------------------------
 *
 * One GTask whose steps only call downward:
 *   prepare (a worker thread: everything that touches files) — runtime
 *     dir, the start lock, no QEMU of this VM running, a dead one's
 *     leftovers removed, the images checked, host caps, the argv, the log,
 *     the two QMP sockets bound and listening;
 *   switches — each VDE switch the NICs use, started if needed
 *     (hg_switch_ensure_running_async, one after another);
 *   spawn — GSubprocessLauncher, the QMP sockets as fds 3 and 4;
 *   QMP — connected right away (the socket listens already: the kernel
 *     queues us until QEMU accepts), greeting, capabilities, status, `cont`
 *     unless started paused.
 * QEMU's exit before that ends the start with its own log lines.
 */

/* A virtiofs share: its checked folder and virtiofsd's listening socket
 * (until spawned), then virtiofsd */
typedef struct {
  guint        index;
  char        *folder;
  int          fd;
  GSubprocess *daemon;     /* ends by itself with QEMU's connection */
} VirtiofsShare;

static void
virtiofs_share_clear (VirtiofsShare *v)
{
  g_clear_pointer (&v->folder, g_free);
  if (v->fd >= 0)
    close (v->fd);
  v->fd = -1;
  g_clear_object (&v->daemon);
}

typedef struct {
  /* asked for */
  HgVmConfig          *config;
  HgRuntimePaths      *paths;
  HgHostCaps          *caps;          /* NULL until prepare probed it */
  HgBootMode           boot_mode;
  HgProcessStartFlags  flags;
  /* prepared */
  int                  lock_fd;
  char               **argv;
  int                  log_fd;
  int                  qmp_fds[2];
  char                *swtpm_path;    /* config->tpm: the swtpm binary */
  int                  swtpm_fd;      /* its listening control socket, until spawned */
  GPtrArray           *switches;      /* names of the VDE switches still to ensure */
  GArray              *virtiofs;      /* VirtiofsShare: the virtiofs shares' sockets */
  /* running */
  GSubprocess         *subprocess;
  GSubprocess         *swtpm;         /* ends by itself with QEMU's connection */
  GPid                 pid;
  HgQmpClient         *qmp;
  GSource             *deadline_source;
  GCancellable        *wait_cancel;   /* stops watching the exit once started */
  gboolean             exited;
  gboolean             done;
} StartData;

static void
start_data_free (StartData *d)
{
  if (d->deadline_source != NULL)
    g_source_destroy (d->deadline_source);
  g_clear_pointer (&d->deadline_source, g_source_unref);
  g_clear_object (&d->wait_cancel);
  hg_process_unlock (d->lock_fd);
  if (d->log_fd >= 0)
    close (d->log_fd);
  for (guint i = 0; i < G_N_ELEMENTS (d->qmp_fds); i++)
    if (d->qmp_fds[i] >= 0)
      close (d->qmp_fds[i]);
  g_strfreev (d->argv);
  if (d->swtpm_fd >= 0)
    close (d->swtpm_fd);
  g_free (d->swtpm_path);
  g_clear_object (&d->swtpm);
  g_clear_pointer (&d->switches, g_ptr_array_unref);
  g_clear_pointer (&d->virtiofs, g_array_unref);
  g_clear_object (&d->subprocess);
  g_clear_object (&d->qmp);
  g_clear_pointer (&d->caps, hg_host_caps_unref);
  g_clear_pointer (&d->config, hg_vm_config_unref);
  g_clear_pointer (&d->paths, hg_runtime_paths_free);
  g_free (d);
}

static void
child_setup (gpointer user_data)
{
  /* Only this: QEMU gets its own session so that it outlives us and no
   * terminal signal (Ctrl-C, hang-up) of ours reaches it. */
  setsid ();
}

/* QEMU's own complaint: the log's last lines, joined with "; " */
static char *
log_error_lines (const char *log)
{
  g_autofree char *tail = hg_proc_log_tail (log, 6);
  g_auto(GStrv) lines = g_strsplit (tail, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      if (out->len > 0)
        g_string_append (out, "; ");
      g_string_append (out, lines[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Ends the start with an error: QEMU, if any, is killed and the runtime dir
 * cleaned (only when this start holds the lock: never another's files). */
static void
start_fail (GTask  *task,
            GError *error)
{
  StartData *d = g_task_get_task_data (task);

  if (d->done)
    {
      g_error_free (error);
      return;
    }
  d->done = TRUE;
  if (d->deadline_source != NULL)
    g_source_destroy (d->deadline_source);
  g_clear_pointer (&d->deadline_source, g_source_unref);
  if (d->qmp != NULL)
    hg_qmp_client_close (d->qmp);
  g_clear_object (&d->qmp);
  if (d->subprocess != NULL && !d->exited)
    g_subprocess_force_exit (d->subprocess);
  /* our child: no other process can have its pid yet */
  if (d->swtpm != NULL)
    g_subprocess_force_exit (d->swtpm);
  for (guint i = 0; d->virtiofs != NULL && i < d->virtiofs->len; i++)
    {
      VirtiofsShare *v = &g_array_index (d->virtiofs, VirtiofsShare, i);

      if (v->daemon != NULL)
        g_subprocess_force_exit (v->daemon);
    }
  if (d->lock_fd >= 0)
    hg_process_clean_runtime (d->paths, NULL);
  g_task_return_error (task, error);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *d = g_task_get_task_data (task);
  GSubprocess *sub = G_SUBPROCESS (source);
  g_autofree char *why = NULL;
  g_autofree char *lines = NULL;

  if (!g_subprocess_wait_finish (sub, result, NULL))
    return;   /* cancelled: the start completed */
  d->exited = TRUE;
  if (d->done)
    return;

  if (g_subprocess_get_if_signaled (sub))
    why = g_strdup_printf (_("killed by signal %d"), g_subprocess_get_term_sig (sub));
  else
    why = g_strdup_printf (_("exit status %d"), g_subprocess_get_exit_status (sub));
  lines = log_error_lines (d->paths->log);
  if (d->swtpm != NULL)
    {
      /* QEMU's complaint about the TPM says little: swtpm's own says why */
      g_autofree char *tpm = hg_swtpm_log_error (d->paths);

      if (*tpm != '\0')
        {
          g_autofree char *both = g_strdup_printf ("%s%sswtpm: %s", lines, *lines ? "; " : "", tpm);

          g_free (lines);
          lines = g_steal_pointer (&both);
        }
    }
  for (guint i = 0; d->virtiofs != NULL && i < d->virtiofs->len; i++)
    {
      /* a virtiofsd that failed: QEMU only says the socket closed */
      VirtiofsShare *v = &g_array_index (d->virtiofs, VirtiofsShare, i);
      g_autofree char *fs = hg_virtiofsd_log_error (d->paths, v->index);

      /* (ended: GLib has reaped it and its identifier is gone; it may
       * also still be running, QEMU's failure being its own) */
      if (*fs != '\0' && v->daemon != NULL && g_subprocess_get_identifier (v->daemon) == NULL)
        {
          g_autofree char *both = g_strdup_printf ("%s%svirtiofsd [share:%u]: %s", lines,
                                                   *lines ? "; " : "", v->index, fs);

          g_free (lines);
          lines = g_steal_pointer (&both);
        }
    }
  start_fail (task, g_error_new (HG_PROCESS_ERROR, HG_PROCESS_ERROR_EXITED,
                                 _("QEMU for VM '%s' exited during start (%s)%s%s"),
                                 d->config->label, why,
                                 *lines ? ": " : "", lines));
}

static gboolean
on_deadline (gpointer user_data)
{
  GTask *task = user_data;
  StartData *d = g_task_get_task_data (task);
  g_autofree char *lines = log_error_lines (d->paths->log);

  start_fail (task, g_error_new (HG_PROCESS_ERROR, HG_PROCESS_ERROR_TIMEOUT,
                                 _("QEMU for VM '%s' did not open its QMP socket %s within %d s%s%s"),
                                 d->config->label, d->paths->qmp,
                                 HG_PROCESS_START_TIMEOUT_MS / 1000,
                                 *lines ? ": " : "", lines));
  return G_SOURCE_REMOVE;
}

static gboolean
write_pidfile (const StartData *d,
               GError         **error)
{
  g_autofree char *text = g_strdup_printf ("%d\n", (int) d->pid);
  g_autofree char *tmp = g_strconcat (d->paths->pidfile, ".tmp", NULL);

  if (!hg_process_check_path_safe (tmp, error) || !hg_process_check_path_safe (d->paths->pidfile, error))
    return FALSE;
  g_unlink (tmp);
  if (!g_file_set_contents_full (tmp, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  if (g_rename (tmp, d->paths->pidfile) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                   _("Cannot write pidfile %s: %s"), d->paths->pidfile, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static void
start_succeed (GTask *task)
{
  StartData *d = g_task_get_task_data (task);
  GPid pid = 0;

  if (d->done)
    return;
  /* QEMU writes its own pidfile (-pidfile); make sure there is one naming
   * the right pid either way. */
  if (!hg_process_read_pidfile (d->paths->pidfile, &pid, NULL) || pid != d->pid)
    {
      GError *error = NULL;
      if (!write_pidfile (d, &error))
        {
          start_fail (task, error);
          return;
        }
    }
  d->done = TRUE;
  hg_process_unlock (d->lock_fd);
  d->lock_fd = -1;
  if (d->deadline_source != NULL)
    g_source_destroy (d->deadline_source);
  g_clear_pointer (&d->deadline_source, g_source_unref);
  g_cancellable_cancel (d->wait_cancel);
  g_task_return_pointer (task, g_steal_pointer (&d->qmp), g_object_unref);
}

static void
on_cont (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!hg_qmp_simple_finish (HG_QMP_CLIENT (source), result, &error))
    start_fail (task, error);
  else
    start_succeed (task);
}

static void
on_status (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *d = g_task_get_task_data (task);
  g_autofree char *status = NULL;
  gboolean running = FALSE;
  GError *error = NULL;

  if (!hg_qmp_query_status_finish (HG_QMP_CLIENT (source), result, &running, &status, &error))
    {
      start_fail (task, error);
      return;
    }
  if (d->done)
    return;
  if (!running && !(d->flags & HG_PROCESS_START_PAUSED) &&
      (g_strcmp0 (status, "prelaunch") == 0 || g_strcmp0 (status, "paused") == 0))
    hg_qmp_cont_async (d->qmp, g_task_get_cancellable (task), on_cont, g_object_ref (task));
  else
    start_succeed (task);
}

static void
on_open (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *d = g_task_get_task_data (task);
  HgQmpClient *client = HG_QMP_CLIENT (source);
  GError *error = NULL;

  if (!hg_qmp_client_open_finish (client, result, &error))
    {
      if (d->done || d->exited)
        {
          g_error_free (error);
          return;
        }
      if (g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED) &&
          !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
        {
          /* QEMU went away before greeting us: its exit, with its own
           * words, ends the start (the deadline if it somehow does not) */
          g_error_free (error);
          g_clear_object (&d->qmp);
          return;
        }
      if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
        {
          g_clear_error (&error);
          g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Start cancelled"));
        }
      start_fail (task, error);
      return;
    }
  if (d->done)
    return;
  hg_qmp_query_status_async (d->qmp, g_task_get_cancellable (task), on_status, g_object_ref (task));
}

static gboolean
argv_has (char **argv, const char *option)
{
  for (guint i = 0; argv[i] != NULL; i++)
    if (strcmp (argv[i], option) == 0)
      return TRUE;
  return FALSE;
}

/* spawn -> QMP */
static void
start_spawn (GTask *task)
{
  StartData *d = g_task_get_task_data (task);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  GError *error = NULL;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      start_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Start cancelled")));
      return;
    }
  /* the TPM first: QEMU connects to it as it starts (the socket listens
   * already, so no waiting for swtpm) */
  if (d->swtpm_fd >= 0)
    {
      int fd = d->swtpm_fd;

      d->swtpm_fd = -1;
      d->swtpm = hg_swtpm_spawn (d->swtpm_path, d->config->dir, d->paths, fd, &error);
      if (d->swtpm == NULL)
        {
          g_prefix_error (&error, _("VM '%s': "), d->config->label);
          start_fail (task, error);
          return;
        }
    }
  /* virtiofsd, one per virtiofs share, on the sockets bound in prepare */
  for (guint i = 0; d->virtiofs != NULL && i < d->virtiofs->len; i++)
    {
      VirtiofsShare *v = &g_array_index (d->virtiofs, VirtiofsShare, i);
      int fd = v->fd;

      v->fd = -1;
      v->daemon = hg_virtiofsd_spawn (v->folder, d->paths, v->index, fd, &error);
      if (v->daemon == NULL)
        {
          g_prefix_error (&error, _("VM '%s': [share:%u]: "), d->config->label, v->index);
          start_fail (task, error);
          return;
        }
    }
  for (guint i = 0; d->argv[i] != NULL; i++)
    g_ptr_array_add (args, d->argv[i]);
  if ((d->flags & HG_PROCESS_START_PAUSED) && !argv_has (d->argv, "-S"))
    g_ptr_array_add (args, (char *) "-S");
  g_ptr_array_add (args, NULL);

  /* stdin: /dev/null; the environment: Hangar's short list, not ours */
  launcher = hg_spawn_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (d->log_fd));
  g_subprocess_launcher_take_stderr_fd (launcher, d->log_fd);
  d->log_fd = -1;
  hg_process_launcher_take_qmp (launcher, d->qmp_fds);
  g_subprocess_launcher_set_cwd (launcher, d->config->dir != NULL ? d->config->dir : "/");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  g_debug ("spawning %s", (const char *) args->pdata[0]);
  d->subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  /* our copies of the listening sockets go with the launcher: only QEMU
   * holds them, so its end resets a connection it never accepted */
  g_clear_object (&launcher);
  if (d->subprocess == NULL)
    {
      g_prefix_error (&error, _("Cannot run %s for VM '%s': "),
                      (const char *) args->pdata[0], d->config->label);
      error->domain = HG_PROCESS_ERROR;
      error->code = HG_PROCESS_ERROR_SPAWN;
      start_fail (task, error);
      return;
    }
  d->pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (d->subprocess), NULL, 10);

  d->wait_cancel = g_cancellable_new ();
  g_subprocess_wait_async (d->subprocess, d->wait_cancel, on_exited, g_object_ref (task));
  d->deadline_source = g_timeout_source_new (HG_PROCESS_START_TIMEOUT_MS);
  g_source_set_callback (d->deadline_source, on_deadline, g_object_ref (task), g_object_unref);
  g_source_attach (d->deadline_source, g_task_get_context (task));

  /* no polling: the socket listens since prepare */
  d->qmp = hg_qmp_client_new (d->paths->qmp);
  hg_qmp_client_set_greeting_timeout (d->qmp, HG_PROCESS_START_TIMEOUT_MS);
  hg_qmp_client_open_async (d->qmp, g_task_get_cancellable (task), on_open, g_object_ref (task));
}

static void ensure_next_switch (GTask *task);

static void
on_switch_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *d = g_task_get_task_data (task);
  GError *error = NULL;

  if (!hg_switch_ensure_running_finish (result, &error))
    {
      g_prefix_error (&error, _("VM '%s': "), d->config->label);
      start_fail (task, error);
      return;
    }
  ensure_next_switch (g_steal_pointer (&task));
}

/* switches, one after another -> spawn */
static void
ensure_next_switch (GTask *task)
{
  StartData *d = g_task_get_task_data (task);

  if (d->switches->len == 0)
    {
      start_spawn (task);
      g_object_unref (task);
      return;
    }
  hg_switch_ensure_running_async (d->paths->root, g_ptr_array_index (d->switches, 0),
                                  g_task_get_cancellable (task), on_switch_ready, task);
  g_ptr_array_remove_index (d->switches, 0);
}

static int
open_log (const char  *path,
          GError     **error)
{
  struct stat st;
  int fd;

  if (!hg_process_check_path_safe (path, error))
    return -1;
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                   _("Cannot open log %s: %s"), path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
    {
      close (fd);
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSAFE_PATH,
                   _("Refusing log %s: not a regular file of ours"), path);
      return -1;
    }
  return fd;
}

/* A UEFI VM's variables: made from the firmware's template on its first
 * start, then checked like a disk image (a VM folder is untrusted) */
static gboolean
prepare_nvram (StartData     *d,
               HgVmImages    *images,
               GCancellable  *cancellable,
               GError       **error)
{
  HgVmConfig *config = d->config;
  const HgFirmware *fw;
  g_autofree char *path = NULL;
  g_autofree char *where = NULL;
  const char *folders[2] = { NULL, NULL };

  if (config->firmware == HG_FIRMWARE_BIOS)
    return TRUE;
  fw = hg_cmdline_select_firmware (config, d->caps, error);
  if (fw == NULL)
    {
      g_prefix_error (error, _("VM '%s': [machine] firmware: "), config->label);
      return FALSE;
    }
  if (config->dir == NULL)
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                   _("VM '%s' has no folder for its UEFI variables"), config->label);
      return FALSE;
    }
  if (!hg_firmware_ensure_nvram (fw, config->firmware, config->dir, d->caps->qemu_img,
                                 cancellable, error))
    return FALSE;
  path = g_build_filename (config->dir, hg_firmware_nvram_name (config->firmware), NULL);
  where = g_strdup_printf (_("the VM's folder %s"), config->dir);
  folders[0] = config->dir;
  images->nvram = hg_disk_image_check (path, "qcow2", folders, NULL, where, cancellable, error);
  if (images->nvram == NULL)
    {
      g_prefix_error (error, _("VM '%s': UEFI variables: "), config->label);
      return FALSE;
    }
  return TRUE;
}

/* The virtiofs shares (the argv has their sockets already): each folder
 * as the argv's check found it, and the socket its virtiofsd gets */
static gboolean
prepare_virtiofs (StartData  *d,
                  GError    **error)
{
  HgVmConfig *config = d->config;

  for (guint i = 0; config->shares != NULL && i < config->shares->len; i++)
    {
      HgShare *share = g_ptr_array_index (config->shares, i);
      VirtiofsShare v = { i, NULL, -1, NULL };
      g_autofree char *sock = NULL;

      if (hg_share_effective_transport (share) != HG_SHARE_VIRTIOFS)
        continue;
      v.folder = hg_share_check_folder (config, share, i, error);
      if (v.folder == NULL)
        {
          g_prefix_error (error, _("VM '%s': "), config->label);
          return FALSE;
        }
      if (d->virtiofs == NULL)
        {
          d->virtiofs = g_array_new (FALSE, TRUE, sizeof (VirtiofsShare));
          g_array_set_clear_func (d->virtiofs, (GDestroyNotify) virtiofs_share_clear);
        }
      sock = hg_virtiofsd_runtime_file (d->paths, i, "sock");
      v.fd = listen_unix (sock, "virtiofs", error);
      g_array_append_val (d->virtiofs, v);
      if (v.fd < 0)
        return FALSE;
    }
  return TRUE;
}

/* prepare, in a worker thread: only files, no main context */
static gboolean
prepare (StartData     *d,
         GCancellable  *cancellable,
         GError       **error)
{
  HgVmConfig *config = d->config;
  const HgRuntimePaths *paths = d->paths;
  g_autoptr(HgVmImages) images = NULL;
  GPid running;

  if (!hg_process_prepare_runtime_dir (paths, error))
    return FALSE;
  d->lock_fd = hg_process_lock (paths, config->label, error);
  if (d->lock_fd < 0)
    return FALSE;
  running = hg_process_find_running (paths);
  if (running != 0)
    {
      hg_process_unlock (d->lock_fd);
      d->lock_fd = -1;   /* its files are not ours to clean */
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_ALREADY_RUNNING,
                   _("VM '%s' is already running (pid %d)"), config->label, (int) running);
      return FALSE;
    }
  /* whatever is left belongs to a dead VM: a swtpm its start left too */
  hg_swtpm_kill_leftover (paths);
  hg_virtiofsd_kill_leftovers (paths);
  if (!hg_process_clean_runtime (paths, error))
    return FALSE;
  g_unlink (paths->exit_reason);
  g_unlink (paths->crashed);

  /* every start checks the images again: the folder may have changed;
   * QEMU gets exactly these nodes */
  images = hg_vm_images_check (config, cancellable, error);
  if (images == NULL)
    {
      g_prefix_error (error, _("VM '%s': "), config->label);
      return FALSE;
    }
  if (d->caps == NULL)
    d->caps = hg_host_caps_probe ();
  if (!prepare_nvram (d, images, cancellable, error))
    return FALSE;
  if ((d->flags & HG_PROCESS_START_THROWAWAY) && !hg_throwaway_prepare (paths, images, error))
    {
      g_prefix_error (error, _("VM '%s': "), config->label);
      return FALSE;
    }
  d->argv = hg_cmdline_build (config, d->boot_mode, paths, d->caps, images, error);
  if (d->argv == NULL)
    return FALSE;
  /* the TPM: its state folder, and the socket swtpm gets (hg-swtpm.h) */
  if (config->tpm)
    {
      g_autofree char *sock = hg_swtpm_runtime_file (paths, HG_SWTPM_SOCKET);

      if (config->dir == NULL)
        {
          g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                       _("VM '%s' has no folder for its TPM state"), config->label);
          return FALSE;
        }
      d->swtpm_path = hg_swtpm_find (error);
      if (d->swtpm_path == NULL || !hg_swtpm_prepare_state (config->dir, error))
        {
          g_prefix_error (error, _("VM '%s': "), config->label);
          return FALSE;
        }
      d->swtpm_fd = listen_unix (sock, "swtpm", error);
      if (d->swtpm_fd < 0)
        return FALSE;
    }
  if (!prepare_virtiofs (d, error))
    return FALSE;
  d->log_fd = open_log (paths->log, error);
  if (d->log_fd < 0)
    return FALSE;
  return hg_process_listen_qmp (paths, d->qmp_fds, error);
}

static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (prepare (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* prepare -> switches */
static void
on_prepared (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *d = g_task_get_task_data (task);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      start_fail (task, error);
      return;
    }
  /* VDE NICs: their switches are started on demand (hg-switch.c) */
  d->switches = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < d->config->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (d->config->nics, i);
      const char *name = nic->switch_name != NULL && *nic->switch_name != '\0'
                           ? nic->switch_name : "default";

      if (nic->mode == HG_NET_VDE && g_hash_table_add (seen, (char *) name))
        g_ptr_array_add (d->switches, g_strdup (name));
    }
  ensure_next_switch (g_steal_pointer (&task));
}

void
hg_process_start_async (HgVmConfig           *config,
                        HgBootMode            boot_mode,
                        const HgRuntimePaths *paths,
                        HgHostCaps           *caps,
                        HgProcessStartFlags   flags,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) prep = NULL;
  StartData *d;

  g_return_if_fail (config != NULL);
  g_return_if_fail (paths != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_process_start_async);
  d = g_new0 (StartData, 1);
  d->config = hg_vm_config_ref (config);
  d->paths = hg_runtime_paths_copy (paths);
  d->caps = caps != NULL ? hg_host_caps_ref (caps) : NULL;
  d->boot_mode = boot_mode;
  d->flags = flags;
  d->lock_fd = -1;
  d->log_fd = -1;
  d->qmp_fds[0] = d->qmp_fds[1] = -1;
  d->swtpm_fd = -1;
  g_task_set_task_data (task, d, (GDestroyNotify) start_data_free);

  /* the thread fills d; nothing else touches it until on_prepared */
  prep = g_task_new (NULL, cancellable, on_prepared, g_object_ref (task));
  g_task_set_source_tag (prep, prepare_thread);
  g_task_set_task_data (prep, d, NULL);
  g_task_run_in_thread (prep, prepare_thread);
}

HgQmpClient *
hg_process_start_finish (GAsyncResult  *result,
                         GSubprocess  **out_subprocess,
                         GPid          *out_pid,
                         HgHostCaps   **out_caps,
                         GError       **error)
{
  StartData *d;
  HgQmpClient *qmp;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hg_process_start_async, NULL);

  d = g_task_get_task_data (G_TASK (result));

  if (out_caps != NULL && d->caps != NULL)
    *out_caps = hg_host_caps_ref (d->caps);
  qmp = g_task_propagate_pointer (G_TASK (result), error);
  if (qmp == NULL)
    return NULL;
  if (out_subprocess != NULL)
    *out_subprocess = g_object_ref (d->subprocess);
  if (out_pid != NULL)
    *out_pid = d->pid;
  return qmp;
}
