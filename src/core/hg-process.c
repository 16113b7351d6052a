/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-process"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "hg-process.h"
#include "hg-qmp-commands.h"
#include "hg-spawn.h"
#include "hg-switch.h"

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
  g_autofree char *contents = NULL;
  g_autoptr(GError) local = NULL;
  guint64 value = 0;
  char *end = NULL;
  int fd;
  struct stat st;
  char buf[32];
  ssize_t n;

  *out_pid = 0;
  fd = open (pidfile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      int saved = errno;
      if (saved == ENOENT)
        return FALSE;
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSAFE_PATH,
                   _("Cannot read pidfile %s: %s"), pidfile, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
    {
      close (fd);
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSAFE_PATH,
                   _("Refusing pidfile %s: not a regular file of ours"), pidfile);
      return FALSE;
    }
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                   _("Pidfile %s is empty"), pidfile);
      return FALSE;
    }
  buf[n] = '\0';
  g_strchomp (buf);
  value = g_ascii_strtoull (buf, &end, 10);
  if (end == buf || *end != '\0' || value < 2 || value > G_MAXINT32)
    {
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                   _("Pidfile %s does not hold a pid"), pidfile);
      return FALSE;
    }
  *out_pid = (GPid) value;
  return TRUE;
}

gboolean
hg_process_pid_is_alive (GPid pid)
{
  g_autofree char *proc = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (!g_file_get_contents (proc, &stat, NULL, NULL))
    return FALSE;
  /* "pid (comm) S ..." — a zombie is dead for our purposes */
  p = strrchr (stat, ')');
  return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

gboolean
hg_process_pid_is_vm_qemu (GPid                  pid,
                           const HgRuntimePaths *paths)
{
  g_autofree char *exe_link = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *base = NULL;
  g_autofree char *cmdline_path = NULL;
  g_autofree char *cmdline = NULL;
  gsize len = 0;

  g_return_val_if_fail (paths != NULL, FALSE);

  if (pid <= 1 || !hg_process_pid_is_alive (pid))
    return FALSE;

  exe_link = g_strdup_printf ("/proc/%d/exe", (int) pid);
  exe = g_file_read_link (exe_link, NULL);
  if (exe == NULL)
    return FALSE;
  base = g_path_get_basename (exe);
  if (!g_str_has_prefix (base, "qemu-system-"))
    return FALSE;

  cmdline_path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  if (!g_file_get_contents (cmdline_path, &cmdline, &len, NULL))
    return FALSE;
  {
    /* QEMU option values have ',' doubled (hg_cmdline_escape) */
    g_auto(GStrv) parts = g_strsplit (paths->qmp, ",", -1);
    g_autofree char *escaped = g_strjoinv (",,", parts);

    for (gsize off = 0; off < len; off += strlen (cmdline + off) + 1)
      {
        const char *arg = cmdline + off;
        gsize plen = strlen (escaped);

        /* the path as a whole option value: after '=' or ':', followed by
         * the end or the ',' before the next option */
        for (const char *hit = strstr (arg, escaped); hit != NULL; hit = strstr (hit + 1, escaped))
          {
            char after = hit[plen];
            char before = hit == arg ? '=' : hit[-1];
            if ((before == '=' || before == ':') && (after == '\0' || after == ','))
              return TRUE;
          }
      }
  }
  return FALSE;
}

GPid
hg_process_find_running (const HgRuntimePaths *paths)
{
  GPid pid = 0;

  if (!hg_process_read_pidfile (paths->pidfile, &pid, NULL))
    return 0;
  return hg_process_pid_is_vm_qemu (pid, paths) ? pid : 0;
}

gboolean
hg_process_pid_is_stopped (GPid pid)
{
  g_autofree char *proc = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (pid <= 0 || !g_file_get_contents (proc, &stat, NULL, NULL))
    return FALSE;
  p = strrchr (stat, ')');
  return p != NULL && p[1] == ' ' && (p[2] == 'T' || p[2] == 't');
}

/* TRUE while the process a pidfd refers to has not ended */
static gboolean
pidfd_is_alive (int pidfd)
{
  struct pollfd pfd = { pidfd, POLLIN, 0 };

  return poll (&pfd, 1, 0) == 0;
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
  pidfd = hg_process_pidfd_open (pid);
  if (!hg_process_pid_is_vm_qemu (pid, paths) || (pidfd >= 0 && !pidfd_is_alive (pidfd)))
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
  const char *files[] = { paths->qmp, paths->qmp_ctl, paths->serial, paths->monitor, paths->vnc, paths->pidfile };
  gboolean ok = TRUE;

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
  return ok;
}

int
hg_process_lock (const HgRuntimePaths  *paths,
                 const char            *label,
                 GError               **error)
{
  struct stat st;
  int fd;

  fd = open (paths->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, HG_PROCESS_ERROR,
                   saved == ELOOP ? HG_PROCESS_ERROR_UNSAFE_PATH : HG_PROCESS_ERROR_FAILED,
                   _("Cannot open lock file %s: %s"), paths->lock, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
    {
      close (fd);
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_UNSAFE_PATH,
                   _("Refusing lock file %s: not a regular file of ours"), paths->lock);
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                     _("VM '%s' is being started by another process"), label);
      else
        g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                     _("Cannot lock %s: %s"), paths->lock, g_strerror (saved));
      return -1;
    }
  return fd;
}

void
hg_process_unlock (int fd)
{
  if (fd >= 0)
    {
      flock (fd, LOCK_UN);
      close (fd);
    }
}

char *
hg_process_log_tail (const char *log_path,
                     guint       n_lines)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  const char *p;
  guint seen = 0;

  if (log_path == NULL || !g_file_get_contents (log_path, &contents, &len, NULL))
    return g_strdup ("");
  /* drop trailing newlines, then walk back n lines */
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == '\r'))
    contents[--len] = '\0';
  p = contents + len;
  while (p > contents)
    {
      if (p[-1] == '\n' && ++seen == n_lines)
        break;
      p--;
    }
  if (!g_utf8_validate (p, -1, NULL))
    return g_utf8_make_valid (p, -1);
  return g_strdup (p);
}

int
hg_process_pidfd_open (GPid pid)
{
#ifdef SYS_pidfd_open
  int fd = (int) syscall (SYS_pidfd_open, (pid_t) pid, 0);
  if (fd >= 0)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0)
        fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
    }
  return fd;
#else
  return -1;
#endif
}

gboolean
hg_process_send_signal (GPid     pid,
                        int      pidfd,
                        int      signum,
                        GError **error)
{
  int r = -1;

#ifdef SYS_pidfd_send_signal
  if (pidfd >= 0)
    r = (int) syscall (SYS_pidfd_send_signal, pidfd, signum, NULL, 0);
  else
#endif
    r = kill (pid, signum);
  if (r != 0 && errno != ESRCH)
    {
      int saved = errno;
      g_set_error (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_FAILED,
                   _("Cannot signal QEMU (pid %d): %s"), (int) pid, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* ---- start ------------------------------------------------------------- */

typedef struct {
  HgVmConfig          *config;
  HgRuntimePaths      *paths;
  HgProcessStartFlags  flags;
  int                  lock_fd;
  GSubprocess         *subprocess;
  GPid                 pid;
  HgQmpClient         *qmp;
  GSource             *retry_source;
  GSource             *deadline_source;
  GCancellable        *wait_cancel;  /* stops watching the exit once started */
  gboolean             exited;
  gboolean             done;
  int                  exit_status;
  gboolean             pidfile_by_qemu;
} StartData;

static void
start_data_free (StartData *d)
{
  if (d->retry_source != NULL)
    g_source_destroy (d->retry_source);
  g_clear_pointer (&d->retry_source, g_source_unref);
  if (d->deadline_source != NULL)
    g_source_destroy (d->deadline_source);
  g_clear_pointer (&d->deadline_source, g_source_unref);
  g_clear_object (&d->wait_cancel);
  hg_process_unlock (d->lock_fd);
  g_clear_object (&d->subprocess);
  g_clear_object (&d->qmp);
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

static void try_connect (GTask *task);

/* Drops every source and wait that holds the task. */
static void
stop_watching (StartData *d)
{
  if (d->retry_source != NULL)
    g_source_destroy (d->retry_source);
  g_clear_pointer (&d->retry_source, g_source_unref);
  if (d->deadline_source != NULL)
    g_source_destroy (d->deadline_source);
  g_clear_pointer (&d->deadline_source, g_source_unref);
}

/* QEMU's own complaint: the log's last lines, joined with "; " */
static char *
log_error_lines (const char *log)
{
  g_autofree char *tail = hg_process_log_tail (log, 6);
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
 * cleaned. */
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
  stop_watching (d);
  if (d->qmp != NULL)
    hg_qmp_client_close (d->qmp);
  g_clear_object (&d->qmp);
  if (d->subprocess != NULL && !d->exited)
    g_subprocess_force_exit (d->subprocess);
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
on_retry (gpointer user_data)
{
  GTask *task = user_data;
  StartData *d = g_task_get_task_data (task);

  g_source_destroy (d->retry_source);
  g_clear_pointer (&d->retry_source, g_source_unref);
  if (!d->done)
    try_connect (task);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (GTask *task)
{
  StartData *d = g_task_get_task_data (task);

  g_assert (d->retry_source == NULL);
  d->retry_source = g_timeout_source_new (10);
  g_source_set_callback (d->retry_source, on_retry, g_object_ref (task), g_object_unref);
  g_source_attach (d->retry_source, g_task_get_context (task));
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
  /* QEMU writes its own pidfile when asked (-pidfile); make sure there is
   * one naming the right pid either way. */
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
  stop_watching (d);
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
      if (g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_CONNECT) ||
          g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_DISCONNECTED))
        {
          /* the socket is not there (or not listening) yet, or QEMU is
           * going away: then its exit, with its own words, ends the start */
          g_error_free (error);
          g_clear_object (&d->qmp);
          schedule_retry (task);
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

static void
try_connect (GTask *task)
{
  StartData *d = g_task_get_task_data (task);

  g_clear_object (&d->qmp);
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      start_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Start cancelled")));
      return;
    }
  if (!g_file_test (d->paths->qmp, G_FILE_TEST_EXISTS))
    {
      schedule_retry (task);
      return;
    }
  d->qmp = hg_qmp_client_new (d->paths->qmp);
  hg_qmp_client_open_async (d->qmp, g_task_get_cancellable (task), on_open, g_object_ref (task));
}

static gboolean
argv_has (char **argv, const char *option)
{
  for (guint i = 0; argv[i] != NULL; i++)
    if (strcmp (argv[i], option) == 0)
      return TRUE;
  return FALSE;
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

void
hg_process_start_async (HgVmConfig           *config,
                        HgBootMode            boot_mode,
                        const HgRuntimePaths *paths,
                        HgHostCaps           *caps,
                        const HgVmImages     *images,
                        HgProcessStartFlags   flags,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(HgHostCaps) own_caps = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_auto(GStrv) argv = NULL;
  GError *error = NULL;
  StartData *d;
  GPid running;
  int log_fd;
  int err_fd;

  g_return_if_fail (config != NULL);
  g_return_if_fail (paths != NULL);
  g_return_if_fail (images != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_process_start_async);
  d = g_new0 (StartData, 1);
  d->config = hg_vm_config_ref (config);
  d->paths = hg_runtime_paths_copy (paths);
  d->flags = flags;
  d->lock_fd = -1;
  g_task_set_task_data (task, d, (GDestroyNotify) start_data_free);

  if (!hg_process_prepare_runtime_dir (paths, &error))
    {
      d->done = TRUE;
      g_task_return_error (task, error);
      return;
    }
  d->lock_fd = hg_process_lock (paths, config->label, &error);
  if (d->lock_fd < 0)
    {
      d->done = TRUE;
      g_task_return_error (task, error);
      return;
    }
  running = hg_process_find_running (paths);
  if (running != 0)
    {
      d->done = TRUE;
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_ALREADY_RUNNING,
                               _("VM '%s' is already running (pid %d)"),
                               config->label, (int) running);
      return;
    }
  /* whatever is left belongs to a dead VM */
  if (!hg_process_clean_runtime (paths, &error))
    {
      d->done = TRUE;
      g_task_return_error (task, error);
      return;
    }
  g_unlink (paths->exit_reason);
  g_unlink (paths->crashed);

  if (caps == NULL)
    caps = own_caps = hg_host_caps_probe ();
  argv = hg_cmdline_build (config, boot_mode, paths, caps, images, &error);
  if (argv == NULL)
    {
      d->done = TRUE;
      g_task_return_error (task, error);
      return;
    }
  /* VDE NICs: their switches are started on demand (hg-switch.c) */
  for (guint i = 0; i < config->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (config->nics, i);
      if (nic->mode == HG_NET_VDE &&
          !hg_switch_ensure_running_sync (paths->root,
                                          nic->switch_name != NULL && *nic->switch_name != '\0'
                                            ? nic->switch_name : "default",
                                          &error))
        {
          d->done = TRUE;
          g_prefix_error (&error, _("VM '%s': "), config->label);
          g_task_return_error (task, error);
          return;
        }
    }
  d->pidfile_by_qemu = argv_has (argv, "-pidfile");
  args = g_ptr_array_new ();
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, argv[i]);
  if ((flags & HG_PROCESS_START_PAUSED) && !argv_has (argv, "-S"))
    g_ptr_array_add (args, (char *) "-S");
  g_ptr_array_add (args, NULL);

  log_fd = open_log (paths->log, &error);
  if (log_fd < 0)
    {
      d->done = TRUE;
      g_task_return_error (task, error);
      return;
    }
  err_fd = dup (log_fd);
  /* stdin: /dev/null; the environment: Hangar's short list, not ours */
  launcher = hg_spawn_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_take_stderr_fd (launcher, err_fd);
  g_subprocess_launcher_set_cwd (launcher, config->dir != NULL ? config->dir : "/");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  g_debug ("spawning %s", (const char *) args->pdata[0]);
  d->subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  if (d->subprocess == NULL)
    {
      d->done = TRUE;
      g_prefix_error (&error, _("Cannot run %s for VM '%s': "),
                      (const char *) args->pdata[0], config->label);
      error->domain = HG_PROCESS_ERROR;
      error->code = HG_PROCESS_ERROR_SPAWN;
      g_task_return_error (task, error);
      return;
    }
  d->pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (d->subprocess), NULL, 10);

  d->wait_cancel = g_cancellable_new ();
  g_subprocess_wait_async (d->subprocess, d->wait_cancel, on_exited, g_object_ref (task));
  d->deadline_source = g_timeout_source_new (HG_PROCESS_START_TIMEOUT_MS);
  g_source_set_callback (d->deadline_source, on_deadline, g_object_ref (task), g_object_unref);
  g_source_attach (d->deadline_source, g_task_get_context (task));
  try_connect (task);
}

HgQmpClient *
hg_process_start_finish (GAsyncResult  *result,
                         GSubprocess  **out_subprocess,
                         GPid          *out_pid,
                         GError       **error)
{
  StartData *d;
  HgQmpClient *qmp;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hg_process_start_async, NULL);

  qmp = g_task_propagate_pointer (G_TASK (result), error);
  if (qmp == NULL)
    return NULL;
  d = g_task_get_task_data (G_TASK (result));
  if (out_subprocess != NULL)
    *out_subprocess = g_object_ref (d->subprocess);
  if (out_pid != NULL)
    *out_pid = d->pid;
  return qmp;
}
